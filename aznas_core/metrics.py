"""Ranking metrics: Kendall tau-b, Spearman rho, bootstrap CIs, and the paper's 'Acc.'."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from aznas_core import aggregate as agg


def _clean(score, truth):
    s = np.asarray(score, dtype=float)
    t = np.asarray(truth, dtype=float)
    # NaN scores rank lowest, tied with -inf (rank-based metrics only need the order)
    return np.where(np.isnan(s), -np.inf, s), t


def kendall_tau(score, truth) -> float:
    """Kendall tau-b (ties handled) between a score and the ground truth."""
    s, t = _clean(score, truth)
    return float(stats.kendalltau(s, t, variant="b").statistic)


def spearman_rho(score, truth) -> float:
    s, t = _clean(score, truth)
    return float(stats.spearmanr(s, t).statistic)


def bootstrap_ci(score, truth, metric=kendall_tau, n_boot=200, level=0.95, seed=0):
    """Percentile bootstrap CI of `metric` over architectures (resampled with replacement)."""
    s, t = np.asarray(score, dtype=float), np.asarray(truth, dtype=float)
    rng = np.random.default_rng(seed)
    n = len(s)
    vals = [metric(s[idx], t[idx]) for idx in (rng.integers(0, n, n) for _ in range(n_boot))]
    lo, hi = np.quantile(vals, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def best_of_sample_accuracy(
    frame: pd.DataFrame,
    columns,
    truth: str,
    method: str = "nonlinear",
    n_runs: int = 5,
    sample_size: int = 3000,
    seed: int = 0,
) -> tuple[float, float, list[float]]:
    """The paper's 'Acc.': n_runs times, sample `sample_size` architectures uniformly
    without replacement, aggregate the proxies within the sample, take the top one's
    accuracy. Returns (mean, std, per-run accuracies); std is the population std (ddof=0).
    """
    rng = np.random.default_rng(seed)
    accs = []
    for _ in range(n_runs):
        idx = rng.choice(len(frame), size=min(sample_size, len(frame)), replace=False)
        sample = frame.iloc[idx]
        s = agg.aggregate(sample, columns, method)
        accs.append(float(sample[truth].to_numpy()[int(np.argmax(s.to_numpy()))]))
    return float(np.mean(accs)), float(np.std(accs)), accs
