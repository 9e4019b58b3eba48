"""Zen-score as ZenNAS (and the AZ-NAS harness, unchanged) computes it (PROTOCOLS.md A7).

N(0, 1) conv/linear weights, zero biases, BN 1/0; no gradients; training mode. Two Gaussian
batches x1, x2; f = the feature map before global pooling (the input of the `pre_gap`
module, default `pool`) for x1 and for x1 + 0.01 x2;
delta = mean over the batch of sum |f(x1) - f(x1 + 0.01 x2)|; score = log(delta) +
sum over every BatchNorm2d of log sqrt(mean over channels of running_var), read after the
two forwards (running statistics start from a fresh layer's: the network must be new).

Where the pre-pooling feature map is: the search spaces name their global pooling `pool`;
a user's model (`aznas_core.score_model(..., pooling=...)`) names it, or `find_pooling`
detects it: a module named `pool`, `avgpool` (torchvision ResNet), `global_pool` (timm), or
the last adaptive/global pooling module; failing those, a torchvision MobileNet/EfficientNet
layout (`features` then `classifier`, pooling done functionally) reads the output of
`features` (`'features:output'`). A model with no recognisable pooling gets a one-line error
naming `pooling=`. A delta of exactly 0 (a network whose output ignores its input) gives
-inf and a NaN stays NaN: genuine degenerate values, as in ZenNAS.
"""
from __future__ import annotations

import torch
from torch import nn

from aznas_core.config import Config
from aznas_core.proxies.registry import Batch, register_family

MIXUP_GAMMA = 1e-2


class _Stop(Exception):
    pass


POOLING_NAMES = ("pool", "avgpool", "global_pool", "gap", "global_avgpool")
OUTPUT_SUFFIX = ":output"


def _is_global_pool(m: nn.Module) -> bool:
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        size = m.output_size
        return size in (1, (1, 1), [1, 1])
    name = type(m).__name__
    return "AdaptivePool" in name or "GlobalPool" in name  # timm's SelectAdaptivePool2d


def find_pooling(model: nn.Module) -> str:
    """The pooling spec Zen reads for `model` (see the module docstring); ValueError when
    none is recognisable."""
    modules = dict(model.named_modules())
    if isinstance(modules.get("pool"), nn.Module):
        return "pool"
    named = [n for n in modules if n.rpartition(".")[2] in POOLING_NAMES]
    if named:
        return named[-1]
    pools = [n for n, m in modules.items() if n and _is_global_pool(m)]
    if pools:
        return pools[-1]
    children = dict(model.named_children())
    if "features" in children and "classifier" in children:
        return "features" + OUTPUT_SUFFIX
    raise ValueError(
        f"zen: no global pooling module found in {type(model).__name__} (looked for modules "
        f"named {list(POOLING_NAMES)}, adaptive pooling to 1x1, or a features/classifier "
        "layout); pass pooling='<module whose input is the last feature map>' (or "
        "'<module>:output' to read a module's output)")


def pre_gap_features(model: nn.Module, x: torch.Tensor, module: str) -> torch.Tensor:
    """The input of `module` (the global pooling) in `model(x)`; the forward stops there.
    `'<name>:output'` reads the output of module `<name>` instead."""
    read_output = module.endswith(OUTPUT_SUFFIX)
    name = module[:-len(OUTPUT_SUFFIX)] if read_output else module
    modules = dict(model.named_modules())
    target = modules.get(name)
    if target is None:
        import difflib

        close = difflib.get_close_matches(name, list(modules), n=3)
        raise ValueError(f"zen: module {name!r} (the global pooling) not found in "
                         f"{type(model).__name__}" + (f" (close: {close})" if close else "")
                         + "; pass pooling='<module whose input is the last feature map>'")
    got = []

    def hook(m, args):
        got.append(args[0])
        raise _Stop

    def out_hook(m, args, out):
        got.append(out)
        raise _Stop

    h = (target.register_forward_hook(out_hook) if read_output
         else target.register_forward_pre_hook(hook))
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
    pooling = batch.pre_gap if batch.pre_gap is not None else find_pooling(model)
    return {"zen": zen_score(model, batch.noise, batch.noise2, pooling)}
