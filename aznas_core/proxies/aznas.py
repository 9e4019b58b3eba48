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
gradient is the same quantity, computed once.
"""
from __future__ import annotations

import math

import torch
from torch import nn

LOG_EPS = 1e-8
SIGMA_EPS = 1e-6


def block_expressivity(feature: torch.Tensor) -> float:
    """Entropy of the normalized PCA spectrum of a (B, C, H, W) feature map.

    Every spatial position of every sample is one C-dim feature (n = B*H*W). Isotropic
    features score log(C), the maximum; a collapsed (low-rank) feature space scores less.
    """
    b, c, h, w = feature.shape
    x = feature.detach().permute(0, 2, 3, 1).reshape(b * h * w, c)
    x = x - x.mean(dim=0, keepdim=True)
    cov = (x.T @ x) / x.shape[0]
    eig = torch.linalg.eigvalsh(cov)
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
    if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
        return -math.inf
    if g_in.shape[2:] != g_out.shape[2:]:
        stride = g_in.shape[2] // g_out.shape[2]
        g_in = nn.functional.pixel_unshuffle(g_in, stride)
    bo, co, ho, wo = g_out.shape
    n = bo * ho * wo
    a = g_in.permute(0, 2, 3, 1).reshape(n, -1).T @ g_out.permute(0, 2, 3, 1).reshape(n, co)
    a = a / n
    if a.shape[0] < a.shape[1]:
        a = a.T
    sigma = float(torch.linalg.svdvals(a).max())
    return -sigma - 1.0 / (sigma + SIGMA_EPS) + 2.0


# Row b of this table holds the 8 bits of the byte b as -1/+1.
_SIGNS_OF_BYTE = ((torch.arange(256).unsqueeze(1) >> torch.arange(8)) & 1).float() * 2 - 1


def rademacher_like(t: torch.Tensor, generator=None) -> torch.Tensor:
    """I.i.d. +-1 entries shaped like the (B, C, H, W) tensor `t`: each bit of a random byte
    gives one sign (7x faster than `randint(0, 2)` on CPU, same distribution). Signs are laid
    out in (B, H, W, C) order whatever `t`'s memory format, so the values never depend on it
    (and for a channels-last `t` the result is channels-last without a copy)."""
    b, c, h, w = t.shape
    n = t.numel()
    words = torch.randint(-(2**63), 2**63 - 1, ((n + 63) // 64,), dtype=torch.int64,
                          generator=generator)
    signs = _SIGNS_OF_BYTE.index_select(0, words.view(torch.uint8).long()).reshape(-1)[:n]
    return signs.reshape(b, h, w, c).permute(0, 3, 1, 2).to(t.dtype)


def _nan_to_neg_inf(v: float) -> float:
    return -math.inf if math.isnan(v) else float(v)


def aznas_scores(model, x: torch.Tensor, generator=None) -> dict[str, float]:
    """Expressivity, progressivity and trainability of `model` on the input batch `x`.

    `model.features(x, detach_between_blocks=True)` must return the primary-block outputs
    (the first being the stem's) and expose the detached block inputs as `block_inputs`.
    The model stays in training mode (BatchNorm uses batch statistics).
    """
    model.train()
    for p in model.parameters():
        p.requires_grad_(False)
    feats = model.features(x, detach_between_blocks=True)
    inputs = model.block_inputs
    assert len(inputs) == len(feats) - 1

    block_e = [block_expressivity(f) for f in feats]
    expressivity, progressivity = expressivity_and_progressivity(block_e)

    g_outs = [rademacher_like(f, generator) for f in feats[1:]]
    g_ins = torch.autograd.grad(feats[1:], inputs, grad_outputs=g_outs, allow_unused=True)
    block_t = []
    for g_in, g_out, leaf in zip(g_ins, g_outs, inputs):
        if g_in is None:  # the block ignores its input (cannot happen in NB201 cells)
            g_in = torch.zeros_like(leaf)
        block_t.append(block_trainability(g_in, g_out))
    trainability = sum(block_t) / len(block_t)
    return {
        "expressivity": _nan_to_neg_inf(expressivity),
        "progressivity": _nan_to_neg_inf(progressivity),
        "trainability": _nan_to_neg_inf(trainability),
    }
