"""Measure the scorers' speed on this machine.

`benchmark` times the AZ-NAS scorer the way a sweep runs it (worker processes);
`families` times each proxy family as `score` runs it, single-threaded in this process (ms
per architecture; network construction, initialisation and input generation included, so
slightly more than the authors time with `compute_nas_score`, which excludes construction).
`methods` times several methods in one run, interleaved architecture by architecture, so
that every method sees the same machine load: the runtimes Table 1 and Figure 1 compare
(`data/timing/`, read by `report.timed_ms_per_arch`). Sweep caches also record seconds, but
those come from different sessions under different loads and must not be compared.
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from aznas_core import sweep
from aznas_core.data import PROJECT_ROOT
from aznas_core.proxies import FAMILIES
from aznas_core.spaces import get_space


def sample_archs(n_archs: int, seed: int = 0, space: str = "nb201") -> list[str]:
    """A fixed uniform sample (without replacement) of the space's architectures."""
    archs = get_space(space).archs()
    rng = np.random.default_rng(seed)
    return [archs[i] for i in sorted(rng.choice(len(archs), n_archs, replace=False))]


def benchmark(n_archs: int = 20, dataset: str = "cifar10", batch_size: int = 64,
              workers: int | None = None, seed: int = 0, config=None) -> dict:
    """Score a fixed uniform sample of `n_archs` architectures with the sweep engine (one
    single-threaded worker per core by default) into a throw-away cache. Reports the wall
    time per architecture over all workers (what a sweep achieves on this machine) and the
    mean time one worker spends on one architecture; `startup_s` is the wall time not spent
    scoring (worker start-up, imports, scheduling: wall minus the busy workers' time), which
    dominates `wall_ms_per_arch` at a few architectures. The four AZ-NAS proxies: E, P, T from
    one pass, C from the FLOPs table (microseconds). `config` (a `proxies.Config`) replaces
    `dataset` and `batch_size`."""
    cfg = config or sweep.Config(dataset=dataset, batch_size=batch_size)
    archs = sample_archs(n_archs, seed, cfg.space)
    with tempfile.TemporaryDirectory() as root:
        summary = sweep.run(archs, cfg=cfg, workers=workers, root=root,
                            chunk_size=max(1, -(-n_archs // (workers or _cores()))))
        per_arch = sweep.read_cache(cfg, root).drop_duplicates("arch")["seconds"]
    n_workers = workers or _cores()
    scoring_wall = float(per_arch.sum()) / min(n_workers, n_archs)
    return dict(n_archs=n_archs, space=cfg.space, dataset=cfg.dataset,
                resolution=cfg.input_resolution, batch_size=cfg.batch_size,
                init=FAMILIES["aznas"].init_scheme(cfg), device=cfg.device, workers=n_workers,
                wall_ms_per_arch=summary["ms_per_arch"],
                worker_ms_per_arch_mean=round(1000 * float(per_arch.mean()), 1),
                worker_ms_per_arch_median=round(1000 * float(per_arch.median()), 1),
                wall_s=summary["seconds"],
                startup_s=round(max(0.0, summary["seconds"] - scoring_wall), 1))


def families(proxies, n_archs: int = 10, seed: int = 0, config=None, warmup: int = 1,
             **config_kwargs) -> list[dict]:
    """ms/arch of each family needed for `proxies`: `methods` with one method per family,
    single-threaded, in this process."""
    from aznas_core.proxies import FAMILIES, Config, check_proxies, families_of

    cfg = config or Config(**config_kwargs)
    plan = families_of(check_proxies(proxies, cfg))
    ms = methods(plan, n_archs, seed, cfg, warmup, progress=False).groupby("method")["ms"]
    return [dict(family=family, proxies=",".join(ps), n_archs=int(ms.get_group(family).size),
                 dataset=cfg.dataset, resolution=cfg.input_resolution,
                 batch_size=cfg.batch_size, variant=FAMILIES[family].variant(cfg),
                 device=cfg.device,
                 ms_per_arch_mean=round(float(ms.get_group(family).mean()), 1),
                 ms_per_arch_median=round(float(ms.get_group(family).median()), 1))
            for family, ps in plan.items()]


def _cores() -> int:
    return os.cpu_count() or 1


TIMING_DIR = PROJECT_ROOT / "data" / "timing"


def methods(methods: dict, n_archs: int = 30, seed: int = 0, config=None, warmup: int = 1,
            progress: bool = True, configs: dict | None = None, **config_kwargs):
    """Time every method of `methods` ({label: its proxies}) on the same `n_archs` sampled
    architectures, single-threaded, in this process. Architecture by architecture, each
    method's families run once in a rotating order (so no method is always first after a
    slow one, and drift in the machine's load falls on all of them alike); the first
    `warmup` architectures are run and not recorded. A method's time is the sum of its
    families' `score_family` calls, construction and input included, as a sweep runs them.
    `configs` ({label: Config}) gives a method its own configuration (Table 9: one batch size
    per label); the others use `config`. Returns one row per (method, arch): method,
    proxies, arch, ms."""
    import pandas as pd
    import torch
    from tqdm import tqdm

    from aznas_core.config import Config
    from aznas_core.proxies import check_proxies, families_of
    from aznas_core.scoring import score_family

    cfg = config or Config(**config_kwargs)
    cfgs = {label: (configs or {}).get(label, cfg) for label in methods}
    plan = {label: families_of(check_proxies(ps, cfgs[label])) for label, ps in methods.items()}
    labels = list(plan)
    archs = sample_archs(n_archs + warmup, seed, cfg.space)
    rows = []
    for i, arch in enumerate(tqdm(archs, desc="timing", unit="arch", disable=not progress)):
        k = i % len(labels)
        for label in labels[k:] + labels[:k]:
            t0 = time.perf_counter()
            for family, ps in plan[label].items():
                score_family(family, arch, cfgs[label], ps)
            if torch.device(cfgs[label].device).type == "cuda":
                torch.cuda.synchronize()
            if i >= warmup:
                rows.append(dict(method=label, proxies=",".join(methods[label]), arch=arch,
                                 ms=1000 * (time.perf_counter() - t0)))
    return pd.DataFrame(rows)


def machine() -> dict:
    """What a runtime depends on besides the code: CPU model, torch build, threads."""
    import torch

    return dict(cpu=sweep.cpu_model(), cores=os.cpu_count(), torch=torch.__version__, threads=1,
                python=platform.python_version(), date=time.strftime("%Y-%m-%d", time.gmtime()))


def write_timing(table, path, **conditions) -> None:
    """`methods`' table to `path` (CSV) with a JSON sidecar: the machine and `conditions`
    (dataset, resolution, sample, and what else ran meanwhile)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.3f")
    path.with_suffix(".json").write_text(json.dumps(dict(machine(), **conditions), indent=1) + "\n")


def read_timing(name: str = "nb201-cifar10-cpu"):
    """A committed same-run timing table and its conditions, or (None, {}) if absent."""
    import pandas as pd

    path = TIMING_DIR / f"{name}.csv"
    if not path.exists():
        return None, {}
    return pd.read_csv(path), json.loads(path.with_suffix(".json").read_text())
