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

import importlib
import pkgutil


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get_space(name: str):
    """The module of search space `name`, or a ValueError listing the available ones."""
    if not isinstance(name, str) or name not in available():
        raise ValueError(f"unknown search space {name!r}; available: {available()}")
    return importlib.import_module(f"{__name__}.{name}")
