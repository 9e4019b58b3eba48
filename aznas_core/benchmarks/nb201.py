"""NAS-Bench-201 ground truth: test accuracy (200 epochs) of all 15,625 architectures."""
from __future__ import annotations

import functools

import pandas as pd

from aznas_core.data import external_file
from aznas_core.spaces import nb201

GROUND_TRUTH_FILE = "nb201/nats_tss_test_accuracy_200ep.csv"
_COLUMNS = {
    "CIFAR10TestAccuracy200Epochs": "cifar10",
    "CIFAR100TestAccuracy200Epochs": "cifar100",
    "ImageNetTestAccuracy200Epochs": "ImageNet16-120",
}


@functools.lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    raw = pd.read_csv(external_file(GROUND_TRUTH_FILE))
    frame = raw.rename(columns=_COLUMNS).rename(columns={"ArchitectureString": "arch"})
    frame.insert(0, "index", range(len(frame)))
    frame = frame[["index", "arch", *_COLUMNS.values()]]
    if len(frame) != nb201.N_ARCHS or tuple(frame["arch"]) != nb201.archs():
        raise ValueError(f"{GROUND_TRUTH_FILE} is not in the benchmark's index order")
    return frame


def ground_truth() -> pd.DataFrame:
    """Tidy frame: index, arch, cifar10, cifar100, ImageNet16-120 (test accuracy, %).

    CIFAR-10 is the `ori-test` split of a network trained on train+valid; CIFAR-100 and
    ImageNet16-120 are `x-test` (as in the AZ-NAS authors' code).
    """
    return _load().copy()
