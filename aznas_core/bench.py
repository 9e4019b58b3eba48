"""Measure the AZ-NAS scorer's speed on this machine, the way a sweep runs it."""
from __future__ import annotations

import os
import tempfile

import numpy as np

from aznas_core import sweep
from aznas_core.spaces import nb201


def benchmark(n_archs: int = 20, dataset: str = "cifar10", batch_size: int = 64,
              workers: int | None = None, seed: int = 0) -> dict:
    """Score a fixed uniform sample of `n_archs` architectures with the sweep engine (one
    single-threaded worker per core by default) into a throw-away cache. Reports the wall
    time per architecture over all workers (what a sweep achieves on this machine) and the
    mean time one worker spends on one architecture. The four AZ-NAS proxies: E, P, T from
    one pass, C from the FLOPs table (microseconds)."""
    rng = np.random.default_rng(seed)
    archs = [nb201.archs()[i] for i in sorted(rng.choice(nb201.N_ARCHS, n_archs, replace=False))]
    cfg = sweep.SweepConfig.for_dataset(dataset, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as root:
        summary = sweep.run(archs, cfg=cfg, workers=workers, root=root,
                            chunk_size=max(1, -(-n_archs // (workers or _cores()))))
        per_arch = sweep.read_cache(cfg, root).drop_duplicates("arch")["seconds"]
    return dict(n_archs=n_archs, dataset=dataset, resolution=cfg.resolution,
                batch_size=batch_size, workers=workers or _cores(),
                wall_ms_per_arch=summary["ms_per_arch"],
                worker_ms_per_arch_mean=round(1000 * float(per_arch.mean()), 1),
                worker_ms_per_arch_median=round(1000 * float(per_arch.median()), 1))


def _cores() -> int:
    return os.cpu_count() or 1
