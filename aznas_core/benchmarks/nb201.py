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


def uniform_subset() -> list[int]:
    """The 1,042 architectures of the paper's Figures 4, 5 and 9 (PROTOCOLS.md C.8): every
    15th (= 15625 // 1000) position of the architectures sorted by ImageNet16-120 accuracy,
    ascending, ties kept in benchmark-index order (a stable sort). Returns benchmark indices."""
    acc = _load()["ImageNet16-120"].to_numpy()
    order = acc.argsort(kind="stable")
    return [int(i) for i in order[:: nb201.N_ARCHS // 1000]]


def fixed_sample(n: int) -> list[int]:
    """A fixed, nested sample of `n` benchmark indices (sorted) for the costly sweeps: the
    1,042 of `uniform_subset()` first, then the others in a fixed random order (NumPy seed
    2024). Nested: fixed_sample(3000) is a subset of fixed_sample(5000), so a cache grown
    from 3,000 to 5,000 architectures keeps every score it had. Below 1,042 (families too
    costly for all 1,042 on a CPU), the first `n` of the 1,042 in a fixed random order (same
    seed): a uniform sample of them, nested in every larger fixed sample."""
    import numpy as np

    if not 1 <= n <= nb201.N_ARCHS:
        raise ValueError(f"fixed_sample needs 1 <= n <= {nb201.N_ARCHS}, got {n}")
    head = uniform_subset()
    if n < len(head):
        order = np.random.default_rng(2024).permutation(len(head))
        return sorted(head[int(i)] for i in order[:n])
    taken = set(head)
    rest = [int(i) for i in np.random.default_rng(2024).permutation(nb201.N_ARCHS)
            if int(i) not in taken]
    return sorted(head + rest[: n - len(head)])
