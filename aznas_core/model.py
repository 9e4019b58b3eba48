"""Score any PyTorch module: name its primary blocks, and hooks capture what the proxies read.

    from aznas_core import score_model
    score_model(model, torch.randn(64, 3, 32, 32), blocks=["stem", "layer1.0", "layer1.1"])

AZ-NAS reads the output of every primary block and, for trainability, the gradient each
block passes from its output to its input. With named blocks, a forward pre-hook hands each
block after the first a detached copy of the previous block's output (a leaf requiring
grad) and a forward hook records each output, so one backward pass yields every block's own
input gradient: the authors' per-pair `autograd.grad(f_l, f_{l-1})`, computed once. The
forward stops after the last named block. This is the path every network of this package
takes (NB201 cells, MobileNetV2 residual units, ViT half-layers).

`blocks` may instead be a callable `blocks(model, inputs) -> [tensors]` returning the block
outputs in order; then each pair's gradient is taken with `autograd.grad` on the undetached
graph (same quantity, any architecture whose features form a chain).

Any other registered proxy (grad_norm, snip, synflow, naswot, zen, zico, ...) is handed to
its registry family's model-level function (`aznas_core.proxies`), on the model as it is
(no re-initialisation): `inputs` serves as the Gaussian batch and as the data batch, with
`labels` for the labelled proxies and `inputs2`/`labels2` for those reading two batches.
Architecture-level entries (complexity, flops, params) need an architecture string: use
`aznas_core.score`.
"""
from __future__ import annotations

import contextlib
import difflib

import torch
from torch import nn

from aznas_core.proxies import aznas

AZNAS_MODEL_PROXIES = ("expressivity", "progressivity", "trainability")


class BlockPairingError(ValueError):
    """A named block did not read the previous block's output (or ran twice, or never ran)."""


class _StopForward(Exception):
    pass


def _resolve(model: nn.Module, names) -> list[nn.Module]:
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
    mods = _resolve(model, names)
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


def _callable_pairs(feats, generator, progressivity):
    """The same proxies from an undetached chain of features (per-pair autograd.grad)."""
    g_outs = [aznas.rademacher_like(f, generator) for f in feats[1:]]
    g_ins = []
    for l in range(1, len(feats)):
        try:
            (g_in,) = torch.autograd.grad(feats[l], feats[l - 1], grad_outputs=g_outs[l - 1],
                                          retain_graph=True, allow_unused=True)
        except RuntimeError as err:
            raise BlockPairingError(f"block outputs {l - 1} and {l} cannot be paired: {err}")
        if g_in is None:
            raise BlockPairingError(f"block output {l} does not depend on block output {l - 1}")
        g_ins.append(g_in)
    return aznas.aznas_from_gradients(feats, g_ins, g_outs, progressivity)


@contextlib.contextmanager
def _scoring_state(model: nn.Module, mode: str | None):
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


def _registry_proxies(model, inputs, proxies, labels, inputs2, labels2, config, seed):
    """Other registered proxies via their families' model-level functions."""
    from aznas_core.proxies import FAMILIES, PROXIES, Batch, Config, families_of

    unknown = [p for p in proxies if p not in PROXIES]
    if unknown:
        raise ValueError(f"unknown proxy {unknown}; available: {sorted(PROXIES)}")
    cfg = config or Config()
    values = {}
    for family, ps in families_of(proxies).items():
        fam = FAMILIES[family]
        if fam.kind != "network":
            raise ValueError(f"{list(ps)} are counted from an architecture string, not a "
                             "model; use aznas_core.score")
        needs = fam.needs(cfg, ps)
        if "labels" in needs and labels is None:
            raise ValueError(f"{list(ps)} need labels: pass labels=")
        if ({"noise2", "data2"} & needs) and inputs2 is None:
            raise ValueError(f"{list(ps)} read two batches: pass inputs2= (and labels2=)")
        if "data2" in needs and "labels" in needs and labels2 is None:
            raise ValueError(f"{list(ps)} need labels for both batches: pass labels2=")
        batch = Batch(noise=inputs, noise2=inputs2, x=inputs, y=labels, x2=inputs2, y2=labels2,
                      seed=seed, arch=type(model).__name__, device=str(inputs.device))
        values.update(fam.fn(model, batch, cfg, ps))
    return values


def score_model(model: nn.Module, inputs: torch.Tensor, blocks=None,
                proxies=AZNAS_MODEL_PROXIES, labels=None, device=None, generator=None,
                mode: str | None = "train", inputs2=None, labels2=None, config=None,
                seed: int = 0) -> dict:
    """AZ-NAS proxies of `model` on the batch `inputs`, read at its primary `blocks`.

    blocks: module names (as in `model.named_modules()`) in execution order, each reading the
        previous one's output, or a callable `(model, inputs) -> [block outputs]`.
    proxies: 'expressivity', 'progressivity', 'trainability', or any other registered
        network proxy (see the module docstring). Progressivity needs CNN-style features; the
        authors omit it for ViTs (ask for E and T only).
    labels, inputs2, labels2: for the registry's other proxies (see the module docstring);
        `config` (a `proxies.Config`: variant, classes) and `seed` (their own random draws,
        e.g. GradNorm's random labels) are passed to them. E, P and T ignore all four.
    device: where to run (the model and inputs are moved there); generator: the Rademacher
        gradients' `torch.Generator` (CPU), for reproducible trainability.
    mode: for E, P and T: 'train' (the CNN protocol: BatchNorm batch statistics), 'eval' (the
        ViT protocol), or None to leave the model as it is. The other proxies run in training
        mode, as their sources do. Modes and requires_grad flags are restored on return (Zen
        updates BatchNorm running statistics: give it a fresh model).
    Returns {proxy: value}; for E, P and T NaN becomes -inf, as in the authors' code.
    """
    proxies = tuple([proxies] if isinstance(proxies, str) else proxies)
    if not proxies:
        raise ValueError("no proxies requested")
    if device is not None:
        model = model.to(device)
        inputs = inputs.to(device)
        inputs2 = None if inputs2 is None else inputs2.to(device)
        labels = None if labels is None else labels.to(device)
        labels2 = None if labels2 is None else labels2.to(device)
    others = [p for p in proxies if p not in AZNAS_MODEL_PROXIES]
    values = {}
    if others:
        from aznas_core.proxies.tenas import training_mode  # the families' mode, restored after

        with training_mode(model):
            values = _registry_proxies(model, inputs, others, labels, inputs2, labels2, config,
                                       seed)
    if len(others) == len(proxies):
        return {p: values[p] for p in proxies}
    if blocks is None:
        raise ValueError("expressivity, progressivity and trainability need blocks=")
    with _scoring_state(model, mode):
        if callable(blocks) and not isinstance(blocks, (list, tuple, str)):
            with torch.enable_grad():
                x = inputs.detach().requires_grad_(True)
                feats = list(blocks(model, x))
                values.update(_callable_pairs(feats, generator, "progressivity" in proxies))
        else:
            if isinstance(blocks, str):
                blocks = [blocks]
            with torch.enable_grad():
                feats, leaves = capture_blocks(model, inputs, blocks)
                values.update(aznas.aznas_from_blocks(feats, leaves, generator,
                                                      progressivity="progressivity" in proxies))
    return {p: values[p] for p in proxies}
