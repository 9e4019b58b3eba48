"""Where a proxy's batch comes from: real natural images, the blog's Synthetic CIFAR-10, or
Gaussian noise.

No CIFAR-10 or ImageNet images exist offline. The proxies the authors fed real training images
(SNIP, GRASP, TE-NAS's NTK, GradSign, ZiCo, and every data-dependent proxy of the blog's
frameworks) read a source named by the configuration's `inputs`:

``natural``
    1,834 real 32x32 photographs: CIFAR-100's first ten classes (``../shared/data/
    natural_images/``, checksummed through `aznas_core.data`). The input closest to the
    authors' protocol, still a deviation: ten classes that are not CIFAR-10's, and few images.
    Transformed as the authors' training loader does (NB201 `get_datasets`, PROTOCOLS.md 0):
    random horizontal flip, random crop with zero padding (4 px at 32x32, 2 px at 16x16),
    then Normalize with the *dataset's* mean/std (`NORMALIZE`). At ImageNet16-120's native
    16x16 the images are first box-filtered 2x2 (how ImageNet16 was downsampled); any other
    resolution is a box filter (divisors of 32) or bilinear upsampling. A batch never
    repeats an image (a repeated image makes TE-NAS's NTK singular); the second batch of the
    two-batch proxies (ZiCo) is the next `batch_size` images of the same permutation, so the
    two are disjoint. Labels are the ten class ids 0..9 whatever the classifier's size: a
    100- or 120-way classifier sees only its first ten classes, so cross-entropy gradients
    flow into ten of its output rows, as a 10-class batch of CIFAR-100 would give.

``gaussian``
    i.i.d. N(0, 1) images, no labels. What the AZ-NAS harness feeds its Gaussian-input
    proxies (AZ-NAS, GradNorm, NASWOT, Synflow's shape, Zen, TE-NAS's linear regions).
``synthetic_cifar10``
    The blog's Synthetic CIFAR-10 recipe (Dey et al. 2021): Gaussian images labelled by the
    argmax response of K randomly initialised networks, K = the dataset's class count
    (10, 100 or 120), at the dataset's resolution. Our labelling networks (the blog does not
    specify them): K independent two-layer networks on the image average-pooled to 8x8,
    each Linear(192->16) -> ReLU -> Linear(16->1), PyTorch's default init from a fixed seed
    (`LABELLER_SEED`, the same dataset for every configuration). Each network's response is
    standardised with its mean and standard deviation over 4,096 fixed reference images
    before the argmax: without it one network answers highest for almost every image and
    the "dataset" collapses to one class (`tests/test_inputs.py` checks the balance).

Batches are seeded per (configuration, architecture, stream) by the caller, like every
other random number in a score, so any subset of a sweep reproduces exactly.
"""
from __future__ import annotations

import functools
from typing import Literal, get_args

import numpy as np
import torch
from torch import nn

#: An input source with labels (the labelled proxies need one).
LabelledSource = Literal["synthetic_cifar10", "natural"]
#: The source of a proxy's batches (`Config.inputs`); `SOURCES` and `check_source` are derived
#: from it.
InputSource = Literal["gaussian", LabelledSource]
#: name -> labelled, in `InputSource`'s order
SOURCES: dict[InputSource, bool] = {s: s in get_args(LabelledSource)
                                    for s in get_args(InputSource)}
NATURAL_FILE = "natural_images/cifar100_first10_1834.npz"
#: The sources whose images depend on the dataset (normalised with its mean/std, `NORMALIZE`);
#: the others' images are the same for every dataset (labels aside), so a cache key names the
#: dataset for these only (`proxies.registry.Family.identity`).
DATASET_NORMALISED_SOURCES = frozenset({"natural"})
#: Normalize of the authors' loaders (NB201 xautodl get_datasets), 0-255 scale, per dataset;
#: other datasets (TransNAS-Bench tasks) use CIFAR-10's.
NORMALIZE = {
    "cifar10": ((125.3, 123.0, 113.9), (63.0, 62.1, 66.7)),
    "cifar100": ((129.3, 124.1, 112.4), (68.2, 65.4, 70.4)),
    "ImageNet16-120": ((122.68, 116.66, 104.01), (63.22, 61.26, 65.09)),
}
LABELLER_SEED = 42
LABELLER_WIDTH = 16
LABELLER_GRID = 8
_REFERENCE_IMAGES = 4096


def check_source(source: str) -> InputSource:
    """`source` if it is an `InputSource`; a one-line ValueError listing them otherwise."""
    if source not in SOURCES:
        raise ValueError(f"unknown input source {source!r}; expected one of {sorted(SOURCES)}")
    return source


def is_labelled(source: str) -> bool:
    """Whether `source`'s batches carry labels (a `LabelledSource`)."""
    return SOURCES[check_source(source)]


class Labeller(nn.Module):
    """K random two-layer networks evaluated at once; forward -> (B, K) responses,
    standardised per network with reference statistics."""

    def __init__(self, num_classes: int, resolution: int):
        super().__init__()
        k, w = num_classes, LABELLER_WIDTH
        g = torch.Generator().manual_seed(LABELLER_SEED)
        d = 3 * LABELLER_GRID**2
        nets = [nn.Sequential(nn.Linear(d, w), nn.ReLU(), nn.Linear(w, 1)) for _ in range(k)]
        from aznas_core.initialization import initialize

        for net in nets:
            initialize(net, "pytorch_default", generator=g)
        self.k = k
        self.register_buffer("w1", torch.cat([n[0].weight for n in nets]).detach().T)  # (d, K*w)
        self.register_buffer("b1", torch.cat([n[0].bias for n in nets]).detach())
        self.register_buffer("w2", torch.stack([n[2].weight[0] for n in nets]).detach())  # (K, w)
        self.register_buffer("b2", torch.cat([n[2].bias for n in nets]).detach())
        ref = torch.randn(_REFERENCE_IMAGES, 3, resolution, resolution, generator=g)
        r = self.raw(ref)
        self.register_buffer("mean", r.mean(0))
        self.register_buffer("std", r.std(0))

    @torch.no_grad()
    def raw(self, x: torch.Tensor) -> torch.Tensor:
        z = nn.functional.adaptive_avg_pool2d(x, LABELLER_GRID).flatten(1)
        h = torch.relu(z @ self.w1 + self.b1).view(len(x), self.k, -1)
        return (h * self.w2).sum(-1) + self.b2

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.raw(x) - self.mean) / self.std


@functools.lru_cache(maxsize=8)
def labeller(num_classes: int, resolution: int) -> Labeller:
    """Built single-threaded, so its reference statistics (and hence every label) are the
    same bits in every process."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return Labeller(int(num_classes), int(resolution)).eval()
    finally:
        torch.set_num_threads(threads)


@functools.lru_cache(maxsize=1)
def natural_images() -> tuple[torch.Tensor, torch.Tensor]:
    """The real images as (uint8 (N, 3, 32, 32), int64 labels 0..9), checksum-verified;
    `aznas_core.data.DataError` (one line, with the remedy) when missing or corrupted."""
    from aznas_core.data import external_file

    with np.load(external_file(NATURAL_FILE), allow_pickle=False) as f:
        x = torch.from_numpy(np.ascontiguousarray(f["x"].transpose(0, 3, 1, 2)))
        y = torch.from_numpy(f["y"].astype(np.int64))
    return x, y


def resize(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """Float images (N, 3, 32, 32) at `resolution`: a box filter when it divides 32 (how
    ImageNet16 was made from ImageNet), bilinear upsampling above 32."""
    size = x.shape[-1]
    if resolution == size:
        return x
    if resolution < size:
        if size % resolution:
            raise ValueError(f"natural images are {size}x{size}: resolution {resolution} must "
                             f"divide {size} (box filter) or exceed it")
        return nn.functional.avg_pool2d(x, size // resolution)
    return nn.functional.interpolate(x, size=resolution, mode="bilinear", align_corners=False)


def augment_normalize(x: torch.Tensor, resolution: int, dataset: str | None,
                      generator: torch.Generator) -> torch.Tensor:
    """The authors' training transform on uint8 images (N, 3, 32, 32): resize to
    `resolution`, random horizontal flip, random crop with zero padding (resolution/8 px),
    Normalize with the dataset's mean/std. Randomness from `generator`, a fixed number of
    draws per image."""
    n = len(x)
    img = resize(x.float(), resolution)
    pad = max(1, resolution // 8)
    flip = torch.rand(n, generator=generator) < 0.5
    offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
    img = torch.where(flip.view(-1, 1, 1, 1), img.flip(-1), img)
    padded = nn.functional.pad(img, (pad, pad, pad, pad))
    img = torch.stack([padded[i, :, int(a):int(a) + resolution, int(b):int(b) + resolution]
                       for i, (a, b) in enumerate(offsets)])
    mean, std = NORMALIZE.get(dataset or "cifar10", NORMALIZE["cifar10"])
    return (img - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def stream(source: str, part: int) -> str:
    """The seed stream of batch `part` (0, 1): the natural source draws both batches from one
    permutation (so they are disjoint); the Gaussian sources draw each from its own stream."""
    return "data" if part == 0 or source == "natural" else f"data{part + 1}"


def make_batch(source: str, batch_size: int, resolution: int, num_classes: int,
               generator: torch.Generator, *, dataset: str | None = None,
               part: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One batch (images, labels or None) of `source`; CPU float32, drawn from `generator`.

    natural: batch `part` (0 or 1) of one permutation drawn from `generator` (pass the same
    generator state for both parts: see `stream`), transformed for `dataset`'s loader."""
    check_source(source)
    if source == "natural":
        return _natural_batch(batch_size, resolution, generator, dataset, part)
    x = torch.randn(batch_size, 3, resolution, resolution, generator=generator)
    if not SOURCES[source]:
        return x, None
    return x, labeller(num_classes, resolution)(x).argmax(1)


def _natural_batch(batch_size, resolution, generator, dataset, part):
    images, labels = natural_images()
    n = len(images)
    if (part + 1) * batch_size > n:
        raise ValueError(f"natural images: {part + 1} disjoint batches of {batch_size} need "
                         f"{(part + 1) * batch_size} images, only {n} exist; use a batch size "
                         f"of at most {n // (part + 1)}")
    perm = torch.randperm(n, generator=generator)
    # augmentation for both parts is drawn either way, so part 0 is the same whether or not
    # part 1 is asked for
    both = perm[:2 * batch_size] if 2 * batch_size <= n else perm[:batch_size * (part + 1)]
    x = augment_normalize(images[both], resolution, dataset, generator)
    sl = slice(part * batch_size, (part + 1) * batch_size)
    return x[sl].contiguous(), labels[both][sl].clone()
