"""Score any PyTorch module: name its primary blocks, and hooks capture what the proxies read.

    from aznas_core import score_model
    score_model(model, torch.randn(64, 3, 32, 32), blocks=["stem", "layer1.0", "layer1.1"])

AZ-NAS reads the output of every primary block and, for trainability, the gradient each
block passes from its output to its input. With named blocks, a forward pre-hook hands each
block after the first a detached copy of the previous block's output (a leaf requiring
grad) and a forward hook records each output, so one backward pass yields every block's own
input gradient: the authors' per-pair `autograd.grad(f_l, f_{l-1})`, computed once. The
forward stops after the last named block (`aznas_core.blocks`, the contract; the arithmetic is
`aznas_core.proxies.aznas`). This is the path every network of this package takes (NB201
cells, MobileNetV2 residual units, ViT half-layers).

`blocks` may instead be a callable `blocks(model, inputs) -> [tensors]` returning the block
outputs in order; then each pair's gradient is taken with `autograd.grad` on the undetached
graph (same quantity, any architecture whose features form a chain).

Any other registered proxy (grad_norm, snip, synflow, naswot, zen, zico, ...) is handed to
its registry family's model-level function (`aznas_core.proxies`), on the model as it is
(no re-initialisation): `inputs` serves as the Gaussian batch and as the data batch, with
`labels` for the labelled proxies and `inputs2`/`labels2` for those reading two batches.
The architecture entries `complexity`/`flops` and `params` are counted on the model itself
(`aznas_core.flops.model_complexity`: MFLOPs, NATS convention, at the inputs' resolution; M
parameters); `flops_legacy` exists only for NB201 cell strings (`aznas_core.score`).

Without surprises: scoring never changes the caller's model (BatchNorm running statistics,
modes, requires_grad flags and the device are restored; `aznas_core.blocks.preserved_state`)
and every registry family sees the model as the caller gave it; a proxy the model cannot
support (NASWOT without `nn.ReLU`, P or T from one block, Zen without a findable global
pooling, labels outside the model's classes) raises a one-line ValueError naming the remedy;
P on token blocks (a ViT) warns, as the authors omit it there. A NaN or -inf from a
genuinely degenerate network (an identity block's trainability, a collapsed feature map)
stays, as in the authors' code. `suggest_blocks(model)` proposes blocks for ResNet-,
MobileNet- and ViT-like layouts.
"""
from __future__ import annotations

import warnings
from typing import Callable, Sequence, Union

import torch
from torch import nn

from aznas_core.blocks import (BlockPairingError, BlockProxy, Mode,  # noqa: F401 (public here)
                               capture_blocks, preserved_state, suggest_blocks)
from aznas_core.config import Config
from aznas_core.flops import model_complexity
from aznas_core.proxies import FAMILIES, PROXIES, Batch, families_of
from aznas_core.proxies.aznas import MODEL_PROXIES as AZNAS_MODEL_PROXIES, block_scores
from aznas_core.proxies.registry import ProxyName, unknown_proxies_message
from aznas_core.proxies.tenas import _logits, training_mode

#: Primary blocks, as module names in execution order (one name alone for expressivity) or
#: as a callable `(model, inputs) -> [block outputs]`.
Blocks = Union[Sequence[str], str, Callable[[nn.Module, torch.Tensor], Sequence[torch.Tensor]]]

#: Architecture entries counted on the model itself (`model_complexity`).
COUNTED = {"complexity": "mflops", "flops": "mflops", "params": "mparams"}


def _check_labels(name: str, labels, inputs) -> None:
    """Class indices: integers, one per input, none negative (the upper end is checked
    against the model's outputs when a loss rejects them)."""
    if labels is None:
        return
    if not isinstance(labels, torch.Tensor) or labels.dtype.is_floating_point or \
            labels.dtype == torch.bool or labels.dim() != 1:
        raise ValueError(f"{name} must be a 1-D integer tensor of class indices (got "
                         f"{getattr(labels, 'dtype', type(labels).__name__)}, shape "
                         f"{tuple(getattr(labels, 'shape', ()))}); e.g. torch.randint(0, "
                         f"num_classes, (len(inputs),))")
    if inputs is not None and len(labels) != len(inputs):
        raise ValueError(f"{name} holds {len(labels)} labels for {len(inputs)} inputs: pass one "
                         "class index per sample")
    if len(labels) and int(labels.min()) < 0:
        raise ValueError(f"{name} has a negative class index ({int(labels.min())}): labels must "
                         "lie in [0, number of the model's outputs)")


def _label_range_error(model, inputs, labels, labels2, ps):
    """The one-line error for labels beyond the model's outputs (one no-grad forward)."""
    with torch.no_grad():
        width = _logits(model(inputs[:2])).shape[-1]
    top = max(int(t.max()) for t in (labels, labels2) if t is not None and len(t))
    return ValueError(f"{list(ps)}: labels reach class {top}, but the model has {width} outputs: "
                      f"labels must lie in [0, {width}) (use the model's own classes, e.g. "
                      f"labels % {width})")


def _registry_proxies(model, inputs, proxies, labels, inputs2, labels2, config, seed,
                      pooling=None):
    """Other registered proxies via their families' model-level functions; each family sees
    the model as the caller gave it (buffers restored after every family)."""
    unknown = [p for p in proxies if p not in PROXIES]
    if unknown:
        raise ValueError(unknown_proxies_message(unknown))
    cfg = config or Config()
    values = {}
    for family, ps in families_of(proxies).items():
        fam = FAMILIES[family]
        if fam.kind != "network":
            counted = [p for p in ps if p in COUNTED]
            if len(counted) != len(ps):
                raise ValueError(f"{[p for p in ps if p not in COUNTED]} are counted from an "
                                 "NB201 architecture string, not a model; use aznas_core.score")
            c = model_complexity(model, inputs)
            values.update({p: c[COUNTED[p]] for p in ps})
            continue
        needs = fam.needs(cfg, ps)
        if "labels" in needs and labels is None:
            raise ValueError(f"{list(ps)} need labels: pass labels= (class indices, one per "
                             "input)")
        if ({"noise2", "data2"} & needs) and inputs2 is None:
            raise ValueError(f"{list(ps)} read two batches: pass inputs2= (and labels2=)")
        if "data2" in needs and "labels" in needs and labels2 is None:
            raise ValueError(f"{list(ps)} need labels for both batches: pass labels2=")
        batch = Batch(noise=inputs, noise2=inputs2, x=inputs, y=labels, x2=inputs2, y2=labels2,
                      seed=seed, arch=type(model).__name__, device=str(inputs.device),
                      pre_gap=pooling)
        with preserved_state(model):
            for p in model.parameters():  # frozen layers too: the proxies differentiate all
                p.requires_grad_(True)
            try:
                values.update(fam.fn(model, batch, cfg, ps))
            except IndexError as e:
                if "labels" in needs and "out of bounds" in str(e):
                    raise _label_range_error(model, inputs, labels, labels2, ps) from None
                raise
    return values


def _check_blocks(blocks, proxies):
    """P and T compare consecutive blocks: one block would give a meaningless -inf."""
    pairwise = [p for p in ("progressivity", "trainability") if p in proxies]
    if pairwise and isinstance(blocks, (list, tuple, str)):
        names = [blocks] if isinstance(blocks, str) else list(blocks)
        if len(names) < 2:
            raise ValueError(f"{pairwise} compare consecutive blocks, but {len(names)} block was "
                             f"named ({names}): name at least two (aznas_core.suggest_blocks "
                             "proposes them), or ask for expressivity only")


def _warn_tokens_progressivity():
    warnings.warn("progressivity on token blocks (B, N, C): the AZ-NAS authors omit P for ViTs; "
                  "ask for proxies=['expressivity', 'trainability']", UserWarning, stacklevel=3)


def _block_scores(model, inputs, blocks, proxies, generator, mode):
    """`block_scores` with the checks of `_check_blocks` and the ViT warning."""
    _check_blocks(blocks, proxies)
    want_p = "progressivity" in proxies
    if callable(blocks) and not isinstance(blocks, (list, tuple, str)):
        user_blocks = blocks

        def blocks(model, x):  # noqa: F811 - the same callable, checked
            feats = list(user_blocks(model, x))
            _check_blocks([f"output {i}" for i in range(len(feats))], proxies)
            if want_p and feats and feats[0].dim() == 3:
                _warn_tokens_progressivity()
            return feats

        return block_scores(model, inputs, blocks, proxies, generator=generator, mode=mode)
    names = [blocks] if isinstance(blocks, str) else list(blocks)
    dims = []
    handle = None
    if want_p and names:
        first = dict(model.named_modules()).get(names[0])
        if first is not None:
            handle = first.register_forward_hook(
                lambda m, a, out: dims.append(out.dim()) if isinstance(out, torch.Tensor) else None)
    try:
        values = block_scores(model, inputs, names, proxies, generator=generator, mode=mode)
    finally:
        if handle is not None:
            handle.remove()
    if dims and dims[0] == 3:
        _warn_tokens_progressivity()
    return values


def score_model(model: nn.Module, inputs: torch.Tensor, blocks: Blocks | None = None,
                proxies: Sequence[ProxyName] | str = AZNAS_MODEL_PROXIES,
                labels: torch.Tensor | None = None, device: str | torch.device | None = None,
                generator: torch.Generator | None = None, mode: Mode | None = "train",
                inputs2: torch.Tensor | None = None, labels2: torch.Tensor | None = None,
                config: Config | None = None, seed: int = 0,
                pooling: str | None = None) -> dict[str, float]:
    """AZ-NAS proxies of `model` on the batch `inputs`, read at its primary `blocks`.

    Args:
        model: any module; returned as it came (BatchNorm running statistics, modes and
            requires_grad flags are restored, and every registry family sees the caller's
            statistics; Zen reads them after its own forwards: give it a fresh model, as
            ZenNAS does).
        inputs: the batch (for E, P and T: Gaussian noise, as the authors feed).
        blocks: module names (as in `model.named_modules()`) in execution order, each reading
            the previous one's output, or a callable `(model, inputs) -> [block outputs]`;
            `aznas_core.suggest_blocks(model)` proposes them for ResNet/MobileNet/ViT
            layouts.
        proxies: names (`ProxyName`), or one name as a string: 'expressivity',
            'progressivity', 'trainability', any other registered network proxy (see the
            module docstring; `aznas_core.list_proxies()`), or 'complexity'/'flops'/'params'
            counted on the model. Progressivity needs CNN-style features; the authors omit it
            for ViTs (ask for E and T only; P on tokens warns).
        labels: for the registry's other proxies: class indices in [0, the model's outputs),
            one per input. E, P and T ignore it, as they do `inputs2`, `labels2`, `config`
            and `seed`.
        device: where to run (the model is moved there and back, inputs are copied there).
        generator: the Rademacher gradients' `torch.Generator` (CPU), for reproducible
            trainability.
        mode: for E, P and T: 'train' (the CNN protocol: BatchNorm batch statistics), 'eval'
            (the ViT protocol), or None to leave the model as it is. The other proxies run in
            training mode, as their sources do.
        inputs2: the second batch of the proxies reading two (zen, zico).
        labels2: the labels of `inputs2`.
        config: a `Config` (variant, classes) for the registry's other proxies.
        seed: seeds those proxies' own random draws (e.g. GradNorm's random labels).
        pooling: for Zen, the module whose input is the last feature map (the global pooling:
            'avgpool' in torchvision's ResNets, 'global_pool' in timm's), or
            '<module>:output' to read a module's output; None detects it
            (`aznas_core.proxies.zen.find_pooling`).

    Returns:
        A dict mapping each requested proxy to its value, in the requested order; for E, P
        and T NaN becomes -inf, as in the authors' code.

    Raises:
        ValueError: one line naming the remedy, for an unknown proxy, missing blocks, labels
            or second batch, or a proxy the model cannot support.
    """
    proxies = tuple([proxies] if isinstance(proxies, str) else proxies)
    if not proxies:
        raise ValueError("no proxies requested")
    unknown = [p for p in proxies if p not in AZNAS_MODEL_PROXIES and p not in PROXIES]
    if unknown:
        raise ValueError(unknown_proxies_message(unknown))
    _check_labels("labels", labels, inputs)
    _check_labels("labels2", labels2, inputs2)
    home = next(iter(model.parameters()), None)
    home = None if home is None else home.device
    if device is not None:
        model = model.to(device)
        inputs = inputs.to(device)
        inputs2 = None if inputs2 is None else inputs2.to(device)
        labels = None if labels is None else labels.to(device)
        labels2 = None if labels2 is None else labels2.to(device)
    try:
        with preserved_state(model):
            others = [p for p in proxies if p not in AZNAS_MODEL_PROXIES]
            values = {}
            if others:
                with training_mode(model):  # the families' mode, restored after
                    values = _registry_proxies(model, inputs, others, labels, inputs2, labels2,
                                               config, seed, pooling)
            if len(others) == len(proxies):
                return {p: values[p] for p in proxies}
            if blocks is None:
                raise ValueError("expressivity, progressivity and trainability need blocks= "
                                 "(module names in execution order; "
                                 "aznas_core.suggest_blocks(model) proposes them)")
            values.update(_block_scores(model, inputs, blocks, proxies, generator, mode))
            return {p: values[p] for p in proxies}
    finally:
        if device is not None and home is not None:
            model.to(home)
