"""The MobileNetV2 (inverted-residual) search space of AZ-NAS's ImageNet search (PROTOCOLS.md D).

An architecture is the authors' structure string, super-blocks concatenated::

    SuperConvK3BNRELU(3,8,2,1)SuperResIDWE6K3(8,32,2,8,1)...SuperConvK1BNRELU(128,2048,1,1)

`SuperConvK{1,3}BNRELU(in,out,stride,sub_layers)` is conv-BN-ReLU (the stem, kernel 3; the
fixed head, kernel 1). `SuperResIDWE{E}K{K}(in,out,stride,bottleneck,sub_layers)` repeats
`sub_layers` times two inverted-residual units (1x1 expand, KxK depthwise, 1x1 project, each
with BN; residual add, then ReLU): unit 1 maps to the bottleneck width with expansion
smart_round(bottleneck*E) (stride and a projection shortcut in the first sub-layer), unit 2
maps back to `out` with expansion smart_round(out*E). The primary blocks AZ-NAS reads are
the stem, every unit and the head (L = 2 + 2 * sum of IDW sub-layers).

Two FLOPs counters: `budget_flops` is the search's own (ZenNAS PlainNet `get_FLOPs`: MACs
plus one per BatchNorm element, stride-2 projections counted at a quarter, no bias), the one
that defines the 450M/600M/1000M budgets; `reported_flops` counts the built network the way
ptflops 0.7 does in the authors' `analyze_model.py` (conv/linear MACs with biases, two per
BatchNorm element; PlainNet's functional ReLU and pooling are not nn modules, so count 0).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import torch
from torch import nn

from aznas_core.deprecation import moved
from aznas_core.flops import probe_forward

IDW_TYPES = tuple(f"SuperResIDWE{e}K{k}" for k in (3, 5, 7) for e in (1, 2, 4, 6))
CONV_TYPES = ("SuperConvK1BNRELU", "SuperConvK3BNRELU")
INITIAL = ("SuperConvK3BNRELU(3,8,2,1)SuperResIDWE6K3(8,32,2,8,1)SuperResIDWE6K3(32,48,2,32,1)"
           "SuperResIDWE6K3(48,96,2,48,1)SuperResIDWE6K3(96,128,2,96,1)"
           "SuperConvK1BNRELU(128,2048,1,1)")
#: The scripted searches: budget (FLOPs, budget counter) -> max_layers.
BUDGETS = {450e6: 14, 600e6: 14, 1000e6: 16}
RESOLUTION = 224  # the resolution the budget is counted at
NUM_CLASSES = 1000
BN_EPS = 1e-3
SPLIT_THRESHOLD = 6

_BLOCK = re.compile(r"(Super\w+?)\(([\d,\s]+)\)")


@dataclass(frozen=True)
class Block:
    type: str
    in_channels: int
    out_channels: int
    stride: int
    sub_layers: int
    bottleneck: int = 0  # IDW blocks only

    @property
    def is_idw(self) -> bool:
        return self.type.startswith("SuperResIDW")

    @property
    def kernel(self) -> int:
        return int(self.type.split("K")[-1][0]) if self.is_idw else int(self.type[len("SuperConvK")])

    @property
    def expansion(self) -> int:
        return int(self.type[len("SuperResIDWE"):].split("K")[0])

    def __str__(self) -> str:
        if self.is_idw:
            return (f"{self.type}({self.in_channels},{self.out_channels},{self.stride},"
                    f"{self.bottleneck},{self.sub_layers})")
        return f"{self.type}({self.in_channels},{self.out_channels},{self.stride},{self.sub_layers})"


def smart_round(x: float, base: int = 8) -> int:
    """max(base, round(x / base) * base) with Python's half-to-even round (ZenNAS)."""
    return int(max(base, round(x / float(base)) * base))


# --------------------------------------------------------------------------------------
# Structure strings
# --------------------------------------------------------------------------------------
def parse(arch: str) -> tuple[Block, ...]:
    """Structure string -> blocks; ValueError naming the problem for anything malformed."""
    if not isinstance(arch, str):
        raise ValueError(f"structure must be a str, got {type(arch).__name__}")
    s = arch.replace(" ", "").strip()
    blocks, pos = [], 0
    while pos < len(s):
        m = _BLOCK.match(s, pos)
        if not m:
            raise ValueError(f"cannot parse structure at position {pos}: {s[pos:pos + 40]!r}")
        name, args = m.group(1), [int(a) for a in m.group(2).split(",")]
        if name in CONV_TYPES:
            if len(args) != 4:
                raise ValueError(f"{name} takes (in,out,stride,sub_layers), got {args}")
            blocks.append(Block(name, args[0], args[1], args[2], args[3]))
        elif name in IDW_TYPES:
            if len(args) != 5:
                raise ValueError(f"{name} takes (in,out,stride,bottleneck,sub_layers), got {args}")
            blocks.append(Block(name, args[0], args[1], args[2], args[4], bottleneck=args[3]))
        else:
            raise ValueError(f"unknown block type {name!r}; expected one of "
                             f"{list(CONV_TYPES) + list(IDW_TYPES)}")
        pos = m.end()
    if not blocks:
        raise ValueError("empty structure")
    return tuple(blocks)


def format_arch(blocks) -> str:
    return "".join(str(b) for b in blocks)


def validate(arch: str) -> str:
    """Canonical string of a structure of this space, or a ValueError saying what is wrong:
    a 3-channel stride-2 kernel-3 stem, IDW blocks, the fixed head (1x1 conv to 2048);
    channels chained block to block; strides 1 or 2; positive widths and sub-layers."""
    blocks = parse(arch)
    if blocks[0].type != "SuperConvK3BNRELU" or blocks[0].in_channels != 3:
        raise ValueError(f"the first block must be the stem SuperConvK3BNRELU(3,...), got {blocks[0]}")
    if blocks[-1].type != "SuperConvK1BNRELU" or blocks[-1].out_channels != 2048:
        raise ValueError(f"the last block must be the head SuperConvK1BNRELU(...,2048,1,1), "
                         f"got {blocks[-1]}")
    for b in blocks[1:-1]:
        if not b.is_idw:
            raise ValueError(f"only IDW blocks may sit between stem and head, got {b}")
    for prev, b in zip(blocks, blocks[1:]):
        if b.in_channels != prev.out_channels:
            raise ValueError(f"{b} reads {b.in_channels} channels but {prev} gives {prev.out_channels}")
    for b in blocks:
        if b.stride not in (1, 2):
            raise ValueError(f"{b}: stride must be 1 or 2")
        if min(b.out_channels, b.sub_layers) < 1 or (b.is_idw and b.bottleneck < 1):
            raise ValueError(f"{b}: widths and sub_layers must be positive")
    return format_arch(blocks)


def num_layers(arch: str) -> int:
    """Sum of sub_layers over all super-blocks (stem and head count 1): the max_layers check."""
    return sum(b.sub_layers for b in parse(arch))


# --------------------------------------------------------------------------------------
# Mutation (evolution_search_az.py::get_new_random_structure_str, gen_search_space)
# --------------------------------------------------------------------------------------
def channel_choices(c: int) -> list[int]:
    xs = [c * 2.5, c * 2, c * 1.5, c * 1.25, c, c / 1.25, c / 1.5, c / 2, c / 2.5]
    return sorted({smart_round(max(8, x), 8) for x in xs}, reverse=True)


def sublayer_choices(s: int) -> list[int]:
    return sorted({max(0, round(x)) for x in (s, s + 1, s + 2, s - 1, s - 2)}, reverse=True)


def candidates(blocks, i: int) -> list[str]:
    """The replacement strings for block i, as the authors' code lists them before
    `random.choice`: the per-type lists are cumulative (list k holds types 0..k), flattened
    with duplicates and sorted, so type k is drawn with weight 12 - k."""
    b = blocks[i]
    if not b.is_idw:
        outs = [b.out_channels] if b.kernel == 1 else channel_choices(b.out_channels)
        return sorted({f"{b.type}({b.in_channels},{o},{b.stride},1)" for o in outs})
    cumulative, flat = set(), []
    for t in IDW_TYPES:
        for o in channel_choices(b.out_channels):
            for s in sublayer_choices(b.sub_layers):
                for btl in channel_choices(b.bottleneck):
                    if s > 0:
                        cumulative.add(f"{t}({b.in_channels},{o},{b.stride},{btl},{s})")
        flat.extend(cumulative)
    return sorted(flat)


def rechain(blocks) -> tuple[Block, ...]:
    out = [blocks[0]]
    for b in blocks[1:]:
        out.append(replace(b, in_channels=out[-1].out_channels))
    return tuple(out)


def split(arch: str, threshold: int = SPLIT_THRESHOLD) -> str:
    """An IDW block with >= threshold sub-layers becomes (.., threshold//2) + (out,out,1,..,rest)."""
    out = []
    for b in parse(arch):
        if b.is_idw and b.sub_layers >= threshold:
            first = threshold // 2
            out.append(replace(b, sub_layers=first))
            out.append(replace(b, in_channels=b.out_channels, stride=1,
                               sub_layers=b.sub_layers - first))
        else:
            out.append(b)
    return format_arch(out)


def mutate(arch: str, rng, num_replaces: int = 1) -> str:
    """Replace 1..num_replaces distinct random blocks (a repeated index is skipped, as in the
    authors' loop) by a random candidate, re-chain channels, split long blocks.
    `rng` is a `random.Random`."""
    blocks = list(parse(arch))
    chosen = set()
    for _ in range(num_replaces):
        i = rng.randint(0, len(blocks) - 1)
        if i in chosen:
            continue
        chosen.add(i)
        new = parse(rng.choice(candidates(blocks, i)))[0]
        if i > 0:
            new = replace(new, in_channels=blocks[i - 1].out_channels)
        blocks[i] = new
    return split(format_arch(rechain(blocks)))


def sample(rng, steps: int = 10) -> str:
    """A random architecture: `steps` single-block mutations of the initial structure."""
    arch = INITIAL
    for _ in range(steps):
        arch = mutate(arch, rng, 1)
    return arch


# --------------------------------------------------------------------------------------
# Counters
# --------------------------------------------------------------------------------------
def _units(blocks):
    """(c_in, c_mid, c_out, kernel, stride, projection) of every residual unit, in order."""
    for b in blocks:
        if not b.is_idw:
            continue
        last = b.in_channels
        for i in range(b.sub_layers):
            stride = b.stride if i == 0 else 1
            m1 = smart_round(b.bottleneck * b.expansion, 8)
            yield last, m1, b.bottleneck, b.kernel, stride, i == 0 or stride > 1 or last != b.bottleneck
            m2 = smart_round(b.out_channels * b.expansion, 8)
            yield b.bottleneck, m2, b.out_channels, b.kernel, 1, b.bottleneck != b.out_channels
            last = b.out_channels


def budget_flops(arch: str, resolution: int = RESOLUTION) -> float:
    """FLOPs as the search counts them (PlainNet `get_FLOPs`), for the budget check."""
    blocks = parse(arch)
    r = resolution
    total = 0.0
    for b in (blocks[0],):  # stem: conv then BN at the output resolution
        total += b.in_channels * b.out_channels * 9 * r ** 2 // b.stride ** 2
        r //= b.stride
        total += r ** 2 * b.out_channels
    for c_in, mid, c_out, k, s, proj in _units(blocks):
        total += c_in * mid * r ** 2 + r ** 2 * mid  # 1x1 expand + BN
        total += mid * k * k * r ** 2 // s ** 2  # depthwise
        r //= s
        total += r ** 2 * mid + mid * c_out * r ** 2 + r ** 2 * c_out  # BN, 1x1 project, BN
        if proj:  # ZenNAS divides the *output* resolution by the stride once more
            total += c_in * c_out * (r / s) ** 2 + (r / s) ** 2 * c_out
    head = blocks[-1]
    total += head.in_channels * head.out_channels * r ** 2 + r ** 2 * head.out_channels
    total += head.out_channels * NUM_CLASSES
    return float(total)


def budget_params(arch: str) -> float:
    """#Params as PlainNet's `get_model_size` counts them (BN: C; linear bias: 1)."""
    blocks = parse(arch)
    stem, head = blocks[0], blocks[-1]
    total = stem.in_channels * stem.out_channels * 9 + stem.out_channels
    for c_in, mid, c_out, k, s, proj in _units(blocks):
        total += c_in * mid + mid + mid * k * k + mid + mid * c_out + c_out
        if proj:
            total += c_in * c_out + c_out
    total += head.in_channels * head.out_channels + head.out_channels
    return float(total + head.out_channels * NUM_CLASSES + 1)


def reported_flops_params(arch: str, resolution: int = RESOLUTION) -> tuple[float, float]:
    """(FLOPs, params) of the built network as ptflops 0.7 counts them: conv and linear MACs
    plus their biases, 2 per BatchNorm element (affine); ReLU and pooling 0 (functional in
    PlainNet); params = every parameter. Counted with forward hooks on one image."""
    model = build(arch)
    total = 0

    def hook(m, inputs, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            per_position = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            positions = out[0, 0].numel()
            total += per_position * m.out_channels * positions
            if m.bias is not None:
                total += m.out_channels * positions
        elif isinstance(m, nn.BatchNorm2d):
            total += 2 * inputs[0].numel()
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features + m.out_features

    probe_forward(model, resolution, hook, (nn.Conv2d, nn.BatchNorm2d, nn.Linear))
    return float(total), float(sum(p.numel() for p in model.parameters()))


def within(arch: str, budget: float, max_layers: int) -> bool:
    """The search's constraints: layers <= max_layers and budget FLOPs <= budget."""
    return num_layers(arch) <= max_layers and budget_flops(arch) <= budget


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------
def _bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS)


class ConvBNReLU(nn.Sequential):
    def __init__(self, c_in, c_out, kernel, stride):
        super().__init__(nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, bias=False),
                         _bn(c_out), nn.ReLU())


class Unit(nn.Module):
    """Inverted residual: 1x1 -> BN -> ReLU -> KxK depthwise -> BN -> ReLU -> 1x1 -> BN, plus
    the identity or a projection (1x1 conv with bias + BN), then ReLU after the sum."""

    def __init__(self, c_in, mid, c_out, kernel, stride, proj):
        super().__init__()
        self.branch = nn.Sequential(
            nn.Conv2d(c_in, mid, 1, bias=False), _bn(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, kernel, stride, (kernel - 1) // 2, groups=mid, bias=False),
            _bn(mid), nn.ReLU(),
            nn.Conv2d(mid, c_out, 1, bias=False), _bn(c_out))
        self.proj = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride), _bn(c_out)) if proj else None

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return torch.relu(self.branch(x) + shortcut)


class MBV2Net(nn.Module):
    """The MasterNet of a structure (no SE, residual links kept: the search-time network).
    `primary_blocks` names the stem, every unit and the head, in execution order."""

    def __init__(self, arch: str, num_classes: int = NUM_CLASSES):
        super().__init__()
        blocks = parse(validate(arch))
        self.arch = format_arch(blocks)
        stem, head = blocks[0], blocks[-1]
        self.stem = ConvBNReLU(3, stem.out_channels, 3, stem.stride)
        self.units = nn.ModuleList(Unit(*u) for u in _units(blocks))
        self.head = ConvBNReLU(head.in_channels, head.out_channels, 1, head.stride)
        self.classifier = nn.Linear(head.out_channels, num_classes)
        self.primary_blocks = ["stem", *(f"units.{i}" for i in range(len(self.units))), "head"]

    def forward(self, x):
        x = self.stem(x)
        for u in self.units:
            x = u(x)
        x = self.head(x)
        return self.classifier(x.mean((2, 3)))


def build(arch: str, num_classes: int = NUM_CLASSES) -> MBV2Net:
    return MBV2Net(arch, num_classes)


def costs(arch: str) -> dict:
    """Both FLOPs counters, both #Params counters and the layer count of a structure."""
    flops, params = reported_flops_params(arch)
    return {"flops_budget_counter": budget_flops(arch), "flops_reported_counter": flops,
            "params_budget_counter": budget_params(arch), "params": params,
            "layers": num_layers(arch)}


def block_table(arch: str):
    """One row per super-block: type, expansion, kernel, widths, stride, sub-layers, and the
    resolution at its output (224x224 input)."""
    import pandas as pd

    rows, r = [], RESOLUTION
    for b in parse(arch):
        r //= b.stride
        rows.append(dict(block=b.type, expansion=b.expansion if b.is_idw else None,
                         kernel=b.kernel, in_channels=b.in_channels, out_channels=b.out_channels,
                         bottleneck=b.bottleneck or None, stride=b.stride,
                         sub_layers=b.sub_layers, resolution=r))
    return pd.DataFrame(rows)



#: Names that moved to `aznas_core.problems` (they score with `score_model`, a layer above the
#: spaces); they keep working, with a DeprecationWarning.
MOVED = {"score": "aznas_core.problems:mbv2_score",
         "search_problem": "aznas_core.problems:mbv2_problem"}
__getattr__ = moved(__name__, MOVED)
