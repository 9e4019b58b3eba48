"""Score one architecture of a search space: build its network, initialise it as each family
says (weights seeded per configuration and architecture), make the batches, run each needed
family once, single-threaded. The search spaces' cells go through here; a user's own model
goes through `aznas_core.model.score_model`."""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from aznas_core.config import Config
from aznas_core.initialization import initialize
from aznas_core.proxies import AZNAS, FAMILIES, Batch, check_proxies, families_of
from aznas_core.proxies.registry import ProxyName
from aznas_core.seeding import generator, single_threaded
from aznas_core.spaces import get_space


def build_for(family: str, arch: str, cfg: Config) -> nn.Module:
    """The family's network for `arch`, initialised as it says (seeded per arch), on CPU."""
    fam = FAMILIES[family]
    model = get_space(cfg.space).build(arch, cfg.dataset, prune=fam.prune)
    initialize(model, fam.init_scheme(cfg), generator=generator(cfg.seed, arch, "weights"))
    return model.train()


def network_and_batch(family: str, arch: str, cfg: Config,
                      proxies: Sequence[ProxyName] | None = None):
    """The network and batch one family's pass reads, on `cfg.device` in the memory format
    the scores are computed in (call it inside `single_threaded`). One place, so every
    measurement that re-derives a cached score (e.g. `validation.epe_labels`) reads the
    same tensors."""
    fam = FAMILIES[family]
    model = build_for(family, arch, cfg).to(cfg.device)
    batch = Batch.for_arch(arch, cfg, fam.needs(cfg, proxies)).to(cfg.device)
    # channels-last: 2-3x faster for these small convolutions on CPU (a different, fixed
    # summation order; scores stay bit-reproducible). Not on a GPU: there TE-NAS's vmapped
    # NTK backward refuses it (torch 2.11 + CUDA, "NYI: querying is_contiguous inside of
    # vmap", seen in `run_gpu.sh`'s throughput run, 2026-12-04)
    if torch.device(cfg.device).type == "cpu":
        model, batch = model.to(memory_format=torch.channels_last), batch.channels_last()
    return model, batch


def score_family(family: str, arch: str, cfg: Config,
                 proxies: Sequence[ProxyName] | None = None) -> dict[str, float]:
    """One family's pass on one architecture (single-threaded; see `single_threaded`)."""
    fam = FAMILIES[family]
    if fam.kind == "architecture":
        return fam.fn(arch, cfg)
    with single_threaded():
        model, batch = network_and_batch(family, arch, cfg, proxies)
        return fam.fn(model, batch, cfg, tuple(proxies or fam.proxies))


def score(arch: str, proxies: Sequence[ProxyName] | str = AZNAS, config: Config | None = None,
          **config_kwargs: Any) -> dict[str, float]:
    """Score one architecture of a search space.

    The result depends only on (arch, config): the same call gives the same numbers. Each
    family runs once however many of its proxies are asked for.

    Args:
        arch: an architecture string of the configured space (NAS-Bench-201: a cell string
            such as ``|nor_conv_3x3~0|+|...|``), validated by the space.
        proxies: names from the registry (`ProxyName`; `aznas_core.list_proxies()` describes
            each), or one comma-separated string; default: AZ-NAS's four (`AZNAS`).
        config: a `Config`; or pass its fields as keywords instead, not both.
        **config_kwargs: `Config`'s fields (space, dataset, batch_size, init, seed,
            resolution, inputs, variant, device).

    Returns:
        A dict mapping each requested proxy to its value, in the requested order.

    Raises:
        ValueError: one line, for an unknown proxy, a set-level proxy (te_nas), an invalid
            architecture string or a configuration value outside its type.
    """
    if config is not None and config_kwargs:
        raise ValueError(f"pass either config= or configuration keywords, not both "
                         f"(got {sorted(config_kwargs)} besides config=)")
    cfg = config or Config(**config_kwargs)
    arch = get_space(cfg.space).validate(arch)
    proxies = check_proxies(proxies, cfg)
    values: dict[str, float] = {}
    for family, ps in families_of(proxies).items():
        values.update(score_family(family, arch, cfg, ps))
    return {p: values[p] for p in proxies}
