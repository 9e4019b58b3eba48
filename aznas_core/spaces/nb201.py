"""NAS-Bench-201 search space: cell strings, enumeration, the network, FLOPs and #Params.

A cell is a DAG on 4 nodes with 6 edges; each edge carries one of 5 operations. The
standard cell string lists the edges node by node::

    |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
     0->1    0->2 1->2    0->3 1->3 2->3

The network is the benchmark's macro skeleton (C=16, N=5): a 3x3 conv stem, three stages
of N cells separated by two residual reduction blocks, then BN-ReLU, global pooling and a
linear classifier. Its 18 *primary blocks* for AZ-NAS are the stem and the 17 blocks after it.
"""
from __future__ import annotations

import functools
import itertools
from importlib import resources
from typing import Literal, get_args

import torch
from torch import nn

from aznas_core.spaces import chain_features

#: Operation names in NAS-Bench-201's own order (the order used for canonical indices).
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: NASLib's operation order for NAS-Bench-201 / TransNAS-Bench-101 op-index tuples.
NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: Edges (source, target) in cell-string order.
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
#: Edges in NASLib's tuple order.
NASLIB_EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
N_ARCHS = len(OPS) ** len(EDGES)  # 15,625

#: A NAS-Bench-201 dataset (`Config.dataset` of the `nb201` space); `check_dataset` accepts
#: exactly these, and `DATASETS` holds each one's settings.
NB201Dataset = Literal["cifar10", "cifar100", "ImageNet16-120"]
#: Input resolution and number of classes per dataset.
DATASETS: dict[NB201Dataset, dict] = {
    "cifar10": {"resolution": 32, "num_classes": 10},
    "cifar100": {"resolution": 32, "num_classes": 100},
    "ImageNet16-120": {"resolution": 16, "num_classes": 120},
}


def check_dataset(dataset: str) -> dict:
    """Return the dataset's settings, or raise a ValueError listing the known datasets."""
    if dataset not in get_args(NB201Dataset):
        raise ValueError(f"unknown NAS-Bench-201 dataset {dataset!r}; expected one of "
                         f"{sorted(get_args(NB201Dataset))}")
    return DATASETS[dataset]


# --------------------------------------------------------------------------------------
# Cell strings
# --------------------------------------------------------------------------------------
def parse(arch: str) -> tuple[str, ...]:
    """Cell string -> the 6 op names in cell-string edge order (see `EDGES`).

    Raises ValueError naming the problem for a malformed string or an unknown op.
    """
    if not isinstance(arch, str):
        raise ValueError(f"cell string must be a str, got {type(arch).__name__}")
    nodes = arch.strip().split("+")
    if len(nodes) != 3:
        raise ValueError(
            f"malformed cell string {arch!r}: expected 3 nodes separated by '+', "
            f"got {len(nodes)}"
        )
    ops = []
    for target, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")) or len(node) < 2:
            raise ValueError(
                f"malformed cell string {arch!r}: node {target} {node!r} must be "
                "enclosed in '|'"
            )
        entries = node[1:-1].split("|")
        if len(entries) != target:
            raise ValueError(
                f"malformed cell string {arch!r}: node {target} needs {target} "
                f"input edge(s), got {len(entries)}"
            )
        for source, entry in enumerate(entries):
            op, sep, src = entry.partition("~")
            if not sep:
                raise ValueError(
                    f"malformed cell string {arch!r}: edge {entry!r} is not 'op~input'"
                )
            if src != str(source):
                raise ValueError(
                    f"malformed cell string {arch!r}: edge {entry!r} into node {target} "
                    f"should read from node {source}"
                )
            if op not in OPS:
                raise ValueError(
                    f"unknown operation {op!r} in cell string {arch!r}; "
                    f"expected one of {list(OPS)}"
                )
            ops.append(op)
    return tuple(ops)


def format_arch(ops) -> str:
    """The 6 op names (cell-string edge order) -> cell string."""
    ops = tuple(ops)
    if len(ops) != len(EDGES):
        raise ValueError(f"a NAS-Bench-201 cell has {len(EDGES)} edges, got {len(ops)} ops")
    for op in ops:
        if op not in OPS:
            raise ValueError(f"unknown operation {op!r}; expected one of {list(OPS)}")
    a, b, c, d, e, f = ops
    return f"|{a}~0|+|{b}~0|{c}~1|+|{d}~0|{e}~1|{f}~2|"


def validate(arch: str) -> str:
    """Return the arch in normal form, raising ValueError if it is not a valid cell."""
    return format_arch(parse(arch))


def canonical_index(arch: str) -> int:
    """Base-5 index of the cell (first edge most significant, ops in `OPS` order)."""
    idx = 0
    for op in parse(arch):
        idx = idx * len(OPS) + OPS.index(op)
    return idx


def from_canonical_index(idx: int) -> str:
    if not 0 <= idx < N_ARCHS:
        raise ValueError(f"canonical index must be in [0, {N_ARCHS}), got {idx}")
    ops = []
    for _ in EDGES:
        idx, r = divmod(idx, len(OPS))
        ops.append(OPS[r])
    return format_arch(reversed(ops))


@functools.lru_cache(maxsize=1)
def _benchmark_order() -> tuple[int, ...]:
    # Derived from the benchmark (its index i -> our canonical index), checked by a test
    # against the ground-truth CSV. NAS-Bench-201's order is a fixed permutation that no
    # formula reproduces, so it is stored; the benchmark's data itself is not.
    text = resources.files("aznas_core.spaces").joinpath("nb201_order.txt").read_text()
    order = tuple(int(x) for x in text.split())
    assert len(order) == N_ARCHS and len(set(order)) == N_ARCHS
    return order


@functools.lru_cache(maxsize=1)
def archs() -> tuple[str, ...]:
    """All 15,625 cell strings in the benchmark's index order (row i = benchmark index i)."""
    return tuple(from_canonical_index(i) for i in _benchmark_order())


@functools.lru_cache(maxsize=1)
def _index_of() -> dict[str, int]:
    return {a: i for i, a in enumerate(archs())}


def index(arch: str) -> int:
    """Benchmark index of a cell string."""
    return _index_of()[validate(arch)]


def to_naslib(arch: str) -> tuple[int, ...]:
    """Cell string -> NASLib op-index tuple (edges 0-1, 0-2, 0-3, 1-2, 1-3, 2-3)."""
    by_edge = dict(zip(EDGES, parse(arch)))
    return tuple(NASLIB_OPS.index(by_edge[e]) for e in NASLIB_EDGES)


def from_naslib(spec) -> str:
    """NASLib op-index tuple (or its string form '(0, 1, ...)') -> cell string."""
    if isinstance(spec, str):
        spec = tuple(int(x) for x in spec.strip("()[] ").split(","))
    spec = tuple(spec)
    if len(spec) != 6 or any(not 0 <= int(i) < len(NASLIB_OPS) for i in spec):
        raise ValueError(f"NASLib NAS-Bench-201 spec must be 6 ints in [0, 5), got {spec}")
    by_edge = {e: NASLIB_OPS[int(i)] for e, i in zip(NASLIB_EDGES, spec)}
    return format_arch(by_edge[e] for e in EDGES)


def all_canonical() -> list[str]:
    """All cells in canonical (base-5) order; used to derive and check the benchmark order."""
    return [format_arch(ops) for ops in itertools.product(OPS, repeat=len(EDGES))]


# --------------------------------------------------------------------------------------
# The network (the benchmark's TinyNetwork, written here)
# --------------------------------------------------------------------------------------
class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in, c_out, kernel, stride, padding):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The 'none' op: multiplies by zero (kept as a module so FLOPs/params match)."""

    def forward(self, x):
        return x.mul(0.0)


class Pool(nn.AvgPool2d):
    """3x3 average pooling, stride 1, padding 1, not counting the padding (the benchmark's op).

    Computed as a depthwise box filter divided by the per-position count, which equals
    `avg_pool2d(count_include_pad=False)` up to float rounding and is several times faster on
    CPU (channels-last). Subclassing AvgPool2d keeps the FLOPs counter's view of it.
    """

    def __init__(self, c_in, c_out, stride):
        assert c_in == c_out and stride == 1, "cells keep the channel count and resolution"
        super().__init__(3, stride=1, padding=1, count_include_pad=False)
        self._cache = {}

    def forward(self, x):
        c, h, w = x.shape[1:]
        key = (c, h, w, x.dtype, x.device)
        if key not in self._cache:
            ones = torch.ones(1, 1, h, w, dtype=x.dtype, device=x.device)
            count = nn.functional.conv2d(ones, torch.ones(1, 1, 3, 3, dtype=x.dtype, device=x.device), padding=1)
            self._cache[key] = (torch.ones(c, 1, 3, 3, dtype=x.dtype, device=x.device), 1.0 / count)
        kernel, inv_count = self._cache[key]
        return nn.functional.conv2d(x, kernel, padding=1, groups=c) * inv_count


def make_op(name: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    if name == "none":
        return Zero()
    if name == "skip_connect":
        assert stride == 1 and c_in == c_out
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(c_in, c_out, 1, stride, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c_in, c_out, 3, stride, 1)
    if name == "avg_pool_3x3":
        return Pool(c_in, c_out, stride)
    raise ValueError(f"unknown operation {name!r}")


def live_edges(ops) -> tuple[bool, ...]:
    """Which edges can influence the cell output: not 'none', starting at a node that the
    input reaches and ending at a node that reaches node 3, both through such edges.

    Every op maps an all-zero input to exact zeros (conv, train-mode BN, pooling, skip), so
    the other edges contribute exact zeros to values and gradients; skipping them changes
    nothing but the run time.
    """
    reached = {0}
    for k, (src, dst) in enumerate(EDGES):  # EDGES is in topological order of targets
        if ops[k] != "none" and src in reached:
            reached.add(dst)
    reaching = {3}
    for k in reversed(range(len(EDGES))):
        src, dst = EDGES[k]
        if ops[k] != "none" and dst in reaching:
            reaching.add(src)
    return tuple(
        ops[k] != "none" and src in reached and dst in reaching
        for k, (src, dst) in enumerate(EDGES)
    )


class Cell(nn.Module):
    """A searched cell: node j = sum over edges (i -> j) of op(node i); output = node 3.

    With `prune=True` (what the scorer uses) edges that cannot affect the output are skipped;
    with `prune=False` every op runs, as in the benchmark's own code (the FLOPs counter needs
    this: the benchmark counts dead ops too).
    """

    def __init__(self, arch: str, channels: int, prune: bool = False):
        super().__init__()
        ops = parse(arch)
        self.ops = nn.ModuleList(make_op(op, channels, channels, 1) for op in ops)
        self.prune = prune
        self._live = live_edges(ops)

    def forward(self, x):
        nodes = [x]
        for target in (1, 2, 3):
            total = None
            for k, (source, dst) in enumerate(EDGES):
                if dst != target or (self.prune and not self._live[k]):
                    continue
                out = self.ops[k](nodes[source])
                total = out if total is None else total + out
            nodes.append(total)
        if nodes[3] is None:  # nothing reaches the output: an all-zero cell
            return x.mul(0.0)
        return nodes[3]


class ResidualReduction(nn.Module):
    """The benchmark's residual reduction block (ResNet basic block, stride 2)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Network(nn.Module):
    """NAS-Bench-201 network; `features(x)` returns the 18 primary-block outputs."""

    def __init__(
        self, arch: str, num_classes: int = 10, C: int = 16, N: int = 5, prune: bool = False
    ):
        super().__init__()
        self.arch = validate(arch)
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks = []
        c = C
        for stage in range(3):
            if stage > 0:
                blocks.append(ResidualReduction(c, 2 * c))
                c *= 2
            blocks.extend(Cell(self.arch, c, prune) for _ in range(N))
        self.blocks = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def features(self, x, *, detach_between_blocks: bool = False) -> list[torch.Tensor]:
        """Outputs of the stem and of every block after it (L = 3N + 3 = 18 maps).

        With `detach_between_blocks`, each block reads a fresh leaf tensor (requiring grad)
        that equals the previous output, so one backward pass yields every block's own
        input gradient; the leaves are available as `self.block_inputs`.
        """
        feats, self.block_inputs = chain_features(self.stem, self.blocks, x, detach_between_blocks)
        return feats

    def forward(self, x):
        h = self.features(x)[-1]
        return self.classifier(self.pool(self.lastact(h)).flatten(1))


def build(arch: str, dataset: str = "cifar10", prune: bool = False) -> Network:
    """The benchmark network for `arch` with `dataset`'s number of classes.

    `prune=True` skips ops that cannot affect the output (same values and gradients, less
    time); parameters and their order are the same either way.
    """
    return Network(arch, num_classes=check_dataset(dataset)["num_classes"], prune=prune)


# --------------------------------------------------------------------------------------
# FLOPs and #Params (NATS / authors' convention, and the legacy count)
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _cost_table(dataset: str):
    """Per-edge contributions of each op to (NATS MFLOPs, M params, legacy MFLOPs), plus
    the all-'none' base.

    All three are sums over modules, and an op's modules have the same shapes on every edge
    (C -> C, stride 1, whatever the other edges hold), so a cell's counts are the base plus
    one contribution per non-'none' edge, the same for every edge. Five counter passes
    instead of one per architecture; a test checks the table against the counter directly.
    """
    from aznas_core.flops import count_costs

    res = check_dataset(dataset)["resolution"]
    count = lambda ops: count_costs(build(format_arch(ops), dataset), res)  # noqa: E731
    base_ops = ["none"] * len(EDGES)
    base = count(base_ops)
    per_op = {op: tuple(c - b for c, b in zip(count([op] + base_ops[1:]), base)) for op in OPS[1:]}
    delta = {(k, op): per_op[op] for k in range(len(EDGES)) for op in OPS[1:]}
    return base, delta


def costs(arch: str, dataset: str = "cifar10") -> tuple[float, float, float]:
    """(NATS MFLOPs, M params, legacy MFLOPs) from the per-edge table (see `aznas_core.flops`)."""
    base, delta = _cost_table(dataset)
    totals = list(base)
    for k, op in enumerate(parse(arch)):
        if op != "none":
            totals = [t + d for t, d in zip(totals, delta[k, op])]
    return tuple(round(t, 6) for t in totals)


#: How `flops_params` counts FLOPs, 'nats' (the NATS-Bench API, the AZ-NAS authors) or
#: 'legacy' (the older NAS-Bench-201 count); `FLOPS_CONVENTIONS` is derived from it.
FlopsConvention = Literal["nats", "legacy"]
FLOPS_CONVENTIONS: tuple[FlopsConvention, ...] = get_args(FlopsConvention)
HAS_LEGACY_FLOPS = True  # costs()[2] is the legacy count (the registry's `flops_legacy`)


def flops_params(arch: str, dataset: NB201Dataset = "cifar10",
                 convention: FlopsConvention = "nats") -> tuple[float, float]:
    """(MFLOPs, M parameters) of the network. `convention='nats'`: as the NATS-Bench API and
    the AZ-NAS authors count (conv + linear MACs, linear bias included); 'legacy': the older
    NAS-Bench-201 count of `flops_params_fixture.csv` (adds pooling, BatchNorm, an offset)."""
    if convention not in FLOPS_CONVENTIONS:
        raise ValueError(f"unknown FLOPs convention {convention!r}; expected {FLOPS_CONVENTIONS}")
    nats, params, legacy = costs(arch, dataset)
    return (nats if convention == "nats" else legacy), params
