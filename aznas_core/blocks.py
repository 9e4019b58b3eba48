"""The primary-block contract between a model and the proxies that read block outputs: name
the blocks (module names in execution order, each reading the previous one's output), and
forward hooks capture their outputs; each block after the first reads a detached leaf copy of
the previous output, so one backward pass yields every block's own input gradient.

Used by AZ-NAS's family (`aznas_core.proxies.aznas`) and by `aznas_core.model.score_model`.
"""
from __future__ import annotations

import contextlib
import difflib

import torch
from torch import nn


class BlockPairingError(ValueError):
    """A named block did not read the previous block's output (or ran twice, or never ran)."""


class _StopForward(Exception):
    pass


def resolve(model: nn.Module, names) -> list[nn.Module]:
    modules = dict(model.named_modules())
    missing = [n for n in names if n not in modules]
    if missing:
        hints = {n: difflib.get_close_matches(n, list(modules), n=3) for n in missing}
        raise ValueError(f"blocks not found in {type(model).__name__}: "
                         + "; ".join(f"{n!r} (close: {h})" for n, h in hints.items()))
    if len(set(names)) != len(names):
        raise ValueError(f"block names must be distinct, got {list(names)}")
    return [modules[n] for n in names]


def capture_blocks(model: nn.Module, x: torch.Tensor, names) -> tuple[list, list]:
    """Run `model(x)` up to the last named block; return (outputs, detached block inputs).

    Raises BlockPairingError when block i does not read block i-1's output (the pair has no
    Jacobian of its own), when a block runs twice, or when one never runs.
    """
    names = list(names)
    if not names:
        raise ValueError("at least one block is needed")
    mods = resolve(model, names)
    outputs: list[torch.Tensor] = []
    inputs: list[torch.Tensor] = []

    def pre_hook(i):
        def hook(module, args):
            if len(outputs) != i:
                done = names[len(outputs) - 1] if outputs else "none"
                raise BlockPairingError(
                    f"block {names[i]!r} ran out of order (last finished block: {done!r}); "
                    "blocks must be listed in execution order and run once each")
            if i == 0:
                return None
            if not args or args[0] is not outputs[i - 1]:
                raise BlockPairingError(
                    f"block {names[i]!r} does not read the output of block {names[i - 1]!r}, so "
                    "the pair cannot be scored; name consecutive blocks (or pass a callable)")
            leaf = args[0].detach().requires_grad_(True)
            inputs.append(leaf)
            return (leaf, *args[1:])
        return hook

    def post_hook(i):
        def hook(module, args, out):
            if not isinstance(out, torch.Tensor):
                raise BlockPairingError(f"block {names[i]!r} returned {type(out).__name__}, "
                                        "not a tensor")
            outputs.append(out)
            if i == len(names) - 1:
                raise _StopForward
        return hook

    handles = []
    try:
        for i, m in enumerate(mods):
            handles.append(m.register_forward_pre_hook(pre_hook(i)))
            handles.append(m.register_forward_hook(post_hook(i)))
        try:
            model(x)
        except _StopForward:
            pass
    finally:
        for h in handles:
            h.remove()
    if len(outputs) != len(names):
        raise BlockPairingError(f"block {names[len(outputs)]!r} never ran in the forward pass")
    return outputs, inputs


@contextlib.contextmanager
def scoring_state(model: nn.Module, mode: str | None):
    """Train/eval mode as asked and no weight gradients inside; restored on exit."""
    was_training = {m: m.training for m in model.modules()}
    grads = [(p, p.requires_grad) for p in model.parameters()]
    try:
        if mode == "train":
            model.train()
        elif mode == "eval":
            model.eval()
        elif mode is not None:
            raise ValueError(f"mode must be 'train', 'eval' or None, got {mode!r}")
        for p, _ in grads:
            p.requires_grad_(False)
        yield
    finally:
        for p, flag in grads:
            p.requires_grad_(flag)
        for m, flag in was_training.items():
            m.training = flag
