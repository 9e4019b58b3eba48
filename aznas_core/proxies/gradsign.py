"""GradSign as the AZ-NAS authors' harness computes it (PROTOCOLS.md A8).

For each sample i of one labelled batch, alone (batch size 1, training mode: BatchNorm
normalises over that sample's H x W), the gradient g_i of its cross-entropy with respect to
every Conv2d/Linear weight. Score = mean over all P weight elements of |sum_i sign(g_i)|
(`nanmean`; elements the forward never reaches count as zeros); NaN becomes -inf.

How, not what: the authors run B forwards and B backwards of one sample each. A sample alone
in train-mode BatchNorm is normalised over its own H x W, i.e. instance normalisation; with
BatchNorm switched to that (`per_sample_normalization`) the samples of one batched forward no
longer interact, and one backward plus layer hooks yields every per-sample weight gradient
(`aznas_core.proxies.jacobians`). A BatchNorm2d reached by a 1x1 map (a zoo model at a
small resolution) cannot normalise one sample: a one-line ValueError asks for a larger input
(no fallback: any other normalisation would be a different proxy). `method='vmap'` is the
torch.func reference (`vmap(grad(loss))` over samples, any model); tests check both against
the authors' loop.
"""
from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from aznas_core.proxies.jacobians import check_not_modified, layer_taps, per_sample_weight_grads
from aznas_core.proxies.tenas import _logits, training_mode


def prunable_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every Conv2d / Linear weight by parameter name, in module order."""
    return {f"{name}.weight" if name else "weight": m.weight
            for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}


@contextlib.contextmanager
def batch_statistics_only(model: nn.Module):
    """BatchNorm without running-statistics updates (vmap cannot update an unbatched buffer
    from batched inputs). In training mode the outputs only read batch statistics, so the
    values are unchanged; the buffers are restored on exit."""
    saved = []
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            saved.append((m, m.track_running_stats, m.running_mean, m.running_var))
            m.track_running_stats, m.running_mean, m.running_var = False, None, None
    try:
        yield model
    finally:
        for m, track, mean, var in saved:
            m.track_running_stats, m.running_mean, m.running_var = track, mean, var


@contextlib.contextmanager
def per_sample_normalization(model: nn.Module):
    """Train-mode BatchNorm2d of a batch of ONE sample normalizes over that sample's H x W:
    instance normalization with the BN's affine parameters. With it, one batched forward gives
    every sample exactly the network it sees alone, and samples no longer interact."""
    patched = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    other = [type(m).__name__ for m in model.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm) and not isinstance(m, nn.BatchNorm2d)]
    if other:
        raise NotImplementedError(f"{other[0]} couples samples; use method='vmap'")
    for m in patched:
        m.forward = (lambda x, m=m: nn.functional.instance_norm(
            x, weight=m.weight, bias=m.bias, use_input_stats=True, eps=m.eps))
    try:
        yield model
    finally:
        for m in patched:
            del m.forward


def _sign_sum_vmap(model, x, y, chunk_size):
    weights = {n: w.detach() for n, w in prunable_weights(model).items()}
    others = {n: p.detach() for n, p in model.named_parameters() if n not in weights}

    def loss(w, xi, yi):
        logits = _logits(functional_call(model, {**others, **w}, (xi.unsqueeze(0),)))
        return nn.functional.cross_entropy(logits, yi.unsqueeze(0))

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    total = {n: torch.zeros_like(w) for n, w in weights.items()}
    with batch_statistics_only(model):
        for start in range(0, len(x), chunk_size):
            g = per_sample(weights, x[start:start + chunk_size], y[start:start + chunk_size])
            for n in total:
                total[n] += torch.sign(g[n]).sum(dim=0)
    return total


def _sign_sum_hooks(model, x, y):
    weights = prunable_weights(model)
    owners = {n.rpartition(".")[0] for n in weights}
    with torch.enable_grad(), per_sample_normalization(model), \
            layer_taps(model, owners) as taps:
        loss = nn.functional.cross_entropy(_logits(model(x)), y, reduction="sum")
    check_not_modified(taps)
    deltas = torch.autograd.grad(loss, [t[3] for t in taps], allow_unused=True)
    per_sample: dict[str, torch.Tensor] = {}
    for (name, module, inp, _, _), delta in zip(taps, deltas):
        if delta is not None:  # a module used twice adds up its calls
            r = per_sample_weight_grads(module, inp.detach(), delta)
            key = f"{name}.weight" if name else "weight"
            per_sample[key] = per_sample[key] + r if key in per_sample else r
    return {n: (torch.sign(per_sample[n]).sum(dim=0).reshape(w.shape) if n in per_sample
                else torch.zeros_like(w)) for n, w in weights.items()}


def sign_sum(model: nn.Module, x: torch.Tensor, y: torch.Tensor, method: str = "hooks",
             chunk_size: int = 16) -> dict[str, torch.Tensor]:
    """{weight name: sum over samples of sign(per-sample gradient)}, model in training mode.

    method='hooks' (default): per-sample BatchNorm as instance normalization, one batched
    forward and backward, per-sample weight gradients from layer inputs and output gradients
    (`aznas_core.proxies.jacobians`). method='vmap': the torch.func reference,
    `vmap(grad(loss))` over samples in chunks (any model)."""
    if method not in ("hooks", "vmap"):
        raise ValueError(f"method must be 'hooks' or 'vmap', got {method!r}")
    with training_mode(model):
        if method == "vmap":
            return _sign_sum_vmap(model, x, y, chunk_size)
        return _sign_sum_hooks(model, x, y)


REDUCTIONS = ("mean", "sum")


def gradsign(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device=None,
             method: str = "hooks", reduction: str = "mean") -> float | dict[str, float]:
    """GradSign of `model` on the labelled batch (x, y); larger is better.

    reduction over the P weight elements of |sum_i sign(g_i)|: 'mean' (`nanmean`, the AZ-NAS
    harness and GradSign's NASWOT-harness code), 'sum' (`nansum`, GradSign's zero-cost-nas
    measure `grad_conflict.py`, and the paper's Sec. 4.3 "adding all the scores over the
    weight parameters": it grows with #params), or 'both' ({'mean': ..., 'sum': ...} from one
    pass). NaN becomes -inf."""
    if reduction not in (*REDUCTIONS, "both"):
        raise ValueError(f"reduction must be one of {[*REDUCTIONS, 'both']}, got {reduction!r}")
    if device is not None:
        model, x, y = model.to(device), x.to(device), y.to(device)
    try:
        sums = sign_sum(model, x, y, method)
    except ValueError as e:
        if "spatial element" not in str(e) and "value per channel" not in str(e):
            raise
        raise ValueError(
            "gradsign: a train-mode BatchNorm sees a 1x1 feature map, and a sample alone (as "
            "GradSign scores each) has nothing to normalise over there (the authors' loop "
            "fails the same way): use a larger input resolution") from None
    flat = torch.cat([s.reshape(-1) for s in sums.values()]).abs()
    out = {"mean": float(torch.nanmean(flat)), "sum": float(torch.nansum(flat.double()))}
    out = {k: -math.inf if math.isnan(v) else v for k, v in out.items()}
    return out if reduction == "both" else out[reduction]


# Registration (PROTOCOLS.md A8): one labelled data batch, PyTorch default init. Dead edges
# may be pruned: their weights still count, as zeros, in the mean.
from aznas_core.proxies.registry import register_family  # noqa: E402


@register_family(
    "gradsign",
    proxies={"gradsign": "GradSign: mean over weights of |sum of per-sample gradient signs| "
                         "(the AZ-NAS harness's nanmean)",
             "gradsign_sum": "GradSign: the same summed over weights (nansum: GradSign's "
                             "zero-cost-nas measure and the paper's Sec. 4.3 text)"},
    inputs={"gradsign": {"data", "labels"}, "gradsign_sum": {"data", "labels"}},
    init={"aznas": "pytorch_default"},
    reads_classifier=True,
    prune=True,
)
def gradsign_family(model: nn.Module, batch, cfg, proxies=None) -> dict[str, float]:
    both = gradsign(model, batch.x, batch.y, reduction="both")
    return {"gradsign": both["mean"], "gradsign_sum": both["sum"]}
