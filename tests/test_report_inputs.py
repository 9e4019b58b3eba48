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


def test_verdict_reads_a_gap_the_common_sample_is_too_small_to_show_on_the_larger_one():
    """TE-NAS's case: on the common 300 the synthetic CI holds the paper, on the synthetic
    3,000 it does not; the gap is shown, and 'explained' needs a significant move toward it."""
    wide = row(0.47, 0.41, 0.54, 0.535)
    shown = dict(wide, gap_n=3000, gap_KT=0.48, gap_KT_low=0.46, gap_KT_high=0.50)
    moved = row(0.54, 0.49, 0.58, 0.535, 0.07, 0.03, 0.12)
    assert ri.verdict(wide, moved) == "no gap"  # the 300 alone cannot tell
    assert ri.verdict(shown, moved) == "explained"
    # inside the natural CI but the paired move is not significant: not enough
    assert ri.verdict(shown, row(0.50, 0.45, 0.55, 0.535, 0.03, -0.01, 0.07)) == "not explained"
    # the larger sample agrees with the paper: no gap
    assert ri.verdict(dict(wide, gap_n=3000, gap_KT=0.53, gap_KT_low=0.51, gap_KT_high=0.55),
                      moved) == "no gap"
    lines = ri.input_verdict_lines(pd.DataFrame([
        dict(shown, method="TE-NAS", dataset="cifar100", input="synthetic_cifar10", n_archs=300),
        dict(moved, method="TE-NAS", dataset="cifar100", input="natural", n_archs=300,
             gap_n=np.nan)]))
    assert lines[0].endswith("explained (synthetic +0.480 [+0.460, +0.500] on n=3000)")


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


def test_table1_frames_read_real_input_proxies_on_natural_images_where_they_cover_the_sample():
    """Table 1's main column: ZiCo (natural images cached on at least the 1,042 of CIFAR-100) is read on
    the natural cache, value for value; the substitute source moves nothing; each method's
    input column says which source its proxies were read on."""
    from aznas_core import report, sweep

    methods = [m for m in report.TABLE1_METHODS if m.label in ("#Params", "ZiCo", "TE-NAS")]
    frames, res = report.table1_frames(["cifar100"], methods=methods)
    subst, _ = report.table1_frames(["cifar100"], methods=methods, real_input="synthetic_cifar10")
    moved = frames["cifar100"].attrs["inputs"]
    assert moved["zico"] == "natural" and set(moved) <= {"zico", "ntk", "linear_region"}
    assert subst["cifar100"].attrs["inputs"] == {}
    nat = sweep.scores(dataset="cifar100", inputs="natural", proxies=["zico"])
    nat, n_nat = report.documented_sample(nat, ["zico"])  # 1,042 or, once swept, the 3,000:
    assert n_nat >= 1042                                  # a cache still filling reads no further
    got = frames["cifar100"].set_index("index")
    np.testing.assert_array_equal(got.loc[nat["index"], "zico"].to_numpy(), nat["zico"].to_numpy())
    assert got["zico"].notna().sum() == len(nat)
    if "ntk" not in moved:
        pd.testing.assert_series_equal(got["ntk"], subst["cifar100"].set_index("index")["ntk"])
    assert not np.array_equal(got.loc[nat["index"], "zico"].to_numpy(),
                              subst["cifar100"].set_index("index").loc[nat["index"], "zico"].to_numpy())
    t = report.table1(frames, res, methods, n_boot=0)
    inputs = t[t["dataset"] == "cifar100"].groupby("method")["input"].first()
    assert inputs["ZiCo"].startswith(ri.NATURAL)
    assert (ri.NATURAL in inputs["TE-NAS"]) == ("ntk" in moved)  # "NTK: natural images; ..."
    assert ("Synthetic CIFAR-10" in inputs["TE-NAS"]) == ("ntk" not in moved)
    assert (t.loc[(t["method"] == "ZiCo") & (t["dataset"] == "cifar100"), "n_archs"] == n_nat).all()


def test_a_natural_cache_smaller_than_the_threshold_keeps_the_substitute():
    """A real-input family whose natural cache covers a smaller documented sample than
    `min_archs` stays on the substitute's scores (a partial cache fills in index order, so
    it is not a random sample): ZiCo with the threshold one above its natural sample."""
    from aznas_core import sweep
    from aznas_core.report.methods import documented_sample, real_input_columns

    base = sweep.scores(dataset="cifar100", proxies=["zico"])
    nat = sweep.scores(dataset="cifar100", inputs="natural", proxies=["zico"])
    nat, n_nat = documented_sample(nat, ["zico"])  # read on its documented sample only
    assert n_nat >= 1042
    kept, moved = real_input_columns(base, "cifar100", ["zico"], min_archs=n_nat + 1)
    assert moved == {}
    pd.testing.assert_frame_equal(kept, base)
    read, moved = real_input_columns(base, "cifar100", ["zico"], min_archs=n_nat)
    assert moved == {"zico": "natural"}
    np.testing.assert_array_equal(read.set_index("index").loc[nat["index"], "zico"].to_numpy(),
                                  nat["zico"].to_numpy())


def test_baseline_sensitivity_rows_are_the_paired_differences():
    """Input-source rows copy the comparison's natural-minus-synthetic dKT and its CI; the
    reduction row's delta is KT(sum) - KT(mean) on the same cached architectures."""
    from aznas_core import metrics, sweep

    comparison = pd.DataFrame([
        dict(method="ZiCo", dataset="cifar10", input="synthetic_cifar10", KT=0.58, n_archs=1042,
             dKT=np.nan, dKT_low=np.nan, dKT_high=np.nan),
        dict(method="ZiCo", dataset="cifar10", input="natural", KT=0.57, n_archs=1042,
             dKT=-0.01, dKT_low=-0.02, dKT_high=-0.005)])
    t = ri.baseline_sensitivity(comparison, ["cifar10"], n_boot=10)
    row = t[t["factor"] == "input source"].iloc[0]
    assert (row["method"], row["kt"], row["delta_kt"], row["ci_low"]) == ("ZiCo", 0.57, -0.01, -0.02)
    red = t[t["factor"] == "reduction over the weights"].iloc[0]
    f = sweep.with_ground_truth(sweep.scores(dataset="cifar10", proxies=["gradsign", "gradsign_sum"]),
                                "cifar10")
    f = f[f["index"].isin(fixed_sample(red["n_archs"]))]
    expect = metrics.kendall_tau(f["gradsign_sum"], f["acc"]) - metrics.kendall_tau(f["gradsign"], f["acc"])
    assert red["delta_kt"] == pytest.approx(expect, abs=1e-12)
    assert red["ci_low"] <= red["delta_kt"] <= red["ci_high"]
