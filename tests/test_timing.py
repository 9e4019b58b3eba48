"""The same-run timing behind Table 1's and Figure 1's runtimes (`bench.methods`)."""
import pytest

from aznas_core import bench, report

METHODS = {"Synflow": ("synflow",), "Two families": ("l2_norm", "synflow"), "Zen": ("zen",)}


@pytest.fixture(scope="module")
def timing():
    return bench.methods(METHODS, n_archs=4, warmup=1, progress=False, dataset="ImageNet16-120",
                         batch_size=4, resolution=8)


def test_every_method_is_timed_once_on_every_architecture(timing):
    assert len(timing) == 4 * len(METHODS)
    per_arch = timing.groupby("arch")["method"].apply(sorted)
    assert len(per_arch) == 4 and all(ms == sorted(METHODS) for ms in per_arch)
    assert set(timing["arch"]) == set(bench.sample_archs(5)[1:])  # the warm-up one is not kept
    assert (timing["ms"] > 0).all()
    assert dict(zip(timing["method"], timing["proxies"])) == {k: ",".join(v) for k, v in METHODS.items()}


def test_the_order_rotates_so_no_method_always_runs_first(timing):
    """Rows are in execution order: the method run first changes from one arch to the next."""
    firsts = timing.groupby("arch", sort=False)["method"].first().tolist()
    labels = list(METHODS)
    assert firsts == [labels[i % 3] for i in range(1, 5)]


def test_a_method_spanning_two_families_costs_about_their_sum(timing):
    """One row per method sums its families' passes: synflow + l2_norm is not cheaper than
    synflow alone by more than noise (medians over the same architectures)."""
    med = timing.groupby("method")["ms"].median()
    assert med["Two families"] > 0.5 * med["Synflow"]


def test_written_timing_is_what_table1_reads(timing, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "TIMING_DIR", tmp_path)
    bench.write_timing(timing, tmp_path / "t.csv", dataset="ImageNet16-120", note="test")
    back, conditions = bench.read_timing("t")
    assert conditions["note"] == "test" and conditions["threads"] == 1 and conditions["cpu"]
    assert back["ms"].tolist() == pytest.approx(timing["ms"].tolist(), abs=5e-4)
    mean, std, n = report.timed_ms_per_arch("Zen", name="t")
    zen = timing.loc[timing["method"] == "Zen", "ms"]
    assert (mean, std, n) == (pytest.approx(zen.mean(), abs=5e-4), pytest.approx(zen.std(), abs=5e-4), 4)
    assert report.timed_ms_per_arch("GradSign", name="t")[2] == 0  # not timed: NaN, never made up
    assert bench.read_timing("absent") == (None, {})


def test_the_committed_timing_covers_every_network_method_of_table1():
    timing, conditions = bench.read_timing()
    assert timing is not None, "data/timing/nb201-cifar10-cpu.csv is missing"
    wanted = {m.label for m in report.TABLE1_METHODS if m.runs_network}
    assert set(timing["method"]) == wanted
    counts = timing.groupby("method")["arch"].nunique()
    assert (counts == conditions["n_archs"]).all()


def test_per_method_configurations_are_honoured():
    """Table 9's timing: one label per batch size; a larger batch is not timed as a smaller one."""
    import dataclasses

    from aznas_core.proxies import Config

    cfg = Config(dataset="ImageNet16-120", resolution=8)
    configs = {f"batch {b}": dataclasses.replace(cfg, batch_size=b) for b in (2, 256)}
    t = bench.methods({k: ("expressivity",) for k in configs}, n_archs=3, progress=False,
                      config=cfg, configs=configs)
    med = t.groupby("method")["ms"].median()
    assert med["batch 256"] > med["batch 2"]


def test_the_committed_batch_timing_covers_table9():
    timing, conditions = bench.read_timing("nb201-aznas-batch-cpu")
    assert set(timing["method"]) == {f"batch {b}" for b in (8, 16, 32, 64, 128)}
    assert (timing.groupby("method")["arch"].nunique() == conditions["n_archs"]).all()


def test_only_the_architecture_rows_of_table1_have_no_runtime():
    """#Params and FLOPs are closed form; AZ-NAS reads FLOPs too but runs a network."""
    assert [m.label for m in report.TABLE1_METHODS if not m.runs_network] == ["#Params", "FLOPs"]


def test_family_timing_reports_one_row_per_family_on_the_same_archs():
    from aznas_core.proxies import Config

    rows = bench.families(["expressivity", "synflow", "naswot"], n_archs=2,
                          config=Config(dataset="ImageNet16-120", resolution=8))
    assert [r["family"] for r in rows] == ["aznas", "synflow", "naswot"]
    assert all(r["n_archs"] == 2 and r["ms_per_arch_mean"] > 0 for r in rows)
