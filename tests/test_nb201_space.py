import math

import pandas as pd
import pytest
import torch

from aznas_core import nb201
from aznas_core.data import external_file
from aznas_core.flops import count_costs
from aznas_core.spaces import nb201 as space

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_parse_format_roundtrip():
    ops = nb201.parse(ARCH)
    assert ops == ("nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect",
                   "nor_conv_3x3", "skip_connect")
    assert space.format_arch(ops) == ARCH
    assert space.from_canonical_index(space.canonical_index(ARCH)) == ARCH


@pytest.mark.parametrize("bad, message", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "expected 3 nodes"),
    ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown operation 'conv_5x5'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 needs 2 input edge"),
    ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "should read from node 0"),
    ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "is not 'op~input'"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "enclosed in '|'"),
])
def test_malformed_cell_strings_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        nb201.parse(bad)


def test_enumeration_matches_ground_truth_order():
    gt = pd.read_csv(external_file("nb201/nats_tss_test_accuracy_200ep.csv"))
    assert tuple(gt["ArchitectureString"]) == nb201.archs()
    assert len(set(nb201.archs())) == 15625 == len(space.all_canonical())
    assert set(nb201.archs()) == set(space.all_canonical())
    assert nb201.index(nb201.archs()[4321]) == 4321


def test_naslib_conversion():
    # NASLib tuple order: edges 0-1, 0-2, 0-3, 1-2, 1-3, 2-3; ops skip, none, 3x3, 1x1, pool
    assert nb201.to_naslib(ARCH) == (2, 2, 0, 4, 2, 0)
    assert nb201.from_naslib((2, 2, 0, 4, 2, 0)) == ARCH
    assert nb201.from_naslib("(2, 2, 0, 4, 2, 0)") == ARCH
    for a in nb201.archs()[:200]:
        assert nb201.from_naslib(nb201.to_naslib(a)) == a
    with pytest.raises(ValueError):
        nb201.from_naslib((0, 1, 2))


def test_legacy_flops_params_match_the_benchmark_fixture():
    fx = pd.read_csv(external_file("nb201/flops_params_fixture.csv"))
    assert len(fx) == 90
    for row in fx.itertuples():
        flops, params = nb201.flops_params(row.arch, row.dataset, convention="legacy")
        assert abs(flops - row.flops_m) < 1e-6, row
        assert abs(params - row.params_m) < 1e-6, row
        assert nb201.flops_params(row.arch, row.dataset)[1] == params  # params: one convention


def test_nats_flops_hand_computed():
    """The authors' (NATS API) count of the data README's example cell, by hand: four 3x3 and
    one 1x1 conv edge per cell, every stage at the same C^2*H*W."""
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    stem = 27 * 16 * 32 * 32
    cell = 4 * (9 * 16 * 16 * 32 * 32) + 16 * 16 * 32 * 32
    reduction = 9 * 16 * 32 * 16 * 16 + 9 * 32 * 32 * 16 * 16 + 16 * 32 * 16 * 16
    linear = 64 * 10 + 10  # bias included
    expected = (stem + 15 * cell + 2 * reduction + linear) / 1e6
    assert expected == pytest.approx(153.27297, abs=1e-9)  # the README's (NATS API) value
    assert nb201.flops_params(arch, "cifar10") == pytest.approx((expected, 1.073466), abs=1e-9)
    with pytest.raises(ValueError, match="convention"):
        nb201.flops_params(arch, "cifar10", convention="api")


def test_cost_tables_equal_the_direct_counter(some_archs):
    for dataset in nb201.DATASETS:
        res = nb201.DATASETS[dataset]["resolution"]
        for a in some_archs[:4]:
            direct = count_costs(nb201.build(a, dataset), res)
            assert direct == pytest.approx(space.costs(a, dataset), abs=1e-9)


def test_nats_flops_rank_like_params_and_legacy_flops_do_not():
    """Every stage repeats the cell at the same C^2*H*W, so conv MACs order the cells
    exactly as #Params do (tau-b = 1), while the legacy FLOPs (with pooling) do not."""
    from scipy import stats

    archs = nb201.archs()[::7]
    flops, params = zip(*(nb201.flops_params(a, "cifar100") for a in archs))
    legacy = [nb201.flops_params(a, "cifar100", "legacy")[0] for a in archs]
    assert stats.kendalltau(flops, params).statistic == pytest.approx(1.0)
    assert stats.kendalltau(legacy, params).statistic < 0.99


def test_network_exposes_18_primary_blocks():
    net = nb201.build(ARCH, "cifar100")
    feats = net.features(torch.randn(2, 3, 32, 32))
    assert len(feats) == 18
    assert [f.shape[1] for f in feats] == [16] * 6 + [32] * 6 + [64] * 6
    assert [f.shape[2] for f in feats] == [32] * 6 + [16] * 6 + [8] * 6
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 100)


def test_pruned_network_computes_the_same_features(some_archs):
    from aznas_core.initialization import initialize

    x = torch.randn(4, 3, 16, 16)
    for a in some_archs[:6] + ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"]:
        full = initialize(nb201.build(a), generator=torch.Generator().manual_seed(0))
        fast = initialize(nb201.build(a, prune=True), generator=torch.Generator().manual_seed(0))
        for f1, f2 in zip(full.features(x), fast.features(x)):
            torch.testing.assert_close(f1, f2, rtol=1e-5, atol=1e-6)


def test_fast_pool_equals_avg_pool():
    x = torch.randn(3, 5, 9, 7)
    ref = torch.nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
    torch.testing.assert_close(space.Pool(5, 5, 1)(x), ref)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset"):
        nb201.flops_params(ARCH, "mnist")


def test_ground_truth_frame():
    gt = nb201.ground_truth()
    assert list(gt.columns) == ["index", "arch", "cifar10", "cifar100", "ImageNet16-120"]
    assert len(gt) == 15625
    assert math.isclose(gt["cifar10"].max(), 94.373, abs_tol=1e-3)
    assert math.isclose(gt["ImageNet16-120"].max(), 47.311, abs_tol=1e-3)
