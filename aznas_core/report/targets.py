"""The registry of every table and figure of both documents (TARGETS.md) and the status each
one has, derived from its notebook and result file: the book's landing page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aznas_core.data import PROJECT_ROOT
from aznas_core.report.common import RESULTS_DIR

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
    metric: str = "corr"  # what its deltas measure when the result file has no `metric` column:
    #   "corr" (a rank correlation: KT, SPR, Spearman's rho), "acc" (accuracy, points), "rank"
    #   (an average rank), "ms" (milliseconds)


#: The units the landing page keeps apart: a largest delta is given per metric group, never as
#: one number over KT, accuracy points and milliseconds.
METRIC_GROUPS = {"corr": "KT/SPR/ρ", "acc": "Acc. (points)", "rank": "rank", "ms": "ms/arch"}


def metric_group(name) -> str:
    """The metric group of a result row's `metric` value (`KT`, `SPR`, `Acc`, `ms_per_arch`,
    `spearman`, ...): one of METRIC_GROUPS."""
    n = str(name).strip().lower()
    if n in {"kt", "spr", "tau", "rho", "spearman", "kendall", "pearson", "corr", "kendall_tau"}:
        return "corr"
    if n.startswith("acc") or n in {"top1", "top-1", "accuracy"}:
        return "acc"
    if n.startswith("ms") or "ms_per" in n or n in {"runtime", "seconds"}:
        return "ms"
    if "rank" in n:
        return "rank"
    raise ValueError(f"unknown metric {name!r}: add it to metric_group")


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
           "table10.ipynb", result="table10_claims"),  # ImageNet reported; the scaled analogue's claims
    Target("P-T6", "AZ-NAS", "NDS (ENAS, Amoeba, NASNet)", "table6.ipynb", kind="reported"),
    Target("B-T3", "Blog", "TransNAS-Bench-101 micro, 4 tasks (Spearman)", "blog_table3.ipynb",
           0.1, "blog_table3"),
    Target("B-T1", "Blog", "NATS-Bench TSS: Spherical CIFAR-100, CIFAR-100, Synthetic CIFAR-10",
           "blog_table1.ipynb", 0.1, "blog_table1"),
    Target("B-T2", "Blog", "DARTS space", "blog_table2.ipynb", kind="reported"),
    Target("B-F3..F6", "Blog", "Rank correlation among all proxy pairs per task",
           "blog_correlations.ipynb", result="blog_correlations"),
    Target("B-T4", "Blog", "Average ranking of each proxy per search space", "blog_table4.ipynb",
           0.5, "blog_table4", metric="rank"),
    Target("B-F7, B-F8", "Blog", "Performance profiles (Dolan-More)", "blog_profiles.ipynb",
           result="blog_profiles"),
    Target("B-F9", "Blog", "Rank correlation vs training epochs", "blog_fig9.ipynb",
           result="blog_fig9"),
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
    hardware) are shown but not judged.

    Columns: id, document, what, notebook, status, largest_delta (over every judged row, in
    whatever units they have: kept for callers), tolerance (the target's), claims (a figure's
    "k of n claims hold", else empty), and per metric group
    g in METRIC_GROUPS (from the file's `metric` column, else the target's `metric`):
    `largest_delta_<g>` (NaN when the target has no judged row of that group),
    `within_<g>` (True/False: every judged row of the group within its tolerance; None when
    none) and `tolerance_<g>` (the tolerances of the group's rows, e.g. "0.02-0.03")."""
    d = Path(results_dir or RESULTS_DIR)
    nb_dir = Path(notebooks_dir or PROJECT_ROOT / "notebooks")
    rows = []
    for t in TARGETS:
        status, largest = "not yet built", np.nan
        per_metric, claims = {}, ""
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
                per_metric = _per_metric(res, t)
            else:  # a figure: the share of its claims that hold (empty `holds`: not testable yet)
                pending = int(res["holds"].isna().sum())
                res = res[res["holds"].notna()]
                within = res["holds"].astype(str).str.lower().eq("true").mean() if len(res) else 0.0
                claims = (f"{int(round(within * len(res)))} of {len(res)} claims hold"
                          + (f", {pending} not yet testable" if pending else ""))
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
        row = dict(id=t.id, document=t.document, what=t.what, notebook=t.notebook,
                   status=status, largest_delta=largest, tolerance=t.tolerance, claims=claims)
        for g in METRIC_GROUPS:
            largest_g, within_g, tol_g = per_metric.get(g, (np.nan, None, ""))
            row.update({f"largest_delta_{g}": largest_g, f"within_{g}": within_g,
                        f"tolerance_{g}": tol_g})
        rows.append(row)
    return pd.DataFrame(rows)


def _per_metric(res: pd.DataFrame, t: Target) -> dict:
    """{group: (largest |delta|, all within tolerance, tolerances as text)} over the judged rows
    `res` (those with a delta and, where the file has one, a tolerance)."""
    res = res[res["delta"].notna()]
    groups = res["metric"].map(metric_group) if "metric" in res else pd.Series(t.metric, res.index)
    tol = res["tolerance"] if "tolerance" in res else pd.Series(t.tolerance, res.index, dtype=float)
    out = {}
    for g, sub in res.groupby(groups, sort=False):
        tg = tol[sub.index]
        tols = sorted(set(float(v) for v in tg.dropna()))
        text = "" if not tols else (f"{tols[0]:g}" if len(tols) == 1 else f"{tols[0]:g}-{tols[-1]:g}")
        within = bool((sub["delta"].abs() <= tg).all()) if tg.notna().all() else None
        out[g] = (float(sub["delta"].abs().max()), within, text)
    return out


