"""report.inputs: the input-source comparison of the real-input baselines (issue 23)."""
import math

import numpy as np
import pandas as pd
import pytest

from aznas_core.benchmarks.nb201 import fixed_sample
from aznas_core.report import inputs as ri
from aznas_core.report.methods import Method


def row(kt, lo, hi, paper, dkt=np.nan, dlo=np.nan, dhi=np.nan):
    return dict(KT=kt, KT_low=lo, KT_high=hi, paper_KT=paper, delta_KT=kt - paper,
                paper_in_CI=lo <= paper <= hi, dKT=dkt, dKT_low=dlo, dKT_high=dhi)


def test_verdict_on_constructed_rows():
    syn = row(0.40, 0.38, 0.42, 0.50)
    assert ri.verdict(syn, row(0.49, 0.47, 0.52, 0.50, 0.09, 0.07, 0.11)) == "explained"
    assert ri.verdict(syn, row(0.45, 0.43, 0.47, 0.50, 0.05, 0.03, 0.07)) == "partly explained"
    # a move toward the paper whose paired CI contains 0 explains nothing
    assert ri.verdict(syn, row(0.41, 0.39, 0.43, 0.50, 0.01, -0.01, 0.03)) == "not explained"
    # a move away from the paper, even a significant one
    assert ri.verdict(syn, row(0.30, 0.28, 0.32, 0.50, -0.1, -0.12, -0.08)) == "not explained"
    assert ri.verdict(row(0.50, 0.48, 0.52, 0.50), row(0.3, 0.2, 0.4, 0.5)) == "no gap"
    assert ri.verdict(syn, row(np.nan, np.nan, np.nan, 0.5)) == "not yet computed"


def test_common_sample_is_the_largest_documented_sample_every_input_covers():
    s300, s600 = sorted(fixed_sample(300)), sorted(fixed_sample(600))
    a = pd.DataFrame({"index": s600, "p": 1.0})
    b = pd.DataFrame({"index": s300 + [i for i in s600 if i not in set(s300)][:10], "p": 1.0})
    sample, n = ri.common_sample({"a": a, "b": b}, ["p"])
    assert n == 300 and sample == set(s300)
    b.loc[0, "p"] = np.nan  # one architecture not cached (NaN) breaks the 300 too
    assert ri.common_sample({"a": a, "b": b}, ["p"]) == (set(), 0)


def test_kendall_difference_is_paired_and_zero_for_identical_frames():
    rng = np.random.default_rng(0)
    n = 60
    base = pd.DataFrame({"index": np.arange(n), "p": rng.normal(size=n)})
    base["acc"] = base["p"] + rng.normal(scale=2, size=n)
    m = Method("x", ("p",))
    d, lo, hi = ri.kendall_difference(base.sample(frac=1, random_state=1), base, m, n_boot=50)
    assert d == 0 and lo == 0 and hi == 0  # paired: the same resamples on both sides
    better = base.assign(p=base["acc"])  # a perfect proxy
    d, lo, hi = ri.kendall_difference(better, base, m, n_boot=50)
    from aznas_core.metrics import kendall_tau
    assert d == pytest.approx(1 - kendall_tau(base["p"], base["acc"]))
    assert 0 < lo <= d <= hi
    with pytest.raises(ValueError, match="same architectures"):
        ri.kendall_difference(base.iloc[1:], base, m)


def test_input_comparison_reports_nan_below_the_minimum_and_the_papers_numbers():
    m = [x for x in ri.REAL_INPUT_METHODS if x.label == "GradSign (sum)"]
    f = ri.input_comparison(datasets=["cifar10"], methods=m, n_boot=0, min_archs=10**6)
    assert list(f["input"]) == list(ri.INPUTS)
    assert f["KT"].isna().all()
    # compared with the paper's GradSign row, whatever its reduction
    assert (f["paper_KT"] == 0.618).all() and not math.isnan(f["paper_SPR"].iloc[0])
