"""What the input source changes: every baseline the authors fed real training images, scored
on the blog's Synthetic CIFAR-10 (Gaussian images with labels from random networks) and on the
natural images (1,834 real CIFAR-100 photographs), side by side on the same architectures,
against the paper's Table 1 numbers.

There is no third, "Gaussian" column for these methods: the Synthetic CIFAR-10 images *are*
the Gaussian batch (`aznas_core.inputs`), so a label-free proxy (TE-NAS's NTK) gives the same
bits on either (`tests/test_inputs.py`), and the labelled ones cannot run without labels.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aznas_core import aggregate, metrics
from aznas_core.report.common import DATASET_TITLES, DATASETS
from aznas_core.report.methods import (SAMPLE_SIZES, TABLE1_METHODS, Method, cached_scores,
                                       documented_sample, method_rows)
from aznas_core.reported import reported

#: The input sources compared, and how tables name them.
INPUTS = {"synthetic_cifar10": "Gaussian / Synthetic CIFAR-10", "natural": "natural images"}

#: Table 1's real-input methods (PROTOCOLS.md 0: `real_input_metrics`), and GradSign with the
#: sum over weights of its zero-cost-nas measure and the paper's Sec. 4.3 text.
REAL_INPUT_METHODS = [m for m in TABLE1_METHODS
                      if m.label in ("Grasp", "Snip", "TE-NAS", "GradSign", "ZiCo")] + [
    Method("GradSign (sum)", ("gradsign_sum",), input="real images")]

#: The paper's Table 1 row each method is compared with.
PAPER_ROW = {"GradSign (sum)": "GradSign"}


#: How Table 1's input column names a real-input method read on the natural images.
NATURAL = "natural images (1,834 real CIFAR-100 photos)"


def common_sample(frames: dict, proxies) -> tuple[set, int]:
    """The largest documented NB201 sample (`SAMPLE_SIZES`, nested) on which every frame
    (one per input) has every proxy cached, and its size; (empty, 0) when none is."""
    from aznas_core.benchmarks.nb201 import fixed_sample

    have = None
    for f in frames.values():
        idx = set(f.dropna(subset=list(proxies))["index"]) if set(proxies) <= set(f) else set()
        have = idx if have is None else have & idx
    for n in SAMPLE_SIZES:
        sample = set(fixed_sample(n))
        if have and sample <= have:
            return sample, n
    return set(), 0


def input_comparison(datasets=DATASETS, inputs=tuple(INPUTS), methods=None, n_boot: int = 200,
                     seed: int = 0, min_archs: int = 300, **config) -> pd.DataFrame:
    """One row per (method, dataset, input): KT and SPR against test accuracy with 95%
    bootstrap CIs, "Acc." on the sample (`metrics.pool_acc`), the number of architectures
    (the largest documented sample every input covers, the same for every input of a
    (method, dataset)), the paper's KT and SPR, and for each input after the first the
    paired bootstrap CI of its KT minus the first input's (both on the same resamples).
    ImageNet16-120 is read at 32x32, the resolution the paper's numbers match. Methods or
    datasets with fewer than `min_archs` common architectures get NaN values (not yet
    computed) and say how many there are. Where the first input's cache covers a larger
    documented sample than the common one, its row also holds KT and CI there (`gap_n`,
    `gap_KT`, `gap_KT_low`, `gap_KT_high`): a gap to the paper too small for the common
    sample's interval can still be established on it (`verdict`)."""
    from aznas_core import sweep

    paper = reported("P-T1")
    rows = []
    for m in methods or REAL_INPUT_METHODS:
        for d in datasets:
            res = 32 if d == "ImageNet16-120" else None
            frames = {i: cached_scores(d, list(m.proxies), resolution=res, inputs=i, **config)[0]
                      for i in inputs}
            sample, n = common_sample(frames, m.proxies)
            ref = paper[(paper["label"] == PAPER_ROW.get(m.label, m.label))
                        & (paper["dataset"] == d)].set_index("metric")["value"]
            scores = {}
            for i in inputs:
                row = dict(method=m.label, dataset=d, input=i, n_archs=n,
                           paper_KT=ref.get("KT", np.nan), paper_SPR=ref.get("SPR", np.nan))
                if n >= min_archs:
                    f = frames[i][frames[i]["index"].isin(sample)]
                    f = sweep.with_ground_truth(f, d).reset_index(drop=True)
                    scores[i] = f
                    got = {r["metric"]: r for r in method_rows(f, m, n_boot=n_boot, seed=seed,
                                                               min_archs=min_archs)}
                    row.update(KT=got["KT"]["reproduced"], KT_low=got["KT"]["ci_low"],
                               KT_high=got["KT"]["ci_high"], SPR=got["SPR"]["reproduced"],
                               Acc=got["Acc"]["reproduced"], Acc_std=got["Acc"]["std"])
                if i == inputs[0] and n >= min_archs:
                    row.update(_largest_sample_kt(frames[i], m, d, n, n_boot, seed))
                rows.append(row)
            if len(scores) == len(inputs) > 1:
                base = inputs[0]
                for i in inputs[1:]:
                    d_kt, lo, hi = kendall_difference(scores[i], scores[base], m)
                    rows[-len(inputs) + inputs.index(i)].update(
                        dKT=d_kt, dKT_low=lo, dKT_high=hi)
    # a fixed column order: which columns the rows fill depends on what is cached
    out = pd.DataFrame(rows).reindex(columns=[
        "method", "dataset", "input", "n_archs", "paper_KT", "paper_SPR", "KT", "KT_low",
        "KT_high", "SPR", "Acc", "Acc_std", "gap_n", "gap_KT", "gap_KT_low", "gap_KT_high",
        "dKT", "dKT_low", "dKT_high"])
    out["delta_KT"] = out["KT"] - out["paper_KT"]
    out["paper_in_CI"] = (out["KT_low"] <= out["paper_KT"]) & (out["paper_KT"] <= out["KT_high"])
    return out


def _largest_sample_kt(frame, method: Method, dataset: str, n: int, n_boot: int,
                       seed: int) -> dict:
    """KT [CI] of `method` on the largest documented sample `frame` covers, when it is larger
    than the common sample of size `n`; {} otherwise."""
    from aznas_core import sweep

    big, big_n = documented_sample(frame, method.proxies)
    if big_n <= n:
        return {}
    f = sweep.with_ground_truth(big, dataset).reset_index(drop=True)
    s = aggregate.aggregate(f, list(method.proxies), method.aggregation).to_numpy()
    t = f["acc"].to_numpy()
    lo, hi = metrics.bootstrap_ci(s, t, metrics.kendall_tau, n_boot=n_boot, seed=seed)
    return dict(gap_n=big_n, gap_KT=metrics.kendall_tau(s, t), gap_KT_low=lo, gap_KT_high=hi)


def kendall_difference(frame, base, method: Method, n_boot: int = 200, seed: int = 0):
    """KT(frame) - KT(base) for `method` on the same architectures (same row order by
    `index`), with a paired percentile-bootstrap CI (each resample draws the same
    architectures for both)."""
    a = frame.sort_values("index", ignore_index=True)
    b = base.sort_values("index", ignore_index=True)
    if not a["index"].equals(b["index"]):
        raise ValueError("the two frames must hold the same architectures")

    def stat(idx):
        fa, fb = a.iloc[idx].reset_index(drop=True), b.iloc[idx].reset_index(drop=True)
        sa = aggregate.aggregate(fa, list(method.proxies), method.aggregation)
        sb = aggregate.aggregate(fb, list(method.proxies), method.aggregation)
        return metrics.kendall_tau(sa, fa["acc"]) - metrics.kendall_tau(sb, fb["acc"])

    full = stat(np.arange(len(a)))
    lo, hi = metrics.percentile_bootstrap(stat, len(a), n_boot, seed=seed)
    return float(full), lo, hi


def verdict(row_syn, row_nat) -> str:
    """Whether the natural images explain a method's gap to the paper on one dataset:
    'explained' (the paper's KT is inside the natural-image CI and was outside the
    synthetic one), 'partly explained' (the natural images move KT toward the paper, the
    paired CI of the move excludes 0, but the paper stays outside), 'not explained'
    (otherwise: no significant move toward the paper), 'no gap' (the paper's value was
    already inside the synthetic CI), or 'not yet computed'. Where the synthetic CI on the
    common sample contains the paper but the synthetic input's larger sample (`gap_n`)
    excludes it, the gap counts as shown, and 'explained' also needs the paired move toward
    the paper to be significant."""
    if np.isnan(row_nat["KT"]) or np.isnan(row_syn["KT"]):
        return "not yet computed"
    paper = row_syn["paper_KT"]
    gap_here = not row_syn["paper_in_CI"]
    gap_larger = (not np.isnan(row_syn.get("gap_n", np.nan))
                  and not row_syn["gap_KT_low"] <= paper <= row_syn["gap_KT_high"])
    if not (gap_here or gap_larger):
        return "no gap"
    toward = np.sign(paper - row_syn["KT"])
    significant = row_nat["dKT_low"] > 0 if toward > 0 else row_nat["dKT_high"] < 0
    if row_nat["paper_in_CI"] and (gap_here or significant):
        return "explained"
    if significant and abs(row_nat["delta_KT"]) < abs(row_syn["delta_KT"]):
        return "partly explained"
    return "not explained"


def gradsign_reductions(datasets=DATASETS, inputs=tuple(INPUTS), min_archs: int = 300,
                        **config) -> pd.DataFrame:
    """GradSign's two reductions over the weights (`gradsign`: the AZ-NAS harness's mean;
    `gradsign_sum`: GradSign's zero-cost-nas sum and the paper's Sec. 4.3 text) under each
    input, on the largest documented sample where both reductions and every input are cached:
    KT against test accuracy (Table 1) and KT against #Params (Fig. 6's "GradSign correlates
    strongly with #Params"), beside the paper's KT. One row per (dataset, input, reduction)."""
    from aznas_core import sweep

    paper = reported("P-T1")
    rows = []
    for d in datasets:
        res = 32 if d == "ImageNet16-120" else None
        frames = {i: cached_scores(d, ["gradsign", "gradsign_sum", "params"], resolution=res,
                                   inputs=i, **config)[0] for i in inputs}
        sample, n = common_sample(frames, ["gradsign", "gradsign_sum"])
        ref = paper[(paper["label"] == "GradSign") & (paper["dataset"] == d)
                    & (paper["metric"] == "KT")]["value"]
        for i in inputs:
            for proxy in ("gradsign", "gradsign_sum"):
                row = dict(dataset=d, input=i, reduction="mean" if proxy == "gradsign" else "sum",
                           n_archs=n, paper_KT=float(ref.iloc[0]) if len(ref) else np.nan,
                           KT=np.nan, KT_params=np.nan)
                if n >= min_archs:
                    f = sweep.with_ground_truth(frames[i][frames[i]["index"].isin(sample)], d)
                    row.update(KT=metrics.kendall_tau(f[proxy], f["acc"]),
                               KT_params=metrics.kendall_tau(f[proxy], f["params"]))
                rows.append(row)
    return pd.DataFrame(rows)


def verdicts(table: pd.DataFrame, base: str = "synthetic_cifar10",
             other: str = "natural") -> pd.DataFrame:
    """`verdict` per (method, dataset) of an `input_comparison` table, with the number of
    architectures both inputs were compared on."""
    rows = []
    for (m, d), g in table.groupby(["method", "dataset"], sort=False):
        by = g.set_index("input")
        if base in by.index and other in by.index:
            rows.append(dict(method=m, dataset=d, verdict=verdict(by.loc[base], by.loc[other]),
                             n_archs=int(g["n_archs"].iloc[0])))
    return pd.DataFrame(rows, columns=["method", "dataset", "verdict", "n_archs"])


def input_wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (method, dataset): n, the paper's KT, then KT [CI] per input, dKT [CI] and
    the verdict: what `style_input_comparison` shows."""
    out = []
    v = verdicts(table).set_index(["method", "dataset"])["verdict"]
    for (m, d), g in table.groupby(["method", "dataset"], sort=False):
        row = {"method": m, "dataset": DATASET_TITLES.get(d, d), "n_archs": int(g["n_archs"].iloc[0]),
               "paper KT": g["paper_KT"].iloc[0]}
        for r in g.itertuples():
            name = INPUTS.get(r.input, r.input)
            row[f"KT, {name}"] = r.KT
            row[f"95% CI, {name}"] = (f"[{r.KT_low:.3f}, {r.KT_high:.3f}]"
                                      if not np.isnan(r.KT_low) else "–")
            if not np.isnan(r.dKT):
                row["dKT (natural - synthetic)"] = r.dKT
                row["dKT 95% CI"] = f"[{r.dKT_low:+.3f}, {r.dKT_high:+.3f}]"
        row["KT, synthetic's larger sample"] = _larger_sample(g.iloc[0]) or "–"
        row["verdict"] = v.get((m, d), "not yet computed")
        out.append(row)
    return pd.DataFrame(out)


def style_input_comparison(table: pd.DataFrame):
    """A Styler of `input_wide`: numbers to 3 decimals, NaN as 'not yet computed'."""
    wide = input_wide(table)
    num = [c for c in wide.columns if pd.api.types.is_numeric_dtype(wide[c]) and c != "n_archs"]
    return wide.style.format(precision=3, na_rep="not yet computed", subset=num).hide(axis="index")


def input_verdict_lines(table: pd.DataFrame) -> list[str]:
    """Rounded lines for the notebook's checked output: per (method, dataset), n, each
    input's KT and CI, the paper's KT and the verdict."""
    lines = []
    v = verdicts(table).set_index(["method", "dataset"])["verdict"]
    for (m, d), g in table.groupby(["method", "dataset"], sort=False):
        parts = [f"{INPUTS.get(r.input, r.input)} {r.KT:+.3f} [{r.KT_low:+.3f}, {r.KT_high:+.3f}]"
                 if not np.isnan(r.KT) else f"{INPUTS.get(r.input, r.input)} not yet computed"
                 for r in g.itertuples()]
        lines.append(f"{m:14s} {DATASET_TITLES.get(d, d):9s} n={int(g['n_archs'].iloc[0]):4d}  "
                     + "; ".join(parts) + f"; paper {g['paper_KT'].iloc[0]:.3f}: "
                     + v.get((m, d), "not yet computed")
                     + (f" (synthetic {larger})" if (larger := _larger_sample(g.iloc[0]))
                        else ""))
    return lines


def _larger_sample(base_row) -> str:
    """'+0.481 [+0.460, +0.501] on n=3000' for a row with a larger-sample KT, else ''."""
    if np.isnan(base_row.get("gap_n", np.nan)):
        return ""
    return (f"{base_row['gap_KT']:+.3f} [{base_row['gap_KT_low']:+.3f}, "
            f"{base_row['gap_KT_high']:+.3f}] on n={int(base_row['gap_n'])}")


def baseline_sensitivity(comparison: pd.DataFrame, datasets=DATASETS, n_boot: int = 200,
                         seed: int = 0, min_archs: int = 300, **config) -> pd.DataFrame:
    """The sensitivity page's rows for the real-input baselines, in its layout (factor,
    variant, method, dataset, kt, delta_kt with a paired 95% CI, n_archs): "input source"
    (natural images against the Synthetic CIFAR-10 substitute, from an `input_comparison`
    table) per method, and "reduction over the weights" (GradSign's sum against the harness's
    mean, on the same architectures and the substitute input). Only what is computed."""
    from aznas_core import sweep

    rows = []
    nat = comparison[(comparison["input"] == "natural") & comparison["dKT"].notna()]
    for r in nat.itertuples():
        rows.append(dict(factor="input source", variant="natural images (vs Synthetic CIFAR-10)",
                         method=r.method, dataset=r.dataset, kt=r.KT, delta_kt=r.dKT,
                         ci_low=r.dKT_low, ci_high=r.dKT_high, n_archs=r.n_archs))
    gradsign = next(m for m in TABLE1_METHODS if m.label == "GradSign")
    for d in datasets:
        res = 32 if d == "ImageNet16-120" else None
        f = cached_scores(d, ["gradsign", "gradsign_sum"], resolution=res, **config)[0]
        sample, n = common_sample({"both": f}, ["gradsign", "gradsign_sum"])
        if n < min_archs:
            continue
        f = sweep.with_ground_truth(f[f["index"].isin(sample)], d).reset_index(drop=True)
        d_kt, lo, hi = kendall_difference(f.assign(gradsign=f["gradsign_sum"]), f, gradsign,
                                          n_boot=n_boot, seed=seed)
        rows.append(dict(factor="reduction over the weights", variant="sum (GradSign's own code)",
                         method="GradSign", dataset=d,
                         kt=metrics.kendall_tau(f["gradsign_sum"], f["acc"]), delta_kt=d_kt,
                         ci_low=lo, ci_high=hi, n_archs=n))
    return pd.DataFrame(rows, columns=["factor", "variant", "method", "dataset", "kt", "delta_kt",
                                       "ci_low", "ci_high", "n_archs"])
