"""Where a proxy's batch comes from: Gaussian noise, or the blog's Synthetic CIFAR-10.

No real CIFAR or ImageNet images exist offline. The proxies the authors fed real images
(SNIP, GRASP, TE-NAS's NTK, GradSign, ZiCo, and every data-dependent proxy of the blog's
frameworks) run here on a *labelled substitute*, named by the configuration's `inputs`:

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

import torch
from torch import nn

SOURCES = {"gaussian": False, "synthetic_cifar10": True}  # name -> labelled
LABELLER_SEED = 42
LABELLER_WIDTH = 16
LABELLER_GRID = 8
_REFERENCE_IMAGES = 4096


def check_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown input source {source!r}; expected one of {sorted(SOURCES)}")
    return source


def is_labelled(source: str) -> bool:
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


def make_batch(source: str, batch_size: int, resolution: int, num_classes: int,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One batch (images, labels or None) of `source`; CPU float32, drawn from `generator`."""
    check_source(source)
    x = torch.randn(batch_size, 3, resolution, resolution, generator=generator)
    if not SOURCES[source]:
        return x, None
    return x, labeller(num_classes, resolution)(x).argmax(1)
