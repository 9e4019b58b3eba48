"""NAS-Bench-Suite-Zero: NASLib's precomputed zero-cost proxy scores -> tidy frames.

One frame per (search space, task): one row per architecture with its NASLib key, the
architecture as its own benchmark spells it, the task's performance (`val_accuracy`,
larger is better), every proxy's score and the seconds NASLib took (`<proxy>_time`).

Architecture keys. NAS-Bench-201 keys are NASLib op indices over NASLib's edge order and
convert with `nb201.from_naslib`. TransNAS-Bench-101 keys are NOT: at the suite's NASLib
commit (e5a821c2) both the network and the benchmark query were made from
``'64-41414-{}_{}{}_{}{}{}'.format(*key)``, so each key entry is TransNAS-Bench's own op code
(0 none, 1 skip, 2 conv1x1, 3 conv3x3) in the benchmark string's edge order (0-1 | 0-2, 1-2 |
0-3, 1-3, 2-3). The data confirm it: all 169 cells whose output node is unreachable under
this reading (and only they) share one constant accuracy, and #params grows with code 3
nine times faster than with code 2. Macro keys map to ``'64-<non-zero digits>-basic'``.

Proxy names are NASLib's, except `jacov`, renamed to the blog's `jacob_cov`.
"""
from __future__ import annotations

import functools
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core.data import PROJECT_ROOT, DataError, external_file
from aznas_core.spaces import nb201

#: space -> (suite file, title as the blog writes it)
SPACES = {
    "nb201": ("zc_suite/zc_nasbench201.json", "NATS-Bench TSS"),
    "darts": ("zc_suite/zc_nasbench301.json", "DARTS"),
    "tnb101_micro": ("zc_suite/zc_transbench101_micro.json", "TransNAS-Bench-101 micro"),
    "tnb101_macro": ("zc_suite/zc_transbench101_macro.json", "TransNAS-Bench-101 macro"),
    "nb101": ("zc_suite/zc_nasbench101.json", "NAS-Bench-101"),
}
ZEN_ZIP = "zc_suite/transbench101_micro_zen.zip"
TNB101_TASKS = ("class_object", "class_scene", "jigsaw", "autoencoder", "normal", "room_layout",
                "segmentsemantic")
#: NASLib's proxy names, renamed as the blog writes them (only `jacov` differs)
RENAME = {"jacov": "jacob_cov"}
PROXIES = ("epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacob_cov", "l2_norm", "nwot",
           "params", "plain", "snip", "synflow")
#: the blog's eight proxies, in its tables' row order
BLOG_PROXIES = ("fisher", "grad_norm", "grasp", "jacob_cov", "snip", "synflow", "flops", "params")
#: suite task -> the blog's column name (data/reported B-T1..B-T3 `dataset`)
BLOG_TASK_NAMES = {
    "class_object": "object_classification", "class_scene": "scene_classification",
    "jigsaw": "jigsaw", "autoencoder": "autoencoder", "cifar100": "cifar100",
}
TNB101_MICRO_CODES = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")


def _parse_key(key: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"-?\d+", key))


def tnb101_micro_string(key) -> str:
    """Suite key '(1, 0, 0, 2, 1, 0)' -> TransNAS-Bench-101 micro string '64-41414-1_00_210'."""
    ops = _parse_key(key) if isinstance(key, str) else tuple(key)
    if len(ops) != 6 or any(not 0 <= o < 4 for o in ops):
        raise ValueError(f"a TransNAS-Bench-101 micro key is 6 op codes in 0..3, got {key!r}")
    return "64-41414-{}_{}{}_{}{}{}".format(*ops)


def tnb101_macro_string(key) -> str:
    """Suite key '(1, 2, 4, 2, 0, 0)' -> TransNAS-Bench-101 macro string '64-1242-basic'."""
    ops = _parse_key(key) if isinstance(key, str) else tuple(key)
    return "64-{}-basic".format("".join(str(o) for o in ops if o != 0))


def _arch_string(space: str, key: str) -> str:
    if space == "nb201":
        return nb201.from_naslib(key)
    if space == "tnb101_micro":
        return tnb101_micro_string(key)
    if space == "tnb101_macro":
        return tnb101_macro_string(key)
    return key  # DARTS and NAS-Bench-101: NASLib's own encoding is the only string we have


def check_space(space: str) -> str:
    if space not in SPACES:
        raise ValueError(f"unknown suite space {space!r}; available: {sorted(SPACES)}")
    return space


@functools.lru_cache(maxsize=None)
def _raw(space: str) -> dict:
    path = external_file(SPACES[check_space(space)][0])
    try:
        raw = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise DataError(f"{path} is not valid JSON ({e}); re-obtain it") from e
    if space == "nb101":  # one more level: {"nasbench101": {"cifar10": ...}}
        raw = {task: archs for sub in raw.values() for task, archs in sub.items()}
    return raw


def tasks(space: str) -> list[str]:
    """The tasks a space's suite file holds, in file order."""
    return list(_raw(check_space(space)))


@functools.lru_cache(maxsize=None)
def _load(space: str, task: str) -> pd.DataFrame:
    raw = _raw(check_space(space))
    if task not in raw:
        raise ValueError(f"{space} has no task {task!r}; available: {list(raw)}")
    rows = []
    for key, rec in raw[task].items():
        row = {"idx": int(rec.get("idx", len(rows))), "key": key, "arch": _arch_string(space, key),
               "val_accuracy": float(rec["val_accuracy"])}
        for name, value in rec.items():
            name_out = RENAME.get(name, name)
            if isinstance(value, dict):  # {"score": s, "time": t}
                row[name_out] = float(value["score"])
                row[f"{name_out}_time"] = float(value["time"])
            elif name not in ("idx", "arch", "val_accuracy", "id"):
                row[name_out] = float(value)  # NAS-Bench-101: bare scores, no times
        rows.append(row)
    frame = pd.DataFrame(rows)
    proxies = [p for p in PROXIES if p in frame]
    times = [f"{p}_time" for p in proxies if f"{p}_time" in frame]
    frame = frame[["idx", "key", "arch", "val_accuracy", *proxies, *times]]
    frame.insert(0, "task", task)
    frame.insert(0, "space", space)
    if frame["arch"].duplicated().any():
        raise DataError(f"{space}/{task}: duplicate architectures in {SPACES[space][0]}")
    return frame.sort_values("idx", ignore_index=True)


def load(space: str, task: str) -> pd.DataFrame:
    """Tidy frame of one (space, task): space, task, idx, key, arch, val_accuracy, one column
    per proxy in the file (`PROXIES` order), then `<proxy>_time` (seconds) where stored."""
    return _load(space, task).copy()


def proxies(space: str, task: str) -> list[str]:
    """The proxies the suite file holds for (space, task), in `PROXIES` order."""
    return [p for p in PROXIES if p in _load(space, task)]


@functools.lru_cache(maxsize=1)
def _zen_zip() -> pd.DataFrame:
    path = external_file(ZEN_ZIP)
    rows = []
    try:
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if not name.endswith(".json"):
                    continue
                task = name.split("--")[2]
                for rec in json.loads(z.read(name)):
                    rows.append({"task": task, "idx": int(rec["idx"]), "key": rec["arch"],
                                 "val_accuracy": float(rec["val_accuracy"]),
                                 "zen": float(rec["zen"]["score"])})
    except (zipfile.BadZipFile, KeyError, IndexError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: unexpected content ({e!r}); re-obtain it") from e
    frame = pd.DataFrame(rows)
    frame.insert(2, "arch", [tnb101_micro_string(k) for k in frame["key"]])
    counts = frame.groupby("task")["arch"].nunique()
    if set(counts.index) != set(TNB101_TASKS) or (counts != 4 ** 6).any():
        raise DataError(f"{path}: expected all 4,096 architectures for {TNB101_TASKS}, got "
                        f"{counts.to_dict()}")
    return frame.sort_values(["task", "idx"], ignore_index=True)


def tnb101_micro_ground_truth() -> pd.DataFrame:
    """All 4,096 TransNAS-Bench-101 micro architectures x 7 tasks (long): task, idx, arch,
    key, val_accuracy (the task's metric, larger is better), zen (NASLib's Zen-score)."""
    return _zen_zip().copy()


# --------------------------------------------------------------------------------------
# Our own scores on the suite's architectures (AZ-NAS as a contender)
# --------------------------------------------------------------------------------------
AZNAS_PARTS = ("expressivity", "progressivity", "trainability", "complexity")


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
    from aznas_core import aggregate, sweep
    from aznas_core.proxies import Config, score

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


# --------------------------------------------------------------------------------------
# Every task we have, with the blog's proxies and our contenders (Tables 1-4, Figures 3-8)
# --------------------------------------------------------------------------------------
#: the blog's search spaces and columns (data/reported B-T1..B-T3 `dataset` names), in order
BLOG_TASKS = {
    "nb201": ("spherical_cifar100", "cifar100", "synthetic_cifar10"),
    "darts": ("spherical_cifar100", "cifar100", "ninapro", "synthetic_cifar10", "darcy_flow"),
    "tnb101_micro": ("object_classification", "scene_classification", "jigsaw", "autoencoder"),
}
CONTENDERS = ("aznas",)


def blog_task_name(task: str) -> str:
    return BLOG_TASK_NAMES.get(task, task)


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
    from aznas_core.metrics import spearman_rho

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
    from aznas_core import aggregate, sweep
    from aznas_core.proxies import Config
    from aznas_core.spaces import tnb101_micro as space

    r, b = TNB101_AZNAS_CONFIG
    cfg = Config(space="tnb101_micro", dataset=task, resolution=resolution or r,
                 batch_size=batch_size or b)
    frame = sweep.scores(config=cfg, proxies=AZNAS_PARTS[:3])
    if archs is not None:
        want = pd.DataFrame({"arch": [space.validate(a) for a in archs]})
        frame = want.merge(frame, on="arch", how="left")
        lacking = frame.loc[frame[list(AZNAS_PARTS[:3])].isna().any(axis=1), "arch"]
        if len(lacking):
            raise RuntimeError(f"{len(lacking)} of {len(frame)} architectures are not in the "
                               f"tnb101_micro cache {cfg.key()} (e.g. {lacking.iloc[0]}); "
                               "run data/scores/run_tnb101_micro.py")
        frame["index"] = [space.index(a) for a in frame["arch"]]
    frame = frame[["index", "arch", *AZNAS_PARTS[:3]]].reset_index(drop=True)
    frame["complexity"] = [space.costs(a, task)[0] for a in frame["arch"]]
    frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
    return frame
