"""MobileNetV2 space: strings, hand-counted FLOPs/params under both counters, mutation."""
import random

import pytest
import torch

from aznas_core import problems
from aznas_core.spaces import mbv2

SMALL = "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE1K3(8,8,1,8,1)SuperConvK1BNRELU(8,2048,1,1)"


def test_parse_format_round_trip_and_errors():
    assert mbv2.validate(mbv2.INITIAL) == mbv2.INITIAL
    assert mbv2.num_layers(mbv2.INITIAL) == 6
    with pytest.raises(ValueError, match="unknown block type"):
        mbv2.validate(mbv2.INITIAL.replace("E6K3", "E3K3"))
    with pytest.raises(ValueError, match="reads 31 channels"):
        mbv2.validate(mbv2.INITIAL.replace("(32,48,2,32,1)", "(31,48,2,32,1)"))
    with pytest.raises(ValueError, match="last block must be the head"):
        mbv2.validate(mbv2.INITIAL.replace("SuperConvK1BNRELU(128,2048,1,1)", ""))
    with pytest.raises(ValueError, match="cannot parse"):
        mbv2.validate("SuperConvK3BNRELU(3,8,2")


def test_smart_round_is_half_to_even_and_channel_lists():
    assert [mbv2.smart_round(x) for x in (4, 12, 20, 28, 25.6)] == [8, 16, 16, 32, 24]
    assert mbv2.channel_choices(32) == [80, 64, 48, 40, 32, 24, 16]
    assert mbv2.sublayer_choices(1) == [3, 2, 1, 0]


def test_budget_counter_by_hand():
    # stem 3*8*9*8^2//4 + BN 4^2*8; unit 1 (projection): 1x1 1024 + BN 128 + DW 1152 + BN 128
    # + 1x1 1024 + BN 128 + proj 1024 + 128; unit 2: the same without the projection;
    # head 8*2048*16 + 16*2048; classifier 2048*1000.
    expected = (3456 + 128) + 4736 + 3584 + (262144 + 32768) + 2048000
    assert mbv2.budget_flops(SMALL, resolution=8) == expected


def test_budget_counter_undercounts_strided_projections_by_four():
    strided = SMALL.replace("(3,8,2,1)", "(3,8,1,1)").replace("(8,8,1,8,1)", "(8,8,2,8,1)")
    # the first unit's projection at output resolution 4 is counted at (4/2)^2 positions
    per_position = 8 * 8 + 8
    plain = mbv2.budget_flops(strided, resolution=8)
    assert plain > 0
    units = list(mbv2._units(mbv2.parse(strided)))
    assert units[0][-1] and units[0][4] == 2
    # recount with the projection at its true 16 output positions: 3 * 4 * per_position more
    assert mbv2.budget_flops(strided, 8) + 12 * per_position == pytest.approx(
        plain + 12 * per_position)


def test_budget_params_by_hand():
    expected = (3 * 8 * 9 + 8) + 296 + 224 + (8 * 2048 + 2048) + (2048 * 1000 + 1)
    assert mbv2.budget_params(SMALL) == expected


def test_reported_counter_by_hand():
    # ptflops 0.7: conv MACs (+ bias), 2 per BN element, linear in*out + out, ReLU/pool 0
    stem = 3456 + 256
    unit1 = 1024 + 256 + 1152 + 256 + 1024 + 256 + (1024 + 128) + 256
    unit2 = 1024 + 256 + 1152 + 256 + 1024 + 256
    head = 262144 + 65536 + 2048 * 1000 + 1000
    flops, params = mbv2.reported_flops_params(SMALL, resolution=8)
    assert flops == stem + unit1 + unit2 + head
    assert params == sum(p.numel() for p in mbv2.build(SMALL).parameters())


def test_initial_structure_costs():
    assert mbv2.budget_flops(mbv2.INITIAL) == pytest.approx(162.396776e6)
    assert mbv2.reported_flops_params(mbv2.INITIAL)[0] == pytest.approx(168.644296e6)


def test_candidate_list_weights_type_k_by_12_minus_k():
    blocks = mbv2.parse(mbv2.INITIAL)
    cands = mbv2.candidates(blocks, 1)
    per_type = {t: sum(c.startswith(t + "(") for c in cands) for t in mbv2.IDW_TYPES}
    n = per_type[mbv2.IDW_TYPES[-1]]
    assert n == len(mbv2.channel_choices(32)) * 3 * len(mbv2.channel_choices(8))  # s in {1,2,3}
    assert [per_type[t] for t in mbv2.IDW_TYPES] == [(12 - k) * n for k in range(12)]
    assert mbv2.candidates(blocks, len(blocks) - 1) == ["SuperConvK1BNRELU(128,2048,1,1)"]


def test_split_long_blocks():
    arch = SMALL.replace("(8,8,1,8,1)", "(8,16,2,8,7)").replace("(8,2048", "(16,2048")
    assert "SuperResIDWE1K3(8,16,2,8,3)SuperResIDWE1K3(16,16,1,8,4)" in mbv2.split(arch)


@pytest.mark.parametrize("seed", range(3))
def test_mutation_only_produces_valid_architectures(seed):
    rng = random.Random(seed)
    arch = mbv2.INITIAL
    for _ in range(60):
        arch = mbv2.mutate(arch, rng, 2)
        assert mbv2.validate(arch) == arch
        blocks = mbv2.parse(arch)
        assert str(blocks[-1]).endswith(",2048,1,1)") and blocks[0].stride == 2
        assert sum(b.stride == 2 for b in blocks) == 5  # 224 -> 7, as the initial structure
        assert all(b.sub_layers < mbv2.SPLIT_THRESHOLD for b in blocks)
        widths = [w for b in blocks for w in (b.out_channels, b.bottleneck) if w]
        assert all(w % 8 == 0 and w >= 8 for w in widths)
    s = mbv2.sample(random.Random(seed))
    assert mbv2.validate(s) == s


def test_network_exposes_primary_blocks_and_scores_reproducibly():
    arch = "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE2K5(8,16,2,8,2)SuperConvK1BNRELU(16,2048,1,1)"
    net = mbv2.build(arch)
    assert len(net.primary_blocks) == 2 + 2 * 2
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 1000)
    a = problems.mbv2_score(arch, resolution=32, batch_size=4, seed=1)
    assert a == problems.mbv2_score(arch, resolution=32, batch_size=4, seed=1)
    assert set(a) == {"expressivity", "progressivity", "trainability", "complexity"}
    assert all(v > -float("inf") for v in a.values())
    assert a["complexity"] == mbv2.budget_flops(arch)
