"""The AZ-NAS paper's notebooks as library functions (`aznas_core.report.paper`): hand-computed
values on tiny frames, and the committed results files recomputed from the committed caches."""
import re

import numpy as np
import pandas as pd
import pytest

from aznas_core import aggregate, metrics, report
from aznas_core.benchmarks.nb201 import fixed_sample, ground_truth
from aznas_core.report.methods import Method



def _long(rows):
    """A tiny table in `report.table1`'s long format."""
    cols = ["method", "dataset", "metric", "reported", "reproduced", "ci_low", "ci_high",
            "n_archs", "input", "std", "reported_std", "tolerance"]
    t = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    t["delta"] = t["reproduced"] - t["reported"]
    return t


TINY = _long([
    ("AZ-NAS", "cifar10", "KT", 0.741, 0.738, 0.73, 0.75, 15625, "Gaussian", np.nan, np.nan, 0.02),
    ("AZ-NAS", "cifar10", "SPR", 0.913, 0.912, 0.90, 0.92, 15625, "Gaussian", np.nan, np.nan, 0.02),
    ("AZ-NAS", "cifar10", "Acc", 93.53, 93.43, np.nan, np.nan, 15625, "Gaussian", 0.1, 0.2, 0.5),
    ("Grasp", "cifar10", "KT", 0.318, 0.434, 0.416, 0.455, 3000, report.SUBSTITUTE, np.nan, np.nan, 0.03),
    ("Grasp", "cifar10", "SPR", 0.460, 0.470, 0.40, 0.50, 3000, report.SUBSTITUTE, np.nan, np.nan, 0.03),
    ("Grasp", "cifar10", "Acc", 89.49, 89.10, np.nan, np.nan, 3000, report.SUBSTITUTE, 1.0, 0.3, 0.5),
    ("ZiCo", "cifar10", "KT", 0.600, 0.640, 0.58, 0.70, 1042, report.SUBSTITUTE, np.nan, np.nan, 0.03),
    ("ZiCo", "cifar10", "SPR", 0.800, 0.801, 0.75, 0.85, 1042, report.SUBSTITUTE, np.nan, np.nan, 0.03),
    ("ZiCo", "cifar10", "Acc", 93.50, np.nan, np.nan, np.nan, 0, report.SUBSTITUTE, np.nan, np.nan, 0.5),
    ("Ground truth (pool of 3,000)", "cifar10", "Acc", np.nan, 94.32, np.nan, np.nan, 3000,
     "none", 0.1, np.nan, np.nan),
])


def test_tolerance_gaps_and_whether_the_paper_is_inside_our_interval():
    g = report.tolerance_gaps(TINY)
    # Grasp KT: +0.116 > 0.03, paper 0.318 below our CI; ZiCo KT: +0.040 > 0.03, paper inside
    assert list(zip(g["method"], g["metric"])) == [("Grasp", "KT"), ("ZiCo", "KT")]
    assert g["inside"].tolist() == [False, True]
    assert g["delta"].round(3).tolist() == [0.116, 0.04]


def test_largest_deltas_per_kind_and_tolerance():
    lines = report.largest_deltas(TINY)
    assert len(lines) == 3  # the pool's reference row has no reported value: left out
    assert lines[0].startswith("AZ-NAS       KT/SPR largest |delta| 0.003 (KT, cifar10) within 0.02")
    assert "Acc largest |delta| 0.10 (Acc, cifar10) within 0.5" in lines[0]
    assert "KT/SPR largest |delta| 0.116 (KT, cifar10) NOT within 0.03" in lines[1]
    assert "Acc largest |delta| 0.39 (Acc, cifar10) within 0.5" in lines[1]
    assert lines[2] == "ZiCo         KT/SPR largest |delta| 0.040 (KT, cifar10) NOT within 0.03"


def test_table1_cells_rounds_and_says_what_is_not_cached():
    lines = report.table1_cells(TINY)
    assert lines[0] == ("AZ-NAS       CIFAR-10  n=15625  KT 0.738 (delta -0.003); "
                        "SPR 0.912 (delta -0.001); Acc 93.43 (delta -0.10)")
    assert "Acc not yet cached (delta not yet cached)" not in lines[2]
    assert lines[2].endswith("Acc not yet cached")
    assert lines[3] == "Ground truth (pool of 3,000) CIFAR-10  n= 3000  Acc 94.32"


def test_table1_verdict_is_computed_from_the_numbers():
    v = report.table1_verdict(TINY)
    assert v.startswith("AZ-NAS has the highest KT and SPR on 2 of 2 dataset x metric cells "
                        "(KT 0.738; largest |delta| to the paper 0.003).")
    assert "1 of 3 methods are within tolerance in every KT/SPR cell; Grasp, ZiCo are not " \
           "(input: Grasp Synthetic CIFAR-10, ZiCo Synthetic CIFAR-10 (within sampling error); " \
           "'What the input changes' " \
           "measures what the input does)." in v
    beaten = TINY.copy()
    beaten.loc[(beaten["method"] == "ZiCo") & (beaten["metric"] == "KT"), "reproduced"] = 0.9
    assert "on 1 of 2 dataset x metric cells" in report.table1_verdict(beaten)


def test_headline_and_dataset_view():
    h = report.headline(TINY, "KT")
    assert list(h.index) == ["AZ-NAS", "Grasp", "ZiCo"]
    assert list(h.columns) == [("CIFAR-10", "reported"), ("CIFAR-10", "reproduced"), ("CIFAR-10", "delta")]
    assert h.loc["Grasp", ("CIFAR-10", "delta")] == pytest.approx(0.116)
    html = report.style_headline(h, {"AZ-NAS": 0.02, "Grasp": 0.03, "ZiCo": 0.03}).to_html()
    colour = {}  # the CSS rules: "#T_x_row1_col2, #T_x_row2_col2 {\n  background-color: ...;"
    for cells, c in re.findall(r"([^{}]+)\{\s*background-color: (#[0-9a-f]+);", html):
        colour.update({int(r): c for r in re.findall(r"_row(\d+)_col2", cells)})
    assert colour == {0: "#d9f2d9", 1: "#f8d7da", 2: "#f8d7da"}  # AZ-NAS in; Grasp, ZiCo out
    v = report.table1_dataset(TINY, "cifar10")
    assert list(v.index) == ["AZ-NAS", "Grasp", "ZiCo", "Ground truth (pool of 3,000)"]
    assert v.loc["Grasp", "KT 95% CI"] == "[0.416, 0.455]"
    assert v.loc["ZiCo", "status"] == "not yet cached" and v.loc["AZ-NAS", "status"] == ""
    assert v.loc["AZ-NAS", "Acc std (ours)"] == 0.1


def test_table1_against_the_primitives():
    gt = ground_truth()  # all 15,625 cells: the ground truth's 'Acc.' is the paper's protocol
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"index": gt["index"], "arch": gt["arch"], "acc": gt["cifar10"],
                      "params": rng.normal(size=len(gt)), "synflow": rng.normal(size=len(gt))})
    f.loc[f["index"] >= 300, "synflow"] = np.nan  # cached on 300 architectures only
    methods = [Method("#Params", ("params",), input="none (architecture)"),
               Method("Synflow", ("synflow",), input="all-ones image")]
    t = report.table1({"cifar10": f}, {"cifar10": {"synflow": 32}}, methods, n_boot=0,
                      documented=False)
    kt = t.set_index(["method", "dataset", "metric"])
    g = f.dropna()
    assert kt.loc[("Synflow", "cifar10", "KT"), "reproduced"] == pytest.approx(
        metrics.kendall_tau(g["synflow"], g["acc"]))
    assert kt.loc[("Synflow", "cifar10", "KT"), "n_archs"] == 300
    assert kt.loc[("Synflow", "cifar10", "KT"), "input"] == "all-ones image, 32x32"
    assert kt.loc[("#Params", "cifar10", "KT"), "reported"] == 0.578  # the paper's Table 1
    assert kt.loc[("#Params", "cifar10", "KT"), "delta"] == pytest.approx(
        metrics.kendall_tau(f["params"], f["acc"]) - 0.578)
    assert kt.loc[("#Params", "cifar10", "KT"), "tolerance"] == 0.02
    assert kt.loc[("Synflow", "cifar10", "SPR"), "tolerance"] == 0.03
    assert kt.loc[("Synflow", "cifar10", "Acc"), "reproduced"] == pytest.approx(
        metrics.pool_acc(g, ["synflow"], "acc", method="-")[0])
    assert kt.loc[("Ground truth", "cifar10", "Acc"), "reproduced"] == pytest.approx(94.29, abs=0.005)
    assert kt.loc[("Ground truth (pool of 300)", "cifar10", "Acc"), "reproduced"] == pytest.approx(
        metrics.pool_acc(g, ["acc"], "acc", method="-")[0])
    assert list(dict.fromkeys(t["method"])) == ["#Params", "Synflow", "Ground truth",
                                                 "Ground truth (pool of 300)"]
    # Synflow's runtime row comes from the committed same-run timing; #Params has none
    ms = t[t["metric"] == "ms_per_arch"]
    assert ms["method"].tolist() == ["Synflow"] and ms["dataset"].tolist() == [""]
    assert ms["reproduced"].item() == pytest.approx(report.timed_ms_per_arch("Synflow")[0])


def _sample_frame(n, score, seed=0):
    """A frame on the documented fixed_sample(n): index, acc and synflow = score(acc, in300)."""
    idx = np.sort(fixed_sample(n))
    acc = np.random.default_rng(seed).permutation(len(idx)).astype(float)
    in300 = np.isin(idx, fixed_sample(300))
    return pd.DataFrame({"index": idx, "acc": acc, "synflow": score(acc, in300)})


def test_resolution_kendall_picks_the_closer_resolution():
    at32 = _sample_frame(300, lambda acc, _: acc)    # tau +1
    at16 = _sample_frame(300, lambda acc, _: -acc)   # tau -1
    out = report.resolution_kendall(at32, {"synflow": 32}, at16, 16,
                                    [Method("Synflow", ("synflow",)), Method("Z", ("zen",))])
    r = out.loc["Synflow"]
    assert r["KT at 32x32"] == pytest.approx(1.0) and r["KT at 16x16"] == pytest.approx(-1.0)
    assert r["n_archs"] == 300
    assert r["paper KT"] == 0.555 and r["closer to the paper"] == "32x32"
    assert out.loc["Z", "closer to the paper"] == "-"  # cached at neither


def test_resolution_kendall_reads_both_resolutions_on_the_architectures_both_hold():
    """A cache covering a larger documented sample at one resolution is cut to the one the
    other covers, so the two columns differ by the resolution alone; rows beyond a documented
    sample (a sweep still filling) are not read."""
    at32 = _sample_frame(600, lambda acc, in300: np.where(in300, acc, -acc))  # +1 on the 300 only
    at16 = _sample_frame(300, lambda acc, _: -acc)
    at16 = pd.concat([at16, pd.DataFrame({"index": [int(np.setdiff1d(fixed_sample(600),
                                                                     fixed_sample(300))[0])],
                                          "acc": [0.0], "synflow": [0.0]})])  # one more, filling
    out = report.resolution_kendall(at32, {"synflow": 32}, at16, 16, [Method("Synflow", ("synflow",))])
    r = out.loc["Synflow"]
    assert r["n_archs"] == 300
    assert r["KT at 32x32"] == pytest.approx(1.0)   # on the 300 (on its whole 600 it is not)
    assert r["KT at 16x16"] == pytest.approx(-1.0)
    only16 = report.resolution_kendall(at32.iloc[:0], {"synflow": 32}, at16, 16,
                                       [Method("Synflow", ("synflow",))]).loc["Synflow"]
    assert only16["n_archs"] == 0 and np.isnan(only16["KT at 16x16"])


def test_table1_cifar10_equals_the_committed_results():
    """`report.table1` on the committed caches gives results/table1.csv's CIFAR-10 rows (KT,
    SPR, Acc., n, input, tolerance) for four methods (one closed-form, two on all 15,625, one
    on a documented sample with its pool's ground truth), to stay fast; the notebook's nbval
    run checks every cell and the CIs."""
    methods = [m for m in report.TABLE1_METHODS if m.label in ("#Params", "Synflow", "TE-NAS", "AZ-NAS")]
    frames, res = report.table1_frames(["cifar10"], methods=methods)
    ours = report.table1(frames, res, methods, n_boot=0)
    committed = pd.read_csv(report.RESULTS_DIR / "table1.csv").fillna({"dataset": ""})
    # the ground truth of the pool TE-NAS is read on (its committed sample size)
    tenas_n = committed.loc[(committed["method"] == "TE-NAS")
                            & (committed["dataset"] == "cifar10"), "n_archs"].iloc[0]
    keep = committed["dataset"].isin(["cifar10", ""]) & committed["method"].isin(
        [m.label for m in methods] + ["Ground truth", report.pool_label(int(tenas_n))])
    committed = committed[keep].reset_index(drop=True)
    assert ours[["method", "dataset", "metric", "input"]].equals(
        committed[["method", "dataset", "metric", "input"]])
    for c in ("reported", "reproduced", "delta", "std", "reported_std", "tolerance", "n_archs"):
        np.testing.assert_allclose(ours[c].astype(float), committed[c].astype(float),
                                   atol=6e-5, err_msg=c)


# ------------------------------------------------------------------- protocol sensitivity

def _aznas_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    acc = rng.normal(size=n)
    f = pd.DataFrame({"index": np.arange(n), "acc": acc})
    for i, p in enumerate(report.NETWORK_PROXIES + ["complexity"]):
        f[p] = acc + rng.normal(scale=1 + i, size=n)
    return f


def test_sensitivity_row_against_hand_computed_taus():
    f = _aznas_frame()
    base_tau = metrics.kendall_tau(report.combination_scores(f, "E+P+T+C NL"), f["acc"])
    # the same frame under the same label: delta 0, and a paired CI of a zero difference
    r = report.sensitivity_row("x", "same", "cifar10", f, f, base_acc=0.0, acc=False, n_boot=20)
    assert r["kt"] == pytest.approx(base_tau) and r["delta_kt"] == 0.0
    assert r["ci_low"] == r["ci_high"] == 0.0 and r["n_archs"] == 60 and "acc" not in r
    # dropping T: tau of E+P+C NL minus the baseline's
    r = report.sensitivity_row("drop", "without T", "cifar10", f, f, 0.0, label="E+P+C NL", n_boot=0)
    want = metrics.kendall_tau(report.combination_scores(f, "E+P+C NL"), f["acc"]) - base_tau
    assert r["delta_kt"] == pytest.approx(want) and "ci_low" not in r
    # another population (half the rows): the baseline's tau is a fixed reference
    half = f.iloc[:30].reset_index(drop=True)
    r = report.sensitivity_row("sub", "half", "cifar10", half, f, 0.0, n_boot=10)
    own = metrics.kendall_tau(report.combination_scores(half, "E+P+T+C NL"), half["acc"])
    assert r["delta_kt"] == pytest.approx(own - base_tau)
    lo, hi = metrics.bootstrap_ci(report.combination_scores(half, "E+P+T+C NL").to_numpy(),
                                  half["acc"].to_numpy(), n_boot=10, seed=0)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo - base_tau, hi - base_tau))


def test_sensitivity_summary_and_effects():
    t = pd.DataFrame([
        dict(factor="a", variant="v1", dataset="cifar10", delta_kt=-0.10, delta_acc=1.0, n_archs=10),
        dict(factor="a", variant="v1", dataset="cifar100", delta_kt=0.02, delta_acc=np.nan, n_archs=12),
        dict(factor="b", variant="v2", dataset="cifar10", delta_kt=0.20, delta_acc=np.nan, n_archs=5),
        dict(factor="b", variant="v2", dataset="cifar100", delta_kt=np.nan, delta_acc=-3.0, n_archs=5),
    ])
    s = report.sensitivity_summary(t)
    assert list(s.columns) == ["CIFAR-10 Δτ", "CIFAR-100 Δτ", "CIFAR-10 ΔAcc.", "CIFAR-100 ΔAcc.", "n_archs"]
    assert s.loc[("a", "v1"), "CIFAR-100 Δτ"] == 0.02 and s.loc[("a", "v1"), "n_archs"] == 12
    e = report.sensitivity_effects(t)
    assert list(e.index) == ["b", "a"]
    assert e.loc["a"].tolist() == [0.10, 1.0] and e.loc["b"].tolist() == [0.20, 3.0]


def test_sensitivity_rows_equal_the_committed_results():
    """`report.sensitivity`'s rows on the committed caches give results/sensitivity.csv's (two
    CIFAR-10 rows here, to stay fast; the notebook's nbval run checks every row)."""
    frames = report.SensitivityFrames(["cifar10"])
    b = frames.frame("cifar10")
    base_acc = metrics.paper_acc(b, list(report.PROXY_LETTERS.values()), "acc")
    committed = pd.read_csv(report.RESULTS_DIR / "sensitivity.csv").query("dataset == 'cifar10'")
    rows = [report.sensitivity_row("FLOPs convention", "legacy NB201 FLOPs (pooling, BN, offset)",
                                   "cifar10", b.assign(complexity=b["flops_legacy"]), b, base_acc[0], n_boot=0),
            report.sensitivity_row("dropping a proxy", "without C", "cifar10", b, b, base_acc[0],
                                   label="E+P+T NL", acc=False, n_boot=0)]
    for r in rows:
        c = committed[(committed["factor"] == r["factor"]) & (committed["variant"] == r["variant"])].iloc[0]
        assert r["n_archs"] == c["n_archs"] == 15625
        for k in ("kt", "delta_kt") + (("acc", "acc_std", "delta_acc") if "acc" in r else ()):
            assert r[k] == pytest.approx(c[k], abs=6e-5), k
    h = report.sensitivity_headline({"cifar10": b}, {"cifar10": base_acc})
    first = committed.iloc[0]
    assert h.loc["cifar10", "KT reproduced"] == pytest.approx(first["kt"] - first["delta_kt"], abs=1e-4)


# --------------------------------------------------------------------------------- Table 4

def test_table4_and_its_variants_equal_the_committed_results():
    """`report.table4` and `report.table4_variants` on the committed caches give the CIFAR-10
    rows of results/table4.csv (without the bootstrap CIs) and results/table4_variants.csv
    (the notebook's nbval run checks the other datasets)."""
    frames = {"cifar10": report.table4_frame("cifar10", 32)}
    t = report.table4(frames, n_boot=0)
    committed = pd.read_csv(report.RESULTS_DIR / "table4.csv").query("dataset == 'cifar10'").reset_index(drop=True)
    assert t[["row", "label", "dataset"]].equals(committed[["row", "label", "dataset"]])
    for c in ("reported", "reproduced", "delta", "n_archs"):
        np.testing.assert_allclose(t[c], committed[c], atol=6e-5, err_msg=c)
    legacy = {d: f.assign(complexity=f["flops_legacy"]) for d, f in frames.items()}
    v = report.table4_variants({"main": frames, "legacy FLOPs": legacy})
    committed = pd.read_csv(report.RESULTS_DIR / "table4_variants.csv").query("dataset == 'cifar10'")
    committed = committed.reset_index(drop=True)
    assert v[["row", "label", "dataset", "variant"]].equals(committed[["row", "label", "dataset", "variant"]])
    np.testing.assert_allclose(v["delta"], committed["delta"], atol=6e-5)
    side = report.variants_side_by_side(v)
    assert side.shape == (14, 2) and list(side.columns) == ["CIFAR-10 Δ main", "CIFAR-10 Δ legacy FLOPs"]


def test_table4_verdict_and_wide_table():
    t = pd.DataFrame({"row": [1, 1, 2, 2], "label": ["E", "E", "E+T NL", "E+T NL"],
                      "dataset": ["cifar10", "cifar100"] * 2, "reported": [0.5, 0.6, 0.7, 0.8],
                      "reproduced": [0.51, 0.55, 0.7, 0.79], "ci_low": [0.4] * 4, "ci_high": [0.6] * 4})
    t["delta"] = t["reproduced"] - t["reported"]
    assert report.table4_verdict(t) == ("3 of 4 cells reproduce within 0.02 of the paper; the largest "
                                        "|delta| is 0.050 (row 1 E, CIFAR-100).")
    w = report.wide_table(t)
    assert list(w.columns[:4]) == ["CIFAR-10 reported", "CIFAR-10 reproduced", "CIFAR-10 95% CI", "CIFAR-10 delta"]
    assert w.loc[(2, "E+T NL"), "CIFAR-100 reproduced"] == 0.79
    assert w.loc[(1, "E"), "CIFAR-100 95% CI"] == "[0.400, 0.600]"


# ------------------------------------------------------- Tables 8 and 9: one choice varied

def test_config_table_and_verdict_on_the_committed_caches():
    """Tables 8 and 9 through `config_table` / `table9` on the committed caches equal
    results/table8.csv and results/table9.csv (CIFAR-10 only, without the CIs, to stay fast)."""
    from aznas_core.reported import reported

    complexity = report.dataset_complexity(["cifar10"])
    inits = {"kaiming_fan_in": "Kaiming normal (fan-in)", "uniform": None}
    paper = reported("P-T8")
    labels = dict(zip(["kaiming_fan_in", "kaiming_fan_out", "xavier_normal", "normal", "uniform"],
                      dict.fromkeys(paper["label"])))
    net, missing, partial, common = report.cached_configurations(
        {i: {"init": i} for i in inits}, 1000, seed=0, batch_size=64, resolution=32)
    assert not missing and not partial
    t8 = report.config_table(net, common, labels, paper[paper["dataset"] == "cifar10"], complexity, n_boot=0)
    committed = pd.read_csv(report.RESULTS_DIR / "table8.csv").query("dataset == 'cifar10'").reset_index(drop=True)
    done = t8.dropna(subset=["reproduced"]).reset_index(drop=True)
    assert done["label"].tolist() == [labels["kaiming_fan_in"], labels["uniform"]]
    want = committed[committed["label"].isin(done["label"])].reset_index(drop=True)
    np.testing.assert_allclose(done["reproduced"], want["reproduced"], atol=6e-5)
    # the rows not computed here keep the paper's value and empty cells
    assert t8["reproduced"].isna().sum() == 3 and t8["reported"].notna().all()
    net, _, _, common = report.cached_configurations({b: {"batch_size": b} for b in (8, 64)}, 1000,
                                                     init="kaiming_fan_in", seed=0, resolution=32)
    t9 = report.table9(net, common, complexity, n_boot=0).dropna(subset=["reproduced"]).reset_index(drop=True)
    committed = pd.read_csv(report.RESULTS_DIR / "table9.csv").query("dataset == 'cifar10'")
    committed = committed[committed["batch_size"].isin([8, 64])].reset_index(drop=True)
    assert t9["batch_size"].tolist() == ["8", "64"] and (t9["n_archs"] == committed["n_archs"]).all()
    for c in ("reported", "reproduced", "delta", "ms_per_arch", "reported_ms_per_arch"):
        np.testing.assert_allclose(t9[c].astype(float), committed[c], atol=6e-5, err_msg=c)
    v = report.config_verdict(t9.rename(columns={"batch_size": "label"}), len(common), "batch size", prefix="batch ")
    assert v.startswith("2 of 2 cells are within 0.02 of the paper on 1,042 architectures")


def test_config_verdict_counts_and_names_the_worst():
    t = pd.DataFrame({"label": ["a", "a", "b", "b"], "dataset": ["cifar10", "cifar100"] * 2,
                      "reported": [0.7, 0.7, 0.7, 0.7], "reproduced": [0.71, 0.65, np.nan, 0.7]})
    t["delta"] = t["reproduced"] - t["reported"]
    assert report.config_verdict(t, 10, "x") == ("2 of 4 cells are within 0.02 of the paper on 10 "
                                                 "architectures; the largest |delta| is 0.050 (a, CIFAR-100).")
    assert report.config_verdict(t.assign(reproduced=np.nan), 0, "scheme") == "No scheme is computed yet."


# --------------------------------------------------------------------------------- Table 2

def test_pooled_curves_and_table2_verdict():
    rng = np.random.default_rng(0)
    keys = list(report.SEARCH_KEYS)
    evo = pd.DataFrame(rng.normal(size=(6, 4)) + 1.0, columns=keys)   # better on every proxy
    walk = pd.DataFrame(rng.normal(size=(6, 4)) - 1.0, columns=keys)
    pools, curves = report.pooled_curves({450e6: evo}, {450e6: walk})
    pool = pools[450e6]
    assert len(pool) == 12 and pool["search"].value_counts().tolist() == [6, 6]
    assert pool["pooled"].tolist() == pytest.approx(aggregate.nonlinear(pool, keys).tolist())
    c = curves[450e6]
    assert list(c) == ["evolution (Algorithm 1)", "random-walk (no selection)"]
    assert (np.diff(c["evolution (Algorithm 1)"]) >= 0).all()  # best so far: non-decreasing
    assert c["evolution (Algorithm 1)"][-1] == pool["pooled"][:6].max()
    found = pd.DataFrame({"budget": ["450M"], "flops_reported_counter": [405e6]})
    paper = pd.DataFrame({"reported FLOPs (M)": [462.0]}, index=["450M"])
    v = report.table2_verdict(found, paper, curves, 6)
    assert v.startswith(f"Selection beats no selection at {int(c['evolution (Algorithm 1)'][-1] > c['random-walk (no selection)'][-1])} of 1 budgets")
    assert "use 90% of their budgets (reported counter), the paper's 103%." in v


def test_table2_found_from_the_committed_histories():
    from aznas_core import search

    hist = {b: search.load(report.search_config(b)) for b in (450e6, 600e6)}
    found = report.table2_found(hist)
    committed = pd.read_csv(report.RESULTS_DIR / "table2.csv").head(2)
    assert found["budget"].tolist() == ["450M", "600M"] and found["arch"].tolist() == committed["arch"].tolist()
    for c in ("flops_budget_counter", "flops_reported_counter", "params", "aggregated_score", "search_seconds"):
        np.testing.assert_allclose(found[c].astype(float), committed[c], rtol=1e-6, atol=6e-5, err_msg=c)
    assert (found["flops_budget_counter"] <= [450e6, 600e6]).all()
    cost = report.search_cost(found, hist)
    assert cost["ms_per_candidate"].tolist() == pytest.approx([1e3 * h["seconds"].median() for h in hist.values()])
    assert cost["paper_gpu_days"].tolist() == [0.4, 0.6]


# --------------------------------------------------------------------------------- Figure 9

def test_fig9_picks_and_claims_equal_the_committed_results():
    frame, picks = report.fig9_picks("ImageNet16-120", 32)
    committed = pd.read_csv(report.RESULTS_DIR / "fig9_picks.csv").query("resolution == 32").reset_index(drop=True)
    assert picks["arch"].tolist() == committed["arch"].tolist() and len(frame) == 1042
    np.testing.assert_allclose(picks["pct_AZ-NAS"], committed["pct_AZ-NAS"], atol=6e-4)
    # each chooser's #1 is the highest-scored architecture of the subset: percentile 100
    top = picks[picks["pick"] == 1].set_index("chooser")
    for name in report.FIG9_CHOOSERS:
        assert top.loc[name, f"pct_{name}"] == pytest.approx(100.0)
    claims, bars = report.fig9_claims(frame, picks)
    c = pd.read_csv(report.RESULTS_DIR / "fig9.csv")
    assert claims["holds"].tolist() == c["holds"].tolist()
    np.testing.assert_allclose(claims["value"], c["value"], atol=6e-5)
    assert bars["C10"] == pytest.approx(np.percentile(frame["cifar10"], 90))


# --------------------------------------------------------------------------------- Figure 7

def test_fig7_claims_equal_the_committed_results():
    f = report.fig7_pairs("ImageNet16-120", 32)
    pairs = f["pairs"]
    assert list(pairs.index) == f["labels"] and (pairs.to_numpy() == pairs.to_numpy().T).all()
    s = f["scores"]
    assert pairs.loc["Synflow", "Synflow"] == pytest.approx(metrics.kendall_tau(s["Synflow"], s["acc"]))
    assert pairs.loc["Synflow", "s^E"] == pytest.approx(
        metrics.kendall_tau(aggregate.nonlinear(s, ["Synflow", "s^E"]), s["acc"]))
    claims = report.fig7_claims(pairs, f["best"], f["aznas_kt"], len(s))
    committed = pd.read_csv(report.RESULTS_DIR / "fig7.csv")
    assert claims["claim"].tolist() == committed["claim"].tolist()
    assert claims["holds"].tolist() == committed["holds"].tolist()
    np.testing.assert_allclose(claims["value"], committed["value"], atol=6e-5)
    # a claim whose proxies are not all there is not tested
    partial = report.fig7_claims(pairs.drop(index="s^T", columns="s^T"), f["best"], f["aznas_kt"], len(s))
    assert partial["holds"].isna().tolist() == [False, False, True, False, False, True]


# --------------------------------------------------------------------------------- Table 5

def test_table5_equals_the_committed_results_and_steps():
    """`report.table5` on the committed caches gives results/table5.csv's CIFAR-10 rows
    (without the CIs); `table5_steps` is each added proxy's change in tau."""
    _, groups, proxies_of = report.table5_rows()
    assert [len(g) for g in groups.values()] == [4, 5, 5] and proxies_of[groups["ZiCo"][0]] == ["zico"]
    proxies = list(dict.fromkeys(p for ps in proxies_of.values() for p in ps))
    frames, res = report.comparison_frames(["cifar10"], proxies)
    t = report.table5(frames, res, n_boot=0)
    committed = pd.read_csv(report.RESULTS_DIR / "table5.csv").query("dataset == 'cifar10'").reset_index(drop=True)
    assert t[["row", "label", "group"]].equals(committed[["row", "label", "group"]])
    for c in ("reported", "reproduced", "delta", "n_archs"):
        np.testing.assert_allclose(t[c].astype(float), committed[c].astype(float), atol=6e-5, err_msg=c)
    steps = report.table5_steps(t)
    first = steps.iloc[0]
    a, b = t.iloc[0], t.iloc[1]
    assert first["step"] == f"{a['label']} -> {b['label']}"
    assert first["change"] == pytest.approx(b["reproduced"] - a["reproduced"])
    assert len(steps) == sum(len(g) - 1 for g in groups.values())


# --------------------------------------------------------------------------------- Figure 6

def test_fig6_claims_on_a_constructed_tau_matrix():
    labels = [m.label for m in report.FIGURE_METHODS]
    kt = pd.DataFrame(0.3, index=labels, columns=labels)
    for a in labels:
        kt.loc[a, a] = 1.0

    def put(a, b, v):
        kt.loc[a, b] = kt.loc[b, a] = v

    for a, b in (("GradSign", "ZiCo"), ("GradSign", "Synflow"), ("ZiCo", "Synflow")):
        put(a, b, 0.9)                   # gradient proxies agree: claim 1 holds
    put("GradSign", "#Params", 0.8)      # above the other baselines' 0.3: holds
    put("ZiCo", "#Params", 0.1)          # below: does not hold
    for b in report.FIG6_BASELINES:
        put("s^E", b, 0.05)              # s^E apart from the baselines: holds
        put("s^T", b, 0.6)               # s^T closer to them than they are to each other: does not
    c = report.fig6_claims(kt)
    assert c["holds"].tolist() == [True, True, False, True, True, False]
    assert c.loc[1, "value"] == 0.8 and c.loc[1, "reference"] == pytest.approx(0.3)
    assert c.loc[3, "value"] == pytest.approx(0.05)
    # without s^P its claim is not tested (holds empty), the others still are
    c = report.fig6_claims(kt.drop(index="s^P", columns="s^P"))
    assert c["holds"].isna().tolist() == [False, False, False, False, True, False]


def test_fig6_kendall_equals_the_committed_claims():
    scores, kt, missing = report.fig6_kendall("ImageNet16-120", 32)
    assert not missing and kt.loc["Synflow", "NASWOT"] == pytest.approx(
        metrics.kendall_tau(scores["Synflow"], scores["NASWOT"]))
    committed = pd.read_csv(report.RESULTS_DIR / "fig6.csv")
    claims = report.fig6_claims(kt)
    assert claims["holds"].tolist() == committed["holds"].tolist()
    np.testing.assert_allclose(claims["value"], committed["value"], atol=6e-5)


# --------------------------------------------------------------------------------- Figure 2

def test_fig2_expressivity_of_toy_features():
    pts = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])  # variances 2 and 0.5
    p, vec = report.pc_spectrum(pts)
    assert p.tolist() == pytest.approx([0.8, 0.2]) and abs(vec[0, 0]) == pytest.approx(1.0)
    f = report.fig2(n_points=200, seed=1)
    assert f["exact_isotropic"] == pytest.approx(np.log(2), abs=1e-6)
    assert f["claims"]["holds"].all()
    assert (np.diff(f["curve"]) > 0).all() and f["curve"][-1] == pytest.approx(np.log(2), abs=1e-6)
    s = f["scores"].loc["(a) anisotropic"]
    q = np.array([s["PC1 coefficient"], s["PC2 coefficient"]])
    assert s["expressivity s^E"] == pytest.approx(-(q * np.log(q + 1e-8)).sum(), abs=1e-6)


# --------------------------------------------------------------------------------- Figure 1

from aznas_core.report import paper  # noqa: E402


def test_fig1_points_and_claims_equal_the_committed_results():
    """Figure 1 re-reads Table 1's result file: its points are that file's ImageNet16-120 cells
    and runtimes, and its claims on them are results/fig1.csv."""
    t1 = pd.read_csv(report.RESULTS_DIR / "table1.csv")
    points = paper.fig1_points(t1)
    assert points.index.tolist() == [m.label for m in report.TABLE1_METHODS if m.label in set(t1["method"])]
    row = t1[(t1["method"] == "AZ-NAS") & (t1["dataset"] == "ImageNet16-120") & (t1["metric"] == "KT")].iloc[0]
    assert points.loc["AZ-NAS", "ours KT"] == row["reproduced"] and points.loc["AZ-NAS", "paper KT"] == row["reported"]
    assert points.loc[["#Params", "FLOPs"], "ours ms"].isna().all()  # no runtime: '-' on the page
    claims = paper.fig1_claims(points)
    committed = pd.read_csv(report.RESULTS_DIR / "fig1.csv")
    assert claims["claim"].tolist() == committed["claim"].tolist()
    assert claims["holds"].tolist() == committed["holds"].tolist()
    np.testing.assert_allclose(claims["value"], committed["value"], atol=6e-5)
    head = paper.fig1_headline(points)
    np.testing.assert_allclose(head[("KT", "delta")], points["ours KT"] - points["paper KT"])
    html = paper.style_fig1(head, points).to_html()
    assert "nan" not in html.lower() and ">-</td>" in html
    # a claim whose methods are not all there is not tested
    partial = paper.fig1_claims(points.assign(**{"ours ms": points["ours ms"].where(points.index != "Snip")}))
    assert partial["holds"].isna().tolist() == [False, False, True]


def test_fig1_labels_do_not_overlap():
    """plot_fig1 places every label apart from the others (one label for coincident points)."""
    import matplotlib

    matplotlib.use("Agg")
    points = paper.fig1_points(pd.read_csv(report.RESULTS_DIR / "table1.csv"))
    fig = paper.plot_fig1(points)
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[:2]:  # the two panels (then their colour bars)
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        names = [t.get_text() for t in ax.texts]
        assert len(names) == len(set(names)) and any("AZ-NAS" == n for n in names)
        for i, a in enumerate(boxes):
            assert all(not a.overlaps(b) for b in boxes[i + 1:]), names[i]
    assert "#Params, FLOPs" in [t.get_text() for t in fig.axes[0].texts]


def test_kendall_ci_panels_draws_table4_and_config_tables_alike():
    """The one drawing behind plot_table4 and plot_config_table: one panel per dataset, a
    reported cross per row, a reproduced point only where there is one."""
    import matplotlib

    matplotlib.use("Agg")
    t = pd.DataFrame({"row": [1, 2, 1, 2], "label": ["a", "b", "a", "b"],
                      "dataset": ["cifar10", "cifar10", "cifar100", "cifar100"],
                      "reported": [0.5, 0.6, 0.5, 0.6], "reproduced": [0.52, np.nan, 0.49, 0.61],
                      "ci_low": [0.5, np.nan, 0.47, 0.6], "ci_high": [0.54, np.nan, 0.51, 0.62]})
    fig = report.plot_config_table(t, 10, "tau", "T")
    a, b = fig.axes
    assert [x.get_text() for x in a.get_yticklabels()] == ["a", "b"]
    assert len(a.collections[-1].get_offsets()) == 2  # reported: both rows
    assert len(a.lines[0].get_xdata()) == 1 and len(b.lines[0].get_xdata()) == 2  # reproduced: non-NaN rows
    fig4 = report.plot_table4(t.fillna(0.6), {"cifar10": 32, "cifar100": 32})
    assert [x.get_text() for x in fig4.axes[0].get_yticklabels()] == ["1  a", "2  b"]
    assert fig4.axes[0].get_title() == "CIFAR-10 (32×32 inputs)" and fig.axes[0].get_title() == "CIFAR-10"


# --------------------------------------------------------------------------------- Figures 4, 5

def test_fig4_panels_and_claims_equal_the_committed_results():
    n, panels = paper.fig4_panels("ImageNet16-120", 32)
    assert n == 1042 and list(panels) == paper.FIG4_PANELS
    az = panels["AZ-NAS"]
    # ranks within the subset (average ranks for ties): 1..1042, summing to 1042 * 1043 / 2
    assert az["true"].min() >= 1 and az["true"].max() <= 1042 and az["true"].sum() == pytest.approx(1042 * 1043 / 2)
    claims = paper.fig4_claims(panels)
    committed = pd.read_csv(report.RESULTS_DIR / "fig4.csv")
    assert claims["claim"].tolist() == committed["claim"].tolist()
    assert claims["holds"].tolist() == committed["holds"].tolist()
    np.testing.assert_allclose(claims["value"], committed["value"], atol=6e-5)
    assert (claims["n_archs"] == 1042).all()
    t = paper.fig4_table(panels)
    assert t.loc["AZ-NAS", "Kendall's τ"] == az["tau"] and t["n_archs"].eq(1042).all()
    # a method that is not cached: its claim is not tested, its row is empty
    partial = {k: v for k, v in panels.items() if k != "Snip"}
    assert paper.fig4_claims(partial)["holds"].isna().all() and paper.fig4_table(partial).loc["Snip"].isna().all()
    html = paper.style_claims(claims).to_html()
    assert "holds" in html and "#d9f2d9" in html


def test_fig5_equals_the_committed_results():
    f = paper.fig5("ImageNet16-120", (32,))
    kt = f["kt"]
    committed = pd.read_csv(report.RESULTS_DIR / "fig5_kt.csv").query("resolution == 32").reset_index(drop=True)
    assert kt["label"].tolist() == committed["label"].tolist() == list(paper.FIG5_PANELS.values())
    np.testing.assert_allclose(kt["kt"], committed["kt"], atol=6e-5)
    np.testing.assert_allclose(kt["spr"], committed["spr"], atol=6e-5)
    claims = paper.fig5_claims(kt, 32)
    c = pd.read_csv(report.RESULTS_DIR / "fig5.csv")
    assert claims["holds"].tolist() == c["holds"].tolist()
    np.testing.assert_allclose(claims["value"], c["value"], atol=6e-5)
    # the ranks are within the subset and the colour panel is the non-linear aggregate's
    r = f["ranks"][32]
    assert r.shape == (1042, 6) and r.max().max() == 1042
    assert metrics.kendall_tau(r.iloc[:, -1], f["truth_rank"][32]) == pytest.approx(kt["kt"].iloc[-1], abs=1e-9)


# ------------------------------------------------------------- Tables 3, 6, 7, 10 (searches, reported)

def _committed(name):
    return pd.read_csv(report.RESULTS_DIR / f"{name}.csv")


def test_table3_functions_equal_the_committed_results():
    histories, found = paper.table3_found({"Tiny": 160, "Small": 60, "Base": 30})
    committed = _committed("table3")
    assert found["arch"].tolist() == committed["arch"].tolist()
    np.testing.assert_allclose(found[["params", "flops", "iterations"]], committed[["params", "flops", "iterations"]],
                               rtol=1e-4)
    check = paper.table3_counters()
    assert len(check) == 6  # 3 subsets x (plain, TF-TAS budget), our counters within the printed digits
    assert ((check["params_ours"] / check["params_paper"] - 1).abs() < 0.005).all()
    # a candidate of the sample itself, ranked against the sample plus itself, ties with itself
    h = histories["Base"]
    me = h.iloc[[0]].assign(subset="Base", budget="x")
    r = paper.published_ranks(histories, me).iloc[0]
    agg = aggregate.nonlinear(pd.concat([h, h.iloc[[0]]], ignore_index=True), paper.VIT_KEYS).to_numpy()
    assert r["of"] == len(h) + 1 and r["rank"] == int((agg > agg[-1]).sum()) + 1


def test_table7_functions_equal_the_committed_results():
    histories, found = paper.table7_found([0, 1, 2])
    committed = _committed("table7")
    assert list(found.columns) == list(committed.columns)
    assert found["arch"].tolist() == committed["arch"].tolist()
    np.testing.assert_allclose(found["flops_reported_counter"], committed["flops_reported_counter"])
    agree, pairs = paper.seed_agreement(histories, found)
    assert agree["seed"].tolist() == [0, 1, 2] and len(pairs) == 3
    assert agree["pooled_percentile"].between(0, 100).all()
    assert (agree["beats_other_seeds_candidates"] <= 100).all()
    # an answer compared with itself agrees on every block
    _, same = paper.seed_agreement(histories, pd.concat([found.iloc[[0]], found.iloc[[0]].assign(seed=1)]))
    assert same["type_agreement"].tolist() == [1.0] and same["same_blocks"].all()


def test_reported_tables_6_and_10_equal_the_committed_files():
    wide, tidy = paper.table6()
    committed = _committed("table6")
    assert tidy.columns.tolist() == committed.columns.tolist() and (tidy["status"] == "reported").all()
    np.testing.assert_allclose(tidy["reported"], committed["reported"])
    az = tidy[(tidy["method"] == "AZ-NAS") & (tidy["metric"] == "KT")].iloc[0]
    assert wide.loc["AZ-NAS", f"{az['space']} KT (reported)"] == f"{az['reported']:.3f}"
    table, tidy10 = paper.table10()
    c10 = _committed("table10")
    assert tidy10.columns.tolist() == c10.columns.tolist()
    np.testing.assert_allclose(tidy10["reported_top1"], c10["reported_top1"])
    assert len(table) == 5 and table["target s^T"].iloc[0] == 0


# --------------------------------------------------------------- AZ-NAS on TransNAS-Bench-101

def test_defined_spearman_is_undefined_on_constant_input_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SciPy's ConstantInputWarning would raise here
        assert np.isnan(paper.defined_spearman([-1e8] * 5, [1, 2, 3, 4, 5]))
        assert np.isnan(paper.defined_spearman([1, 2, 3], [7, 7, 7]))
        assert paper.defined_spearman([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(0.6)


def test_tnb101_suite_equals_the_committed_results():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = paper.tnb101_suite()
    committed = _committed("tnb101_aznas")
    t = s["table"]
    assert t[["task", "proxy"]].equals(committed[["task", "proxy"]])
    np.testing.assert_allclose(t["rho"], committed["rho"], atol=6e-5)  # NaN where NaN
    # undefined exactly where the suite stores one value for every architecture
    from aznas_core.benchmarks import zc_suite
    const = [task for task in paper.TNB101_TASKS if zc_suite.load("tnb101_micro", task)["epe_nas"].nunique() == 1]
    assert s["undefined"] == {"epe_nas": const}
    w = s["wide"]
    assert np.isnan(w.loc["epe_nas", "mean"]) and "epe_nas" not in s["ranks"]
    assert w.loc["aznas", "mean"] == pytest.approx(w.loc["aznas", paper.TNB101_TASKS].mean())
    v = paper.tnb101_verdict(s)
    assert f"{s['ranks']['aznas']:.2f}" in v and f"epe_nas on {len(const)} of 7 tasks" in v


def test_table1_dataset_has_a_status_column_only_when_a_method_is_not_cached():
    cached = TINY[TINY["method"] != "ZiCo"]
    assert "status" not in report.table1_dataset(cached, "cifar10").columns
    assert "status" in report.table1_dataset(TINY, "cifar10").columns
