"""Per-architecture seeding and single-threaded execution: what makes a score depend only on
(configuration, architecture), in any order, process or machine of one kind."""
from __future__ import annotations

import contextlib
import hashlib

import torch


def arch_seed(seed: int, arch: str, stream: str) -> int:
    """A stable hash of (seed, arch, stream): any subset of a sweep can be computed in any
    order, process or machine with identical results. Separate streams for the input, the
    weights and the gradients keep the input and the block weights independent of the
    classifier size, so one 32x32 sweep serves CIFAR-10 and CIFAR-100 exactly."""
    digest = hashlib.sha256(f"{int(seed)}|{arch}|{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def generator(seed: int, arch: str, stream: str) -> torch.Generator:
    """A CPU `torch.Generator` seeded with `arch_seed(seed, arch, stream)`."""
    return torch.Generator().manual_seed(arch_seed(seed, arch, stream))


@contextlib.contextmanager
def single_threaded():
    """Run torch single-threaded inside the block. oneDNN's reduction order depends on the
    thread count, and trainability inherits the difference (about 1e-4 relative), so fixing
    the count makes every score bit-reproducible on a given build; parallelism comes from
    one process per core instead (`aznas_core.parallel`)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
