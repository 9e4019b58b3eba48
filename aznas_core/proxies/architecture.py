"""The architecture family: closed-form counts of an architecture string (AZ-NAS's complexity
= FLOPs as the authors count them, #params, the legacy FLOPs count). No network is run, so
nothing is cached: `aznas_core.cache` computes them on read."""
from __future__ import annotations

import math

from aznas_core.config import Config
from aznas_core.proxies.registry import register_family
from aznas_core.spaces import get_space


def _architecture_family(arch: str, cfg: Config) -> dict[str, float]:
    """The space's own counts; `flops_legacy` exists only where the space has a second,
    legacy FLOPs convention (NB201: `costs()[2]`, flagged by `HAS_LEGACY_FLOPS`)."""
    space = get_space(cfg.space)
    flops, params, *extra = space.costs(arch, cfg.dataset)
    legacy = extra[0] if getattr(space, "HAS_LEGACY_FLOPS", False) else math.nan
    return {"complexity": flops, "flops": flops, "params": params, "flops_legacy": legacy}


register_family(
    "architecture",
    proxies={
        "complexity": "AZ-NAS s^C: MFLOPs as the authors count them (NATS API: conv + linear MACs)",
        "flops": "MFLOPs, NATS-Bench API convention (= complexity)",
        "params": "M parameters as the benchmark reports them",
        "flops_legacy": "MFLOPs, legacy NAS-Bench-201 count (adds pooling, BatchNorm, an offset)",
    },
    kind="architecture",
    reads_classifier=True,
)(_architecture_family)
