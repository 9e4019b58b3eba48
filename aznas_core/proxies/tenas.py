"""TE-NAS's two proxies as the AZ-NAS authors' harness computes them (PROTOCOLS.md A6).

* `ntk`: minus the condition number of the empirical NTK on one batch, model in training
  mode (BatchNorm batch statistics). Row i of the Jacobian G is the gradient of the sum of
  sample i's logits with respect to every parameter whose name contains "weight" (conv,
  BatchNorm gamma, classifier); NTK = G G^T (float32); cond = largest / smallest eigenvalue;
  a NaN condition number becomes 1e5, so the score is -1e5.
* `linear_region`: the number of distinct ReLU activation codes among the samples of one
  batch, codes read at every `nn.ReLU` whose input is 4-D, under `no_grad`, in training mode.
* `te_nas` is not a per-architecture score: it is the rank sum of the two over a set of
  architectures, `aznas_core.aggregate.te_nas`.

How, not what: like the authors we back-propagate each row separately (train-mode BatchNorm
couples the samples, so the B passes are inherent; see `ntk_jacobian`), but straight to the
weights with `autograd.grad` (no `.grad` accumulation, no bias gradients) and, in the
registry, with channels-last convolutions. The authors count distinct codes with a
half-precision Hamming matrix (sum_i 1 / #duplicates of code i); we count the distinct rows
directly, the number that formula computes.
"""
from __future__ import annotations

import contextlib
import math

import torch
from torch import nn

from aznas_core.modes import restored_modes
from aznas_core.proxies.jacobians import forward_with_relu_hooks

NAN_CONDITION = 1e5  # TE-NAS's np.nan_to_num(nan=100000)


def _logits(out):
    """NB201 networks written elsewhere (xautodl) return (features, logits)."""
    return out[-1] if isinstance(out, (tuple, list)) else out


@contextlib.contextmanager
def training_mode(model: nn.Module):
    """The authors' harness calls `network.train()` before every proxy; restore afterwards."""
    with restored_modes(model):
        model.train()
        yield model


def ntk_jacobian(model: nn.Module, x: torch.Tensor, method: str = "loop") -> torch.Tensor:
    """G (B x P): row i = d(sum_c logits[i, c]) / d(every '*weight*' parameter), one forward.
    Parameters the forward never reaches are left out (zero columns leave G G^T unchanged).

    Train-mode BatchNorm couples the samples, so every row is a backward pass over the whole
    batch: B backward passes are inherent. method='loop' (CPU default) runs them one by one
    with `autograd.grad` to the weights only; method='vmap' runs them as one vmapped backward
    (`is_grads_batched=True`, torch.func): fast on a GPU, slower than the loop on a CPU."""
    if method not in ("loop", "vmap"):
        raise ValueError(f"method must be 'loop' or 'vmap', got {method!r}")
    params = [p for n, p in model.named_parameters() if "weight" in n]
    with torch.enable_grad():
        row_sums = _logits(model(x)).sum(dim=1)
        b = len(row_sums)
        eye = torch.eye(b, dtype=row_sums.dtype, device=row_sums.device)
        if method == "vmap":
            grads = torch.autograd.grad(row_sums, params, grad_outputs=eye,
                                        is_grads_batched=True, allow_unused=True)
            return torch.cat([g.reshape(b, -1) for g in grads if g is not None], dim=1)
        rows = []
        for i in range(b):
            grads = torch.autograd.grad(row_sums, params, grad_outputs=eye[i],
                                        retain_graph=i < b - 1, allow_unused=True)
            rows.append(torch.cat([g.reshape(-1) for g in grads if g is not None]))
    return torch.stack(rows)


def condition_number(ntk: torch.Tensor) -> float:
    """lambda_max / lambda_min of a symmetric matrix (ascending `eigvalsh`, as `eigh` there);
    NaN becomes 1e5 as in TE-NAS."""
    eig = torch.linalg.eigvalsh(ntk)
    cond = float(eig[-1] / eig[0])
    return NAN_CONDITION if math.isnan(cond) else cond


def ntk_score(model: nn.Module, x: torch.Tensor, device=None, method: str = "loop") -> float:
    """TE-NAS `ntk` = -cond(NTK) on the batch `x` (larger is better)."""
    if device is not None:
        model, x = model.to(device), x.to(device)
    with training_mode(model):
        g = ntk_jacobian(model, x, method)
    return -condition_number(g @ g.T)


def activation_codes(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(B x D) booleans: which outputs of every `nn.ReLU` with a 4-D input are positive."""
    codes = []

    def hook(module, args, out):
        if args and args[0].dim() == 4:
            codes.append((out > 0).reshape(len(out), -1))

    forward_with_relu_hooks(model, x, hook)
    if not codes:
        raise ValueError(f"{type(model).__name__} has no nn.ReLU with a 4-D input: "
                         "linear regions are counted on ReLU activation codes")
    return torch.cat(codes, dim=1)


def count_distinct(codes: torch.Tensor) -> int:
    """Number of distinct rows of a (B x D) code matrix."""
    return int(torch.unique(codes.to(torch.uint8), dim=0).shape[0])


def linear_regions(model: nn.Module, x: torch.Tensor, device=None) -> float:
    """TE-NAS `linear_region`: distinct activation codes among the samples of `x`."""
    if device is not None:
        model, x = model.to(device), x.to(device)
    with training_mode(model):
        return float(count_distinct(activation_codes(model, x)))


# --------------------------------------------------------------------------------------
# Registration (PROTOCOLS.md A6): PyTorch default init; the NTK on a batch of the data
# source (the authors: real images; here the substitute), linear regions on Gaussian noise.
# Every op runs (no pruning): dead edges' ReLUs add to the activation codes, as there.
# --------------------------------------------------------------------------------------
from aznas_core.proxies.registry import register_family, register_set_proxy  # noqa: E402


@register_family(
    "tenas",
    proxies={"ntk": "TE-NAS: -cond(NTK) on a data batch (PyTorch default init)",
             "linear_region": "TE-NAS: distinct ReLU codes among a Gaussian batch"},
    inputs={"ntk": {"data"}, "linear_region": {"noise"}},
    init={"aznas": "pytorch_default"},
    reads_classifier=True,
)
def tenas_family(model: nn.Module, batch, cfg, proxies=None) -> dict[str, float]:
    method = "vmap" if torch.device(cfg.device).type == "cuda" else "loop"
    out = {}
    if proxies is None or "ntk" in proxies:
        out["ntk"] = ntk_score(model, batch.x, method=method)
    if proxies is None or "linear_region" in proxies:
        out["linear_region"] = linear_regions(model, batch.noise)
    return out


register_set_proxy("te_nas", ("ntk", "linear_region"),
                   "TE-NAS: rank(ntk) + rank(linear_region) over a set of architectures "
                   "(aznas_core.aggregate.te_nas)")
