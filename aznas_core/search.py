"""Training-free search: AZ-NAS's evolutionary Algorithm 1 as the authors' code runs it, and
random-search baselines, over any space that offers mutate (evolution) or sample (random).

Algorithm 1 (PROTOCOLS.md D.4, `evolution_search_az.py`): while at most 10 candidates are
scored, mutate one block of the initial structure; while fewer than population - 1 exist,
mutate two blocks of a uniformly chosen history member; afterwards mutate two blocks of a
member drawn uniformly from the top population - 1 by the current aggregated score. A
candidate that breaks a constraint is discarded and does not count. Every scored candidate
joins the history, which is never pruned, and after each one the aggregate over the whole
history is recomputed (sum over proxies of log(rank / n)). The answer is the history's
argmax (first on ties).

Objectives: every proxy is maximised, as in the paper's searches, unless the configuration
gives a `trainability_target` t (the AZ-NAS supplement's Table 10: "s^T close to -0.2", ...):
then the trainability proxy enters the aggregate as -|s^T - t| (closer to t ranks higher; a
NaN or -inf s^T still ranks lowest), the other proxies unchanged (`objective_values`). The
history stores the raw s^T; the objective is applied wherever the aggregate is computed. A
target above every score reached (s^T <= 0 always) orders the candidates as maximising does.

Strategies: 'evolution' (the above); 'random-walk' (the same loop with the parent always
uniform over the history: no selection, the baseline that isolates it); 'random' (independent
draws from the space's `sample`: the AutoFormer search).

Resumable and reproducible: iteration i draws from its own `random.Random` seeded by
(seed, i), and candidates are scored with seeds derived from (seed, arch), so a history
depends only on the configuration. It is checkpointed to Parquet (atomically) every
`checkpoint_every` iterations; a killed search rerun with the same configuration continues
from the last checkpoint and produces the history an uninterrupted run would.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from aznas_core import aggregate
from aznas_core.data import PROJECT_ROOT
from aznas_core.problems import Problem, problem  # noqa: F401 (Problem: public here)

SEARCH_DIR = PROJECT_ROOT / "data" / "searches"
STRATEGIES = ("evolution", "random-walk", "random")


@dataclass(frozen=True)
class SearchConfig:
    """Everything that determines a search history."""

    space: str = "mbv2"  # 'mbv2' or 'autoformer'
    strategy: str = "evolution"
    iterations: int = 1000  # scored candidates
    population: int = 1024
    seed: int = 0
    budget: float = 450e6  # mbv2: max FLOPs (budget counter); autoformer: max M params
    min_budget: float = 0.0  # autoformer: min M params
    max_layers: int = 14  # mbv2 only
    subset: str = ""  # autoformer: Tiny, Small or Base
    resolution: int = 224
    batch_size: int = 64
    trainability_target: float | None = None  # None: maximise s^T; t: s^T close to t

    def __post_init__(self):
        if self.trainability_target is not None:
            t = float(self.trainability_target)
            if not np.isfinite(t):
                raise ValueError(f"trainability_target must be a finite number or None "
                                 f"(maximise), got {self.trainability_target!r}")
            object.__setattr__(self, "trainability_target", t)
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; expected one of {STRATEGIES}")
        if self.iterations < 1 or self.population < 2:
            raise ValueError("iterations must be >= 1 and population >= 2")

    @property
    def name(self) -> str:
        if self.space == "mbv2":
            what = f"mbv2-{self.budget / 1e6:g}M-L{self.max_layers}"
        else:
            what = f"{self.space}-{self.subset}-{self.min_budget:g}-{self.budget:g}M"
        target = "" if self.trainability_target is None else f"-sT{self.trainability_target:+g}"
        return (f"{what}-{self.strategy}-it{self.iterations}-pop{self.population}"
                f"-res{self.resolution}-bs{self.batch_size}-seed{self.seed}{target}")

    @property
    def targets(self) -> dict[str, float]:
        """The proxies with a target value instead of "maximise" ({} when all are maximised)."""
        return {} if self.trainability_target is None else {"trainability": self.trainability_target}

    def same_as(self, meta: dict) -> bool:
        """Whether a stored history's configuration (`meta`) is this one; fields added to the
        configuration after a history was written count as their defaults."""
        defaults = {f.name: f.default for f in fields(self)}
        return {**defaults, **meta} == asdict(self)


def iteration_rng(seed: int, i: int) -> random.Random:
    digest = hashlib.sha256(f"search|{int(seed)}|{int(i)}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "little"))


def objective_values(history: pd.DataFrame, targets: dict | None = None) -> pd.DataFrame:
    """The history with each proxy of `targets` ({key: t}) replaced by -|value - t|, what the
    aggregate ranks when that proxy should be close to t (NaN and -inf stay -inf: lowest)."""
    if not targets:
        return history
    out = history.copy()
    for key, t in targets.items():
        v = out[key].to_numpy(float)
        out[key] = np.where(np.isfinite(v), -np.abs(v - float(t)), -np.inf)
    return out


def aggregated(history: pd.DataFrame, keys, targets: dict | None = None) -> np.ndarray:
    """AZ-NAS's aggregate over the whole history (Eq. 12); `targets` as `objective_values`
    (a configuration's `targets`)."""
    return aggregate.nonlinear(objective_values(history, targets), list(keys)).to_numpy()


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best (a stable argsort's last k, as `np.argsort(s)[-k:]`)."""
    return np.argsort(scores, kind="stable")[-k:]


def _parent(cfg: SearchConfig, prob: Problem, history: pd.DataFrame, agg, rng):
    n = len(history)
    if cfg.strategy == "random":
        return None, -1, 0
    if n <= 10:
        return prob.initial, -1, 1
    if cfg.strategy == "random-walk" or n < cfg.population - 1:
        i = rng.randrange(n)
    else:
        i = int(rng.choice(list(top_indices(agg, cfg.population - 1))))
    return history["arch"].iat[i], i, 2


def path_for(cfg: SearchConfig, root: Path | None = None) -> Path:
    return Path(root or SEARCH_DIR) / f"{cfg.name}.parquet"


def read_history(path: Path) -> tuple[pd.DataFrame, dict]:
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"aznas_search"])
    return table.to_pandas(), meta


def _write(history: pd.DataFrame, cfg: SearchConfig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(history, preserve_index=False)
    table = table.replace_schema_metadata({"aznas_search": json.dumps(asdict(cfg))})
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def run(cfg: SearchConfig, root: Path | None = None, checkpoint_every: int = 20,
        progress: bool = True, stop_after: int | None = None,
        prob: Problem | None = None) -> pd.DataFrame:
    """Run (or resume) the search of `cfg`; returns its history with an `aggregated` column.

    stop_after: return after that many new candidates (checkpointed), for tests and for
    splitting a long search into sessions. prob: the space's problem (default: built from
    `cfg.space`).
    """
    path = path_for(cfg, root)
    prob = prob or problem(cfg)
    rows: list[dict] = []
    if path.exists():
        old, meta = read_history(path)
        if not cfg.same_as(meta):
            raise ValueError(f"{path} holds a different search configuration: {meta}")
        rows = old.drop(columns=["aggregated"], errors="ignore").to_dict("records")
    history = pd.DataFrame(rows)
    agg = aggregated(history, prob.keys, cfg.targets) if rows else np.zeros(0)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.iterations, initial=len(rows), desc=cfg.name, mininterval=5)
    new = 0
    while len(rows) < cfg.iterations and (stop_after is None or new < stop_after):
        i = len(rows)
        rng = iteration_rng(cfg.seed, i)
        rejected = 0
        while True:
            parent, parent_idx, n_rep = _parent(cfg, prob, history, agg, rng)
            arch = prob.sample(rng) if parent is None else prob.mutate(parent, rng, n_rep)
            costs = prob.feasible(arch)
            if costs is not None:
                break
            rejected += 1
        t0 = time.perf_counter()
        values = prob.score(arch)
        seconds = time.perf_counter() - t0
        rows.append(dict(iteration=i, arch=arch, parent=parent_idx, rejected=rejected,
                         **costs, **{k: values[k] for k in prob.keys}, seconds=seconds))
        history = pd.DataFrame(rows)
        agg = aggregated(history, prob.keys, cfg.targets)
        new += 1
        if bar is not None:
            bar.update(1)
        if new % checkpoint_every == 0 or len(rows) == cfg.iterations:
            _write(history, cfg, path)
    if new % checkpoint_every:
        _write(history, cfg, path)
    if bar is not None:
        bar.close()
    out = history.copy()
    out["aggregated"] = agg
    return out


def load(cfg: SearchConfig, root: Path | None = None) -> pd.DataFrame:
    """A stored history with the aggregate recomputed over it (ValueError if absent)."""
    path = path_for(cfg, root)
    if not path.exists():
        raise ValueError(f"no search history {path}; run `aznas search` (see README)")
    history, meta = read_history(path)
    if not cfg.same_as(meta):
        raise ValueError(f"{path} holds a different search configuration: {meta}")
    history["aggregated"] = aggregated(history, problem(cfg).keys, cfg.targets)
    return history


def best(history: pd.DataFrame) -> pd.Series:
    """The search's answer: the argmax of the final aggregate (first on ties)."""
    return history.iloc[int(np.argmax(history["aggregated"].to_numpy()))]


def best_so_far(history: pd.DataFrame, keys, every: int = 1,
                targets: dict | None = None) -> pd.DataFrame:
    """Convergence: at iterations n = every, 2*every, ..., the aggregate of the best
    candidate among the first n, recomputed over the first n (what the search would answer
    if stopped there), and its raw proxies."""
    out = []
    for n in range(every, len(history) + 1, every):
        head = history.iloc[:n]
        agg = aggregated(head, keys, targets)
        j = int(np.argmax(agg))
        out.append(dict(n=n, best_index=j, best_aggregated=agg[j],
                        **{k: head[k].iat[j] for k in keys}))
    return pd.DataFrame(out)
