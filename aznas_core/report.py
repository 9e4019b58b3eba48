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


TARGETS = [
    Target("P-T4", "AZ-NAS", "Ablation: 14 proxy/aggregation combinations x 3 datasets (KT)",
           "table4.ipynb", 0.02, "table4"),
    Target("P-T1", "AZ-NAS", "Training-free NAS methods on NB201: KT, SPR, Acc., runtime",
           "table1.ipynb", 0.02),
    Target("P-T5", "AZ-NAS", "AZ-NAS proxies added to ZiCo and Synflow", "table5.ipynb", 0.03),
    Target("P-T8", "AZ-NAS", "Five initialization schemes", "table8.ipynb", 0.02),
    Target("P-T9", "AZ-NAS", "Batch sizes 8-128: KT and runtime", "table9.ipynb", 0.02),
    Target("P-F1", "AZ-NAS", "KT vs Acc. bubble chart (IN16-120)", "fig1.ipynb"),
    Target("P-F2", "AZ-NAS", "Toy 2-D features: PCs and expressivity", "fig2.ipynb",
           result="fig2"),
    Target("P-F3", "AZ-NAS", "KT between the four AZ-NAS proxies (IN16-120)", "fig3.ipynb",
           result="fig3"),
    Target("P-F4", "AZ-NAS", "Predicted vs true rank for 8 methods", "fig4.ipynb"),
    Target("P-F5", "AZ-NAS", "Proxies and aggregations coloured by AZ-NAS rank", "fig5.ipynb",
           result="fig5"),
    Target("P-F6", "AZ-NAS", "KT among all zero-cost proxies (IN16-120)", "fig6.ipynb"),
    Target("P-F7", "AZ-NAS", "KT of every proxy pair under NL aggregation", "fig7.ipynb"),
    Target("P-F9", "AZ-NAS", "Top-3 cells per proxy, drawn as DAGs", "fig9.ipynb",
           result="fig9"),
    Target("P-T2", "AZ-NAS", "MobileNetV2 evolutionary search (450M/600M/1000M)", "table2.ipynb"),
    Target("P-T3", "AZ-NAS", "AutoFormer ViT space, Tiny/Small/Base", "table3.ipynb"),
    Target("P-T7", "AZ-NAS", "Search reproducibility over 3 seeds (MobileNetV2)", "table7.ipynb"),
    Target("P-T10", "AZ-NAS", "Trainability targets and training curves (with Fig. 8)",
           "table10.ipynb", kind="reported"),
    Target("P-T6", "AZ-NAS", "NDS (ENAS, Amoeba, NASNet)", "table6.ipynb", kind="reported"),
    Target("B-T3", "Blog", "TransNAS-Bench-101 micro, 4 tasks (Spearman)", "blog_table3.ipynb"),
    Target("B-T1", "Blog", "NATS-Bench TSS: Spherical CIFAR-100, CIFAR-100, Synthetic CIFAR-10",
           "blog_table1.ipynb"),
    Target("B-T2", "Blog", "DARTS space", "blog_table2.ipynb"),
    Target("B-F3..F6", "Blog", "Rank correlation among all proxy pairs per task",
           "blog_correlations.ipynb"),
    Target("B-T4", "Blog", "Average ranking of each proxy per search space", "blog_table4.ipynb"),
    Target("B-F7, B-F8", "Blog", "Performance profiles (Dolan-More)", "blog_profiles.ipynb"),
    Target("B-F9", "Blog", "Rank correlation vs training epochs", "blog_fig9.ipynb"),
]


def status_table(results_dir: Path | None = None, notebooks_dir: Path | None = None) -> pd.DataFrame:
    """Status of every target, derived from what exists. A target whose notebook and result
    file exist is 'reproduced' when every |delta| is within its tolerance (on all 15,625
    architectures; 'reproduced (scaled)' on fewer), 'partially reproduced' when only some
    cells are, and 'does not reproduce' when none are (a figure: when all, some or none of
    its claims hold); a `kind="reported"` target with its notebook is 'reported';
    everything else is 'not yet built'."""
    d = Path(results_dir or RESULTS_DIR)
    nb_dir = Path(notebooks_dir or PROJECT_ROOT / "notebooks")
    rows = []
    for t in TARGETS:
        status, largest = "not yet built", np.nan
        if t.kind == "reported" and (nb_dir / t.notebook).is_file():
            status = "reported"
        elif t.result and (nb_dir / t.notebook).is_file() and (d / f"{t.result}.csv").is_file():
            res = pd.read_csv(d / f"{t.result}.csv")
            if "delta" in res:
                largest = float(res["delta"].abs().max())
                within = (res["delta"].abs() <= t.tolerance).mean()
            else:  # a figure: the share of its claims that hold
                within = res["holds"].astype(bool).mean()
            full = "n_archs" not in res or bool((res["n_archs"] == res["n_archs"].max()).all()
                                                 and res["n_archs"].max() == 15625)
            if within == 1.0:
                status = "reproduced" if full else "reproduced (scaled)"
            elif within > 0:
                status = (f"partially reproduced ({within:.0%} of cells within {t.tolerance})"
                          if "delta" in res else f"partially reproduced ({within:.0%} of claims hold)")
            else:
                status = "does not reproduce"
        rows.append(dict(id=t.id, document=t.document, what=t.what, notebook=t.notebook,
                         status=status, largest_delta=largest, tolerance=t.tolerance))
    return pd.DataFrame(rows)
