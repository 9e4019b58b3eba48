"""A model's train/eval modes, kept: what every part of the package that runs a caller's (or a
cell's) forward pass uses so that the model leaves as it came, each module with its own flag."""
from __future__ import annotations

import contextlib

import torch
from torch import nn


@contextlib.contextmanager
def restored_modes(model: nn.Module):
    """Every module's own training flag restored on exit (a model may mix modes; a plain
    `model.train(was_training)` would flatten them)."""
    modes = {m: m.training for m in model.modules()}
    try:
        yield model
    finally:
        for m, flag in modes.items():
            m.training = flag


@contextlib.contextmanager
def inspecting(model: nn.Module, hooks=(), pre_hooks=()):
    """Eval mode and no grad, with forward `hooks` and `pre_hooks` ((module, fn) pairs)
    registered for the block; the hooks removed and the modes restored on exit: the one way this
    package looks inside a forward pass without changing the model."""
    handles = [m.register_forward_hook(fn) for m, fn in hooks]
    handles += [m.register_forward_pre_hook(fn) for m, fn in pre_hooks]
    try:
        with restored_modes(model), torch.no_grad():
            model.eval()
            yield model
    finally:
        for h in handles:
            h.remove()
