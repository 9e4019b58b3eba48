"""Core helpers behind Table 1, Table 5 and Figures 1, 4, 6, 7: hand-computed values on tiny
frames, and equality with recomputation through the primitives."""
import math
import random

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aznas_core import aggregate, metrics, report
from aznas_core.benchmarks.nb201 import ground_truth
from aznas_core.reported import reported
from aznas_core.spaces import nb201


def test_pool_acc_draws_with_python_random_and_takes_first_argmax():
    f = pd.DataFrame({"index": [4, 2, 0, 3, 1], "s": [0.5, 3.0, 1.0, 3.0, 2.0],
                      "acc": [10.0, 40.0, 30.0, 50.0, 20.0]})
    mean, std, runs = metrics.pool_acc(f, ["s"], "acc", method="-", seeds=(1, 2, 3), n_samples=4)
    by_index = f.sort_values("index").reset_index(drop=True)  # rows in benchmark-index order
    expected = []
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        rows = [rng.randrange(5) for _ in range(4)]
        s = by_index["s"].to_numpy()[rows]
        expected.append(by_index["acc"].to_numpy()[rows][int(np.argmax(s))])  # first among ties
    assert runs == expected
    assert mean == pytest.approx(np.mean(expected))
    assert std == pytest.approx(np.std(expected, ddof=1))


def test_pool_acc_of_the_truth_is_the_best_drawn():
    f = pd.DataFrame({"index": range(50), "acc": np.arange(50.0)})
    _, _, runs = metrics.pool_acc(f, ["acc"], "acc", method="-", seeds=(7, 8), n_samples=10)
    expected = []
    for seed in (7, 8):
        rng = random.Random(seed)
        expected.append(float(max(rng.randrange(50) for _ in range(10))))
    assert runs == expected


def test_pairwise_kendall_hand_computed():
    f = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, 1.0],
                      "c": [1.0, 3.0, 2.0, 4.0], "d": [np.nan, 1.0, 2.0, 3.0]})
    m = metrics.pairwise_kendall(f, ["a", "b", "c", "d"])
    assert (m.to_numpy() == m.to_numpy().T).all() and (np.diag(m) == 1).all()
    assert m.loc["a", "b"] == pytest.approx(-1.0)
    # a vs c: pairs (1,2),(1,3),(1,4),(2,3),(2,4),(3,4): one discordant (2,3) -> (5-1)/6
    assert m.loc["a", "c"] == pytest.approx(4 / 6)
    # NaN ranks lowest, so d orders like a
    assert m.loc["a", "d"] == pytest.approx(1.0)


def test_pair_nonlinear_kendall_diagonal_is_raw_score_offdiagonal_is_eq12():
    f = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [5.0, 1.0, 4.0, 2.0, 3.0],
                      "acc": [1.0, 3.0, 2.0, 5.0, 4.0]})
    m = report.pair_nonlinear_kendall(f, ["x", "y"])
    assert m.loc["x", "x"] == pytest.approx(stats.kendalltau(f["x"], f["acc"]).statistic)
    # Eq. 12 by hand: ranks x = 1..5, y = 5,1,4,2,3; m = 5
    nl = [math.log(rx / 5) + math.log(ry / 5) for rx, ry in zip([1, 2, 3, 4, 5], [5, 1, 4, 2, 3])]
    assert m.loc["x", "y"] == m.loc["y", "x"] == pytest.approx(
        stats.kendalltau(nl, f["acc"]).statistic)


def test_pair_difference_is_the_difference_of_pair_taus_and_its_ci_is_paired():
    rng = np.random.default_rng(1)
    acc = rng.normal(size=60)
    f = pd.DataFrame({"x": acc + rng.normal(size=60), "y": rng.normal(size=60),
                      "z": acc + 0.1 * rng.normal(size=60), "acc": acc})
    m = report.pair_nonlinear_kendall(f, ["x", "y", "z"])
    d, lo, hi = report.pair_difference_ci(f, ("x", "z"), ("x", "y"), n_boot=100)
    assert d == pytest.approx(m.loc["x", "z"] - m.loc["x", "y"]) and 0 < lo <= d <= hi
    # a cell against itself: zero in every resample (the CI is paired, not two marginal CIs)
    assert report.pair_difference_ci(f, ("x", "y"), ("y", "x"), n_boot=50) == (0.0, 0.0, 0.0)
    # a pair (a, a) is a's raw score, the diagonal of the matrix
    d, _, _ = report.pair_difference_ci(f, ("z", "z"), ("y", "y"), n_boot=10)
    assert d == pytest.approx(m.loc["z", "z"] - m.loc["y", "y"])


def test_ms_per_arch_counts_each_pass_once_and_adds_families():
    cache = pd.DataFrame({
        "arch": ["A", "A", "A", "B", "B", "B"],
        "proxy": ["p", "q", "r", "p", "q", "r"],  # p, q share a pass; r is another family
        "seconds": [0.1, 0.1, 0.2, 0.3, 0.3, 0.2]})
    assert report.ms_per_arch(cache, ["p", "q"]) == pytest.approx(200.0)
    assert report.ms_per_arch(cache, ["p", "r"]) == pytest.approx(400.0)
    assert math.isnan(report.ms_per_arch(cache, ["zz"]))


def test_method_rows_follow_the_paper_on_the_full_space_and_pool_on_subsets():
    gt = ground_truth()[["index", "arch", "cifar10"]].rename(columns={"cifar10": "acc"})
    gt["params"] = [nb201.flops_params(a, "cifar10")[1] for a in gt["arch"]]
    method = next(m for m in report.TABLE1_METHODS if m.label == "#Params")
    rows = {r["metric"]: r for r in report.method_rows(gt, method, n_boot=0)}
    t1 = reported("P-T1").query("label == '#Params' and dataset == 'cifar10'").set_index("metric")
    assert round(rows["Acc"]["reproduced"], 2) == t1.loc["Acc", "value"]  # 93.50, exactly
    assert round(rows["Acc"]["std"], 2) == t1.loc["Acc", "std"]
    assert rows["KT"]["reproduced"] == metrics.kendall_tau(gt["params"], gt["acc"])
    assert round(rows["KT"]["reproduced"], 3) == t1.loc["KT", "value"]
    sub = gt.iloc[::5]
    rows = {r["metric"]: r for r in report.method_rows(sub, method, n_boot=20)}
    assert rows["Acc"]["n_archs"] == len(sub)
    assert rows["Acc"]["reproduced"] == metrics.pool_acc(sub, ["params"], "acc", "-")[0]
    assert rows["KT"]["ci_low"] <= rows["KT"]["reproduced"] <= rows["KT"]["ci_high"]


def test_cached_scores_lists_uncached_proxies_and_never_fills_them(tmp_path):
    frame, absent = report.cached_scores("cifar10", ["expressivity", "params", "not_a_proxy"],
                                         root=tmp_path)
    assert absent == ["expressivity", "not_a_proxy"]
    assert list(frame.columns) == ["index", "arch", "params"] and len(frame) == nb201.N_ARCHS


def test_status_table_judges_rows_by_their_own_tolerance(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "table1.ipynb").write_text("{}")
    target = next(t for t in report.TARGETS if t.id == "P-T1")
    if target.result is None:
        pytest.skip("P-T1 has no result file registered yet")
    rows = pd.DataFrame({"delta": [0.01, 0.4, 300.0], "tolerance": [0.02, 0.5, np.nan],
                         "n_archs": [15625, 15625, 15625]})
    rows.to_csv(tmp_path / f"{target.result}.csv", index=False)
    status = report.status_table(tmp_path, tmp_path / "nb").set_index("id")
    assert status.loc["P-T1", "status"] == "reproduced"  # the runtime row (NaN) is not judged
    rows.loc[1, "delta"] = 0.6
    rows.to_csv(tmp_path / f"{target.result}.csv", index=False)
    status = report.status_table(tmp_path, tmp_path / "nb").set_index("id")
    assert status.loc["P-T1", "status"].startswith("partially reproduced")


def test_method_scores_keep_rows_with_every_proxy_and_aggregate_within_them():
    f = pd.DataFrame({"index": [0, 1, 2, 3], "a": [1.0, 2.0, np.nan, 4.0], "b": [3.0, 1.0, 2.0, 2.0],
                      "acc": [0.1, 0.2, 0.3, 0.4]})
    methods = [report.Method("A", ("a",)), report.Method("AB", ("a", "b"), "linear"),
               report.Method("Z", ("zz",))]
    out = report.method_scores(f, methods, min_archs=3)
    assert list(out.columns) == ["index", "A", "AB", "acc"]  # Z is not cached: left out
    assert out["index"].tolist() == [0, 1, 3]  # row 2 lacks a
    # ranks within the 3 kept rows: a = 1, 2, 3; b = 3, 1, 2 -> sums 4, 3, 5
    assert out["AB"].tolist() == [4.0, 3.0, 5.0]
    assert out["A"].tolist() == [1.0, 2.0, 4.0]
    # a method cached on fewer than min_archs rows is left out and does not shrink the others
    out = report.method_scores(f, methods + [report.Method("B", ("b",))], min_archs=4)
    assert list(out.columns) == ["index", "B", "acc"]
    assert out["index"].tolist() == [0, 1, 2, 3]


def test_table1_methods_name_registered_or_announced_proxies():
    from aznas_core.proxies import PROXIES

    announced = {"gradsign", "zico", "ntk", "linear_region"}  # families being added (issue 7)
    for m in report.TABLE1_METHODS + report.FIGURE_METHODS:
        assert set(m.proxies) <= set(PROXIES) | announced, m
        assert m.aggregation in ("-", "linear", "nonlinear")


def test_claim_row_tests_only_when_everything_needed_is_there():
    row = report.claim_row("x beats y", ["x", "y"], ["x"], lambda: 1 / 0)  # never called
    assert row["holds"] is None and row["detail"] == "not yet cached: y"
    row = report.claim_row("x beats y", ["x", "y"], ["x", "y", "z"], lambda: (2 > 1, 2, 1, "ok"))
    assert row == dict(claim="x beats y", holds=True, value=2.0, reference=1.0, detail="ok")


def test_status_table_counts_untested_figure_claims_as_in_progress(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "fig7.ipynb").write_text("{}")
    claims = pd.DataFrame([report.claim_row("a", ["p"], ["p"], lambda: (True, 1, 0, "")),
                           report.claim_row("b", ["q"], ["p"], lambda: (True, 1, 0, ""))])
    claims.to_csv(tmp_path / "fig7.csv", index=False)
    status = report.status_table(tmp_path, tmp_path / "nb").set_index("id")
    assert status.loc["P-F7", "status"].startswith("in progress (1 of 2 claims")
    claims.iloc[[0]].to_csv(tmp_path / "fig7.csv", index=False)
    status = report.status_table(tmp_path, tmp_path / "nb").set_index("id")
    assert status.loc["P-F7", "status"] == "reproduced"


def test_fixed_samples_are_nested_around_the_1042():
    """fixedN below 1,042 draws from the 1,042, above it contains them; every smaller
    sample sits inside every larger one, so a cache grown from one to the next keeps its
    scores; sizes outside 1..15,625 are refused."""
    from aznas_core.benchmarks.nb201 import fixed_sample, uniform_subset

    head = set(uniform_subset())
    small, mid, big = (set(fixed_sample(n)) for n in (300, 600, 3000))
    assert len(head) == 1042 and (len(small), len(mid), len(big)) == (300, 600, 3000)
    assert small < mid < head < big
    assert fixed_sample(300) == sorted(fixed_sample(300))
    for bad in (0, nb201.N_ARCHS + 1):
        with pytest.raises(ValueError, match="fixed_sample needs"):
            fixed_sample(bad)


def test_documented_sample_is_the_largest_complete_fixed_sample():
    """A cache holding fixed600 and part of the 1,042 is read on fixed600, never on the
    half-filled (index-ordered, so non-random) rest; a complete space is read whole."""
    from aznas_core.benchmarks.nb201 import fixed_sample

    f = pd.DataFrame({"index": range(nb201.N_ARCHS), "p": np.nan, "q": 1.0})
    f.loc[fixed_sample(600), "p"] = 1.0
    rest = sorted(set(fixed_sample(1042)) - set(fixed_sample(600)))
    f.loc[rest[:300], "p"] = 2.0  # the 1,042 more than half done
    sub, n = report.documented_sample(f, ["p"])
    assert n == 600 and sorted(sub["index"]) == fixed_sample(600)
    f.loc[rest, "p"] = 2.0
    assert report.documented_sample(f, ["p"])[1] == 1042
    assert report.documented_sample(f, ["q"])[1] == nb201.N_ARCHS
    assert report.documented_sample(f, ["p", "q"])[1] == 1042  # every proxy must be cached
    f.loc[fixed_sample(300)[:1], "p"] = np.nan  # not even fixed300 complete
    sub, n = report.documented_sample(f, ["p"])
    assert n == 0 and sub.empty
    assert report.documented_sample(f, ["absent"])[1] == 0


def test_a_cached_nan_score_can_count_as_cached():
    """jacob_cov scores some cells NaN: given the cached indices, a sample holding such a cell
    is still complete; by default (non-NaN rows) it is not."""
    from aznas_core.benchmarks.nb201 import fixed_sample

    idx = fixed_sample(1042)
    f = pd.DataFrame({"index": idx, "p": 1.0})
    f.loc[0, "p"] = np.nan  # a cached NaN score
    assert report.documented_sample(f, ["p"], cached=f["index"])[1] == 1042
    assert report.documented_sample(f, ["p"])[1] < 1042


def test_proxy_correlations_read_the_largest_complete_sample_of_each_cache():
    """ZiCo's CIFAR-10 row is over the fixed 3,000 (its committed cache), and its tau equals
    one computed directly from those rows; TE-NAS's ImageNet16-120 row falls back to 16x16,
    where its cache covers the larger documented sample (the 3,000; 32x32 holds fewer); an uncached configuration gives an empty row, not a made-up one."""
    from aznas_core import sweep
    from aznas_core.benchmarks.nb201 import fixed_sample

    t = report.proxy_correlations(["cifar10", "ImageNet16-120"], n_boot=0, proxies=["zico", "ntk"])
    zico = t[(t["proxy"] == "zico") & (t["dataset"] == "cifar10")].iloc[0]
    f = sweep.with_ground_truth(sweep.scores(dataset="cifar10", proxies=["zico"]), "cifar10")
    f = f[f["index"].isin(fixed_sample(3000))]
    assert zico["n_archs"] == len(f) == 3000
    assert zico["KT"] == pytest.approx(metrics.kendall_tau(f["zico"], f["acc"]), abs=1e-12)
    ntk = t[(t["proxy"] == "ntk") & (t["dataset"] == "ImageNet16-120")].iloc[0]
    assert ntk["resolution"] == 16 and ntk["n_archs"] >= 1042
    none = report.proxy_correlations(["cifar10"], n_boot=0, proxies=["zico"], init="xavier_normal")
    assert none["n_archs"].tolist() == [0] and none["KT"].isna().all()
