"""Synflow as the AZ-NAS harness and zero-cost-nas compute it (PROTOCOLS.md A4, B8).

On a copy of the network: BatchNorm bypassed (its forward replaced by the identity), the
initialised weights (Kaiming fan-in in the harness, PyTorch's default in zero-cost-nas)
replaced by their absolute values (every state tensor), float64; input all ones of shape
[1, 3, R, R]; R = sum of the logits; score = sum over conv/linear weights of |W * dR/dW|.
No log, larger is better. (NASLib maps the sum to a signed log and NaN to -1e8: monotone,
so the ranking is the same; we keep the raw sum.)
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from aznas_core.config import Config
from aznas_core.proxies.registry import Batch, register_family
from aznas_core.proxies.gradient import INITS, _logits, prunable


def _identity(x):
    return x


def synflow_score(model: nn.Module, resolution: int) -> float:
    net = copy.deepcopy(model).double()
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.forward = _identity
    with torch.no_grad():
        for t in net.state_dict().values():
            if t.is_floating_point():
                t.abs_()
    device = next(net.parameters()).device
    x = torch.ones(1, 3, resolution, resolution, dtype=torch.float64, device=device)
    layers = prunable(net)
    with torch.enable_grad():
        out = _logits(net(x)).sum()
        grads = torch.autograd.grad(out, [m.weight for m in layers], allow_unused=True)
    return float(sum((m.weight.detach() * g).abs().sum()
                     for m, g in zip(layers, grads) if g is not None))


@register_family(
    "synflow",
    proxies={"synflow": "Synflow: sum |W * dR/dW|, |W| in float64, BN bypassed, ones input"},
    init=INITS,
    prune=True,
    variants=("aznas", "zc"),
    reads_classifier=True,
    batch_free=True,
)
def synflow_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    model.train()
    return {"synflow": synflow_score(model, cfg.input_resolution)}
