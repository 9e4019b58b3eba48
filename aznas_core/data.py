"""Where external benchmark data lives, and checksum verification.

Resolution order: `$AZNAS_DATA_DIR`, then `data/external/` in the project, then
`../shared/data` beside the project (an `AZNAS_DATA_DIR` that does not exist is warned about;
`aznas data` prints the folders and which one each file came from). Files are never copied
into this repository.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_SUITE = "NAS-Bench-Suite-Zero (NASLib, github.com/automl/NASLib, Apache-2.0), commit "

#: Known external files: relative path -> (sha256, how to obtain it).
EXTERNAL_FILES = {
    "nb201/nats_tss_test_accuracy_200ep.csv": (
        "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
        "NATS-Bench-TSS test accuracies (200 epochs) exported from the NATS-Bench API, e.g. "
        "nats_bench.csv of github.com/v-tao/nats-bench-landscape (commit 7d355a6)",
    ),
    "nb201/flops_params_fixture.csv": (
        "d142ee1e8b7346526f6c69c8371220340e067469c8e617851530b609f29f1a71",
        "90 (dataset, arch, flops_m, params_m) rows from the NAS-Bench-201 API's "
        "get_cost_info, shipped with the project's shared data",
    ),
    "natural_images/cifar100_first10_1834.npz": (
        "222c49efb734ab5ecb9b41a3ee65dc1e4274987d854bc686da14be56e480ef71",
        "1,834 real CIFAR-100 images of its first ten classes (MIT-licensed "
        "Yukun-Guo/ModelGardener cifar10.npz files, deduplicated), shipped with the project's "
        "shared data: see ../shared/data/README.md",
    ),
    # NAS-Bench-Suite-Zero: zero-cost proxy scores precomputed by NASLib (see
    # aznas_core.benchmarks.zc_suite)
    "zc_suite/zc_nasbench201.json": (
        "5dcbbcd56812a9f62164a376bc7df4082ab3af612082b6d26a845930e6eb8641",
        _SUITE + "6639fd15: naslib/data/zc_nasbench201.json",
    ),
    "zc_suite/zc_nasbench301.json": (
        "537e9abd6f0b14fdffdfcb3c07b18a037647b5c80808b3b2cf9a51b1b491aba1",
        _SUITE + "1bdbd960: naslib/data/zc_nasbench301.json",
    ),
    "zc_suite/zc_nasbench101.json": (
        "c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2",
        _SUITE + "39a0aadb: naslib/data/zc_nasbench101.json",
    ),
    "zc_suite/zc_transbench101_micro.json": (
        "f9f2c5d6d9b9a73964f1bffb2869f218e1110755d84ddd4a46a8cf482f799cd1",
        _SUITE + "e5a821c2: naslib/data/zc_transbench101_micro.json",
    ),
    "zc_suite/zc_transbench101_macro.json": (
        "f1d393373855bd7ba29bc81b33adb947ef2518d82aa0e6c003809ce6a4d94212",
        _SUITE + "e5a821c2: naslib/data/zc_transbench101_macro.json",
    ),
    "zc_suite/transbench101_micro_zen.zip": (
        "d70d3ddcda2264806a467d3fb3840e8ce04c5b0129776110a62018ea68e6d7f2",
        _SUITE + "94190649: the zen/ benchmark--transbench101_micro--<task>--<chunk>.json files, zipped",
    ),
}


class DataError(RuntimeError):
    """Missing or corrupted external data."""


_warned_missing: set[str] = set()


def data_dirs() -> list[Path]:
    """The folders searched, in order. An `AZNAS_DATA_DIR` that is not a directory is
    searched in vain: warned about once (a typo would otherwise silently fall through)."""
    dirs = []
    env = os.environ.get("AZNAS_DATA_DIR")
    if env:
        dirs.append(Path(env))
        if not Path(env).is_dir() and env not in _warned_missing:
            _warned_missing.add(env)
            warnings.warn(f"AZNAS_DATA_DIR={env} is not a directory; searching the other data "
                          f"folders instead (unset it or point it at the folder holding nb201/, "
                          f"natural_images/, zc_suite/)", UserWarning, stacklevel=2)
    dirs += [PROJECT_ROOT / "data" / "external", PROJECT_ROOT.parent / "shared" / "data"]
    return dirs


def locate(relpath: str) -> Path | None:
    """The data folder that holds `relpath` (the first of `data_dirs`), or None."""
    for d in data_dirs():
        if (d / relpath).is_file():
            return d
    return None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_verified: dict[Path, str] = {}


def external_file(relpath: str, verify: bool = True) -> Path:
    """Path of an external data file, checksum-verified; a clear DataError otherwise."""
    expected, source = EXTERNAL_FILES.get(relpath, (None, "see ../shared/data/README.md"))
    for d in data_dirs():
        path = d / relpath
        if path.is_file():
            break
    else:
        searched = ", ".join(str(d) for d in data_dirs())
        raise DataError(
            f"missing data file {relpath!r} (searched {searched}). Obtain it from: {source}; "
            f"put it under $AZNAS_DATA_DIR/{relpath} or data/external/{relpath}"
            + (f" (expected sha256 {expected})" if expected else "")
        )
    if verify and expected is not None and _verified.get(path) != expected:
        actual = sha256(path)
        if actual != expected:
            raise DataError(
                f"checksum mismatch for {path}: expected sha256 {expected}, got {actual}. "
                f"The file is corrupted or a different version; re-obtain it from: {source}"
            )
        _verified[path] = expected
    return path


def verify_all() -> dict[str, str]:
    """Check every known external file; returns relpath -> 'ok' or the error message."""
    report = {}
    for rel in EXTERNAL_FILES:
        try:
            external_file(rel)
            report[rel] = "ok"
        except DataError as e:
            report[rel] = str(e)
    return report
