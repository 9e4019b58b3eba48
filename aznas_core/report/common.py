"""Building blocks of every comparison table: proxy combinations by the paper's letters,
reported-vs-reproduced joins, and the result files under `results/`."""
from __future__ import annotations

import os
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
    """Write `results/<name>.csv` and `results/<name>.md`; returns both paths. Each file is
    written beside its target and renamed into place, so a reader running in parallel (the test
    suite under pytest-xdist) never sees a half-written file."""
    d = Path(results_dir or RESULTS_DIR)
    d.mkdir(parents=True, exist_ok=True)
    csv, md = d / f"{name}.csv", d / f"{name}.md"
    texts = {csv: frame.to_csv(index=False, float_format=float_format),
             md: frame.to_markdown(index=False, floatfmt=".3f") + "\n"}
    for path, text in texts.items():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return csv, md


