"""Checks of the transcribed tables in data/reported against the source documents."""
import math

import pandas as pd
import pytest

from aznas_core import reported as rep

COLUMNS = ["table", "source", "row", "label", "dataset", "metric", "value", "std", "unit", "note"]

# (distinct printed rows carrying numbers, numeric cells), counted by reading the documents.
EXPECTED = {
    # 13 rows (11 methods + AZ-NAS + Ground truth); 12 rows x (3 datasets x KT/SPR/Acc) + runtime
    # for the 10 rows that have one (#Params, FLOPs print '-') = 108 + 10; GT only 3 Acc -> 121
    "P-T1": (13, 121),
    # 9 + 10 + 4 method rows under 450M/600M/1000M; 23 x (FLOPs, top-1, cost) minus 3 '-' costs
    # (RLNAS twice, sharpDARTS) -> 66
    "P-T2": (23, 66),
    # 4 rows each under Tiny/Small/Base; 12 x (#Params, FLOPs, top-1, cost) -> 48
    "P-T3": (12, 48),
    # rows 1-14 (circled numbers), 3 KT columns each -> 42
    "P-T4": (14, 42),
    # 14 rows x (3 KT + runtime) minus the '-' runtime of s^C -> 55
    "P-T5": (14, 55),
    # 6 methods x 3 NDS spaces x (KT, Acc) -> 36
    "P-T6": (6, 36),
    # 5 rows x (FLOPs, top-1, cost) minus the two '-' costs of the author-provided rows -> 13
    "P-T7": (5, 13),
    # 5 initialisations x 3 KT -> 15
    "P-T8": (5, 15),
    # 5 batch sizes x (3 KT + runtime) -> 20 (the batch size is the row label)
    "P-T9": (5, 20),
    # 5 models x (s^T target value, top-1) -> 10
    "P-T10": (5, 10),
    # 8 proxies x 3 NATS-Bench TSS datasets -> 24
    "B-T1": (8, 24),
    # 8 proxies x 5 DARTS datasets -> 40
    "B-T2": (8, 40),
    # 8 proxies x 4 TransNAS-Bench-101 tasks -> 32
    "B-T3": (8, 32),
    # 4 rows (3 search spaces + Overall) x 8 proxies -> 32
    "B-T4": (4, 32),
}


def test_all_tables_present():
    assert sorted(EXPECTED) == rep.tables()


@pytest.mark.parametrize("tid", sorted(EXPECTED))
def test_table_shape(tid):
    path = rep.REPORTED_DIR / f"{tid}.csv"
    assert path.is_file()
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(raw.columns) == COLUMNS
    assert (raw["table"] == tid).all()
    src = "000_3395884d5e1f742d" if tid.startswith("P-") else "001_78f2f354775e9052"
    assert (raw["source"] == src).all()
    n_rows, n_cells = EXPECTED[tid]
    assert raw["row"].nunique() == n_rows
    assert len(raw) == n_cells
    # value numeric everywhere, std numeric where present
    assert pd.to_numeric(raw["value"], errors="coerce").notna().all()
    std = raw.loc[raw["std"] != "", "std"]
    assert pd.to_numeric(std, errors="coerce").notna().all()
    df = rep.reported(tid)
    assert list(df.columns) == COLUMNS
    assert df["value"].dtype == float
    # rows are numbered 1..n in order, no duplicate cells
    assert sorted(df["row"].unique()) == list(range(1, n_rows + 1))
    assert not df.duplicated(["row", "dataset", "metric", "note"]).any()


@pytest.mark.parametrize(
    "tid,label,dataset,metric,note,expected",
    [
        ("P-T1", "AZ-NAS", "cifar10", "KT", None, 0.741),
        ("P-T1", "AZ-NAS", "cifar10", "SPR", None, 0.913),
        ("P-T1", "AZ-NAS", "cifar10", "Acc", None, 93.53),
        ("P-T1", "GradSign", "", "runtime_ms", None, 1823.9),
        ("P-T1", "Ground truth", "ImageNet16-120", "Acc", None, 47.05),
        ("P-T2", "ZiCo", "imagenet", "top1", "600M", 79.4),
        ("P-T2", "AZ-NAS", "", "flops_m", "1000M", 1022),
        ("P-T2", "NASNet-B", "", "search_cost_gpu_days", None, 1800),
        ("P-T3", "AZ-NAS", "", "flops_m", "Tiny; params_matched=AutoFormer", 1380),
        ("P-T3", "TF-TAS", "", "params_m", "Base", 56.5),
        ("P-T4", "E+P+T+C NL", "ImageNet16-120", "KT", None, 0.710),
        ("P-T4", "E+T+C L", "cifar100", "KT", None, 0.692),
        ("P-T4", "T", "cifar10", "KT", None, 0.349),
        ("P-T5", "ZiCo+C+E+T+P", "cifar10", "KT", None, 0.773),
        ("P-T5", "C+E", "", "runtime_ms", None, 22.3),
        ("P-T6", "Synflow", "cifar10", "KT", "space=Amoeba", -0.076),
        ("P-T7", "ZiCo", "", "search_cost_gpu_hours", None, 15.7),
        ("P-T8", "Xavier normal", "cifar100", "KT", None, 0.732),
        ("P-T9", "128", "", "runtime_ms", None, 54.32),
        ("P-T10", "Model#4", "imagenet", "top1", None, 72.68),
        ("B-T1", "jacob_cov", "synthetic_cifar10", "spearman", None, 0.1988),
        ("B-T2", "fisher", "spherical_cifar100", "spearman", None, 0.4986),
        ("B-T2", "params", "darcy_flow", "spearman", None, -0.2275),
        ("B-T3", "fisher", "autoencoder", "spearman", None, 0.5611),
        ("B-T4", "NATS-Bench TSS", "", "avg_rank", "proxy=synflow", 1.33),
        ("B-T4", "Overall", "", "avg_rank", "proxy=flops", 4.0),
    ],
)
def test_spot_values(tid, label, dataset, metric, note, expected):
    assert rep.value(tid, label, dataset, metric, note=note) == pytest.approx(expected)


def test_std_spot_checks():
    df = rep.reported("P-T1")
    hit = df[(df.label == "AZ-NAS") & (df.dataset == "cifar10") & (df.metric == "Acc")]
    assert hit["std"].item() == pytest.approx(0.15)
    t2 = rep.reported("P-T2")
    hit = t2[(t2.label == "AZ-NAS") & (t2.metric == "flops_m") & (t2.note.str.startswith("450M"))]
    assert (hit["value"].item(), hit["std"].item()) == (462, 1.5)
    t6 = rep.reported("P-T6")
    hit = t6[(t6.label == "#Params") & (t6.metric == "Acc") & (t6.note == "space=Amoeba")]
    assert (hit["value"].item(), hit["std"].item()) == (76.77, 37.3)
    kt = rep.reported("P-T4")
    assert kt["std"].map(math.isnan).all()


def test_cross_table_consistency():
    # the full AZ-NAS row is repeated in Tables 1, 4, 5, 8 (default init) and 9 (batch 64)
    for ds, kt in [("cifar10", 0.741), ("cifar100", 0.723), ("ImageNet16-120", 0.710)]:
        assert rep.value("P-T1", "AZ-NAS", ds, "KT") == kt
        assert rep.value("P-T4", "E+P+T+C NL", ds, "KT") == kt
        assert rep.value("P-T5", "C+E+T+P", ds, "KT") == kt
        assert rep.value("P-T8", "Kaiming normal (fan-in)", ds, "KT") == kt
        assert rep.value("P-T9", "64", ds, "KT") == kt


def test_errors():
    with pytest.raises(ValueError, match="P-T1"):
        rep.reported("P-T99")
    with pytest.raises(ValueError, match="3 rows"):
        rep.value("P-T2", "ZiCo", "imagenet", "top1")
    with pytest.raises(ValueError, match="0 rows"):
        rep.value("P-T1", "AZ-NAS", "cifar10", "nope")
