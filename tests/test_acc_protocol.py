"""The paper's "Acc." protocol (PROTOCOLS.md C.5): checked against Table 1's #Params and
ground-truth rows, which involve no proxy and so pin down the sampler and the summary."""
import random

import numpy as np
import pandas as pd
import pytest

from aznas_core import metrics
from aznas_core.benchmarks.nb201 import ground_truth
from aznas_core.reported import reported
from aznas_core.spaces import nb201

DATASETS = ["cifar10", "cifar100", "ImageNet16-120"]


def test_sampler_is_the_per_edge_random_choice_with_replacement():
    # hand-rolled: seed the global generator, one choice per edge in cell-string order
    random.seed(3)
    ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    first = [random.choice(ops) for _ in range(6)]
    sample = metrics.paper_sample(3, 3000)
    assert nb201.parse(sample[0]) == tuple(first)
    assert len(sample) == 3000 and sample == metrics.paper_sample(3, 3000)
    assert 2600 < len(set(sample)) < 2900  # duplicates: drawn with replacement
    distinct = metrics.paper_sample(3, 3000, replace=False)
    assert len(set(distinct)) == 3000 and distinct[0] == sample[0]
    assert all(nb201.validate(a) == a for a in sample[:50])


def test_acc_picks_the_first_argmax_within_the_sample():
    archs = list(nb201.archs())
    f = pd.DataFrame({"arch": archs, "s": np.arange(len(archs)) % 7, "acc": np.arange(len(archs)) / 100})
    mean, std, runs = metrics.paper_acc(f, ["s"], "acc", method="-", seeds=(1, 2), n_samples=50)
    acc = dict(zip(f["arch"], f["acc"]))
    s = dict(zip(f["arch"], f["s"]))
    for seed, got in zip((1, 2), runs):
        sample = metrics.paper_sample(seed, 50)
        best = max(s[a] for a in sample)
        assert got == acc[next(a for a in sample if s[a] == best)]
    assert mean == pytest.approx(np.mean(runs)) and std == pytest.approx(np.std(runs, ddof=1))


def test_acc_refuses_a_frame_missing_sampled_architectures():
    f = pd.DataFrame({"arch": list(nb201.archs())[:5000], "s": 1.0, "acc": 1.0})
    with pytest.raises(ValueError, match="not in the frame"):
        metrics.paper_acc(f, ["s"], "acc", method="-")


@pytest.mark.parametrize("dataset", DATASETS)
def test_acc_reproduces_table1_params_and_ground_truth_rows_exactly(dataset):
    gt = ground_truth()[["arch", dataset]].rename(columns={dataset: "acc"})
    gt["params"] = [nb201.flops_params(a, dataset)[1] for a in gt["arch"]]
    t1 = reported("P-T1").query("metric == 'Acc' and dataset == @dataset").set_index("label")
    for label, column in (("#Params", "params"), ("Ground truth", "acc")):
        mean, std, _ = metrics.paper_acc(gt, [column], "acc", method="-")
        assert (round(mean, 2), round(std, 2)) == (t1.loc[label, "value"], t1.loc[label, "std"]), label
    # the population std (ddof=0) would not match: the paper's std is the sample std
    _, std0, _ = metrics.paper_acc(gt, ["params"], "acc", method="-", ddof=0)
    assert round(std0, 2) != t1.loc["#Params", "std"]
