"""The search problems of the search-only spaces (MobileNetV2, AutoFormer): how a candidate is
built, initialised and scored (AZ-NAS through `score_model`, seeded per candidate), which
candidates are feasible, and how new ones are drawn. `aznas_core.search` runs them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from aznas_core.initialization import initialize
from aznas_core.model import score_model
from aznas_core.seeding import generator, single_threaded
from aznas_core.spaces import autoformer, mbv2


@dataclass
class Problem:
    """What a space gives the search: aggregated proxy keys, a feasibility check (returns a
    dict of recorded costs, or None when infeasible) and a scorer; `initial` + `mutate` for
    evolution, `sample` for random search."""

    keys: tuple[str, ...]
    feasible: Callable[[str], dict | None]
    score: Callable[[str], dict]
    initial: str | None = None
    mutate: Callable | None = None  # (arch, rng, num_replaces) -> arch
    sample: Callable | None = None  # (rng) -> arch
    extra: dict = field(default_factory=dict)


def problem(cfg) -> Problem:
    """The search problem of `cfg.space` (a `search.SearchConfig`)."""
    if cfg.space not in PROBLEMS:
        raise ValueError(f"space {cfg.space!r} has no search problem; expected one of "
                         f"{sorted(PROBLEMS)}")
    return PROBLEMS[cfg.space](cfg)


def mbv2_score(arch: str, resolution: int = mbv2.RESOLUTION, batch_size: int = 64, seed: int = 0) -> dict:
    """AZ-NAS's four proxies of a structure (PROTOCOLS.md D.5): Kaiming fan-in weights, a
    Gaussian batch, training-mode BN, E/P/T at the primary blocks via `score_model`, and
    complexity = the budget FLOPs counter at 224. Seeded by (seed, arch): reproducible in
    any order and process; single-threaded for bit-reproducibility."""
    with single_threaded():
        model = mbv2.build(arch)
        initialize(model, "kaiming_fan_in", generator=generator(seed, arch, "weights"))
        x = torch.randn(batch_size, 3, resolution, resolution,
                        generator=generator(seed, arch, "input"))
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
        values = score_model(model, x, blocks=model.primary_blocks,
                             generator=generator(seed, arch, "gradients"), mode="train")
    values["complexity"] = mbv2.budget_flops(arch)
    return values


def mbv2_problem(cfg):
    """The MobileNetV2 search of `aznas_core.search` (PROTOCOLS.md D): evolution from the
    initial structure under `cfg.budget` FLOPs (budget counter) and `cfg.max_layers`; all
    four AZ-NAS proxies aggregated. The 'random-walk' strategy is its no-selection baseline."""
    def feasible(arch):
        layers, flops = mbv2.num_layers(arch), mbv2.budget_flops(arch)
        if layers > cfg.max_layers or flops > cfg.budget:
            return None
        return {"flops_budget_counter": flops, "params": mbv2.budget_params(arch), "layers": layers}

    return Problem(
        keys=("expressivity", "progressivity", "trainability", "complexity"),
        feasible=feasible,
        score=lambda arch: mbv2_score(arch, cfg.resolution, cfg.batch_size, cfg.seed),
        initial=mbv2.INITIAL, mutate=mbv2.mutate, sample=mbv2.sample)


def autoformer_score(vit: autoformer.ViT, batch_size: int = 64, seed: int = 0) -> dict:
    """AZ-NAS for ViTs (PROTOCOLS.md E.4): eval mode, a Gaussian batch at the supernet's
    resolution, E and T over the 2*depth half-layer outputs (tokens as samples, identity
    pairs skipped, no progressivity), complexity = `autoformer.complexity(arch)`."""
    r = vit.supernet.resolution
    with single_threaded():
        x = torch.randn(batch_size, 3, r, r, generator=generator(seed, vit.arch, "input"))
        values = score_model(vit, x, blocks=vit.primary_blocks,
                             proxies=("expressivity", "trainability"),
                             generator=generator(seed, vit.arch, "gradients"), mode="eval")
    values["complexity"] = autoformer.complexity(vit.arch)
    return values


def autoformer_problem(cfg):
    """Random search of `cfg.iterations` candidates with #Params (M) in [min_budget, budget]
    (E.3), one supernet seeded by `cfg.seed`, aggregating E, T and complexity."""
    cache = {}

    def supernet():  # built on first use: loading a history needs no network
        if not cache:
            cache["net"] = autoformer.Supernet(cfg.subset, cfg.resolution,
                                    generator=generator(cfg.seed, cfg.subset, "supernet"))
        return cache["net"]

    def feasible(arch):
        p = autoformer.params(arch) / 1e6
        if not cfg.min_budget <= p <= cfg.budget:
            return None
        return {"params": p, "flops": autoformer.complexity(arch) / 1e6}

    return Problem(keys=("expressivity", "trainability", "complexity"), feasible=feasible,
                   score=lambda arch: autoformer_score(supernet().subnet(arch), cfg.batch_size, cfg.seed),
                   sample=lambda rng: autoformer.sample(rng, cfg.subset), extra={"supernet": supernet})


def autoformer_score_published(subset: str, resolution: int, batch_size: int, seed: int) -> list[dict]:
    """The authors' two published ViTs of `subset`, scored with the supernet a search of the
    same (subset, resolution, seed) uses (`autoformer_problem`'s seeding)."""
    supernet = autoformer.Supernet(subset, resolution, generator=generator(seed, subset, "supernet"))
    out = []
    for budget in ("plain", "tftas"):
        arch = autoformer.published(subset, budget)
        out.append(dict(subset=subset, budget=budget, arch=arch, params=autoformer.params(arch) / 1e6,
                        flops=autoformer.complexity(arch) / 1e6,
                        **autoformer_score(supernet.subnet(arch), batch_size, seed)))
    return out


PROBLEMS = {"mbv2": mbv2_problem, "autoformer": autoformer_problem}
