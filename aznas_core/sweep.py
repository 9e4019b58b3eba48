"""Scoring engine: architectures x proxy configuration -> cached, resumable Parquet shards.

Layout: ``data/scores/<space>/<config key>/part-*.parquet`` for the AZ-NAS family (the
original layout) and ``data/scores/<space>/<family>/<config key>/part-*.parquet`` for every
other family; one row per (architecture, proxy) with the configuration fields the family's
values depend on spelled out (`Family.identity`), the seconds the family's pass took and the
versions that produced it. Each shard records its configuration and a SHA-256 of its rows
in the Parquet metadata, so a corrupted or foreign shard is detected on read; `repair` moves such shards aside so
that a sweep recomputes what they held.

Only network proxies (those needing a forward/backward pass) are cached, one pass and one
directory per family. Architecture
proxies (complexity = FLOPs, params) are exact closed-form counts, computed on read.

Writes go to a temporary file renamed into place, so killing a sweep loses at most the
chunks in flight. Tasks are chunks of architectures; results depend only on (arch, config),
so the local process pool, a Dask cluster or a serial loop give identical shards.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from aznas_core import __version__
from aznas_core.data import PROJECT_ROOT
from aznas_core.proxies import (FAMILIES, PROXIES, Config, Family,  # noqa: F401
                                check_proxies, families_of, score, score_family)
from aznas_core.spaces import get_space

SCHEMA_VERSION = 1
META_KEY = b"aznas_core.sweep"
SCORES_DIR = PROJECT_ROOT / "data" / "scores"

#: glibc malloc settings for scoring processes: keep freed memory mapped instead of
#: returning it to the OS, so the next architecture's activations do not page-fault in
#: again. Measured here: about 5% less CPU time per architecture (about 3,600 instead of
#: 6,300 minor page faults per architecture); the arithmetic is unchanged.
MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(2**34),
    "MALLOC_TRIM_THRESHOLD_": str(2**36),
    "MALLOC_TOP_PAD_": str(2**29),
}


def set_worker_environment() -> None:
    """Apply `MALLOC_ENV` (where not already set) to processes started after this call.
    glibc reads these at process start, so they only affect the spawned workers."""
    for k, v in MALLOC_ENV.items():
        os.environ.setdefault(k, v)


def _exit_with_parent(parent_pid: int, poll_seconds: float = 1.0) -> None:
    """Worker initializer: a daemon thread ends this worker as soon as the sweep that
    started it is gone (re-parented), instead of finishing chunks nobody will write."""
    import threading

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="aznas-parent-watch", daemon=True).start()


def local_pool(workers: int):
    """The local executor: `workers` spawned processes with `MALLOC_ENV`, each ending itself
    when the sweep process dies (killing the sweep by PID no longer leaves orphans
    computing)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    set_worker_environment()
    return ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))


class CorruptShardError(RuntimeError):
    """A shard that cannot be read, or whose content or configuration is not what it says."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def _family(family: str | None, proxies=None) -> Family:
    if family is None:
        fams = list(families_of(_network_proxies(proxies or ("expressivity",))))
        family = fams[0] if fams else "aznas"
    if family not in FAMILIES or FAMILIES[family].kind != "network":
        raise ValueError(f"unknown cached proxy family {family!r}; expected one of "
                         f"{sorted(f for f, F in FAMILIES.items() if F.kind == 'network')}")
    return FAMILIES[family]


def cache_dir(cfg: Config, family: str = "aznas", root: Path | None = None) -> Path:
    """<root>/<space>[/<family>]/<key>: AZ-NAS keeps the original layout."""
    fam = _family(family)
    base = Path(root or SCORES_DIR) / cfg.space
    return (base / fam.subdir() if fam.subdir() else base) / fam.key(cfg)


def _network_proxies(proxies) -> tuple[str, ...]:
    proxies = check_proxies(proxies)
    return tuple(p for p in proxies if FAMILIES[PROXIES[p].family].kind == "network")


# --------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------
def score_chunk(archs, proxies, cfg: Config, family: str | None = None) -> list[dict]:
    """Score a chunk of architectures with one family; one row per (arch, proxy). Runs in a
    worker.

    Scoring is single-threaded (bit-reproducible), so a shard is identical whichever
    executor produced it; parallelism comes from one worker per core.
    """
    import torch

    fam = _family(family, proxies)
    proxies = tuple(p for p in _network_proxies(proxies) if PROXIES[p].family == fam.name)
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


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what `platform` knows."""
    import platform

    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def kernels(device: str = "cpu") -> str:
    """What picks the floating-point kernels, so the last bits of a score, besides the code,
    the torch build and the configuration: the CPU model and ATen's vector capability, or
    the GPU. Shards record it, so a check of the cache knows when to expect equal bits."""
    import torch

    if str(device).startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"{cpu_model()} | {torch.backends.cpu.get_cpu_capability()}"


# --------------------------------------------------------------------------------------
# Shards
# --------------------------------------------------------------------------------------
def _columns(ident: dict) -> list[str]:
    """The original AZ-NAS layout is space, arch, index, proxy, value, resolution,
    batch_size, init, seed, seconds, versions; other families add their identity fields."""
    return ["space", "arch", "index", "proxy", "value",
            *[k for k in ident if k != "space"], "seconds", "aznas_core", "torch"]


def _rows_digest(frame: pd.DataFrame, columns) -> str:
    buf = io.StringIO()
    frame[columns].to_csv(buf, index=False, float_format="%.17g")
    return hashlib.sha256(buf.getvalue().encode()).hexdigest()


def write_shard(rows: list[dict], cfg: Config, root: Path | None = None,
                family: str = "aznas") -> Path:
    fam = _family(family)
    ident = fam.identity(cfg)
    columns = _columns(ident)
    frame = pd.DataFrame(rows)[columns].sort_values(["index", "proxy"], ignore_index=True)
    meta = dict(schema=SCHEMA_VERSION, config=ident, rows=len(frame),
                sha256=_rows_digest(frame, columns))
    made_on = sorted({r["kernels"] for r in rows if "kernels" in r})
    if made_on:  # where the rows were computed (a Dask worker's, not this process's)
        meta["kernels"] = made_on
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META_KEY: json.dumps(meta).encode()})
    directory = cache_dir(cfg, fam.name, root)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"part-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = directory / f".{name}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, directory / name)
    return directory / name


def read_shard(path: Path, cfg: Config, family: str = "aznas") -> pd.DataFrame:
    """Read and verify one shard; CorruptShardError says what is wrong."""
    ident = _family(family).identity(cfg)
    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 - any read failure means a broken shard
        raise CorruptShardError(path, f"unreadable Parquet shard ({e})") from e
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise CorruptShardError(path, f"not an aznas_core sweep shard (no {META_KEY!r} metadata)")
    meta = json.loads(raw)
    if meta.get("schema") != SCHEMA_VERSION:
        raise CorruptShardError(path, f"shard schema {meta.get('schema')} != {SCHEMA_VERSION}")
    if meta.get("config") != ident:
        raise CorruptShardError(
            path, f"foreign shard: its configuration {meta.get('config')} is not {ident}")
    frame = table.to_pandas()
    columns = _columns(ident)
    if list(frame.columns) != columns or len(frame) != meta.get("rows"):
        raise CorruptShardError(path, "unexpected columns or row count")
    if _rows_digest(frame, columns) != meta.get("sha256"):
        raise CorruptShardError(path, "content does not match its recorded SHA-256")
    for k, value in ident.items():
        if not (frame[k] == value).all():
            raise CorruptShardError(path, f"rows with {k} != {value!r}")
    return frame


def _shards(cfg: Config, family: str, root: Path | None) -> list[Path]:
    directory = cache_dir(cfg, family, root)
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def read_cache(cfg: Config, root: Path | None = None, family: str = "aznas") -> pd.DataFrame:
    """All verified rows of a configuration and family (long format); duplicates keep the
    first."""
    frames = [read_shard(p, cfg, family) for p in _shards(cfg, family, root)]
    if not frames:
        return pd.DataFrame(columns=_columns(_family(family).identity(cfg)))
    frame = pd.concat(frames, ignore_index=True)
    return frame.drop_duplicates(["arch", "proxy"], keep="first").reset_index(drop=True)


def repair(cfg: Config, family: str = "aznas", root: Path | None = None) -> list[dict]:
    """Move every shard that fails verification aside (``<name>.corrupt``) and return, per
    shard, the architectures it held where they can still be read (None when the file is
    unreadable: then a sweep recomputes whatever of its request is missing)."""
    moved = []
    for path in _shards(cfg, family, root):
        try:
            read_shard(path, cfg, family)
            continue
        except CorruptShardError as e:
            problem = e.problem
        try:
            held = sorted(set(pq.read_table(path, columns=["arch"]).column("arch").to_pylist()))
        except Exception:  # noqa: BLE001 - unreadable: nothing to recover
            held = None
        target = path.with_name(path.name + ".corrupt")
        os.replace(path, target)
        moved.append(dict(shard=str(path), moved_to=str(target), problem=problem, archs=held))
    return moved


# --------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------
def missing(archs, proxies, cfg: Config, root: Path | None = None,
            family: str | None = None) -> list[str]:
    """Architectures of `archs` lacking at least one of `proxies` (of one family) cached."""
    fam = _family(family, proxies)
    need = {p for p in _network_proxies(proxies) if PROXIES[p].family == fam.name}
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
    a `dask.distributed.Client`. Scoring is single-threaded (see `proxies.single_threaded`).
    repair_shards: first move corrupted shards aside (`repair`); their architectures are
    then missing and recomputed. Returns a summary dict (per family when several).
    """
    space = get_space(cfg.space)
    archs = [space.validate(a) for a in (archs if archs is not None else space.archs())]
    proxies = check_proxies(proxies, cfg)
    groups = families_of(_network_proxies(proxies))
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
    workers = workers or os.cpu_count() or 1
    label = f"{cfg.space}/{FAMILIES[family].subdir() + '/' if FAMILIES[family].subdir() else ''}" \
            f"{FAMILIES[family].key(cfg)}"
    t0 = time.perf_counter()
    bar = tqdm(total=n_todo, desc=f"sweep {label}", unit="arch", disable=not progress,
               file=sys.stderr)

    def done(rows):
        write_shard(rows, cfg, root, family)
        bar.update(len({r["arch"] for r in rows}))

    if not chunks:
        pass
    elif executor == "serial":
        for c in chunks:
            done(score_chunk(c, proxies, cfg, family))
    elif executor == "local":
        from concurrent.futures import as_completed

        with local_pool(workers) as pool:
            futures = [pool.submit(score_chunk, c, proxies, cfg, family) for c in chunks]
            for f in as_completed(futures):
                done(f.result())
    else:  # a dask.distributed Client
        from distributed import as_completed as dask_completed

        futures = executor.map(score_chunk, chunks, proxies=proxies, cfg=cfg, family=family,
                               pure=False)
        for f in dask_completed(futures):
            done(f.result())
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


# --------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------
def scores(
    space: str = "nb201",
    dataset: str = "cifar10",
    proxies=("expressivity", "progressivity", "trainability", "complexity"),
    batch_size: int = 64,
    init: str | None = None,
    seed: int = 0,
    root: Path | None = None,
    complete: bool = False,
    resolution: int | None = None,
    inputs: str = "synthetic_cifar10",
    variant: str = "aznas",
    device: str = "cpu",
    config: Config | None = None,
) -> pd.DataFrame:
    """Cached scores as one row per architecture: `index`, `arch`, one column per proxy.

    Network proxies come from each family's cache (architectures holding all of them);
    architecture proxies (complexity, flops, params) are added exactly for `dataset`.
    With `complete=True`, raise unless every architecture of the space has every proxy.
    `resolution` overrides the dataset's input size for the network proxies (e.g. the
    32x32 scores that the paper's ImageNet16-120 numbers match).
    """
    cfg = config or Config(space=space, dataset=dataset, batch_size=batch_size, init=init,
                           seed=seed, resolution=resolution, inputs=inputs, variant=variant,
                           device=device)
    proxies = check_proxies(proxies)
    module = get_space(cfg.space)
    net = list(_network_proxies(proxies))
    wide = None
    for family, ps in families_of(net).items():
        cache = read_cache(cfg, root, family)
        cache = cache[cache["proxy"].isin(ps)]
        if not set(ps) <= set(cache["proxy"]):
            raise RuntimeError(
                f"no cached {sorted(set(ps) - set(cache['proxy']))} scores in "
                f"{cache_dir(cfg, family, root)}; compute them with "
                f"`aznas sweep {_cli_args(cfg)} --proxies {','.join(ps)}`")
        part = cache.pivot(index=["index", "arch"], columns="proxy", values="value")
        # keep the architectures that have a row for every proxy; a NaN *value* (jacob_cov
        # of a cell with no path to its output) stays, and ranks lowest in `metrics`
        have = cache.groupby(["index", "arch"])["proxy"].nunique()
        part = part.loc[have.index[have == len(ps)]].reset_index()
        wide = part if wide is None else wide.merge(part, on=["index", "arch"], how="inner")
    if wide is None:
        wide = pd.DataFrame({"index": range(module.N_ARCHS), "arch": module.archs()})
    wide = wide.sort_values("index", ignore_index=True)
    wide.columns.name = None
    arch_proxies = [p for p in proxies if p not in net]
    if arch_proxies:
        cfg_arch = Config(space=cfg.space, dataset=cfg.dataset)
        values = [score(a, arch_proxies, config=cfg_arch) for a in wide["arch"]]
        for p in arch_proxies:
            wide[p] = [v[p] for v in values]
    out = wide[["index", "arch", *proxies]]
    if complete and len(out) != module.N_ARCHS:
        where = [str(cache_dir(cfg, f, root)) for f in families_of(net)]
        raise RuntimeError(
            f"cache {', '.join(where)} holds {len(out)} of {module.N_ARCHS} architectures "
            f"for {net}; run `aznas sweep {_cli_args(cfg)}` to complete it")
    return out


def _cli_args(cfg: Config) -> str:
    """The `aznas sweep` options that select `cfg`."""
    default = Config(space=cfg.space, dataset=cfg.dataset)
    args = ([f"--space {cfg.space}"] if cfg.space != "nb201" else []) + [f"--dataset {cfg.dataset}"]
    for name, flag in [("batch_size", "--batch-size"), ("init", "--init"), ("seed", "--seed"),
                       ("resolution", "--resolution"), ("inputs", "--inputs"),
                       ("variant", "--variant"), ("device", "--device")]:
        if getattr(cfg, name) != getattr(default, name):
            args.append(f"{flag} {getattr(cfg, name)}")
    return " ".join(args)


def with_ground_truth(frame: pd.DataFrame, dataset: str | None = None) -> pd.DataFrame:
    """Join scores to the benchmark's test accuracies (all datasets, or `dataset` as `acc`)."""
    from aznas_core.benchmarks.nb201 import ground_truth

    gt = ground_truth()
    if dataset is not None:
        get_space("nb201").check_dataset(dataset)
        gt = gt[["index", dataset]].rename(columns={dataset: "acc"})
    else:
        gt = gt.drop(columns="arch")
    return frame.merge(gt, on="index", how="left", validate="one_to_one")
