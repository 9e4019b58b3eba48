"""The one registry of zero-cost proxies.

Each proxy belongs to a *family*: proxies of one family come out of the same computation
(AZ-NAS's E, P and T share one forward and backward pass), so `score` runs each family once
however many of its proxies are asked for.
"""
from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from typing import Callable

import torch

from aznas_core.initialization import check_init, initialize
from aznas_core.spaces import get_space


@dataclass(frozen=True)
class Config:
    """Everything besides the architecture that determines a score."""

    space: str = "nb201"
    dataset: str = "cifar10"
    batch_size: int = 64
    init: str = "kaiming_fan_in"
    seed: int = 0
    resolution: int | None = None  # None: the dataset's own input size

    def __post_init__(self):
        get_space(self.space).check_dataset(self.dataset)
        check_init(self.init)
        if int(self.batch_size) < 2:
            raise ValueError(f"batch_size must be at least 2, got {self.batch_size}")

    @property
    def input_resolution(self) -> int:
        return self.resolution or get_space(self.space).DATASETS[self.dataset]["resolution"]


def arch_seed(seed: int, arch: str, stream: str) -> int:
    """A stable hash of (seed, arch, stream): any subset of a sweep can be computed in any
    order, process or machine with identical results. Separate streams for the input, the
    weights and the gradients keep the input and the block weights independent of the
    classifier size, so one 32x32 sweep serves CIFAR-10 and CIFAR-100 exactly."""
    digest = hashlib.sha256(f"{int(seed)}|{arch}|{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def _generator(seed: int, arch: str, stream: str) -> torch.Generator:
    return torch.Generator().manual_seed(arch_seed(seed, arch, stream))


@contextlib.contextmanager
def single_threaded():
    """Run torch single-threaded inside the block. oneDNN's reduction order depends on the
    thread count, and trainability inherits the difference (about 1e-4 relative), so fixing
    the count makes every score bit-reproducible on a given build; parallelism comes from
    one process per core instead (see `aznas_core.sweep`)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _aznas_family(arch: str, cfg: Config) -> dict[str, float]:
    with single_threaded():
        return _aznas_family_scores(arch, cfg)


def _aznas_family_scores(arch: str, cfg: Config) -> dict[str, float]:
    from aznas_core.proxies.aznas import aznas_scores

    model = get_space(cfg.space).build(arch, cfg.dataset, prune=True)
    initialize(model, cfg.init, generator=_generator(cfg.seed, arch, "weights"))
    r = cfg.input_resolution
    x = torch.randn(cfg.batch_size, 3, r, r, generator=_generator(cfg.seed, arch, "input"))
    # channels-last is 2-3x faster for these small convolutions on CPU; same arithmetic.
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
    return aznas_scores(model, x, generator=_generator(cfg.seed, arch, "gradients"))


def _architecture_family(arch: str, cfg: Config) -> dict[str, float]:
    flops, params, legacy = get_space(cfg.space).costs(arch, cfg.dataset)
    return {"complexity": flops, "flops": flops, "params": params, "flops_legacy": legacy}


@dataclass(frozen=True)
class Proxy:
    name: str
    family: str
    description: str


FAMILIES: dict[str, Callable[[str, Config], dict[str, float]]] = {
    "aznas": _aznas_family,
    "architecture": _architecture_family,
}

PROXIES: dict[str, Proxy] = {
    p.name: p
    for p in [
        Proxy("expressivity", "aznas", "AZ-NAS s^E: summed entropy of block PCA spectra"),
        Proxy("progressivity", "aznas", "AZ-NAS s^P: min increase of block expressivity"),
        Proxy("trainability", "aznas", "AZ-NAS s^T: mean -sigma-1/sigma+2 of block Jacobians"),
        Proxy("complexity", "architecture",
              "AZ-NAS s^C: MFLOPs as the authors count them (NATS API: conv + linear MACs)"),
        Proxy("flops", "architecture", "MFLOPs, NATS-Bench API convention (= complexity)"),
        Proxy("params", "architecture", "M parameters as the benchmark reports them"),
        Proxy("flops_legacy", "architecture",
              "MFLOPs, legacy NAS-Bench-201 count (adds pooling, BatchNorm, an offset)"),
    ]
}

AZNAS = ("expressivity", "progressivity", "trainability", "complexity")


def check_proxies(proxies) -> tuple[str, ...]:
    if isinstance(proxies, str):
        proxies = [p for p in proxies.split(",") if p]
    proxies = tuple(proxies)
    unknown = [p for p in proxies if p not in PROXIES]
    if unknown or not proxies:
        raise ValueError(f"unknown proxy {unknown or proxies}; available: {sorted(PROXIES)}")
    return proxies


def score(arch: str, proxies=AZNAS, config: Config | None = None, **config_kwargs) -> dict:
    """Score one architecture; returns {proxy: value} for the requested proxies.

    `config_kwargs` (space, dataset, batch_size, init, seed, resolution) build a `Config`.
    The result depends only on (arch, config): the same call gives the same numbers.
    """
    cfg = config or Config(**config_kwargs)
    arch = get_space(cfg.space).validate(arch)
    proxies = check_proxies(proxies)
    values: dict[str, float] = {}
    for family in dict.fromkeys(PROXIES[p].family for p in proxies):
        values.update(FAMILIES[family](arch, cfg))
    return {p: values[p] for p in proxies}
