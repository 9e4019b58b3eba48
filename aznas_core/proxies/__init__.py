"""The one registry of zero-cost proxies.

Interface
---------
A *family* is the set of proxies that come out of one computation (AZ-NAS's E, P and T
share one forward and backward; one labelled forward and backward gives grad_norm, snip,
plain, fisher and jacob_cov). Each family lives in its own module of this package and
registers itself where it is defined; the package imports every module in it, so adding a
family means adding a file::

    @register_family(
        "naswot",
        proxies={"naswot": "log|det K| of the ReLU-code kernel (Gaussian input)"},
        inputs={"naswot": "noise"},              # per proxy: what the batch must carry
        init={"aznas": "kaiming_fan_in"},        # per variant: the authors' init
    )
    def naswot_family(model, batch, cfg, proxies) -> dict[str, float]: ...

The function is MODEL-LEVEL: it receives an initialised `nn.Module` (train mode, on
`cfg.device`), a `Batch` and the `Config`, and returns {proxy: value} (it may return more
proxies than asked). It never builds networks or draws weights, so the same code scores a
user's own model (`aznas_core.model`). Declarations:

* ``inputs``: per proxy (optionally per variant, ``{"aznas": ..., "zc": ...}``) a set of
  ``noise`` (a Gaussian batch, the AZ-NAS harness's randn), ``noise2`` (a second one),
  ``data`` (a batch of ``cfg.inputs``: images the authors took from the training set),
  ``data2`` (a second such batch), ``labels`` (``data`` must be labelled: a clear error
  for an unlabelled source), or nothing (``ones`` inputs, weights only).
* ``init``: per variant, the initialisation the authors' code applies before scoring
  (`aznas_core.initialization`); ``cfg.init``, when given, overrides it.
* ``reads_classifier``: whether values depend on the classifier size (the dataset), not
  only on the input resolution. ``batch_free``: whether the batch size is irrelevant.
* ``prune``: whether the space may skip dead edges, only where values provably do not
  change (AZ-NAS; synflow, GRASP, GradSign, ZiCo: dead edges' conv weights get exactly zero
  gradients; l2_norm: skipped edges keep their weights). Families reading ReLU codes or BN
  statistics of every op (NASWOT, Zen, TE-NAS), or BN parameters' gradients (the harness's
  grad_norm), see every op, as the authors' network.

`score(arch, proxies, config)` builds the space's network, initialises it as the family
says with weights seeded per (config, architecture), makes the batch (`aznas_core.inputs`,
seeded likewise), runs each needed family once, single-threaded (bit-reproducible), and
returns the requested values. `Config` is the ONE configuration type: `score`, the sweep's
cache key (`Family.identity`: only the fields a family's values depend on) and the cache
readers all use it.

Variants: ``aznas`` = as the AZ-NAS authors' harness computes each proxy
(PROTOCOLS.md A); ``zc`` = as zero-cost-nas / NASLib (the blog's frameworks) compute it
(PROTOCOLS.md B): PyTorch default init, data inputs, their reductions.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import math
import pkgutil
from dataclasses import dataclass, field, fields
from typing import Callable

import torch

from aznas_core import inputs as _inputs
from aznas_core.initialization import check_init, initialize
from aznas_core.spaces import available as available_spaces, get_space

VARIANTS = ("aznas", "zc")
NEEDS = frozenset({"noise", "noise2", "data", "data2", "labels"})


@dataclass(frozen=True)
class Config:
    """Everything besides the architecture that determines a score.

    init: None = each family's protocol init (AZ-NAS: kaiming_fan_in); a scheme name
    overrides it. inputs: the source of the batches the authors took from the training set
    (`aznas_core.inputs.SOURCES`). variant: 'aznas' (the AZ-NAS harness) or 'zc'
    (zero-cost-nas / NASLib). resolution: None = the dataset's own input size.
    """

    space: str = "nb201"
    dataset: str = "cifar10"
    batch_size: int = 64
    init: str | None = None
    seed: int = 0
    resolution: int | None = None
    inputs: str = "synthetic_cifar10"
    variant: str = "aznas"
    device: str = "cpu"

    def __post_init__(self):
        space = get_space(self.space)
        if not hasattr(space, "check_dataset"):  # MobileNetV2, AutoFormer: search-only spaces
            cells = [n for n in available_spaces() if hasattr(get_space(n), "check_dataset")]
            raise ValueError(f"space {self.space!r} has no enumerable architectures to score by "
                             f"string: search it with `aznas search --space {self.space}` (or "
                             f"score its networks with `aznas_core.score_model`); `score` and "
                             f"`sweep` take the cell spaces {cells}")
        space.check_dataset(self.dataset)
        if self.init is not None:
            check_init(self.init)
        if int(self.batch_size) < 2:
            raise ValueError(f"batch_size must be at least 2, got {self.batch_size}")
        if self.resolution is not None and int(self.resolution) < 1:
            raise ValueError(f"resolution must be a positive input size (or None for the "
                             f"dataset's own), got {self.resolution}")
        _inputs.check_source(self.inputs)
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown proxy variant {self.variant!r}; expected one of "
                             f"{list(VARIANTS)}")
        try:
            dev = torch.device(self.device)
        except (RuntimeError, TypeError) as e:
            raise ValueError(f"unknown device {self.device!r} ({e})") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {self.device!r} requested but CUDA is not available")

    @property
    def input_resolution(self) -> int:
        return self.resolution or get_space(self.space).DATASETS[self.dataset]["resolution"]

    @property
    def num_classes(self) -> int:
        return get_space(self.space).DATASETS[self.dataset]["num_classes"]

    def key(self, family: str = "aznas") -> str:
        """The cache directory name of `family`'s scores under this configuration."""
        return FAMILIES[family].key(self)

    def directory(self, root=None, family: str = "aznas"):
        from aznas_core.sweep import cache_dir

        return cache_dir(self, family, root)


def arch_seed(seed: int, arch: str, stream: str) -> int:
    """A stable hash of (seed, arch, stream): any subset of a sweep can be computed in any
    order, process or machine with identical results. Separate streams for the input, the
    weights and the gradients keep the input and the block weights independent of the
    classifier size, so one 32x32 sweep serves CIFAR-10 and CIFAR-100 exactly."""
    digest = hashlib.sha256(f"{int(seed)}|{arch}|{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def _generator(seed: int, arch: str, stream: str) -> torch.Generator:
    return torch.Generator().manual_seed(arch_seed(seed, arch, stream))


@contextlib.contextmanager
def single_threaded():
    """Run torch single-threaded inside the block. oneDNN's reduction order depends on the
    thread count, and trainability inherits the difference (about 1e-4 relative), so fixing
    the count makes every score bit-reproducible on a given build; parallelism comes from
    one process per core instead (see `aznas_core.sweep`)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def forward_with_relu_hooks(model, x: torch.Tensor, hook) -> None:
    """One no-grad forward of `model` on `x` with `hook(module, args, out)` on every
    `nn.ReLU`: NASWOT's kernel and TE-NAS's linear regions both read ReLU activation codes."""
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, torch.nn.ReLU)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()


# --------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------
@dataclass
class Batch:
    """What a model-level family function reads. Fields it did not declare are None.

    noise, noise2: Gaussian batches (B, 3, R, R); x, y, x2, y2: batches of the configured
    input source (labels None when unlabelled); `generator(stream)` gives further seeded
    randomness (Rademacher vectors, random labels); `pre_gap`: the module whose input is the
    feature map before global pooling (Zen).
    """

    noise: torch.Tensor | None = None
    noise2: torch.Tensor | None = None
    x: torch.Tensor | None = None
    y: torch.Tensor | None = None
    x2: torch.Tensor | None = None
    y2: torch.Tensor | None = None
    seed: int = 0
    arch: str = ""
    pre_gap: str = "pool"
    device: str = "cpu"

    def generator(self, stream: str) -> torch.Generator:
        return _generator(self.seed, self.arch, stream)

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
        noise = lambda s: torch.randn(b, 3, r, r, generator=_generator(cfg.seed, arch, s))  # noqa: E731
        data = lambda part: _inputs.make_batch(  # noqa: E731
            cfg.inputs, b, r, cfg.num_classes,
            _generator(cfg.seed, arch, _inputs.stream(cfg.inputs, part)),
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


# --------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------
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
        if self.reads_classifier:
            ident["dataset"] = cfg.dataset
        if self.needs(cfg) & {"data", "data2", "labels"}:
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


# The AZ-NAS family (its math: proxies/aznas.py) and the architecture family (closed form).
@register_family(
    "aznas",
    proxies={
        "expressivity": "AZ-NAS s^E: summed entropy of block PCA spectra",
        "progressivity": "AZ-NAS s^P: min increase of block expressivity",
        "trainability": "AZ-NAS s^T: mean -sigma-1/sigma+2 of block Jacobians",
    },
    inputs={p: {"noise"} for p in ("expressivity", "progressivity", "trainability")},
    init={"aznas": "kaiming_fan_in"},
    prune=True,
    legacy_layout=True,
)
def aznas_family(model, batch: Batch, cfg: Config, proxies=None) -> dict[str, float]:
    from aznas_core.proxies.aznas import aznas_scores

    return aznas_scores(model, batch.noise, generator=batch.generator("gradients"))


def _architecture_family(arch: str, cfg: Config) -> dict[str, float]:
    """The space's own counts; `flops_legacy` exists only where the space has a second,
    legacy FLOPs convention (NB201: `costs()[2]`, flagged by `HAS_LEGACY_FLOPS`)."""
    space = get_space(cfg.space)
    flops, params, *extra = space.costs(arch, cfg.dataset)
    legacy = extra[0] if getattr(space, "HAS_LEGACY_FLOPS", False) else math.nan
    return {"complexity": flops, "flops": flops, "params": params, "flops_legacy": legacy}


register_family(
    "architecture",
    proxies={
        "complexity": "AZ-NAS s^C: MFLOPs as the authors count them (NATS API: conv + linear MACs)",
        "flops": "MFLOPs, NATS-Bench API convention (= complexity)",
        "params": "M parameters as the benchmark reports them",
        "flops_legacy": "MFLOPs, legacy NAS-Bench-201 count (adds pooling, BatchNorm, an offset)",
    },
    kind="architecture",
    reads_classifier=True,
)(_architecture_family)

AZNAS = ("expressivity", "progressivity", "trainability", "complexity")


def _import_families() -> None:
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not m.name.startswith("_"):
            importlib.import_module(f"{__name__}.{m.name}")


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------
def check_proxies(proxies, cfg: Config | None = None) -> tuple[str, ...]:
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
    unknown = [p for p in proxies if p not in PROXIES]
    if unknown or not proxies:
        raise ValueError(f"unknown proxy {unknown or proxies}; available: {sorted(PROXIES)}")
    if cfg is not None:
        for p in proxies:
            fam = FAMILIES[PROXIES[p].family]
            if "labels" in fam.needs(cfg, [p]) and not _inputs.is_labelled(cfg.inputs):
                raise ValueError(
                    f"proxy {p!r} needs labels, but input source {cfg.inputs!r} has none; "
                    f"use a labelled source: "
                    f"{[s for s in _inputs.SOURCES if _inputs.is_labelled(s)]}")
    return proxies


def families_of(proxies) -> dict[str, tuple[str, ...]]:
    """{family: its requested proxies}, in first-request order."""
    out: dict[str, list[str]] = {}
    for p in proxies:
        out.setdefault(PROXIES[p].family, []).append(p)
    return {f: tuple(ps) for f, ps in out.items()}


def build_for(family: str, arch: str, cfg: Config):
    """The family's network for `arch`, initialised as it says (seeded per arch), on CPU."""
    fam = FAMILIES[family]
    model = get_space(cfg.space).build(arch, cfg.dataset, prune=fam.prune)
    initialize(model, fam.init_scheme(cfg), generator=_generator(cfg.seed, arch, "weights"))
    return model.train()


def score_family(family: str, arch: str, cfg: Config, proxies=None) -> dict[str, float]:
    """One family's pass on one architecture (single-threaded; see `single_threaded`)."""
    fam = FAMILIES[family]
    if fam.kind == "architecture":
        return fam.fn(arch, cfg)
    with single_threaded():
        model = build_for(family, arch, cfg).to(cfg.device)
        batch = Batch.for_arch(arch, cfg, fam.needs(cfg, proxies)).to(cfg.device)
        # channels-last: 2-3x faster for these small convolutions on CPU (a different, fixed
        # summation order; scores stay bit-reproducible)
        model, batch = model.to(memory_format=torch.channels_last), batch.channels_last()
        return fam.fn(model, batch, cfg, tuple(proxies or fam.proxies))


def score(arch: str, proxies=AZNAS, config: Config | None = None, **config_kwargs) -> dict:
    """Score one architecture; returns {proxy: value} for the requested proxies.

    `config_kwargs` (space, dataset, batch_size, init, seed, resolution, inputs, variant,
    device) build a `Config`. The result depends only on (arch, config): the same call gives
    the same numbers. Each family runs once however many of its proxies are asked for.
    """
    if config is not None and config_kwargs:
        raise ValueError(f"pass either config= or configuration keywords, not both "
                         f"(got {sorted(config_kwargs)} besides config=)")
    cfg = config or Config(**config_kwargs)
    arch = get_space(cfg.space).validate(arch)
    proxies = check_proxies(proxies, cfg)
    values: dict[str, float] = {}
    for family, ps in families_of(proxies).items():
        values.update(score_family(family, arch, cfg, ps))
    return {p: values[p] for p in proxies}


_import_families()
