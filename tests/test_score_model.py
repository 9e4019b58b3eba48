"""score_model: the hook path reproduces the NB201 scorer exactly, names errors clearly, and
applies the CNN and ViT rules."""
import math

import pytest
import torch
from torch import nn

from aznas_core import nb201, score, score_model
from aznas_core.initialization import initialize
from aznas_core.model import BlockPairingError
from aznas_core.config import Config
from aznas_core.seeding import generator as _generator

ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
EPT = ("expressivity", "progressivity", "trainability")


def nb201_model_and_input(arch, cfg):
    model = nb201.build(arch, cfg.dataset, prune=True)
    initialize(model, "kaiming_fan_in", generator=_generator(cfg.seed, arch, "weights"))
    r = cfg.input_resolution
    x = torch.randn(cfg.batch_size, 3, r, r, generator=_generator(cfg.seed, arch, "input"))
    # the scorer's memory layout (same arithmetic, different rounding order)
    return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)


def test_score_model_on_nb201_equals_score_on_its_cell_string():
    cfg = Config(batch_size=8, resolution=16, seed=3)
    model, x = nb201_model_and_input(ARCH, cfg)
    blocks = ["stem"] + [f"blocks.{i}" for i in range(len(model.blocks))]
    torch.set_num_threads(1)
    got = score_model(model, x, blocks=blocks, proxies=EPT,
                      generator=_generator(cfg.seed, ARCH, "gradients"))
    want = score(ARCH, proxies=EPT, config=cfg)
    assert got == want  # bit-identical, not approximately


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()),
        nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()),
        nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU()),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def test_missing_block_names_are_named_with_suggestions():
    with pytest.raises(ValueError, match=r"'3\.0'.*close"):
        score_model(small_cnn(), torch.randn(4, 3, 8, 8), blocks=["0", "1", "3.0"])


def test_blocks_that_do_not_chain_cannot_be_paired():
    x = torch.randn(4, 3, 8, 8)
    with pytest.raises(BlockPairingError, match="does not read the output"):
        score_model(small_cnn(), x, blocks=["0", "2"])  # block 1 sits between them
    with pytest.raises(BlockPairingError, match="out of order"):
        score_model(small_cnn(), x, blocks=["1", "0"])


def test_callable_blocks_compute_the_same_quantity_as_named_blocks():
    x = torch.randn(8, 3, 8, 8)
    g = lambda: torch.Generator().manual_seed(5)  # noqa: E731
    named = score_model(small_cnn(), x, blocks=["0", "1", "2"], generator=g())

    def feats(model, inp):
        a = model[0](inp)
        b = model[1](a)
        return [a, b, model[2](b)]

    called = score_model(small_cnn(), x, blocks=feats, generator=g())
    for k in EPT:
        assert called[k] == pytest.approx(named[k], rel=1e-5)


def test_identity_block_is_minus_inf_for_cnns_and_skipped_for_tokens():
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Identity())
    t = score_model(cnn, torch.randn(4, 3, 6, 6), blocks=["0", "1"])["trainability"]
    assert t == -math.inf
    torch.manual_seed(0)
    vit = nn.Sequential(nn.Linear(6, 6), nn.Linear(6, 6), nn.Identity())
    x = torch.randn(4, 5, 6)  # (batch, tokens, channels)
    g = lambda: torch.Generator().manual_seed(1)  # noqa: E731
    both = score_model(vit, x, blocks=["0", "1", "2"], proxies=["trainability"], generator=g())
    first = score_model(vit, x, blocks=["0", "1"], proxies=["trainability"], generator=g())
    assert both == first  # the identity pair does not enter the mean


def test_token_expressivity_treats_every_token_as_a_sample():
    x = torch.randn(4, 50, 8)
    got = score_model(nn.Sequential(nn.Identity()), x, blocks=["0"], proxies=["expressivity"])
    flat = x.reshape(200, 8)
    flat = flat - flat.mean(0)
    p = torch.linalg.eigvalsh(flat.T @ flat / 200)
    p = p / p.sum()
    assert got["expressivity"] == pytest.approx(float(-(p * torch.log(p + 1e-8)).sum()), rel=1e-5)


def test_gram_route_equals_covariance_route_when_samples_are_few():
    from aznas_core.proxies.aznas import block_expressivity

    torch.manual_seed(0)
    f = torch.randn(2, 64, 2, 2)  # 8 samples of 64 channels: the n x n route
    x = f.permute(0, 2, 3, 1).reshape(8, 64).double()
    x = x - x.mean(0)
    eig = torch.linalg.eigvalsh(x.T @ x / 8).clamp(min=0)
    p = eig / eig.sum()
    assert block_expressivity(f) == pytest.approx(float(-(p * torch.log(p + 1e-8)).sum()), abs=1e-4)


def test_modes_and_requires_grad_are_restored():
    model = small_cnn().eval()
    model[5].weight.requires_grad_(False)
    score_model(model, torch.randn(4, 3, 8, 8), blocks=["0", "1", "2"], mode="train")
    assert not any(m.training for m in model.modules())
    assert [p.requires_grad for p in model.parameters()] == [
        p is not model[5].weight for p in model.parameters()]


def test_registry_proxies_leave_the_models_mode_as_it_was():
    model = small_cnn().eval()  # the families score in training mode, as their sources do
    x = torch.randn(4, 3, 8, 8)
    score_model(model, x, proxies=["naswot", "snip"], labels=torch.tensor([0, 1, 2, 3]))
    assert not any(m.training for m in model.modules())


def test_unknown_proxies_and_missing_inputs_are_rejected():
    x = torch.randn(2, 3, 8, 8)
    with pytest.raises(ValueError, match="unknown proxy"):
        score_model(small_cnn(), x, blocks=["0"], proxies=["no_such_proxy"])
    with pytest.raises(ValueError, match="need labels"):
        score_model(small_cnn(), x, proxies=["snip"])
    with pytest.raises(ValueError, match="architecture string"):
        score_model(small_cnn(), x, proxies=["flops_legacy"])


@pytest.mark.parametrize("proxy", ["naswot", "synflow"])
def test_registry_proxies_on_a_model_equal_score_on_its_cell_string(proxy):
    from aznas_core.proxies import Batch, FAMILIES, PROXIES
    from aznas_core.scoring import build_for
    from aznas_core.seeding import single_threaded

    cfg = Config(batch_size=8, resolution=16, seed=2)
    fam = FAMILIES[PROXIES[proxy].family]
    with single_threaded():
        model = build_for(fam.name, ARCH, cfg).to(memory_format=torch.channels_last)
        batch = Batch.for_arch(ARCH, cfg, fam.needs(cfg, [proxy])).channels_last()
        got = score_model(model, batch.noise if batch.noise is not None else torch.zeros(8, 3, 16, 16),
                          proxies=[proxy], config=cfg, seed=cfg.seed)
    assert got == score(ARCH, proxies=[proxy], config=cfg)
