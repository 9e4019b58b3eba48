"""Helpers shared by the notebooks: proxy combinations, reported-vs-reproduced tables,
result files, and the registry of every table and figure (the book's status page).

No plotting state lives here; notebooks draw their own figures from these frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core import aggregate, metrics
from aznas_core.data import PROJECT_ROOT
from aznas_core.spaces.nb201 import DATASETS as _NB201_DATASETS

RESULTS_DIR = PROJECT_ROOT / "results"
DATASETS = tuple(_NB201_DATASETS)
DATASET_TITLES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "IN16-120"}

#: Letters of the paper's proxy symbols (s^E, s^P, s^T, s^C).
PROXY_LETTERS = {"E": "expressivity", "P": "progressivity", "T": "trainability", "C": "complexity"}
AGGREGATIONS = {"NL": "nonlinear", "L": "linear"}


def parse_combination(label: str) -> tuple[list[str], str]:
    """'E+T+C NL' -> (['expressivity', 'trainability', 'complexity'], 'nonlinear');
    a single proxy ('E') -> (['expressivity'], '-'), its raw score."""
    parts = label.split()
    proxies = [PROXY_LETTERS[x] for x in parts[0].split("+")]
    if len(parts) == 1:
        if len(proxies) != 1:
            raise ValueError(f"{label!r}: several proxies need an aggregation (NL or L)")
        return proxies, "-"
    return proxies, AGGREGATIONS[parts[1]]


def combination_scores(frame: pd.DataFrame, label: str) -> pd.Series:
    proxies, method = parse_combination(label)
    return aggregate.aggregate(frame, proxies, method)


def kendall_table(frames: dict[str, pd.DataFrame], labels, truth: str = "acc",
                  n_boot: int = 100, seed: int = 0) -> pd.DataFrame:
    """Kendall tau (and a bootstrap CI) of each combination label on each dataset's frame
    (scores joined to ground truth in column `truth`). One row per (label, dataset)."""
    rows = []
    for dataset, frame in frames.items():
        for label in labels:
            s = combination_scores(frame, label).to_numpy()
            t = frame[truth].to_numpy()
            lo, hi = metrics.bootstrap_ci(s, t, n_boot=n_boot, seed=seed) if n_boot else (np.nan,) * 2
            rows.append(dict(label=label, dataset=dataset, reproduced=metrics.kendall_tau(s, t),
                             ci_low=lo, ci_high=hi, n_archs=len(frame)))
    return pd.DataFrame(rows)


def compare(reported: pd.DataFrame, reproduced: pd.DataFrame,
            on=("label", "dataset")) -> pd.DataFrame:
    """Join reported values (column `value`) and reproduced ones; add `delta` = ours - theirs."""
    rep = reported[[*on, "row", "value"]].rename(columns={"value": "reported"})
    out = rep.merge(reproduced, on=list(on), how="outer", validate="one_to_one")
    out["delta"] = out["reproduced"] - out["reported"]
    return out


def write_results(frame: pd.DataFrame, name: str, results_dir: Path | None = None,
                  float_format: str = "%.4f") -> tuple[Path, Path]:
    """Write `results/<name>.csv` and `results/<name>.md`; returns both paths."""
    d = Path(results_dir or RESULTS_DIR)
    d.mkdir(parents=True, exist_ok=True)
    csv, md = d / f"{name}.csv", d / f"{name}.md"
    frame.to_csv(csv, index=False, float_format=float_format)
    md.write_text(frame.to_markdown(index=False, floatfmt=".3f") + "\n")
    return csv, md


# --------------------------------------------------------------------------------------
# The registry of every table and figure (TARGETS.md), rendered on the book's landing page
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    id: str
    document: str  # "AZ-NAS" or "Blog"
    what: str
    notebook: str
    tolerance: float | None = None  # max |delta| for "reproduced"; None: qualitative
    result: str | None = None  # results/<result>.csv with a `delta` column, once built
    #   (a figure's file has a boolean `holds` column instead: one row per claim checked)
    kind: str = "reproduced"  # "reported": inputs unobtainable; its notebook shows the numbers
    #   "search": a scaled search (TARGETS.md: the architectures found, within budget, and the
    #   search cost); its notebook asserts the budgets, so a built one is 'reproduced (scaled)'


TARGETS = [
    Target("P-T4", "AZ-NAS", "Ablation: 14 proxy/aggregation combinations x 3 datasets (KT)",
           "table4.ipynb", 0.02, "table4"),
    Target("P-T1", "AZ-NAS", "Training-free NAS methods on NB201: KT, SPR, Acc., runtime",
           "table1.ipynb", 0.02, "table1"),
    Target("P-T5", "AZ-NAS", "AZ-NAS proxies added to ZiCo and Synflow", "table5.ipynb", 0.03,
           "table5"),
    Target("P-T8", "AZ-NAS", "Five initialization schemes", "table8.ipynb", 0.02, "table8"),
    Target("P-T9", "AZ-NAS", "Batch sizes 8-128: KT and runtime", "table9.ipynb", 0.02, "table9"),
    Target("P-F1", "AZ-NAS", "KT vs Acc. bubble chart (IN16-120)", "fig1.ipynb", result="fig1"),
    Target("P-F2", "AZ-NAS", "Toy 2-D features: PCs and expressivity", "fig2.ipynb",
           result="fig2"),
    Target("P-F3", "AZ-NAS", "KT between the four AZ-NAS proxies (IN16-120)", "fig3.ipynb",
           result="fig3"),
    Target("P-F4", "AZ-NAS", "Predicted vs true rank for 8 methods", "fig4.ipynb", result="fig4"),
    Target("P-F5", "AZ-NAS", "Proxies and aggregations coloured by AZ-NAS rank", "fig5.ipynb",
           result="fig5"),
    Target("P-F6", "AZ-NAS", "KT among all zero-cost proxies (IN16-120)", "fig6.ipynb",
           result="fig6"),
    Target("P-F7", "AZ-NAS", "KT of every proxy pair under NL aggregation", "fig7.ipynb",
           result="fig7"),
    Target("P-F9", "AZ-NAS", "Top-3 cells per proxy, drawn as DAGs", "fig9.ipynb",
           result="fig9"),
    Target("P-T2", "AZ-NAS", "MobileNetV2 evolutionary search (450M/600M/1000M)", "table2.ipynb",
           result="table2", kind="search"),
    Target("P-T3", "AZ-NAS", "AutoFormer ViT space, Tiny/Small/Base", "table3.ipynb",
           result="table3", kind="search"),
    Target("P-T7", "AZ-NAS", "Search reproducibility over 3 seeds (MobileNetV2)", "table7.ipynb",
           result="table7", kind="search"),
    Target("P-T10", "AZ-NAS", "Trainability targets and training curves (with Fig. 8)",
           "table10.ipynb", kind="reported"),
    Target("P-T6", "AZ-NAS", "NDS (ENAS, Amoeba, NASNet)", "table6.ipynb", kind="reported"),
    Target("B-T3", "Blog", "TransNAS-Bench-101 micro, 4 tasks (Spearman)", "blog_table3.ipynb",
           0.1, "blog_table3"),
    Target("B-T1", "Blog", "NATS-Bench TSS: Spherical CIFAR-100, CIFAR-100, Synthetic CIFAR-10",
           "blog_table1.ipynb", 0.1, "blog_table1"),
    Target("B-T2", "Blog", "DARTS space", "blog_table2.ipynb", kind="reported"),
    Target("B-F3..F6", "Blog", "Rank correlation among all proxy pairs per task",
           "blog_correlations.ipynb", result="blog_correlations"),
    Target("B-T4", "Blog", "Average ranking of each proxy per search space", "blog_table4.ipynb",
           0.5, "blog_table4"),
    Target("B-F7, B-F8", "Blog", "Performance profiles (Dolan-More)", "blog_profiles.ipynb",
           result="blog_profiles"),
    Target("B-F9", "Blog", "Rank correlation vs training epochs", "blog_fig9.ipynb"),
]


def status_table(results_dir: Path | None = None, notebooks_dir: Path | None = None) -> pd.DataFrame:
    """Status of every target, derived from what exists. A target whose notebook and result
    file exist is 'reproduced' when every |delta| is within its tolerance (on all 15,625
    architectures; 'reproduced (scaled)' on fewer), 'partially reproduced' when only some
    cells are, and 'does not reproduce' when none are (a figure: when all, some or none of
    its claims hold); a `kind="reported"` target with its notebook is 'reported';
    everything else is 'not yet built'. Reported cells without a reproduced value yet, or a
    figure's claims with an empty `holds` (not testable yet), make the status 'in progress'. A result file may carry a `tolerance` column (one
    per row, e.g. KT vs Acc. points); rows where it is NaN (runtimes measured on other
    hardware) are shown but not judged."""
    d = Path(results_dir or RESULTS_DIR)
    nb_dir = Path(notebooks_dir or PROJECT_ROOT / "notebooks")
    rows = []
    for t in TARGETS:
        status, largest = "not yet built", np.nan
        if t.kind == "reported" and (nb_dir / t.notebook).is_file():
            status = "reported"
        elif t.kind == "search" and (nb_dir / t.notebook).is_file() and (d / f"{t.result}.csv").is_file():
            status = "reproduced (scaled)"
        elif t.result and (nb_dir / t.notebook).is_file() and (d / f"{t.result}.csv").is_file():
            res = pd.read_csv(d / f"{t.result}.csv")
            pending = 0
            if "delta" in res:
                if "tolerance" in res:  # per-row tolerances; NaN = an informational row
                    res = res[res["tolerance"].notna()]
                if {"reported", "reproduced"} <= set(res.columns):
                    # a reported cell without a reproduced value yet (its cache is still growing)
                    pending = int((res["reported"].notna() & res["reproduced"].isna()).sum())
                    res = res[res["delta"].notna()]
                tol = res["tolerance"] if "tolerance" in res else t.tolerance
                largest = float(res["delta"].abs().max())
                within = (res["delta"].abs() <= tol).mean()
            else:  # a figure: the share of its claims that hold (empty `holds`: not testable yet)
                pending = int(res["holds"].isna().sum())
                res = res[res["holds"].notna()]
                within = res["holds"].astype(str).str.lower().eq("true").mean() if len(res) else 0.0
            full = "n_archs" not in res or bool((res["n_archs"] == res["n_archs"].max()).all()
                                                 and res["n_archs"].max() == 15625)
            if pending and "delta" not in res:
                status = (f"in progress ({pending} of {pending + len(res)} claims not yet testable; "
                          + (f"{within:.0%} of the tested ones hold)" if len(res) else "none tested yet)"))
            elif pending:
                status = (f"in progress ({pending} of {pending + len(res)} cells not yet computed; "
                          f"{within:.0%} of the computed ones within tolerance)")
            elif within == 1.0:
                status = "reproduced" if full else "reproduced (scaled)"
            elif within > 0:
                status = (f"partially reproduced ({within:.0%} of cells within "
                          f"{'their tolerance' if 'tolerance' in res else t.tolerance})"
                          if "delta" in res else f"partially reproduced ({within:.0%} of claims hold)")
            else:
                status = "does not reproduce"
        rows.append(dict(id=t.id, document=t.document, what=t.what, notebook=t.notebook,
                         status=status, largest_delta=largest, tolerance=t.tolerance))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Training-free methods compared (the paper's Tables 1 and 5, Figures 1, 4, 6 and 7)
# --------------------------------------------------------------------------------------
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


def comparison_frame(dataset: str, proxies, resolution: int | None = None,
                     fallback: int | None = None, **config) -> tuple[pd.DataFrame, dict]:
    """Cached scores of `proxies` for `dataset` joined to its ground truth (`acc`), network
    proxies at `resolution` (None: the dataset's own). With a `fallback` resolution, a
    family's proxies are read from there instead when its cache there covers a larger
    documented sample (`documented_sample`) than at `resolution`: a proxy cached only at the
    fallback, and one whose sweep at `resolution` is still filling the nested samples, keep
    their larger sample until the new one overtakes it. Returns (frame, {proxy: resolution
    it was read at}); a proxy cached nowhere is in neither (see `cached_scores`).
    Architecture proxies get the dataset's own resolution."""
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
        return sweep.with_ground_truth(frame, dataset), used
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
        return sweep.with_ground_truth(frame, dataset), used
    alt, _ = cached_scores(dataset, unsure, resolution=fallback, **config)
    move = [p for fam, g in groups.items() if here[fam] < space.N_ARCHS
            and coverage(alt, g) > here[fam] for p in g]
    if move:
        frame = frame.drop(columns=[p for p in move if p in frame.columns])
        frame = frame.merge(alt[["index", "arch", *move]], on=["index", "arch"], how="outer")
        frame = frame.dropna(subset=[c for c in frame.columns if c not in ("index", "arch")],
                             how="all").sort_values("index", ignore_index=True)
        used.update({p: fallback for p in move})
    return sweep.with_ground_truth(frame, dataset), used


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
