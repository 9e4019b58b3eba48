"""The paper's comparisons of training-free methods (Tables 1 and 5, Figures 1, 4, 6 and 7):
the methods and their inputs, documented samples, correlations with CIs, runtimes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aznas_core import aggregate, metrics
from aznas_core.report.common import DATASETS

#: The substitute for the real training images the authors fed some proxies (none exist offline).
SUBSTITUTE = "Synthetic CIFAR-10 (substitute for real images)"


@dataclass(frozen=True)
class Method:
    """A row of the paper's Table 1: registry proxies, how they are combined ('-' = the raw
    score of a single proxy), and which input the proxies saw here."""

    label: str
    proxies: tuple[str, ...]
    aggregation: str = "-"
    input: str = "Gaussian"

    @property
    def runs_network(self) -> bool:
        """Whether scoring runs a network (so it has a runtime to time), rather than reading
        only the architecture (#Params, FLOPs: closed form, microseconds)."""
        from aznas_core.proxies import FAMILIES, PROXIES

        return any(FAMILIES[PROXIES[p].family].kind == "network" for p in self.proxies)


TABLE1_METHODS = [
    Method("#Params", ("params",), input="none (architecture)"),
    Method("FLOPs", ("complexity",), input="none (architecture)"),
    Method("GradNorm", ("grad_norm",)),
    Method("Grasp", ("grasp",), input=SUBSTITUTE),
    Method("Snip", ("snip",), input=SUBSTITUTE),
    Method("Synflow", ("synflow",), input="all-ones image"),
    Method("NASWOT", ("naswot",)),
    Method("TE-NAS", ("ntk", "linear_region"), "linear",  # rank sum, as the authors' notebook
           input=f"NTK: {SUBSTITUTE}; regions: Gaussian"),
    Method("ZenNAS", ("zen",)),
    Method("GradSign", ("gradsign",), input=SUBSTITUTE),
    Method("ZiCo", ("zico",), input=SUBSTITUTE),
    Method("AZ-NAS", ("expressivity", "progressivity", "trainability", "complexity"), "nonlinear"),
]


#: Below this many cached architectures a method's row stays empty: a cache fills in benchmark-
#: index order, so a small partial cache is not a random sample and its tau would mislead.
MIN_ARCHS = 1000

#: The documented NAS-Bench-201 samples a sweep covers (`benchmarks.nb201.fixed_sample`, all
#: nested; 1,042 = the archs of Fig. 4), largest first, ending with the whole space's 15,625.
SAMPLE_SIZES = (5000, 3000, 1042, 600, 300)


def documented_sample(frame: pd.DataFrame, proxies, cached=None) -> tuple[pd.DataFrame, int]:
    """The rows of `frame` (NAS-Bench-201, an `index` column) inside the largest documented
    sample on which every one of `proxies` is cached, and that sample's size (all 15,625, one
    of `SAMPLE_SIZES`, or 0 with no rows). A sweep fills its sample in benchmark-index order,
    so a half-filled sample is not a random one; the largest complete sample is. `cached`:
    the indices known to be cached; by default the rows where every proxy is non-NaN, which
    counts a cached NaN score (jacob_cov's constant cells) as missing, so pass the rows of
    `sweep.scores` for a proxy that can score NaN."""
    from aznas_core.benchmarks.nb201 import fixed_sample
    from aznas_core.spaces.nb201 import N_ARCHS

    proxies = list(proxies)
    if not set(proxies) <= set(frame.columns):
        return frame.iloc[:0], 0
    cached = set(frame.dropna(subset=proxies)["index"] if cached is None else cached)
    if len(cached) == N_ARCHS:
        return frame, N_ARCHS
    for n in SAMPLE_SIZES:
        sample = set(fixed_sample(n))
        if sample <= cached:
            return frame[frame["index"].isin(sample)], n
    return frame.iloc[:0], 0


def proxy_correlations(datasets=DATASETS, resolutions=(32, 16), n_boot: int = 200,
                       seed: int = 0, proxies=None, **config) -> pd.DataFrame:
    """Every registered per-architecture proxy against each dataset's test accuracy: KT and
    SPR (NaN scores ranked lowest) with a 95% bootstrap CI for KT, on the largest documented
    sample its cache covers (`documented_sample`, a cached NaN counted as cached). For
    ImageNet16-120, the one of `resolutions` whose cache covers the largest documented
    sample, the first on a tie (32x32 first: the size the paper's numbers match), so a sweep
    filling a new resolution does not shrink a row's sample; architecture proxies have no
    resolution. One row per
    (proxy, dataset); n_archs 0 where nothing is cached. `proxies`: a subset of the registry
    (default: all). `config`: further `sweep.scores` options (init, batch_size, variant,
    root, ...)."""
    from aznas_core import sweep
    from aznas_core.proxies import FAMILIES, PROXIES
    from aznas_core.spaces.nb201 import N_ARCHS

    rows = []
    for p in proxies or PROXIES:
        proxy = PROXIES[p]
        for d in datasets:
            row = dict(proxy=p, family=proxy.family, dataset=d, resolution=None, n_archs=0,
                       n_nan=0, KT=np.nan, KT_low=np.nan, KT_high=np.nan, SPR=np.nan)
            architecture = FAMILIES[proxy.family].kind == "architecture"
            best = (0, None, None)  # (documented sample, resolution, its rows)
            for r in [None] if architecture or d != "ImageNet16-120" else resolutions:
                try:
                    f = sweep.scores(dataset=d, proxies=[p], resolution=r, **config)
                except (ValueError, RuntimeError):  # not cached at this resolution
                    continue
                f, n = documented_sample(f, [p], cached=f["index"])
                if n > best[0]:
                    best = (n, r, f)
                if n == N_ARCHS:  # a later resolution can only tie
                    break
            n, r, f = best
            if n:
                g = sweep.with_ground_truth(f, d)
                s, t = g[p].to_numpy(), g["acc"].to_numpy()
                lo, hi = metrics.bootstrap_ci(s, t, n_boot=n_boot, seed=seed) if n_boot else (np.nan,) * 2
                native = 16 if d == "ImageNet16-120" else 32
                row.update(resolution=None if architecture else r or native, n_archs=len(g),
                           n_nan=int(np.isnan(s).sum()), KT=metrics.kendall_tau(s, t), KT_low=lo,
                           KT_high=hi, SPR=metrics.spearman_rho(s, t))
            rows.append(row)
    return pd.DataFrame(rows)


def method_rows(frame: pd.DataFrame, method: Method, truth: str = "acc", n_boot: int = 50,
                seed: int = 0, min_archs: int = MIN_ARCHS) -> list[dict]:
    """KT, SPR (with percentile bootstrap CIs) and 'Acc.' of one method on `frame` (its
    proxies and `truth` as columns). 'Acc.' follows the paper (`metrics.paper_acc`) when the
    frame holds all 15,625 architectures, else the scaled `metrics.pool_acc` on the subset;
    `std` is the sample std over the 5 runs. Rows: dict(metric, reproduced, ci_low,
    ci_high, std, n_archs). With fewer than `min_archs` architectures the values are NaN
    (not yet computed) and `n_archs` says how many are cached."""
    from aznas_core.spaces.nb201 import N_ARCHS

    if len(frame) < min_archs:
        return [dict(metric=m, reproduced=np.nan, ci_low=np.nan, ci_high=np.nan, std=np.nan,
                     n_archs=len(frame)) for m in ("KT", "SPR", "Acc")]
    s = aggregate.aggregate(frame, list(method.proxies), method.aggregation).to_numpy()
    t = frame[truth].to_numpy()
    rows = []
    for name, fn in (("KT", metrics.kendall_tau), ("SPR", metrics.spearman_rho)):
        lo, hi = metrics.bootstrap_ci(s, t, fn, n_boot=n_boot, seed=seed) if n_boot else (np.nan,) * 2
        rows.append(dict(metric=name, reproduced=fn(s, t), ci_low=lo, ci_high=hi, std=np.nan))
    acc = metrics.paper_acc if len(frame) == N_ARCHS else metrics.pool_acc
    mean, std, _ = acc(frame, list(method.proxies), truth, method.aggregation)
    rows.append(dict(metric="Acc", reproduced=mean, ci_low=np.nan, ci_high=np.nan, std=std))
    return [dict(r, n_archs=len(frame)) for r in rows]


def pair_nonlinear_kendall(frame: pd.DataFrame, columns, truth: str = "acc") -> pd.DataFrame:
    """Kendall tau against `truth` of every pair of proxies combined by the non-linear
    aggregation (Eq. 12, within `frame`); the diagonal is the single proxy's raw score.
    The paper's Figure 7 (rows and columns in the order of `columns`)."""
    columns = list(columns)
    t = frame[truth].to_numpy()
    out = pd.DataFrame(np.nan, index=columns, columns=columns)
    for i, a in enumerate(columns):
        out.loc[a, a] = metrics.kendall_tau(frame[a], t)
        for b in columns[i + 1:]:
            out.loc[a, b] = out.loc[b, a] = metrics.kendall_tau(
                aggregate.nonlinear(frame, [a, b]), t)
    return out


def pair_difference_ci(frame: pd.DataFrame, first, second, truth: str = "acc",
                       n_boot: int = 200, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """How far apart two cells of `pair_nonlinear_kendall` really are: tau(first) - tau(second)
    on `frame`, each a pair of proxies combined by Eq. 12 (a pair (a, a) is a's raw score), and
    a paired percentile-bootstrap CI of that difference (both taus on the same resampled
    architectures, aggregated within each resample). Returns (difference, low, high)."""
    def tau(f, pair):
        a, b = pair
        s = f[a] if a == b else aggregate.nonlinear(f, [a, b])
        return metrics.kendall_tau(s, f[truth])

    def diff(f):
        return tau(f, first) - tau(f, second)

    lo, hi = metrics.percentile_bootstrap(
        lambda idx: diff(frame.iloc[idx].reset_index(drop=True)), len(frame), n_boot, level, seed)
    return float(diff(frame)), lo, hi


def ms_per_arch(cache: pd.DataFrame, proxies) -> float:
    """Mean milliseconds per architecture of the scoring passes that produced `proxies`,
    from a sweep cache in long format (`sweep.read_cache`: one row per (arch, proxy) with
    the `seconds` of the family's pass, which covers every proxy of that pass). Passes of
    different families add up. NaN when none of them is cached."""
    rows = cache[cache["proxy"].isin(list(proxies))]
    if rows.empty:
        return float("nan")
    per_pass = rows.drop_duplicates(["arch", "seconds"])  # one row per (arch, pass)
    return float(1000 * per_pass.groupby("arch")["seconds"].sum().mean())


def cached_scores(dataset: str, proxies, **config) -> tuple[pd.DataFrame, list[str]]:
    """Whatever of `proxies` the sweep cache holds for `dataset` (`sweep.scores` with
    `config`: resolution, init, seed, ...), one row per architecture that has at least one
    of them (a proxy's column is NaN where that proxy is not cached), and the list of proxies
    with no cached score at all (or not in the registry yet): those are reported as missing,
    never filled in. Proxies of one family are read together when they cover the whole
    space (one read of the cache), else one at a time (`sweep.scores` keeps only the
    architectures having every proxy asked for)."""
    from aznas_core import sweep
    from aznas_core.proxies import PROXIES
    from aznas_core.spaces import get_space

    n_all = get_space(config.get("space", "nb201")).N_ARCHS
    families: dict[str, list[str]] = {}
    for p in proxies:
        families.setdefault(getattr(PROXIES.get(p), "family", p), []).append(p)

    def read(ps):
        try:
            return sweep.scores(dataset=dataset, proxies=ps, **config)
        except (ValueError, RuntimeError):  # unknown or not cached
            return None

    frames, absent = [], []
    for group in families.values():
        f = read(group)
        if f is not None and (len(f) == n_all or len(group) == 1):
            frames.append(f)
            continue
        for p in group if len(group) > 1 else []:
            g = read([p])
            (frames.append(g) if g is not None else absent.append(p))
        if len(group) == 1:
            absent.extend(group)
    if not frames:
        return pd.DataFrame(columns=["index", "arch"]), absent
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on=["index", "arch"], how="outer", validate="one_to_one")
    return out.sort_values("index", ignore_index=True), absent


def timed_ms_per_arch(method: str, name: str = "nb201-cifar10-cpu") -> tuple[float, float, int]:
    """(mean, sample std, architectures) ms per architecture of a Table 1 `method` from the
    committed same-run timing `data/timing/<name>.csv` (`bench.methods`: every method on the
    same architectures in one interleaved run); NaNs and 0 where it was not timed. Runtimes
    compare only within one such run: sweep caches' `seconds` come from different sessions."""
    from aznas_core import bench

    t, _ = bench.read_timing(name)
    ms = t.loc[t["method"] == method, "ms"] if t is not None else pd.Series(dtype=float)
    if ms.empty:
        return float("nan"), float("nan"), 0
    return float(ms.mean()), float(ms.std()), int(ms.size)


#: The proxies the authors fed real training images (PROTOCOLS.md §0, `real_input_metrics`:
#: Grasp, Snip, TE-NAS's NTK and its linear regions, read as one family, GradSign, ZiCo), and
#: the input our pages read them on: the natural images, the source closest to the paper's.
REAL_INPUT_PROXIES = ("grasp", "snip", "ntk", "linear_region", "gradsign", "zico")
REAL_INPUT = "natural"


def real_input_columns(frame: pd.DataFrame, dataset: str, proxies, source: str = REAL_INPUT,
                       resolution: int | None = None, min_archs: int = 1042,
                       **config) -> tuple[pd.DataFrame, dict]:
    """`frame` with the real-input ones of `proxies` (`REAL_INPUT_PROXIES`, one family at a
    time) read on `source` wherever that cache covers a documented sample of at least
    `min_archs` architectures, and only on that sample (a smaller one stays on the substitute,
    and the rest of a cache still filling is left out: a sweep fills in index order). Returns
    (frame, {proxy: source} for every proxy moved). 'synthetic_cifar10' (the sweeps' default
    source) moves nothing."""
    from aznas_core.proxies import PROXIES

    moved: dict[str, str] = {}
    if source == "synthetic_cifar10":
        return frame, moved
    groups: dict[str, list[str]] = {}
    for p in proxies:
        if p in REAL_INPUT_PROXIES and p in PROXIES:
            groups.setdefault(PROXIES[p].family, []).append(p)
    for ps in groups.values():
        other, absent = cached_scores(dataset, ps, resolution=resolution, inputs=source, **config)
        if absent or other.empty:
            continue
        covered, n = documented_sample(other, ps, other.dropna(subset=ps, how="all")["index"])
        if n < min_archs:
            continue
        frame = frame.drop(columns=[p for p in ps if p in frame.columns]).merge(
            covered[["index", *ps]], on="index", how="left", validate="one_to_one")
        moved.update({p: source for p in ps})
    return frame, moved


def comparison_frame(dataset: str, proxies, resolution: int | None = None,
                     fallback: int | None = None, real_input: str = REAL_INPUT,
                     **config) -> tuple[pd.DataFrame, dict]:
    """Cached scores of `proxies` for `dataset` joined to its ground truth (`acc`), network
    proxies at `resolution` (None: the dataset's own). With a `fallback` resolution, a
    family's proxies are read from there instead when its cache there covers a larger
    documented sample (`documented_sample`) than at `resolution`: a proxy cached only at the
    fallback, and one whose sweep at `resolution` is still filling the nested samples, keep
    their larger sample until the new one overtakes it. Returns (frame, {proxy: resolution
    it was read at}); a proxy cached nowhere is in neither (see `cached_scores`).
    Architecture proxies get the dataset's own resolution. The real-input proxies are read on
    `real_input` where it covers the 1,042 (`real_input_columns`; the frame's
    `attrs["inputs"]` names them), at the resolution asked for."""
    from aznas_core import sweep
    from aznas_core.proxies import FAMILIES, PROXIES
    from aznas_core.spaces import get_space

    space = get_space(config.get("space", "nb201"))
    native = space.DATASETS[dataset]["resolution"]
    res = resolution or native
    frame, absent = cached_scores(dataset, proxies, resolution=res, **config)
    used = {p: native if FAMILIES[PROXIES[p].family].kind == "architecture" else res
            for p in proxies if p not in absent}
    if not fallback or fallback == res:
        return _with_real_input(frame, dataset, proxies, res, real_input, used, config)
    groups: dict[str, list[str]] = {}
    for p in proxies:
        if p in PROXIES and FAMILIES[PROXIES[p].family].kind == "network":
            groups.setdefault(PROXIES[p].family, []).append(p)

    def coverage(f, group):  # a cached NaN score counts as cached (any of the group present)
        if f.empty or not set(group) <= set(f.columns):
            return 0
        return documented_sample(f, group, f.dropna(subset=group, how="all")["index"])[1]

    here = {fam: coverage(frame, g) for fam, g in groups.items()}
    unsure = [p for fam, g in groups.items() if here[fam] < space.N_ARCHS for p in g]
    if not unsure:
        return _with_real_input(frame, dataset, proxies, res, real_input, used, config)
    alt, _ = cached_scores(dataset, unsure, resolution=fallback, **config)
    move = [p for fam, g in groups.items() if here[fam] < space.N_ARCHS
            and coverage(alt, g) > here[fam] for p in g]
    if move:
        frame = frame.drop(columns=[p for p in move if p in frame.columns])
        frame = frame.merge(alt[["index", "arch", *move]], on=["index", "arch"], how="outer")
        frame = frame.dropna(subset=[c for c in frame.columns if c not in ("index", "arch")],
                             how="all").sort_values("index", ignore_index=True)
        used.update({p: fallback for p in move})
    return _with_real_input(frame, dataset, proxies, res, real_input, used, config)


def _with_real_input(frame, dataset, proxies, resolution, source, used, config):
    from aznas_core import sweep

    frame, moved = real_input_columns(frame, dataset, proxies, source, resolution, **config)
    used.update({p: resolution for p in moved})  # read at the resolution asked, not a fallback
    frame = sweep.with_ground_truth(frame, dataset)
    frame.attrs["inputs"] = moved
    return frame, used


#: The proxies of the paper's Figures 6 and 7: Table 1's single-proxy methods (TE-NAS as its
#: rank sum) and the four AZ-NAS proxies on their own.
FIGURE_METHODS = [m for m in TABLE1_METHODS if m.label not in ("FLOPs", "AZ-NAS")] + [
    Method("s^E", ("expressivity",)), Method("s^P", ("progressivity",)),
    Method("s^T", ("trainability",)), Method("s^C", ("complexity",), input="none (architecture)"),
]


def method_scores(frame: pd.DataFrame, methods, truth: str = "acc",
                  min_archs: int = MIN_ARCHS) -> pd.DataFrame:
    """One column per method (its score: a raw proxy, or its proxies aggregated within the
    rows kept), plus `index` and `truth`, over the architectures that have every proxy of
    every method cached. Methods with a proxy missing from `frame`, or cached on fewer than
    `min_archs` architectures (a sweep still filling), are left out, so one partial cache
    cannot shrink every other method's sample (the caller lists them as not cached)."""
    methods = [m for m in methods if set(m.proxies) <= set(frame.columns)
               and len(frame.dropna(subset=list(m.proxies))) >= min_archs]
    needed = list(dict.fromkeys(p for m in methods for p in m.proxies))
    f = frame.dropna(subset=needed).reset_index(drop=True)
    out = pd.DataFrame({m.label: aggregate.aggregate(f, list(m.proxies), m.aggregation).to_numpy()
                        for m in methods})
    out.insert(0, "index", f["index"].to_numpy())
    out[truth] = f[truth].to_numpy()
    return out


def claim_row(claim: str, needs, available, test) -> dict:
    """One row of a figure's claims file. When every label of `needs` is in `available`,
    `test()` returns (holds, value, reference, detail); otherwise the claim is not tested
    (`holds` empty, so the status page says 'in progress' instead of judging the claim on
    part of its data) and `detail` names what is missing."""
    missing = [n for n in dict.fromkeys(needs) if n not in set(available)]
    if missing:
        return dict(claim=claim, holds=None, value=np.nan, reference=np.nan,
                    detail="not yet cached: " + ", ".join(missing))
    holds, value, reference, detail = test()
    return dict(claim=claim, holds=bool(holds), value=float(value), reference=float(reference),
                detail=detail)
