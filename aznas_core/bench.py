"""Measure the AZ-NAS scorer's speed on this machine (ms per architecture)."""
from __future__ import annotations

import time

import numpy as np
import torch

from aznas_core.proxies import AZNAS, Config, score
from aznas_core.spaces import nb201


def benchmark(n_archs: int = 20, dataset: str = "cifar10", batch_size: int = 64,
              threads: int = 1, seed: int = 0) -> dict:
    """Score a fixed uniform sample of architectures in this process; report the mean and
    median ms per architecture for the four AZ-NAS proxies (one process, `threads` threads;
    a sweep runs one such process per core)."""
    torch.set_num_threads(threads)
    rng = np.random.default_rng(seed)
    archs = [nb201.archs()[i] for i in rng.choice(nb201.N_ARCHS, n_archs, replace=False)]
    cfg = Config(dataset=dataset, batch_size=batch_size)
    score(archs[0], AZNAS, config=cfg)  # warm-up
    times = []
    for a in archs:
        t0 = time.perf_counter()
        score(a, AZNAS, config=cfg)
        times.append(1000 * (time.perf_counter() - t0))
    return dict(n_archs=n_archs, dataset=dataset, batch_size=batch_size, threads=threads,
                ms_per_arch_mean=round(float(np.mean(times)), 1),
                ms_per_arch_median=round(float(np.median(times)), 1),
                torch=torch.__version__)
