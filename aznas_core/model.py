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
Architecture-level entries (complexity, flops, params) need an architecture string: use
`aznas_core.score`.
"""
from __future__ import annotations

import torch
from torch import nn

from aznas_core.blocks import BlockPairingError, capture_blocks  # noqa: F401 (public here)
from aznas_core.config import Config
from aznas_core.proxies import FAMILIES, PROXIES, Batch, families_of
from aznas_core.proxies.aznas import MODEL_PROXIES as AZNAS_MODEL_PROXIES, block_scores
from aznas_core.proxies.tenas import training_mode


def _registry_proxies(model, inputs, proxies, labels, inputs2, labels2, config, seed):
    """Other registered proxies via their families' model-level functions."""
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
        with training_mode(model):  # the families' mode, restored after
            values = _registry_proxies(model, inputs, others, labels, inputs2, labels2, config,
                                       seed)
    if len(others) == len(proxies):
        return {p: values[p] for p in proxies}
    if blocks is None:
        raise ValueError("expressivity, progressivity and trainability need blocks=")
    values.update(block_scores(model, inputs, blocks, proxies, generator=generator, mode=mode))
    return {p: values[p] for p in proxies}
