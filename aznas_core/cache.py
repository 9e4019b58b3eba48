"""The score cache: Parquet shards under ``data/scores``, their identity, verification and
repair, and the readers that turn them into one row per architecture.

Layout: ``data/scores/<space>/<config key>/part-*.parquet`` for the AZ-NAS family (the
original layout) and ``data/scores/<space>/<family>/<config key>/part-*.parquet`` for every
other family; one row per (architecture, proxy) with the configuration fields the family's
values depend on spelled out (`Family.identity`), the seconds the family's pass took, the
versions that produced it and the kind of machine (`kernels`). Each shard records its
configuration and a SHA-256 of its rows in the Parquet metadata, so a corrupted or foreign
shard is detected on read; `repair` moves such shards aside so that a sweep recomputes what
they held. Writes go to a temporary file renamed into place.

Only network proxies are cached, one directory per family; architecture proxies (complexity
= FLOPs, params) are exact closed-form counts, computed on read.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
import uuid
from pathlib import Path
from typing import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from aznas_core.config import CellSpace, Config, Dataset, InitScheme, InputSource, Variant
from aznas_core.data import PROJECT_ROOT
from aznas_core.proxies import FAMILIES, PROXIES, Family, check_proxies, families_of
from aznas_core.proxies.registry import ProxyName
from aznas_core.scoring import score
from aznas_core.spaces import get_space

SCHEMA_VERSION = 1
META_KEY = b"aznas_core.sweep"
SCORES_DIR = PROJECT_ROOT / "data" / "scores"


class CorruptShardError(RuntimeError):
    """A shard that cannot be read, or whose content or configuration is not what it says."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}; rerun the sweep with --repair (`aznas sweep ... "
                         f"--repair`, or sweep.run(..., repair_shards=True)) to move it aside "
                         f"and recompute what it held")
        self.path = Path(path)
        self.problem = problem


def network_family(family: str | None, proxies=None) -> Family:
    if family is None:
        fams = list(families_of(network_proxies(proxies or ("expressivity",))))
        family = fams[0] if fams else "aznas"
    if family not in FAMILIES or FAMILIES[family].kind != "network":
        raise ValueError(f"unknown cached proxy family {family!r}; expected one of "
                         f"{sorted(f for f, F in FAMILIES.items() if F.kind == 'network')}")
    return FAMILIES[family]


def cache_dir(cfg: Config, family: str = "aznas", root: Path | None = None) -> Path:
    """<root>/<space>[/<family>]/<key>: AZ-NAS keeps the original layout."""
    fam = network_family(family)
    base = Path(root or SCORES_DIR) / cfg.space
    return (base / fam.subdir() if fam.subdir() else base) / fam.key(cfg)


def network_proxies(proxies) -> tuple[str, ...]:
    proxies = check_proxies(proxies)
    return tuple(p for p in proxies if FAMILIES[PROXIES[p].family].kind == "network")


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
    fam = network_family(family)
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


#: Shards verified in this process, by (path, modification time, size, identity): a notebook
#: reads the same shards once per proxy, and the SHA-256 check is most of a read's cost. A
#: rewritten or tampered file has another time or size and is verified again.
_VERIFIED: dict[tuple, pd.DataFrame] = {}
_VERIFIED_MAX = 20000


def read_shard(path: Path, cfg: Config, family: str = "aznas") -> pd.DataFrame:
    """Read and verify one shard (once per process while the file is unchanged: `_VERIFIED`);
    CorruptShardError says what is wrong."""
    ident = network_family(family).identity(cfg)
    try:
        st = os.stat(path)
        key = (str(Path(path).resolve()), st.st_mtime_ns, st.st_size, json.dumps(ident, sort_keys=True))
    except OSError:
        key = None
    if key in _VERIFIED:
        return _VERIFIED[key].copy()
    frame = _read_and_verify(path, ident)
    if key is not None:
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.pop(next(iter(_VERIFIED)))
        _VERIFIED[key] = frame
    return frame.copy()


def _read_and_verify(path: Path, ident: dict) -> pd.DataFrame:
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
        return pd.DataFrame(columns=_columns(network_family(family).identity(cfg)))
    frame = pd.concat(frames, ignore_index=True)
    return frame.drop_duplicates(["arch", "proxy"], keep="first").reset_index(drop=True)


def _repaired_archs(cfg: Config, family: str, root: Path | None) -> tuple[set, int]:
    """(architectures still readable in the shards `repair` moved aside, number of such
    shards whose content cannot be read at all)."""
    directory = cache_dir(cfg, family, root)
    held, unreadable = set(), 0
    if not directory.is_dir():
        return held, unreadable
    newest = max((p.stat().st_mtime for p in directory.glob("part-*.parquet")), default=0.0)
    for path in sorted(directory.glob("part-*.parquet.corrupt")):
        try:
            held |= set(pq.read_table(path, columns=["arch"]).column("arch").to_pylist())
        except Exception:  # noqa: BLE001 - unreadable: nothing to list
            # moved aside (the rename sets its ctime) after the newest shard was written:
            # no sweep has run since, so what it held is still missing
            unreadable += path.stat().st_ctime > newest
    return held, unreadable


def _warn_if_repaired_rows_missing(out: pd.DataFrame, cfg: Config, families, root) -> None:
    """Warn when architectures a repaired (moved-aside) shard held are not in `out`: the
    cache once held more rows than it returns until a sweep recomputes them."""
    import warnings

    for family in families:
        held, unreadable = _repaired_archs(cfg, family, root)
        lost = held - set(out["arch"])
        if lost or unreadable:
            what = (f"{len(lost)} architectures" if lost else "") + \
                   (" and " if lost and unreadable else "") + \
                   (f"{unreadable} unreadable shard(s)" if unreadable else "")
            warnings.warn(
                f"partial scores: {what} moved aside by a repair (*.corrupt in "
                f"{cache_dir(cfg, family, root)}) are not recomputed yet; run `aznas sweep "
                f"{_cli_args(cfg)} --proxies {','.join(FAMILIES[family].proxies)}` to restore "
                "them", UserWarning, stacklevel=3)


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


def scores(
    space: CellSpace = "nb201",
    dataset: Dataset = "cifar10",
    proxies: Sequence[ProxyName] | str = ("expressivity", "progressivity", "trainability",
                                           "complexity"),
    batch_size: int = 64,
    init: InitScheme | None = None,
    seed: int = 0,
    root: Path | None = None,
    complete: bool = False,
    resolution: int | None = None,
    inputs: InputSource = "synthetic_cifar10",
    variant: Variant = "aznas",
    device: str = "cpu",
    config: Config | None = None,
) -> pd.DataFrame:
    """Cached scores as one row per architecture: `index`, `arch`, one column per proxy.

    The configuration keywords are `Config`'s fields (or pass `config=`). Network proxies
    come from each family's cache (architectures holding all of them); architecture proxies
    (complexity, flops, params) are added exactly for `dataset`.
    With `complete=True`, raise unless every architecture of the space has every proxy.
    Architectures that a repaired shard held (moved aside as ``*.corrupt``) and no sweep has
    recomputed yet are missing from the result: a warning says so.
    `resolution` overrides the dataset's input size for the network proxies (e.g. the
    32x32 scores that the paper's ImageNet16-120 numbers match).
    """
    cfg = config or Config(space=space, dataset=dataset, batch_size=batch_size, init=init,
                           seed=seed, resolution=resolution, inputs=inputs, variant=variant,
                           device=device)
    proxies = check_proxies(proxies)
    module = get_space(cfg.space)
    net = list(network_proxies(proxies))
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
    _warn_if_repaired_rows_missing(out, cfg, families_of(net), root)
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
