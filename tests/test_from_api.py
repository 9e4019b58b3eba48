"""`aznas data --from-api`: miniature benchmark files written in the APIs' own formats (with the
packages' own result classes), read back through the packages, compared with the CSV."""
import pytest
import torch

from aznas_core import cli
from aznas_core.benchmarks import official
from aznas_core.benchmarks.nb201 import ground_truth
from aznas_core.spaces import nb201

nas_201_api = pytest.importorskip("nas_201_api")
nats_bench = pytest.importorskip("nats_bench")

SEEDS = (777, 888)
EPOCHS = 2
EVAL_SETS = {"cifar10": ("ori-test",), "cifar100": ("x-valid", "x-test", "ori-test"),
             "ImageNet16-120": ("x-valid", "x-test", "ori-test")}


def _arch_results(module, index, flops_convention, accuracy=None):
    """An ArchResults of `module` (nas_201_api or nats_bench) for benchmark index `index`:
    two seeds per dataset, the last epoch's test accuracy = the CSV's value, an earlier epoch
    with a wrong value (the reader must take the last), FLOPs in the given convention."""
    arch = nb201.archs()[index]
    gt = ground_truth().loc[index]
    res = module.ArchResults(index, arch)
    for dataset, sets in EVAL_SETS.items():
        flops_nats, params, flops_legacy = nb201.costs(arch, dataset)
        flops = flops_nats if flops_convention == "nats" else flops_legacy
        target = gt[dataset] if accuracy is None else accuracy
        for seed in SEEDS:
            r = module.ResultsCount(dataset, None, [10.0] * EPOCHS, [2.0] * EPOCHS, params, flops,
                                    {"arch_str": arch}, seed, EPOCHS, None)
            accs, losses, times = {}, {}, {}
            for s in sets:
                for e in range(EPOCHS):
                    accs[f"{s}@{e}"] = float(target) if e == EPOCHS - 1 else 1.0
                    losses[f"{s}@{e}"], times[f"{s}@{e}"] = 1.0, 0.1
            r.update_eval(accs, losses, times)
            res.update(dataset, seed, r)
    return res


def _write_nb201(path, indices, **kw):
    data = {"meta_archs": list(nb201.archs()),
            "arch2infos": {i: {"less": _arch_results(nas_201_api, i, "legacy").state_dict(),
                               "full": _arch_results(nas_201_api, i, "legacy", **kw).state_dict()}
                           for i in indices},
            "evaluated_indexes": list(indices)}
    torch.save(data, path)
    return path


def _write_nats_fast(directory, n):
    """The fast-mode layout the AZ-NAS authors read: meta + one file per architecture."""
    directory.mkdir()
    nats_bench.pickle_save({"meta_archs": list(nb201.archs()[:n])}, str(directory / "meta.pickle"))
    for i in range(n):
        nats_bench.pickle_save({"200": _arch_results(nats_bench, i, "nats").state_dict()},
                               str(directory / f"{i:06d}.pickle"))
    return directory


def test_nb201_pth_rebuilds_the_csv_rows(tmp_path):
    path = _write_nb201(tmp_path / "NAS-Bench-201-mini.pth", [3, 100, 15624])
    rebuilt, diffs, conventions = official.check(path)
    assert list(rebuilt["index"]) == [3, 100, 15624]
    gt = ground_truth().set_index("index").loc[[3, 100, 15624]]
    for d in official.SPLITS:
        assert rebuilt[d].tolist() == gt[d].tolist()  # exactly, not approximately
    assert diffs.empty
    # this miniature carries the legacy FLOPs count, and the report recognises it
    assert conventions["legacy"].tolist() == [3, 3, 3] and conventions["nats"].sum() == 0


def test_nats_fast_mode_directory(tmp_path):
    rebuilt, diffs, conventions = official.check(_write_nats_fast(tmp_path / "NATS-mini", 4))
    assert list(rebuilt["index"]) == [0, 1, 2, 3] and diffs.empty
    assert conventions["nats"].tolist() == [4, 4, 4]
    assert rebuilt.loc[2, "params_cifar100"] == nb201.costs(nb201.archs()[2], "cifar100")[1]


def test_nats_single_file(tmp_path):
    data = {"meta_archs": list(nb201.archs()),
            "arch2infos": {7: {"200": _arch_results(nats_bench, 7, "nats").state_dict()}},
            "evaluated_indexes": [7]}
    nats_bench.pickle_save(data, str(tmp_path / "NATS-tss-mini.pickle"))
    rebuilt, diffs, _ = official.check(tmp_path / "NATS-tss-mini.pickle.pbz2")
    assert list(rebuilt["index"]) == [7] and diffs.empty


def test_a_changed_accuracy_is_listed(tmp_path):
    path = _write_nb201(tmp_path / "bad.pth", [5], accuracy=50.0)
    _, diffs, _ = official.check(path)
    assert set(diffs["column"]) == set(official.SPLITS) and set(diffs["index"]) == {5}
    assert (diffs["official"] == 50.0).all()


def test_cli_exit_codes_and_report(tmp_path, capsys):
    good = _write_nb201(tmp_path / "good.pth", [0, 1])
    assert cli.main(["data", "--from-api", str(good), "--out", str(tmp_path / "t.csv")]) == 0
    out = capsys.readouterr().out
    assert "OK: all 2 rows equal" in out and (tmp_path / "t.csv").is_file()
    bad = _write_nb201(tmp_path / "bad.pth", [0], accuracy=1.0)
    assert cli.main(["data", "--from-api", str(bad)]) == 1
    assert "DIFFERENT: 3 value(s) in 1 row(s)" in capsys.readouterr().out
    assert cli.main(["data", "--from-api", str(tmp_path / "missing.pth")]) == 2
