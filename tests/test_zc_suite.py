"""NAS-Bench-Suite-Zero loader, the blog's rank/profile metrics, and our contender scores."""
import shutil

import numpy as np
import pandas as pd
import pytest

from aznas_core import aggregate, data, metrics, nb201
from aznas_core.benchmarks import zc_suite
from aznas_core.benchmarks.nb201 import ground_truth
from aznas_core.reported import reported


def test_nb201_frame_is_tidy_and_joins_the_benchmark():
    f = zc_suite.load("nb201", "cifar100")
    assert len(f) == 725 and f["arch"].is_unique
    assert list(f.columns[:6]) == ["space", "task", "idx", "key", "arch", "val_accuracy"]
    assert set(zc_suite.BLOG_PROXIES) <= set(f.columns) and "jacov" not in f
    assert all(f"{p}_time" in f for p in zc_suite.proxies("nb201", "cifar100"))
    # keys convert to real cells: NASLib's validation accuracy tracks the benchmark's test one
    gt = ground_truth()[["arch", "cifar100"]]
    joined = f.merge(gt, on="arch", how="left", validate="one_to_one")
    assert joined["cifar100"].notna().all()
    assert metrics.spearman_rho(joined["val_accuracy"], joined["cifar100"]) > 0.99
    # params in the suite are the benchmark's (NAS-Bench-201 API) parameter counts
    one = joined.iloc[0]
    assert one["params"] == pytest.approx(nb201.flops_params(one["arch"], "cifar100")[1], rel=1e-3)


def test_every_space_loads_with_its_tasks():
    sizes = {s: {t: len(zc_suite.load(s, t)) for t in zc_suite.tasks(s)} for s in zc_suite.SPACES}
    assert sizes["nb201"] == {"cifar10": 725, "cifar100": 725, "ImageNet16-120": 724}
    assert sizes["darts"] == {"cifar10": 725}
    assert set(sizes["tnb101_micro"]) == set(zc_suite.TNB101_TASKS)
    assert set(sizes["tnb101_micro"].values()) == {711}
    assert sizes["nb101"] == {"cifar10": 500}
    assert "synflow" not in zc_suite.proxies("tnb101_micro", "jigsaw")
    with pytest.raises(ValueError, match="unknown suite space"):
        zc_suite.load("nb999", "cifar10")
    with pytest.raises(ValueError, match="no task 'cifar10'"):
        zc_suite.load("tnb101_micro", "cifar10")


def test_tnb101_micro_keys_are_transnas_codes_in_string_order():
    assert zc_suite.tnb101_micro_string("(1, 0, 0, 2, 1, 0)") == "64-41414-1_00_210"
    assert zc_suite.tnb101_macro_string((1, 2, 4, 2, 0, 0)) == "64-1242-basic"
    gt = zc_suite.tnb101_micro_ground_truth()
    assert len(gt) == 7 * 4096
    obj = gt[gt["task"] == "class_object"]
    # read as TransNAS codes (0 = none) over edges 0-1 | 0-2, 1-2 | 0-3, 1-3, 2-3, exactly
    # the cells whose output is unreachable share one constant accuracy
    def reaches_output(key, order=((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))):
        ops = dict(zip(order, zc_suite._parse_key(key)))
        reach = {0}
        for j in (1, 2, 3):
            if any(i in reach and ops[i, j] != 0 for i in range(j)):
                reach.add(j)
        return 3 in reach

    dead = ~obj["key"].map(reaches_output)
    assert dead.sum() == 169
    assert obj.loc[dead, "val_accuracy"].nunique() == 1
    assert obj.loc[~dead, "val_accuracy"].nunique() > 1000
    # NASLib's NAS-Bench-201 edge order (0-1, 0-2, 0-3, 1-2, 1-3, 2-3) would not explain it
    dead_nb201_order = ~obj["key"].map(
        lambda k: reaches_output(k, ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))))
    assert obj.loc[dead_nb201_order, "val_accuracy"].nunique() > 10
    # the suite's 711 architectures are among the 4,096, with the same strings
    suite = zc_suite.load("tnb101_micro", "class_object")
    assert suite["arch"].isin(obj["arch"]).all()


def test_corrupted_and_missing_suite_files_are_clear_errors(tmp_path, monkeypatch):
    rel = "zc_suite/zc_nasbench101.json"
    (tmp_path / "zc_suite").mkdir()
    shutil.copy(data.external_file(rel), tmp_path / rel)
    with open(tmp_path / rel, "a") as f:
        f.write(" ")
    monkeypatch.setattr(data, "data_dirs", lambda: [tmp_path])
    monkeypatch.setattr(data, "_verified", {})
    zc_suite._raw.cache_clear()
    zc_suite._load.cache_clear()
    try:
        with pytest.raises(data.DataError, match="checksum mismatch.*c34840bc"):
            zc_suite.load("nb101", "cifar10")
        with pytest.raises(data.DataError, match="missing data file 'zc_suite/zc_nasbench301.json'"):
            zc_suite.load("darts", "cifar10")
    finally:
        zc_suite._raw.cache_clear()
        zc_suite._load.cache_clear()


def _blog_table(table_id):
    t = reported(table_id)
    return t.pivot(index="label", columns="dataset", values="value").loc[list(zc_suite.BLOG_PROXIES)]


def test_average_ranks_recover_the_blogs_table4_from_its_table1():
    ours = metrics.average_ranks(_blog_table("B-T1")).round(2)
    t4 = reported("B-T4")
    theirs = t4[t4["label"] == "NATS-Bench TSS"]
    theirs = pd.Series(theirs["value"].to_numpy(),
                       index=theirs["note"].str.replace("proxy=", "", regex=False))
    assert ours.to_dict() == theirs.loc[ours.index].to_dict()


def test_task_ranks_handle_ties_and_missing_cells():
    t = pd.DataFrame({"a": [0.5, 0.5, 0.1], "b": [0.2, np.nan, 0.3]}, index=["x", "y", "z"])
    r = metrics.task_ranks(t)
    assert r["a"].tolist() == [1.5, 1.5, 3.0]
    assert r["b"].tolist()[0] == 2.0 and np.isnan(r["b"].tolist()[1]) and r["b"].tolist()[2] == 1.0
    assert metrics.average_ranks(t).to_dict() == {"x": 1.75, "y": 1.5, "z": 2.0}


def test_performance_profile_matches_the_blogs_worked_example():
    darts = _blog_table("B-T2")
    ratio = metrics.performance_ratios(darts)["spherical_cifar100"]
    assert ratio["fisher"] == 1.0
    assert round(ratio["snip"], 2) == 1.46  # "snip is 1.46-suboptimal on DARTS Spherical CIFAR-100"
    prof = metrics.performance_profile(darts, [1.0, 1e9])
    assert prof.loc[1.0].sum() == pytest.approx(1.0)  # each of 5 tasks has one best proxy
    assert (prof.loc[1e9] == 1.0).all()
    assert prof.loc[1.0, "fisher"] == pytest.approx(1 / 5)


def test_nb201_aznas_reads_the_cache_and_aggregates_within_the_suite_sample():
    f = zc_suite.nb201_aznas("cifar100", cached=False)
    suite = zc_suite.load("nb201", "cifar100")
    assert f["arch"].tolist() == suite["arch"].tolist()
    assert f[list(zc_suite.AZNAS_PARTS)].notna().all().all()
    expected = aggregate.nonlinear(f, list(zc_suite.AZNAS_PARTS)).to_numpy()
    np.testing.assert_array_equal(f["aznas"].to_numpy(), expected)
    from aznas_core import score
    a = f["arch"].iloc[3]
    assert f["complexity"].iloc[3] == score(a, ["complexity"], dataset="cifar100")["complexity"]
    # the committed extract equals a recomputation from the sweep cache (else rebuild it with
    # zc_suite.write_nb201_aznas_cache())
    assert zc_suite.NB201_AZNAS_CACHE.is_file()
    pd.testing.assert_frame_equal(zc_suite.nb201_aznas("cifar100"), f)


def test_subset_spearman_equals_spearman_on_each_subset():
    rng = np.random.default_rng(1)
    t = rng.normal(size=300)
    s = pd.DataFrame({"a": t + rng.normal(size=300), "b": np.where(t > 1, np.nan, rng.normal(size=300))})
    got = metrics.subset_spearman(s, t, size=50, n_subsets=4, seed=7)
    draw = np.random.default_rng(7)
    for k in range(4):
        idx = draw.choice(300, 50, replace=False)
        for c in s:
            assert got[c][k] == pytest.approx(metrics.spearman_rho(s[c].to_numpy()[idx], t[idx]), abs=1e-12)


def test_tnb101_micro_aznas_is_none_until_a_full_cache_exists(tmp_path, monkeypatch):
    """The reader reads only the documented configuration's cache, and only when it holds
    every suite architecture of the task (a partial cache is 'not yet computed')."""
    from aznas_core import sweep
    from aznas_core.proxies import Config
    from aznas_core.spaces import tnb101_micro

    monkeypatch.setattr("aznas_core.cache.SCORES_DIR", tmp_path)
    assert zc_suite.tnb101_micro_aznas("jigsaw") is None
    r, b = zc_suite.TNB101_AZNAS_CONFIG
    cfg = Config(space="tnb101_micro", dataset="jigsaw", resolution=r, batch_size=b)
    other = Config(space="tnb101_micro", dataset="jigsaw", resolution=2 * r, batch_size=b)
    archs = list(zc_suite.load("tnb101_micro", "jigsaw")["arch"])
    rng = np.random.default_rng(0)

    def rows(some, c):
        template = sweep.score_chunk([archs[0]], ("expressivity", "progressivity", "trainability"), c)
        fixed = {k: v for k, v in template[0].items() if k not in ("arch", "index", "proxy", "value", "seconds")}
        return [dict(fixed, arch=a, index=tnb101_micro.index(a), proxy=p, value=rng.normal(), seconds=0.0)
                for a in some for p in ("expressivity", "progressivity", "trainability")]

    sweep.write_shard(rows(archs, other), other)  # another resolution: never mixed in
    assert zc_suite.tnb101_micro_aznas("jigsaw") is None
    sweep.write_shard(rows(archs[:-1], cfg), cfg)
    assert zc_suite.tnb101_micro_aznas("jigsaw") is None  # one architecture short
    sweep.write_shard(rows(archs[-1:], cfg), cfg)
    f = zc_suite.tnb101_micro_aznas("jigsaw")
    assert len(f) == 711
    suite = zc_suite.load("tnb101_micro", "jigsaw").set_index("arch")
    np.testing.assert_array_equal(f["complexity"], suite.loc[f["arch"], "flops"])
    np.testing.assert_array_equal(f["aznas"], aggregate.nonlinear(f, list(zc_suite.AZNAS_PARTS)))


def test_naslib_agreement_skips_architectures_where_naslib_has_nan(monkeypatch):
    """NASLib's suite holds a few NaN scores (one CIFAR-10 synflow): they must not turn the
    correlation into NaN, and the count must say how many pairs were compared."""
    import numpy as np
    import pandas as pd

    from aznas_core import nb201
    from aznas_core.validation import tables

    archs = nb201.archs()[:6]
    naslib = pd.DataFrame({"arch": archs, "synflow": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0]})
    ours = pd.DataFrame({"arch": archs, "synflow": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]})
    monkeypatch.setattr(tables.zc_suite, "load", lambda space, d: naslib)
    monkeypatch.setattr(tables.zc_suite, "PROXIES", ("synflow",))
    monkeypatch.setattr(tables, "ours_on_suite", lambda d, proxies, variant, root: ours)
    out = tables.naslib_agreement(datasets=("cifar10",))
    assert out["n_archs"].tolist() == [5]
    assert out["rho_ours_naslib"].iloc[0] == pytest.approx(1.0)


def test_naslib_inputs_compares_both_inputs_on_the_same_suite_architectures():
    """Per proxy, both inputs' Spearman with NASLib's real-image scores are over the suite
    architectures every input has cached (recomputed here by hand for nwot on CIFAR-10);
    data-free proxies have no row."""
    from aznas_core import metrics
    from aznas_core.benchmarks import zc_suite
    from aznas_core.validation import tables

    t = tables.naslib_inputs(["cifar10"])
    assert not set(t["proxy"]) & {"synflow", "l2_norm", "flops", "params"}
    row = t.set_index("proxy").loc["nwot"]
    suite = zc_suite.load("nb201", "cifar10")
    a = tables.ours_on_suite("cifar10", ["nwot"])["nwot"]
    b = tables.ours_on_suite("cifar10", ["nwot"], inputs="natural")["nwot"]
    have = a.notna() & b.notna() & suite["nwot"].notna()
    assert row["n_archs"] == have.sum() >= 100
    assert row["rho_naslib_natural"] == metrics.spearman_rho(b[have], suite["nwot"][have])
    assert row["rho_naslib_synthetic_cifar10"] == metrics.spearman_rho(a[have], suite["nwot"][have])


def test_epe_nas_relabelling_starts_from_the_cached_jacobian():
    """The label diagnostic's `own` labeling is the cached natural-image epe_nas, bit for bit
    (same network, batch and pass), on a random suite architecture of each dataset; relabelling
    over K classes gives NASLib's class multiplicity (many classes, few samples each)."""
    import numpy as np
    import torch

    from aznas_core.validation import epe_labels, tables

    rng = np.random.default_rng(23)
    for d in ("cifar10", "ImageNet16-120"):
        ours = tables.ours_on_suite(d, ["epe_nas"], inputs="natural").dropna()
        i = int(rng.integers(len(ours)))
        got = epe_labels.epe_under_labelings(ours.arch.iloc[i], epe_labels.config(d))
        assert got["own"] == ours.epe_nas.iloc[i]
        assert set(got) == set(epe_labels.LABELINGS)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 120, (64,), generator=g)
    assert len(torch.unique(y)) > 40  # vs the natural batch's ten


def test_committed_epe_labelings_agree_with_the_cached_scores():
    """Every committed labelings file's `own` column equals the cached natural-image epe_nas
    (so its other columns are relabellings of the same Jacobians), and `agreement` recomputes
    its Spearman from the file."""
    from aznas_core import metrics
    from aznas_core.benchmarks import zc_suite
    from aznas_core.validation import epe_labels, tables

    written = [d for d in tables.DATASETS if epe_labels.path(d).exists()]
    assert written, "no epe_labels-<dataset>.csv committed"
    agree = epe_labels.agreement(written).set_index("dataset")
    for d in written:
        f = pd.read_csv(epe_labels.path(d))
        cached = tables.ours_on_suite(d, ["epe_nas"], inputs="natural").set_index("arch").epe_nas
        np.testing.assert_allclose(f["own"], f["arch"].map(cached), rtol=1e-15)
        m = f.merge(zc_suite.load("nb201", d)[["arch", "epe_nas"]], on="arch").dropna()
        assert agree.loc[d, "n_archs"] == len(m)
        assert agree.loc[d, "rho_naslib_uniform_k"] == metrics.spearman_rho(m["uniform_k"],
                                                                            m["epe_nas"])
