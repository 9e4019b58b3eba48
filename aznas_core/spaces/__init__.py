"""Search spaces, one module each; `get_space(name)` imports `aznas_core.spaces.<name>`.

Adding a space means adding one module. What the scoring engine needs of a *cell space*
(one whose architectures are enumerable and cached by `aznas_core.sweep`):

    DATASETS: {dataset: {"resolution": int, "num_classes": int, ...}}
    check_dataset(dataset) -> settings dict (ValueError for an unknown dataset)
    validate(arch) -> canonical arch string (ValueError naming the problem)
    archs() -> all architectures, benchmark order;  N_ARCHS;  index(arch) -> int
    build(arch, dataset, prune=False) -> nn.Module with `features(x, detach_between_blocks)`
    costs(arch, dataset) -> (MFLOPs, M params, ...)  (the space's own counter)

Search-only spaces (MobileNetV2, AutoFormer) offer sample/mutate/build instead.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil


@functools.lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


@functools.lru_cache(maxsize=None)
def get_space(name: str):
    """The module of search space `name`, or a ValueError listing the available ones."""
    if not isinstance(name, str) or name not in available():
        raise ValueError(f"unknown search space {name!r}; available: {list(available())}")
    return importlib.import_module(f"{__name__}.{name}")


def chain_features(stem, blocks, x, detach_between_blocks: bool = False):
    """Primary-block outputs of a stem followed by a chain of blocks: [stem(x), block_1(...),
    ...]. With `detach_between_blocks` each block reads a fresh leaf (requiring grad) equal
    to the previous output, so one backward pass yields every block's own input gradient.
    Returns (features, block input leaves); the cell spaces' `Network.features` use it."""
    feats, leaves = [stem(x)], []
    for block in blocks:
        h = feats[-1]
        if detach_between_blocks:
            h = h.detach().requires_grad_(True)
            leaves.append(h)
        feats.append(block(h))
    return feats, leaves
