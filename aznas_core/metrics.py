"""Ranking metrics: Kendall tau-b, Spearman rho, bootstrap CIs, and the paper's 'Acc.'."""
from __future__ import annotations

import functools
import random

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


def percentile_bootstrap(statistic, n, n_boot=200, level=0.95, seed=0):
    """Percentile bootstrap CI of `statistic(idx)` over `n` items resampled with replacement
    (one `integers(0, n, n)` draw per resample, so every caller sees the same resamples)."""
    rng = np.random.default_rng(seed)
    vals = [statistic(rng.integers(0, n, n)) for _ in range(n_boot)]
    lo, hi = np.quantile(vals, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap_ci(score, truth, metric=kendall_tau, n_boot=200, level=0.95, seed=0):
    """Percentile bootstrap CI of `metric` over architectures (resampled with replacement)."""
    s, t = np.asarray(score, dtype=float), np.asarray(truth, dtype=float)
    return percentile_bootstrap(lambda idx: metric(s[idx], t[idx]), len(s), n_boot, level, seed)


#: The op list of the authors' sampler (xautodl's NAS-Bench-201 search space), in its order.
SAMPLER_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def paper_sample(seed: int, n: int = 3000, replace: bool = True) -> list[str]:
    """The architectures of one 'Acc.' run (PROTOCOLS.md C.5): Python's `random` seeded with
    `seed`, then one `random.choice` over `SAMPLER_OPS` per edge, edges (1<-0), (2<-0),
    (2<-1), (3<-0), (3<-1), (3<-2). The paper draws with replacement (about 2,700 distinct
    cells in 3,000); `replace=False` keeps drawing until `n` distinct cells (a variant for
    the sensitivity page, not the paper's)."""
    return list(_paper_sample(seed, n, replace))


@functools.lru_cache(maxsize=64)
def _paper_sample(seed: int, n: int, replace: bool) -> tuple[str, ...]:
    """`paper_sample`, memoised (immutable): every 'Acc.' cell draws the same five samples."""
    rng = random.Random(seed)  # same stream as random.seed(seed) on the global generator
    out, seen = [], set()
    while len(out) < n:
        ops = [rng.choice(SAMPLER_OPS) for _ in range(6)]
        arch = "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops)
        if replace or arch not in seen:
            seen.add(arch)
            out.append(arch)
    return tuple(out)


def paper_acc(
    frame: pd.DataFrame,
    columns,
    truth: str,
    method: str = "nonlinear",
    seeds=(1, 2, 3, 4, 5),
    n_samples: int = 3000,
    replace: bool = True,
    ddof: int = 1,
    ties: str = "average",
) -> tuple[float, float, list[float]]:
    """The paper's 'Acc.' (Table 1): for each seed, draw `n_samples` architectures with
    `paper_sample`, aggregate `columns` within that sample (duplicates included, m =
    n_samples), take the first argmax and read its `truth` accuracy. Returns (mean, std
    with `ddof` (the paper's: 1), per-seed accuracies). `ties`: see `aggregate.ranks`.

    `frame` needs an `arch` column covering every sampled architecture (in practice all
    15,625); a missing one raises, since a sample silently restricted to a subset would
    not be the paper's."""
    by_arch = frame.set_index("arch")
    held = set(by_arch.index)

    def draw(seed):
        archs = paper_sample(seed, n_samples, replace)
        missing = set(archs) - held
        if missing:
            raise ValueError(f"'Acc.' seed {seed}: {len(missing)} sampled architectures are not "
                             f"in the frame (it holds {len(by_arch)}); it needs all of them")
        return by_arch.loc[archs].reset_index()

    return _acc_of_draws(map(draw, seeds), columns, truth, method, ddof, ties)


def _acc_of_draws(samples, columns, truth, method, ddof, ties="average"):
    """(mean, std with `ddof`, per-draw accuracies): in each drawn frame, aggregate
    `columns`, take the first argmax and read its `truth`."""
    accs = []
    for sample in samples:
        s = agg.aggregate(sample, columns, method, ties=ties).to_numpy()
        accs.append(float(sample[truth].to_numpy()[int(np.argmax(s))]))
    return float(np.mean(accs)), float(np.std(accs, ddof=ddof)), accs


# --------------------------------------------------------------------------------------
# Comparing proxies across tasks (the blog's Table 4 and Figures 7-8)
# --------------------------------------------------------------------------------------
def task_ranks(table: pd.DataFrame) -> pd.DataFrame:
    """Per task (column), the rank of each proxy (row) by its correlation, 1 = best; ties
    share their average rank. NaN cells (a proxy without data on a task) are left out of
    that task's ranking and stay NaN."""
    return table.rank(axis=0, ascending=False, method="average")


def average_ranks(table: pd.DataFrame) -> pd.Series:
    """The blog's average ranking (Table 4): a proxy x task table of correlations -> each
    proxy's rank on every task (1 = highest), averaged over the tasks it has."""
    return task_ranks(table).mean(axis=1)


def performance_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Dolan-More ratios on a proxy x task table of Spearman values: error = 1 - rho (0 is
    perfect), ratio = error / the smallest error among the proxies on that task (>= 1; the
    best proxy gets 1). The blog's example: 0.7325 / 0.5014 = 1.46."""
    error = 1.0 - table.astype(float)
    return error / error.min(axis=0)


def performance_profile(table: pd.DataFrame, taus) -> pd.DataFrame:
    """For each proxy (column of the result) and each tau (index), the fraction of tasks on
    which the proxy is at most tau-suboptimal (ratio <= tau). Tasks where a proxy has no
    value count as not solved, so every proxy's fraction is over the same tasks."""
    ratios = performance_ratios(table)
    taus = np.asarray(list(taus), dtype=float)
    n_tasks = table.shape[1]
    prof = {p: [(ratios.loc[p] <= t).sum() / n_tasks for t in taus] for p in table.index}
    return pd.DataFrame(prof, index=pd.Index(taus, name="tau"))


def subset_spearman(scores: pd.DataFrame, truth, size: int = 100, n_subsets: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Spearman rho of every score column against `truth` on `n_subsets` random subsets of
    `size` architectures (without replacement; the same subsets for every column), as the
    blog's 100-architecture samples would see it. Returns n_subsets x columns. NaN scores
    rank lowest, as in `spearman_rho`."""
    t = np.asarray(truth, dtype=float)
    rng = np.random.default_rng(seed)
    idx = np.stack([rng.choice(len(t), size, replace=False) for _ in range(n_subsets)])

    def ranked(m):
        r = stats.rankdata(m, axis=1)
        r = r - r.mean(axis=1, keepdims=True)
        return r / np.sqrt((r ** 2).sum(axis=1, keepdims=True))

    rt = ranked(t[idx])
    out = {}
    for c in scores.columns:
        s = np.asarray(scores[c], dtype=float)
        out[c] = (ranked(np.where(np.isnan(s), -np.inf, s)[idx]) * rt).sum(axis=1)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------
# Comparing proxies with each other (AZ-NAS Table 1 on subsets, Figures 6 and 7)
# --------------------------------------------------------------------------------------
def pool_acc(
    frame: pd.DataFrame,
    columns,
    truth: str,
    method: str = "nonlinear",
    seeds=(1, 2, 3, 4, 5),
    n_samples: int = 3000,
    ddof: int = 1,
) -> tuple[float, float, list[float]]:
    """'Acc.' for proxies cached on a fixed subset only (a scaled variant of `paper_acc`,
    not the paper's protocol): for each seed, Python's `random.Random(seed)` draws
    `n_samples` rows of `frame` uniformly with replacement (rows in `index` order when that
    column exists, so every method on the same subset sees the same draws); aggregate
    `columns` within the draw, take the first argmax, read `truth`. The paper's per-edge
    sampler is uniform over all 15,625 cells, so on a uniform subset the draws follow the
    same distribution, but the pool holds only that subset's cells: compare a method with
    the ground-truth row computed by this same function on the same subset."""
    if "index" in frame.columns:
        frame = frame.sort_values("index", kind="stable")
    frame = frame.reset_index(drop=True)

    def draw(seed):
        rng = random.Random(seed)
        rows = [rng.randrange(len(frame)) for _ in range(n_samples)]
        return frame.iloc[rows].reset_index(drop=True)

    return _acc_of_draws(map(draw, seeds), columns, truth, method, ddof)


def pairwise_kendall(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Kendall tau-b between every pair of score columns (a symmetric matrix, 1 on the
    diagonal), NaN scores ranking lowest as in `kendall_tau`: the paper's Figure 6."""
    columns = list(columns)
    out = pd.DataFrame(np.eye(len(columns)), index=columns, columns=columns)
    for i, a in enumerate(columns):
        for b in columns[i + 1:]:
            s, t = _clean(frame[a], frame[b])
            out.loc[a, b] = out.loc[b, a] = kendall_tau(s, np.where(np.isnan(t), -np.inf, t))
    return out
