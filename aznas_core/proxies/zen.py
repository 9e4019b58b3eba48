"""Zen-score as ZenNAS (and the AZ-NAS harness, unchanged) computes it (PROTOCOLS.md A7).

N(0, 1) conv/linear weights, zero biases, BN 1/0; no gradients; training mode. Two Gaussian
batches x1, x2; f = the feature map before global pooling (the input of the `pre_gap`
module, default `pool`) for x1 and for x1 + 0.01 x2;
delta = mean over the batch of sum |f(x1) - f(x1 + 0.01 x2)|; score = log(delta) +
sum over every BatchNorm2d of log sqrt(mean over channels of running_var), read after the
two forwards (running statistics start from a fresh layer's: the network must be new).
"""
from __future__ import annotations

import torch
from torch import nn

from aznas_core.config import Config
from aznas_core.proxies.registry import Batch, register_family

MIXUP_GAMMA = 1e-2


class _Stop(Exception):
    pass


def pre_gap_features(model: nn.Module, x: torch.Tensor, module: str) -> torch.Tensor:
    """The input of `module` (the global pooling) in `model(x)`; the forward stops there."""
    target = dict(model.named_modules()).get(module)
    if target is None:
        raise ValueError(f"zen: module {module!r} (the global pooling) not found in "
                         f"{type(model).__name__}")
    got = []

    def hook(m, args):
        got.append(args[0])
        raise _Stop

    h = target.register_forward_pre_hook(hook)
    try:
        model(x)
    except _Stop:
        pass
    finally:
        h.remove()
    return got[0]


def zen_score(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor, pre_gap: str = "pool") -> float:
    model.train()
    with torch.no_grad():
        f1 = pre_gap_features(model, x1, pre_gap)
        f2 = pre_gap_features(model, x1 + MIXUP_GAMMA * x2, pre_gap)
        delta = (f1 - f2).abs().sum(dim=tuple(range(1, f1.dim()))).mean()
        bn = 0.0
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                bn += float(torch.log(torch.sqrt(m.running_var.mean())))
    return float(torch.log(delta)) + bn  # delta = 0 gives -inf; NaN stays NaN, as in ZenNAS


@register_family(
    "zen",
    proxies={"zen": "Zen-score: log E|f(x) - f(x + 0.01 e)| + sum log sqrt(mean BN running var)"},
    inputs={"zen": {"noise", "noise2"}},
    init={"aznas": "standard_normal"},
)
def zen_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    return {"zen": zen_score(model, batch.noise, batch.noise2, batch.pre_gap)}
