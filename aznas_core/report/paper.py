"""What each AZ-NAS-paper notebook computes, one function per artifact: the frames the
notebooks show (e.g. `table1(...)`: Table 1's long table, reported | reproduced | delta), their
per-dataset views and the short verdicts printed at the top of each page."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core import aggregate, metrics
from aznas_core.report.common import DATASET_TITLES, DATASETS
from aznas_core.report.methods import (REAL_INPUT, SUBSTITUTE, TABLE1_METHODS, comparison_frame,
                                       documented_sample, method_rows, timed_ms_per_arch)

IN16 = "ImageNet16-120"
#: The registry's architecture proxies (closed form: no network, no input, no resolution).
ARCHITECTURE_PROXIES = frozenset({"params", "complexity"})


def proxies_of(methods) -> list[str]:
    """Every proxy the methods read, in order of first use."""
    return list(dict.fromkeys(p for m in methods for p in m.proxies))


def recompute_sample(proxies, datasets=DATASETS, n_archs: int = 100, sample_seed: int = 0,
                     resolutions=None, root=None, chunk_size: int = 10, workers: int | None = 1,
                     **config) -> Path:
    """Score a fresh random sample of `n_archs` NAS-Bench-201 architectures (`sample_seed`;
    0: all 15,625) with every registered network proxy of `proxies` (None: the sweep's
    default, E, P and T) into the cache `root` (default: a new temporary directory; the
    committed cache is never touched) and return `root`. `resolutions`: {dataset:
    resolutions to score at} (default: the dataset's own); `config`: further `Config` fields
    (batch_size, init, seed)."""
    import tempfile

    from aznas_core import nb201, sweep
    from aznas_core.config import Config
    from aznas_core.proxies import PROXIES

    root = Path(root or tempfile.mkdtemp(prefix="aznas-recompute-"))
    archs = list(nb201.archs())
    if n_archs:
        rng = np.random.default_rng(sample_seed)
        archs = [archs[i] for i in sorted(rng.choice(len(archs), n_archs, replace=False))]
    kw = {} if proxies is None else {
        "proxies": [p for p in proxies if p in PROXIES and p not in ARCHITECTURE_PROXIES]}
    for d in datasets:
        for r in (resolutions or {}).get(d, [None]):
            sweep.run(archs, cfg=Config(dataset=d, resolution=r, **config), root=root,
                      chunk_size=chunk_size, workers=workers, **kw)
    return root


# --------------------------------------------------------------------------------- Table 1

def table1_frames(datasets=DATASETS, in16_resolution: int = 32, methods=TABLE1_METHODS,
                  real_input: str = REAL_INPUT, **config) -> tuple[dict, dict]:
    """One frame per dataset of every Table 1 proxy joined to the ground truth
    (`comparison_frame`), ImageNet16-120's network proxies at `in16_resolution`, a family read
    at the other resolution (16 or 32) where its cache covers a larger documented sample there.
    The real-input methods' proxies are read on `real_input` where it covers the 1,042
    (`real_input_columns`; each frame's `attrs["inputs"]` names them, `table1` labels them).
    Returns ({dataset: frame}, {dataset: {proxy: resolution read at}})."""
    other = 16 if in16_resolution == 32 else 32
    frames, resolution_of = {}, {}
    for d in datasets:
        frames[d], resolution_of[d] = comparison_frame(
            d, proxies_of(methods), in16_resolution if d == IN16 else None,
            fallback=other if d == IN16 else None, real_input=real_input, **config)
    return frames, resolution_of


def cache_coverage(frames: dict, proxies) -> pd.DataFrame:
    """Architectures cached per proxy (rows) and dataset (columns)."""
    out = pd.DataFrame({d: {p: int(f[p].notna().sum()) if p in f else 0 for p in proxies}
                        for d, f in frames.items()})
    out.index.name = "architectures cached"
    return out


def pool_label(n: int) -> str:
    """The row of the ground truth's scaled 'Acc.' on a pool of `n` architectures."""
    return f"Ground truth (pool of {n:,})"


def _input_of(m, resolution_of: dict, inputs_of: dict | None = None) -> str:
    """What a method's proxies saw: its declared input, or the natural images for the
    real-input proxies `table1_frames` moved (`real_input_columns`), and the resolution read at."""
    if set(m.proxies) <= ARCHITECTURE_PROXIES:
        return m.input
    inp = m.input
    if inputs_of and any(p in inputs_of for p in m.proxies):
        from aznas_core.report.inputs import NATURAL

        inp = (f"NTK: {NATURAL}; regions: Gaussian" if "linear_region" in m.proxies
               else NATURAL)
    res = sorted({resolution_of.get(p) for p in m.proxies if p not in ARCHITECTURE_PROXIES} - {None})
    return f"{inp}, {'/'.join(f'{r}x{r}' for r in res)}" if res else inp


def table1_reported() -> pd.DataFrame:
    """The paper's Table 1 (`reported('P-T1')`) in `table1`'s column names."""
    from aznas_core.reported import reported

    paper = reported("P-T1").replace({"metric": {"runtime_ms": "ms_per_arch"}})
    return paper.rename(columns={"label": "method", "value": "reported", "std": "reported_std"})


def table1(frames: dict, resolution_of: dict, methods=TABLE1_METHODS, n_boot: int = 200,
           seed: int = 0, documented: bool = True,
           timing: str = "nb201-cifar10-cpu") -> pd.DataFrame:
    """The paper's Table 1, one row per (method, dataset, metric): KT and SPR with bootstrap
    CIs and 'Acc.' (`method_rows`), reported | reproduced | delta, `n_archs`, the `input` each
    method saw and the `tolerance` its cell is judged by. Each method is read on the largest
    documented sample its cache covers (`documented_sample`; `documented=False`: every row
    where its proxies are cached, for a recomputed random sample); a method not cached is a
    row of NaN with `n_archs` 0. Ground-truth rows: the paper's 'Acc.' on all architectures
    and the scaled one on each smaller pool a method was read on ('Ground truth (pool of n)').
    Runtimes (`ms_per_arch`, dataset '') come from the same-run `timing` table. The `input`
    column names the proxies read on the natural images (each frame's `attrs["inputs"]`, set
    by `comparison_frame`)."""
    rows, pools = [], {}
    for d, frame in frames.items():
        for m in methods:
            f = (documented_sample(frame, m.proxies)[0] if documented
                 else frame.dropna(subset=[p for p in m.proxies if p in frame]))
            inp = _input_of(m, resolution_of[d], frame.attrs.get("inputs"))
            if not set(m.proxies) <= set(f.columns) or f.empty:  # not cached yet: NaN, said so
                rows += [dict(method=m.label, dataset=d, metric=k, reproduced=np.nan, n_archs=0,
                              input=inp) for k in ("KT", "SPR", "Acc")]
                continue
            rows += [dict(r, method=m.label, dataset=d, input=inp)
                     for r in method_rows(f, m, n_boot=n_boot, seed=seed, min_archs=1)]
            if len(f) < len(frame):
                pools.setdefault(d, {})[len(f)] = f
        mean, std, _ = metrics.paper_acc(frame, ["acc"], "acc", method="-")
        rows.append(dict(method="Ground truth", dataset=d, metric="Acc", reproduced=mean, std=std,
                         n_archs=len(frame), input="none (benchmark accuracy)"))
        for n, pool in sorted(pools.get(d, {}).items(), reverse=True):
            mean, std, _ = metrics.pool_acc(pool, ["acc"], "acc", method="-")
            rows.append(dict(method=pool_label(n), dataset=d, metric="Acc", reproduced=mean,
                             std=std, n_archs=n, input="none (benchmark accuracy), drawn from that pool"))
    for m in methods:
        if not m.runs_network:
            continue  # closed-form counts: the paper gives no runtime
        ms, std, n = timed_ms_per_arch(m.label, timing)
        rows.append(dict(method=m.label, dataset="", metric="ms_per_arch", reproduced=ms, std=std,
                         n_archs=n, input="CPU, 1 thread, same run (paper: one GPU)"))
    paper = table1_reported()
    table = pd.DataFrame(rows).merge(
        paper[["method", "dataset", "metric", "reported", "reported_std"]],
        on=["method", "dataset", "metric"], how="left", validate="one_to_one")
    table["delta"] = table["reproduced"] - table["reported"]
    strict = {"#Params", "FLOPs", "AZ-NAS", "Ground truth"}
    table["tolerance"] = [np.nan if k == "ms_per_arch" or m.startswith("Ground truth (")
                          else 0.5 if k == "Acc" else 0.02 if m in strict else 0.03
                          for m, k in zip(table["method"], table["metric"])]
    order = [m.label for m in methods] + ["Ground truth"] + [
        pool_label(n) for n in sorted({n for p in pools.values() for n in p}, reverse=True)]
    datasets = [""] + list(frames)
    table = table.assign(_o=table["method"].map(order.index),
                         _d=table["dataset"].map(datasets.index))
    table = table.sort_values(["_o", "_d"], kind="stable").reset_index(drop=True)
    return table[["method", "dataset", "metric", "reported", "reproduced", "delta", "ci_low",
                  "ci_high", "n_archs", "input", "std", "reported_std", "tolerance"]]


def table1_dataset(table: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """One dataset of `table1` as the page shows it: one row per method, KT / SPR / Acc. each
    reported | ours | delta (KT and SPR with their 95% CI, Acc. with our std over the 5
    draws), `n_archs`, the input and, when some method is not cached yet, a status column
    ('not yet cached')."""
    t = table[table["dataset"] == dataset].set_index(["method", "metric"])
    cols = {}
    for k in ("KT", "SPR", "Acc"):
        x = t.xs(k, level="metric")
        cols[f"{k} reported"], cols[f"{k} ours"], cols[f"{k} delta"] = x["reported"], x["reproduced"], x["delta"]
        if k != "Acc":
            cols[f"{k} 95% CI"] = pd.Series([f"[{a:.3f}, {b:.3f}]" if a == a else "" for a, b in
                                             zip(x["ci_low"], x["ci_high"])], index=x.index)
        else:
            cols["Acc std (ours)"] = x["std"]
    here = list(dict.fromkeys(t.index.get_level_values("method")))
    out = pd.DataFrame(cols).reindex(here)
    acc = t.xs("Acc", level="metric")
    out["n_archs"] = acc["n_archs"].reindex(here)
    out["input"] = acc["input"].reindex(here)
    if (out["n_archs"] == 0).any():  # the column only where some method is not cached yet
        out.insert(0, "status", ["not yet cached" if n == 0 else "" for n in out["n_archs"]])
    return out


def style_table(frame: pd.DataFrame, acc_prefix: str = "Acc"):
    """A Styler: KT/SPR-like numbers to 3 decimals, columns starting with `acc_prefix` to 2,
    `n_archs` to 0, NaN as '–'; text and CI columns as they are."""
    num = [c for c in frame.columns if c not in ("input", "status", "n_archs") and "CI" not in c
           and pd.api.types.is_numeric_dtype(frame[c])]
    style = frame.style.format(precision=3, na_rep="–", subset=[c for c in num if not c.startswith(acc_prefix)]) \
        .format(precision=2, na_rep="–", subset=[c for c in num if c.startswith(acc_prefix)])
    return style.format(precision=0, na_rep="–", subset=["n_archs"]) if "n_archs" in frame else style


def headline(table: pd.DataFrame, metric: str = "KT") -> pd.DataFrame:
    """The key table of a comparison in long form (`method`, `dataset`, `metric`, `reported`,
    `reproduced`, `delta`, `tolerance`): one row per method, per dataset reported | reproduced |
    delta of `metric` (columns (dataset title, which)), methods in the table's order, rows
    without a reported value dropped."""
    t = table[(table["metric"] == metric) & table["reported"].notna()]
    out = t.pivot_table(index="method", columns="dataset", values=["reported", "reproduced", "delta"],
                        sort=False, dropna=False)
    out = out.swaplevel(axis=1)
    datasets = [d for d in dict.fromkeys(t["dataset"])]
    out = out.reindex(columns=pd.MultiIndex.from_product([datasets, ["reported", "reproduced", "delta"]]))
    out = out.reindex(list(dict.fromkeys(t["method"])))
    out.columns = out.columns.set_levels([DATASET_TITLES.get(d, d) for d in out.columns.levels[0]], level=0)
    out.index.name = None
    return out


def style_headline(frame: pd.DataFrame, tolerance, precision: int = 3):
    """A Styler for `headline`: numbers to `precision` decimals, each delta green within
    `tolerance` (a number, or {row: number}) and red outside it."""
    def colour(col):
        tol = [tolerance.get(m, np.nan) if isinstance(tolerance, dict) else tolerance for m in col.index]
        return ["" if v != v or t != t else
                "background-color: #d9f2d9" if abs(v) <= t else "background-color: #f8d7da"
                for v, t in zip(col, tol)]
    deltas = [c for c in frame.columns if c[-1] == "delta"]
    return frame.style.format(precision=precision, na_rep="–").apply(colour, subset=deltas)


def table1_verdict(table: pd.DataFrame) -> str:
    """Two sentences on Table 1, computed from `table1`: whether AZ-NAS has the highest KT and
    SPR on every dataset and how close it is to the paper; which methods are within their
    tolerance in every KT/SPR cell, and which are not (and the inputs of their cells beyond it,
    and whether the paper's value lies inside our CI in every one of them)."""
    corr = table[table["metric"].isin(["KT", "SPR"]) & table["reproduced"].notna()]
    best = corr.loc[corr.groupby(["dataset", "metric"])["reproduced"].idxmax(), "method"]
    az = corr[corr["method"] == "AZ-NAS"]
    first = (f"AZ-NAS has the highest KT and SPR on {int((best == 'AZ-NAS').sum())} of {len(best)} "
             f"dataset x metric cells (KT {' / '.join(f'{v:.3f}' for v in az[az['metric'] == 'KT']['reproduced'])}; "
             f"largest |delta| to the paper {az['delta'].abs().max():.3f}).")
    judged = corr[corr["reported"].notna()]
    judged = judged.assign(ok=judged["delta"].abs() <= judged["tolerance"])
    ok = judged.groupby("method", sort=False)["ok"].all()
    off = list(ok.index[~ok])

    def seen(m):  # the inputs of a method's cells beyond tolerance, in two words each
        def short(inp):
            return ("natural images" if "natural images" in inp else "Synthetic CIFAR-10"
                    if SUBSTITUTE in inp else inp.split(",")[0])
        bad = gaps[gaps["method"] == m]
        return (" / ".join(dict.fromkeys(short(i) for i in bad["input"]))
                + (" (within sampling error)" if bad["inside"].all() else ""))

    gaps = tolerance_gaps(table)

    why = ("input: " + ", ".join(f"{m} {seen(m)}" for m in off) + "; 'What the input changes' "
           "measures what the input does" if off else "")
    return (first + f" {int(ok.sum())} of {len(ok)} methods are within tolerance in every KT/SPR "
            f"cell; {', '.join(off) or 'none'} {'is' if len(off) == 1 else 'are'} not"
            + (f" ({why})." if why else "."))


def table1_cells(table: pd.DataFrame) -> list[str]:
    """Every reproduced KT/SPR/Acc. cell of `table1`, rounded (KT/SPR to 3 decimals, Acc. to
    2), with its delta to the paper: one line per (method, dataset)."""
    def fmt(v, nd):
        return "not yet cached" if v != v else f"{round(v, nd) + 0.0:.{nd}f}"  # + 0.0: no "-0.000"

    lines = []
    for (m, d), g in table[table["metric"] != "ms_per_arch"].groupby(["method", "dataset"], sort=False):
        if g["reproduced"].isna().all():
            lines.append(f"{m:12s} {DATASET_TITLES[d]:9s} not yet cached")
            continue
        cells = [f"{r.metric} {fmt(r.reproduced, 2 if r.metric == 'Acc' else 3)}"
                 + ("" if r.delta != r.delta else f" (delta {fmt(r.delta, 2 if r.metric == 'Acc' else 3)})")
                 for r in g.itertuples()]
        lines.append(f"{m:12s} {DATASET_TITLES[d]:9s} n={int(g['n_archs'].max()):5d}  " + "; ".join(cells))
    return lines


def largest_deltas(table: pd.DataFrame) -> list[str]:
    """Per method with a reported value: its largest |delta| among KT/SPR cells and among Acc.
    cells (with tolerances), and whether every cell of the kind is within its tolerance."""
    judged = table[table["tolerance"].notna() & table["reproduced"].notna()]
    lines = []
    for m in dict.fromkeys(table["method"]):
        if table.loc[table["method"] == m, "reported"].isna().all():
            continue  # no reported value to compare with (a pool's reference)
        g = judged[judged["method"] == m]
        if g.empty:
            lines.append(f"{m:12s} not yet cached")
            continue
        parts = []
        for kind, sub in (("KT/SPR", g[g["metric"] != "Acc"]), ("Acc", g[g["metric"] == "Acc"])):
            if len(sub) and sub["delta"].notna().any():
                i = sub["delta"].abs().idxmax()
                ok = bool((sub["delta"].abs() <= sub["tolerance"]).all())
                parts.append(f"{kind} largest |delta| {abs(sub.loc[i, 'delta']):.{2 if kind == 'Acc' else 3}f} "
                             f"({sub.loc[i, 'metric']}, {sub.loc[i, 'dataset']}) "
                             f"{'within' if ok else 'NOT within'} {sub['tolerance'].iloc[0]}")
        lines.append(f"{m:12s} " + "; ".join(parts))
    return lines


def tolerance_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """The KT/SPR cells beyond their tolerance, with `inside`: whether the paper's value lies
    inside our 95% bootstrap interval (then the gap is within sampling error)."""
    judged = table[table["tolerance"].notna() & table["reproduced"].notna() & (table["metric"] != "Acc")]
    out = judged[judged["delta"].abs() > judged["tolerance"]]
    return out.assign(inside=(out["ci_low"] <= out["reported"]) & (out["reported"] <= out["ci_high"]))


def table1_runtime(table: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """Table 1's runtime column: the paper's GPU ms/arch beside ours (one same-run CPU timing,
    mean, std and median over its architectures), their ratio and both rankings."""
    rt = table[table["metric"] == "ms_per_arch"].set_index("method")[["reported", "reproduced", "std", "n_archs"]]
    rt = rt.rename(columns={"reported": "paper ms/arch (GPU)", "reproduced": "ours ms/arch (CPU, 1 thread)",
                            "std": "ours std", "n_archs": "architectures timed"})
    rt.insert(2, "ours median", timing.groupby("method")["ms"].median().reindex(rt.index))
    rt["ours / paper"] = rt["ours ms/arch (CPU, 1 thread)"] / rt["paper ms/arch (GPU)"]
    rt["rank (paper)"] = rt["paper ms/arch (GPU)"].rank().astype("Int64")
    rt["rank (ours)"] = rt["ours ms/arch (CPU, 1 thread)"].rank().astype("Int64")
    return rt


def plot_runtime(x: pd.Series, y: pd.Series):
    """Log-log scatter of ours (`y`, CPU) against the paper's (`x`, GPU) ms per architecture,
    one labelled point per method. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(x, y)
    for m in x.index:
        ax.annotate(m, (x[m], y[m]), fontsize=8, xytext=(4, 3), textcoords="offset points")
    ax.set(xscale="log", yscale="log", xlabel="paper: ms/arch, one GPU (reported)",
           ylabel="ours: ms/arch, one CPU thread", title="Runtime per architecture, one timing run")
    ax.grid(alpha=0.3)
    return fig


def resolution_kendall(frame: pd.DataFrame, resolution_of: dict, alt: pd.DataFrame, alt_res: int,
                       methods=TABLE1_METHODS, dataset: str = IN16) -> pd.DataFrame:
    """Kendall tau of every network method on `dataset` at 16x16 and at 32x32 (`frame`, read
    at `resolution_of`, and `alt`, read at `alt_res`), both on the largest documented sample cached
    at both resolutions (`n_archs`; `documented_sample`), so the two columns differ by the resolution alone; beside
    the paper's KT, and which resolution is closer to the paper. Pass frames read on one
    input source: a column per resolution on different inputs would mix the two factors."""
    paper = table1_reported()
    rows = []
    for m in methods:
        if set(m.proxies) <= ARCHITECTURE_PROXIES:
            continue
        first = next(p for p in m.proxies if p not in ARCHITECTURE_PROXIES)
        cached = {res: fr.dropna(subset=list(m.proxies)).set_index("index")
                  for res, fr in ((resolution_of.get(first), frame), (alt_res, alt))
                  if res is not None and set(m.proxies) <= set(fr.columns)}
        common = pd.Index([])
        if set(cached) == {16, 32}:  # the largest documented sample both caches cover
            both = cached[32].loc[cached[16].index.intersection(cached[32].index)].reset_index()
            common = pd.Index(documented_sample(both, list(m.proxies))[0]["index"])
        rep = paper.query("method == @m.label and dataset == @dataset and metric == 'KT'")["reported"]
        row = {"method": m.label, "paper KT": rep.item() if len(rep) else np.nan}
        for res in (16, 32):
            row[f"KT at {res}x{res}"] = np.nan
            if len(common):
                f = cached[res].loc[common]
                row[f"KT at {res}x{res}"] = metrics.kendall_tau(
                    aggregate.aggregate(f, list(m.proxies), m.aggregation), f["acc"])
        row["n_archs"] = len(common)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("method")
    d16, d32 = (out["KT at 16x16"] - out["paper KT"]).abs(), (out["KT at 32x32"] - out["paper KT"]).abs()
    missing = out["KT at 16x16"].isna() | out["KT at 32x32"].isna()
    out["closer to the paper"] = np.where(missing, "-", np.where(
        d32 == d16, "equally close", np.where(d32 < d16, "32x32", "16x16")))
    return out


def synflow_precision(frames: dict, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Synflow's 'Acc.' (the paper's protocol, datasets cached on all 15,625) from our float64
    scores and from the same scores cast to float32 (the largest overflow to inf and tie: the
    first argmax wins), the paper's value, and per draw how many distinct architectures score
    within 1e-9 (relative) of the draw's best (`near_best`: 1 = no near-tie at the top)."""
    paper = table1_reported() if paper is None else paper
    rows = []
    for d, frame in frames.items():
        f = frame.dropna(subset=["synflow"])
        if len(f) < 15625:
            continue
        with np.errstate(over="ignore"):  # the overflow is the point
            f32 = f.assign(synflow=f["synflow"].to_numpy().astype(np.float32).astype(np.float64))
        acc64, acc32 = (metrics.paper_acc(x, ["synflow"], "acc", method="-")[0] for x in (f, f32))
        by_arch = f.set_index("arch")["synflow"]
        near = []
        for k in (1, 2, 3, 4, 5):
            s = by_arch.loc[metrics.paper_sample(k, 3000, True)]
            near.append(s[s >= s.max() * (1 - 1e-9)].index.nunique())
        rep = paper.query("method == 'Synflow' and dataset == @d and metric == 'Acc'")["reported"].item()
        rows.append(dict(dataset=d, score_max=f["synflow"].max(), acc_float64=acc64, acc_float32=acc32,
                         n_inf=int(np.isinf(f32["synflow"]).sum()), reported=rep, near_best=near))
    return pd.DataFrame(rows)


def _init_seeds():
    from aznas_core.report import init_seeds

    return init_seeds


def authors_stream() -> pd.DataFrame:
    """The committed replay of Synflow's 'Acc.' with the authors' CUDA weights
    (`init_seeds.AUTHORS_STREAM`: one row per (dataset, resolution, draw))."""
    return pd.read_csv(_init_seeds().AUTHORS_STREAM)


def acc_init_spread(datasets=DATASETS, seeds=range(1, 21), paper: pd.DataFrame | None = None,
                    methods=(("Synflow", "synflow"), ("NASWOT", "naswot"), ("ZenNAS", "zen"))) -> pd.DataFrame:
    """'Acc.' of each (label, proxy) of `methods` at seed 0 and at every seed of `seeds`
    (`report.init_seeds.acc_by_seed`: one row per seed, with the margin), with `method`
    and the paper's `reported` value; (method, dataset) pairs not cached at those seeds are
    left out."""
    inits = _init_seeds()
    paper = table1_reported() if paper is None else paper
    out = []
    for label, p in methods:
        for d in datasets:
            try:
                t = inits.acc_by_seed(d, p, seeds=seeds)
            except ValueError:  # not cached at these seeds
                continue
            rep = paper.query("method == @label and dataset == @d and metric == 'Acc'")["reported"].item()
            out.append(t.assign(method=label, reported=rep))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def plot_acc_inits(spread: pd.DataFrame, authors: pd.DataFrame, datasets=DATASETS):
    """One panel per dataset: each method's 'Acc.' at every initialisation (seed 0 marked),
    the paper's value, and for Synflow the replay with the authors' CUDA weights (`authors`:
    `init_seeds.AUTHORS_STREAM`, its 32x32 runs). Returns the figure."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(spread["method"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets), 3.4), squeeze=False)
    for ax, d in zip(axes[0], datasets):
        s = spread[spread["dataset"] == d]
        for i, m in enumerate(names):
            g = s[s["method"] == m]
            if g.empty:
                continue
            jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(g))
            ax.scatter(i + jitter, g["acc_mean"], s=14, color="tab:blue", alpha=0.6,
                       label="ours, one initialisation each" if i == 0 else None)
            ax.scatter([i], g.loc[g["seed"] == 0, "acc_mean"], s=50, marker="D", color="black",
                       label="ours, seed 0 (Table 1)" if i == 0 else None)
            ax.hlines(g["reported"].iloc[0], i - 0.3, i + 0.3, color="tab:red", lw=2,
                      label="paper (reported)" if i == 0 else None)
            if m == "Synflow":  # the replay with the authors' CUDA weights
                replay = authors.query("dataset == @d and resolution == 32")["acc"].mean()
                ax.scatter([i + 0.25], [replay], s=90, marker="*", color="tab:green", zorder=3,
                           label="authors' CUDA weights, replayed")
        ax.set_xticks(range(len(names)), names)
        ax.set_title(DATASET_TITLES[d], fontsize=10)
        ax.set_ylabel('"Acc." (%), mean of the 5 draws')
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------- protocol sensitivity

#: AZ-NAS's three network proxies and its full score (Eq. 12 over E, P, T and C).
NETWORK_PROXIES = ["expressivity", "progressivity", "trainability"]
AZNAS = "E+P+T+C NL"


class SensitivityFrames:
    """The cached AZ-NAS configurations the sensitivity page compares: E, P and T of one
    configuration (scored at CIFAR-10's 32x32 or at 16x16: they serve every dataset) joined to
    a dataset's FLOPs (both conventions) and ground truth; each configuration read once."""

    def __init__(self, datasets=DATASETS, min_archs: int = 1000):
        from aznas_core import sweep

        self.min_archs = min_archs
        self.costs = {d: sweep.scores(dataset=d, proxies=["complexity", "flops_legacy"]).set_index("index")
                      for d in datasets}
        self._cache = {}

    def frame(self, d: str, resolution: int = 32, **cfg) -> pd.DataFrame:
        """E, P, T of one cached configuration, dataset `d`'s FLOPs and ground truth."""
        from aznas_core import sweep

        key = (resolution, tuple(sorted(cfg.items())))
        if key not in self._cache:
            self._cache[key] = sweep.scores(dataset="cifar10", proxies=NETWORK_PROXIES,
                                            resolution=resolution, **cfg)
        f = self._cache[key]
        c = self.costs[d].loc[f["index"]]
        return sweep.with_ground_truth(f.assign(complexity=c["complexity"].to_numpy(),
                                                flops_legacy=c["flops_legacy"].to_numpy()), d)

    def cached(self, d: str, **cfg) -> pd.DataFrame | None:
        """A configuration scored on at least `min_archs` architectures, else None."""
        try:
            f = self.frame(d, **cfg)
        except RuntimeError:  # configuration not scored yet
            return None
        return f if len(f) >= self.min_archs else None


def _kt_diff(s, t):
    return metrics.kendall_tau(s[:, 0], t) - metrics.kendall_tau(s[:, 1], t)


def sensitivity_row(factor: str, variant: str, d: str, fv: pd.DataFrame, fb: pd.DataFrame,
                    base_acc: float, label: str = AZNAS, ties: str = "average", acc: bool = True,
                    acc_kw=None, kt: bool = True, n_boot: int = 20, seed: int = 0) -> dict:
    """One row of the sensitivity table: AZ-NAS (or `label`) on the variant's frame `fv`
    against the baseline's full score on `fb`. With `fb` the same architectures in the same
    order, `delta_kt` = tau(variant) - tau(baseline) with a paired bootstrap CI (architectures
    resampled); on a different population, the baseline's tau is a fixed reference and the CI
    the variant's own, shifted. 'Acc.' (the paper's protocol) only on all 15,625, with
    `delta_acc` against `base_acc`."""
    from aznas_core.spaces.nb201 import N_ARCHS

    from aznas_core.report.common import combination_scores, parse_combination

    proxies, method = parse_combination(label)
    row = dict(factor=factor, variant=variant, dataset=d, n_archs=len(fv))
    if kt:
        sv = aggregate.aggregate(fv, proxies, method, ties=ties).to_numpy()
        sb = combination_scores(fb, AZNAS).to_numpy()
        t, tb = fv["acc"].to_numpy(), fb["acc"].to_numpy()
        row["kt"] = metrics.kendall_tau(sv, t)
        row["delta_kt"] = row["kt"] - metrics.kendall_tau(sb, tb)
        if n_boot and len(fv) == len(fb):
            row["ci_low"], row["ci_high"] = metrics.bootstrap_ci(np.c_[sv, sb], t, metric=_kt_diff,
                                                                 n_boot=n_boot, seed=seed)
        elif n_boot:
            lo, hi = metrics.bootstrap_ci(sv, t, n_boot=n_boot, seed=seed)
            row["ci_low"], row["ci_high"] = lo - (row["kt"] - row["delta_kt"]), hi - (row["kt"] - row["delta_kt"])
    if acc and len(fv) == N_ARCHS:
        m, s, _ = metrics.paper_acc(fv, proxies, "acc", method, ties=ties, **(acc_kw or {}))
        row.update(acc=m, acc_std=s, delta_acc=m - base_acc)
    return row


def sensitivity(datasets=DATASETS, n_boot: int = 20, seed: int = 0, min_archs: int = 1000,
                frames: SensitivityFrames | None = None) -> tuple[pd.DataFrame, list[str], dict, dict]:
    """The protocol-sensitivity table: each protocol choice changed one at a time against the
    baseline (Table 4's protocol), per dataset (`sensitivity_row`). Returns (table, the
    configurations not scored yet, {dataset: baseline frame}, {dataset: baseline 'Acc.'
    (mean, std, draws)})."""
    from aznas_core.report.common import parse_combination

    fr = frames or SensitivityFrames(datasets, min_archs)
    base = {d: fr.frame(d) for d in datasets}
    az = parse_combination(AZNAS)[0]
    base_acc = {d: metrics.paper_acc(base[d], az, "acc") for d in datasets}
    rows, missing = [], []

    def add(factor, variant, d, fv, fb, **kw):
        rows.append(sensitivity_row(factor, variant, d, fv, fb, base_acc[d][0], n_boot=n_boot,
                                    seed=seed, **kw))

    def same(b, f):  # the baseline on the variant's architectures, in its order
        return b.set_index("index").loc[f["index"]].reset_index()

    for d in datasets:
        b = base[d]
        # 1. FLOPs convention of the complexity proxy
        add("FLOPs convention", "legacy NB201 FLOPs (pooling, BN, offset)", d,
            b.assign(complexity=b["flops_legacy"]), b)
        # 2. ImageNet16-120 input resolution
        if d == IN16:
            add("IN16 resolution", "16x16 (the loader's native size)", d, fr.frame(d, resolution=16), b)
        # 3. seeds of weights, inputs and Rademacher vectors
        for s in (1, 2):
            f = fr.cached(d, seed=s)
            if f is None:
                missing.append(f"seed {s} (32x32)")
                continue
            add("seed", f"seed {s} (32x32)", d, f, same(b, f))
        if d == IN16:
            f16, g16 = fr.cached(d, resolution=16, seed=1), fr.frame(d, resolution=16)
            if f16 is not None:
                add("seed", "seed 1 vs 0 (16x16)", d, f16, same(g16, f16))
        # 4. initialization, 5. batch size
        for factor, key, values, name in (
                ("initialization", "init", ("kaiming_fan_out", "xavier_normal", "normal", "uniform"), "init {}"),
                ("batch size", "batch_size", (8, 16, 32, 128), "batch {}")):
            for v in values:
                f = fr.cached(d, **{key: v})
                if f is None:
                    missing.append(name.format(v))
                    continue
                add(factor, v if factor == "initialization" else name.format(v), d, f, same(b, f))
        # 6. ties in the rank aggregation
        for ties in ("min", "max", "first"):
            add("tie handling", f"ties get the {ties} rank" if ties != "first"
                else "ties broken by index order", d, b, b, ties=ties)
        # 7. NaN / -inf handling
        inf_high = b.assign(**{c: b[c].replace(-np.inf, np.inf) for c in NETWORK_PROXIES})
        add("NaN/-inf handling", "-inf ranks highest (NaN unguarded, old SciPy)", d, inf_high, b)
        finite = b[~np.isneginf(b[NETWORK_PROXIES]).any(axis=1)].reset_index(drop=True)
        add("NaN/-inf handling", "archs with a -inf score dropped", d, finite, b, acc=False)
        # 8. dropping one proxy
        for letter in "EPTC":
            label = "+".join(x for x in "EPTC" if x != letter) + " NL"
            add("dropping a proxy", f"without {letter}", d, b, b, label=label)
        # 9. the Acc. sampler
        add("Acc. sampler", "3,000 distinct archs (no replacement)", d, b, b, acc_kw={"replace": False}, kt=False)
        add("Acc. sampler", "population std (ddof=0)", d, b, b, acc_kw={"ddof": 0}, kt=False)
        add("Acc. sampler", "another 5 samples (seeds 6-10)", d, b, b,
            acc_kw={"seeds": (6, 7, 8, 9, 10)}, kt=False)

    table = pd.DataFrame(rows)
    cols = ["kt", "delta_kt", "ci_low", "ci_high", "acc", "acc_std", "delta_acc"]
    table = table.assign(**{c: np.nan for c in cols if c not in table})
    table = table[["factor", "variant", "dataset", *cols, "n_archs"]]
    return table, sorted(set(missing)), base, base_acc


def sensitivity_headline(base: dict, base_acc: dict) -> pd.DataFrame:
    """AZ-NAS's Table 1 row under the baseline protocol: KT and 'Acc.' (mean ± std) reported |
    reproduced | delta per dataset."""
    from aznas_core.reported import reported

    from aznas_core.report.common import combination_scores

    t1 = reported("P-T1").query("label == 'AZ-NAS'").set_index(["dataset", "metric"])
    out = pd.DataFrame([
        {"dataset": d,
         "KT reported": t1.loc[(d, "KT"), "value"],
         "KT reproduced": metrics.kendall_tau(combination_scores(f, AZNAS), f["acc"]),
         "Acc. reported": f"{t1.loc[(d, 'Acc'), 'value']:.2f} ± {t1.loc[(d, 'Acc'), 'std']:.2f}",
         "Acc. reproduced": f"{base_acc[d][0]:.2f} ± {base_acc[d][1]:.2f}",
         "Acc. delta": base_acc[d][0] - t1.loc[(d, "Acc"), "value"]} for d, f in base.items()]).set_index("dataset")
    out["KT delta"] = out["KT reproduced"] - out["KT reported"]
    return out


def sensitivity_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Delta tau and delta 'Acc.' per (factor, variant) and dataset (NaN where not
    applicable), and the largest `n_archs` of the row."""
    datasets = list(dict.fromkeys(table["dataset"]))
    labels = list(dict.fromkeys(zip(table["factor"], table["variant"])))
    s = table.pivot(index=["factor", "variant"], columns="dataset", values=["delta_kt", "delta_acc"]).reindex(labels)
    s.columns = [f"{DATASET_TITLES[d]} {'Δτ' if k == 'delta_kt' else 'ΔAcc.'}" for k, d in s.columns]
    s = s[[f"{DATASET_TITLES[d]} {k}" for k in ("Δτ", "ΔAcc.") for d in datasets]]
    s["n_archs"] = table.groupby(["factor", "variant"])["n_archs"].max().reindex(labels).to_numpy()
    return s


def sensitivity_sampler(table: pd.DataFrame, base_acc: dict) -> pd.DataFrame:
    """The 'Acc.' sampler rows in detail: mean ± std per variant and dataset, beside the
    paper's sampler and the reported value."""
    from aznas_core.reported import reported

    t1 = reported("P-T1").query("label == 'AZ-NAS'").set_index(["dataset", "metric"])
    rows = table[table["factor"] == "Acc. sampler"]
    return pd.DataFrame({DATASET_TITLES[d]: {
        "paper's sampler (with replacement, ddof=1)": f"{base_acc[d][0]:.2f} ± {base_acc[d][1]:.2f}",
        **{v: f"{a:.2f} ± {s:.2f}" for v, a, s in
           rows[rows["dataset"] == d][["variant", "acc", "acc_std"]].itertuples(index=False)},
        "reported (Table 1)": f"{t1.loc[(d, 'Acc'), 'value']:.2f} ± {t1.loc[(d, 'Acc'), 'std']:.2f}"}
        for d in base_acc})


def sensitivity_effects(table: pd.DataFrame) -> pd.DataFrame:
    """The largest |delta tau| and |delta Acc.| of each factor over its variants and datasets,
    largest |delta tau| first."""
    effect = table.assign(abs_kt=table["delta_kt"].abs(), abs_acc=table["delta_acc"].abs())
    by = effect.groupby("factor", sort=False).agg(max_abs_delta_kt=("abs_kt", "max"),
                                                  max_abs_delta_acc=("abs_acc", "max"))
    return by.sort_values("max_abs_delta_kt", ascending=False)


def plot_sensitivity(table: pd.DataFrame):
    """Delta tau (with its CI) and delta 'Acc.' of every row, one colour per dataset, the
    reproduction tolerances shaded. Returns the figure."""
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(table["dataset"]))
    labels = list(dict.fromkeys(zip(table["factor"], table["variant"])))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 0.32 * len(labels) + 1.5), sharey=True)
    y = {lab: i for i, lab in enumerate(labels)}
    for k, d in enumerate(datasets):
        t = table[table["dataset"] == d]
        yy = np.array([y[(f, v)] for f, v in zip(t["factor"], t["variant"])]) + (k - 1) * 0.22
        ok = t["delta_kt"].notna().to_numpy()
        err = np.vstack([(t["delta_kt"] - t["ci_low"]).fillna(0), (t["ci_high"] - t["delta_kt"]).fillna(0)])[:, ok]
        ax.errorbar(t["delta_kt"][ok], yy[ok], xerr=err, fmt="o", ms=4, color=f"C{k}", label=DATASET_TITLES[d])
        okacc = t["delta_acc"].notna().to_numpy()
        ax2.plot(t["delta_acc"][okacc], yy[okacc], "o", ms=4, color=f"C{k}")
    ax.set_yticks(range(len(labels)), [f"{f}: {v}" for f, v in labels], fontsize=8)
    ax.invert_yaxis()
    for a, title in ((ax, "Δ Kendall's τ vs the baseline (95% paired CI)"), (ax2, "Δ Acc. (points) vs the baseline")):
        a.axvline(0, color="k", lw=0.8)
        a.grid(axis="x", alpha=0.3)
        a.set_title(title, fontsize=10)
    ax.axvspan(-0.02, 0.02, color="0.9", zorder=0)
    ax2.axvspan(-0.5, 0.5, color="0.9", zorder=0)
    ax.legend(fontsize=8, loc="lower left")
    fig.suptitle("What each protocol choice does to AZ-NAS's headline numbers (grey: the reproduction tolerance)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Table 4

TABLE4_PROXIES = ["expressivity", "progressivity", "trainability", "complexity", "flops_legacy", "params"]


def table4_labels() -> list[str]:
    """Table 4's 14 rows (combination labels, 'E+P+T+C NL'), in the paper's order."""
    from aznas_core.reported import reported

    return list(dict.fromkeys(reported("P-T4")["label"]))


def table4_frame(dataset: str, resolution: int, batch_size: int = 64, init: str = "kaiming_fan_in",
                 seed: int = 0, root=None) -> pd.DataFrame:
    """E, P, T of one cached configuration at `resolution`, with `dataset`'s FLOPs (both
    counts) and #Params and its ground truth (`acc`)."""
    from aznas_core import sweep

    f = sweep.scores(dataset=dataset, proxies=TABLE4_PROXIES, batch_size=batch_size, init=init,
                     seed=seed, root=root, resolution=resolution)
    return sweep.with_ground_truth(f, dataset)


def table4(frames: dict, n_boot: int = 100, seed: int = 0) -> pd.DataFrame:
    """The paper's Table 4: Kendall tau of the 14 combinations on each dataset's frame,
    reported | reproduced | delta with a bootstrap CI, rows in the paper's order."""
    from aznas_core.reported import reported

    from aznas_core.report.common import compare, kendall_table

    datasets = list(frames)
    table = compare(reported("P-T4"), kendall_table(frames, table4_labels(), n_boot=n_boot, seed=seed))
    table = table[["row", "label", "dataset", "reported", "reproduced", "delta", "ci_low", "ci_high", "n_archs"]]
    table = table[table["dataset"].isin(datasets)]  # the paper's other datasets: not asked for
    return table.sort_values(["row", "dataset"], key=lambda s: s.map(datasets.index) if s.name == "dataset" else s,
                             ignore_index=True)


def wide_table(table: pd.DataFrame, index=("row", "label"), values=("reported", "reproduced", "ci", "delta")) -> pd.DataFrame:
    """A long reported | reproduced | delta table (one row per (row, dataset)) pivoted to one
    row per `index`, columns '<dataset title> <value>' grouped by dataset; 'ci' is the
    95% CI as text."""
    datasets = list(dict.fromkeys(table["dataset"]))
    w = table.assign(ci=[f"[{lo:.3f}, {hi:.3f}]" if lo == lo else "" for lo, hi in zip(table["ci_low"], table["ci_high"])])
    w = w.pivot(index=list(index), columns="dataset", values=list(values))
    w.columns = [f"{DATASET_TITLES[d]} {'95% CI' if k == 'ci' else k}" for k, d in w.columns]
    return w[[f"{DATASET_TITLES[d]} {'95% CI' if k == 'ci' else k}" for d in datasets for k in values]]


def kendall_ci_panels(table: pd.DataFrame, ylabels, titles: dict, xlabel: str, suptitle: str,
                      reproduced_label: str = "reproduced (95% CI)", height: float = 4.6,
                      legend_loc: str = "lower right"):
    """Reported (x) and reproduced (o, 95% CI) Kendall tau of every row of a long
    reported | reproduced table, one panel per dataset. The one drawing behind Table 4's and
    Table 8's figures (`plot_table4`, `plot_config_table`), so the two look alike;
    `ylabels(t)` gives a panel's row labels, `titles` {dataset: panel title}; rows not yet
    reproduced (NaN) show only the reported cross."""
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), height), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, d in zip(axes, datasets):
        t = table[table["dataset"] == d]
        y = np.arange(len(t))
        ok = t["reproduced"].notna().to_numpy()
        ax.errorbar(t["reproduced"][ok], y[ok], xerr=[(t["reproduced"] - t["ci_low"])[ok], (t["ci_high"] - t["reproduced"])[ok]],
                    fmt="o", color="C0", label=reproduced_label, zorder=3)
        ax.scatter(t["reported"], y, marker="x", s=60, color="C3", label="reported", zorder=4)
        ax.set_yticks(y, ylabels(t))
        ax.set_title(titles[d])
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    axes[0].legend(loc=legend_loc, fontsize=8)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_table4(table: pd.DataFrame, resolution: dict):
    """Reported and reproduced tau (with CIs) of every row, one panel per dataset."""
    titles = {d: f"{DATASET_TITLES[d]} ({resolution[d]}×{resolution[d]} inputs)" for d in table["dataset"].unique()}
    return kendall_ci_panels(table, lambda t: [f"{r}  {lab}" for r, lab in zip(t["row"], t["label"])], titles,
                             "Kendall's τ", "Table 4: reported vs reproduced Kendall's τ")


def table4_flops_check(frames: dict) -> pd.DataFrame:
    """Row 4 (complexity alone) against both FLOPs counts and #Params, per dataset: the
    paper's FLOPs and #Params KT (Table 1), its s^C (Table 4 row 4), and ours."""
    from aznas_core.reported import reported

    t1, t4 = reported("P-T1"), reported("P-T4")
    rows = []
    for d, f in frames.items():
        rows.append({"dataset": d,
                     "paper: FLOPs (Table 1)": t1.query("label == 'FLOPs' and dataset == @d and metric == 'KT'")["value"].item(),
                     "paper: s^C (Table 4 row 4)": t4.query("row == 4 and dataset == @d")["value"].item(),
                     "paper: #Params (Table 1)": t1.query("label == '#Params' and dataset == @d and metric == 'KT'")["value"].item(),
                     "ours: conv+linear FLOPs": metrics.kendall_tau(f["complexity"], f["acc"]),
                     "ours: legacy FLOPs": metrics.kendall_tau(f["flops_legacy"], f["acc"]),
                     "ours: #Params": metrics.kendall_tau(f["params"], f["acc"])})
    return pd.DataFrame(rows).set_index("dataset")


def table4_variants(variant_frames: dict, only: dict | None = None) -> pd.DataFrame:
    """Table 4's deltas under each protocol variant ({name: {dataset: frame}}, no CIs): one
    row per (row, dataset, variant). `only`: {variant: datasets} keeps just those datasets of a
    variant (e.g. the 16x16 variant only on ImageNet16-120)."""
    from aznas_core.reported import reported

    from aznas_core.report.common import compare, kendall_table

    paper, labels = reported("P-T4"), table4_labels()
    datasets = list(next(iter(variant_frames.values())))
    v = pd.concat([compare(paper, kendall_table(fr, labels, n_boot=0)).assign(variant=name)
                   for name, fr in variant_frames.items()], ignore_index=True)
    for name, keep in (only or {}).items():
        v = v[~((v["variant"] == name) & ~v["dataset"].isin(keep))]
    order = {n: i for i, n in enumerate(variant_frames)}
    v = v[v["dataset"].isin(datasets)][["row", "label", "dataset", "variant", "reported", "reproduced", "delta"]]
    return v.sort_values(["variant", "row", "dataset"], key=lambda s: s.map(order) if s.name == "variant"
                         else s.map(datasets.index) if s.name == "dataset" else s, ignore_index=True)


def variants_side_by_side(variants: pd.DataFrame) -> pd.DataFrame:
    """`table4_variants`' deltas, one row per Table 4 row, one column per (dataset, variant)."""
    datasets = list(dict.fromkeys(variants["dataset"]))
    side = variants.pivot(index=["row", "label"], columns=["dataset", "variant"], values="delta")
    side = side[[c for d in datasets for c in side.columns if c[0] == d]]
    side.columns = [f"{DATASET_TITLES[d]} Δ {v}" for d, v in side.columns]
    return side


def seed_noise(frames: dict, resolution: dict, load, runs=((32, 1), (32, 2), (16, 1)),
               labels=None) -> pd.DataFrame:
    """Kendall tau of each combination at another seed S and at seed 0 on the same
    architectures, per (resolution, seed, dataset) of `runs` that is cached (`load(d, r,
    seed=S)` raises RuntimeError otherwise; 16x16 runs only on ImageNet16-120)."""
    from aznas_core.report.common import combination_scores

    labels = labels or table4_labels()
    rows = []
    for r, s in runs:
        for d in ([IN16] if r == 16 else list(frames)):
            if d not in frames:
                continue
            try:
                other = load(d, r, seed=s)
            except RuntimeError:
                continue  # not scored yet
            same = (frames[d] if r == resolution[d] else load(d, r)).set_index("index").loc[other["index"]].reset_index()
            for label in labels:
                rows.append({"resolution": r, "seed": s, "dataset": d, "label": label, "n_archs": len(other),
                             "tau seed 0": metrics.kendall_tau(combination_scores(same, label), same["acc"]),
                             "tau seed S": metrics.kendall_tau(combination_scores(other, label), other["acc"])})
    out = pd.DataFrame(rows)
    out["seed S - seed 0"] = out["tau seed S"] - out["tau seed 0"]
    return out


def table4_verdict(table: pd.DataFrame, tolerance: float = 0.02) -> str:
    """One sentence on Table 4, computed from `table4`: how many cells are within `tolerance`
    of the paper, and the largest |delta|."""
    worst = table.loc[table["delta"].abs().idxmax()]
    return (f"{int((table['delta'].abs() <= tolerance).sum())} of {len(table)} cells reproduce within "
            f"{tolerance} of the paper; the largest |delta| is {abs(worst['delta']):.3f} (row {worst['row']} "
            f"{worst['label']}, {DATASET_TITLES[worst['dataset']]}).")


# --------------------------------------------------------------------------------- Table 2

SEARCH_KEYS = ("expressivity", "progressivity", "trainability", "complexity")


def search_config(budget: float, strategy: str = "evolution", seed: int = 0, iterations: int = 120,
                  population: int = 16, resolution: int = 64, batch_size: int = 16, space: str = "mbv2"):
    """The `search.SearchConfig` of one CPU-scale search of the paper's Algorithm 1 (Table 2:
    MobileNetV2 space, the layer limit of `budget`)."""
    from aznas_core import search
    from aznas_core.spaces import mbv2

    return search.SearchConfig(space=space, strategy=strategy, iterations=iterations,
                               population=population, seed=seed, budget=budget,
                               max_layers=mbv2.BUDGETS[budget], resolution=resolution,
                               batch_size=batch_size)


def table2_found(histories: dict, seed: int = 0) -> pd.DataFrame:
    """The best architecture of each budget's search history ({budget: history}): its costs
    under both FLOPs counters (`mbv2.costs`), its aggregated score, the candidates scored and
    the scoring seconds."""
    from aznas_core import search
    from aznas_core.spaces import mbv2

    rows = []
    for b, h in histories.items():
        top = search.best(h)
        rows.append(dict(budget=f"{b / 1e6:g}M", seed=seed, arch=top["arch"], **mbv2.costs(top["arch"]),
                         aggregated_score=top["aggregated"], iterations=len(h),
                         search_seconds=h["seconds"].sum()))
    return pd.DataFrame(rows)


def plot_mbv2_archs(found: pd.DataFrame):
    """One row per found architecture: its primary blocks as bars (height log2 of the output
    channels, colour the depthwise kernel, 's2' marks a stride 2). Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from aznas_core.spaces import mbv2

    fig, axes = plt.subplots(len(found), 1, figsize=(11, 2.2 * len(found)), squeeze=False)
    colors = {3: "C0", 5: "C1", 7: "C2"}
    for ax, (b, a) in zip(axes[:, 0], zip(found["budget"], found["arch"])):
        net = mbv2.build(a)
        x = 0
        for name in net.primary_blocks:
            m = net.get_submodule(name)
            if name.startswith("units"):
                width, c = m.branch[6].out_channels, colors[m.branch[3].kernel_size[0]]
            else:
                width, c = m[0].out_channels, "0.6"
            h = np.log2(width)
            ax.add_patch(Rectangle((x, -h / 2), 0.8, h, color=c, alpha=0.85))
            if name.startswith("units") and m.branch[3].stride[0] == 2 or name == "stem":
                ax.text(x + 0.4, h / 2 + 0.3, "s2", ha="center", fontsize=7)
            ax.text(x + 0.4, -h / 2 - 0.9, str(width), ha="center", fontsize=6, rotation=90)
            x += 1
        ax.set_xlim(-0.5, x + 0.5)
        ax.set_ylim(-7.5, 7)
        ax.set_yticks([])
        ax.set_xticks([])
        ax.set_title(f"{b}: {len(net.primary_blocks)} primary blocks (stem, residual units, head); "
                     "bar height = log2(output channels); colour = depthwise kernel", fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in colors.values()] + [Rectangle((0, 0), 1, 1, color="0.6")]
    axes[0, 0].legend(handles, ["K3", "K5", "K7", "conv (stem/head)"], loc="upper right", fontsize=7, ncol=4)
    fig.tight_layout()
    return fig


def pooled_curves(histories: dict, walks: dict, keys=SEARCH_KEYS) -> tuple[dict, dict]:
    """Each budget's evolution and random-walk histories pooled and ranked together (the
    aggregate ranks within a pool; column `pooled`), and per search the best pooled aggregate
    after n candidates. Returns ({budget: pool}, {budget: {search: curve}})."""
    pools, curves = {}, {}
    for b in histories:
        pool = pd.concat([histories[b].assign(search="evolution (Algorithm 1)"),
                          walks[b].assign(search="random-walk (no selection)")], ignore_index=True)
        pool["pooled"] = aggregate.nonlinear(pool, list(keys)).to_numpy()
        pools[b] = pool
        curves[b] = {name: g["pooled"].cummax().to_numpy() for name, g in pool.groupby("search", sort=False)}
    return pools, curves


def plot_convergence(curves: dict):
    """The best pooled aggregate after n candidates, one panel per budget."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.6), squeeze=False)
    for ax, (b, cs) in zip(axes[0], curves.items()):
        for name, c in cs.items():
            ax.plot(np.arange(1, len(c) + 1), c, label=name)
        ax.set_xlabel("candidates scored")
        ax.set_title(f"{b / 1e6:g}M (aggregate over both searches)", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("best pooled AZ-NAS aggregate")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def search_cost(found: pd.DataFrame, histories: dict) -> pd.DataFrame:
    """Per budget: candidates, search hours, median ms per candidate, the extrapolation to
    the paper's 100,000 candidates (CPU days) and the paper's GPU days."""
    from aznas_core.reported import reported

    cost = pd.DataFrame([dict(budget=r.budget, candidates=r.iterations, search_hours=r.search_seconds / 3600,
                              ms_per_candidate=1e3 * histories[float(r.budget[:-1]) * 1e6]["seconds"].median())
                         for r in found.itertuples()])
    cost["extrapolated_100k_cpu_days"] = cost["ms_per_candidate"] * 1e5 / 1e3 / 86400
    paper_cost = reported("P-T2").query("label == 'AZ-NAS' and metric == 'search_cost_gpu_days'")
    cost["paper_gpu_days"] = paper_cost["value"].to_numpy()[: len(cost)]
    return cost


def table2_reported(found: pd.DataFrame) -> pd.DataFrame:
    """The paper's AZ-NAS rows of Table 2 (FLOPs, ImageNet top-1, search cost; reported) per
    budget, beside our found network's FLOPs under the reported counter."""
    from aznas_core.reported import reported

    paper = reported("P-T2")
    paper = paper[paper["label"] == "AZ-NAS"].pivot_table(index="note", columns="metric", values="value")
    paper.index = [n.split(";")[0] for n in paper.index]
    paper = paper.rename(columns={"flops_m": "reported FLOPs (M)", "top1": "reported ImageNet top-1 (%)",
                                  "search_cost_gpu_days": "reported search cost (GPU days)"})
    paper["our FLOPs, reported counter (M)"] = (found.set_index("budget")["flops_reported_counter"] / 1e6).round(1)
    return paper


def table2_verdict(found: pd.DataFrame, paper: pd.DataFrame, curves: dict, iterations: int) -> str:
    """Two sentences on Table 2, computed: at how many budgets selection beats no selection
    (`pooled_curves`), and how much of its budget each found network uses against the
    paper's (reported counter)."""
    budgets = np.array(list(curves), dtype=float)
    wins = sum(c["evolution (Algorithm 1)"][-1] > c["random-walk (no selection)"][-1] for c in curves.values())
    ours = found["flops_reported_counter"].to_numpy() / budgets
    theirs = paper.loc[found["budget"], "reported FLOPs (M)"].to_numpy() * 1e6 / budgets
    return (f"Selection beats no selection at {wins} of {len(budgets)} budgets, but after {iterations} "
            f"candidates the networks found use {', '.join(f'{u:.0%}' for u in ours)} of their budgets "
            f"(reported counter), the paper's {', '.join(f'{u:.0%}' for u in theirs)}. ImageNet "
            f"accuracies stay the paper's, reported.")


# ------------------------------------------------------- Tables 8 and 9: one choice varied

def cached_configurations(options: dict, min_archs: int = 1000, **config) -> tuple[dict, list, dict, list]:
    """E, P and T of AZ-NAS under each configuration of `options` ({key: `sweep.scores`
    options, e.g. {"init": "xavier_normal"}}), all from CIFAR-10's sweep (E, P, T never touch
    the classifier, so it serves every dataset), with the common `config`. Returns ({key:
    scores}, keys not cached at all, {key: n} cached on fewer than `min_archs` architectures
    (left out: a sweep just started), the architectures every kept configuration holds)."""
    from aznas_core import sweep

    net, missing = {}, []
    for key, opts in options.items():
        try:
            net[key] = sweep.scores(dataset="cifar10", proxies=NETWORK_PROXIES, **{**config, **opts})
        except RuntimeError:
            missing.append(key)
    partial = {k: len(f) for k, f in net.items() if len(f) < min_archs}
    net = {k: f for k, f in net.items() if k not in partial}
    common = sorted(set.intersection(*(set(f["index"]) for f in net.values())))
    return net, missing, partial, common


def dataset_complexity(datasets=DATASETS) -> dict:
    """Each dataset's complexity proxy (FLOPs as the authors count them), by benchmark index."""
    from aznas_core import sweep

    return {d: sweep.scores(dataset=d, proxies=["complexity"]).set_index("index")["complexity"] for d in datasets}


def frames_for(scores: pd.DataFrame, keep, complexity: dict) -> dict:
    """One frame per dataset of `complexity`: the rows of `scores` (E, P, T) in `keep`, that
    dataset's complexity and its ground truth."""
    from aznas_core import sweep

    f = scores[scores["index"].isin(keep)].reset_index(drop=True)
    return {d: sweep.with_ground_truth(f.assign(complexity=c.loc[f["index"]].to_numpy()), d)
            for d, c in complexity.items()}


def config_table(net: dict, common, labels: dict, paper: pd.DataFrame, complexity: dict,
                 n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """AZ-NAS's Kendall tau under each configuration of `net` ({key: scores}) on the
    architectures `common` to all, per dataset, against the paper's rows (`paper`: a
    `reported` table, `labels`: {key: its row label}): reported | reproduced | delta with a
    bootstrap CI; a row not computed yet keeps its reported value and empty cells."""
    from aznas_core.report.common import compare, kendall_table

    datasets = list(complexity)
    rows = [kendall_table(frames_for(net[k], common, complexity), [AZNAS], n_boot=n_boot, seed=seed)
            .assign(label=labels[k]) for k in net]
    table = compare(paper, pd.concat(rows, ignore_index=True))
    table = table[["row", "label", "dataset", "reported", "reproduced", "delta", "ci_low", "ci_high", "n_archs"]]
    table = table[table["dataset"].isin(datasets)].copy()  # the paper's other datasets: not asked for
    table["n_archs"] = table["n_archs"].astype("Int64")  # empty where not scored yet
    return table.sort_values(["row", "dataset"], key=lambda s: s.map(datasets.index) if s.name == "dataset" else s,
                             ignore_index=True)


def plot_config_table(table: pd.DataFrame, n_common: int, xlabel: str, title: str):
    """Reported and reproduced tau (with CIs) of every row, one panel per dataset."""
    return kendall_ci_panels(table, lambda t: t["label"], {d: DATASET_TITLES[d] for d in table["dataset"].unique()},
                             xlabel, title, reproduced_label=f"reproduced (95% CI, n={n_common:,})", height=3.4,
                             legend_loc="lower left")


def config_verdict(table: pd.DataFrame, n_common: int, what: str, tolerance: float = 0.02,
                   prefix: str = "") -> str:
    """One sentence: how many computed cells of a `config_table` are within `tolerance` of
    the paper, the largest |delta| and on how many architectures."""
    done = table.dropna(subset=["reproduced"])
    if done.empty:
        return f"No {what} is computed yet."
    worst = done.loc[done["delta"].abs().idxmax()]
    return (f"{int((done['delta'].abs() <= tolerance).sum())} of {len(table)} cells are within {tolerance} of "
            f"the paper on {n_common:,} architectures; the largest |delta| is {abs(worst['delta']):.3f} "
            f"({prefix}{worst['label']}, {DATASET_TITLES[worst['dataset']]}).")


def table9(net: dict, common, complexity: dict, n_boot: int = 200, seed: int = 0,
           timing: str = "nb201-aznas-batch-cpu") -> pd.DataFrame:
    """The paper's Table 9 (batch sizes): `config_table` with the batch size as the label,
    plus our median ms per architecture from the same-run `timing` table and the paper's."""
    from aznas_core import bench
    from aznas_core.reported import reported

    raw = reported("P-T9")
    paper_ms = raw[raw["metric"] == "runtime_ms"].assign(
        batch_size=lambda f: f["label"].astype(int)).set_index("batch_size")["value"]
    t, _ = bench.read_timing(timing)
    ms = t.groupby("method")["ms"].median()
    table = config_table(net, common, {b: str(b) for b in net}, raw[raw["metric"] == "KT"], complexity, n_boot, seed)
    table["ms_per_arch"] = [float(ms.get(f"batch {b}", np.nan)) if n == n else np.nan
                            for b, n in zip(table["label"], table["n_archs"].astype(float))]
    table["reported_ms_per_arch"] = table["label"].astype(int).map(paper_ms)
    table = table.rename(columns={"label": "batch_size"})
    return table[["row", "batch_size", "dataset", "reported", "reproduced", "delta", "ci_low", "ci_high", "n_archs",
                  "ms_per_arch", "reported_ms_per_arch"]]


def plot_table9(table: pd.DataFrame, n_common: int):
    """Table 9: reported and reproduced tau against the batch size per dataset (left), and
    ms per architecture, ours on one CPU core and the paper's on one GPU (right)."""
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(table["dataset"]))
    batch_sizes = sorted({int(b) for b in table["batch_size"]})
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, d in enumerate(datasets):
        t = table[table["dataset"] == d]
        b = t["batch_size"].astype(int)
        ok = t["reproduced"].notna().to_numpy()
        ax.errorbar(b[ok], t["reproduced"][ok], yerr=[(t["reproduced"] - t["ci_low"])[ok], (t["ci_high"] - t["reproduced"])[ok]],
                    fmt="o-", color=f"C{i}", label=f"{DATASET_TITLES[d]} reproduced", capsize=3)
        ax.plot(b, t["reported"], "x--", color=f"C{i}", alpha=0.7, label=f"{DATASET_TITLES[d]} reported")
    ax.set_xscale("log", base=2)
    ax.set_xticks(batch_sizes, [str(b) for b in batch_sizes])
    ax.set_xlabel("batch size")
    ax.set_ylabel("Kendall's τ (AZ-NAS)")
    ax.set_title(f"τ on {n_common:,} architectures (95% CI)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    r = table.drop_duplicates("row")
    ax2.plot(r["batch_size"].astype(int), r["ms_per_arch"], "o-", label="ours: 1 CPU core (median)")
    ax2.plot(r["batch_size"].astype(int), r["reported_ms_per_arch"], "x--", label="paper: 1 GPU (reported)")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xticks(batch_sizes, [str(b) for b in batch_sizes])
    ax2.set_xlabel("batch size")
    ax2.set_ylabel("ms per architecture")
    ax2.set_title("Scoring time")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.suptitle("Table 9: batch size")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Figure 9

#: Figure 9's choosers: each AZ-NAS proxy alone and the full aggregate.
FIG9_CHOOSERS = {"E": "E", "P": "P", "T": "T", "C": "C", "AZ-NAS": "E+P+T+C NL"}
ACCURACY_COLUMNS = {"C10": "cifar10", "C100": "cifar100", "IN16": "ImageNet16-120"}


def fig9_picks(dataset: str, resolution: int, seed: int = 0, top_k: int = 3, subset=None,
               choosers=FIG9_CHOOSERS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figure 9: the top-`top_k` cells of each chooser among `subset` (default: the 1,042 of
    Fig. 4, `uniform_subset`), scored on `dataset` with E, P, T at `resolution`; each pick with
    its accuracy on the three datasets and its percentile under every chooser. Returns (the
    subset's frame with every accuracy, the picks)."""
    from aznas_core import sweep
    from aznas_core.benchmarks.nb201 import uniform_subset

    from aznas_core.report.common import PROXY_LETTERS, combination_scores

    subset = uniform_subset() if subset is None else subset
    f = sweep.scores(dataset=dataset, proxies=list(PROXY_LETTERS.values()), seed=seed, resolution=resolution)
    f = sweep.with_ground_truth(f[f["index"].isin(subset)], None).reset_index(drop=True)
    if len(f) != len(subset):
        raise ValueError(f"{resolution}x{resolution}: {len(f)} of {len(subset)} archs cached")
    pct = pd.DataFrame({name: 100 * aggregate.ranks(combination_scores(f, label)) / len(f)
                        for name, label in choosers.items()})
    rows = []
    for name, label in choosers.items():
        score = combination_scores(f, label).to_numpy()
        for k, i in enumerate(np.argsort(-score, kind="stable")[:top_k], start=1):
            a = f.loc[i]
            rows.append({"resolution": resolution, "chooser": name, "pick": k, "index": int(a["index"]),
                         "arch": a["arch"], **{c: a[d] for c, d in ACCURACY_COLUMNS.items()},
                         **{f"pct_{p}": pct.loc[i, p] for p in choosers}})
    return f, pd.DataFrame(rows)


def fig9_claims(frame: pd.DataFrame, picks: pd.DataFrame, percentile_bar: float = 90) -> tuple[pd.DataFrame, dict]:
    """The paper's four observations on Figure 9's `picks` (one resolution): E prefers a single
    3x3 convolution, C all-parametric cells, AZ-NAS's picks are above the `percentile_bar`th
    accuracy percentile of `frame` on every dataset, no single proxy's all are. Returns (claims:
    claim, value, holds; {dataset column: its accuracy bar})."""
    from aznas_core import cells, nb201

    def one_conv3x3(arch):
        return [op for op in cells.live_ops(arch) if op.startswith("nor_conv")] == ["nor_conv_3x3"]

    def all_parametric(arch):
        return all(op.startswith("nor_conv") for op in nb201.parse(arch))

    bars = {c: np.percentile(frame[d], percentile_bar) for c, d in ACCURACY_COLUMNS.items()}
    high = picks.assign(high=[all(p[c] > bars[c] for c in ACCURACY_COLUMNS) for _, p in picks.iterrows()])
    e_share = float(np.mean([one_conv3x3(a) for a in picks.loc[picks["chooser"] == "E", "arch"]]))
    c_share = float(np.mean([all_parametric(a) for a in picks.loc[picks["chooser"] == "C", "arch"]]))
    az_high = float(high.loc[high["chooser"] == "AZ-NAS", "high"].mean())
    singles = [q for q in ("E", "P", "T", "C") if high.loc[high["chooser"] == q, "high"].all()]
    claims = pd.DataFrame([
        {"claim": "E prefers a single 3x3 conv (share of its top-3)", "value": e_share, "holds": e_share > 0.5},
        {"claim": "C prefers all-parametric cells (share of its top-3)", "value": c_share, "holds": c_share > 0.5},
        {"claim": f"AZ-NAS's picks are above the {percentile_bar}th percentile on every dataset (share)",
         "value": az_high, "holds": az_high == 1.0},
        {"claim": "no single proxy has all its picks above that percentile on every dataset",
         "value": float(len(singles)), "holds": not singles},
    ])
    return claims, bars


def plot_fig9(picks: pd.DataFrame, n_subset: int, resolution: int, choosers=FIG9_CHOOSERS):
    """Figure 9: each chooser's picks drawn as cells (live edges solid, dead ones dashed), with
    their accuracies and percentiles under every chooser. Returns the figure."""
    import matplotlib.pyplot as plt
    import networkx as nx

    from aznas_core import cells

    short = {"nor_conv_3x3": "conv3x3", "nor_conv_1x1": "conv1x1", "skip_connect": "skip", "avg_pool_3x3": "pool"}
    colours = {"input": "#7cc47f", "intermediate": "#7fb3e6", "output": "#f2d16b"}
    pos = {0: (0.0, 0.0), 1: (1.0, 1.0), 2: (2.0, -1.0), 3: (3.0, 0.0)}

    def draw_cell(ax, arch):
        g = cells.cell_graph(arch)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_shape="s", node_size=380,
                               node_color=[colours[g.nodes[n]["role"]] for n in g])
        nx.draw_networkx_labels(g, pos, ax=ax, labels={0: "in", 1: "1", 2: "2", 3: "out"}, font_size=8)
        for live, style, colour in ((True, "solid", "k"), (False, "dashed", "0.6")):
            edges = [e for e in g.edges if g.edges[e]["live"] == live]
            nx.draw_networkx_edges(g, pos, ax=ax, edgelist=edges, style=style, edge_color=colour,
                                   node_shape="s", node_size=380, arrowsize=10,
                                   connectionstyle="arc3,rad=0.15")
            nx.draw_networkx_edge_labels(g, pos, ax=ax, font_size=7, font_color=colour,
                                         edge_labels={e: short[g.edges[e]["op"]] for e in edges},
                                         connectionstyle="arc3,rad=0.15", bbox=dict(alpha=0))
        ax.set_xlim(-0.4, 3.4); ax.set_ylim(-1.5, 1.5); ax.axis("off")

    top_k = int(picks["pick"].max())
    fig, axes = plt.subplots(len(choosers), top_k, figsize=(3.7 * top_k, 2.9 * len(choosers)))
    for row_axes, name in zip(axes, choosers):
        for ax, (_, p) in zip(row_axes, picks[picks["chooser"] == name].iterrows()):
            draw_cell(ax, p["arch"])
            acc = " | ".join(f"{c} {p[c]:.2f}" for c in ACCURACY_COLUMNS)
            pct = " ".join(f"{q[:2] if q != 'AZ-NAS' else 'AZ'} {p[f'pct_{q}']:.1f}%" for q in choosers)
            ax.set_title(f"{name} #{p['pick']}", fontsize=10, fontweight="bold")
            ax.text(0.5, -0.02, f"{acc}\n{pct}", transform=ax.transAxes, ha="center", va="top", fontsize=7)
    fig.suptitle(f"Figure 9: top-{top_k} cells by each proxy and by AZ-NAS among {n_subset} archs "
                 f"(proxies at {resolution}x{resolution})")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Figure 7

def fig7_pairs(dataset: str = IN16, resolution: int = 32, **config) -> dict:
    """Figure 7: Kendall tau of every pair of Figure 6's methods combined by Eq. 12 (the
    diagonal: the method alone) on the architectures that have every cached proxy, network
    proxies at `resolution` (a family read at the other one where that covers a larger
    documented sample). Returns dict(scores, labels, missing, pairs, best (each row's best
    partner), aznas_kt (all four AZ-NAS proxies on the same architectures))."""
    from aznas_core.report.methods import FIGURE_METHODS, method_scores, pair_nonlinear_kendall

    methods = FIGURE_METHODS
    az = next(m for m in TABLE1_METHODS if m.label == "AZ-NAS")
    proxies = proxies_of(methods + [az])
    frame, _ = comparison_frame(dataset, proxies, resolution, fallback=16 if resolution == 32 else 32, **config)
    scores = method_scores(frame, methods + [az])
    labels = [m.label for m in methods if m.label in scores]
    pairs = pair_nonlinear_kendall(scores, labels)
    return dict(scores=scores, labels=labels, missing=[m.label for m in methods if m.label not in scores],
                pairs=pairs, best={a: pairs.loc[a].drop(a).idxmax() for a in labels},
                aznas_kt=metrics.kendall_tau(scores["AZ-NAS"], scores["acc"]))


def fig7_claims(pairs: pd.DataFrame, best: dict, aznas_kt: float, n_archs: int) -> pd.DataFrame:
    """The supplement's five claims on Figure 7's `pairs` (`report.claim_row`: a claim whose
    proxies are not all in `pairs` is not tested): gradient proxies pair best with s^E or
    s^P; pairing gradient proxies helps less; s^T raises most others; ZenNAS and Snip lower
    most of #Params, GradSign, ZiCo, Synflow and NASWOT; AZ-NAS beats every pair."""
    from aznas_core.report.methods import FIGURE_METHODS, claim_row

    labels = list(pairs.index)
    all_labels = [m.label for m in FIGURE_METHODS]
    grad, g3 = ["GradSign", "ZiCo", "Synflow", "Snip"], ["GradSign", "ZiCo", "Synflow"]
    targets = ["#Params", "GradSign", "ZiCo", "Synflow", "NASWOT"]

    def single(a):
        return pairs.loc[a, a]

    def gain(a, b):  # a pair's tau over its better member
        return pairs.loc[a, b] - max(single(a), single(b))

    def best_with_ep():
        n = sum(best[g] in ("s^E", "s^P") for g in grad)
        return n > len(grad) / 2, n, len(grad), "; ".join(f"{g}: {best[g]}" for g in grad)

    def among_vs_ep():
        among = np.mean([gain(a, b) for a in g3 for b in g3 if a < b])
        with_ep = np.mean([max(gain(a, "s^E"), gain(a, "s^P")) for a in g3])
        return among < with_ep, among, with_ep, "mean gain over the better member"

    def t_raises():
        others = [a for a in labels if a != "s^T"]
        raised = [a for a in others if pairs.loc[a, "s^T"] > single(a)]
        return (len(raised) > len(others) / 2, len(raised), len(others),
                f"s^T alone {single('s^T'):.3f}; raised: {', '.join(raised)}")

    def lowers(weak):
        lowered = [a for a in targets if pairs.loc[a, weak] < single(a)]
        return len(lowered) > len(targets) / 2, len(lowered), len(targets), "lowered: " + (", ".join(lowered) or "none")

    def beats_pairs():
        off = pairs.where(~np.eye(len(labels), dtype=bool))
        return (aznas_kt > np.nanmax(off.to_numpy()), aznas_kt, np.nanmax(off.to_numpy()),
                "best pair: " + " + ".join(off.stack().idxmax()))

    claims = [
        claim_row("gradient proxies pair best with s^E or s^P (a majority of GradSign, ZiCo, Synflow, Snip)",
                  grad + ["s^E", "s^P"], labels, best_with_ep),
        claim_row("pairing gradient proxies with each other helps less than pairing them with s^E or s^P",
                  g3 + ["s^E", "s^P"], labels, among_vs_ep),
        claim_row("s^T raises the tau of most other proxies when paired", all_labels, labels, t_raises),
        *[claim_row(f"{w} lowers the tau of most of #Params, GradSign, ZiCo, Synflow, NASWOT", [w] + targets,
                    labels, lambda w=w: lowers(w)) for w in ("ZenNAS", "Snip")],
        claim_row("AZ-NAS (all four proxies) beats every pair", all_labels, labels, beats_pairs),
    ]
    claims = pd.DataFrame(claims, columns=["claim", "holds", "value", "reference", "detail"])
    claims["n_archs"] = n_archs
    return claims


def plot_fig7(pairs: pd.DataFrame, best: dict, dataset: str, n_archs: int, aznas_kt: float):
    """Figure 7's heatmap: the single proxies boxed in black, each row's best partner in red."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.patches import Rectangle

    labels = list(pairs.index)
    fig, ax = plt.subplots(figsize=(0.55 * len(labels) + 2, 0.5 * len(labels) + 1.5))
    pretty = lambda lab: f"$s^{lab[-1]}$" if lab.startswith("s^") else lab  # noqa: E731
    sns.heatmap(pairs.rename(index=pretty, columns=pretty), annot=True, fmt=".2f", cmap="viridis", square=True,
                ax=ax, annot_kws={"size": 7}, cbar_kws={"label": "Kendall's τ with the ground truth"})
    for i, a in enumerate(labels):
        ax.add_patch(Rectangle((i, i), 1, 1, fill=False, edgecolor="black", lw=2))       # the single proxy
        ax.add_patch(Rectangle((labels.index(best[a]), i), 1, 1, fill=False, edgecolor="red", lw=2))  # best partner
    ax.set_title(f"Figure 7: Kendall's τ of proxy pairs (non-linear aggregation)\n"
                 f"{DATASET_TITLES[dataset]}, {n_archs} architectures; AZ-NAS (E+P+T+C): {aznas_kt:.3f}", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Table 5

def comparison_frames(datasets, proxies, in16_resolution: int = 32, **config) -> tuple[dict, dict]:
    """`comparison_frame` for every dataset, ImageNet16-120's network proxies at
    `in16_resolution` with the other resolution (16 or 32) as the fallback. Returns
    ({dataset: frame}, {dataset: {proxy: resolution read at}})."""
    other = 16 if in16_resolution == 32 else 32
    frames, resolution_of = {}, {}
    for d in datasets:
        frames[d], resolution_of[d] = comparison_frame(
            d, list(proxies), in16_resolution if d == IN16 else None, fallback=other if d == IN16 else None, **config)
    return frames, resolution_of


#: Table 5's letters: the AZ-NAS proxies and the two baselines they are added to.
TABLE5_LETTERS = {"E": "expressivity", "P": "progressivity", "T": "trainability", "C": "complexity",
                  "ZiCo": "zico", "Synflow": "synflow"}


def table5_rows() -> tuple[pd.DataFrame, dict, dict]:
    """The paper's Table 5 (KT rows), its groups ({group: row labels}: the AZ-NAS proxies, ZiCo
    plus them, Synflow plus them) and each label's proxies."""
    from aznas_core.reported import reported

    paper = reported("P-T5").query("metric == 'KT'")
    labels = list(dict.fromkeys(paper["label"]))
    groups = {"AZ-NAS proxies": labels[:4], "ZiCo": labels[4:9], "Synflow": labels[9:14]}
    return paper, groups, {lab: [TABLE5_LETTERS[x] for x in lab.split("+")] for lab in labels}


def table5(frames: dict, resolution_of: dict, n_boot: int = 30, seed: int = 0) -> pd.DataFrame:
    """The paper's Table 5: Kendall tau (bootstrap CI) of each row, its proxies combined by
    Eq. 12 within the architectures that have every proxy of the row's group cached;
    reported | reproduced | delta, `n_archs` and the resolution the network proxies were read
    at; a group not cached keeps NaN and `n_archs` 0."""
    paper, groups, proxies = table5_rows()
    row_of = dict(zip(paper["label"], paper["row"]))
    datasets = list(frames)
    rows = []
    for d in datasets:
        for group, labs in groups.items():
            needed = list(dict.fromkeys(p for lab in labs for p in proxies[lab]))
            have = [p for p in needed if p in frames[d]]
            f = frames[d].dropna(subset=have)
            for lab in labs:
                r = dict(row=row_of[lab], label=lab, group=group, dataset=d, reproduced=np.nan,
                         ci_low=np.nan, ci_high=np.nan, n_archs=0,
                         resolution="/".join(sorted({f"{resolution_of[d][p]}" for p in proxies[lab]
                                                     if p in resolution_of[d] and p != "complexity"})) or "-")
                if len(have) == len(needed) and len(f):
                    ps = proxies[lab]
                    s = aggregate.aggregate(f, ps, "nonlinear" if len(ps) > 1 else "-").to_numpy()
                    lo, hi = (metrics.bootstrap_ci(s, f["acc"].to_numpy(), n_boot=n_boot, seed=seed)
                              if n_boot else (np.nan, np.nan))
                    r.update(reproduced=metrics.kendall_tau(s, f["acc"]), ci_low=lo, ci_high=hi, n_archs=len(f))
                rows.append(r)
    table = pd.DataFrame(rows).merge(paper[["label", "dataset", "value"]].rename(columns={"value": "reported"}),
                                     on=["label", "dataset"], how="left", validate="one_to_one")
    table["delta"] = table["reproduced"] - table["reported"]
    table = table.sort_values(["row", "dataset"], key=lambda s: s.map(datasets.index) if s.name == "dataset" else s,
                              ignore_index=True)
    return table[["row", "label", "dataset", "reported", "reproduced", "delta", "ci_low", "ci_high", "n_archs",
                  "group", "resolution"]]


def table5_steps(table: pd.DataFrame) -> pd.DataFrame:
    """Each step of Table 5 (one proxy added within a group, per dataset) with both rows
    computed: the change in tau and the architectures it is computed on."""
    steps = []
    for (group, d), g in table.groupby(["group", "dataset"], sort=False):
        g = g.sort_values("row")
        for a, b in zip(g.itertuples(), list(g.itertuples())[1:]):
            if a.reproduced == a.reproduced and b.reproduced == b.reproduced:
                steps.append(dict(group=group, dataset=d, step=f"{a.label} -> {b.label}",
                                  change=b.reproduced - a.reproduced, n_archs=b.n_archs))
    return pd.DataFrame(steps)


# --------------------------------------------------------------------------------- Figure 6

FIG6_BASELINES = ["GradNorm", "Grasp", "Snip", "Synflow", "NASWOT", "TE-NAS", "ZenNAS", "GradSign", "ZiCo"]


def fig6_kendall(dataset: str = IN16, resolution: int = 32, **config) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Figure 6: Kendall tau between the rankings of every pair of Figure 6's methods on the
    architectures that have every cached proxy (network proxies at `resolution`, a family read
    at the other one where that covers a larger documented sample). Returns (the methods'
    scores, the tau matrix, the methods not cached)."""
    from aznas_core.report.methods import FIGURE_METHODS, method_scores

    methods = FIGURE_METHODS
    frame, _ = comparison_frame(dataset, proxies_of(methods), resolution, fallback=16 if resolution == 32 else 32, **config)
    scores = method_scores(frame, methods)
    labels = [m.label for m in methods if m.label in scores]
    return scores, metrics.pairwise_kendall(scores, labels), [m.label for m in methods if m.label not in scores]


def fig6_claims(kt: pd.DataFrame, baselines=FIG6_BASELINES) -> pd.DataFrame:
    """The supplement's claims on a proxy x proxy tau table (`report.claim_row`: a claim whose
    proxies are not all in `kt` is not tested): gradient proxies correlate with each other more
    than baselines do on average; GradSign and ZiCo correlate with #Params more than the median
    baseline; each of s^E, s^P, s^T is less correlated with the baselines than they are with
    each other."""
    from aznas_core.report.methods import claim_row

    labels = list(kt.index)

    def mean_offdiag(rows, cols):
        return float(np.mean([kt.loc[a, b] for a in rows for b in cols if a != b]))

    def baseline_mean_abs():  # each baseline's mean |tau| with the other baselines, averaged
        return float(np.mean([kt.loc[a, baselines].drop(a).abs().mean() for a in baselines]))

    grad = ["GradSign", "ZiCo", "Synflow"]
    claims = [claim_row(
        "gradient proxies (GradSign, ZiCo, Synflow) correlate with each other more than baselines on average",
        grad + baselines, labels,
        lambda: (mean_offdiag(grad, grad) > mean_offdiag(baselines, baselines), mean_offdiag(grad, grad),
                 mean_offdiag(baselines, baselines), "mean pairwise tau"))]
    for p in ("GradSign", "ZiCo"):
        claims.append(claim_row(
            f"{p} correlates with #Params more than the median baseline", ["#Params"] + baselines, labels,
            lambda p=p: (kt.loc[p, "#Params"] > kt.loc[baselines, "#Params"].drop(p).median(), kt.loc[p, "#Params"],
                         kt.loc[baselines, "#Params"].drop(p).median(), "tau with #Params")))
    for p in ("s^E", "s^P", "s^T"):
        claims.append(claim_row(
            f"{p} is less correlated with the baselines than they are with each other (mean |tau|)",
            [p] + baselines, labels,
            lambda p=p: (kt.loc[p, baselines].abs().mean() < baseline_mean_abs(), kt.loc[p, baselines].abs().mean(),
                         baseline_mean_abs(), "mean |tau| with the baselines")))
    return pd.DataFrame(claims, columns=["claim", "holds", "value", "reference", "detail"])


def plot_fig6(kt: pd.DataFrame, dataset: str, n_archs: int):
    """Figure 6's heatmap of the tau matrix."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(0.55 * len(kt) + 2, 0.5 * len(kt) + 1.5))
    pretty = lambda lab: f"$s^{lab[-1]}$" if lab.startswith("s^") else lab  # noqa: E731
    sns.heatmap(kt.rename(index=pretty, columns=pretty), annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1,
                square=True, ax=ax, annot_kws={"size": 7}, cbar_kws={"label": "Kendall's τ"})
    ax.set_title(f"Figure 6: Kendall's τ between proxy rankings\n{DATASET_TITLES[dataset]}, "
                 f"{n_archs} architectures", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Figure 2

def _feature_map(points: np.ndarray):
    """n 2-D points as a (n, 2, 1, 1) feature map: each point is one feature of the block."""
    import torch

    return torch.from_numpy(points).to(torch.float64).reshape(len(points), 2, 1, 1)


def pc_spectrum(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The covariance (normalised by n, as the scorer) of 2-D points: its L1-normalised
    eigenvalues (largest first) and the principal directions (columns)."""
    x = points - points.mean(0)
    lam, vec = np.linalg.eigh(x.T @ x / len(x))
    order = lam.argsort()[::-1]
    return lam[order] / lam.sum(), vec[:, order]


def fig2(n_points: int = 1000, anisotropy: float = 0.1, angle_deg: float = 30.0, seed: int = 0,
         ratios=np.linspace(0.0, 1.0, 41)) -> dict:
    """Figure 2: expressivity s^E (the scorer's `block_expressivity`) of 2-D features, an
    anisotropic cloud (variance ratio `anisotropy`, first PC at `angle_deg`) and an isotropic
    one; and s^E of whitened features stretched to each variance ratio of `ratios`. Returns
    dict(examples, scores (PC coefficients and s^E per example), ratios, curve, exact_isotropic
    (s^E of exactly isotropic features), claims)."""
    import math

    from aznas_core.proxies.aznas import block_expressivity

    rng = np.random.default_rng(seed)
    theta = math.radians(angle_deg)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    z = rng.standard_normal((n_points, 2))
    examples = {"(a) anisotropic": z @ np.diag([1.0, math.sqrt(anisotropy)]) @ rot.T,
                "(b) isotropic": rng.standard_normal((n_points, 2))}
    rows = []
    for name, pts in examples.items():
        p, _ = pc_spectrum(pts)
        rows.append({"example": name, "PC1 coefficient": p[0], "PC2 coefficient": p[1],
                     "expressivity s^E": block_expressivity(_feature_map(pts))})
    scores = pd.DataFrame(rows).set_index("example")
    white = z - z.mean(0)
    white = white @ np.linalg.inv(np.linalg.cholesky(white.T @ white / len(white))).T
    curve = np.array([block_expressivity(_feature_map(white * np.array([1.0, math.sqrt(r)]))) for r in ratios])
    exact = block_expressivity(_feature_map(white))
    iso, aniso = scores.loc["(b) isotropic", "expressivity s^E"], scores.loc["(a) anisotropic", "expressivity s^E"]
    claims = pd.DataFrame([
        {"claim": "isotropic features score higher than anisotropic ones", "value": iso - aniso,
         "holds": bool(iso > aniso)},
        {"claim": "exactly isotropic features score log 2", "value": exact,
         "holds": bool(abs(exact - math.log(2)) < 1e-6)},
        {"claim": "no feature scores more than log 2", "value": float(max(curve.max(), iso, aniso)),
         "holds": bool(max(curve.max(), iso, aniso) <= math.log(2) + 1e-9)},
    ])
    return dict(examples=examples, scores=scores, ratios=np.asarray(ratios), curve=curve,
                exact_isotropic=exact, claims=claims)


def plot_fig2(f: dict):
    """Figure 2: the two clouds with their principal components (arrow length = normalised
    coefficient, the values in each panel's legend rather than on the cloud, where they
    overlapped the arrows and points), and s^E against the variance ratio."""
    import math

    import matplotlib.pyplot as plt

    scores = f["scores"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.3))
    for ax, (name, pts) in zip(axes, f["examples"].items()):
        p, vec = pc_spectrum(pts)
        ax.scatter(pts[:, 0], pts[:, 1], s=4, color="#4caf50", alpha=0.5)
        for k, color in ((0, "C3"), (1, "C0")):
            d = vec[:, k] * 3.0 * p[k]  # arrow length proportional to the normalized coefficient
            ax.annotate("", xy=pts.mean(0) + d, xytext=pts.mean(0),
                        arrowprops=dict(arrowstyle="-|>", color=color, lw=2.5))
            ax.plot([], [], color=color, lw=2.5, label=f"PC{k + 1}: {p[k]:.2f}")  # legend entry
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=10, frameon=False,
                  title="normalized PC coefficients", title_fontsize=9)  # under the cloud, not on it
        ax.set_title(f"{name}: $s^E$ = {scores.loc[name, 'expressivity s^E']:.3f}")
        ax.set_xlim(-4, 4); ax.set_ylim(-4, 4); ax.set_aspect("equal"); ax.grid(alpha=0.3)
    ax = axes[2]
    ax.plot(f["ratios"], f["curve"], color="k")
    ax.axhline(math.log(2), ls="--", color="gray")
    ax.text(0.02, math.log(2) - 0.05, "log 2", color="gray")
    for name, c in zip(scores.index, ("C1", "C2")):
        p = scores.loc[name]
        ax.scatter(p["PC2 coefficient"] / p["PC1 coefficient"], p["expressivity s^E"], color=c, zorder=3, label=name)
    ax.set_xlabel(r"$\lambda_2 / \lambda_1$"); ax.set_ylabel("$s^E$"); ax.legend(loc="lower right")
    ax.set_title("(c) $s^E$ vs the variance ratio"); ax.grid(alpha=0.3)
    fig.suptitle("Figure 2: expressivity of 2-D features (normalized PC coefficients as probabilities)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Figure 1

#: Figure 1's claim (3): the methods the paper calls costly.
FIG1_COSTLY = ["Grasp", "Snip", "TE-NAS", "GradSign", "ZiCo"]


def fig1_points(t1: pd.DataFrame, dataset: str = IN16, methods=TABLE1_METHODS) -> pd.DataFrame:
    """Figure 1's points, read from Table 1's long result table (`results/table1.csv`) rather
    than recomputed, so Figure 1 and Table 1 cannot disagree: per method (Table 1's order, the
    ground-truth rows left out) our and the paper's KT and Acc. on `dataset`, their tolerances,
    and ms per architecture (ours: one CPU thread, all methods in one run; the paper's: GPU).
    NaN where there is no value (no runtime for #Params and FLOPs; a method not cached yet)."""
    d = t1[t1["dataset"] == dataset].pivot(index="method", columns="metric",
                                           values=["reproduced", "reported", "tolerance"])
    ms = t1[t1["metric"] == "ms_per_arch"].set_index("method")
    order = [m.label for m in methods if m.label in d.index]
    out = pd.DataFrame({
        "ours KT": d[("reproduced", "KT")], "ours Acc": d[("reproduced", "Acc")],
        "ours ms": ms["reproduced"].reindex(d.index),
        "paper KT": d[("reported", "KT")], "paper Acc": d[("reported", "Acc")],
        "paper ms": ms["reported"].reindex(d.index),
        "KT tolerance": d[("tolerance", "KT")], "Acc tolerance": d[("tolerance", "Acc")],
    })
    return out.reindex(order)


def fig1_headline(points: pd.DataFrame) -> pd.DataFrame:
    """Figure 1's numbers as the page's key table: KT and Acc. reported | reproduced | delta,
    and ms per architecture (the paper's GPU, our CPU thread: different hardware, no delta)."""
    cols = {("KT", "reported"): points["paper KT"], ("KT", "reproduced"): points["ours KT"],
            ("KT", "delta"): points["ours KT"] - points["paper KT"],
            ("Acc. (%)", "reported"): points["paper Acc"], ("Acc. (%)", "reproduced"): points["ours Acc"],
            ("Acc. (%)", "delta"): points["ours Acc"] - points["paper Acc"],
            ("ms/arch", "paper (GPU)"): points["paper ms"], ("ms/arch", "ours (CPU, 1 thread)"): points["ours ms"]}
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = None
    return out


def style_fig1(headline: pd.DataFrame, points: pd.DataFrame):
    """A Styler for `fig1_headline`: KT to 3 decimals, Acc. to 2, ms to 0; each delta green
    within its method's tolerance, red outside; a missing value (no runtime for #Params and
    FLOPs) shown as '-'."""
    def colour(col):
        tol = points["KT tolerance" if col.name[0] == "KT" else "Acc tolerance"].reindex(col.index)
        return ["" if v != v or t != t else "background-color: #d9f2d9" if abs(v) <= t + 1e-12
                else "background-color: #f8d7da" for v, t in zip(col, tol)]
    kt = [c for c in headline.columns if c[0] == "KT"]
    acc = [c for c in headline.columns if c[0] == "Acc. (%)"]
    ms = [c for c in headline.columns if c[0] == "ms/arch"]
    return (headline.style.format(precision=3, na_rep="-", subset=kt)
            .format(precision=2, na_rep="-", subset=acc).format(precision=0, na_rep="-", subset=ms)
            .apply(colour, subset=[c for c in headline.columns if c[1] == "delta"]))


def fig1_claims(points: pd.DataFrame, costly=FIG1_COSTLY) -> pd.DataFrame:
    """Figure 1's three claims on our numbers (`results/fig1.csv`): AZ-NAS has the highest KT;
    it selects the most accurate architecture; it is cheaper per architecture than the cheapest
    of the `costly` methods. A claim whose methods are not all cached is not tested."""
    from aznas_core.report.methods import claim_row

    ours = points.dropna(subset=["ours KT"])
    rivals = ours.drop(index="AZ-NAS")
    timed = points.index[points["ours ms"].notna()]

    def best(col):
        return (ours.loc["AZ-NAS", col] > rivals[col].max(), ours.loc["AZ-NAS", col], rivals[col].max(),
                f"best other: {rivals[col].idxmax()}")

    def cheaper():
        cheapest = points.loc[costly, "ours ms"].idxmin()
        return (points.loc["AZ-NAS", "ours ms"] < points.loc[cheapest, "ours ms"], points.loc["AZ-NAS", "ours ms"],
                points.loc[cheapest, "ours ms"], f"cheapest costly method: {cheapest}")

    return pd.DataFrame([
        claim_row("AZ-NAS has the highest Kendall's tau on ImageNet16-120", points.index, ours.index,
                  lambda: best("ours KT")),
        claim_row("AZ-NAS selects the most accurate architecture on ImageNet16-120 (Acc.)", points.index,
                  ours.index, lambda: best("ours Acc")),
        claim_row(f"AZ-NAS is cheaper per architecture than the costly methods ({', '.join(costly)})",
                  list(costly) + ["AZ-NAS"], timed, cheaper),
    ], columns=["claim", "holds", "value", "reference", "detail"])


def _segment_hits(a, b, c, r) -> bool:
    """Whether the segment a-b passes within r of the point c (display coordinates)."""
    ab = b - a
    u = 0.0 if not ab.any() else float(np.clip(np.dot(c - a, ab) / np.dot(ab, ab), 0, 1))
    return bool(np.hypot(*(a + u * ab - c)) < r)


def _segment_box(a, b, box) -> bool:
    """Whether the segment a-b passes through `box` (x0, y0, x1, y1), sampled finely."""
    t = np.linspace(0, 1, 50)[:, None]
    q = a + t * (b - a)
    return bool(((q[:, 0] > box[0]) & (q[:, 0] < box[2]) & (q[:, 1] > box[1]) & (q[:, 1] < box[3])).any())


def _place_labels(ax, x, y, radius_pt, names, fontsize: float = 9, pad_pt: float = 2.0):
    """Label each bubble without overlaps: for each point (most crowded first) try positions
    around its bubble (right, above, left, below, the diagonals), then the same further out with
    a leader line, and keep the first that touches no other label, no bubble and stays inside the
    axes (else the least overlapping one). Positions are computed in display space, so call this
    after the figure's layout is final."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    k = fig.dpi / 72.0
    p = ax.transData.transform(np.c_[x, y])
    rad = np.asarray(radius_pt, dtype=float) * k
    pad = pad_pt * k
    frame = ax.get_window_extent()
    bubbles = [(px - r, py - r, px + r, py + r) for (px, py), r in zip(p, rad)]

    def overlap(a, b):
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    crowd = [sum(np.hypot(*(p[j] - p[i])) < 60 * k for j in range(len(p))) for i in range(len(p))]
    placed, texts = [], []
    angles = np.deg2rad([0, 90, 180, 270, 45, 135, 315, 225, 22.5, 67.5, 112.5, 157.5, 202.5, 247.5,
                         292.5, 337.5])
    for i in sorted(range(len(p)), key=lambda i: (names[i] != "AZ-NAS", -crowd[i], i)):
        t = ax.text(x[i], y[i], names[i], fontsize=fontsize, ha="center", va="center", zorder=5,
                    fontweight="bold" if names[i] == "AZ-NAS" else "normal")
        bb = t.get_window_extent(renderer)
        w, h = bb.width, bb.height
        best = None
        for extra in (0, 8, 18, 30, 45, 60):
            for a in angles:
                dx, dy = np.cos(a), np.sin(a)
                gap = rad[i] + pad + extra * k
                # the box's side facing the point touches the circle of radius `gap`
                s_ = min(w / 2 / max(abs(dx), 1e-9), h / 2 / max(abs(dy), 1e-9))
                cx, cy = p[i][0] + dx * (gap + s_), p[i][1] + dy * (gap + s_)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                cost = sum(overlap(box, b) for b in placed) + sum(overlap(box, b) for b in bubbles)
                out = (max(0, frame.x0 - box[0]) + max(0, box[2] - frame.x1)
                       + max(0, frame.y0 - box[1]) + max(0, box[3] - frame.y1))
                cost += out * h * 10
                # a label without a leader line must sit nearer its own bubble than any other;
                # a leader line (which says whose label it is) may cross neither another bubble
                # nor a placed label
                def near(j):
                    q = np.array([min(max(p[j][0], box[0]), box[2]), min(max(p[j][1], box[1]), box[3])])
                    return np.hypot(*(q - p[j])) - rad[j]
                if extra == 0:
                    cost += sum(near(j) < near(i) - pad for j in range(len(p)) if j != i) * w * h
                else:
                    end = np.array([min(max(p[i][0], box[0]), box[2]), min(max(p[i][1], box[1]), box[3])])
                    cost += sum(_segment_hits(p[i], end, p[j], rad[j]) * w * h  # a bubble
                                for j in range(len(p))  # covering this point is crossed anyway
                                if j != i and np.hypot(*(p[j] - p[i])) >= rad[j])
                    cost += sum(_segment_box(p[i], end, b) * w * h for b in placed)
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, box, extra > 0)
            if best[0] == 0:
                break
        cost, box, leader = best
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        t.set_position(ax.transData.inverted().transform((cx, cy)))
        if leader:  # a line from the bubble's edge to the nearest point of the label's box
            end = np.array([min(max(p[i][0], box[0]), box[2]), min(max(p[i][1], box[1]), box[3])])
            v = end - p[i]
            start = p[i] + v / np.linalg.norm(v) * rad[i]
            a, b = ax.transData.inverted().transform(np.vstack([start, end]))
            ax.plot([a[0], b[0]], [a[1], b[1]], color="0.25", lw=0.8, zorder=4)
        placed.append(box)
        texts.append(t)
    return texts


def plot_fig1(points: pd.DataFrame, dataset: str = IN16):
    """Figure 1 from `fig1_points`: KT (x) against the selected architecture's Acc. (y), bubble
    size and colour = ms per architecture (log scale); ours (left) and the paper's (right).
    Methods at the very same point (#Params and FLOPs rank NAS-Bench-201 cells identically)
    share one label; labels are placed apart from each other and from the bubbles."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 5.6))
    drawn = []
    for ax, who, unit in ((axes[0], "ours", "CPU ms/arch, 1 thread"), (axes[1], "paper", "GPU ms/arch")):
        p = points.dropna(subset=[f"{who} KT", f"{who} Acc"])
        ms = p[f"{who} ms"]
        size = ms.fillna(ms.min() if ms.notna().any() else 1.0)
        norm = plt.matplotlib.colors.LogNorm(vmin=max(size.min(), 1e-3), vmax=max(size.max(), 1e-3 * 1.01))
        area = 40 + 400 * np.sqrt(size / size.max())
        sc = ax.scatter(p[f"{who} KT"], p[f"{who} Acc"], s=area, c=size, cmap="viridis_r", norm=norm,
                        alpha=0.75, edgecolor="black", linewidth=0.5)
        ax.margins(x=0.14, y=0.16)
        fig.colorbar(sc, ax=ax, label=unit)
        ax.set_xlabel("Kendall's τ")
        ax.set_ylabel("Acc. of the selected architecture (%)")
        ax.set_title(f"{'Reproduced (this repository)' if who == 'ours' else 'Reported (paper)'}: "
                     f"{DATASET_TITLES[dataset]}", fontsize=11)
        ax.grid(alpha=0.3)
        xy = p[[f"{who} KT", f"{who} Acc"]].round(6)
        groups = xy.groupby(list(xy.columns), sort=False).groups  # one label per distinct point
        drawn.append((ax, [(kx, ky, np.sqrt(area[list(ix)].max()) / 2, ", ".join(ix))
                           for (kx, ky), ix in groups.items()]))
    fig.tight_layout()
    for ax, labels in drawn:
        ax.set_autoscale_on(False)
        kx, ky, r, names = zip(*labels)
        _place_labels(ax, np.array(kx), np.array(ky), np.array(r), list(names))
    return fig


def style_claims(claims: pd.DataFrame, precision: int = 3):
    """A Styler for a figure's claims table (claim, holds, value, reference, detail): `holds`
    green where the claim holds on our numbers, red where it does not, blank where it is not
    testable yet; numbers to `precision` decimals, a missing one as '-'. The verdict table the
    figure pages open with."""
    def colour(col):
        return ["" if v is None or v != v else
                "background-color: #d9f2d9" if bool(v) else "background-color: #f8d7da" for v in col]
    num = [c for c in claims.columns if c != "holds" and pd.api.types.is_numeric_dtype(claims[c])]
    return (claims.style.format(precision=precision, na_rep="-", subset=num)
            .format(lambda v: "not yet testable" if v is None or v != v else ("holds" if v else "does not hold"),
                    subset=["holds"])
            .apply(colour, subset=["holds"]).hide(axis="index"))


# --------------------------------------------------------------------------------- Figure 4

#: Figure 4's eight panels, in the paper's order (the eighth, not named in the text we have: Snip).
FIG4_PANELS = ["Synflow", "NASWOT", "TE-NAS", "ZenNAS", "GradSign", "ZiCo", "Snip", "AZ-NAS"]


def fig4_panels(dataset: str = IN16, resolution: int = 32, labels=FIG4_PANELS, **config) -> tuple[int, dict]:
    """Figure 4's panels on the 1,042 architectures of `uniform_subset()` (a method is drawn on
    all of them or not at all): per method its predicted and ground-truth ranks within the
    subset (1042 = best), Kendall's tau, Spearman's rho, and `misranked`, the share of its
    top-10% predicted architectures in the bottom half of the ground truth. Returns (number of
    subset architectures with a cached score, {label: panel})."""
    from aznas_core.benchmarks.nb201 import uniform_subset

    methods = [next(m for m in TABLE1_METHODS if m.label == lab) for lab in labels]
    proxies = list(dict.fromkeys(p for m in methods for p in m.proxies))
    frame, _ = comparison_frame(dataset, proxies, resolution, fallback=16 if resolution == 32 else 32, **config)
    subset = set(uniform_subset())
    frame = frame[frame["index"].isin(subset)].reset_index(drop=True)
    panels = {}
    for m in methods:
        if not set(m.proxies) <= set(frame.columns):
            continue
        f = frame.dropna(subset=list(m.proxies))
        if len(f) < len(subset):
            continue
        s = aggregate.aggregate(f, list(m.proxies), m.aggregation)
        pred, true = aggregate.ranks(s), aggregate.ranks(f["acc"])
        top = pred > np.quantile(pred, 0.9)
        panels[m.label] = dict(pred=pred, true=true, tau=metrics.kendall_tau(s, f["acc"]),
                               rho=metrics.spearman_rho(s, f["acc"]), n=len(f),
                               misranked=float(np.mean(true[top] <= len(f) / 2)))
    return len(frame), panels


def fig4_claims(panels: dict, labels=FIG4_PANELS) -> pd.DataFrame:
    """Figure 4's claims (`results/fig4.csv`): AZ-NAS has the highest tau and the highest rho
    of the eight; it puts the fewest of its top-10% in the bottom half of the ground truth.
    `n_archs`: the subset's size."""
    from aznas_core.benchmarks.nb201 import uniform_subset
    from aznas_core.report.methods import claim_row

    rivals = {k: v for k, v in panels.items() if k != "AZ-NAS"}

    def highest(key):
        best = max(rivals, key=lambda k: rivals[k][key])
        return panels["AZ-NAS"][key] > rivals[best][key], panels["AZ-NAS"][key], rivals[best][key], f"best other: {best}"

    def fewest_misranked():
        best = min(rivals, key=lambda k: rivals[k]["misranked"])
        az = panels["AZ-NAS"]["misranked"]
        return az <= rivals[best]["misranked"], az, rivals[best]["misranked"], f"lowest other: {best}"

    claims = [claim_row(f"AZ-NAS has the highest {name} of the eight methods", labels, panels,
                        lambda key=key: highest(key)) for key, name in (("tau", "Kendall's tau"), ("rho", "Spearman's rho"))]
    claims.append(claim_row("AZ-NAS puts the fewest of its top-10% in the bottom half of the ground truth",
                            labels, panels, fewest_misranked))
    claims = pd.DataFrame(claims, columns=["claim", "holds", "value", "reference", "detail"])
    claims["n_archs"] = len(uniform_subset())
    return claims


def fig4_table(panels: dict, labels=FIG4_PANELS) -> pd.DataFrame:
    """One row per panel: tau, rho, the top-10% share in the bottom half, n (NaN where a
    method is not cached on all of the subset)."""
    cols = ["tau", "rho", "misranked", "n"]
    t = pd.DataFrame([{k: panels[lab][k] for k in cols} if lab in panels else {k: np.nan for k in cols}
                      for lab in labels], index=list(labels))
    return t.rename(columns={"tau": "Kendall's τ", "rho": "Spearman's ρ",
                             "misranked": "top-10% in bottom half", "n": "n_archs"})


def plot_fig4(panels: dict, dataset: str = IN16, labels=FIG4_PANELS):
    """Figure 4: predicted (x) against ground-truth (y) rank, one panel per method, AZ-NAS in
    red; a method not cached on the whole subset says so in its panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(13, 6.8), sharex=True, sharey=True)
    for ax, label, letter in zip(axes.flat, labels, "abcdefgh"):
        p = panels.get(label)
        if p is None:
            ax.text(0.5, 0.5, "not yet cached", ha="center", va="center", transform=ax.transAxes, color="0.4")
        else:
            ax.scatter(p["pred"], p["true"], s=3, alpha=0.5, color="C3" if label == "AZ-NAS" else "C0", rasterized=True)
            ax.plot([0, p["n"]], [0, p["n"]], color="0.5", lw=0.8, ls="--")
            ax.text(0.04, 0.96, f"τ = {p['tau']:.3f}\nρ = {p['rho']:.3f}", transform=ax.transAxes, va="top",
                    fontsize=9, bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
        ax.set_title(f"({letter}) {label}", fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("predicted rank")
    for ax in axes[:, 0]:
        ax.set_ylabel("ground-truth rank")
    n = next(iter(panels.values()))["n"] if panels else 0
    fig.suptitle(f"Figure 4: predicted vs ground-truth rank, {dataset}, {n:,} architectures")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- Figure 5

#: Figure 5's six panels: {title: combination label}.
FIG5_PANELS = {"(a) expressivity": "E", "(b) progressivity": "P", "(c) trainability": "T",
               "(d) complexity": "C", "(e) linear aggregation": "E+P+T+C L",
               "(f) non-linear aggregation (AZ-NAS)": "E+P+T+C NL"}


def fig5(dataset: str = IN16, resolutions=(32, 16), seed: int = 0, panels=FIG5_PANELS) -> dict:
    """Figure 5 on the 1,042 architectures of `uniform_subset()`, at each resolution of E, P, T:
    `frames` {resolution: scores with ground truth}, `ranks` {resolution: one column of ranks
    within the subset per panel (1 = worst)}, `truth_rank` and `kt`, the long table of tau and
    rho per (panel, resolution) (`results/fig5_kt.csv`). Every architecture of the subset must
    be cached: the paper's ranks are within all 1,042."""
    from aznas_core import sweep
    from aznas_core.benchmarks.nb201 import uniform_subset
    from aznas_core.report.common import PROXY_LETTERS, combination_scores

    subset = uniform_subset()
    frames, rows = {}, []
    for r in resolutions:
        f = sweep.scores(dataset=dataset, proxies=list(PROXY_LETTERS.values()), seed=seed, resolution=r)
        f = sweep.with_ground_truth(f[f["index"].isin(subset)], dataset).reset_index(drop=True)
        if len(f) != len(subset):
            raise ValueError(f"{r}x{r}: {len(f)} of {len(subset)} architectures cached")
        frames[r] = f
        for name, label in panels.items():
            s = combination_scores(f, label)
            rows.append({"panel": name, "label": label, "resolution": r, "n_archs": len(f),
                         "kt": metrics.kendall_tau(s, f["acc"]), "spr": metrics.spearman_rho(s, f["acc"])})
    ranks = {r: pd.DataFrame({name: aggregate.ranks(combination_scores(f, label)) for name, label in panels.items()})
             for r, f in frames.items()}
    return dict(frames=frames, ranks=ranks, truth_rank={r: aggregate.ranks(f["acc"]) for r, f in frames.items()},
                kt=pd.DataFrame(rows))


def fig5_claims(kt: pd.DataFrame, resolution: int) -> pd.DataFrame:
    """Figure 5's claims at `resolution` (`results/fig5.csv`): non-linear aggregation has the
    highest tau of the six panels, and beats linear aggregation (value: the tau difference)."""
    main = kt[kt["resolution"] == resolution].set_index("label")["kt"]
    return pd.DataFrame([
        {"claim": "non-linear aggregation has the highest tau of the six panels",
         "value": float(main["E+P+T+C NL"]), "holds": bool(main.idxmax() == "E+P+T+C NL")},
        {"claim": "non-linear aggregation beats linear aggregation",
         "value": float(main["E+P+T+C NL"] - main["E+P+T+C L"]),
         "holds": bool(main["E+P+T+C NL"] > main["E+P+T+C L"])},
    ])


def plot_fig5(f: dict, resolution: int, dataset: str = IN16):
    """Figure 5 from `fig5`: predicted (x) against ground-truth (y) rank per panel, points
    coloured by the AZ-NAS rank (panel f), best drawn last; tau and rho in each title."""
    import matplotlib.pyplot as plt

    ranks, truth, kt = f["ranks"][resolution], f["truth_rank"][resolution], f["kt"]
    names = list(ranks.columns)
    m = len(ranks)
    colour = ranks[names[-1]]
    order = np.argsort(colour, kind="stable")  # draw the best last, on top
    fig, axes = plt.subplots(2, 3, figsize=(12.5, 8.0), sharex=True, sharey=True, layout="constrained")
    for ax, name in zip(axes.flat, names):
        sc = ax.scatter(ranks[name][order], truth[order], c=colour[order], cmap="YlGnBu",
                        s=7, vmin=1, vmax=m, linewidths=0)
        ax.plot([1, m], [1, m], color="gray", lw=0.8, ls="--")
        row = kt[(kt["panel"] == name) & (kt["resolution"] == resolution)].iloc[0]
        ax.set_title(f"{name}\nτ = {row['kt']:.3f}, ρ = {row['spr']:.3f}", fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("predicted rank")
    for ax in axes[:, 0]:
        ax.set_ylabel("ground-truth rank")
    fig.colorbar(sc, ax=axes, shrink=0.6, label="AZ-NAS rank (f)")
    fig.suptitle(f"Figure 5: predicted vs true rank, {DATASET_TITLES[dataset]}, {m} architectures "
                 f"(proxies at {resolution}x{resolution})")
    return fig


# ------------------------------------------------------------------- Tables 6 and 10 (reported)

def table6() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's Table 6 (NDS: ENAS, Amoeba, NASNet), reported only: nothing here can be
    recomputed offline (no NDS ground truth), so the page shows the transcription. Returns
    (`wide`: one row per method in the paper's layout, KT and 'Acc. mean ± std' per space, as
    text; `tidy`: one row per (method, space, metric), `results/table6.csv`)."""
    from aznas_core.reported import reported

    paper = reported("P-T6")
    paper["space"] = paper["note"].str.removeprefix("space=")
    spaces, methods = list(dict.fromkeys(paper["space"])), list(dict.fromkeys(paper["label"]))
    cells = paper.assign(cell=[f"{v:.3f}" if m == "KT" else f"{v:.2f} ± {s:g}"
                               for m, v, s in zip(paper["metric"], paper["value"], paper["std"])])
    wide = cells.pivot(index="label", columns=["space", "metric"], values="cell").loc[methods]
    wide = wide[[(s, m) for s in spaces for m in ("KT", "Acc")]]
    wide.columns = [f"{s} {'KT' if m == 'KT' else 'Acc. (%)'} (reported)" for s, m in wide.columns]
    wide.index.name = "method"
    tidy = paper[["row", "label", "space", "metric", "value", "std"]].rename(
        columns={"label": "method", "value": "reported", "std": "reported_std"})
    tidy.insert(0, "status", "reported")
    return wide, tidy


def table10() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's Table 10 (trainability targets), reported only: the accuracies need
    ImageNet training. Returns (`table`: one row per model, the s^T objective, its target and
    the reported top-1; `tidy`: the same with file column names, `results/table10.csv`)."""
    from aznas_core.reported import reported

    paper = reported("P-T10")
    target = paper[paper["metric"] == "target_trainability"].set_index("label")
    top1 = paper[paper["metric"] == "top1"].set_index("label")
    table = pd.DataFrame({"row": target["row"],
                          "s^T objective": target["note"].str.removeprefix("s^T objective: "),
                          "target s^T": target["value"], "ImageNet top-1 (%) reported": top1["value"]})
    table.index.name = "model"
    tidy = table.reset_index().rename(columns={"target s^T": "target_trainability",
                                               "ImageNet top-1 (%) reported": "reported_top1",
                                               "s^T objective": "objective"})
    tidy.insert(0, "status", "reported")
    return table, tidy


# ------------------------------------------- Table 10 / Figure 8: the scaled analogue (ours)

#: The paper's s^T objectives (Table 10): None = maximise, else "close to" that value; Model#6
#: and Model#7 continue the paper's steps (an extension: at our scale Model#2 and Model#3 answer
#: Model#1's network, and the two give the training analysis five distinct networks).
TABLE10_PAPER_TARGETS = {"Model#1": None, "Model#2": -0.2, "Model#3": -0.3, "Model#4": -0.4,
                         "Model#5": -0.5, "Model#6": -0.6, "Model#7": -0.7}
#: The paper's s^T (224x224, batch 64) x TABLE10_SCALE = s^T at our search scale (64x64,
#: batch 16): the median ratio of the two over 10 candidates scored at both (11.1,
#: `trainability_scale`), rounded.
TABLE10_SCALE = 11.0
#: Table 2's CPU scale (the maximize search IS Table 2's committed 450M seed-0 search).
TABLE10_SEARCH = dict(budget=450e6, seed=0, iterations=120, population=16, resolution=64, batch_size=16)
#: The training of the found networks (natural images, 32x32): see `table10_train_config`.
TABLE10_TRAIN = dict(epochs=50, lr=0.02, warmup_epochs=1, batch_size=64,
                     proxy_epochs=(0, 1, 2, 5, 10, 20, 30, 40, 50))
TABLE10_SCALE_FILE = "table10-trainability-scale.csv"


def table10_targets(scale: float = TABLE10_SCALE, models=None) -> dict:
    """{model: our s^T target (None = maximise)}: the paper's target times `scale`."""
    models = models or list(TABLE10_PAPER_TARGETS)
    return {m: (None if TABLE10_PAPER_TARGETS[m] is None else round(TABLE10_PAPER_TARGETS[m] * scale, 6))
            for m in models}


def table10_search_config(target, budget=450e6, seed=0, iterations=120, population=16, resolution=64,
                          batch_size=16):
    """The `search.SearchConfig` of one Table 10 search: Table 2's (`search_config`) with
    `trainability_target`."""
    import dataclasses

    cfg = search_config(budget, "evolution", seed, iterations, population, resolution, batch_size)
    return dataclasses.replace(cfg, trainability_target=target)


def table10_searches(scale: float = TABLE10_SCALE, models=None, recompute: bool = False, root=None,
                     **search_kw) -> dict:
    """{model: its search history}, read from the committed histories (or run into `root`
    with `recompute`); `search_kw` overrides TABLE10_SEARCH."""
    from aznas_core import search

    kw = {**TABLE10_SEARCH, **search_kw}
    out = {}
    for m, t in table10_targets(scale, models).items():
        cfg = table10_search_config(t, **kw)
        out[m] = search.run(cfg, root=root, progress=False) if recompute else search.load(cfg)
    return out


def table10_found(histories: dict, scale: float = TABLE10_SCALE) -> pd.DataFrame:
    """One row per model: its objective, the paper's and our target, the network found (the
    argmax of the aggregate with the model's objective), its s^T at init at the search's scale,
    its distance to the target, its other proxies, both FLOPs counters and #Params, and
    `network` (N1, N2, ... in order of first appearance: models that found the same network
    share it)."""
    from aznas_core import search
    from aznas_core.spaces import mbv2

    targets = table10_targets(scale, list(histories))
    rows, names = [], {}
    for m, h in histories.items():
        top = search.best(h)
        t, paper_t = targets[m], TABLE10_PAPER_TARGETS[m]
        names.setdefault(top["arch"], f"N{len(names) + 1}")
        rows.append(dict(model=m, objective="maximize" if t is None else f"close to {paper_t:g}",
                         paper_target=0.0 if paper_t is None else paper_t, target=t, network=names[top["arch"]],
                         arch=top["arch"], sT_search=top["trainability"],
                         distance_to_target=np.nan if t is None else abs(top["trainability"] - t),
                         expressivity=top["expressivity"], progressivity=top["progressivity"],
                         **mbv2.costs(top["arch"]), iterations=len(h), search_seconds=h["seconds"].sum(),
                         candidates_sT_max=h["trainability"].max(), candidates_sT_min=h["trainability"].min()))
    return pd.DataFrame(rows)


def table10_calibration_archs(n: int = 10, seeds=(0, 1, 2)) -> list[str]:
    """The candidates that calibrate the s^T scale: the pooled Table 7 histories (450M, seeds
    0-2, deduplicated), `n` of them evenly spaced in s^T order."""
    from aznas_core import search

    pool = pd.concat([search.load(table10_search_config(None, **{**TABLE10_SEARCH, "seed": s}))
                      for s in seeds]).drop_duplicates("arch")
    pool = pool.sort_values("trainability", kind="stable").reset_index(drop=True)
    idx = np.unique(np.linspace(0, len(pool) - 1, n).round().astype(int))
    return pool["arch"].iloc[idx].tolist()


def trainability_scale(archs=None, found=None, seed: int = 0, recompute: bool = False,
                       path=None) -> pd.DataFrame:
    """s^T of each candidate at our search's scale (64x64, batch 16) and at the paper's (224x224,
    batch 64), same seed (`problems.mbv2_score`), with CPU seconds: the calibration candidates
    (`table10_calibration_archs`, role 'calibration') and the found networks (`found`, role
    'found'). Read from data/searches/TABLE10_SCALE_FILE unless `recompute` (then written there,
    or to `path`)."""
    import time

    from aznas_core import search
    from aznas_core.problems import mbv2_score

    path = Path(path or search.SEARCH_DIR / TABLE10_SCALE_FILE)
    if not recompute:
        if not path.is_file():
            raise ValueError(f"no {path}; run report.trainability_scale(recompute=True)")
        return pd.read_csv(path)
    todo = [(a, "calibration") for a in (archs or table10_calibration_archs())]
    if found is not None:
        todo += [(a, "found") for a in dict.fromkeys(found["arch"])]
    rows = []
    for a, role in todo:
        t0 = time.process_time()
        small = mbv2_score(a, TABLE10_SEARCH["resolution"], TABLE10_SEARCH["batch_size"], seed)["trainability"]
        t1 = time.process_time()
        paper = mbv2_score(a, 224, 64, seed)["trainability"]
        rows.append(dict(role=role, arch=a, sT_64_bs16=small, sT_224_bs64=paper,
                         cpu_seconds_64=t1 - t0, cpu_seconds_224=time.process_time() - t1))
    out = pd.DataFrame(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return out


def trainability_scale_summary(scale: pd.DataFrame) -> dict:
    """The calibration's median ratio (64x64/batch 16 over 224x224/batch 64), the ranges and
    Spearman's rho between the two scales over the calibration candidates."""
    cal = scale[scale["role"] == "calibration"]
    return dict(n=len(cal), median_ratio=float(cal["sT_64_bs16"].median() / cal["sT_224_bs64"].median()),
                range_64=(float(cal["sT_64_bs16"].min()), float(cal["sT_64_bs16"].max())),
                range_224=(float(cal["sT_224_bs64"].min()), float(cal["sT_224_bs64"].max())),
                spearman=float(metrics.spearman_rho(cal["sT_64_bs16"], cal["sT_224_bs64"])))


def table10_train_config(**overrides):
    """The `train.TrainConfig` the found networks are trained with: natural images at 32x32,
    E, P, T recorded along the epochs; TABLE10_TRAIN's recipe (SGD, Nesterov, momentum 0.9,
    weight decay 5e-4 as NATS-Bench, but batch 64, peak lr 0.02 and a one-epoch linear warm-up:
    the authors' MobileNetV2 scripts warm up for 5 of 150 epochs; `table10_recipe_trials`)."""
    from aznas_core import train

    kw = {**TABLE10_TRAIN, **overrides}
    return train.TrainConfig(space="mbv2", source="natural", proxies=("expressivity", "progressivity", "trainability"),
                             **kw)


#: Short trials that chose TABLE10_TRAIN's recipe, on the maximize network (N1), 8 epochs, no
#: proxies: NATS-Bench's recipe (lr 0.1, batch 256, no warm-up) and warmed-up SGD at batch 64.
TABLE10_RECIPES = (dict(lr=0.1, warmup_epochs=0, batch_size=256), dict(lr=0.1, warmup_epochs=1, batch_size=64),
                   dict(lr=0.05, warmup_epochs=1, batch_size=64), dict(lr=0.02, warmup_epochs=1, batch_size=64),
                   dict(lr=0.01, warmup_epochs=1, batch_size=64))
TABLE10_RECIPE_EPOCHS = 8


def table10_recipe_trials(found: pd.DataFrame, recompute: bool = False, root=None,
                          recipes=TABLE10_RECIPES, epochs: int = TABLE10_RECIPE_EPOCHS) -> pd.DataFrame:
    """The recipe trials (committed under data/training/, or trained into `root` with
    `recompute`): per recipe, the steps per epoch, the largest and the last training loss and
    the last test accuracy of the maximize network (N1) after `epochs` epochs; recipes not
    (yet) trained are left out."""
    from aznas_core import train

    arch = found.loc[found["network"] == "N1", "arch"].iloc[0]
    rows = []
    for r in recipes:
        cfg = train.TrainConfig(space="mbv2", source="natural", epochs=epochs, **r)
        d = (train.train([arch], cfg, root=root, progress=False) if recompute
             else train.results(cfg, root, [arch]))
        if d.empty:
            continue
        ep = d[d["epoch"] > 0]
        rows.append(dict(**r, steps_per_epoch=int(np.ceil(cfg.train_size / cfg.batch_size)),
                         max_train_loss=ep["train_loss"].max(), last_train_loss=ep["train_loss"].iloc[-1],
                         last_test_acc=100 * ep["test_acc"].iloc[-1],
                         cpu_seconds_per_epoch=ep["cpu_seconds"].mean()))
    return pd.DataFrame(rows)


def table10_training(found: pd.DataFrame, cfg=None, recompute: bool = False, root=None,
                     workers: int = 1) -> pd.DataFrame:
    """The found networks' training rows (one per network and epoch, `train` columns), read
    from data/training/ (or trained into `root` with `recompute`), with `network` added."""
    from aznas_core import train

    cfg = cfg or table10_train_config()
    archs = list(dict.fromkeys(found["arch"]))
    frame = (train.train(archs, cfg, root=root, workers=workers, progress=False) if recompute
             else train.results(cfg, root, archs))
    if frame.empty:
        return frame
    return frame.merge(found.drop_duplicates("arch")[["arch", "network"]], on="arch")


def table10_ours(found: pd.DataFrame, training: pd.DataFrame, scale: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 10 with ours beside the paper's: per model, the objective, our target, the network,
    s^T at init (search scale; paper scale where `scale` has it; the training network's at
    32x32, epoch 0), FLOPs/params, our final test accuracy and the reported ImageNet top-1."""
    paper, _ = table10()
    last = training[training["epoch"] == training["epochs"]].set_index("arch") if len(training) else None
    first = training[training["epoch"] == 0].set_index("arch") if len(training) else None
    at224 = scale.drop_duplicates("arch").set_index("arch")["sT_224_bs64"] if scale is not None else None
    rows = []
    for r in found.itertuples():
        rows.append({"model": r.model, "s^T objective": r.objective, "our target": r.target, "network": r.network,
                     "s^T init (64px, search)": r.sT_search,
                     "s^T init (224px)": at224.get(r.arch, np.nan) if at224 is not None else np.nan,
                     "s^T init (32px, training)": first["trainability"].get(r.arch, np.nan) if first is not None else np.nan,
                     "FLOPs (M, reported counter)": r.flops_reported_counter / 1e6, "params (M)": r.params / 1e6,
                     "test acc (%, ours)": 100 * last["test_acc"].get(r.arch, np.nan) if last is not None else np.nan,
                     "ImageNet top-1 (%) reported": paper["ImageNet top-1 (%) reported"].get(r.model, np.nan)})
    return pd.DataFrame(rows).set_index("model")


#: Claim thresholds (stated in the notebook): Spearman's rho over the distinct networks.
TABLE10_RHO = 0.7


def table10_claims(found: pd.DataFrame, training: pd.DataFrame, rho_min: float = TABLE10_RHO) -> pd.DataFrame:
    """The paper's three claims on our distinct networks (n = number of distinct networks; a
    model sharing its network with another adds no evidence): (1) higher s^T at init (search
    scale) -> higher final test accuracy: Spearman's rho >= rho_min; (2) the s^T ranking is
    roughly preserved along training: rho between s^T at init and at every later recorded
    epoch, its median >= rho_min; (3) training curves ordered by s^T from the warm-up on:
    rho between s^T at init and -train loss at the end of the warm-up and, median over all
    epochs, >= rho_min. One row per claim (and per epoch for the curves): statistic, value,
    threshold, holds, n_archs (the `results/table10_claims.csv` of the status page)."""
    nets = found.drop_duplicates("arch").set_index("arch")
    done = training[training["epoch"] == training["epochs"]]["arch"] if len(training) else pd.Series(dtype=str)
    nets = nets.loc[[a for a in nets.index if a in set(done)]]
    n = len(nets)
    rows, per_epoch = [], []
    if n < 3:
        for c in ("higher s^T at init -> higher final test accuracy", "s^T ranking preserved along training",
                  "training loss ordered by s^T from the warm-up on"):
            rows.append(dict(claim=c, statistic="", value=np.nan, threshold=rho_min, holds=None, n_archs=n))
        return pd.DataFrame(rows)
    tr = training[training["arch"].isin(nets.index)]
    s0 = nets["sT_search"]

    def rho(values):
        v = values.reindex(s0.index)
        return float(metrics.spearman_rho(s0.to_numpy(), v.to_numpy(float)))

    final = tr[tr["epoch"] == tr["epochs"]].set_index("arch")["test_acc"]
    r1 = rho(final)
    rows.append(dict(claim="higher s^T at init -> higher final test accuracy",
                     statistic="Spearman rho(s^T init, final test acc)", value=r1, threshold=rho_min,
                     holds=bool(r1 >= rho_min), n_archs=n))
    st = tr.dropna(subset=["trainability"])
    t_init = st[st["epoch"] == 0].set_index("arch")["trainability"]
    keep = []
    for e in sorted(st["epoch"].unique()):
        if e == 0:
            continue
        at = st[st["epoch"] == e].set_index("arch")["trainability"].reindex(t_init.index)
        keep.append(float(metrics.spearman_rho(t_init.to_numpy(), at.to_numpy(float))))
    r2 = float(np.median(keep)) if keep else np.nan
    rows.append(dict(claim="s^T ranking preserved along training",
                     statistic="median over recorded epochs of rho(s^T epoch 0, s^T epoch e), training network",
                     value=r2, threshold=rho_min, holds=bool(r2 >= rho_min) if keep else None, n_archs=n))
    warm = int(tr["warmup_epochs"].iloc[0]) if "warmup_epochs" in tr else 1
    losses = {e: rho(-tr[tr["epoch"] == e].set_index("arch")["train_loss"])
              for e in sorted(tr["epoch"].unique()) if e >= 1}
    r3w, r3m = losses.get(max(warm, 1), np.nan), float(np.median(list(losses.values())))
    rows.append(dict(claim="training loss ordered by s^T from the warm-up on",
                     statistic=f"Spearman rho(s^T init, -train loss) at the warm-up's end (epoch {max(warm, 1)})",
                     value=r3w, value_median=r3m, threshold=rho_min,
                     holds=bool(r3w >= rho_min and r3m >= rho_min), n_archs=n))
    return pd.DataFrame(rows)


def table10_verdicts(claims: pd.DataFrame) -> list[str]:
    """One printed line per claim: statistic, value, threshold, verdict."""
    out = []
    for r in claims.itertuples():
        extra = f" and, median over epochs 1..E, {r.value_median:+.2f}" if "value_median" in claims and pd.notna(getattr(r, "value_median", np.nan)) else ""
        verdict = "not testable" if r.holds is None or pd.isna(r.holds) else ("holds" if r.holds else "does not hold")
        out.append(f"{r.claim}: {r.statistic} = {r.value:+.2f}{extra}, threshold >= {r.threshold:.2f}, "
                   f"n = {r.n_archs} networks -> {verdict}")
    return out


def table10_costs(found: pd.DataFrame, histories: dict, training: pd.DataFrame) -> pd.DataFrame:
    """What each model cost here: its search (candidates, seconds, median seconds per
    candidate) and its network's training (epochs done, mean CPU and wall seconds per
    network-epoch, seconds of E/P/T along training). Models sharing a network share its
    training cost."""
    rows = []
    for r in found.itertuples():
        h = histories[r.model]
        d = training[training["arch"] == r.arch] if len(training) else pd.DataFrame()
        ep = d[d["epoch"] > 0] if len(d) else d
        rows.append(dict(model=r.model, network=r.network, candidates=len(h), search_seconds=h["seconds"].sum(),
                         median_seconds_per_candidate=h["seconds"].median(),
                         epochs_trained=int(ep["epoch"].max()) if len(ep) else 0,
                         cpu_seconds_per_epoch=ep["cpu_seconds"].mean() if len(ep) else np.nan,
                         wall_seconds_per_epoch=ep["seconds"].mean() if len(ep) else np.nan,
                         proxy_seconds=d["proxy_seconds"].sum() if len(d) else np.nan))
    return pd.DataFrame(rows)


def plot_table10(found: pd.DataFrame, training: pd.DataFrame):
    """Figure 8's analogue: s^T along epochs (a), test accuracy (b), training loss (c) and
    training accuracy (d), one line per distinct network labelled with its models and s^T."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    nets = found.groupby("arch", sort=False).agg(models=("model", lambda m: "/".join(x.removeprefix("Model") for x in m)),
                                                 network=("network", "first"), sT=("sT_search", "first"))
    nets = nets.sort_values("sT", ascending=False)
    panels = [("trainability", "(a) s^T along training (32px, training network)"), ("test_acc", "(b) test accuracy"),
              ("train_loss", "(c) training loss"), ("train_acc", "(d) training accuracy")]
    for ax, (col, title) in zip(axes.flat, panels):
        for arch, r in nets.iterrows():
            d = training[training["arch"] == arch].dropna(subset=[col]).sort_values("epoch")
            ax.plot(d["epoch"], d[col], marker="o" if col == "trainability" else None, ms=3,
                    label=f"{r.network} ({r.models}), s^T init {r.sT:.2f}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ Tables 3 and 7 (searches)

#: AZ-NAS's proxies for ViTs (no progressivity; PROTOCOLS.md E).
VIT_KEYS = ["expressivity", "trainability", "complexity"]


def table3_found(subsets: dict, resolution: int = 64, batch_size: int = 8, seed: int = 0,
                 recompute: bool = False, root=None) -> tuple[dict, pd.DataFrame]:
    """Table 3's searches: random search in AutoFormer's space within each subset's #Params
    window, `subsets` {subset: candidates}, read from the committed histories (or run into
    `root` with `recompute`). Returns ({subset: history}, the best ViT per subset:
    `results/table3.csv`)."""
    from aznas_core import search
    from aznas_core.spaces import autoformer as af

    histories, rows = {}, []
    for sub, n in subsets.items():
        lo, hi = af.WINDOWS[sub]
        cfg = search.SearchConfig(space="autoformer", strategy="random", iterations=n, seed=seed, subset=sub,
                                  min_budget=lo, budget=hi, resolution=resolution, batch_size=batch_size)
        h = histories[sub] = search.run(cfg, root=root) if recompute else search.load(cfg)
        top = search.best(h)
        rows.append(dict(subset=sub, arch=top["arch"], params=top["params"], flops=top["flops"],
                         iterations=len(h), search_seconds=h["seconds"].sum()))
    return histories, pd.DataFrame(rows)


def table3_counters() -> pd.DataFrame:
    """Our #Params and FLOPs (M) of the authors' six published ViTs beside the paper's
    Table 3 (with its reported top-1 and search cost): checks the counters behind the
    search's constraints."""
    from aznas_core.reported import reported
    from aznas_core.spaces import autoformer as af

    paper = reported("P-T3")
    paper = paper[paper["label"] == "AZ-NAS"]
    rows = []
    keys = [(s, b) for s in af.SUBSETS for b in ("plain", "tftas")]
    for (sub, budget), row in zip(keys, sorted(paper["row"].unique())):
        arch = af.published(sub, budget)
        p = paper[paper["row"] == row].set_index("metric")["value"]
        rows.append(dict(subset=sub, budget=budget, params_ours=af.params(arch) / 1e6, params_paper=p["params_m"],
                         flops_ours=af.complexity(arch) / 1e6, flops_paper=p["flops_m"],
                         top1_paper=p["top1"], search_gpu_days_paper=p["search_cost_gpu_days"]))
    return pd.DataFrame(rows)


def published_ranks(histories: dict, published: pd.DataFrame, keys=VIT_KEYS) -> pd.DataFrame:
    """Where each published ViT (`published`: one scored row per (subset, budget)) ranks among
    our candidates of its subset: added to the sample, the non-linear aggregate recomputed over
    sample + it; rank 1 = best, `percentile` = share of the pool it beats."""
    rows = []
    for r in published.itertuples():
        pool = pd.concat([histories[r.subset][keys + ["arch"]], pd.DataFrame([{k: getattr(r, k) for k in keys + ["arch"]}])],
                         ignore_index=True)
        agg = aggregate.nonlinear(pool, keys).to_numpy()
        rows.append(dict(subset=r.subset, budget=r.budget, params=r.params, rank=int((agg > agg[-1]).sum()) + 1,
                         of=len(pool), percentile=100 * (agg < agg[-1]).mean()))
    return pd.DataFrame(rows)


def table7_found(seeds, budget: float = 450e6, iterations: int = 120, population: int = 16,
                 resolution: int = 64, batch_size: int = 16, recompute: bool = False,
                 root=None) -> tuple[dict, pd.DataFrame]:
    """Table 7's searches: Algorithm 1 in the MobileNetV2 space at `budget`, one per seed, read
    from the committed histories (or run into `root` with `recompute`). Returns ({seed:
    history}, one row per seed with the answer's costs: `results/table7.csv`'s columns)."""
    from aznas_core import search
    from aznas_core.spaces import mbv2

    histories = {}
    for s in seeds:
        cfg = search.SearchConfig(space="mbv2", iterations=iterations, population=population, seed=s, budget=budget,
                                  max_layers=mbv2.BUDGETS[budget], resolution=resolution, batch_size=batch_size)
        histories[s] = search.run(cfg, root=root) if recompute else search.load(cfg)
    rows = []
    for s, h in histories.items():
        top = search.best(h)
        rows.append(dict(budget=f"{budget / 1e6:g}M", seed=s, arch=top["arch"], **mbv2.costs(top["arch"]),
                         aggregated_score=top["aggregated"], iterations=len(h), search_seconds=h["seconds"].sum()))
    found = pd.DataFrame(rows)
    return histories, found[["budget", "seed", "arch", "flops_budget_counter", "flops_reported_counter", "params",
                             "layers", "aggregated_score", "iterations", "search_seconds"]]


def seed_agreement(histories: dict, found: pd.DataFrame, keys=SEARCH_KEYS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Do the seeds agree on what AZ-NAS prefers? All candidates pooled and the aggregate
    recomputed over the pool: per seed, its answer's percentile in the pool and the share of
    the *other* seeds' candidates it beats; per pair of answers, whether they have as many
    blocks and the share of positions whose block type (expansion, kernel) coincides."""
    from aznas_core.spaces import mbv2

    pool = pd.concat([h.assign(seed=s) for s, h in histories.items()], ignore_index=True)
    pool["pooled"] = aggregate.nonlinear(pool, list(keys)).to_numpy()
    agree = []
    for r in found.itertuples():
        me = pool[(pool["seed"] == r.seed) & (pool["arch"] == r.arch)]["pooled"].max()
        others = pool[pool["seed"] != r.seed]["pooled"]
        agree.append(dict(seed=r.seed, pooled_percentile=100 * (pool["pooled"] < me).mean(),
                          beats_other_seeds_candidates=100 * (others < me).mean()))
    types = [[b.type for b in mbv2.parse(a)] for a in found["arch"]]
    seeds = found["seed"].tolist()
    pairs = [dict(seeds=f"{seeds[i]} vs {seeds[j]}", same_blocks=len(types[i]) == len(types[j]),
                  type_agreement=np.mean([x == y for x, y in zip(types[i], types[j])]))
             for i in range(len(types)) for j in range(i + 1, len(types))]
    return pd.DataFrame(agree), pd.DataFrame(pairs)


# ------------------------------------------------------- AZ-NAS on TransNAS-Bench-101 micro

TNB101_TASKS = ["class_object", "class_scene", "jigsaw", "autoencoder", "normal", "room_layout", "segmentsemantic"]
TNB101_EPT = ["expressivity", "progressivity", "trainability"]


def defined_spearman(score, truth) -> float:
    """Spearman's rho, or NaN where it is undefined: when the score or the truth takes a single
    value (a proxy that failed on every architecture stores one sentinel), there is no ranking
    to correlate. Said in the table as 'undefined', not as SciPy's ConstantInputWarning."""
    s, t = np.asarray(score, dtype=float), np.asarray(truth, dtype=float)
    if np.unique(s[~np.isnan(s)]).size < 2 or np.unique(t[~np.isnan(t)]).size < 2:
        return float("nan")
    return metrics.spearman_rho(s, t)


def tnb101_costs_check(tasks=TNB101_TASKS) -> pd.DataFrame:
    """Our FLOPs and #Params counter against the suite's, per task: the largest absolute
    difference (M) over the suite's architectures (claim 1: the networks are the benchmark's)."""
    from aznas_core.benchmarks import zc_suite
    from aznas_core.spaces import tnb101_micro as tnb

    rows = []
    for t in tasks:
        s = zc_suite.load("tnb101_micro", t)
        ours = np.array([tnb.costs(a, t)[:2] for a in s["arch"]])
        rows.append({"task": t, "n_archs": len(s), "max_abs_diff_mflops": float(np.abs(ours[:, 0] - s["flops"]).max()),
                     "max_abs_diff_mparams": float(np.abs(ours[:, 1] - s["params"]).max())})
    return pd.DataFrame(rows)


def tnb101_study(study, reference: tuple, tasks=TNB101_TASKS) -> dict:
    """What the input resolution changes, on the fixed 100-architecture sample: for each cached
    (resolution, batch size) of `study`, ms per architecture (`timing`), Kendall's tau of E, P,
    T and AZ-NAS against the `reference` configuration on the architectures cached in all
    (`agree`), and their Spearman rho with each task's ground truth (`rho`)."""
    from aznas_core import sweep
    from aznas_core.benchmarks import zc_suite
    from aznas_core.proxies import Config
    from aznas_core.report.methods import ms_per_arch
    from aznas_core.spaces import tnb101_micro as tnb

    truth = zc_suite.tnb101_micro_ground_truth().pivot(index="arch", columns="task", values="val_accuracy")
    sample = zc_suite.tnb101_study_archs()
    frames, timing = {}, []
    for r, b in study:
        cache = sweep.read_cache(Config(space="tnb101_micro", dataset="class_object", resolution=r, batch_size=b))
        if cache.empty:
            continue
        f = frames[(r, b)] = cache.pivot(index="arch", columns="proxy", values="value").reindex(sample).dropna()
        timing.append({"resolution": r, "batch_size": b, "archs_cached": len(f),
                       "ms_per_arch": ms_per_arch(cache[cache["arch"].isin(f.index)], TNB101_EPT)})
    common = sorted(set.intersection(*(set(f.index) for f in frames.values())))
    scored = {}
    for k, f in frames.items():
        g = scored[k] = f.loc[common, TNB101_EPT].copy()
        g["complexity"] = [tnb.costs(a, "class_object")[0] for a in g.index]
        g["aznas"] = aggregate.nonlinear(g, TNB101_EPT + ["complexity"]).to_numpy()
    cols = TNB101_EPT + ["aznas"]
    agree = pd.DataFrame([{"resolution": k[0], "batch_size": k[1],
                           **{f"tau_{p}_vs_{reference[0]}": metrics.kendall_tau(g[p], scored[reference][p]) for p in cols}}
                          for k, g in scored.items()])
    rho = pd.DataFrame([{"resolution": k[0], "batch_size": k[1], "task": t,
                         **{p: defined_spearman(g[p], truth.loc[g.index, t]) for p in cols}}
                        for k, g in scored.items() for t in tasks])
    return dict(sample=sample, common=common, timing=pd.DataFrame(timing), agree=agree, rho=rho)


def tnb101_suite(resolution: int = 64, batch_size: int = 32, tasks=TNB101_TASKS) -> dict:
    """AZ-NAS beside the NAS-Bench-Suite-Zero proxies on each task's architectures that our
    cache holds: Spearman's rho of E, P, T, C and AZ-NAS (ours) and of the suite's proxies with
    the suite's `val_accuracy`, and of AZ-NAS with the full-space file's (`aznas (gt_zip)`).
    Returns `table` (long, `results/tnb101_aznas.csv`); `wide` (proxy x task, with `mean` over
    the tasks and `tasks_defined`; a rho is undefined (NaN) where a proxy stores one value for
    every architecture, and so is the mean of a proxy undefined on some task); `ranks`, the
    average rank over the tasks of the proxies defined on all of them; `undefined`, {proxy:
    tasks where its rho is undefined}."""
    from aznas_core.benchmarks import zc_suite

    truth = zc_suite.tnb101_micro_ground_truth().pivot(index="arch", columns="task", values="val_accuracy")
    cached = zc_suite.tnb101_aznas_scores(resolution, batch_size, archs=None).set_index("arch")
    rows = []
    for t in tasks:
        s = zc_suite.load("tnb101_micro", t).set_index("arch")
        archs = [a for a in s.index if a in cached.index]
        ours = zc_suite.tnb101_aznas_scores(resolution, batch_size, archs=archs, task=t).set_index("arch")
        y = s.loc[archs, "val_accuracy"]
        for p in [*TNB101_EPT, "complexity", "aznas"]:
            rows.append({"task": t, "proxy": p, "ours": True, "rho": defined_spearman(ours[p], y), "n_archs": len(archs)})
        rows.append({"task": t, "proxy": "aznas (gt_zip)", "ours": True,
                     "rho": defined_spearman(ours["aznas"], truth.loc[archs, t]), "n_archs": len(archs)})
        for p in zc_suite.proxies("tnb101_micro", t):
            rows.append({"task": t, "proxy": p, "ours": False, "rho": defined_spearman(s.loc[archs, p], y),
                         "n_archs": len(archs)})
    table = pd.DataFrame(rows)
    wide = table.pivot(index="proxy", columns="task", values="rho")[list(tasks)]
    defined = wide.notna().sum(axis=1)
    wide["mean"] = wide.mean(axis=1).where(defined == len(tasks))
    wide["tasks_defined"] = defined
    wide = wide.sort_values(["mean", "tasks_defined"], ascending=False, na_position="last")
    full = wide[wide["tasks_defined"] == len(tasks)].drop(index="aznas (gt_zip)", errors="ignore")
    ranks = full[list(tasks)].rank(ascending=False).mean(axis=1).sort_values()
    undefined = {p: [t for t in tasks if wide.loc[p, t] != wide.loc[p, t]] for p in wide.index
                 if wide.loc[p, "tasks_defined"] < len(tasks)}
    return dict(table=table, wide=wide, ranks=ranks, undefined=undefined)


def tnb101_verdict(suite: dict) -> str:
    """Two sentences from `tnb101_suite`: AZ-NAS's average rank among the proxies defined on
    every task and its mean rho, and which proxies' rho is undefined where."""
    ranks, wide = suite["ranks"], suite["wide"]
    n_tasks = len(wide.columns) - 2
    k = int((ranks < ranks["aznas"]).sum()) + 1
    other = ranks.drop(index="aznas")
    nth = "best" if k == 1 else f"{k}{ {2: 'nd', 3: 'rd'}.get(k, 'th')} best"
    first = (f"AZ-NAS has the {nth} average rank of the {len(ranks)} proxies "
             f"defined on all {n_tasks} tasks ({ranks['aznas']:.2f}; "
             f"{'next' if k == 1 else 'best'}: {other.index[0]}, {other.iloc[0]:.2f}) and a mean Spearman rho "
             f"of {wide.loc['aznas', 'mean']:.2f} with the tasks' ground truth.")
    if not suite["undefined"]:
        return first
    return first + " Undefined (the proxy stores one value for every architecture): " + "; ".join(
        f"{p} on {len(ts)} of {n_tasks} tasks" for p, ts in suite["undefined"].items()) + "."
