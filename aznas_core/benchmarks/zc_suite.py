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

import pandas as pd

from aznas_core.data import DataError, external_file
from aznas_core.deprecation import moved
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


# --------------------------------------------------------------------------------------
# Every task we have, with the blog's proxies and our contenders (Tables 1-4, Figures 3-8)
# --------------------------------------------------------------------------------------
#: the blog's search spaces and columns (data/reported B-T1..B-T3 `dataset` names), in order
BLOG_TASKS = {
    "nb201": ("spherical_cifar100", "cifar100", "synthetic_cifar10"),
    "darts": ("spherical_cifar100", "cifar100", "ninapro", "synthetic_cifar10", "darcy_flow"),
    "tnb101_micro": ("object_classification", "scene_classification", "jigsaw", "autoencoder"),
}


def blog_task_name(task: str) -> str:
    return BLOG_TASK_NAMES.get(task, task)



#: Our scores beside the suite's moved to `aznas_core.report.suite` (they read this
#: repository's sweep cache, a layer above these loaders): forwarded without a warning, so
#: that notebooks' checked outputs stay clean; use `aznas_core.report.suite` in new code.
__getattr__ = moved(__name__, {n: f"aznas_core.report.suite:{n}" for n in (
    "NB201_AZNAS_CACHE", "nb201_aznas", "write_nb201_aznas_cache", "tnb101_micro_aznas",
    "CONTENDERS", "contender_scores", "task_frame", "spearman_table", "TNB101_AZNAS_CONFIG",
    "tnb101_study_archs", "tnb101_aznas_scores")}, warn=False)
