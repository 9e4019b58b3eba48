"""aznas_core.train: resumption after SIGKILL, identity across processes, proxies on a copy,
one-line errors. Tiny runs (a few dozen images, three epochs), so the file takes seconds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from aznas_core import train
from aznas_core.cli import main as cli_main

ARCH = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|skip_connect~2|"
TINY = dict(source="natural", n_train=32, n_test=8, batch_size=16, epochs=3, resolution=16,
            proxy_batch_size=8)
CURVE = ["epoch", "lr_last", "train_loss", "train_acc", "test_loss", "test_acc"]
PROXIES = ("synflow", "snip", "trainability")


def _curve(frame):
    return frame[CURVE].to_numpy()


def _same(a, b):
    """Equal to the bit, NaN equal to NaN."""
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def _script(root, cfg_kwargs, sleep_after=None):
    """A child process that trains ARCH; with `sleep_after=k` it hangs after writing epoch k's
    checkpoint (the test then kills it with SIGKILL, in the middle of epoch k + 1)."""
    return textwrap.dedent(f"""
        import sys, time
        from aznas_core import train
        cfg = train.TrainConfig(**{cfg_kwargs!r})
        save = train._atomic_save
        def hanging_save(obj, path):
            save(obj, path)
            if {sleep_after!r} is not None and obj["epoch"] == {sleep_after!r}:
                print("checkpoint", obj["epoch"], flush=True)
                time.sleep(600)
        train._atomic_save = hanging_save
        train.train_network({ARCH!r}, cfg, root={str(root)!r})
        print("finished", flush=True)
    """)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run with proxies, in this process."""
    cfg = train.TrainConfig(proxies=PROXIES, proxy_epochs=(0, 2, 3), **TINY)
    root = tmp_path_factory.mktemp("reference")
    return cfg, train.train_network(ARCH, cfg, root=root), root


def test_kill_9_and_resume_gives_identical_curves_across_processes(reference, tmp_path):
    """A child process trains epochs 0-1 and is killed with SIGKILL during epoch 2; this
    process resumes from the checkpoint. Every row (the child's and ours) equals the
    uninterrupted run of this process to the bit: resumption and processes change nothing."""
    cfg, ref, _ = reference
    kwargs = dict(proxies=PROXIES, proxy_epochs=(0, 2, 3), **TINY)
    child = subprocess.Popen([sys.executable, "-c", _script(tmp_path, kwargs, sleep_after=1)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().split() == ["checkpoint", "1"]
        os.kill(child.pid, signal.SIGKILL)  # during epoch 2: its work is lost
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    ckpt = train.checkpoint_path(ARCH, cfg, tmp_path)
    assert ckpt.exists() and not train.result_path(ARCH, cfg, tmp_path).exists()
    assert not list(ckpt.parent.glob(".*.tmp"))  # atomic writes leave no partial file
    resumed = train.train_network(ARCH, cfg, root=tmp_path)  # epochs 2-3 in this process
    assert not ckpt.exists()  # removed once the network is finished
    assert list(resumed.epoch) == [0, 1, 2, 3]
    assert _same(_curve(resumed), _curve(ref))
    assert _same(resumed[list(PROXIES)], ref[list(PROXIES)])
    assert resumed[list(PROXIES)].iloc[[0, 2, 3]].notna().all().all()
    assert resumed[list(PROXIES)].iloc[1].isna().all()
    timing = ["seconds", "cpu_seconds", "proxy_seconds"]
    pd.testing.assert_frame_equal(resumed.drop(columns=timing), ref.drop(columns=timing))


def test_stop_after_epoch_then_resume_in_process(reference, tmp_path):
    cfg, ref, _ = reference
    assert train.train_network(ARCH, cfg, root=tmp_path, stop_after=2) is None
    assert train.train_network(ARCH, cfg, root=tmp_path).equals(
        pd.read_parquet(train.result_path(ARCH, cfg, tmp_path)))
    out = train.results(cfg, root=tmp_path)
    assert _same(_curve(out), _curve(ref))
    # a finished network is not trained again
    assert train.missing([ARCH], cfg, tmp_path) == []


def test_proxies_see_a_copy_training_is_unchanged(reference, tmp_path):
    cfg, ref, _ = reference
    plain = train.train_network(ARCH, train.TrainConfig(**TINY), root=tmp_path)
    assert _same(_curve(plain), _curve(ref))
    # and the proxies do change along training (they read the trained weights)
    assert ref.synflow.iloc[0] != ref.synflow.iloc[3]


def test_configuration_spelled_out_and_learning_happens(reference):
    cfg, ref, _ = reference
    row = ref.iloc[-1]
    assert (row.space, row.source, row.dataset, row.epochs, row.n_train, row.n_test) == (
        "nb201", "natural", "cifar10", 3, 32, 8)
    assert (row.batch_size, row.lr, row.momentum, row.nesterov, row.weight_decay) == (
        16, 0.1, 0.9, True, 5e-4)
    assert row.init == "pytorch_default" and row.proxy_variant == "zc"
    assert ref.lr_last.iloc[1] > ref.lr_last.iloc[3] >= 0  # cosine annealing
    assert np.isfinite(ref.train_loss.iloc[1:]).all()
    assert ref.train_loss.iloc[3] < ref.train_loss.iloc[1]


def test_natural_split_is_fixed_stratified_and_disjoint():
    tr, te = train.natural_split()
    assert len(tr) + len(te) == 1834 and len(te) == 336
    assert not set(tr) & set(te)
    from aznas_core.inputs import natural_images

    y = natural_images()[1].numpy()
    frac = np.bincount(y[te], minlength=10) / np.bincount(y, minlength=10)
    assert np.allclose(frac, 334 / 1834, atol=0.01)


def test_synthetic_source_trains_on_labelled_gaussian_images(tmp_path):
    cfg = train.TrainConfig(source="synthetic_cifar10", n_train=32, n_test=16, batch_size=16,
                            epochs=1, resolution=16)
    data = train.Data(cfg)
    assert data.train_raw.shape == (32, 3, 16, 16) and len(data.test_y) == 16
    assert len(set(data.train_y.tolist())) > 3  # the labeller's classes, not one class
    frame = train.train_network(ARCH, cfg, root=tmp_path)
    assert list(frame.epoch) == [0, 1] and frame.source.iloc[0] == "synthetic_cifar10"


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="gaussian"), "unknown training data source 'gaussian'"),
    (dict(epochs=0), "epochs must be an integer >= 1"),
    (dict(space="autoformer"), "cannot be trained"),
    (dict(space="no_such_space"), "unknown search space"),
    (dict(n_train=5000), "the train split holds 1498 images"),
    (dict(proxies=("no_such_proxy",)), "unknown proxy"),
    (dict(epochs=2, proxy_epochs=(3,)), "outside 0..epochs"),
])
def test_bad_configuration_is_a_one_line_error(kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        train.TrainConfig(**kwargs)
    assert "\n" not in str(err.value)


def test_cli_refuses_bad_input_in_one_line(capsys):
    assert cli_main(["train", "--source", "gaussian", ARCH]) == 2
    assert cli_main(["train", "--epochs", "0", ARCH]) == 2
    assert cli_main(["train", "--space", "autoformer", ARCH]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("aznas: error: ") for line in err)


def test_checkpoint_of_another_configuration_is_refused(tmp_path):
    cfg = train.TrainConfig(**TINY)
    train.train_network(ARCH, cfg, root=tmp_path, stop_after=1)
    ckpt = train.checkpoint_path(ARCH, cfg, tmp_path)
    import torch

    state = torch.load(ckpt, weights_only=False)
    state["identity"] = {**state["identity"], "seed": 99}
    torch.save(state, ckpt)
    with pytest.raises(ValueError, match="checkpoint of another configuration"):
        train.train_network(ARCH, cfg, root=tmp_path)


def test_subset_order_is_the_nesting_order():
    from aznas_core.benchmarks.nb201 import fixed_sample
    from aznas_core.spaces import nb201

    archs = train.subset_archs("fixed6")
    assert sorted(nb201.index(a) for a in archs) == sorted(fixed_sample(6))
    assert {nb201.index(a) for a in archs[:3]} == set(fixed_sample(3))


def test_correlations_pair_each_network_with_its_accuracies(reference):
    """Spearman's rho per (proxy, epoch, target) over networks: a proxy equal to the NB201
    accuracy ranks at rho 1, its negation at -1; our final accuracy is the last epoch's."""
    from aznas_core.nb201 import ground_truth

    cfg, ref, _ = reference
    truth = ground_truth().set_index("arch")["cifar10"]
    archs = train.subset_archs("fixed6")
    parts = []
    for k, a in enumerate(archs):
        f = ref.copy()
        f["arch"] = a
        f["synflow"] = f["synflow"].where(f.synflow.isna(), truth[a])
        f["snip"] = f["snip"].where(f.snip.isna(), -truth[a])
        f.loc[f.epoch == 3, "test_acc"] = truth[a] / 100
        parts.append(f)
    corr = train.correlations(pd.concat(parts), n_boot=20)
    at = corr.set_index(["proxy", "epoch", "target"])
    assert set(corr.epoch[corr.proxy == "synflow"]) == {0, 2, 3}
    for target in ("nb201", "ours"):
        assert at.loc[("synflow", 2, target), "rho"] == pytest.approx(1.0)
        assert at.loc[("snip", 0, target), "rho"] == pytest.approx(-1.0)
    assert (corr.n == 6).all()


@pytest.mark.slow  # two spawned workers import the package: ~10 s on an idle machine
def test_local_pool_gives_the_serial_results(reference, tmp_path):
    """Two worker processes, one network each: the same rows as this process's serial run."""
    cfg, ref, _ = reference
    other = "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|"
    out = train.train([ARCH, other], cfg, workers=2, root=tmp_path, progress=False)
    assert set(out.arch) == {ARCH, other}
    mine = out[out.arch == ARCH].reset_index(drop=True)
    timing = ["seconds", "cpu_seconds", "proxy_seconds"]
    pd.testing.assert_frame_equal(mine.drop(columns=timing), ref.drop(columns=timing))


def test_proxies_at_initialisation_are_the_scores_of_the_training_init(reference):
    """At epoch 0 the proxies read the training network's initial weights: the values
    `aznas_core.score` gives under the proxy configuration with the training init."""
    import dataclasses

    import aznas_core

    cfg, ref, _ = reference
    pcfg = dataclasses.replace(cfg.proxy_config(), init=cfg.init)
    scored = aznas_core.score(ARCH, proxies=PROXIES, config=pcfg)
    at_init = ref[ref.epoch == 0].iloc[0]
    for p in PROXIES:
        assert at_init[p] == pytest.approx(scored[p], rel=1e-5), p


def test_a_cpu_run_skips_and_a_sample_reads_what_a_gpu_run_finished(reference, tmp_path):
    """Results of the same configuration on another device live in the key + '-cuda' folder:
    `--skip-trained-on cuda` trains only the others, and `results_by_device` takes each
    architecture from the first device that finished it (its `device` column says which)."""
    _, frame, _ = reference
    other = "|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|avg_pool_3x3~1|skip_connect~2|"
    tiny = {k: v for k, v in TINY.items() if k != "proxy_batch_size"}  # the CLI's default batch
    cfg = train.TrainConfig(proxies=PROXIES, proxy_epochs=(0, 2, 3), **tiny)
    gpu_dir = tmp_path / f"{cfg.key()}-cuda"
    gpu_dir.mkdir(parents=True)
    frame.assign(device="cuda").to_parquet(gpu_dir / f"{train.arch_id(ARCH)}.parquet")
    assert train.device_directory("cuda", cfg, tmp_path) == gpu_dir
    assert train.trained_on("cuda", cfg, tmp_path) == {train.arch_id(ARCH)}
    assert train.trained_on("cpu", cfg, tmp_path) == set()
    args = ["train", ARCH, other, "--root", str(tmp_path), "--skip-trained-on", "cuda",
            "--proxies", ",".join(PROXIES), "--proxy-epochs", "0,2,3", "--no-progress"]
    for k, v in tiny.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    assert cli_main(args) == 0
    trained = {p.stem for p in cfg.directory(tmp_path).glob("*.parquet")}
    assert trained == {train.arch_id(other)}  # the GPU's network was not trained again
    both = train.results_by_device([ARCH, other], cfg, root=tmp_path)
    assert both.groupby("arch").device.first().to_dict() == {ARCH: "cuda", other: "cpu"}
    only_cpu = train.results_by_device([ARCH, other], cfg, prefer=("cpu",), root=tmp_path)
    assert set(only_cpu.arch) == {other}
