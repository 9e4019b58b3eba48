"""The blog notebooks' computations (aznas_core.report.blog): hand-computed values on tiny
inputs, and each artifact's frame equal, byte for byte, to the committed results/<name>.csv."""
import numpy as np
import pandas as pd
import pytest

from aznas_core import metrics, report
from aznas_core.benchmarks import zc_suite
from aznas_core.report import blog
from aznas_core.report.common import RESULTS_DIR
from aznas_core.report.suite import spearman_table, task_frame


@pytest.fixture(scope="module")
def sp():
    return spearman_table()


def assert_same_as_committed(frame, name, tmp_path):
    """`frame` written as the notebook writes it gives the committed results/<name>.{csv,md}."""
    csv, md = report.write_results(frame, name, tmp_path)
    assert csv.read_text() == (RESULTS_DIR / f"{name}.csv").read_text(), name
    assert md.read_text() == (RESULTS_DIR / f"{name}.md").read_text(), name


def _long(values: dict) -> pd.DataFrame:
    """{(space, task): {proxy: rho}} -> the long frame of report.suite.spearman_table."""
    return pd.DataFrame([{"space": s, "task": t, "proxy": p, "rho": v}
                         for (s, t), d in values.items() for p, v in d.items()])


# --------------------------------------------------------------------------------------
# Table 4: average ranks
# --------------------------------------------------------------------------------------
def test_average_ranks_by_space_on_a_3x3_example():
    # space a: task 1 ranks x>y>z, task 2 ranks y>x>z (x: 1, 2 -> 1.5; y: 2, 1 -> 1.5; z: 3)
    # space b: one task, z>x>y; space c: no task
    long = _long({("a", "t1"): {"x": 0.9, "y": 0.5, "z": 0.1},
                  ("a", "t2"): {"x": 0.4, "y": 0.6, "z": 0.2},
                  ("b", "t3"): {"x": 0.5, "y": 0.3, "z": 0.7}})
    r = blog.average_ranks_by_space(long, ["x", "y", "z"], titles={"a": "A", "b": "B", "c": "C"})
    assert list(r.columns) == ["A", "B", "C", "Overall"]
    assert r["A"].to_dict() == {"x": 1.5, "y": 1.5, "z": 3.0}
    assert r["B"].to_dict() == {"x": 2.0, "y": 3.0, "z": 1.0}
    assert r["C"].isna().all()                      # a space without tasks
    assert r["Overall"].round(6).to_dict() == {"x": round(5 / 3, 6), "y": 2.0, "z": round(7 / 3, 6)}


def test_a_missing_proxy_is_ranked_among_the_others_only_and_tasks_are_counted():
    long = _long({("a", "t1"): {"x": 0.9, "y": 0.5, "z": 0.1},
                  ("a", "t2"): {"x": 0.4, "z": 0.2}})      # y has no value on t2
    r = blog.average_ranks_by_space(long, ["x", "y", "z"], titles={"a": "A"})
    assert r["A"].to_dict() == {"x": 1.0, "y": 2.0, "z": 2.5}
    n = blog.tasks_per_space(long, ["x", "y", "z", "w"], titles={"a": "A"})
    assert n["A"].to_dict() == {"x": 2, "y": 1, "z": 2, "w": 0}
    assert n["Overall"].to_dict() == n["A"].to_dict()


@pytest.fixture(scope="module")
def t4(sp):
    return blog.blog_table4(sp)


def test_blog_table4_from_its_tables_1_to_3_differs_only_in_the_swapped_darts_cells(t4):
    assert sorted(t4.inconsistent.index) == [("grasp", "DARTS"), ("grasp", "Overall"),
                                             ("jacob_cov", "DARTS"), ("jacob_cov", "Overall")]
    assert t4.inconsistent[("grasp", "DARTS")] == pytest.approx(0.2)
    assert t4.darts_swap_matches
    # the swap itself: exchanging NinaPro's values changes exactly two DARTS rows of the blog's data
    b = blog.blog_spearman()
    sw = blog._swap_darts_ninapro(b)
    d = b[b["space"] == "darts"].set_index(["proxy", "task"])["rho"]
    s = sw.set_index(["proxy", "task"])["rho"]
    changed = s[s != d]
    assert sorted(changed.index) == [("grasp", "ninapro"), ("jacob_cov", "ninapro")]
    assert changed[("grasp", "ninapro")] == d[("jacob_cov", "ninapro")]


def test_blog_table4_equals_the_committed_results(t4, tmp_path):
    assert_same_as_committed(t4.results, "blog_table4", tmp_path)
    assert_same_as_committed(t4.pool, "blog_table4_aznas", tmp_path)
    assert_same_as_committed(t4.claims, "blog_table4_claims", tmp_path)
    # the verdict's numbers are the table's
    cmp = t4.table.dropna(subset=["delta"])
    assert f"{int((cmp['delta'].abs() <= 0.5).sum())} of {len(cmp)}" in t4.verdict
    assert list(t4.key_table.index) == blog.BLOG8
    assert np.allclose(t4.key_table["Overall delta"], t4.overall.loc[blog.BLOG8, "delta"], equal_nan=True)


# --------------------------------------------------------------------------------------
# Table 3: TransNAS-Bench-101 micro
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def t3():
    return blog.blog_table3()


def test_blog_table3_equals_the_committed_results(t3, tmp_path):
    assert_same_as_committed(t3.table.assign(tolerance=np.where(t3.table["delta"].notna(), 0.1, np.nan)),
                             "blog_table3", tmp_path)
    assert_same_as_committed(t3.extended[["proxy", "task", "reproduced", "n_archs"]], "blog_table3_extended",
                             tmp_path)


def test_blog_table3_cells_are_spearman_of_the_suite_file_and_the_spread_brackets_them(t3):
    f = zc_suite.load("tnb101_micro", "jigsaw")
    row = t3.table.set_index(["proxy", "task"]).loc[("snip", "jigsaw")]
    assert row["reproduced"] == pytest.approx(f["snip"].rank().corr(f["val_accuracy"].rank()))
    assert row["delta"] == pytest.approx(row["reproduced"] - row["reported"])
    ok = t3.compared
    assert ((ok["subset_lo"] <= ok["reproduced"] + 0.05) & (ok["reproduced"] - 0.05 <= ok["subset_hi"])).all()
    assert t3.table.loc[t3.table["proxy"] == "synflow", "note"].eq("not in data").all()
    # the verdict counts what the table says
    assert f"{int((ok['delta'].abs() <= 0.1).sum())} of {len(ok)} cells" in t3.verdict
    assert list(t3.key_table.columns[:3]) == [("object_classification", k) for k in ("reported", "reproduced", "delta")]


def test_save_figure_is_byte_stable(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    blog.save_figure(fig, "a", dpi=50, salt="s", results_dir=tmp_path / "1")
    blog.save_figure(fig, "a", dpi=50, salt="s", results_dir=tmp_path / "2")
    plt.close(fig)
    for ext in ("png", "svg"):
        assert (tmp_path / "1" / f"a.{ext}").read_bytes() == (tmp_path / "2" / f"a.{ext}").read_bytes()


# --------------------------------------------------------------------------------------
# Figures 3-6: correlations among proxies
# --------------------------------------------------------------------------------------
def test_mean_matrix_averages_each_cell_over_the_matrices_that_have_it():
    a = pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=["gt", "flops"], columns=["gt", "flops"])
    b = pd.DataFrame([[1.0, 0.1, 0.3], [0.1, 1.0, np.nan], [0.3, np.nan, 1.0]],
                     index=["gt", "flops", "aznas"], columns=["gt", "flops", "aznas"])
    m = blog.mean_matrix([a, b])
    assert list(m.index) == list(m.columns) == blog.CORRELATION_COLUMNS
    assert m.loc["gt", "flops"] == pytest.approx(0.3)
    assert m.loc["gt", "aznas"] == pytest.approx(0.3)        # only b has it
    assert np.isnan(m.loc["flops", "aznas"]) and np.isnan(m.loc["snip", "snip"])


@pytest.fixture(scope="module")
def corr():
    return blog.blog_correlations()


def test_blog_correlations_equal_the_committed_claims_and_the_suite_data(corr, tmp_path):
    assert_same_as_committed(corr.claims, "blog_correlations", tmp_path)
    f = task_frame("nb201", "cifar100")
    assert corr.matrices["nb201", "cifar100"].loc["flops", "params"] == pytest.approx(
        f["flops"].rank().corr(f["params"].rank()))
    assert corr.matrices["nb201", "cifar100"].loc["aznas", "gt"] == pytest.approx(
        f["aznas"].rank().corr(f["val_accuracy"].rank()))
    assert len(corr.blog_keys) == 5 and len(corr.matrices) == 19
    fp = corr.pair("flops", "params")
    c = corr.claims.set_index(["task_set", "claim"])
    assert c.loc[("all tasks", "(a) flops-params always high"), "holds"] == bool((fp >= 0.7).all())
    assert c.loc[("all tasks", "(a) flops-params always high"), "min"] == pytest.approx(fp.min())
    assert f"{int((fp < 0.7).sum())} tasks" in corr.verdict


# --------------------------------------------------------------------------------------
# Figures 7-8: performance profiles
# --------------------------------------------------------------------------------------
def test_dolan_more_profile_and_domination_on_a_3x3_example():
    # values exact in binary, so the ratios are exact
    rho = pd.DataFrame({"t1": [0.875, 0.75, 0.5], "t2": [0.5, 0.75, 0.0], "t3": [0.0, 0.5, 0.75]},
                       index=["a", "b", "c"])
    # errors 1 - rho: a .125 .5 1, b .25 .25 .5, c .5 1 .25; best per task .125 .25 .25
    # ratios: a 1 2 4, b 2 1 2, c 4 4 1
    prof = metrics.performance_profile(rho, [1, 2, 3, 4])
    assert prof.loc[1.0].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert prof.loc[2.0].tolist() == pytest.approx([2 / 3, 1.0, 1 / 3])
    assert prof.loc[3.0].tolist() == pytest.approx([2 / 3, 1.0, 1 / 3])
    assert prof.loc[4.0].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert blog.dominating_proxies(prof) == ["b"]
    # b worst on t2 (ratios a 1 1 4, b 2 3 2, c 4 2 1): a leads at tau 1, b at tau 3
    rho.loc["b", "t2"] = -0.5
    prof = metrics.performance_profile(rho, [1, 2, 3, 4])
    assert prof.loc[1.0].tolist() == pytest.approx([2 / 3, 0.0, 1 / 3])
    assert prof.loc[3.0].tolist() == pytest.approx([2 / 3, 1.0, 2 / 3])
    assert blog.dominating_proxies(prof) == []


def test_blog_profiles_equal_the_committed_results(sp, tmp_path):
    prof = blog.blog_profiles(sp=sp)
    assert_same_as_committed(prof.summary, "blog_profiles_summary", tmp_path)
    assert_same_as_committed(prof.claims, "blog_profiles", tmp_path)
    assert prof.all_suite == "suite: all 19 tasks"
    assert prof.panels["blog's numbers: all 12 tasks"].shape == (8, 12)
    assert list(prof.profiles["suite: NATS-Bench TSS (3), with AZ-NAS*"].columns) == blog.BLOG8 + ["aznas"]
    assert ("holds" in prof.verdict) == bool(prof.claims["holds"].all())


# --------------------------------------------------------------------------------------
# Tables 1 and 2: NATS-Bench TSS and DARTS
# --------------------------------------------------------------------------------------
def test_blog_table1_equals_the_committed_results(tmp_path):
    t1 = blog.blog_table1()
    assert_same_as_committed(t1.results, "blog_table1", tmp_path)
    f = zc_suite.load("nb201", "cifar100")
    row = t1.table.set_index("proxy").loc["synflow"]
    assert row["reproduced"] == pytest.approx(f["synflow"].rank().corr(f["val_accuracy"].rank()))
    assert row["ci_low"] < row["reproduced"] < row["ci_high"]
    assert row["delta"] == pytest.approx(row["reproduced"] - row["reported"])
    assert t1.n_archs == len(f) == 725
    assert len(t1.compared) == 8 and f"of the blog's {len(t1.compared)} CIFAR-100 cells" in t1.verdict
    assert t1.key_table.index[-5:].tolist() == [p + " *" for p in blog.AZNAS_ROWS]


def test_own_code_on_natural_images_reads_the_natural_cache_on_the_same_architectures():
    from aznas_core import sweep
    from aznas_core.benchmarks.nb201 import fixed_sample

    own = blog._own_implementations("cifar10").set_index("proxy")
    for p in ("synflow", "flops", "params", "grad_norm"):  # no data batch (the harness's GradNorm:
                                                           # Gaussian noise): nothing to change
        assert own.loc[p, "ours_natural_n_archs"] == 0 and np.isnan(own.loc[p, "ours_natural"])
    r = own.loc["snip"]
    nat = sweep.scores(dataset="cifar10", proxies=["snip"], inputs="natural")
    n = report.documented_sample(nat, ["snip"], cached=nat["index"])[1]  # Fig. 4's 1,042 or the 3,000
    assert n >= 1042 and r["ours_natural_n_archs"] == n
    idx = fixed_sample(n)
    for inputs, col in (("natural", "ours_natural"), ("synthetic_cifar10", "ours_substitute_same_archs")):
        f = sweep.with_ground_truth(sweep.scores(dataset="cifar10", proxies=["snip"], inputs=inputs), "cifar10")
        f = f[f["index"].isin(idx)]
        assert len(f) == n
        assert r[col] == pytest.approx(metrics.spearman_rho(f["snip"], f["acc"]))
    g = own.loc["grasp"]  # the two columns read two caches (Snip's nearly agree on the 3,000)
    assert g["ours_natural"] != pytest.approx(g["ours_substitute_same_archs"], abs=1e-3)


def test_blog_table2_equals_the_committed_results(tmp_path):
    t2 = blog.blog_table2()
    assert_same_as_committed(t2.table, "blog_table2", tmp_path)
    f = zc_suite.load("darts", "cifar10")
    r = t2.extra.set_index("proxy")
    assert r.loc["params", "reproduced"] == pytest.approx(f["params"].rank().corr(f["val_accuracy"].rank()))
    assert t2.table["reproduced"].notna().sum() == 8          # only the extra column is reproduced
    swapped = t2.table[t2.table["note"].str.contains("swapped")]
    assert sorted(set(swapped["proxy"])) == ["grasp", "jacob_cov"]
    assert f"{abs(r.loc['flops', 'reproduced'] - r.loc['params', 'reproduced']):.3f} apart" in t2.verdict
    assert t2.key_table.shape == (8, 7)


# --------------------------------------------------------------------------------------
# Scoring your own model
# --------------------------------------------------------------------------------------
def test_resnet18_blocks_exist_chain_and_score_reproducibly():
    import torch

    model = blog.ResNet18(8)
    names = dict(model.named_modules())
    assert all(b in names for b in blog.RESNET18_BLOCKS) and len(blog.RESNET18_BLOCKS) == 9
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    a = blog.score_resnet18(8, batch_size=4)
    assert a == blog.score_resnet18(8, batch_size=4)
    assert set(a) == {"expressivity", "progressivity", "trainability"}
    assert a != blog.score_resnet18(8, batch_size=4, seed=1)


# --------------------------------------------------------------------------------------
# Figures sized for the book's ~900 px column
# --------------------------------------------------------------------------------------
def test_lower_triangle_keeps_each_pair_once_and_only_columns_with_data():
    cols = ["gt", "fisher", "flops", "aznas"]
    m = pd.DataFrame([[1.0, 0.2, 0.3, np.nan], [0.2, 1.0, 0.4, np.nan], [0.3, 0.4, 1.0, np.nan],
                      [np.nan] * 4], index=cols, columns=cols)
    t = blog.lower_triangle(m)
    assert list(t.index) == ["fisher", "flops"] and list(t.columns) == ["gt", "fisher"]   # aznas: no data
    assert t.loc["fisher", "gt"] == 0.2 and t.loc["flops", "gt"] == 0.3 and t.loc["flops", "fisher"] == 0.4
    assert np.isnan(t.loc["fisher", "fisher"])          # the diagonal and above are blank
    assert t.notna().sum().sum() == 3                   # 3 pairs of 3 proxies, each once


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_correlation_heatmaps_fit_the_column_and_annotate_only_wide_panels(corr):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    two = blog.plot_correlation_heatmaps(corr.average_panels(overall=True), "t")
    three = blog.plot_correlation_heatmaps(corr.panels(corr.blog_keys), "t", ncols=3)
    for fig in (two, three):
        assert fig.get_figwidth() * 100 <= 1000         # drawn about as wide as it is shown
    heat2 = [ax for ax in two.axes if ax.get_title()]
    assert [ax.get_title() for ax in heat2] == ["Overall (blog tasks)", "Overall (all tasks)"]
    m = corr.averages["Overall (all tasks)"]
    assert f"{m.loc['flops', 'params']:.2f}" in _texts(heat2[1])   # numbers where readable
    assert len(_texts(heat2[1])) == blog.lower_triangle(m).notna().sum().sum()
    assert all(not _texts(ax) for ax in three.axes)    # colours only at three per row
    assert [ax.get_title() for ax in three.axes if ax.get_title()][0] == "NATS-Bench TSS: cifar100"
    plt.close("all")


def test_correlation_panels_partition_the_tasks(corr):
    assert len(corr.blog_keys) + len(corr.other_keys) == len(corr.matrices)
    assert not set(corr.blog_keys) & set(corr.other_keys)
    labels = [k for k, _ in corr.average_panels(False)] + [k for k, _ in corr.average_panels(True)]
    assert sorted(labels) == sorted(corr.averages)
    label, m = corr.panels([("tnb101_micro", "jigsaw")])[0]
    assert label == "TNB101 micro: jigsaw" and m is corr.matrices["tnb101_micro", "jigsaw"]


def test_profile_figures_two_per_row_one_legend_entry_per_proxy(sp):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prof = blog.blog_profiles(sp=sp)
    panels = {n: p for n, p in prof.profiles.items() if n.startswith("suite")}
    fig = blog.plot_blog_profiles(panels, "t")
    assert fig.get_figwidth() * 100 <= 1000
    drawn = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in drawn] == list(panels)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == blog.BLOG8 + ["aznas *"]
    # each line is the panel's profile
    ax = drawn[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "jacob_cov")
    assert np.allclose(line.get_ydata(), panels[drawn[0].get_title()]["jacob_cov"].to_numpy())
    plt.close("all")


# --------------------------------------------------------------------------------------
# The proxies page (report.suite): ours beside the authors' code
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def side_by_side():
    from aznas_core.data import PROJECT_ROOT
    from aznas_core.report import suite
    from aznas_core.validation import authors

    values = authors.read_values(PROJECT_ROOT / "data/validation/authors_side_by_side")
    summary = suite.authors_summary(values, 16, int(values["batch_size"].iloc[0]))
    return values, summary


def test_authors_summary_equals_the_committed_results_and_warns_nothing(side_by_side, tmp_path):
    import warnings

    from aznas_core.data import PROJECT_ROOT
    from aznas_core.report import suite
    from aznas_core.validation import authors

    values, summary = side_by_side
    suite.write_proxies_results({"proxies_authors": summary}, tmp_path)
    for ext in ("csv", "md"):
        assert (tmp_path / f"proxies_authors.{ext}").read_text() == (RESULTS_DIR / f"proxies_authors.{ext}").read_text()
    full = authors.read_values(PROJECT_ROOT / "data/validation/authors_speed_cifar10")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no ConstantInputWarning reaches the page
        s = suite.authors_summary(full, 0, 64).set_index("proxy")
    const = [p for p, g in full.groupby("proxy") if g["ours"].nunique() == 1]
    assert const and s.loc[const, "spearman"].isna().all()   # undefined, not a number


def test_authors_kendall_is_each_sides_kendall_tau_and_their_difference(side_by_side):
    from aznas_core import aggregate, nb201
    from aznas_core.report import suite

    values, _ = side_by_side
    truth = nb201.ground_truth().set_index("arch")[values["dataset"].iloc[0]]
    kt = suite.authors_kendall(values, truth)
    w = values.pivot(index="arch", columns="proxy", values="theirs")
    assert kt.loc["zen", "authors' code KT"] == pytest.approx(metrics.kendall_tau(w["zen"], truth[w.index]))
    assert kt.loc["te_nas", "authors' code KT"] == pytest.approx(
        metrics.kendall_tau(aggregate.te_nas(w), truth[w.index]))
    assert np.allclose(kt["delta"], kt["our KT"] - kt["authors' code KT"])
    assert (kt["n_archs"] == 100).all() and len(kt) == values["proxy"].nunique() + 1


def test_float32_floor_speed_table_and_verdict(side_by_side):
    from aznas_core import nb201
    from aznas_core.data import PROJECT_ROOT
    from aznas_core.report import suite
    from aznas_core.validation import authors

    values, summary = side_by_side
    f64 = authors.read_values(PROJECT_ROOT / "data/validation/authors_float64")
    floor = suite.float32_floor(f64)
    g = f64[f64["proxy"] == "grasp"]
    assert floor.loc["grasp", "ours_vs_theirs"] == max(authors.rel_diff(a, b) for a, b in zip(g["ours"], g["theirs"]))
    assert (floor["float64_ours_vs_theirs"] < 1e-8).all() and (floor["n_archs"] == g["arch"].nunique()).all()
    speed = suite.speed_table(summary)
    assert speed["family"].is_unique and set(speed["family"]) == set(summary["family"])
    assert speed.set_index("family").loc["tenas", "target"] == 3.0
    assert (speed["met"] == (speed["speedup"] >= speed["target"])).all()
    kt = suite.authors_kendall(values, nb201.ground_truth().set_index("arch")[values["dataset"].iloc[0]])
    v = suite.proxies_verdict(summary, kt, floor, speed)
    assert f"all {len(summary)} proxies" in v and f"at most {kt['delta'].abs().max():.3f}" in v
    assert f"{int(speed['met'].sum())} of {len(speed)} proxy families" in v


# --------------------------------------------------------------------------------------
# AZ-NAS Figure 3 (report.suite): Kendall's tau among E, P, T, C
# --------------------------------------------------------------------------------------
def test_kendall_matrix_on_a_tiny_frame():
    from aznas_core.report import suite

    f = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 4, 3], "c": [4, 3, 2, 1]})
    m = suite.kendall_matrix(f, ["a", "b", "c"], ["A", "B", "C"])
    # a-b: 5 concordant, 1 discordant of 6 pairs -> 4/6; a-c reversed -> -1
    assert m.loc["A", "B"] == pytest.approx(4 / 6) and m.loc["B", "A"] == m.loc["A", "B"]
    assert m.loc["A", "C"] == pytest.approx(-1.0) and m.loc["B", "C"] == pytest.approx(-4 / 6)
    assert np.allclose(np.diag(m), 1.0)


def test_fig3_equals_the_committed_results(tmp_path):
    from aznas_core.report import suite

    f3 = suite.fig3()
    assert_same_as_committed(f3["claims"], "fig3", tmp_path)
    assert_same_as_committed(f3["long"], "fig3_kt", tmp_path)
    m = f3["matrices"][32]
    assert f3["mean_with_others"].loc["T", "32x32"] == pytest.approx((m["T"].sum() - 1) / 3)
    assert f3["archs"] == {32: 15625, 16: 15625}


def test_fig9_claims_on_constructed_correlations():
    """The four claims on a hand-built correlation frame: snip and grad_norm fall below their
    initial CI (degrade), jacob_cov and grasp drop by 0.5 after one epoch (collapse), synflow
    moves 0.05 (stable), and fisher gains 0.2 (so 'no proxy uses the information' fails);
    below min_n networks nothing is judged. Also: the committed results/blog_fig9.csv."""
    from aznas_core.report import blog

    rows = []
    path = {"snip": (0.6, 0.5, 0.3), "grad_norm": (0.6, 0.5, 0.3), "jacob_cov": (0.7, 0.2, 0.2),
            "grasp": (0.6, 0.1, 0.1), "synflow": (0.9, 0.85, 0.95), "fisher": (0.3, 0.4, 0.5)}
    for target in ("nb201", "ours"):
        for p, (r0, r1, r2) in path.items():
            for e, r in zip((0, 1, 2), (r0, r1, r2)):
                rows.append(dict(proxy=p, epoch=e, target=target, rho=r, lo=r - 0.1, hi=r + 0.1))
    corr = pd.DataFrame(rows)
    c = blog.fig9_claims(corr, 25, False, (0, 1, 2))
    assert c["holds"].tolist() == [True, True, True, False] * 2
    assert "fisher +0.20" in c["evidence"].iloc[3]
    assert blog.fig9_claims(corr, 5, True, (0, 1, 2))["holds"].isna().all()
    committed = pd.read_csv(blog.RESULTS_DIR / "blog_fig9.csv")
    assert len(committed) == 8 and set(committed.columns) >= {"claim", "holds", "evidence", "n"}


def test_synthetic_column_is_spearman_of_each_proxy_at_init_against_held_out_accuracy():
    """Recomputed by hand from the committed training results: each proxy's value at epoch 0
    against the final held-out accuracy, over the finished networks of the fixed 100."""
    from aznas_core import train
    from aznas_core.spaces import nb201

    table, frame = blog.synthetic_column(n_boot=20)
    if frame.empty:
        pytest.skip("no Synthetic CIFAR-10 training results committed")
    cfg = train.TrainConfig(**blog.SYNTHETIC_TRAINING)
    init = frame[frame.epoch == 0].set_index("arch")
    acc = frame[frame.epoch == cfg.epochs].set_index("arch").test_acc.reindex(init.index)
    for p in ("snip", "synflow"):
        assert table.loc[p, "reproduced"] == pytest.approx(metrics.spearman_rho(init[p], acc))
    params = [nb201.flops_params(a, "cifar10")[1] for a in init.index]
    assert table.loc["params", "reproduced"] == pytest.approx(metrics.spearman_rho(params, acc))
    assert table.loc["params", "n"] == init.index.nunique() == frame.arch.nunique()
    rep = blog.reported("B-T1").query("dataset == 'synthetic_cifar10'").set_index("label")["value"]
    assert table.loc["jacob_cov", "reported"] == rep["jacob_cov"]
    assert (table["ci_low"] <= table["reproduced"]).all() and (table["reproduced"] <= table["ci_high"]).all()


def test_device_agreement_compares_the_same_networks_across_devices(tmp_path):
    """Two hand-made device folders: equal values give rho 1 and no difference; reversed
    accuracies give rho -1; networks only one device finished are left out."""
    from aznas_core import train

    cfg = train.TrainConfig(source="natural", epochs=2, proxies=("synflow",), proxy_epochs=(0,))
    archs = train.subset_archs("fixed5")
    acc = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    for device, order in (("cpu", acc), ("cuda", acc[::-1])):
        d = train.device_directory(device, cfg, tmp_path)
        d.mkdir(parents=True)
        for i, a in enumerate(archs[:4] if device == "cpu" else archs):
            pd.DataFrame({"arch": a, "epoch": [0, 2], "test_acc": [0.1, order[i]],
                          "synflow": [float(i + 1), np.nan], "device": device}).to_parquet(
                d / f"{train.arch_id(a)}.parquet")
    agree = blog.device_agreement(archs, cfg, root=tmp_path).set_index(["quantity", "epoch"])
    assert agree.loc[("synflow", 0), "rho"] == pytest.approx(1.0)
    assert agree.loc[("synflow", 0), "median_rel_diff"] == 0.0
    assert agree.loc[("test_acc", 2), "rho"] == pytest.approx(-1.0)
    assert agree.loc[("test_acc", 2), "n"] == 4
    assert ("synflow", 2) not in agree.index  # not a proxy epoch
