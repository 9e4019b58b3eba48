import math

import numpy as np
import pytest
import torch

from aznas_core.benchmarks import zc_suite
from aznas_core.model import score_model
from aznas_core.spaces import get_space
from aznas_core.spaces import tnb101_micro as tnb

ARCH = "64-41414-3_13_203"
NONE = "64-41414-0_00_000"


def test_parse_validate_format():
    assert tnb.parse(ARCH) == ("nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1",
                               "none", "nor_conv_3x3")
    assert tnb.validate(" 3_13_203 ") == ARCH
    assert tnb.format_arch(tnb.parse(ARCH)) == ARCH
    assert get_space("tnb101_micro") is tnb


@pytest.mark.parametrize("bad, message", [
    ("64-41414-3_13_2030", "malformed"),
    ("64-41414-3_13_204", "malformed"),
    ("64-1234-basic", "not a micro-space architecture"),
    ("32-41414-3_13_203", "not a micro-space architecture"),
    ("3_132_03", "malformed"),
    (17, "must be|is a str"),
])
def test_bad_architectures_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        tnb.validate(bad)


def test_bad_task_and_ops():
    with pytest.raises(ValueError, match="unknown TransNAS-Bench-101 task 'cifar10'"):
        tnb.check_dataset("cifar10")
    with pytest.raises(ValueError, match="unknown operation 'avg_pool_3x3'"):
        tnb.format_arch(["avg_pool_3x3"] * 6)
    with pytest.raises(ValueError, match="6 op codes"):
        tnb.from_naslib((0, 1, 2, 3, 4, 0))
    with pytest.raises(ValueError, match="six ints"):
        tnb.from_naslib("(a, b)")


def test_4096_architectures_in_the_benchmark_order():
    archs = tnb.archs()
    assert len(archs) == len(set(archs)) == tnb.N_ARCHS == 4096
    assert set(archs) == set(tnb.all_canonical())
    assert all(tnb.index(a) == i for i, a in enumerate(archs[:300]))
    gt = zc_suite.tnb101_micro_ground_truth()
    for task in zc_suite.TNB101_TASKS:
        t = gt[gt["task"] == task].sort_values("idx")
        assert list(t["idx"]) == list(range(4096))
        assert tuple(t["arch"]) == archs


def test_naslib_round_trip_and_suite_keys():
    for a in tnb.archs():
        assert tnb.from_naslib(tnb.to_naslib(a)) == a
    assert tnb.to_naslib(ARCH) == (3, 1, 3, 2, 0, 3)
    assert tnb.from_naslib("(3, 1, 3, 2, 0, 3)") == ARCH
    suite = zc_suite.load("tnb101_micro", "class_object")
    assert all(tnb.from_naslib(k) == a for k, a in zip(suite["key"], suite["arch"]))


def test_blocks_and_shapes():
    net = tnb.build(ARCH, "class_object", prune=True)
    assert net.primary_blocks == ["stem"] + [f"blocks.{i}" for i in range(10)]
    feats = net.features(torch.randn(2, 3, 64, 64))
    shapes = [tuple(f.shape[1:]) for f in feats]
    assert shapes == [(64, 16, 16)] + [(128, 8, 8)] * 4 + [(256, 4, 4)] * 4 + [(512, 2, 2)] * 2
    assert tuple(net(torch.randn(2, 3, 64, 64)).shape) == (2, 100)
    jig = tnb.build(ARCH, "jigsaw").eval()
    assert tuple(jig(torch.randn(1, 9, 3, 64, 64)).shape) == (1, 1000)
    with pytest.raises(ValueError, match="jigsaw takes"):
        jig(torch.randn(1, 3, 32, 32))
    ae = tnb.build(ARCH, "autoencoder")
    assert tuple(ae(torch.randn(1, 3, 64, 64)).shape) == (1, 3, 64, 64)
    seg = tnb.build(ARCH, "segmentsemantic")
    assert tuple(seg(torch.randn(1, 3, 64, 64)).shape) == (1, 17, 64, 64)


def test_pruning_changes_nothing_but_time():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    for arch in [ARCH, "64-41414-0_02_100", "64-41414-1_00_010", NONE]:
        full, pruned = tnb.build(arch), tnb.build(arch, prune=True)
        pruned.load_state_dict(full.state_dict())
        for a, b in zip(full.features(x), pruned.features(x)):
            assert torch.allclose(a, b, atol=1e-6)


def test_costs_by_hand():
    # all-'none' cells: the stem (conv 3->32 s2, BN, ReLU-conv 32->64 s2-BN) and the linear
    # decoder; counted as the suite does: MACs, 2 per BN element, 1 per ReLU element, linear
    # in*out, plus the suite's constant for linear decoders.
    stem_params = 3 * 32 * 9 + 2 * 32 + 32 * 64 * 9 + 2 * 64
    flops = (27 * 32 * 128**2 + 2 * 32 * 128**2 + 32 * 128**2 + 9 * 32 * 64 * 64**2
             + 2 * 64 * 64**2 + 512 * 100 + tnb.LINEAR_DECODER_OFFSET)
    assert tnb.costs(NONE, "class_object")[:2] == (flops / 1e6, (stem_params + 51300) / 1e6)
    # one 1x1 conv on edge 2->3 of every cell: 4 cells at 128x32x32, 4 at 256x16x16, 2 at 512x8x8
    macs = 128**2 * 32**2 * 4 + 256**2 * 16**2 * 4 + 512**2 * 8**2 * 2
    elems = 128 * 32**2 * 4 + 256 * 16**2 * 4 + 512 * 8**2 * 2
    params = 128**2 * 4 + 256**2 * 4 + 512**2 * 2 + 2 * (128 * 4 + 256 * 4 + 512 * 2)
    one = tnb.costs("64-41414-0_00_002", "class_object")
    base = tnb.costs(NONE, "class_object")
    assert one[0] - base[0] == pytest.approx((macs + 3 * elems) / 1e6, abs=1e-9)
    assert one[1] - base[1] == pytest.approx(params / 1e6, abs=1e-9)
    assert one[2] - base[2] == pytest.approx(macs / 1e6, abs=1e-9)


@pytest.mark.parametrize("arch, task", [(ARCH, "class_scene"), ("64-41414-1_21_013", "normal"),
                                        ("64-41414-3_33_333", "segmentsemantic")])
def test_costs_table_equals_counting_the_whole_network(arch, task):
    with torch.device("meta"):
        net = tnb.build(arch, task)
        direct = tnb._count(net, torch.zeros(1, 3, 256, 256))
    off = tnb.LINEAR_DECODER_OFFSET if tnb.DATASETS[task]["decoder"] == "linear" else 0
    assert tnb.costs(arch, task) == tuple(round(v / 1e6, 6)
                                          for v in (direct[0] + off, direct[1], direct[2]))


def test_costs_reproduce_the_suite_exactly():
    for task in zc_suite.TNB101_TASKS:
        s = zc_suite.load("tnb101_micro", task)
        ours = np.array([tnb.costs(a, task)[:2] for a in s["arch"]])
        assert np.abs(ours[:, 0] - s["flops"]).max() < 1e-6, task
        assert np.abs(ours[:, 1] - s["params"]).max() < 1e-6, task


def test_the_readme_key_convention_does_not_fit_the_suite():
    """Under NASLib's graph convention (edges 0-1, 0-2, 0-3, 1-2, 1-3, 2-3; ops skip, none,
    3x3, 1x1) the suite's keys would name other networks: their #params rarely match."""
    graph_ops = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1")
    graph_edges = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
    s = zc_suite.load("tnb101_micro", "class_object")
    match = 0
    for key, params in zip(s["key"], s["params"]):
        codes = [int(x) for x in key.strip("()").split(",")]
        by_edge = {e: graph_ops[c] for e, c in zip(graph_edges, codes)}
        arch = tnb.format_arch(by_edge[e] for e in tnb.EDGES)
        match += abs(tnb.costs(arch, "class_object")[1] - params) < 1e-6
    assert match < 0.1 * len(s)


def test_primary_blocks_form_a_chain_for_the_scorer():
    torch.manual_seed(0)
    net = tnb.build(ARCH, "class_object", prune=True)
    x = torch.randn(4, 3, 64, 64)
    hooks = score_model(net, x, blocks=net.primary_blocks, generator=torch.Generator().manual_seed(1))
    chain = score_model(net, x, blocks=lambda m, inp: m.features(inp),
                        generator=torch.Generator().manual_seed(1))
    assert hooks["expressivity"] == pytest.approx(chain["expressivity"], rel=1e-6)
    assert hooks["progressivity"] == pytest.approx(chain["progressivity"], rel=1e-5, abs=1e-6)
    assert math.isfinite(hooks["trainability"])
    assert hooks["trainability"] == pytest.approx(chain["trainability"], rel=1e-4)
