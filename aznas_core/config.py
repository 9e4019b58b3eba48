"""The ONE configuration type: everything besides the architecture that determines a score
(`score`, the cache's identity and its readers all use it), and the per-architecture seeding.

The cache directory of a family's scores under a configuration is
`aznas_core.cache.cache_dir(cfg, family)`; the fields a family's values depend on are
`aznas_core.proxies.FAMILIES[family].identity(cfg)`.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from aznas_core import inputs as _inputs
from aznas_core.initialization import check_init
from aznas_core.seeding import arch_seed, generator, single_threaded  # noqa: F401
from aznas_core.spaces import available as available_spaces, get_space

VARIANTS = ("aznas", "zc")


def check_device(device: str) -> torch.device:
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

    init: None = each family's protocol init (AZ-NAS: kaiming_fan_in); a scheme name
    overrides it. inputs: the source of the batches the authors took from the training set
    (`aznas_core.inputs.SOURCES`). variant: 'aznas' (the AZ-NAS harness) or 'zc'
    (zero-cost-nas / NASLib). resolution: None = the dataset's own input size.
    """

    space: str = "nb201"
    dataset: str = "cifar10"
    batch_size: int = 64
    init: str | None = None
    seed: int = 0
    resolution: int | None = None
    inputs: str = "synthetic_cifar10"
    variant: str = "aznas"
    device: str = "cpu"

    def __post_init__(self):
        space = get_space(self.space)
        if not hasattr(space, "check_dataset"):  # MobileNetV2, AutoFormer: search-only spaces
            cells = [n for n in available_spaces() if hasattr(get_space(n), "check_dataset")]
            raise ValueError(f"space {self.space!r} has no enumerable architectures to score by "
                             f"string: search it with `aznas search --space {self.space}` (or "
                             f"score its networks with `aznas_core.score_model`); `score` and "
                             f"`sweep` take the cell spaces {cells}")
        space.check_dataset(self.dataset)
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
        return self.resolution or get_space(self.space).DATASETS[self.dataset]["resolution"]

    @property
    def num_classes(self) -> int:
        return get_space(self.space).DATASETS[self.dataset]["num_classes"]

    def key(self, family: str = "aznas") -> str:
        """Deprecated: `aznas_core.proxies.FAMILIES[family].key(cfg)`."""
        import warnings

        warnings.warn("Config.key(family) is deprecated: use "
                      "aznas_core.proxies.FAMILIES[family].key(cfg)", DeprecationWarning,
                      stacklevel=2)
        from aznas_core.proxies import FAMILIES

        return FAMILIES[family].key(self)

    def directory(self, root=None, family: str = "aznas"):
        """Deprecated: `aznas_core.cache.cache_dir(cfg, family, root)`."""
        import warnings

        warnings.warn("Config.directory() is deprecated: use "
                      "aznas_core.cache.cache_dir(cfg, family, root)", DeprecationWarning,
                      stacklevel=2)
        from aznas_core.cache import cache_dir

        return cache_dir(self, family, root)
