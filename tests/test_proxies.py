import itertools
import math

import numpy as np
import pytest
import torch

import aznas_core
from aznas_core.initialization import INIT_SCHEMES, initialize
from aznas_core.proxies import aznas as az

IDENTITY_CELL = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
ZERO_CELL = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def as_feature_map(x, b=64, h=8):
    """(n, c) features -> a (b, c, h, w) map whose positions are the rows of x."""
    n, c = x.shape
    return x.reshape(b, h, n // (b * h), c).permute(0, 3, 1, 2)


def test_expressivity_of_isotropic_features_is_log_c():
    g = torch.Generator().manual_seed(0)
    c = 16
    x = torch.randn(64 * 8 * 8, c, generator=g)
    assert az.block_expressivity(as_feature_map(x)) == pytest.approx(math.log(c), abs=0.01)


def test_expressivity_drops_for_anisotropic_features():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64 * 8 * 8, 16, generator=g)
    iso = az.block_expressivity(as_feature_map(x))
    scales = torch.logspace(0, -2, 16)
    aniso = az.block_expressivity(as_feature_map(x * scales))
    collapsed = az.block_expressivity(as_feature_map(x[:, :1].repeat(1, 16)))
    assert iso > aniso
    # one principal component: entropy 0 in exact arithmetic. In float32 the 15 zero
    # eigenvalues come out as rounding noise of either sign, which LAPACK decides (this Intel
    # machine gives some below -1e-8, hence NaN, -inf downstream as in the authors' code;
    # earlier machines gave ~0). Either way it ranks below the anisotropic space.
    assert math.isnan(collapsed) or collapsed < 0.01


def test_expressivity_is_scale_and_rotation_invariant():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64 * 8 * 8, 8, generator=g) * torch.linspace(0.2, 2, 8)
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=g))
    e = az.block_expressivity(as_feature_map(x))
    assert az.block_expressivity(as_feature_map(3 * x @ q)) == pytest.approx(e, abs=1e-4)


def test_progressivity_is_min_consecutive_difference():
    blocks = [1.0, 1.5, 1.7, 2.5, 2.4, 3.0]
    e, p = az.expressivity_and_progressivity(blocks)
    assert e == pytest.approx(sum(blocks))
    assert p == pytest.approx(-0.1)


def balanced_signs(b=16, c=4, h=4, w=4):
    """A +-1 gradient map whose positions cycle through all 2^c sign patterns, so that
    mean_p g(p) g(p)^T is exactly the identity (the Hutchinson estimate has no noise)."""
    patterns = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=c)))
    n = b * h * w
    rows = patterns.repeat(n // len(patterns), 1)
    return rows.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()


def test_trainability_of_orthogonal_block_is_its_maximum_zero():
    g_out = balanced_signs()
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(0)))
    g_in = torch.einsum("ij,bihw->bjhw", q, g_out)  # block f_out = Q f_in per position
    assert az.block_trainability(g_in, g_out) == pytest.approx(0.0, abs=1e-5)


def test_trainability_penalizes_growth_and_decay_equally():
    g_out = balanced_signs()
    assert az.block_trainability(2 * g_out, g_out) == pytest.approx(-0.5, abs=1e-5)
    assert az.block_trainability(0.5 * g_out, g_out) == pytest.approx(-0.5, abs=1e-5)
    # with Rademacher noise instead of balanced signs the estimate is close, not exact
    g = torch.Generator().manual_seed(0)
    noisy = torch.randint(0, 2, (64, 16, 16, 16), generator=g).float() * 2 - 1
    assert -0.02 < az.block_trainability(noisy * (1 - 1e-7), noisy) <= 0


def test_trainability_of_identity_block_is_minus_inf():
    g_out = balanced_signs()
    assert az.block_trainability(g_out.clone(), g_out) == -math.inf
    s = aznas_core.score(IDENTITY_CELL, batch_size=8, dataset="ImageNet16-120")
    assert s["trainability"] == -math.inf


def test_downsampling_block_gradients_are_pixel_unshuffled():
    # block f_out = pixel_unshuffle(f_in, 2): a permutation, so its Jacobian is orthogonal
    g_out = balanced_signs(c=4)
    g_in = torch.nn.functional.pixel_shuffle(g_out, 2)  # its backward
    assert g_in.shape == (16, 1, 8, 8)
    assert az.block_trainability(g_in, g_out) == pytest.approx(0.0, abs=1e-5)


def test_all_zero_cell_scores_minus_inf_expressivity():
    s = aznas_core.score(ZERO_CELL, batch_size=8, dataset="ImageNet16-120")
    assert s["expressivity"] == -math.inf and s["progressivity"] == -math.inf


def test_score_is_deterministic_and_classifier_independent():
    kw = dict(batch_size=16, seed=3)
    a = aznas_core.score(ARCH, dataset="cifar10", **kw)
    b = aznas_core.score(ARCH, dataset="cifar10", **kw)
    c = aznas_core.score(ARCH, dataset="cifar100", **kw)
    assert a == b
    for p in ("expressivity", "progressivity", "trainability"):
        assert a[p] == c[p]
    assert a["complexity"] < c["complexity"]  # the larger classifier only
    d = aznas_core.score(ARCH, dataset="cifar10", batch_size=16, seed=4)
    assert d["expressivity"] != a["expressivity"]


def test_score_matches_full_unpruned_network():
    """The scorer's pruned, channels-last network gives the faithful network's scores."""
    from aznas_core import nb201
    from aznas_core.seeding import generator as _generator

    arch = "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|none~2|"
    fast = aznas_core.score(arch, batch_size=16, dataset="ImageNet16-120", seed=1)
    model = nb201.build(arch, "ImageNet16-120")
    initialize(model, generator=_generator(1, arch, "weights"))
    x = torch.randn(16, 3, 16, 16, generator=_generator(1, arch, "input"))
    slow = az.aznas_scores(model, x, generator=_generator(1, arch, "gradients"))
    for p in slow:
        assert fast[p] == pytest.approx(slow[p], rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
def test_init_schemes(scheme):
    conv = torch.nn.Conv2d(64, 128, 3)
    bn = torch.nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.weight.fill_(5)
    initialize(torch.nn.Sequential(conv, bn), scheme, generator=torch.Generator().manual_seed(0))
    w = conv.weight.detach()
    fan_in, fan_out = 64 * 9, 128 * 9
    expected_std = {
        "kaiming_fan_in": math.sqrt(2 / fan_in),
        "kaiming_fan_out": math.sqrt(2 / fan_out),
        "xavier_normal": math.sqrt(2 / (fan_in + fan_out)),
        "normal": 0.1,
        "uniform": 0.2 / math.sqrt(12),
        "pytorch_default": 1 / math.sqrt(3 * fan_in),  # U(+-1/sqrt(fan_in))
        "standard_normal": 1.0,
    }[scheme]
    assert float(w.std()) == pytest.approx(expected_std, rel=0.03)
    assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0)
    if scheme == "pytorch_default":  # PyTorch's own bias init, U(+-1/sqrt(fan_in))
        assert 0 < float(conv.bias.detach().abs().max()) <= 1 / math.sqrt(fan_in)
    else:
        assert torch.all(conv.bias == 0)
    if scheme == "uniform":
        assert float(w.abs().max()) <= 0.1


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="unknown proxy"):
        aznas_core.score(ARCH, proxies=["no_such_proxy"])
    with pytest.raises(ValueError, match="unknown init scheme"):
        aznas_core.score(ARCH, init="orthogonal")
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset"):
        aznas_core.score(ARCH, dataset="imagenet")


def test_registry_lists_the_four_aznas_proxies():
    assert set(aznas_core.AZNAS) <= set(aznas_core.PROXIES)
    assert np.isfinite(aznas_core.score(ARCH, proxies=["complexity"])["complexity"])
