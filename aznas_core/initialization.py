"""Weight initialization schemes of the AZ-NAS paper (Table 8), driven by an explicit generator.

Conv and linear weights follow the scheme, their biases are zero (except `pytorch_default`,
which reproduces PyTorch's own construction-time init, biases included); BatchNorm weight 1,
bias 0 (as in the authors' code). Passing a `torch.Generator` makes the weights a pure function of
its seed, independent of any global RNG state.
"""
from __future__ import annotations

import math
from typing import Literal, get_args

import torch
from torch import nn

#: A weight initialization scheme's name (`Config.init`, `initialize`); `INIT_SCHEMES` and
#: `check_init` are derived from it.
InitScheme = Literal[
    "kaiming_fan_in",  # Kaiming normal, fan-in, ReLU gain (the paper's default)
    "kaiming_fan_out",
    "xavier_normal",
    "normal",  # N(0, 0.1^2)
    "uniform",  # U[-0.1, 0.1]
    "pytorch_default",  # what nn.Conv2d/nn.Linear construct (TE-NAS, GradSign, ZiCo, NASLib)
    "standard_normal",  # N(0, 1) weights (ZenNAS's `network_weight_gaussian_init`)
]
INIT_SCHEMES: tuple[InitScheme, ...] = get_args(InitScheme)


def _init_weight(w: torch.Tensor, scheme: str, g: torch.Generator) -> None:
    if scheme == "kaiming_fan_in":
        nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu", generator=g)
    elif scheme == "kaiming_fan_out":
        nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=g)
    elif scheme == "xavier_normal":
        nn.init.xavier_normal_(w, generator=g)
    elif scheme == "normal":
        nn.init.normal_(w, mean=0.0, std=0.1, generator=g)
    elif scheme == "uniform":
        nn.init.uniform_(w, -0.1, 0.1, generator=g)
    elif scheme == "pytorch_default":  # nn.Conv2d/nn.Linear.reset_parameters, seeded
        nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g)
    elif scheme == "standard_normal":
        nn.init.normal_(w, mean=0.0, std=1.0, generator=g)
    else:  # pragma: no cover - guarded by check_init
        raise AssertionError(scheme)


def check_init(scheme: str) -> InitScheme:
    """`scheme` if it is an `InitScheme`; a one-line ValueError listing them otherwise."""
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; expected one of {list(INIT_SCHEMES)}")
    return scheme


@torch.no_grad()
def initialize(model: nn.Module, scheme: InitScheme = "kaiming_fan_in",
               generator: torch.Generator | None = None) -> nn.Module:
    """Initialize every conv/linear/BN layer of `model` in module order."""
    check_init(scheme)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            _init_weight(m.weight, scheme, generator)
            if m.bias is not None and scheme == "pytorch_default":
                fan_in = m.weight[0].numel()
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)
            elif m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.affine:
            m.weight.fill_(1.0)
            m.bias.zero_()
    return model
