import json

import pytest

from aznas_core import nb201
from aznas_core.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_score_prints_one_json_object(capsys):
    assert main(["score", ARCH, "--dataset", "ImageNet16-120", "--batch-size", "8",
                 "--proxies", "expressivity,trainability"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"expressivity", "trainability", "flops", "params"}
    assert (out["flops"], out["params"]) == nb201.flops_params(ARCH, "ImageNet16-120")


def test_score_reports_minus_inf_as_a_string(capsys):
    identity = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    assert main(["score", identity, "--batch-size", "4", "--dataset", "ImageNet16-120",
                 "--proxies", "trainability"]) == 0
    assert json.loads(capsys.readouterr().out)["trainability"] == "-inf"


@pytest.mark.parametrize("argv, message", [
    (["score", "|nor_conv_3x3~0|+|none~0|"], "malformed cell string"),
    (["score", ARCH, "--proxies", "no_such_proxy"], "unknown proxy"),
    (["score", ARCH, "--init", "orthogonal"], "unknown init scheme"),
    (["score", ARCH, "--dataset", "svhn"], "unknown NAS-Bench-201 dataset"),
    (["score", ARCH, "--resolution", "0"], "resolution must be a positive"),
    (["sweep", "--subset", "fixed"], "unknown --subset"),
    (["sweep", "--subset", "first100"], "unknown --subset"),
])
def test_bad_input_gives_a_clear_error_and_exit_code_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_data_command_verifies_checksums(capsys):
    assert main(["data"]) == 0
    assert "OK   nb201/nats_tss_test_accuracy_200ep.csv" in capsys.readouterr().out


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
def test_score_prints_a_number_for_every_proxy(capsys, dataset):
    from aznas_core.proxies import PROXIES

    names = sorted(PROXIES)
    assert main(["score", ARCH, "--dataset", dataset, "--batch-size", "8",
                 "--proxies", ",".join(names)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(isinstance(out[p], (int, float)) for p in names), out


def test_score_variant_inputs_and_device_options(capsys):
    assert main(["score", ARCH, "--dataset", "ImageNet16-120", "--batch-size", "8",
                 "--variant", "zc", "--proxies", "grad_norm,synflow"]) == 0
    assert set(json.loads(capsys.readouterr().out)) >= {"grad_norm", "synflow"}
    assert main(["score", ARCH, "--inputs", "gaussian", "--proxies", "snip"]) == 2
    assert "needs labels" in capsys.readouterr().err
    assert main(["score", ARCH, "--device", "nonsense", "--proxies", "synflow"]) == 2
    assert "unknown device" in capsys.readouterr().err


def test_bench_prints_ms_per_arch_per_family(capsys):
    assert main(["bench", "--proxies", "synflow,l2_norm", "--n-archs", "2",
                 "--dataset", "ImageNet16-120", "--batch-size", "8"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["family"] for r in rows] == ["synflow", "l2_norm"]
    assert all(r["n_archs"] == 2 and r["ms_per_arch_mean"] > 0 for r in rows)


def test_bench_without_proxies_honours_the_configuration(capsys):
    """The AZ-NAS sweep timing runs the configuration it is given (not a default one)."""
    assert main(["bench", "--n-archs", "2", "--workers", "1", "--dataset", "ImageNet16-120",
                 "--batch-size", "4", "--init", "xavier_normal", "--resolution", "8"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["resolution"], row["batch_size"], row["init"]) == (8, 4, "xavier_normal")


def test_bench_batch_sizes_writes_a_same_run_timing(tmp_path, capsys):
    out = tmp_path / "batch.csv"
    assert main(["bench", "--batch-sizes", "2,4", "--n-archs", "2", "--dataset", "ImageNet16-120",
                 "--resolution", "8", "--out", str(out), "--note", "test"]) == 0
    import pandas as pd

    t = pd.read_csv(out)
    assert sorted(t["method"].unique()) == ["batch 2", "batch 4"] and len(t) == 4
    conditions = json.loads(out.with_suffix(".json").read_text())
    assert (conditions["batch_size"], conditions["n_archs"], conditions["note"]) == ("2,4", 2, "test")
