"""AutoFormer's ViT search spaces (Tiny/Small/Base) as AZ-NAS searches them (PROTOCOLS.md E).

An architecture is one embedding width shared by all layers, a depth, and per layer an MLP
ratio and a head count, written::

    embed=192|depth=12|mlp=3.5,3.5,...|heads=4,3,...

The network follows AutoFormer's supernet with the authors' flags (`--change_qkv
--relative_position --gp`, qkv bias): 16x16 patches, cls token, absolute position
embedding, pre-LayerNorm encoder layers whose q/k/v width is 64 per head, 2-D relative
position embeddings on keys and values (max distance 14), GELU MLP. Every candidate is a
slice of ONE weight-sharing supernet built once per search (not re-initialised), scored in
eval mode. Its primary blocks are two per encoder layer: the attention half (x + attn(LN x))
and the MLP half (x + mlp(LN x)).

`params(arch)` is the authors' `get_sampled_params_numel` (defines the budget window, always
with 196 patches: 224x224 input) and `complexity(arch)` their `get_complexity(196)`, the
FLOPs the paper reports and AZ-NAS's complexity proxy.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from aznas_core.deprecation import moved

SUBSETS = {
    # supernet (embed, depth, heads, mlp) and the searched choices (space-{T,S,B}.yaml)
    "Tiny": dict(supernet=(256, 14, 4, 4.0), depth=(12, 13, 14), embed=(192, 216, 240),
                 heads=(3, 4), mlp=(3.5, 4.0)),
    "Small": dict(supernet=(448, 14, 7, 4.0), depth=(12, 13, 14), embed=(320, 384, 448),
                  heads=(5, 6, 7), mlp=(3.0, 3.5, 4.0)),
    "Base": dict(supernet=(640, 16, 10, 4.0), depth=(14, 15, 16), embed=(528, 576, 624),
                 heads=(9, 10), mlp=(3.0, 3.5, 4.0)),
}
#: The authors' #Params windows (M): plain budget, and TF-TAS's budget.
WINDOWS = {"Tiny": (4.0, 6.0), "Small": (21.0, 23.0), "Base": (52.0, 54.0)}
TFTAS_WINDOWS = {"Tiny": (4.0, 6.2), "Small": (21.0, 24.0), "Base": (52.0, 56.5)}
#: The architectures the authors published (experiments/AZ-NAS{,-TFTAS_budget}/*.yaml RETRAIN).
PUBLISHED = {
    ("Tiny", "plain"): (192, [3.5, 3.5, 3.5, 4, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 4, 4],
                        [4, 3, 4, 4, 4, 4, 4, 3, 3, 4, 4, 4]),
    ("Small", "plain"): (384, [3.0, 3.0, 3.0, 4.0, 3.5, 3.0, 3.0, 3.5, 4.0, 3.0, 3.0, 3.0, 3.0, 4.0],
                         [7, 7, 6, 6, 5, 6, 6, 6, 7, 7, 5, 5, 6, 7]),
    ("Base", "plain"): (528, [3.0, 3.5, 3.5, 3.5, 3.0, 3.5, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 3.5, 3.0,
                              4.0, 4.0], [10] * 11 + [9] + [10] * 4),
    ("Tiny", "tftas"): (192, [3.5] * 11 + [4, 3.5], [3, 4, 4, 3, 4, 4, 3, 4, 3, 4, 4, 3, 3]),
    ("Small", "tftas"): (384, [3.0, 3.0, 3.0, 3.0, 4.0, 3.5, 3.0, 3.5, 3.0, 4.0, 3.5, 3.5, 3.5, 4.0],
                         [7, 6, 7, 7, 6, 5, 7, 6, 7, 7, 7, 7, 6, 5]),
    ("Base", "tftas"): (528, [3.0, 3.0, 3.5, 4.0, 4.0, 3.0, 3.0, 3.0, 4.0, 3.0, 3.0, 4.0, 4.0, 4.0,
                              4.0, 4.0], [10] * 5 + [9] + [10] * 4 + [9] + [10] * 5),
}
PATCH = 16
NUM_PATCHES = 196  # at 224x224: what #Params and complexity are defined with
MAX_REL = 14
HEAD_DIM = 64
NUM_CLASSES = 1000


def format_arch(embed: int, mlp, heads) -> str:
    mlp = [float(r) for r in mlp]
    return (f"embed={int(embed)}|depth={len(mlp)}|mlp={','.join(f'{r:g}' for r in mlp)}"
            f"|heads={','.join(str(int(h)) for h in heads)}")


def parse(arch: str) -> tuple[int, list[float], list[int]]:
    """'embed=..|depth=..|mlp=..|heads=..' -> (embed, mlp ratios, head counts)."""
    try:
        fields = dict(part.split("=", 1) for part in arch.split("|"))
        embed, depth = int(fields["embed"]), int(fields["depth"])
        mlp = [float(r) for r in fields["mlp"].split(",")]
        heads = [int(h) for h in fields["heads"].split(",")]
    except (KeyError, ValueError, AttributeError) as err:
        raise ValueError(f"malformed ViT architecture {arch!r} (expected "
                         f"'embed=E|depth=D|mlp=r1,..|heads=h1,..'): {err}") from None
    if not (len(mlp) == len(heads) == depth):
        raise ValueError(f"{arch!r}: depth {depth} but {len(mlp)} mlp ratios, {len(heads)} heads")
    return embed, mlp, heads


def validate(arch: str, subset: str | None = None) -> str:
    """Canonical string; with `subset`, also checks every choice is in that space."""
    embed, mlp, heads = parse(arch)
    if subset is not None:
        sp = SUBSETS[check_subset(subset)]
        bad = [(k, v) for k, v, ok in [("embed", embed, embed in sp["embed"]),
                                        ("depth", len(mlp), len(mlp) in sp["depth"]),
                                        ("mlp", mlp, all(r in sp["mlp"] for r in mlp)),
                                        ("heads", heads, all(h in sp["heads"] for h in heads))]
               if not ok]
        if bad:
            raise ValueError(f"{arch!r} is outside the {subset} space: {bad}")
    return format_arch(embed, mlp, heads)


def check_subset(subset: str) -> str:
    if subset not in SUBSETS:
        raise ValueError(f"unknown AutoFormer subset {subset!r}; expected one of {list(SUBSETS)}")
    return subset


def published(subset: str, budget: str = "plain") -> str:
    embed, mlp, heads = PUBLISHED[check_subset(subset), budget]
    return format_arch(embed, mlp, heads)


def sample(rng, subset: str) -> str:
    """One candidate as `Searcher.get_random_cand` draws it: depth, then an MLP ratio per
    layer, then a head count per layer, then one embedding width (uniform, independent)."""
    sp = SUBSETS[check_subset(subset)]
    depth = rng.choice(sp["depth"])
    mlp = [rng.choice(sp["mlp"]) for _ in range(depth)]
    heads = [rng.choice(sp["heads"]) for _ in range(depth)]
    embed = rng.choice(sp["embed"])
    return format_arch(embed, mlp, heads)


def params(arch: str) -> float:
    """#Params (count) as `get_sampled_params_numel`: patch embed, per layer two LayerNorms,
    qkv (64 per head, with bias), proj, four relative-position tables (30 x 64 each), fc1,
    fc2; final norm, head, and embed * (2 + 196) for the cls token and position embedding."""
    embed, mlp, heads = parse(arch)
    total = embed * 3 * PATCH * PATCH + embed
    for r, h in zip(mlp, heads):
        q = HEAD_DIM * h
        hidden = int(embed * r)
        total += 4 * embed + (embed * 3 * q + 3 * q) + (q * embed + embed)
        total += 4 * (2 * MAX_REL + 2) * HEAD_DIM
        total += (embed * hidden + hidden) + (hidden * embed + embed)
    total += 2 * embed + (embed * NUM_CLASSES + NUM_CLASSES) + embed * (2 + NUM_PATCHES)
    return float(total)


def complexity(arch: str) -> float:
    """FLOPs as the authors' `get_complexity(196)` counts them (PROTOCOLS.md E.4)."""
    embed, mlp, heads = parse(arch)
    n = NUM_PATCHES
    total = embed + n * embed * 3 * PATCH * PATCH  # patch embedding
    total += (n + 1) * embed / 2.0  # position embedding
    s = n + 2  # encoder layers get n + 1 and pass n + 2 to their modules
    for r, h in zip(mlp, heads):
        q = HEAD_DIM * h
        hidden = int(embed * r)
        total += 2 * s * embed  # two LayerNorms
        total += s * 3 * q * embed + 2 * s * s * q + s * q * embed  # qkv, q@k, attn@v, proj
        total += MAX_REL * s * s + s * s / 2.0 + MAX_REL * s * s + s * q / 2.0  # rel. pos.
        total += 2 * s * embed * hidden  # fc1, fc2
    total += (n + 1) * embed * NUM_CLASSES  # head, over all tokens
    return float(total)


def within(arch: str, window: tuple[float, float]) -> bool:
    lo, hi = window
    return lo <= params(arch) / 1e6 <= hi


# --------------------------------------------------------------------------------------
# The weight-sharing supernet
# --------------------------------------------------------------------------------------
def _trunc_normal(t, g, std=0.02):
    nn.init.trunc_normal_(t, std=std, a=-2.0, b=2.0, generator=g)


class Supernet(nn.Module):
    """Super-size weights; `subnet(arch)` returns a module computing with their slices.
    Initialised once from `generator`: linear/qkv weights and all embedding tables
    truncated-normal (std 0.02), biases 0, LayerNorms 1/0, the patch conv PyTorch's default
    (as the authors' supernet)."""

    def __init__(self, subset: str, resolution: int = 224, generator=None):
        super().__init__()
        e, depth, h, r = SUBSETS[check_subset(subset)]["supernet"]
        self.subset, self.resolution = subset, resolution
        n = (resolution // PATCH) ** 2
        q, hidden = HEAD_DIM * h, int(r * e)
        self.patch = nn.Conv2d(3, e, PATCH, PATCH)
        bound = 1 / math.sqrt(3 * PATCH * PATCH)  # default init: kaiming_uniform(a=sqrt 5)
        with torch.no_grad():
            self.patch.weight.uniform_(-bound, bound, generator=generator)
            self.patch.bias.uniform_(-bound, bound, generator=generator)
        self.cls = nn.Parameter(torch.zeros(1, 1, e))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, e))
        self.layers = nn.ModuleList()
        for _ in range(depth):
            layer = nn.Module()
            layer.ln1, layer.ln2 = nn.LayerNorm(e), nn.LayerNorm(e)
            layer.qkv, layer.proj = nn.Linear(e, 3 * q), nn.Linear(q, e)
            layer.fc1, layer.fc2 = nn.Linear(e, hidden), nn.Linear(hidden, e)
            for name in ("rel_k_v", "rel_k_h", "rel_v_v", "rel_v_h"):
                setattr(layer, name, nn.Parameter(torch.zeros(2 * MAX_REL + 2, HEAD_DIM)))
            self.layers.append(layer)
        self.norm = nn.LayerNorm(e)
        self.head = nn.Linear(e, NUM_CLASSES)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith("patch."):
                    continue
                if name.endswith("bias") and ".ln" not in name and not name.startswith("norm"):
                    p.zero_()
                elif name.startswith("norm") or ".ln" in name:
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
                else:
                    _trunc_normal(p, generator)
        for p in self.parameters():
            p.requires_grad_(False)

    def subnet(self, arch: str) -> "ViT":
        return ViT(self, arch)


def _rel_index(n_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Vertical/horizontal relative-distance indices (0 = the cls token) of AutoFormer."""
    n = n_tokens - 1
    side = int(n ** 0.5)
    pos = torch.arange(n)
    dv = (pos[None, :] // side - pos[:, None] // side).clamp(-MAX_REL, MAX_REL) + MAX_REL + 1
    dh = (pos[None, :] % side - pos[:, None] % side).clamp(-MAX_REL, MAX_REL) + MAX_REL + 1
    return F.pad(dv, (1, 0, 1, 0)), F.pad(dh, (1, 0, 1, 0))


class AttentionHalf(nn.Module):
    """x + proj(attention(LN x)) with relative positions (one primary block)."""

    def __init__(self, layer, embed: int, heads: int):
        super().__init__()
        self.layer, self.e, self.h = layer, embed, heads

    def forward(self, x):
        L, e, h = self.layer, self.e, self.h
        q_dim = HEAD_DIM * h
        b, n, _ = x.shape
        y = F.layer_norm(x, (e,), L.ln1.weight[:e], L.ln1.bias[:e], L.ln1.eps)
        w = L.qkv.weight[:, :e]
        w = torch.cat([w[i:3 * q_dim:3] for i in range(3)], dim=0)  # AutoFormer's qkv slice
        qkv = F.linear(y, w, L.qkv.bias[:3 * q_dim]).reshape(b, n, 3, h, HEAD_DIM)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        scale = HEAD_DIM ** -0.5
        attn = (q @ k.transpose(-2, -1)) * scale
        iv, ih = _rel_index(n)
        r_k = L.rel_k_v[iv] + L.rel_k_h[ih]  # (n, n, 64)
        qr = q.permute(2, 0, 1, 3).reshape(n, b * h, HEAD_DIM) @ r_k.transpose(2, 1)
        attn = attn + qr.transpose(1, 0).reshape(b, h, n, n) * scale
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, q_dim)
        r_v = L.rel_v_v[iv] + L.rel_v_h[ih]
        av = attn.permute(2, 0, 1, 3).reshape(n, b * h, n) @ r_v
        out = out + av.transpose(1, 0).reshape(b, h, n, HEAD_DIM).transpose(2, 1).reshape(b, n, q_dim)
        return x + F.linear(out, L.proj.weight[:e, :q_dim], L.proj.bias[:e])


class MLPHalf(nn.Module):
    """x + fc2(GELU(fc1(LN x))) (one primary block)."""

    def __init__(self, layer, embed: int, ratio: float):
        super().__init__()
        self.layer, self.e, self.hidden = layer, embed, int(embed * ratio)

    def forward(self, x):
        L, e, d = self.layer, self.e, self.hidden
        y = F.layer_norm(x, (e,), L.ln2.weight[:e], L.ln2.bias[:e], L.ln2.eps)
        y = F.gelu(F.linear(y, L.fc1.weight[:d, :e], L.fc1.bias[:d]))
        return x + F.linear(y, L.fc2.weight[:e, :d], L.fc2.bias[:e])


class ViT(nn.Module):
    """A candidate: slices of the supernet. `primary_blocks` = two per encoder layer."""

    def __init__(self, supernet: Supernet, arch: str):
        super().__init__()
        embed, mlp, heads = parse(validate(arch, supernet.subset))
        self.arch, self.e = format_arch(embed, mlp, heads), embed
        object.__setattr__(self, "supernet", supernet)  # shared weights, not a submodule
        self.blocks = nn.ModuleList()
        for layer, r, h in zip(supernet.layers, mlp, heads):
            self.blocks.append(AttentionHalf(layer, embed, h))
            self.blocks.append(MLPHalf(layer, embed, r))
        self.primary_blocks = [f"blocks.{i}" for i in range(len(self.blocks))]

    def forward(self, x):
        s, e = self.supernet, self.e
        t = F.conv2d(x, s.patch.weight[:e], s.patch.bias[:e], stride=PATCH).flatten(2).transpose(1, 2)
        t = torch.cat([s.cls[..., :e].expand(x.shape[0], -1, -1), t], dim=1) + s.pos[..., :e]
        for blk in self.blocks:
            t = blk(t)
        t = F.layer_norm(t, (e,), s.norm.weight[:e], s.norm.bias[:e], s.norm.eps)
        return F.linear(t[:, 1:].mean(1), s.head.weight[:, :e], s.head.bias)  # gp: mean of patches



#: Names that moved to `aznas_core.problems` (they score with `score_model`, a layer above the
#: spaces); they keep working, with a DeprecationWarning.
MOVED = {"score": "aznas_core.problems:autoformer_score",
         "search_problem": "aznas_core.problems:autoformer_problem",
         "score_published": "aznas_core.problems:autoformer_score_published"}
__getattr__ = moved(__name__, MOVED)
