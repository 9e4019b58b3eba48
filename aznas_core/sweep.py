"""Sweeps: what is missing from the cache x a proxy configuration -> computed by worker
processes (`aznas_core.parallel`) and written as verified shards (`aznas_core.cache`).

Tasks are chunks of architectures; results depend only on (arch, config), so the local
process pool, a Dask cluster or a serial loop give identical shards, and killing a sweep loses
at most the chunks in flight. The cache's readers (`scores`, `with_ground_truth`, ...) are
re-exported here, where users have always found them.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from aznas_core.version import __version__
from aznas_core.cache import (META_KEY, SCHEMA_VERSION, SCORES_DIR,  # noqa: F401
                              CorruptShardError, cache_dir, cpu_model, kernels, network_family,
                              read_cache, read_shard, repair, scores, with_ground_truth,
                              write_shard, network_proxies)
from aznas_core.config import Config
from aznas_core.parallel import MALLOC_ENV, completed, local_pool, set_worker_environment  # noqa: F401
from aznas_core.proxies import FAMILIES, PROXIES, check_proxies, families_of  # noqa: F401
from aznas_core.scoring import score, score_family  # noqa: F401
from aznas_core.spaces import get_space


def score_chunk(archs, proxies, cfg: Config, family: str | None = None) -> list[dict]:
    """Score a chunk of architectures with one family; one row per (arch, proxy). Runs in a
    worker.

    Scoring is single-threaded (bit-reproducible), so a shard is identical whichever
    executor produced it; parallelism comes from one worker per core.
    """
    import torch

    fam = network_family(family, proxies)
    proxies = tuple(p for p in network_proxies(proxies) if PROXIES[p].family == fam.name)
    ident = fam.identity(cfg)
    space = get_space(cfg.space)
    rows = []
    for arch in archs:
        t0 = time.perf_counter()
        values = score_family(fam.name, arch, cfg, proxies)
        seconds = time.perf_counter() - t0
        for proxy in proxies:
            rows.append(dict(arch=arch, index=space.index(arch), proxy=proxy,
                             value=float(values[proxy]), seconds=seconds))
    made_on = kernels(cfg.device)
    for r in rows:
        r.update(ident, aznas_core=__version__, torch=torch.__version__, kernels=made_on)
    return rows


def missing(archs, proxies, cfg: Config, root: Path | None = None,
            family: str | None = None) -> list[str]:
    """Architectures of `archs` lacking at least one of `proxies` (of one family) cached."""
    fam = network_family(family, proxies)
    need = {p for p in network_proxies(proxies) if PROXIES[p].family == fam.name}
    cache = read_cache(cfg, root, fam.name)
    have = cache.groupby("arch")["proxy"].agg(set).to_dict() if len(cache) else {}
    return [a for a in archs if not need <= have.get(a, set())]


def run(
    archs=None,
    proxies=("expressivity", "progressivity", "trainability"),
    cfg: Config = Config(),
    workers: int | None = None,
    executor: str | object = "local",
    chunk_size: int = 250,
    root: Path | None = None,
    progress: bool = True,
    max_chunks: int | None = None,
    repair_shards: bool = False,
) -> dict:
    """Compute every missing score of `archs` (default: the whole space) and cache it; one
    pass per family, each family into its own directory (`cache_dir`).

    executor: 'local' (a pool of `workers` processes, default one per core), 'serial', or
    a `dask.distributed.Client`. Scoring is single-threaded (see `aznas_core.seeding.single_threaded`).
    repair_shards: first move corrupted shards aside (`repair`); their architectures are
    then missing and recomputed. Returns a summary dict (per family when several).
    """
    space = get_space(cfg.space)
    archs = [space.validate(a) for a in (archs if archs is not None else space.archs())]
    proxies = check_proxies(proxies, cfg)
    groups = families_of(network_proxies(proxies))
    if not groups:
        return dict(computed=0, skipped=len(archs), seconds=0.0, ms_per_arch=float("nan"))
    summaries = {}
    for family, ps in groups.items():
        repaired = repair(cfg, family, root) if repair_shards else []
        summaries[family] = _run_family(archs, ps, cfg, family, workers, executor, chunk_size,
                                        root, progress, max_chunks)
        if repaired:
            summaries[family]["repaired"] = repaired
    if len(summaries) == 1:
        return next(iter(summaries.values()))
    return summaries


def _run_family(archs, proxies, cfg, family, workers, executor, chunk_size, root, progress,
                max_chunks) -> dict:
    from tqdm import tqdm

    todo = missing(archs, proxies, cfg, root, family)
    chunks = [todo[i:i + chunk_size] for i in range(0, len(todo), chunk_size)]
    if max_chunks is not None:
        chunks = chunks[:max_chunks]
    n_todo = sum(len(c) for c in chunks)
    label = f"{cfg.space}/{FAMILIES[family].subdir() + '/' if FAMILIES[family].subdir() else ''}" \
            f"{FAMILIES[family].key(cfg)}"
    t0 = time.perf_counter()
    bar = tqdm(total=n_todo, desc=f"sweep {label}", unit="arch", disable=not progress,
               file=sys.stderr)

    def done(rows):
        write_shard(rows, cfg, root, family)
        bar.update(len({r["arch"] for r in rows}))

    for rows in completed(score_chunk, chunks, executor, workers, proxies=proxies, cfg=cfg,
                          family=family):
        done(rows)
    bar.close()
    seconds = time.perf_counter() - t0
    summary = dict(computed=n_todo, skipped=len(archs) - len(todo), remaining=len(todo) - n_todo,
                   seconds=round(seconds, 1),
                   ms_per_arch=round(1000 * seconds / n_todo, 1) if n_todo else float("nan"))
    if progress:
        print(f"sweep {label}: computed {summary['computed']}, "
              f"cached {summary['skipped']}, remaining {summary['remaining']}, "
              f"{summary['seconds']} s ({summary['ms_per_arch']} ms/arch wall)", file=sys.stderr)
    return summary
