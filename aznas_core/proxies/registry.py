"""The one registry of zero-cost proxies: families (proxies that share one computation), the
proxies they compute, and the `Batch` a family reads. Every family module of this package
imports only this module (and helpers below it) and registers itself where it is defined.

A family function is MODEL-LEVEL: `fn(model, batch, cfg, proxies) -> {proxy: value}` on an
initialised module (train mode, on `cfg.device`); it never builds networks or draws weights,
so the same code scores a search space's cells (`aznas_core.scoring`) and a user's own model
(`aznas_core.model`). See the package docstring (`aznas_core.proxies`) for the declarations.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from typing import Callable, Iterable, Literal, Sequence

import pandas as pd
import torch

from aznas_core import inputs as _inputs
from aznas_core.blocks import BlockProxy
from aznas_core.config import Config
from aznas_core.seeding import generator as seeded_generator

#: The name of a proxy `score` and `score_model` compute, any name in the registry
#: `PROXIES` (`list_proxies()` describes each) and only those.
#:
#: A `Literal` rather than `str`: the registry is closed (only this package's family modules
#: register, at import), so a type checker and an editor can name the choices and catch a
#: typo before a run. Registration stays the runtime truth (`check_proxies` and `score_model`
#: refuse any other name with a one-line error naming close matches), and
#: `tests/test_usability.py` fails when the two differ: a proxy registered without being
#: added here, or a name here that nothing registers. The set-level `te_nas` is not one (it
#: ranks a set of architectures: `aznas_core.aggregate.te_nas`).
ProxyName = Literal[
    BlockProxy, "complexity", "flops", "params", "flops_legacy",  # AZ-NAS; architecture
    "grad_norm", "snip", "grasp", "fisher", "jacob_cov", "plain", "epe_nas", "l2_norm",
    "synflow", "naswot", "nwot", "zen", "ntk", "linear_region", "gradsign", "gradsign_sum",
    "zico",
]

NEEDS = frozenset({"noise", "noise2", "data", "data2", "labels"})
#: AZ-NAS's four proxies, `score`'s default.
AZNAS: tuple[ProxyName, ...] = ("expressivity", "progressivity", "trainability", "complexity")


@dataclass
class Batch:
    """What a model-level family function reads. Fields it did not declare are None.

    noise, noise2: Gaussian batches (B, 3, R, R); x, y, x2, y2: batches of the configured
    input source (labels None when unlabelled); `generator(stream)` gives further seeded
    randomness (Rademacher vectors, random labels); `pre_gap`: the module whose input is the
    feature map before global pooling (Zen; `'<module>:output'` reads a module's output;
    None: detected, `aznas_core.proxies.zen.find_pooling`).
    """

    noise: torch.Tensor | None = None
    noise2: torch.Tensor | None = None
    x: torch.Tensor | None = None
    y: torch.Tensor | None = None
    x2: torch.Tensor | None = None
    y2: torch.Tensor | None = None
    seed: int = 0
    arch: str = ""
    pre_gap: str | None = "pool"
    device: str = "cpu"

    def generator(self, stream: str) -> torch.Generator:
        return seeded_generator(self.seed, self.arch, stream)

    def to(self, device) -> "Batch":
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for k, v in moved.items():
            if isinstance(v, torch.Tensor):
                moved[k] = v.to(device)
        moved["device"] = str(device)
        return Batch(**moved)

    def channels_last(self) -> "Batch":
        out = Batch(**{f.name: getattr(self, f.name) for f in fields(self)})
        for f in ("noise", "noise2", "x", "x2"):
            t = getattr(out, f)
            if t is not None and t.dim() == 4:
                setattr(out, f, t.contiguous(memory_format=torch.channels_last))
        return out

    @classmethod
    def for_arch(cls, arch: str, cfg: Config, needs) -> "Batch":
        """The batch `needs` asks for, seeded per (cfg, arch, stream); CPU tensors."""
        b, r = int(cfg.batch_size), cfg.input_resolution
        noise = lambda s: torch.randn(b, 3, r, r, generator=seeded_generator(cfg.seed, arch, s))  # noqa: E731
        data = lambda part: _inputs.make_batch(  # noqa: E731
            cfg.inputs, b, r, cfg.num_classes,
            seeded_generator(cfg.seed, arch, _inputs.stream(cfg.inputs, part)),
            dataset=cfg.dataset, part=part)
        out = cls(seed=cfg.seed, arch=arch)
        if "noise" in needs:
            out.noise = noise("input")  # the stream AZ-NAS has always used
        if "noise2" in needs:
            out.noise2 = noise("input2")
        if "data" in needs or "labels" in needs:
            out.x, out.y = data(0)
        if "data2" in needs:
            out.x2, out.y2 = data(1)
        return out


@dataclass(frozen=True)
class Family:
    name: str
    fn: Callable
    proxies: dict  # name -> description
    inputs: dict = field(default_factory=dict)  # proxy -> set, or {variant: set}
    init: dict = field(default_factory=dict)  # variant -> scheme (None: no network)
    variants: tuple = ("aznas",)  # variants whose computations differ
    reads_classifier: bool = False
    batch_free: bool = False
    prune: bool = False
    kind: str = "network"  # 'network' (cached) or 'architecture' (closed form)
    legacy_layout: bool = False  # AZ-NAS: the original cache layout

    def variant(self, cfg: Config) -> str:
        return cfg.variant if cfg.variant in self.variants else self.variants[0]

    def needs(self, cfg: Config, proxies=None) -> set:
        out = set()
        for p in proxies or self.proxies:
            spec = self.inputs.get(p, set())
            if isinstance(spec, dict):
                spec = spec.get(cfg.variant, spec.get(self.variants[0], set()))
            out |= set(spec)
        return out

    def init_scheme(self, cfg: Config) -> str:
        return cfg.init or self.init[self.variant(cfg)]

    def identity(self, cfg: Config) -> dict:
        """The configuration fields this family's values depend on (the cache's identity).
        The AZ-NAS family keeps the original layout: space, resolution, batch size, init,
        seed (+ device off the CPU)."""
        ident = {"space": cfg.space}
        if not self.legacy_layout:
            ident["family"] = self.name
        ident["resolution"] = cfg.input_resolution
        if not self.batch_free:
            ident["batch_size"] = int(cfg.batch_size)
        ident["init"] = self.init_scheme(cfg)
        ident["seed"] = int(cfg.seed)
        reads_data = bool(self.needs(cfg) & {"data", "data2", "labels"})
        # the natural images are normalised with the dataset's mean/std, so a batch of them
        # depends on the dataset even where the network does not (`inputs.augment_normalize`)
        if self.reads_classifier or (reads_data and cfg.inputs in _inputs.DATASET_NORMALISED_SOURCES):
            ident["dataset"] = cfg.dataset
        if reads_data:
            ident["inputs"] = cfg.inputs
        if len(self.variants) > 1:
            ident["variant"] = self.variant(cfg)
        if not self.legacy_layout or cfg.device != "cpu":
            ident["device"] = str(torch.device(cfg.device).type)
        return ident

    def key(self, cfg: Config) -> str:
        ident = self.identity(cfg)
        parts = [f"res{ident['resolution']}"]
        if "batch_size" in ident:
            parts.append(f"bs{ident['batch_size']}")
        parts += [ident["init"], f"seed{ident['seed']}"]
        parts += [str(ident[k]) for k in ("dataset", "inputs", "variant") if k in ident]
        if ident.get("device", "cpu") != "cpu":
            parts.append(ident["device"])
        return "-".join(parts)

    def subdir(self) -> str:
        """Where the family's shards live below <root>/<space>/."""
        return "" if self.legacy_layout else self.name


@dataclass(frozen=True)
class Proxy:
    name: str
    family: str
    description: str


FAMILIES: dict[str, Family] = {}
PROXIES: dict[str, Proxy] = {}
#: Proxies defined on a set of architectures (rank combinations), e.g. te_nas:
#: name -> (parts, description). `score` refuses them; `aznas_core.aggregate` computes them.
SET_PROXIES: dict[str, tuple[tuple[str, ...], str]] = {}


def register_family(name: str, *, proxies: dict, **kw):
    """Decorator registering a model-level family function (see the module docstring)."""
    def deco(fn):
        if name in FAMILIES:
            raise ValueError(f"proxy family {name!r} registered twice")
        clash = [p for p in proxies if p in PROXIES or p in SET_PROXIES]
        if clash:
            raise ValueError(f"proxies {clash} of family {name!r} are already registered")
        for p, spec in kw.get("inputs", {}).items():
            specs = spec.values() if isinstance(spec, dict) else [spec]
            bad = [s for sp in specs for s in sp if s not in NEEDS]
            if bad or p not in proxies:
                raise ValueError(f"family {name!r}: bad input declaration {p}: {spec}")
        fam = Family(name=name, fn=fn, proxies=dict(proxies), **kw)
        FAMILIES[name] = fam
        for p, desc in proxies.items():
            PROXIES[p] = Proxy(p, name, desc)
        return fn
    return deco


def register_set_proxy(name: str, parts, description: str) -> None:
    """A proxy defined by combining other proxies over a set of architectures."""
    if name in PROXIES or name in SET_PROXIES:
        raise ValueError(f"proxy {name!r} is already registered")
    SET_PROXIES[name] = (tuple(parts), description)


def check_proxies(proxies: Iterable[str] | str,
                  cfg: Config | None = None) -> tuple[ProxyName, ...]:
    """Proxy names as a tuple; ValueError for an unknown name, a set-level proxy, or (with a
    configuration) a proxy that needs labels from an unlabelled input source."""
    if isinstance(proxies, str):
        proxies = [p for p in proxies.split(",") if p]
    proxies = tuple(proxies)
    sets = [p for p in proxies if p in SET_PROXIES]
    if sets:
        raise ValueError(f"{sets} rank a set of architectures (rank sum of "
                         f"{[SET_PROXIES[p][0] for p in sets]}): score the parts, then use "
                         f"aznas_core.aggregate")
    if not proxies:
        raise ValueError(f"no proxy requested; available: {sorted(PROXIES)} "
                         "(`aznas proxies` or aznas_core.list_proxies() describes each)")
    unknown = [p for p in proxies if p not in PROXIES]
    if unknown:
        raise ValueError(unknown_proxies_message(unknown))
    if cfg is not None:
        for p in proxies:
            fam = FAMILIES[PROXIES[p].family]
            if "labels" in fam.needs(cfg, [p]) and not _inputs.is_labelled(cfg.inputs):
                raise ValueError(
                    f"proxy {p!r} needs labels, but input source {cfg.inputs!r} has none; "
                    f"use a labelled source: "
                    f"{[s for s in _inputs.SOURCES if _inputs.is_labelled(s)]}")
    return proxies


def families_of(proxies: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """{family: its requested proxies}, in first-request order."""
    out: dict[str, list[str]] = {}
    for p in proxies:
        out.setdefault(PROXIES[p].family, []).append(p)
    return {f: tuple(ps) for f, ps in out.items()}


def suggest(name: str, known: Iterable[str] | None = None) -> list[str]:
    """Registered names close to `name`: a case-insensitive exact match first ('Synflow' ->
    'synflow'), then `difflib` close matches (at most three)."""
    known = sorted(PROXIES) + sorted(SET_PROXIES) if known is None else list(known)
    by_lower = {k.lower(): k for k in known}
    folded = str(name).lower().replace("-", "_").replace(" ", "_")
    if folded in by_lower:
        return [by_lower[folded]]
    close = difflib.get_close_matches(folded, list(by_lower), n=3, cutoff=0.6)
    return [by_lower[c] for c in close]


def unknown_proxies_message(unknown: Sequence[str]) -> str:
    """One line: the unknown names, what each may have meant, where the list is."""
    hints = []
    for u in unknown:
        s = suggest(u)
        hints.append(f"{u!r} (did you mean {' or '.join(repr(x) for x in s)}?)" if s
                     else repr(u))
    return (f"unknown proxy {', '.join(hints)}; available: {sorted(PROXIES)} "
            "(`aznas proxies` or aznas_core.list_proxies() describes each)")


#: What a proxy needs of a user's model besides the batch (`list_proxies`, `score_model`).
MODEL_NEEDS = {
    "expressivity": "primary blocks (blocks=)",
    "progressivity": "primary blocks (blocks=, at least two; CNN features: the authors omit "
                     "it for ViTs)",
    "trainability": "primary blocks (blocks=, at least two)",
    "naswot": "nn.ReLU modules", "nwot": "nn.ReLU modules",
    "linear_region": "nn.ReLU modules with 4-D inputs",
    "zen": "a global pooling module (pooling=, auto-detected: pool, avgpool, global_pool)",
    "gradsign": "train-mode BatchNorm2d maps larger than 1x1 (one sample alone is normalised "
                "over its H x W)",
    "gradsign_sum": "train-mode BatchNorm2d maps larger than 1x1 (one sample alone is "
                    "normalised over its H x W)",
    "complexity": "an architecture string (or a model: aznas_core.flops.model_complexity)",
    "flops": "an architecture string (or a model: aznas_core.flops.model_complexity)",
    "params": "an architecture string (or a model: aznas_core.flops.model_complexity)",
    "flops_legacy": "an NB201 architecture string",
}
#: Median ms per NB201 architecture (CIFAR-10, batch 64, one CPU thread) relative to AZ-NAS's
#: E, P, T and C, from the same-run timing table data/timing/nb201-cifar10-cpu.csv (`aznas
#: bench --table1`); the families Table 1 does not time carry an estimate noted in words.
RELATIVE_COST = {
    "aznas": 1.0, "synflow": 0.34, "zen": 0.90, "naswot": 0.95, "nwot": 0.95,
    "gradient": 1.2, "zico": 2.1, "gradsign": 2.65, "grasp": 7.1, "tenas": 40.5,
    "l2_norm": 0.0, "architecture": 0.0,
}
_COST_NOTES = {"nwot": "as naswot (same kernel, data batch)",
               "gradient": "grad_norm 1.19, snip 1.21 (one labelled pass for all six)",
               "l2_norm": "weights only: no forward (not timed)",
               "architecture": "closed form: no network",
               "tenas": "ntk's B backward passes; linear_region alone is one forward"}
_NEED_WORDS = {"noise": "Gaussian batch", "noise2": "second Gaussian batch",
               "data": "data batch", "data2": "second data batch", "labels": "labels"}


def list_proxies() -> pd.DataFrame:
    """Every registered proxy as a tidy `pandas.DataFrame`, one row each.

    Columns: name, family, description, needs (inputs under the default variant, then what
    a model must have), sign (+1: larger is better, as every registered proxy is oriented),
    relative_cost (`RELATIVE_COST`), cost_note, variants (the variants whose computations
    differ), kind ('network': computed on a model; 'architecture': counted from an
    architecture string; 'set': a rank combination over a set of architectures).
    The names of the non-set rows are exactly `ProxyName`'s values.
    """
    cfg = Config()
    rows = []
    for name, proxy in PROXIES.items():
        fam = FAMILIES[proxy.family]
        if fam.kind == "network":
            needs = [_NEED_WORDS[n]
                     for n in sorted(fam.needs(cfg, [name]), key=list(NEEDS_ORDER).index)]
            if not needs:
                needs = ["weights only" + (" (all-ones input)" if name == "synflow" else "")]
        else:
            needs = []
        if name in MODEL_NEEDS:
            needs.append(MODEL_NEEDS[name])
        rows.append(dict(name=name, family=proxy.family, description=proxy.description,
                         needs="; ".join(needs), sign=1,
                         relative_cost=RELATIVE_COST.get(proxy.family, float("nan")),
                         cost_note=_COST_NOTES.get(proxy.family,
                                                   "data/timing/nb201-cifar10-cpu.csv"),
                         variants=",".join(fam.variants), kind=fam.kind))
    for name, (parts, desc) in SET_PROXIES.items():
        rows.append(dict(name=name, family="set", description=desc,
                         needs="scores of " + ", ".join(parts) + " over a set of architectures",
                         sign=1, relative_cost=RELATIVE_COST.get("tenas", float("nan")),
                         cost_note="its parts' cost", variants="aznas", kind="set"))
    return pd.DataFrame(rows)


NEEDS_ORDER = ("noise", "noise2", "data", "data2", "labels")
