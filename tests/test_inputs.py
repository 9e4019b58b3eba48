"""Inputs: Gaussian batches and the Synthetic CIFAR-10 substitute."""
import pytest
import torch

from aznas_core import inputs
from aznas_core.proxies import Batch, Config


@pytest.mark.parametrize("k, r", [(10, 32), (100, 32), (120, 16)])
def test_synthetic_labels_use_every_class_roughly_evenly(k, r):
    x, y = inputs.make_batch("synthetic_cifar10", 20 * k, r, k, torch.Generator().manual_seed(0))
    assert x.shape == (20 * k, 3, r, r) and y.shape == (20 * k,)
    counts = torch.bincount(y, minlength=k)
    assert len(counts) == k
    assert int((counts > 0).sum()) >= 0.9 * k  # nearly every class present
    assert int(counts.max()) < 4 * 20  # no class dominates


def test_labels_are_the_argmax_of_the_standardised_responses():
    lab = inputs.labeller(10, 32)
    x, y = inputs.make_batch("synthetic_cifar10", 32, 32, 10, torch.Generator().manual_seed(1))
    assert torch.equal(y, ((lab.raw(x) - lab.mean) / lab.std).argmax(1))
    # without standardisation one network wins nearly every image (why we standardise)
    raw = torch.bincount(lab.raw(torch.randn(2000, 3, 32, 32)).argmax(1), minlength=10)
    assert int(raw.max()) > 0.5 * 2000


def test_gaussian_source_has_no_labels_and_batches_are_seeded_per_arch():
    x, y = inputs.make_batch("gaussian", 4, 16, 10, torch.Generator().manual_seed(0))
    assert y is None and x.shape == (4, 3, 16, 16)
    cfg = Config(dataset="ImageNet16-120", batch_size=4)
    a = Batch.for_arch("a", cfg, {"data", "noise"})
    assert torch.equal(a.x, Batch.for_arch("a", cfg, {"data"}).x)
    assert not torch.equal(a.x, Batch.for_arch("b", cfg, {"data"}).x)
    assert not torch.equal(a.x, a.noise)  # independent streams
    assert a.y is not None and int(a.y.max()) < 120
    assert Batch.for_arch("a", cfg, {"noise"}).x is None  # only what is declared


def test_unknown_source_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown input source"):
        inputs.make_batch("cifar10-real", 2, 8, 10, torch.Generator())


def test_the_substitutes_images_are_the_gaussian_batch_so_label_free_proxies_match_exactly():
    """Synthetic CIFAR-10 adds labels to the very Gaussian images `gaussian` draws: a proxy that
    reads no labels (TE-NAS's NTK) gives the same value on either source."""
    from aznas_core.proxies import score

    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
    syn = Config(dataset="cifar10", batch_size=8, resolution=8)
    gau = Config(dataset="cifar10", batch_size=8, resolution=8, inputs="gaussian")
    a, b = Batch.for_arch(arch, syn, {"data"}), Batch.for_arch(arch, gau, {"data"})
    assert torch.equal(a.x, b.x) and a.y is not None and b.y is None
    assert score(arch, ["ntk"], config=syn) == score(arch, ["ntk"], config=gau)
