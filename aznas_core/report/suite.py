"""Our scores beside NAS-Bench-Suite-Zero's (`aznas_core.benchmarks.zc_suite`): AZ-NAS on the
suite's NAS-Bench-201 and TransNAS-Bench-101 micro architectures from this repository's
sweep cache, and the per-task frames and Spearman table the blog's artifacts read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core import aggregate, sweep
from aznas_core.benchmarks.zc_suite import (AZNAS_PARTS, BLOG_PROXIES, BLOG_TASKS, SPACES,
                                            blog_task_name, load, tasks)
from aznas_core.config import Config
from aznas_core.data import PROJECT_ROOT
from aznas_core.metrics import spearman_rho
from aznas_core.proxies import FAMILIES
from aznas_core.scoring import score
from aznas_core.spaces import nb201
from aznas_core.spaces import tnb101_micro as tnb_space

CONTENDERS = ("aznas",)

#: E, P, T, C of the suite's NAS-Bench-201 architectures, extracted from the sweep cache (all
#: three tasks, default resolutions) so the notebooks need not read 15,625-row sweeps and count
#: FLOPs; `write_nb201_aznas_cache()` rebuilds it and a test recomputes it.
NB201_AZNAS_CACHE = PROJECT_ROOT / "data" / "scores" / "zc_suite" / "nb201_aznas.parquet"


def nb201_aznas(task: str, resolution: int | None = None, cached: bool = True) -> pd.DataFrame:
    """AZ-NAS on the suite's NAS-Bench-201 architectures of `task`, from this repository's
    sweep cache: arch, expressivity, progressivity, trainability, complexity and `aznas`
    (non-linear rank aggregation of the four, Eq. 12, ranked within these architectures).

    `resolution`: input size of E, P, T (default: the dataset's own, 16 for ImageNet16-120;
    32 reads the 32x32 sweep, the input the paper's ImageNet16-120 numbers match).
    Complexity is counted for `task`'s network (its classifier). With `cached`, the default
    resolution reads `NB201_AZNAS_CACHE` when it exists."""

    nb201.check_dataset(task)
    if cached and resolution is None and NB201_AZNAS_CACHE.is_file():
        c = pd.read_parquet(NB201_AZNAS_CACHE)
        frame = c[c["task"] == task].drop(columns="task").reset_index(drop=True)
        if len(frame) == len(load("nb201", task)):
            frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
            return frame
    net_dataset = "cifar10" if resolution == 32 else task
    if resolution not in (None, 32, nb201.DATASETS[task]["resolution"]):
        raise ValueError(f"no cached sweep at resolution {resolution} for {task}")
    net = sweep.scores(dataset=net_dataset, proxies=AZNAS_PARTS[:3])
    archs = load("nb201", task)[["arch"]]
    frame = archs.merge(net.drop(columns="index"), on="arch", how="left", validate="one_to_one")
    if frame[list(AZNAS_PARTS[:3])].isna().all(axis=1).any():
        raise RuntimeError(f"the {net_dataset} sweep cache lacks some suite architectures")
    cfg = Config(dataset=task)
    frame["complexity"] = [score(a, ["complexity"], config=cfg)["complexity"]
                           for a in frame["arch"]]
    frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
    return frame


def write_nb201_aznas_cache() -> Path:
    """Recompute `NB201_AZNAS_CACHE` from the sweep caches (all three tasks)."""
    parts = [nb201_aznas(t, cached=False).drop(columns="aznas").assign(task=t)
             for t in tasks("nb201")]
    NB201_AZNAS_CACHE.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(parts, ignore_index=True).to_parquet(NB201_AZNAS_CACHE, index=False)
    return NB201_AZNAS_CACHE


def tnb101_micro_aznas(task: str) -> pd.DataFrame | None:
    """AZ-NAS on the suite's TransNAS-Bench-101 micro architectures of `task`, from the sweep
    cache of the documented configuration (`TNB101_AZNAS_CONFIG`), or None while that cache
    lacks some of them (notebooks then say "not yet computed"). Columns as
    `tnb101_aznas_scores`: index, arch (TransNAS string), expressivity, progressivity,
    trainability, complexity (the suite's FLOPs, which our counter reproduces), aznas."""
    archs = load("tnb101_micro", task)["arch"]
    try:
        return tnb101_aznas_scores(archs=archs, task=task)
    except RuntimeError:  # partial cache: treated as not yet computed
        return None


def contender_scores(space: str, task: str) -> pd.DataFrame | None:
    """Our AZ-NAS scores (arch, E, P, T, C, aznas) on the suite's architectures of (space,
    task), or None where we have none (yet)."""
    if space == "nb201":
        return nb201_aznas(task)
    if space == "tnb101_micro":
        return tnb101_micro_aznas(task)
    return None


def task_frame(space: str, task: str, contenders: bool = True) -> pd.DataFrame:
    """arch, val_accuracy, the blog's proxies the file has, and (with `contenders`) our AZ-NAS
    columns where they exist, on the suite's architectures of (space, task)."""
    f = load(space, task)
    f = f[["arch", "val_accuracy", *[p for p in BLOG_PROXIES if p in f]]]
    ours = contender_scores(space, task) if contenders else None
    if ours is not None:
        f = f.merge(ours, on="arch", how="left", validate="one_to_one")
    return f


def spearman_table(contenders: bool = True) -> pd.DataFrame:
    """Long frame, one row per (space, task, proxy) we have data for: space, task (the blog's
    name where the blog has the task), proxy, rho (Spearman against val_accuracy), n_archs,
    in_blog (the task is one of the blog's 12)."""

    rows = []
    for space in SPACES:
        for task in tasks(space):
            f = task_frame(space, task, contenders)
            name = blog_task_name(task)
            for p in [c for c in [*BLOG_PROXIES, *AZNAS_PARTS, *CONTENDERS] if c in f]:
                rows.append({"space": space, "task": name, "proxy": p,
                             "rho": spearman_rho(f[p], f["val_accuracy"]), "n_archs": len(f),
                             "in_blog": name in BLOG_TASKS.get(space, ())})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# TransNAS-Bench-101 micro: AZ-NAS from this repository's sweep of the tnb101_micro space
# --------------------------------------------------------------------------------------
#: (resolution, batch size) of the AZ-NAS scores on TNB101-micro (why: tnb101_aznas.ipynb)
TNB101_AZNAS_CONFIG = (64, 32)


def tnb101_study_archs(n: int = 100, seed: int = 0) -> list[str]:
    """The resolution study's sample: `n` of the suite's 711 micro architectures (a fixed
    uniform draw, in suite order)."""
    archs = load("tnb101_micro", "class_object")["arch"].to_numpy()
    pick = np.sort(np.random.default_rng(seed).choice(len(archs), n, replace=False))
    return list(archs[pick])


def tnb101_aznas_scores(resolution: int | None = None, batch_size: int | None = None,
                        archs=None, task: str = "class_object") -> pd.DataFrame:
    """AZ-NAS on TransNAS-Bench-101 micro from the sweep cache, one row per architecture:
    index (benchmark), arch ('64-41414-a_bc_def'), expressivity, progressivity,
    trainability, complexity (the task's FLOPs as the suite counts them; our counter
    reproduces the suite's `flops` exactly) and aznas (Eq. 12 over the four, ranked within
    the rows returned).

    Default configuration `TNB101_AZNAS_CONFIG`. `archs`: restrict to these (e.g. the
    suite's 711 of a task); a RuntimeError names what is missing from the cache. E, P, T
    read only the encoder, which every task shares, and the decoder adds a per-task
    constant to FLOPs, so the ranking is the same for every task."""

    r, b = TNB101_AZNAS_CONFIG
    cfg = Config(space="tnb101_micro", dataset=task, resolution=resolution or r,
                 batch_size=batch_size or b)
    frame = sweep.scores(config=cfg, proxies=AZNAS_PARTS[:3])
    if archs is not None:
        want = pd.DataFrame({"arch": [tnb_space.validate(a) for a in archs]})
        frame = want.merge(frame, on="arch", how="left")
        lacking = frame.loc[frame[list(AZNAS_PARTS[:3])].isna().any(axis=1), "arch"]
        if len(lacking):
            raise RuntimeError(f"{len(lacking)} of {len(frame)} architectures are not in the "
                               f"tnb101_micro cache {FAMILIES['aznas'].key(cfg)} (e.g. {lacking.iloc[0]}); "
                               "run data/scores/run_tnb101_micro.py")
        frame["index"] = [tnb_space.index(a) for a in frame["arch"]]
    frame = frame[["index", "arch", *AZNAS_PARTS[:3]]].reset_index(drop=True)
    frame["complexity"] = [tnb_space.costs(a, task)[0] for a in frame["arch"]]
    frame["aznas"] = aggregate.nonlinear(frame, list(AZNAS_PARTS)).to_numpy()
    return frame


# --------------------------------------------------------------------------------------
# The proxies page: our implementations beside the authors' code (validation.authors)
# --------------------------------------------------------------------------------------
#: speed target per family (our ms against the authors'): at least as fast, TE-NAS and
#: GradSign at least 3x
SPEED_TARGETS = {"tenas": 3.0, "gradsign": 3.0}


def authors_summary(values: pd.DataFrame, ntk_batch: int, batch_size: int) -> pd.DataFrame:
    """`validation.authors.summarize`, with SciPy's ConstantInputWarning kept out of the output:
    a proxy constant over the architectures (the number of linear regions on a few cells) has no
    Spearman correlation; its `spearman` is NaN, which the page shows as "undefined"."""
    import warnings

    from scipy.stats import ConstantInputWarning

    from aznas_core.validation import authors

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)
        return authors.summarize(values, ntk_batch, batch_size)


def authors_kendall(values: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Kendall's tau with `truth` (accuracy by arch) of the authors' scores ("authors' code") and
    ours, per proxy and for TE-NAS (`aggregate.te_nas` of each side), with their delta (ours -
    theirs) and the number of architectures."""
    from aznas_core.metrics import kendall_tau

    out = {}
    for side in ("theirs", "ours"):
        w = values.pivot(index="arch", columns="proxy", values=side)
        w["te_nas"] = aggregate.te_nas(w)
        out[side] = {p: kendall_tau(w[p], truth[w.index]) for p in w.columns}
    kt = pd.DataFrame(out).rename(columns={"theirs": "authors' code KT", "ours": "our KT"})
    kt["delta"] = kt["our KT"] - kt["authors' code KT"]
    kt["n_archs"] = values["arch"].nunique()
    kt.index.name = "proxy"
    return kt


def float32_floor(f64: pd.DataFrame) -> pd.DataFrame:
    """Per proxy, the largest relative difference of ours vs theirs in float32, of each side's
    float32 against its float64, and of ours vs theirs in float64 (`authors.rel_diff`)."""
    from aznas_core.validation.authors import rel_diff

    def rd(a, b):
        return [rel_diff(x, y) for x, y in zip(f64[a], f64[b])]

    pairs = {"ours_vs_theirs": ("ours", "theirs"), "ours32_vs_64": ("ours", "ours_f64"),
             "theirs32_vs_64": ("theirs", "theirs_f64"), "float64_ours_vs_theirs": ("ours_f64", "theirs_f64")}
    floor = f64.assign(**{k: rd(a, b) for k, (a, b) in pairs.items()}).groupby("proxy", sort=False)[list(pairs)].max()
    floor.insert(0, "n_archs", f64.groupby("proxy", sort=False)["arch"].nunique())
    return floor


def speed_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per family: median ms per architecture, ours and theirs, the speed-up, its target
    (`SPEED_TARGETS`, else 1) and whether it is met."""
    speed = summary.drop_duplicates("family")[["family", "ms_ours", "ms_theirs", "speedup"]].reset_index(drop=True)
    speed["target"] = speed["family"].map(SPEED_TARGETS).fillna(1.0)
    speed["met"] = speed["speedup"] >= speed["target"]
    return speed


def proxies_verdict(summary: pd.DataFrame, kt: pd.DataFrame, floor: pd.DataFrame, speed: pd.DataFrame,
                    tolerance: float = 0.02) -> str:
    """The proxies page's verdict, computed from its tables: how closely our implementations rank
    the architectures as the authors' code does, the KT gap, the float64 agreement and speed."""
    rho = summary["spearman"].dropna()
    slow = speed[~speed["met"]]
    return (f"Verdict: on {int(summary['n_archs'].max())} NAS-Bench-201 architectures, all {len(summary)} proxies "
            f"computed by both rank them as the authors' code does (Spearman between the two implementations "
            f"at least {np.floor(rho.min() * 1e4) / 1e4:.4f} where defined); Kendall's tau with the test accuracy differs by at most "
            f"{kt['delta'].abs().max():.3f} ({int((kt['delta'].abs() <= tolerance).sum())} of {len(kt)} within "
            f"{tolerance}); in float64 the two agree to "
            f"{'1e-8' if (floor['float64_ours_vs_theirs'] < 1e-8).all() else 'worse than 1e-8'}. "
            f"{int(speed['met'].sum())} of {len(speed)} proxy families meet their speed target"
            + (f" ({', '.join(f'{r.family}: {r.speedup:.1f}x of {r.target:.0f}x' for r in slow.itertuples())} not)."
               if len(slow) else "."))


def coverage_wide(cov: pd.DataFrame) -> pd.DataFrame:
    """`validation.tables.coverage()` as family/proxy x (dataset, variant, resolution) counts of
    cached architectures, the configurations with no cache left out."""
    wide = cov.pivot_table(index=["family", "proxy"], columns=["dataset", "variant", "resolution"],
                           values="archs", aggfunc="first", fill_value=0)
    return wide.loc[:, (wide > 0).any()] if (wide > 0).any().any() else wide


def truth_kendall_wide(corr: pd.DataFrame, datasets) -> pd.DataFrame:
    """`report.proxy_correlations` rows with a cache as proxy x dataset KT, plus the sample sizes
    ("architectures", one per dataset), sorted by CIFAR-10's KT."""
    corr = corr[corr["n_archs"] > 0]
    kt = corr.pivot(index="proxy", columns="dataset", values="KT")[list(datasets)]
    kt["architectures"] = corr.groupby("proxy")["n_archs"].agg(lambda n: "/".join(f"{int(v):,}" for v in n))
    return kt.sort_values(datasets[0], ascending=False)


def plot_truth_kendall(corr: pd.DataFrame, kt_wide: pd.DataFrame, titles: dict):
    """Each proxy's KT with the test accuracy and its 95% bootstrap CI, one marker per dataset,
    proxies in `kt_wide`'s order."""
    import matplotlib.pyplot as plt

    order = kt_wide.index.tolist()
    datasets = [c for c in kt_wide.columns if c != "architectures"]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(order) + 1))
    for k, d in enumerate(datasets):
        c = corr[corr["dataset"] == d].set_index("proxy").reindex(order)
        y = np.arange(len(order)) + (k - 1) * 0.25
        ax.errorbar(c["KT"], y, xerr=[c["KT"] - c["KT_low"], c["KT_high"] - c["KT"]], fmt="o", ms=4,
                    capsize=2, label=titles[d])
    ax.set_yticks(np.arange(len(order)), [f"{p} (n={kt_wide.loc[p, 'architectures']})" for p in order], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Kendall's τ with test accuracy (95% bootstrap CI)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def write_proxies_results(frames: dict, results_dir: Path | None = None) -> None:
    """results/<name>.{csv,md} for each name -> frame of the proxies page (CSV to 6 significant
    digits, Markdown to 4)."""
    d = Path(results_dir or PROJECT_ROOT / "results")
    d.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(d / f"{name}.csv", index=False, float_format="%.6g")
        (d / f"{name}.md").write_text(frame.to_markdown(index=False, floatfmt=".4g") + "\n")


# --------------------------------------------------------------------------------------
# AZ-NAS Figure 3: Kendall's tau among the four AZ-NAS proxies
# --------------------------------------------------------------------------------------
def kendall_matrix(frame: pd.DataFrame, columns, labels=None) -> pd.DataFrame:
    """Kendall's tau-b (`metrics.kendall_tau`, NaN ranked lowest) between every pair of
    `columns` of `frame`, unit diagonal; rows and columns named by `labels` (default the columns)."""
    import itertools

    from aznas_core.metrics import kendall_tau

    columns = list(columns)
    labels = list(labels or columns)
    m = pd.DataFrame(np.eye(len(columns)), index=labels, columns=labels)
    for (i, a), (j, b) in itertools.combinations(enumerate(columns), 2):
        m.iloc[i, j] = m.iloc[j, i] = kendall_tau(frame[a], frame[b])
    return m


def fig3(dataset: str = "ImageNet16-120", resolutions=(32, 16), seed: int = 0, write: bool = False) -> dict:
    """AZ-NAS Figure 3 from the sweep cache: per resolution the E/P/T/C Kendall matrix over all
    architectures ("matrices"), their number ("archs"), each proxy's mean tau with the other
    three ("mean_with_others", proxy x "RxR"), the claim "trainability is the least correlated"
    on the first resolution ("claims") and every pair once ("long"). `write`: results/fig3{,_kt}."""
    from aznas_core.report.common import PROXY_LETTERS, write_results

    proxies = list(PROXY_LETTERS.values())
    letters = list(PROXY_LETTERS)
    frames = {r: sweep.scores(dataset=dataset, proxies=proxies, seed=seed, resolution=r, complete=True)
              for r in resolutions}
    matrices = {r: kendall_matrix(f, proxies, letters) for r, f in frames.items()}
    mean = pd.DataFrame({f"{r}x{r}": (m.sum() - 1) / (len(m) - 1) for r, m in matrices.items()})
    mean.index.name = "proxy"
    r0, main = resolutions[0], mean.iloc[:, 0]
    claims = pd.DataFrame([{"claim": f"trainability is the least correlated with the other proxies ({r0}x{r0})",
                            "value": float(main["T"]), "holds": bool(main.idxmin() == "T")}])
    long = pd.concat([m.rename_axis(index="proxy_a", columns="proxy_b").stack().rename("kt").reset_index()
                      .assign(resolution=r) for r, m in matrices.items()], ignore_index=True)
    long = long[long["proxy_a"] < long["proxy_b"]].reset_index(drop=True)
    if write:
        write_results(claims, "fig3")
        write_results(long, "fig3_kt")
    return dict(matrices=matrices, archs={r: len(f) for r, f in frames.items()}, mean_with_others=mean,
                claims=claims, long=long)


def plot_fig3(matrices: dict, title: str):
    """One annotated Kendall heatmap per resolution; the first is the main protocol."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    rs = list(matrices)
    fig, axes = plt.subplots(1, len(rs), figsize=(4.6 * len(rs), 4.0), squeeze=False)
    for ax, r in zip(axes[0], rs):
        sns.heatmap(matrices[r], annot=True, fmt=".3f", cmap="Blues", vmin=0, vmax=1, square=True,
                    cbar=False, ax=ax)
        ax.set_title(f"proxies at {r}x{r}" + (" (main protocol)" if r == rs[0] else " (native input size)"))
    fig.suptitle(title)
    fig.tight_layout()
    return fig
