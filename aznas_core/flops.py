"""FLOPs and #Params counted the way the NAS-Bench-201 benchmark reports them.

The benchmark's numbers (checked on all 90 rows of `nb201/flops_params_fixture.csv`) follow
this convention, per image:

* convolution: k_h * k_w * C_in / groups * C_out * H_out * W_out (multiply-accumulates);
* linear: in_features * out_features (the bias is not counted);
* average pooling: k * k per output element (3x3 cell pools and the 2x2 residual shortcut);
* batch normalization: 3 per output element;
* plus a fixed offset per input resolution (1,088 at 32x32, 576 at 16x16).

The `xautodl` 1.0.0 counter implements the first three terms (with the linear bias) but
not the BatchNorm term, which is why it reports lower FLOPs than the benchmark. The
per-resolution offset is the same for every architecture, so it never changes a ranking; we
determined it from the fixture and could not attribute it to a specific layer.
#Params is the plain count of all parameters (BN affine included), which matches exactly.
"""
from __future__ import annotations

import torch
from torch import nn

BN_FLOPS_PER_ELEMENT = 3
RESOLUTION_OFFSET = {32: 1088, 16: 576}


def count_flops_params(model: nn.Module, resolution: int) -> tuple[float, float]:
    """(MFLOPs, M parameters) of `model` for one `resolution` x `resolution` RGB image."""
    flops, params, _ = count_costs(model, resolution)
    return flops, params


def count_costs(model: nn.Module, resolution: int) -> tuple[float, float, float]:
    """(benchmark MFLOPs, M parameters, conv+linear MMACs) for one image.

    The third number counts only convolution and linear multiply-accumulates (no pooling,
    no BatchNorm, no offset): a FLOPs convention under which NAS-Bench-201 FLOPs rank the
    architectures exactly like #Params (every stage repeats the cell with the same
    C^2 * H * W), and which reproduces the AZ-NAS paper's FLOPs/complexity Kendall tau
    (see notebooks/table4.ipynb)."""
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
        elif isinstance(module, nn.AvgPool2d):
            k = module.kernel_size
            area = k * k if isinstance(k, int) else k[0] * k[1]
            total += area * per_image.numel()
        elif isinstance(module, nn.BatchNorm2d):
            total += BN_FLOPS_PER_ELEMENT * per_image.numel()

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.AvgPool2d, nn.BatchNorm2d))
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, 3, resolution, resolution))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    total += RESOLUTION_OFFSET[resolution]
    params = sum(p.numel() for p in model.parameters())
    return total / 1e6, params / 1e6, macs / 1e6
