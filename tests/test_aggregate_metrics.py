import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aznas_core import aggregate, metrics


def test_ranks_average_ties_and_missing_lowest():
    r = aggregate.ranks([3.0, 1.0, np.nan, 3.0, -np.inf, 2.0])
    # -inf and NaN tie at the bottom (ranks 1, 2 -> 1.5); 1 -> 3; 2 -> 4; the two 3s -> 5.5
    assert list(r) == [5.5, 3.0, 1.5, 5.5, 1.5, 4.0]


def test_nonlinear_aggregation_hand_computed():
    f = pd.DataFrame({"a": [10.0, 20.0, 30.0, 40.0], "b": [4.0, 3.0, 2.0, 1.0],
                      "c": [1.0, 1.0, 5.0, np.nan]})
    # ranks: a = 1,2,3,4; b = 4,3,2,1; c = 2.5,2.5,4,1 ; m = 4
    expected = [math.log(1 / 4) + math.log(4 / 4) + math.log(2.5 / 4),
                math.log(2 / 4) + math.log(3 / 4) + math.log(2.5 / 4),
                math.log(3 / 4) + math.log(2 / 4) + math.log(4 / 4),
                math.log(4 / 4) + math.log(1 / 4) + math.log(1 / 4)]
    assert aggregate.nonlinear(f, ["a", "b", "c"]).tolist() == pytest.approx(expected)
    assert aggregate.linear(f, ["a", "b", "c"]).tolist() == [7.5, 7.5, 9.0, 6.0]


def test_nonlinear_penalizes_one_bad_proxy_more_than_linear():
    # arch 0 ranks 8th of 10 on every proxy; arch 1 is best on two and middling on one:
    # linear: 24 < 25, non-linear: 3 log 0.8 = -0.67 > log 0.5 = -0.69
    rest = [1, 2, 3, 4, 5, 6, 7, 9]
    f = pd.DataFrame({"p": [8, 10] + rest, "q": [8, 10] + rest,
                      "r": [8, 5, 1, 2, 3, 4, 6, 7, 9, 10]}, dtype=float)
    lin, nl = aggregate.linear(f, list(f)), aggregate.nonlinear(f, list(f))
    assert lin[1] > lin[0]
    assert nl[0] > nl[1]


def test_aggregate_errors():
    f = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not in frame"):
        aggregate.nonlinear(f, ["a", "zz"])
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate.aggregate(f, ["a"], "median")


def test_kendall_and_spearman_match_scipy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=200), rng.normal(size=200)
    y = x + y
    assert metrics.kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic)
    assert metrics.spearman_rho(x, y) == pytest.approx(stats.spearmanr(x, y).statistic)
    # NaN scores rank lowest, tied with -inf
    x_nan, x_inf = np.where(x < -1, np.nan, x), np.where(x < -1, -np.inf, x)
    assert metrics.kendall_tau(x_nan, y) == metrics.kendall_tau(x_inf, y)
    assert np.isfinite(metrics.kendall_tau(x_nan, y))


def test_bootstrap_ci_contains_the_estimate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    y = x + rng.normal(size=300)
    lo, hi = metrics.bootstrap_ci(x, y, n_boot=100)
    assert lo < metrics.kendall_tau(x, y) < hi and hi - lo < 0.2


def test_percentile_bootstrap_of_a_mean_has_the_normal_width():
    # the 95% interval of the mean of n unit normals is about 2 * 1.96 / sqrt(n) wide
    x = np.random.default_rng(1).normal(size=400)
    lo, hi = metrics.percentile_bootstrap(lambda idx: x[idx].mean(), len(x), n_boot=400)
    assert lo < x.mean() < hi
    assert abs((hi - lo) / (2 * 1.96 / np.sqrt(400)) - 1) < 0.2


def test_tie_methods_change_only_tied_entries():
    f = pd.DataFrame({"a": [1.0, 2.0, 2.0, 3.0], "b": [4.0, 3.0, 2.0, 1.0]})
    assert list(aggregate.ranks(f["a"], "min")) == [1, 2, 2, 4]
    assert list(aggregate.ranks(f["a"], "first")) == [1, 2, 3, 4]
    # rank 'min' for the tie: log(1/4)+log(4/4), log(2/4)+log(3/4), log(2/4)+log(2/4), log(4/4)+log(1/4)
    expected = [math.log(1 / 4), math.log(2 / 4) + math.log(3 / 4), 2 * math.log(2 / 4), math.log(1 / 4)]
    assert aggregate.aggregate(f, ["a", "b"], "NL", ties="min").tolist() == pytest.approx(expected)
    assert aggregate.linear(f, ["a", "b"], ties="max").tolist() == [5.0, 6.0, 5.0, 5.0]
