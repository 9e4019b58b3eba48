"""Inputs: Gaussian batches, the Synthetic CIFAR-10 substitute and the natural images."""
import subprocess
import sys

import pytest
import torch

from aznas_core import inputs
from aznas_core.config import Config
from aznas_core.proxies import Batch


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
    from aznas_core.scoring import score

    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
    syn = Config(dataset="cifar10", batch_size=8, resolution=8)
    gau = Config(dataset="cifar10", batch_size=8, resolution=8, inputs="gaussian")
    a, b = Batch.for_arch(arch, syn, {"data"}), Batch.for_arch(arch, gau, {"data"})
    assert torch.equal(a.x, b.x) and a.y is not None and b.y is None
    assert score(arch, ["ntk"], config=syn) == score(arch, ["ntk"], config=gau)


ARCH = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"


def _natural(part, b=64, r=32, seed=5, dataset="cifar10"):
    return inputs.make_batch("natural", b, r, 10, torch.Generator().manual_seed(seed),
                             dataset=dataset, part=part)


def test_natural_batches_never_repeat_an_image_and_the_two_batches_are_disjoint():
    images, labels = inputs.natural_images()
    assert images.shape == (1834, 3, 32, 32) and images.dtype == torch.uint8
    assert sorted(labels.unique().tolist()) == list(range(10))
    # the permutation the batch takes its images from: the first 2B entries, B each
    perm = torch.randperm(1834, generator=torch.Generator().manual_seed(5))
    assert len(set(perm[:128].tolist())) == 128
    (x0, y0), (x1, y1) = _natural(0), _natural(1)
    assert torch.equal(y0, labels[perm[:64]]) and torch.equal(y1, labels[perm[64:128]])
    # every image of the batch is its own source image, flipped or not, shifted by the crop:
    # undo the normalisation and find its centre among the source's 16x16 windows
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in inputs.NORMALIZE["cifar10"])
    raw = (x0 * std + mean).round()
    for i, j in enumerate(perm[:64].tolist()):
        centre = raw[i, :, 8:24, 8:24]  # inside any 4-pixel shift
        found = [(img.unfold(1, 16, 1).unfold(2, 16, 1) == centre[:, None, None])
                 .all(-1).all(-1).all(0).any() for img in (images[j].float(), images[j].float().flip(-1))]
        assert any(found), i


def test_natural_batches_are_identical_across_runs_and_processes():
    x, y = _natural(1, b=16)
    again = _natural(1, b=16)
    assert torch.equal(x, again[0]) and torch.equal(y, again[1])
    code = ("import torch; from aznas_core import inputs; "
            "x, y = inputs.make_batch('natural', 16, 32, 10, torch.Generator().manual_seed(5), "
            "dataset='cifar10', part=1); print(repr(x.double().sum().item()), y.tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 1) == [repr(x.double().sum().item()), f"{y.tolist()}\n"]


def test_natural_batch_at_16x16_is_the_2x2_box_filter_then_the_imagenet16_normalisation():
    images, _ = inputs.natural_images()
    small = inputs.resize(images[:3].float(), 16)
    assert small.shape == (3, 3, 16, 16)
    assert small[1, 2, 5, 7] == images[1, 2, 10:12, 14:16].float().mean()
    x, _ = _natural(0, b=8, r=16, dataset="ImageNet16-120")
    assert x.shape == (8, 3, 16, 16)
    with pytest.raises(ValueError, match="must divide 32"):
        inputs.resize(images[:1].float(), 12)


def test_natural_images_depend_on_the_dataset_so_every_cache_key_reading_them_names_it():
    """The natural images are normalised with the dataset's mean/std, so the same draw differs
    between CIFAR-10 and CIFAR-100; the substitute's images do not. A family that reads data
    but not the classifier (nwot) must then key its natural-image cache by dataset (a shared
    key once gave CIFAR-100 the CIFAR-10 batch's scores), and its substitute cache need not."""
    from aznas_core.proxies import FAMILIES

    (a, ya), (b, yb) = _natural(0, b=8), _natural(0, b=8, dataset="cifar100")
    assert torch.equal(ya, yb) and not torch.allclose(a, b)
    gen = lambda: torch.Generator().manual_seed(5)  # noqa: E731
    s10 = inputs.make_batch("synthetic_cifar10", 8, 32, 10, gen(), dataset="cifar10")[0]
    s100 = inputs.make_batch("synthetic_cifar10", 8, 32, 100, gen(), dataset="cifar100")[0]
    assert torch.equal(s10, s100)
    nwot = FAMILIES["nwot"]
    assert not nwot.reads_classifier and "data" in nwot.needs(Config(variant="zc"))
    keys = {(d, i): nwot.key(Config(dataset=d, inputs=i, variant="zc"))
            for d in ("cifar10", "cifar100") for i in ("natural", "synthetic_cifar10")}
    assert keys["cifar10", "natural"] != keys["cifar100", "natural"]
    assert keys["cifar10", "synthetic_cifar10"] == keys["cifar100", "synthetic_cifar10"]


def test_natural_batch_through_the_configuration_uses_one_permutation_for_both_batches():
    cfg = Config(dataset="cifar100", batch_size=8, inputs="natural")
    b = Batch.for_arch(ARCH, cfg, {"data", "data2", "labels"})
    assert b.x.shape == b.x2.shape == (8, 3, 32, 32)
    assert int(b.y.max()) < 10 and int(b.y2.max()) < 10  # labels 0..9 for a 100-way head
    assert not torch.equal(b.x, b.x2)
    too_big = Config(dataset="cifar10", batch_size=1000, inputs="natural")
    with pytest.raises(ValueError, match="2 disjoint batches of 1000 need 2000 images"):
        Batch.for_arch(ARCH, too_big, {"data", "data2"})


def test_natural_source_scores_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "aznas_core.cli", "score", ARCH, "--inputs",
                          "natural", "--batch-size", "8", "--resolution", "16",
                          "--proxies", "gradsign,zico,ntk"],
                         capture_output=True, text=True, check=True)
    import json
    values = json.loads(out.stdout)
    assert all(isinstance(values[p], float) for p in ("gradsign", "zico", "ntk"))


def test_missing_natural_images_is_the_one_line_data_error(tmp_path, monkeypatch):
    from aznas_core import data

    monkeypatch.setattr(data, "data_dirs", lambda: [tmp_path])
    inputs.natural_images.cache_clear()
    try:
        with pytest.raises(data.DataError, match="missing data file 'natural_images/.*sha256 222c49"):
            inputs.natural_images()
    finally:
        inputs.natural_images.cache_clear()
