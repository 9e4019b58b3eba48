"""FLOPs and #Params of NAS-Bench-201 networks, under the two conventions the benchmark has used.

*NATS-Bench / the AZ-NAS authors' counter* (`xautodl`'s `get_model_infos`, what
`api.get_compute_costs(...)['flops']` returns and what the paper's complexity proxy and FLOPs
rows rank by), per image: convolution multiply-accumulates plus linear in*out + out (bias
included); no BatchNorm, ReLU, pooling or additions. Example from the data README: the best
CIFAR-10 cell has 153.27297 MFLOPs.

*The legacy NAS-Bench-201 count* (checked on all 90 rows of `nb201/flops_params_fixture.csv`),
per image:

* convolution: k_h * k_w * C_in / groups * C_out * H_out * W_out (multiply-accumulates);
* linear: in_features * out_features (the bias is not counted);
* average pooling: k * k per output element (3x3 cell pools and the 2x2 residual shortcut);
* batch normalization: 3 per output element;
* plus a fixed offset per input resolution (1,088 at 32x32, 576 at 16x16).

`model_complexity(model, x)` applies the NATS convention to any model at any resolution.

The per-resolution offset is the same for every architecture, so it never changes a ranking; we
determined it from the fixture and could not attribute it to a specific layer. The legacy
count ranks architectures differently (pooling edges cost FLOPs but no parameters): used as
the complexity proxy it does not reproduce the paper (see notebooks/table4.ipynb).
#Params is the plain count of all parameters (BN affine included), which matches exactly.
"""
from __future__ import annotations

import torch
from torch import nn

from aznas_core.modes import inspecting

BN_FLOPS_PER_ELEMENT = 3
RESOLUTION_OFFSET = {32: 1088, 16: 576}


def probe_forward(model: nn.Module, x, hook, types) -> None:
    """One `inspecting` forward of `x` (an int r: one zero r x r RGB image) with
    `hook(module, inputs, output)` on every module of `types`: how every FLOPs counter of
    the project sees layer shapes."""
    if isinstance(x, int):
        x = torch.zeros(1, 3, x, x)
    with inspecting(model, [(m, hook) for m in model.modules() if isinstance(m, types)]):
        model(x)


def count_costs(model: nn.Module, resolution: int) -> tuple[float, float, float]:
    """(NATS MFLOPs, M parameters, legacy MFLOPs) for one `resolution`^2 RGB image.

    Under the NATS (authors') convention NAS-Bench-201 FLOPs rank the architectures exactly
    like #Params: every stage repeats the cell with the same C^2 * H * W."""
    if resolution not in RESOLUTION_OFFSET:
        raise ValueError(
            f"the benchmark FLOPs convention is known for resolutions "
            f"{sorted(RESOLUTION_OFFSET)}, got {resolution}"
        )
    total = 0
    macs = 0

    def hook(module, inputs, output):
        nonlocal total, macs
        per_image = output[0]
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            n = kh * kw * module.in_channels // module.groups * per_image.numel()
            total += n
            macs += n
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features
            macs += module.in_features * module.out_features
            if module.bias is not None:
                macs += module.out_features
        elif isinstance(module, nn.AvgPool2d):
            k = module.kernel_size
            area = k * k if isinstance(k, int) else k[0] * k[1]
            total += area * per_image.numel()
        elif isinstance(module, nn.BatchNorm2d):
            total += BN_FLOPS_PER_ELEMENT * per_image.numel()

    probe_forward(model, resolution, hook, (nn.Conv2d, nn.Linear, nn.AvgPool2d, nn.BatchNorm2d))
    total += RESOLUTION_OFFSET[resolution]
    params = sum(p.numel() for p in model.parameters())
    return macs / 1e6, params / 1e6, total / 1e6


def model_complexity(model: nn.Module, x: torch.Tensor | int) -> dict[str, float]:
    """{'mflops': ..., 'mparams': ...} of any `model` for one image of `x`'s size (`x`: an
    input batch, or an int r for one r x r RGB image), at any resolution, with the NATS /
    AZ-NAS authors' convention of `count_costs` (what AZ-NAS's complexity proxy ranks):
    convolution multiply-accumulates plus linear in*out + out, through the same eval-mode
    probe (`probe_forward`). A Linear applied to several rows per image (a ViT's tokens)
    counts every row; only `nn.Conv2d` / `nn.Linear` module calls are seen (functional
    projections, e.g. inside `nn.MultiheadAttention`, and attention's matrix products are
    not). #Params: every parameter. The model's mode is restored; nothing else
    is touched (eval mode does not update BatchNorm statistics)."""
    if isinstance(x, int):
        x = torch.zeros(1, 3, x, x)
    else:
        x = x[:1].detach()
    macs = 0

    def hook(module, inputs, output):
        nonlocal macs
        per_image = output[0]
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs += kh * kw * module.in_channels // module.groups * per_image.numel()
        elif isinstance(module, nn.Linear):
            rows = per_image.numel() // module.out_features
            macs += rows * module.in_features * module.out_features
            if module.bias is not None:
                macs += rows * module.out_features
    was = {m: m.training for m in model.modules()}  # per module (probe_forward: the root's)
    try:
        probe_forward(model, x, hook, (nn.Conv2d, nn.Linear))
    finally:
        for m, flag in was.items():
            m.training = flag
    params = sum(p.numel() for p in model.parameters())
    return {"mflops": macs / 1e6, "mparams": params / 1e6}
