"""AutoFormer spaces: the budget counter matches the paper's #Params and FLOPs of the
authors' published ViTs; sampling respects the space; the ViT scorer's contract."""
import math
import random

import pytest
import torch

from aznas_core.reported import reported
from aznas_core import problems
from aznas_core.spaces import autoformer as af

# Table 3 rows of the AZ-NAS ViTs: (subset, budget) -> row number in data/reported/P-T3.csv
ROWS = {("Tiny", "plain"): 2, ("Tiny", "tftas"): 4, ("Small", "plain"): 6,
        ("Small", "tftas"): 8, ("Base", "plain"): 10, ("Base", "tftas"): 12}


@pytest.mark.parametrize("key", list(ROWS))
def test_published_vits_have_the_papers_params_and_flops(key):
    table = reported("P-T3")
    row = table[table["row"] == ROWS[key]].set_index("metric")["value"]
    arch = af.published(*key)
    digits = 2 if row["params_m"] < 10 else 1  # the paper prints 5.92 / 23.0 / 53.7
    assert round(af.params(arch) / 1e6, digits) == pytest.approx(row["params_m"])
    assert af.complexity(arch) / 1e6 == pytest.approx(row["flops_m"], rel=0.006)
    lo, hi = (af.WINDOWS if key[1] == "plain" else af.TFTAS_WINDOWS)[key[0]]
    assert lo <= af.params(arch) / 1e6 <= hi


def test_params_by_hand_for_a_two_layer_vit():
    arch = af.format_arch(192, [4.0, 3.5], [3, 4])
    layer = lambda h, r: (4 * 192 + 192 * 192 * h + 192 * h + 64 * h * 192 + 192  # noqa: E731
                          + 4 * 30 * 64 + 2 * 192 * int(192 * r) + int(192 * r) + 192)
    expected = (192 * 768 + 192) + layer(3, 4.0) + layer(4, 3.5) + 2 * 192 + 193000 + 192 * 198
    assert af.params(arch) == expected


@pytest.mark.parametrize("subset", list(af.SUBSETS))
def test_samples_stay_in_the_space(subset):
    rng = random.Random(0)
    for _ in range(100):
        a = af.sample(rng, subset)
        assert af.validate(a, subset) == a
    with pytest.raises(ValueError, match="outside the"):
        af.validate(af.published("Base"), "Tiny")


def test_vit_scoring_contract():
    g = torch.Generator().manual_seed(0)
    sn = af.Supernet("Tiny", resolution=32, generator=g)
    a = af.published("Tiny")
    vit = sn.subnet(a)
    assert vit.primary_blocks == [f"blocks.{i}" for i in range(24)]  # two per layer
    assert vit(torch.randn(2, 3, 32, 32)).shape == (2, 1000)
    s1 = problems.autoformer_score(vit, batch_size=2, seed=0)
    assert set(s1) == {"expressivity", "trainability", "complexity"}  # no progressivity
    assert all(math.isfinite(v) for v in s1.values())
    assert s1 == problems.autoformer_score(sn.subnet(a), batch_size=2, seed=0)
    other = sn.subnet(af.format_arch(216, [4.0] * 13, [4] * 13))
    assert other.blocks[0].layer.qkv.weight.data_ptr() == vit.blocks[0].layer.qkv.weight.data_ptr()
