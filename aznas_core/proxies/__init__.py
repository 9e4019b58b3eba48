"""The one registry of zero-cost proxies.

Interface
---------
A *family* is the set of proxies that come out of one computation (AZ-NAS's E, P and T
share one forward and backward; one labelled forward and backward gives grad_norm, snip,
plain, fisher and jacob_cov). Each family lives in its own module of this package and
registers itself where it is defined; the package imports every module in it, so adding a
family means adding a file::

    @register_family(
        "naswot",
        proxies={"naswot": "log|det K| of the ReLU-code kernel (Gaussian input)"},
        inputs={"naswot": "noise"},              # per proxy: what the batch must carry
        init={"aznas": "kaiming_fan_in"},        # per variant: the authors' init
    )
    def naswot_family(model, batch, cfg, proxies) -> dict[str, float]: ...

The function is MODEL-LEVEL: it receives an initialised `nn.Module` (train mode, on
`cfg.device`), a `Batch` and the `Config`, and returns {proxy: value} (it may return more
proxies than asked). It never builds networks or draws weights, so the same code scores a
user's own model (`aznas_core.model`). Declarations:

* ``inputs``: per proxy (optionally per variant, ``{"aznas": ..., "zc": ...}``) a set of
  ``noise`` (a Gaussian batch, the AZ-NAS harness's randn), ``noise2`` (a second one),
  ``data`` (a batch of ``cfg.inputs``: images the authors took from the training set),
  ``data2`` (a second such batch), ``labels`` (``data`` must be labelled: a clear error
  for an unlabelled source), or nothing (``ones`` inputs, weights only).
* ``init``: per variant, the initialisation the authors' code applies before scoring
  (`aznas_core.initialization`); ``cfg.init``, when given, overrides it.
* ``reads_classifier``: whether values depend on the classifier size (the dataset), not
  only on the input resolution. ``batch_free``: whether the batch size is irrelevant.
* ``prune``: whether the space may skip dead edges, only where values provably do not
  change (AZ-NAS; synflow, GRASP, GradSign, ZiCo: dead edges' conv weights get exactly zero
  gradients; l2_norm: skipped edges keep their weights). Families reading ReLU codes or BN
  statistics of every op (NASWOT, Zen, TE-NAS), or BN parameters' gradients (the harness's
  grad_norm), see every op, as the authors' network.

The registry itself (`Family`, `FAMILIES`, `PROXIES`, `Batch`, `register_family`) lives in
`aznas_core.proxies.registry`; this package imports every family module so that importing it
registers them all. `aznas_core.scoring.score(arch, proxies, config)` builds the space's
network, initialises it as the family says with weights seeded per (config, architecture),
makes the batch (seeded likewise), runs each needed family once, single-threaded
(bit-reproducible), and returns the requested values. `aznas_core.config.Config` is the ONE
configuration type: `score`, the cache's identity (`Family.identity`: only the fields a
family's values depend on) and the cache readers all use it.

Variants: ``aznas`` = as the AZ-NAS authors' harness computes each proxy
(PROTOCOLS.md A); ``zc`` = as zero-cost-nas / NASLib (the blog's frameworks) compute it
(PROTOCOLS.md B): PyTorch default init, data inputs, their reductions.
"""
from __future__ import annotations

import importlib
import pkgutil

from aznas_core.config import VARIANTS, Config  # noqa: F401
from aznas_core.deprecation import moved
from aznas_core.proxies.registry import (AZNAS, FAMILIES, NEEDS, PROXIES,  # noqa: F401
                                         SET_PROXIES, Batch, Family, Proxy, check_proxies,
                                         families_of, register_family, register_set_proxy)

#: Names that moved when the package was layered (issue 22): old name -> new home. They keep
#: working, with a DeprecationWarning (`aznas_core.score` stays the public entry point).
MOVED = {
    "score": "aznas_core.scoring:score",
    "score_family": "aznas_core.scoring:score_family",
    "build_for": "aznas_core.scoring:build_for",
    "single_threaded": "aznas_core.seeding:single_threaded",
    "arch_seed": "aznas_core.seeding:arch_seed",
    "_generator": "aznas_core.seeding:generator",
    "forward_with_relu_hooks": "aznas_core.proxies.jacobians:forward_with_relu_hooks",
}
__getattr__ = moved(__name__, MOVED)


def _import_families() -> None:
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not m.name.startswith("_") and m.name != "registry":
            importlib.import_module(f"{__name__}.{m.name}")


_import_families()
