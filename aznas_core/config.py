"""The ONE configuration type: everything besides the architecture that determines a score
(`score`, the cache's identity and its readers all use it), and the per-architecture seeding.

The cache directory of a family's scores under a configuration is
`aznas_core.cache.cache_dir(cfg, family)`; the fields a family's values depend on are
`aznas_core.proxies.FAMILIES[family].identity(cfg)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import torch

from aznas_core import inputs as _inputs
from aznas_core.initialization import InitScheme, check_init
from aznas_core.inputs import InputSource
from aznas_core.seeding import arch_seed, generator, single_threaded  # noqa: F401
from aznas_core.spaces import get_space
from aznas_core.spaces.nb201 import NB201Dataset
from aznas_core.spaces.tnb101_micro import TNB101Task

#: A search space whose architectures `score` and `sweep` take by string (a cell space, whose
#: module has `check_dataset`). The search-only spaces (`mbv2`, `autoformer`) are refused
#: with a one-line error; `Config` checks against exactly these names.
CellSpace = Literal["nb201", "tnb101_micro"]
#: A dataset of NAS-Bench-201 (`NB201Dataset`) or a task of TransNAS-Bench-101
#: (`TNB101Task`); the space's `check_dataset` says which go with which space.
Dataset = Literal[NB201Dataset, TNB101Task]
#: The proxies' harness, 'aznas' (the AZ-NAS authors') or 'zc' (zero-cost-nas / NASLib);
#: `VARIANTS` is derived from it.
Variant = Literal["aznas", "zc"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)


def check_device(device: str | torch.device) -> torch.device:
    """`device` as a torch.device; ValueError (one line) for an unknown one or CUDA absent."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"unknown device {device!r} ({e})") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


@dataclass(frozen=True)
class Config:
    """Everything besides the architecture that determines a score.

    Every field is checked on construction: a value outside its type (an unknown space,
    dataset, scheme, source, variant or device, a batch smaller than 2) raises a one-line
    ValueError listing the accepted values.

    - space: a `CellSpace` ('nb201' or 'tnb101_micro').
    - dataset: a `Dataset` of that space (NAS-Bench-201: 'cifar10', 'cifar100',
      'ImageNet16-120'; TransNAS-Bench-101: its seven tasks).
    - batch_size: the batch the proxies read (at least 2).
    - init: None = each family's protocol init (AZ-NAS: 'kaiming_fan_in'); an `InitScheme`
      overrides it.
    - seed: seeds the weights and batches, per architecture.
    - resolution: None = the dataset's own input size.
    - inputs: the `InputSource` of the batches the authors took from the training set.
    - variant: a `Variant`: 'aznas' (the AZ-NAS harness) or 'zc' (zero-cost-nas / NASLib).
    - device: a torch device string ('cpu', 'cuda', 'cuda:1', ...).
    """

    space: CellSpace = "nb201"
    dataset: Dataset = "cifar10"
    batch_size: int = 64
    init: InitScheme | None = None
    seed: int = 0
    resolution: int | None = None
    inputs: InputSource = "synthetic_cifar10"
    variant: Variant = "aznas"
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.space not in get_args(CellSpace):
            get_space(self.space)  # an unknown space: a ValueError listing them all
            # MobileNetV2, AutoFormer: search-only spaces
            raise ValueError(f"space {self.space!r} has no enumerable architectures to score by "
                             f"string: search it with `aznas search --space {self.space}` (or "
                             f"score its networks with `aznas_core.score_model`); `score` and "
                             f"`sweep` take the cell spaces {list(get_args(CellSpace))}")
        get_space(self.space).check_dataset(self.dataset)
        if self.init is not None:
            check_init(self.init)
        if int(self.batch_size) < 2:
            raise ValueError(f"batch_size must be at least 2, got {self.batch_size}")
        if self.resolution is not None and int(self.resolution) < 1:
            raise ValueError(f"resolution must be a positive input size (or None for the "
                             f"dataset's own), got {self.resolution}")
        _inputs.check_source(self.inputs)
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown proxy variant {self.variant!r}; expected one of "
                             f"{list(VARIANTS)}")
        check_device(self.device)

    @property
    def input_resolution(self) -> int:
        """The input size, `resolution` or else the dataset's own."""
        return self.resolution or get_space(self.space).DATASETS[self.dataset]["resolution"]

    @property
    def num_classes(self) -> int:
        """The dataset's number of classes (the classifier's outputs)."""
        return get_space(self.space).DATASETS[self.dataset]["num_classes"]

    def key(self, family: str = "aznas") -> str:
        """Deprecated: `aznas_core.proxies.FAMILIES[family].key(cfg)`."""
        import warnings

        warnings.warn("Config.key(family) is deprecated: use "
                      "aznas_core.proxies.FAMILIES[family].key(cfg)", DeprecationWarning,
                      stacklevel=2)
        from aznas_core.proxies import FAMILIES

        return FAMILIES[family].key(self)

    def directory(self, root: Path | str | None = None, family: str = "aznas") -> Path:
        """Deprecated: `aznas_core.cache.cache_dir(cfg, family, root)`."""
        import warnings

        warnings.warn("Config.directory() is deprecated: use "
                      "aznas_core.cache.cache_dir(cfg, family, root)", DeprecationWarning,
                      stacklevel=2)
        from aznas_core.cache import cache_dir

        return cache_dir(self, family, root)
