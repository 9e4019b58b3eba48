"""GradSign as the AZ-NAS authors' harness computes it (PROTOCOLS.md A8).

For each sample i of one labelled batch, alone (batch size 1, training mode: BatchNorm
normalises over that sample's H x W), the gradient g_i of its cross-entropy with respect to
every Conv2d/Linear weight. Score = mean over all P weight elements of |sum_i sign(g_i)|
(`nanmean`; elements the forward never reaches count as zeros); NaN becomes -inf.

How, not what: the authors run B forwards and B backwards of one sample each. We compute
the B per-sample gradients in one vmapped call (`torch.func.vmap(torch.func.grad(...))`),
in chunks to bound memory, and keep only the running sum of signs.
"""
from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

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


def sign_sum(model: nn.Module, x: torch.Tensor, y: torch.Tensor, chunk_size: int = 16):
    """{weight name: sum over samples of sign(per-sample gradient)}."""
    weights = {n: w.detach() for n, w in prunable_weights(model).items()}
    others = {n: p.detach() for n, p in model.named_parameters() if n not in weights}

    def loss(w, xi, yi):
        logits = _logits(functional_call(model, {**others, **w}, (xi.unsqueeze(0),)))
        return nn.functional.cross_entropy(logits, yi.unsqueeze(0))

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    total = {n: torch.zeros_like(w) for n, w in weights.items()}
    with training_mode(model), batch_statistics_only(model):
        for start in range(0, len(x), chunk_size):
            g = per_sample(weights, x[start:start + chunk_size], y[start:start + chunk_size])
            for n in total:
                total[n] += torch.sign(g[n]).sum(dim=0)
    return total


def gradsign(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device=None,
             chunk_size: int = 16) -> float:
    """GradSign of `model` on the labelled batch (x, y); larger is better."""
    if device is not None:
        model, x, y = model.to(device), x.to(device), y.to(device)
    sums = sign_sum(model, x, y, chunk_size)
    flat = torch.cat([s.reshape(-1) for s in sums.values()]).abs()
    score = float(torch.nanmean(flat))
    return -math.inf if math.isnan(score) else score
