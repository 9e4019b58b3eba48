"""NASWOT: the log-determinant of the ReLU-code kernel (PROTOCOLS.md A5, B3).

For every call of every `nn.ReLU` module, x = (ReLU input > 0) per sample (B x D) and
K += x x^T + (1 - x)(1 - x)^T (the number of units on which two samples agree); one forward;
score = log|det K| (sign discarded). Codes of ops on dead edges count too, as in the
authors' network (so the network is never pruned). A model without `nn.ReLU` modules (ReLU6,
GELU, SiLU) raises a one-line ValueError instead of returning -inf; a kernel that is singular
although codes exist (samples with identical codes) stays -inf, a genuine degenerate value.

* ``naswot``: the AZ-NAS harness (a ZenNAS port): Gaussian batch, Kaiming fan-in init.
* ``nwot``: NASLib's version: the data batch (`Config.inputs`), PyTorch's default init
  under variant ``zc`` (the harness's Kaiming under ``aznas``).

How: with s = 2x - 1 (+-1), x x^T + (1-x)(1-x)^T = (s s^T + D) / 2; each layer's s s^T is an
integer matrix computed exactly in float32 (|entries| <= D < 2^24) and accumulated in
float64, as the authors accumulate in NumPy float64.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aznas_core.config import Config
from aznas_core.proxies.jacobians import forward_with_relu_hooks
from aznas_core.proxies.registry import Batch, register_family
from aznas_core.proxies.gradient import INITS


def code_kernel(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """K (B x B, float64) accumulated over every ReLU call of one forward. A model whose
    forward calls no `nn.ReLU` module has no codes (K = 0, log|det K| = -inf): ValueError."""
    b = len(x)
    k = torch.zeros(b, b, dtype=torch.float64, device=x.device)
    calls = []

    def hook(m, args, out):
        calls.append(1)
        s = (args[0].detach().reshape(b, -1) > 0).to(torch.float32) * 2 - 1
        k.add_(((s @ s.T).double() + s.shape[1]) / 2)

    forward_with_relu_hooks(model, x, hook)
    if not calls:
        raise ValueError(
            f"naswot/nwot: {type(model).__name__} runs no nn.ReLU module, so there are no ReLU "
            "codes (the score would be a meaningless -inf); ReLU6, GELU, SiLU and functional "
            "relu calls are not read: use a model with nn.ReLU modules or another proxy")
    return k


def logabsdet(k: torch.Tensor) -> float:
    return float(np.linalg.slogdet(k.cpu().numpy())[1])


@register_family(
    "naswot",
    proxies={"naswot": "NASWOT (AZ-NAS harness): log|det K| of ReLU codes, Gaussian input"},
    inputs={"naswot": {"noise"}},
    init=INITS,
    variants=("aznas", "zc"),
)
def naswot_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    model.train()
    return {"naswot": logabsdet(code_kernel(model, batch.noise))}


@register_family(
    "nwot",
    proxies={"nwot": "NASWOT (NASLib nwot): log|det K| of ReLU codes on the data batch"},
    inputs={"nwot": {"data"}},
    init=INITS,
    variants=("aznas", "zc"),
)
def nwot_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    model.train()
    return {"nwot": logabsdet(code_kernel(model, batch.x))}
