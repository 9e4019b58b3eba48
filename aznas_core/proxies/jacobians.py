"""Hooks on a model's modules: per-sample weight gradients from one batched forward and
backward (GradSign's need), and the ReLU activation codes NASWOT and TE-NAS read.

When samples do not interact (GradSign runs each sample alone; `gradsign` makes train-mode
BatchNorm per-sample), the gradient of the summed loss at a layer's output holds every
sample's own output gradient. A forward hook records each Conv2d / Linear input, one
backward returns the gradient at each layer's *output* only, and sample n's weight gradient
is a contraction of the two, one batched matrix product per layer:

    conv:   dW_n = sum_p delta[n, :, p] (x) unfold(x)[n, :, p]
    linear: dW_n = delta[n] (x) x[n]

Supported layers: Conv2d (groups = 1) and Linear; anything else raises (GradSign's
`method='vmap'`, the torch.func reference, takes any model).
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

LAYERS = (nn.Conv2d, nn.Linear)


@contextlib.contextmanager
def layer_taps(model: nn.Module, names=None):
    """Record (name, module, input, output, output version) of every Conv2d / Linear in forward
    order (a module called twice appears twice); `names` restricts to those modules."""
    taps: list = []
    handles = []
    for name, m in model.named_modules():
        if names is not None and name not in names:
            continue
        if isinstance(m, LAYERS):
            if isinstance(m, nn.Conv2d) and m.groups != 1:
                raise NotImplementedError(f"{name}: grouped convolution; use method='vmap'")
            handles.append(m.register_forward_hook(
                lambda mod, args, out, name=name: taps.append((name, mod, args[0], out, out._version))))
    try:
        yield taps
    finally:
        for h in handles:
            h.remove()


def check_not_modified(taps):
    for name, _, _, out, version in taps:
        if out._version != version:
            raise RuntimeError(f"{name}'s output was modified in place after the layer ran; the "
                               "hook path needs it intact (use method='vmap')")


def per_sample_weight_grads(module: nn.Module, x: torch.Tensor, delta: torch.Tensor):
    """(B x numel(weight)): sample n's weight gradient, from the layer input `x` and the
    gradient `delta` at its output (row n of both only involves sample n)."""
    if isinstance(module, nn.Conv2d):
        a = nn.functional.unfold(x, module.kernel_size, module.dilation, module.padding,
                                 module.stride)  # (B, Cin*kh*kw, L)
        b, co = delta.shape[:2]
        return torch.bmm(delta.reshape(b, co, -1), a.transpose(1, 2)).reshape(b, -1)
    if isinstance(module, nn.Linear):
        if x.dim() != 2:
            raise NotImplementedError("Linear on more than (batch, features); use method='vmap'")
        return torch.einsum("no,ni->noi", delta, x).reshape(len(x), -1)
    raise NotImplementedError(type(module).__name__)


def forward_with_relu_hooks(model, x: torch.Tensor, hook) -> None:
    """One no-grad forward of `model` on `x` with `hook(module, args, out)` on every
    `nn.ReLU`: NASWOT's kernel and TE-NAS's linear regions both read ReLU activation codes."""
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
