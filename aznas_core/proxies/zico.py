"""ZiCo as the AZ-NAS authors' harness computes it (PROTOCOLS.md A9).

One cross-entropy backward per labelled batch (the authors use two), model in training mode.
For every Conv2d/Linear weight, over the batches: the mean of |g| and the standard deviation
of g (ddof 0) per element; keep the elements whose std is not zero; tmpsum = sum of
mean|g| / std; a layer adds log(tmpsum), or nothing when tmpsum is 0 (layers that only feed
`none` edges) or when it received no gradient. Score = the sum over layers.

The reduction runs in float64 on the float32 gradients (the authors reduce in NumPy float32),
so values agree to float32 precision.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from aznas_core.proxies.gradsign import prunable_weights
from aznas_core.proxies.tenas import _logits, training_mode


def batch_gradients(model: nn.Module, batches) -> dict[str, torch.Tensor]:
    """{weight name: (n_batches x numel) gradients}, only for weights that got a gradient."""
    weights = prunable_weights(model)
    rows: dict[str, list] = {n: [] for n in weights}
    with training_mode(model), torch.enable_grad():
        for x, y in batches:
            loss = nn.functional.cross_entropy(_logits(model(x)), y)
            grads = torch.autograd.grad(loss, list(weights.values()), allow_unused=True)
            for n, g in zip(weights, grads):
                if g is not None:
                    rows[n].append(g.detach().reshape(-1))
    return {n: torch.stack(r) for n, r in rows.items() if r}


def zico_from_gradients(grads: dict[str, torch.Tensor]) -> float:
    """Sum over layers of log(sum over elements with std != 0 of mean|g| / std)."""
    total = 0.0
    for g in grads.values():
        g = g.double()
        std = g.std(dim=0, unbiased=False)
        keep = std != 0
        tmpsum = float((g.abs().mean(dim=0)[keep] / std[keep]).sum())
        if tmpsum != 0:
            total += math.log(tmpsum)
    return total


def zico(model: nn.Module, batches, device=None) -> float:
    """ZiCo of `model` on labelled `batches` [(x, y), ...] (at least two); larger is better."""
    batches = list(batches)
    if len(batches) < 2:
        raise ValueError(f"ZiCo needs at least two batches (a std over batches), got {len(batches)}")
    if device is not None:
        model = model.to(device)
        batches = [(x.to(device), y.to(device)) for x, y in batches]
    return zico_from_gradients(batch_gradients(model, batches))


# Registration (PROTOCOLS.md A9): two labelled data batches, PyTorch default init. Dead
# edges may be pruned: their layers are skipped either way (no or all-zero gradients).
from aznas_core.proxies.registry import register_family  # noqa: E402


@register_family(
    "zico",
    proxies={"zico": "ZiCo: sum over layers of log sum mean|g| / std(g) (two data batches)"},
    inputs={"zico": {"data", "data2", "labels"}},
    init={"aznas": "pytorch_default"},
    reads_classifier=True,
    prune=True,
)
def zico_family(model: nn.Module, batch, cfg, proxies=None) -> dict[str, float]:
    return {"zico": zico(model, [(batch.x, batch.y), (batch.x2, batch.y2)])}
