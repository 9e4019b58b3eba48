"""The primary-block contract between a model and the proxies that read block outputs: name
the blocks (module names in execution order, each reading the previous one's output), and
forward hooks capture their outputs; each block after the first reads a detached leaf copy of
the previous output, so one backward pass yields every block's own input gradient.

Used by AZ-NAS's family (`aznas_core.proxies.aznas`) and by `aznas_core.model.score_model`.
`suggest_blocks(model)` proposes blocks for ResNet-, MobileNet- and ViT-like layouts
(torchvision and timm module names); `preserved_state` restores a model's buffers, modes and
requires_grad flags after scoring.
"""
from __future__ import annotations

import contextlib
import difflib
from typing import Iterator, Literal, Sequence, get_args

import torch
from torch import nn

from aznas_core.modes import inspecting, restored_modes

#: The AZ-NAS proxies read at primary blocks, expressivity (E), progressivity (P) and
#: trainability (T); `aznas_core.proxies.aznas.MODEL_PROXIES` is derived from it.
BlockProxy = Literal["expressivity", "progressivity", "trainability"]
#: The module mode E, P and T are scored in, 'train' (the CNN protocol, BatchNorm batch
#: statistics) or 'eval' (the ViT protocol); None where accepted leaves the model as it is.
Mode = Literal["train", "eval"]


class BlockPairingError(ValueError):
    """A named block did not read the previous block's output (or ran twice, or never ran)."""


class _StopForward(Exception):
    pass


def resolve(model: nn.Module, names: Sequence[str]) -> list[nn.Module]:
    """The modules of `model` named `names` (distinct; a missing name gets close matches)."""
    modules = dict(model.named_modules())
    missing = [n for n in names if n not in modules]
    if missing:
        hints = {n: difflib.get_close_matches(n, list(modules), n=3) for n in missing}
        raise ValueError(f"blocks not found in {type(model).__name__}: "
                         + "; ".join(f"{n!r} (close: {h})" for n, h in hints.items()))
    if len(set(names)) != len(names):
        raise ValueError(f"block names must be distinct, got {list(names)}")
    return [modules[n] for n in names]


def capture_blocks(model: nn.Module, x: torch.Tensor,
                   names: Sequence[str]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
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
def scoring_state(model: nn.Module, mode: Mode | None) -> Iterator[None]:
    """Train/eval mode as asked and no weight gradients inside; restored on exit."""
    if mode is not None and mode not in get_args(Mode):
        raise ValueError(f"mode must be one of {list(get_args(Mode))} or None, got {mode!r}")
    grads = [(p, p.requires_grad) for p in model.parameters()]
    with restored_modes(model):
        try:
            if mode is not None:
                model.train(mode == "train")
            for p, _ in grads:
                p.requires_grad_(False)
            yield
        finally:
            for p, flag in grads:
                p.requires_grad_(flag)


@contextlib.contextmanager
def preserved_state(model: nn.Module) -> Iterator[nn.Module]:
    """Whatever scoring does to `model`'s buffers (BatchNorm running statistics and batch
    counts updated by train-mode forwards), modes and requires_grad flags is undone on exit:
    the caller's model leaves scoring as it came. Parameters are never written by a proxy."""
    with torch.no_grad():
        saved = [(b, b.detach().clone()) for b in model.buffers()]
    grads = [(p, p.requires_grad) for p in model.parameters()]
    with restored_modes(model):
        try:
            yield model
        finally:
            with torch.no_grad():
                for b, v in saved:
                    b.copy_(v)
            for p, flag in grads:
                p.requires_grad_(flag)


def _children_of(modules: dict, name: str) -> list[str]:
    """Names of the direct children of module `name` (in registration order)."""
    return [f"{name}.{c}" for c, _ in modules[name].named_children()] if name in modules else []


def _layout_candidates(model: nn.Module) -> tuple[str, list[str]]:
    """(layout, body blocks in execution order) for the zoo layouts we know."""
    modules = dict(model.named_modules())
    stages = [f"layer{i}" for i in range(1, 10) if f"layer{i}" in modules]
    if stages:  # torchvision / timm ResNet (ResNeXt, Wide ResNet, RegNet-like)
        return "resnet", [b for s in stages for b in (_children_of(modules, s) or [s])]
    if "features" in modules and isinstance(modules["features"], nn.Sequential):
        # torchvision MobileNet / EfficientNet / MNASNet: features.0 is the stem conv
        feats = _children_of(modules, "features")
        return "mobilenet", feats
    if "encoder.layers" in modules:  # torchvision ViT
        return "vit", _children_of(modules, "encoder.layers")
    if "blocks" in modules and isinstance(modules["blocks"], (nn.Sequential, nn.ModuleList)):
        kids = _children_of(modules, "blocks")
        nested = [k for k in kids if isinstance(modules[k], nn.Sequential) and len(modules[k])]
        if kids and len(nested) == len(kids):  # timm EfficientNet / MobileNet: stages of blocks
            return "mobilenet", [b for k in kids for b in _children_of(modules, k)]
        return "vit", kids  # timm ViT / DeiT / this package's networks
    raise ValueError(
        f"suggest_blocks: {type(model).__name__} has no layout we know (ResNet layer1..layerN, "
        "MobileNet/EfficientNet features or blocks, ViT encoder.layers or blocks): name the "
        "primary blocks yourself (module names in execution order, each reading the "
        "previous one's output)")


def suggest_blocks(model: nn.Module, x: torch.Tensor | None = None) -> list[str]:
    """Primary blocks for `score_model(model, x, blocks=...)` of a ResNet-, MobileNet- or
    ViT-like model: the module whose output the first body block reads (the stem: e.g.
    `maxpool` of a torchvision ResNet, `features.0` of a MobileNetV2) and then every body
    block (residual units of `layer1..layerN`, `features.1..`, transformer blocks), checked
    by one forward of `x` (default: two 224x224 Gaussian images) to chain, block i reading
    block i-1's output. A model with `primary_blocks` (this package's networks) returns them.
    Stages and heads that do not read the previous block's output directly are left out."""
    if getattr(model, "primary_blocks", None):
        return list(model.primary_blocks)
    layout, body = _layout_candidates(model)
    if x is None:
        x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    modules = dict(model.named_modules())
    ids = {id(modules[n]): n for n in body}
    finished: list[tuple[str, torch.Tensor]] = []  # (name, output), every module, in order
    reads: dict[str, tuple] = {}  # body block -> (its input, modules finished before it)

    def post(name):
        def hook(m, args, out):
            if isinstance(out, torch.Tensor):
                finished.append((name, out))
        return hook

    def pre(m, args):
        name = ids[id(m)]
        if name not in reads and args and isinstance(args[0], torch.Tensor):
            reads[name] = (args[0], len(finished))

    hooks = [(m, post(n)) for n, m in modules.items() if n]
    with inspecting(model, hooks, [(modules[n], pre) for n in body]):
        model(x)
    body = [b for b in body if b in reads]
    if not body:
        raise ValueError(f"suggest_blocks: no body block of {type(model).__name__} ran; name "
                         "the primary blocks yourself")
    first_in, upto = reads[body[0]]
    stem = [n for n, out in finished[:upto] if out is first_in]
    # the stem: the module finishing last with the first body block's input as its output;
    # none when that block reads the model's input (features.0 of a MobileNet is the stem)
    chain = [stem[-1], body[0]] if stem else [body[0]]
    outputs = dict((n, out) for n, out in finished)
    for b in body[1:]:
        if reads[b][0] is outputs.get(chain[-1]):
            chain.append(b)
        else:
            break  # the rest no longer chains (e.g. a head between stages)
    return chain
