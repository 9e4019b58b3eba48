"""TransNAS-Bench-101 micro search space: cell strings, enumeration, the networks, FLOPs/#Params.

An architecture is a cell (a DAG on 4 nodes, 6 edges, each edge one of 4 operations) repeated
in the benchmark's fixed macro skeleton ``64-41414``. The benchmark spells it
``64-41414-a_bc_def``: one digit per edge, node by node (edges 0->1 | 0->2, 1->2 | 0->3, 1->3,
2->3, the same edge order as NAS-Bench-201's cell string), digits being the benchmark's op
codes 0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3 (`OPS`). That string is this
module's architecture name.

The network (written here from the benchmark's description and public code, Duan et al., CVPR
2021, yawen-d/TransNASBench ``MacroNet``/``MicroCell``): a stem (3x3 conv stride 2 to 32
channels, BN, ReLU-conv3x3-BN stride 2 to 64 channels: 256 -> 64 pixels), then five modules
of two cells each following the macro code 4,1,4,1,4 (4: double the channels and halve the
resolution in the module's first cell; 1: keep both), ending at 512 channels, 8x8 for a
256x256 input. A cell's edges leaving node 0 carry the stride and the channel change (a skip
there becomes a factorized reduction, a 'none' a zero map of the output shape); node 3 is the
cell output, with no residual. Each task puts its own decoder on this encoder (`DATASETS`).

Primary blocks for AZ-NAS (`Network.primary_blocks`): the stem and the 10 cells, L = 11, all
in the encoder. The encoder is the same network for every task, so with one input
configuration E, P and T are task-independent; only complexity (the task's FLOPs, whose
decoder adds a per-task constant) differs, and a constant never changes a ranking.

NASLib keys (NAS-Bench-Suite-Zero's ``(a, b, c, d, e, f)`` tuples): at the suite's NASLib
commit both the trained network and the benchmark query came from
``'64-41414-{}_{}{}_{}{}{}'.format(*key)``, so a key is simply the benchmark string's six op
codes in string order. (The data README describes NASLib's graph convention instead, edges
0-1, 0-2, 0-3, 1-2, 1-3, 2-3 with ops skip, none, 3x3, 1x1; under that reading the suite's
#params do not match the networks, see tests/test_tnb101_micro.py.)
"""
from __future__ import annotations

import functools
import itertools
import math
import re
from importlib import resources
from typing import Literal, get_args

import torch
from torch import nn

from aznas_core.flops import probe_forward
from aznas_core.spaces import chain_features
from aznas_core.spaces.nb201 import ReLUConvBN, live_edges  # the same op as NAS-Bench-201's

#: Operation names; the position is the benchmark's op code.
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
#: Edges (source, target) in the benchmark string's order.
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_ARCHS = len(OPS) ** len(EDGES)  # 4,096
PREFIX = "64-41414-"
BASE_CHANNELS = 64
MACRO_CODE = "41414"
CELLS_PER_MODULE = 2

#: A TransNAS-Bench-101 task (`Config.dataset` of the `tnb101_micro` space); `check_dataset`
#: accepts exactly these, and `DATASETS` holds each one's settings.
TNB101Task = Literal["class_object", "class_scene", "room_layout", "jigsaw", "autoencoder",
                     "normal", "segmentsemantic"]
#: Per task: input resolution (jigsaw: of each of its 9 tiles), the decoder and its output.
DATASETS: dict[TNB101Task, dict] = {
    "class_object": {"resolution": 256, "num_classes": 100, "decoder": "linear"},
    "class_scene": {"resolution": 256, "num_classes": 63, "decoder": "linear"},
    "room_layout": {"resolution": 256, "num_classes": 9, "decoder": "linear"},
    "jigsaw": {"resolution": 64, "num_classes": 1000, "decoder": "siamese", "tiles": 9},
    "autoencoder": {"resolution": 256, "num_classes": 3, "decoder": "generative"},
    "normal": {"resolution": 256, "num_classes": 3, "decoder": "generative"},
    "segmentsemantic": {"resolution": 256, "num_classes": 17, "decoder": "segmentation"},
}


def check_dataset(dataset: str) -> dict:
    """The task's settings, or a ValueError listing the seven tasks."""
    if dataset not in get_args(TNB101Task):
        raise ValueError(f"unknown TransNAS-Bench-101 task {dataset!r}; expected one of "
                         f"{sorted(get_args(TNB101Task))}")
    return DATASETS[dataset]


# --------------------------------------------------------------------------------------
# Architecture strings
# --------------------------------------------------------------------------------------
_CELL = re.compile(r"^([0-3])_([0-3]{2})_([0-3]{3})$")


def parse(arch: str) -> tuple[str, ...]:
    """'64-41414-a_bc_def' (or just 'a_bc_def') -> the 6 op names in string edge order."""
    if not isinstance(arch, str):
        raise ValueError(f"a TransNAS-Bench-101 micro architecture is a str like "
                         f"'64-41414-3_13_203', got {type(arch).__name__}")
    s = arch.strip()
    if s.count("-") == 2:
        prefix, _, s = s.rpartition("-")
        if prefix + "-" != PREFIX:
            raise ValueError(f"{arch!r} is not a micro-space architecture: the micro space's "
                             f"skeleton is {PREFIX!r}, got {prefix + '-'!r}")
    m = _CELL.match(s)
    if not m:
        raise ValueError(f"malformed TransNAS-Bench-101 micro architecture {arch!r}: expected "
                         f"'{PREFIX}a_bc_def' with op codes 0-3 (0 none, 1 skip_connect, "
                         "2 nor_conv_1x1, 3 nor_conv_3x3)")
    return tuple(OPS[int(c)] for c in "".join(m.groups()))


def format_arch(ops) -> str:
    """The 6 op names (string edge order) -> '64-41414-a_bc_def'."""
    ops = tuple(ops)
    if len(ops) != len(EDGES):
        raise ValueError(f"a micro cell has {len(EDGES)} edges, got {len(ops)} ops")
    bad = [op for op in ops if op not in OPS]
    if bad:
        raise ValueError(f"unknown operation {bad[0]!r}; expected one of {list(OPS)}")
    d = [str(OPS.index(op)) for op in ops]
    return f"{PREFIX}{d[0]}_{d[1]}{d[2]}_{d[3]}{d[4]}{d[5]}"


def validate(arch: str) -> str:
    """The architecture in normal form ('64-41414-a_bc_def'); ValueError if invalid."""
    return format_arch(parse(arch))


def to_naslib(arch: str) -> tuple[int, ...]:
    """Architecture -> NAS-Bench-Suite-Zero key (the six op codes in string order)."""
    return tuple(OPS.index(op) for op in parse(arch))


def from_naslib(spec) -> str:
    """NAS-Bench-Suite-Zero key, a tuple or its string '(1, 0, 0, 2, 1, 0)' -> architecture."""
    if isinstance(spec, str):
        try:
            spec = tuple(int(x) for x in spec.strip("()[] ").split(","))
        except ValueError:
            raise ValueError(f"a suite key is six ints like '(1, 0, 0, 2, 1, 0)', got {spec!r}")
    spec = tuple(spec)
    if len(spec) != 6 or any(int(i) != i or not 0 <= i < len(OPS) for i in spec):
        raise ValueError(f"a TransNAS-Bench-101 micro key is 6 op codes in 0..3, got {spec}")
    return format_arch(OPS[int(i)] for i in spec)


@functools.lru_cache(maxsize=1)
def _benchmark_order() -> tuple[int, ...]:
    # Row i -> the base-4 number of the cell's op codes (first edge most significant), in
    # the order of NASLib's full-space file (transbench101_micro_zen.zip, `idx`), which is
    # the same for all 7 tasks; a test checks it against that file.
    text = resources.files("aznas_core.spaces").joinpath("tnb101_micro_order.txt").read_text()
    order = tuple(int(x) for x in text.split())
    assert len(order) == N_ARCHS and len(set(order)) == N_ARCHS
    return order


def all_canonical() -> list[str]:
    """All 4,096 cells in base-4 order of their op codes (NASLib's `itertools.product` order)."""
    return [format_arch(ops) for ops in itertools.product(OPS, repeat=len(EDGES))]


@functools.lru_cache(maxsize=1)
def archs() -> tuple[str, ...]:
    """All 4,096 architectures in the benchmark's order (row i = the zip's `idx` i)."""
    canon = all_canonical()
    return tuple(canon[i] for i in _benchmark_order())


@functools.lru_cache(maxsize=1)
def _index_of() -> dict[str, int]:
    return {a: i for i, a in enumerate(archs())}


def index(arch: str) -> int:
    """Benchmark index (0..4095) of an architecture."""
    return _index_of()[validate(arch)]


# --------------------------------------------------------------------------------------
# Operations and cells
# --------------------------------------------------------------------------------------
class Zero(nn.Module):
    """'none': zeros of the edge's output shape (a stride-2 edge halves H and W, rounding up)."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.c_in, self.c_out, self.stride = c_in, c_out, stride

    def forward(self, x):
        s = self.stride
        if self.c_in == self.c_out:
            return x[:, :, ::s, ::s].mul(0.0)
        # the benchmark allocates fresh zeros here; zeros computed from `x` are the same
        # values but stay in the graph, so a cell that only outputs them still has an (all
        # zero) input gradient for trainability instead of none at all
        return x[:, :1, ::s, ::s].mul(0.0).expand(-1, self.c_out, -1, -1)


class FactorizedReduce(nn.Module):
    """A skip edge that changes resolution/channels: ReLU, two 1x1 stride-s convs (the second
    on the input shifted by one pixel), each giving half the channels, concatenated, BN."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        half = c_out // 2
        self.convs = nn.ModuleList([
            nn.Conv2d(c_in, half, 1, stride=stride, bias=False),
            nn.Conv2d(c_in, c_out - half, 1, stride=stride, bias=False),
        ])
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


def make_op(name: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    if name == "none":
        return Zero(c_in, c_out, stride)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 and c_in == c_out else FactorizedReduce(c_in, c_out,
                                                                                    stride)
    if name == "nor_conv_1x1":
        return ReLUConvBN(c_in, c_out, 1, stride, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c_in, c_out, 3, stride, 1)
    raise ValueError(f"unknown operation {name!r}; expected one of {list(OPS)}")


class Cell(nn.Module):
    """Node j = sum of op(node i) over edges i -> j; the output is node 3. Edges from node 0
    carry `stride` and c_in -> c_out. `prune=True` skips edges that cannot affect the output
    (they add exact zeros to values and gradients), as the NB201 cell does."""

    def __init__(self, arch: str, c_in: int, c_out: int, stride: int, prune: bool = False):
        super().__init__()
        ops = parse(arch)
        self.ops = nn.ModuleList(
            make_op(op, c_in if src == 0 else c_out, c_out, stride if src == 0 else 1)
            for op, (src, _) in zip(ops, EDGES))
        self.c_out, self.stride, self.prune = c_out, stride, prune
        self._live = live_edges(ops)

    def forward(self, x):
        nodes = [x]
        for target in (1, 2, 3):
            total = None
            for k, (src, dst) in enumerate(EDGES):
                if dst != target or (self.prune and not self._live[k]) or nodes[src] is None:
                    continue
                out = self.ops[k](nodes[src])
                total = out if total is None else total + out
            nodes.append(total)
        if nodes[3] is None:  # pruned away entirely: zeros, shaped as a 'none' edge makes them
            return Zero(x.shape[1], self.c_out, self.stride)(x)
        return nodes[3]


def cell_plan() -> list[tuple[int, int, int]]:
    """(c_in, c_out, stride) of the 10 cells of the 64-41414 skeleton."""
    plan, c = [], BASE_CHANNELS
    for code in map(int, MACRO_CODE):
        c_out = 2 * c if code % 2 == 0 else c
        stride = 2 if code > 2 else 1
        plan.append((c, c_out, stride))
        plan.extend((c_out, c_out, 1) for _ in range(CELLS_PER_MODULE - 1))
        c = c_out
    return plan


# --------------------------------------------------------------------------------------
# Task decoders (what each task puts on the encoder; they matter for FLOPs/#Params only)
# --------------------------------------------------------------------------------------
#: The benchmark sizes its decoders for the encoder's nominal output, computed for a 224x224
#: input (512 x 7 x 7) whatever the real input; with 256x256 inputs the maps are 8x8.
NOMINAL_FEATURE_WIDTH = 224 // 4 // 8


class ConvLayer(nn.Sequential):
    """Conv (with bias), optional BatchNorm, optional activation; `transposed` doubles H, W."""

    def __init__(self, c_in, c_out, act=True, norm=True, transposed=False, final_tanh=False):
        conv = (nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1)
                if transposed else nn.Conv2d(c_in, c_out, 3, stride=1, padding=1))
        layers = [conv]
        if norm:
            layers.append(nn.BatchNorm2d(c_out))
        if final_tanh:
            layers.append(nn.Tanh())
        elif act:
            layers.append(nn.LeakyReLU(0.2))
        super().__init__(*layers)


def _num_upsample(target: int = 256) -> int:
    return int(math.log2(target / NOMINAL_FEATURE_WIDTH))


def generative_decoder(c_in: int, out_channels: int = 3) -> nn.Sequential:
    """The 14-layer conv/deconv decoder of autoencoder and normal (pix2pix-style)."""
    up = _num_upsample()
    spec = [(c_in, 1024, False), (1024, 1024, False), (1024, 512, up >= 6),
            (512, 512, False), (512, 256, up >= 5), (256, 128, False), (128, 64, up >= 4),
            (64, 64, False), (64, 32, up >= 3), (32, 32, False), (32, 16, True),
            (16, 32, False), (32, 16, True)]
    layers = [ConvLayer(a, b, transposed=t) for a, b, t in spec]
    layers.append(ConvLayer(16, out_channels, norm=False, final_tanh=True))
    return nn.Sequential(*layers)


def segmentation_decoder(c_in: int, classes: int) -> nn.Sequential:
    """The conv/deconv decoder of segmentsemantic (per-pixel class logits)."""
    up = _num_upsample()
    layers, c = [ConvLayer(c_in, 1024)], 1024
    for _ in range(6 - up):
        layers.append(ConvLayer(c, c // 2))
        c //= 2
    for _ in range(up - 1):
        layers.append(ConvLayer(c, c // 2, transposed=True))
        c //= 2
    layers.append(ConvLayer(c, c, transposed=True))
    layers.append(ConvLayer(c, classes, act=False, norm=False))
    return nn.Sequential(*layers)


def make_decoder(dataset: str, c_in: int) -> nn.Module:
    d = check_dataset(dataset)
    kind, n = d["decoder"], d["num_classes"]
    if kind == "linear":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, n))
    if kind == "siamese":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(c_in * d["tiles"], n))
    if kind == "generative":
        return generative_decoder(c_in, n)
    return segmentation_decoder(c_in, n)


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------
def make_stem(c: int = BASE_CHANNELS) -> nn.Sequential:
    """3x3 conv stride 2 to c/2 channels, BN, then ReLU-conv3x3-BN stride 2 to c channels."""
    return nn.Sequential(
        nn.Conv2d(3, c // 2, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c // 2),
        ReLUConvBN(c // 2, c, 3, 2, 1),
    )


class Network(nn.Module):
    """Encoder (stem + 10 cells) and the task's decoder; `features(x)` returns the 11
    primary-block outputs. Jigsaw's forward takes (B, 9, 3, 64, 64) tiles, encodes each and
    concatenates the features along channels; the other tasks take (B, 3, 256, 256)."""

    def __init__(self, arch: str, dataset: str = "class_object", prune: bool = False):
        super().__init__()
        self.arch = validate(arch)
        self.dataset = dataset
        self.settings = check_dataset(dataset)
        self.stem = make_stem()
        plan = cell_plan()
        self.blocks = nn.ModuleList(Cell(self.arch, a, b, s, prune) for a, b, s in plan)
        self.decoder = make_decoder(dataset, plan[-1][1])
        self.primary_blocks = ["stem"] + [f"blocks.{i}" for i in range(len(plan))]

    def features(self, x, *, detach_between_blocks: bool = False) -> list[torch.Tensor]:
        """Outputs of the stem and of the 10 cells (L = 11); with `detach_between_blocks`
        each block reads a fresh leaf (kept in `self.block_inputs`), as in nb201.Network."""
        feats, self.block_inputs = chain_features(self.stem, self.blocks, x, detach_between_blocks)
        return feats

    def encode(self, x):
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
        return h

    def forward(self, x):
        tiles = self.settings.get("tiles")
        if tiles:
            if x.dim() != 5 or x.shape[1] != tiles:
                # encode first, so hook-based scorers that stop at the last cell still work
                self.encode(x)
                raise ValueError(f"jigsaw takes (B, {tiles}, 3, H, W) tiles, got "
                                 f"{tuple(x.shape)}")
            return self.decoder(torch.cat([self.encode(x[:, i]) for i in range(tiles)], 1))
        return self.decoder(self.encode(x))


def build(arch: str, dataset: str = "class_object", prune: bool = False) -> Network:
    """The benchmark network of `arch` for task `dataset` (encoder + the task's decoder).

    `prune=True` skips edges that cannot affect the output (same values and gradients)."""
    return Network(arch, dataset, prune=prune)


# --------------------------------------------------------------------------------------
# FLOPs and #Params
# --------------------------------------------------------------------------------------
#: Added by the suite's counter to the tasks with a linear decoder (class_object,
#: class_scene, room_layout, jigsaw), whatever the architecture or resolution. Determined
#: from the suite's values (exact on all of them); we could not attribute it to a layer.
LINEAR_DECODER_OFFSET = 41472


def _count(model: nn.Module, x: torch.Tensor) -> tuple[int, int, int]:
    """(suite-convention FLOPs, parameters, conv+linear MACs) of one forward pass of `x`.

    The suite's convention (NASLib's `flops`, tensorwatch's model statistics; reproduced
    exactly on the suite's 7 x 711 values): Conv2d multiply-accumulates plus one per output
    element for a bias; Linear in*out; BatchNorm 2 and ReLU/LeakyReLU 1 per element;
    transposed convolutions, Tanh, pooling and additions count nothing. MACs: Conv2d and
    ConvTranspose2d multiply-accumulates, Linear in*out + out (the NATS/AZ-NAS authors'
    convention on NAS-Bench-201)."""
    suite = macs = 0

    def hook(m, inputs, out):
        nonlocal suite, macs
        per = out[0].numel()
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            n = kh * kw * m.in_channels // m.groups * per
            suite += n + (per if m.bias is not None else 0)
            macs += n
        elif isinstance(m, nn.ConvTranspose2d):
            kh, kw = m.kernel_size
            macs += kh * kw * m.out_channels * inputs[0][0].numel()
        elif isinstance(m, nn.Linear):
            suite += m.in_features * m.out_features
            macs += m.in_features * m.out_features + m.out_features
        elif isinstance(m, nn.BatchNorm2d):
            suite += 2 * per
        elif isinstance(m, (nn.ReLU, nn.LeakyReLU)):
            suite += per

    types = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU)
    probe_forward(model, x, hook, types)
    return suite, sum(p.numel() for p in model.parameters()), macs


@functools.lru_cache(maxsize=None)
def _op_costs(op: str, c_in: int, c_out: int, stride: int, size: int) -> tuple[int, ...]:
    with torch.device("meta"):  # shapes only, no arithmetic: the counts need nothing else
        return _count(make_op(op, c_in, c_out, stride), torch.zeros(1, c_in, size, size))


@functools.lru_cache(maxsize=None)
def _stem_costs(resolution: int) -> tuple[int, ...]:
    with torch.device("meta"):
        return _count(make_stem(), torch.zeros(1, 3, resolution, resolution))


def _encoder_costs(ops, resolution: int) -> list[int]:
    """Stem plus every edge's op: each term is a sum over modules whose shapes do not depend
    on the other edges, so the counts are additive (a test checks this against counting a
    whole network)."""
    totals = list(_stem_costs(resolution))
    size = resolution // 4
    for c_in, c_out, stride in cell_plan():
        for op, (src, _) in zip(ops, EDGES):
            if src == 0:
                args = (c_in, c_out, stride, size)
            else:
                args = (c_out, c_out, 1, (size + stride - 1) // stride)
            totals = [t + e for t, e in zip(totals, _op_costs(op, *args))]
        size = (size + stride - 1) // stride
    return totals


@functools.lru_cache(maxsize=None)
def _decoder_costs(dataset: str) -> tuple[int, int, int]:
    d = check_dataset(dataset)
    c, n = cell_plan()[-1][1], d["resolution"] // 32
    with torch.device("meta"):
        decoder = make_decoder(dataset, c)
        suite, params, macs = _count(decoder, torch.zeros(1, c * d.get("tiles", 1), n, n))
    if d["decoder"] in ("linear", "siamese"):
        suite += LINEAR_DECODER_OFFSET
    return suite, params, macs


def costs(arch: str, dataset: str = "class_object") -> tuple[float, float, float]:
    """(MFLOPs as the suite counts them, M params, MFLOPs as conv+linear MACs) of the task's
    network, per image (jigsaw: the suite counts the encoder once, for one 64x64 tile, and
    so does this; its MACs likewise)."""
    d = check_dataset(dataset)
    totals = _encoder_costs(parse(arch), d["resolution"])
    totals = [t + e for t, e in zip(totals, _decoder_costs(dataset))]
    return tuple(round(t / 1e6, 6) for t in totals)
