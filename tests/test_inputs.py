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
