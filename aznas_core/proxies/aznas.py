"""The AZ-NAS proxies: expressivity, progressivity, trainability (one forward + one backward).

Follows the authors' public implementation where it is more specific than the paper:

* covariance normalized by n (the paper's Eq. 2 writes n-1; this scales every eigenvalue
  equally and does not change the normalized spectrum);
* entropy with `log(p + 1e-8)`; a NaN score (e.g. all-zero features) becomes -inf;
* trainability uses `-sigma - 1/(sigma + 1e-6) + 2`, and a block whose input gradient equals
  its output gradient exactly (an identity cell) scores -inf;
* computations in float32.

One deviation in *how*, not *what*: the authors back-propagate each block separately (17
`autograd.grad` calls). We feed each block a detached copy of its input and back-propagate
all blocks' Rademacher gradients in one call, without weight gradients; each block's input
gradient is the same quantity, computed once. `block_scores` does this for any module through
the hooks of `aznas_core.blocks`; `aznas_from_blocks` is the arithmetic on the captured tensors.

Feature layouts: (B, C, H, W) maps (CNNs: every position of every sample is one sample) and
(B, N, C) token sequences (ViTs, PROTOCOLS.md E.4: every token is one sample; trainability
pairs of unequal token counts raise, an exactly-identity pair is skipped instead of scoring
-inf, no pixel-unshuffle). (B, C) vectors count each sample once.
"""
from __future__ import annotations

import math
from typing import get_args

import torch
from torch import nn

from aznas_core.blocks import BlockPairingError, BlockProxy, capture_blocks, scoring_state
from aznas_core.proxies.registry import register_family

LOG_EPS = 1e-8
SIGMA_EPS = 1e-6


def as_samples(t: torch.Tensor) -> torch.Tensor:
    """(n, C) rows, channels last: a (B, C, H, W) map gives B*H*W rows, (B, N, C) tokens B*N
    rows, (B, C) vectors B rows."""
    if t.dim() == 4:
        b, c, h, w = t.shape
        return t.permute(0, 2, 3, 1).reshape(b * h * w, c)
    if t.dim() in (2, 3):
        return t.reshape(-1, t.shape[-1])
    raise ValueError(f"a block output must be (B,C,H,W), (B,N,C) or (B,C); got shape "
                     f"{tuple(t.shape)}")


def block_expressivity(feature: torch.Tensor) -> float:
    """Entropy of the normalized PCA spectrum of a block output (see `as_samples`).

    Every spatial position (or token) of every sample is one C-dim feature. Isotropic
    features score log(C), the maximum; a collapsed (low-rank) feature space scores less.
    """
    x = as_samples(feature.detach())
    x = x - x.mean(dim=0, keepdim=True)
    if x.shape[0] < x.shape[1]:
        # Fewer samples than channels (a 2048-wide head at a reduced resolution; never at
        # the authors' scales, where n > C). The n x n Gram matrix has the covariance's
        # nonzero eigenvalues at (C/n)^3 less cost; the others, and the one centring
        # removes, are zero in exact arithmetic and contribute 0. Rounding would give them
        # either sign, and a p < -1e-8 turns the score into NaN (-inf), so they are computed
        # in float64 and clamped at 0: the exact-arithmetic value.
        gram = (x.double() @ x.double().T) / x.shape[0]
        eig = torch.linalg.eigvalsh(gram).clamp(min=0)
    else:
        eig = torch.linalg.eigvalsh((x.T @ x) / x.shape[0])
    p = eig / eig.sum()
    return float(-(p * torch.log(p + LOG_EPS)).sum())


def expressivity_and_progressivity(block_scores) -> tuple[float, float]:
    """s^E = sum of block scores; s^P = min consecutive difference (Eqs. 4 and 5)."""
    scores = torch.tensor(block_scores, dtype=torch.float64)
    e = float(scores.sum())
    p = float((scores[1:] - scores[:-1]).min())
    return e, p


def block_trainability(g_in: torch.Tensor, g_out: torch.Tensor) -> float:
    """-sigma - 1/sigma + 2 for the block's approximate Jacobian A^T = mean_p g_in(p) g_out(p)^T.

    `g_out` is the Rademacher gradient fed to the block output, `g_in` the gradient it
    produces at the block input. A downsampling block's input gradient is pixel-unshuffled
    so that positions align. An identity block (g_in == g_out) scores -inf.
    """
    if g_out.dim() == 3:
        return _token_trainability(g_in, g_out)
    if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
        return -math.inf
    if g_in.shape[2:] != g_out.shape[2:]:
        stride = g_in.shape[2] // g_out.shape[2]
        g_in = nn.functional.pixel_unshuffle(g_in, stride)
    bo, co, ho, wo = g_out.shape
    n = bo * ho * wo
    a = g_in.permute(0, 2, 3, 1).reshape(n, -1).T @ g_out.permute(0, 2, 3, 1).reshape(n, co)
    return _sigma_score(a / n)


def _sigma_score(a: torch.Tensor) -> float:
    if a.shape[0] < a.shape[1]:
        a = a.T
    sigma = float(torch.linalg.svdvals(a).max())
    return -sigma - 1.0 / (sigma + SIGMA_EPS) + 2.0


def _token_trainability(g_in: torch.Tensor, g_out: torch.Tensor) -> float | None:
    """The ViT rule (authors' AutoFormer code): None (skip the pair) for an identity pair."""
    if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
        return None
    if g_in.dim() != 3 or g_in.shape[:2] != g_out.shape[:2]:
        raise ValueError(f"token blocks cannot be paired: input gradient {tuple(g_in.shape)} vs "
                         f"output {tuple(g_out.shape)} (batch and token counts must match)")
    n = g_out.shape[0] * g_out.shape[1]
    return _sigma_score(as_samples(g_in).T @ as_samples(g_out) / n)


# Row b of this table holds the 8 bits of the byte b as -1/+1.
_SIGNS_OF_BYTE = ((torch.arange(256).unsqueeze(1) >> torch.arange(8)) & 1).float() * 2 - 1


def rademacher_like(t: torch.Tensor, generator=None) -> torch.Tensor:
    """I.i.d. +-1 entries shaped like `t`: each bit of a random byte gives one sign (7x faster
    than `randint(0, 2)` on CPU, same distribution). For a (B, C, H, W) `t` signs are laid
    out in (B, H, W, C) order whatever its memory format, so the values never depend on it
    (and for a channels-last `t` the result is channels-last without a copy)."""
    n = t.numel()
    words = torch.randint(-(2**63), 2**63 - 1, ((n + 63) // 64,), dtype=torch.int64,
                          generator=generator)
    signs = _SIGNS_OF_BYTE.index_select(0, words.view(torch.uint8).long()).reshape(-1)[:n]
    signs = signs.to(device=t.device)
    if t.dim() != 4:
        return signs.reshape(t.shape).to(t.dtype)
    b, c, h, w = t.shape
    return signs.reshape(b, h, w, c).permute(0, 3, 1, 2).to(t.dtype)


def _nan_to_neg_inf(v: float) -> float:
    return -math.inf if math.isnan(v) else float(v)


def aznas_from_blocks(feats, inputs, generator=None, progressivity: bool = True) -> dict:
    """E, P (optional) and T from captured block outputs `feats` (the first one the stem's)
    and `inputs`, the detached leaf tensors that blocks 1..L-1 read (`inputs[i]` equals
    `feats[i]`). Trainability back-propagates every block's Rademacher gradient in one call.
    """
    if len(inputs) != len(feats) - 1:
        raise ValueError(f"{len(feats)} block outputs need {len(feats) - 1} block inputs, "
                         f"got {len(inputs)}")
    g_outs = [rademacher_like(f, generator) for f in feats[1:]]
    g_ins = []
    if g_outs:
        g_ins = torch.autograd.grad(feats[1:], inputs, grad_outputs=g_outs, allow_unused=True)
        # a block that ignores its input (cannot happen in NB201 cells) passes back zeros
        g_ins = [torch.zeros_like(leaf) if g is None else g for g, leaf in zip(g_ins, inputs)]
    return aznas_from_gradients(feats, g_ins, g_outs, progressivity)


def aznas_from_gradients(feats, g_ins, g_outs, progressivity: bool = True) -> dict:
    """E, P (optional) and T from block outputs `feats` and, for each block after the first,
    the Rademacher gradient `g_outs[i]` fed to its output and the gradient `g_ins[i]` it
    passes to its input. NaN becomes -inf, as in the authors' code."""
    block_e = [block_expressivity(f) for f in feats]
    if len(feats) > 1:
        expressivity, prog = expressivity_and_progressivity(block_e)
    else:
        expressivity, prog = float(sum(block_e)), math.nan
    block_t = [block_trainability(g_in, g_out) for g_in, g_out in zip(g_ins, g_outs)]
    block_t = [t for t in block_t if t is not None]  # skipped identity token pairs
    trainability = sum(block_t) / len(block_t) if block_t else math.nan
    out = {"expressivity": _nan_to_neg_inf(expressivity)}
    if progressivity:
        out["progressivity"] = _nan_to_neg_inf(prog)
    out["trainability"] = _nan_to_neg_inf(trainability)
    return out


def aznas_from_chain(feats, generator=None, progressivity: bool = True) -> dict:
    """The same proxies from an undetached chain of features (per-pair autograd.grad)."""
    g_outs = [rademacher_like(f, generator) for f in feats[1:]]
    g_ins = []
    for l in range(1, len(feats)):
        try:
            (g_in,) = torch.autograd.grad(feats[l], feats[l - 1], grad_outputs=g_outs[l - 1],
                                          retain_graph=True, allow_unused=True)
        except RuntimeError as err:
            raise BlockPairingError(f"block outputs {l - 1} and {l} cannot be paired: {err}")
        if g_in is None:
            raise BlockPairingError(f"block output {l} does not depend on block output {l - 1}")
        g_ins.append(g_in)
    return aznas_from_gradients(feats, g_ins, g_outs, progressivity)



MODEL_PROXIES: tuple[BlockProxy, ...] = get_args(BlockProxy)


def block_scores(model: nn.Module, x: torch.Tensor, blocks, proxies=MODEL_PROXIES,
                 generator=None, mode: str | None = "train") -> dict[str, float]:
    """E, P, T of `model` on `x` read at `blocks`: module names (hooks, one backward) or a
    callable `(model, x) -> [block outputs]` (per-pair `autograd.grad`). `mode`: 'train',
    'eval' or None (as it is); modes and requires_grad flags are restored on return."""
    progressivity = "progressivity" in proxies
    with scoring_state(model, mode), torch.enable_grad():
        if callable(blocks) and not isinstance(blocks, (list, tuple, str)):
            x = x.detach().requires_grad_(True)
            return aznas_from_chain(list(blocks(model, x)), generator, progressivity)
        feats, leaves = capture_blocks(model, x, [blocks] if isinstance(blocks, str) else blocks)
        return aznas_from_blocks(feats, leaves, generator, progressivity=progressivity)


def aznas_scores(model, x: torch.Tensor, generator=None, blocks=None) -> dict[str, float]:
    """Expressivity, progressivity and trainability of `model` on the input batch `x`, in
    training mode (BatchNorm uses batch statistics), through `block_scores`' hooks.

    `blocks` names the primary blocks; by default the model's `primary_blocks` attribute,
    else the NB201 convention: `stem` and every module of `blocks`.
    """
    if blocks is None:
        blocks = getattr(model, "primary_blocks", None)
    if blocks is None:
        blocks = ["stem"] + [f"blocks.{i}" for i in range(len(model.blocks))]
    return block_scores(model, x, blocks, MODEL_PROXIES, generator=generator, mode="train")


@register_family(
    "aznas",
    proxies={
        "expressivity": "AZ-NAS s^E: summed entropy of block PCA spectra",
        "progressivity": "AZ-NAS s^P: min increase of block expressivity",
        "trainability": "AZ-NAS s^T: mean -sigma-1/sigma+2 of block Jacobians",
    },
    inputs={p: {"noise"} for p in MODEL_PROXIES},
    init={"aznas": "kaiming_fan_in"},
    prune=True,
    legacy_layout=True,
)
def aznas_family(model, batch, cfg, proxies=None) -> dict[str, float]:
    return aznas_scores(model, batch.noise, generator=batch.generator("gradients"))
