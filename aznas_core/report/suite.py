"""Our scores beside NAS-Bench-Suite-Zero's (`aznas_core.benchmarks.zc_suite`): AZ-NAS on the
suite's NAS-Bench-201 and TransNAS-Bench-101 micro architectures from this repository's
sweep cache, and the per-task frames and Spearman table the blog's artifacts read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core import aggregate, sweep
from aznas_core.benchmarks.zc_suite import (AZNAS_PARTS, BLOG_PROXIES, BLOG_TASKS, SPACES,
                                            blog_task_name, load, tasks)
from aznas_core.config import Config
from aznas_core.data import PROJECT_ROOT
from aznas_core.metrics import spearman_rho
from aznas_core.proxies import FAMILIES
from aznas_core.scoring import score
from aznas_core.spaces import nb201
from aznas_core.spaces import tnb101_micro as tnb_space

CONTENDERS = ("aznas",)

#: E, P, T, C of the suite's NAS-Bench-201 architectures, extracted from the sweep cache (all
#: three tasks, default resolutions) so the notebooks need not read 15,625-row sweeps and count
#: FLOPs; `write_nb201_aznas_cache()` rebuilds it and a test recomputes it.
NB201_AZNAS_CACHE = PROJECT_ROOT / "data" / "scores" / "zc_suite" / "nb201_aznas.parquet"


def nb201_aznas(task: str, resolution: int | None = None, cached: bool = True) -> pd.DataFrame:
    """AZ-NAS on the suite's NAS-Bench-201 architectures of `task`, from this repository's
    sweep cache: arch, expressivity, progressivity, trainability, complexity and `aznas`
    (non-linear rank aggregation of the four, Eq. 12, ranked within these architectures).

    `resolution`: input size of E, P, T (default: the dataset's own, 16 for ImageNet16-120;
    32 reads the 32x32 sweep, the input the paper's ImageNet16-120 numbers match).
    Complexity is counted for `task`'s network (its classifier). With `cached`, the default
    resolution reads `NB201_AZNAS_CACHE` when it exists."""

    nb201.check_dataset(task)
    if cached and resolution is None and NB201_AZNAS_CACHE.is_file():
        c = pd.read_parquet(NB201_AZNAS_CACHE)
        frame = c[c["task"] == task].drop(columns="task").reset_index(drop=True)
        if len(frame) == len(load("nb201", task)):
            frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
            return frame
    net_dataset = "cifar10" if resolution == 32 else task
    if resolution not in (None, 32, nb201.DATASETS[task]["resolution"]):
        raise ValueError(f"no cached sweep at resolution {resolution} for {task}")
    net = sweep.scores(dataset=net_dataset, proxies=AZNAS_PARTS[:3])
    archs = load("nb201", task)[["arch"]]
    frame = archs.merge(net.drop(columns="index"), on="arch", how="left", validate="one_to_one")
    if frame[list(AZNAS_PARTS[:3])].isna().all(axis=1).any():
        raise RuntimeError(f"the {net_dataset} sweep cache lacks some suite architectures")
    cfg = Config(dataset=task)
    frame["complexity"] = [score(a, ["complexity"], config=cfg)["complexity"]
                           for a in frame["arch"]]
    frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
    return frame


def write_nb201_aznas_cache() -> Path:
    """Recompute `NB201_AZNAS_CACHE` from the sweep caches (all three tasks)."""
    parts = [nb201_aznas(t, cached=False).drop(columns="aznas").assign(task=t)
             for t in tasks("nb201")]
    NB201_AZNAS_CACHE.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(parts, ignore_index=True).to_parquet(NB201_AZNAS_CACHE, index=False)
    return NB201_AZNAS_CACHE


def tnb101_micro_aznas(task: str) -> pd.DataFrame | None:
    """AZ-NAS on the suite's TransNAS-Bench-101 micro architectures of `task`, from the sweep
    cache of the documented configuration (`TNB101_AZNAS_CONFIG`), or None while that cache
    lacks some of them (notebooks then say "not yet computed"). Columns as
    `tnb101_aznas_scores`: index, arch (TransNAS string), expressivity, progressivity,
    trainability, complexity (the suite's FLOPs, which our counter reproduces), aznas."""
    archs = load("tnb101_micro", task)["arch"]
    try:
        return tnb101_aznas_scores(archs=archs, task=task)
    except RuntimeError:  # partial cache: treated as not yet computed
        return None


def contender_scores(space: str, task: str) -> pd.DataFrame | None:
    """Our AZ-NAS scores (arch, E, P, T, C, aznas) on the suite's architectures of (space,
    task), or None where we have none (yet)."""
    if space == "nb201":
        return nb201_aznas(task)
    if space == "tnb101_micro":
        return tnb101_micro_aznas(task)
    return None


def task_frame(space: str, task: str, contenders: bool = True) -> pd.DataFrame:
    """arch, val_accuracy, the blog's proxies the file has, and (with `contenders`) our AZ-NAS
    columns where they exist, on the suite's architectures of (space, task)."""
    f = load(space, task)
    f = f[["arch", "val_accuracy", *[p for p in BLOG_PROXIES if p in f]]]
    ours = contender_scores(space, task) if contenders else None
    if ours is not None:
        f = f.merge(ours, on="arch", how="left", validate="one_to_one")
    return f


def spearman_table(contenders: bool = True) -> pd.DataFrame:
    """Long frame, one row per (space, task, proxy) we have data for: space, task (the blog's
    name where the blog has the task), proxy, rho (Spearman against val_accuracy), n_archs,
    in_blog (the task is one of the blog's 12)."""

    rows = []
    for space in SPACES:
        for task in tasks(space):
            f = task_frame(space, task, contenders)
            name = blog_task_name(task)
            for p in [c for c in [*BLOG_PROXIES, *AZNAS_PARTS, *CONTENDERS] if c in f]:
                rows.append({"space": space, "task": name, "proxy": p,
                             "rho": spearman_rho(f[p], f["val_accuracy"]), "n_archs": len(f),
                             "in_blog": name in BLOG_TASKS.get(space, ())})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# TransNAS-Bench-101 micro: AZ-NAS from this repository's sweep of the tnb101_micro space
# --------------------------------------------------------------------------------------
#: (resolution, batch size) of the AZ-NAS scores on TNB101-micro (why: tnb101_aznas.ipynb)
TNB101_AZNAS_CONFIG = (64, 32)


def tnb101_study_archs(n: int = 100, seed: int = 0) -> list[str]:
    """The resolution study's sample: `n` of the suite's 711 micro architectures (a fixed
    uniform draw, in suite order)."""
    archs = load("tnb101_micro", "class_object")["arch"].to_numpy()
    pick = np.sort(np.random.default_rng(seed).choice(len(archs), n, replace=False))
    return list(archs[pick])


def tnb101_aznas_scores(resolution: int | None = None, batch_size: int | None = None,
                        archs=None, task: str = "class_object") -> pd.DataFrame:
    """AZ-NAS on TransNAS-Bench-101 micro from the sweep cache, one row per architecture:
    index (benchmark), arch ('64-41414-a_bc_def'), expressivity, progressivity,
    trainability, complexity (the task's FLOPs as the suite counts them; our counter
    reproduces the suite's `flops` exactly) and aznas (Eq. 12 over the four, ranked within
    the rows returned).

    Default configuration `TNB101_AZNAS_CONFIG`. `archs`: restrict to these (e.g. the
    suite's 711 of a task); a RuntimeError names what is missing from the cache. E, P, T
    read only the encoder, which every task shares, and the decoder adds a per-task
    constant to FLOPs, so the ranking is the same for every task."""

    r, b = TNB101_AZNAS_CONFIG
    cfg = Config(space="tnb101_micro", dataset=task, resolution=resolution or r,
                 batch_size=batch_size or b)
    frame = sweep.scores(config=cfg, proxies=AZNAS_PARTS[:3])
    if archs is not None:
        want = pd.DataFrame({"arch": [tnb_space.validate(a) for a in archs]})
        frame = want.merge(frame, on="arch", how="left")
        lacking = frame.loc[frame[list(AZNAS_PARTS[:3])].isna().any(axis=1), "arch"]
        if len(lacking):
            raise RuntimeError(f"{len(lacking)} of {len(frame)} architectures are not in the "
                               f"tnb101_micro cache {FAMILIES['aznas'].key(cfg)} (e.g. {lacking.iloc[0]}); "
                               "run data/scores/run_tnb101_micro.py")
        frame["index"] = [tnb_space.index(a) for a in frame["arch"]]
    frame = frame[["index", "arch", *AZNAS_PARTS[:3]]].reset_index(drop=True)
    frame["complexity"] = [tnb_space.costs(a, task)[0] for a in frame["arch"]]
    frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
    return frame
