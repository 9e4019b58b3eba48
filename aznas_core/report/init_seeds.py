"""How much a baseline's "Acc." depends on its random initialisation (and random input).

    python -m aznas_core.report.init_seeds --proxy synflow --seeds 1-20
    python -m aznas_core.report.init_seeds --authors-stream

The paper's "Acc." (Table 1) is the accuracy of the first argmax of a proxy in each of five
fixed draws of 3,000 architectures: a statistic of the very top of each draw. A proxy on
random weights gives every architecture a score plus init noise; Kendall's tau over 15,625
architectures barely feels that noise, but the argmax of a draw can change with it whenever
the draw's best few scores lie within the noise of each other. The authors seeded their runs
differently from us (one global stream; we seed per (configuration, architecture)), so their
"Acc." is one init realisation and ours another.

This module measures the spread exactly, without sweeping the whole space per seed: the
architectures that can be a draw's argmax are its `top_k` by the committed seed-0 scores
(`candidates`); those are re-scored at other seeds through the sweep engine (cached under
`data/scores/`, the seed is part of the cache key), and `acc_by_seed` recomputes the "Acc."
at each seed with the argmax restricted to them. `acc_by_seed` also reports, per seed, the
margin that justifies the restriction: how far the best candidate stays above every
non-candidate's seed-0 score, in units of the largest seed-to-seed spread seen among the
candidates (a non-candidate would need to move that many spreads to take the argmax).

`authors_stream_acc` replays the authors' own weights instead (`authors_init`, from the CUDA
stream that `cuda_rng` emulates): it gives the paper's Synflow "Acc." to the printed digits.
"""
from __future__ import annotations

import argparse
import functools
import math

import numpy as np
import pandas as pd
import torch

from aznas_core import metrics, sweep
from aznas_core.report import methods as report
from aznas_core.data import PROJECT_ROOT
from aznas_core.proxies import Config

DRAWS = (1, 2, 3, 4, 5)  # the paper's 'Acc.' seeds (PROTOCOLS.md C.5)
#: proxies whose scores span many orders of magnitude: noise is multiplicative, compare logs
LOG_SCALE = {"synflow"}


def _scale(proxy: str, values):
    values = np.asarray(values, dtype=float)
    if proxy in LOG_SCALE:
        with np.errstate(divide="ignore"):
            return np.log10(values)
    return values


def candidates(dataset: str, proxy: str = "synflow", top_k: int = 20, resolution: int = 32,
               **config) -> list[str]:
    """The union over the five draws of each draw's `top_k` distinct architectures by the
    cached seed-0 scores (all 15,625 must be cached), in benchmark-index order."""
    frame, absent = report.cached_scores(dataset, [proxy], resolution=resolution, **config)
    if absent or frame[proxy].notna().sum() < 15625:
        raise ValueError(f"{proxy} is not cached on all 15,625 architectures for {dataset} at "
                         f"{resolution}x{resolution}: run `aznas sweep --dataset {dataset} "
                         f"--resolution {resolution} --proxies {proxy}` first")
    by_arch = frame.set_index("arch")
    out = set()
    for k in DRAWS:
        s = by_arch.loc[metrics.paper_sample(k, 3000, True), proxy]
        s = s[~s.index.duplicated()]
        out |= set(s.nlargest(top_k, keep="all").index)
    return [a for a in by_arch.index if a in out]


def run(dataset: str, proxy: str, seeds, top_k: int = 20, resolution: int = 32,
        progress: bool = False) -> None:
    """Cache `proxy` at every seed of `seeds` on the `candidates` (resumable)."""
    archs = candidates(dataset, proxy, top_k, resolution)
    for seed in seeds:
        sweep.run(archs=archs, proxies=[proxy], workers=1, executor="serial", chunk_size=len(archs),
                  cfg=Config(dataset=dataset, resolution=resolution, seed=seed),
                  progress=progress)


def acc_by_seed(dataset: str, proxy: str, seeds, top_k: int = 20,
                resolution: int = 32) -> pd.DataFrame:
    """One row per seed (0 = the committed full sweep): the 'Acc.' of each draw, their mean
    and std (ddof 1, as the paper), and `margin`: over the draws, the smallest gap between the
    seed's best candidate and the best non-candidate's seed-0 score, divided by the largest
    seed-to-seed range of a candidate's (scaled) score. Raises if a seed is not cached."""
    cand = candidates(dataset, proxy, top_k, resolution)
    full, _ = report.comparison_frame(dataset, [proxy], resolution=resolution)
    truth = full.set_index("arch")["acc"]
    seed0 = full.set_index("arch")[proxy]
    by_seed = {0: seed0.loc[cand]}
    for seed in seeds:
        f, absent = report.cached_scores(dataset, [proxy], resolution=resolution, seed=seed)
        got = f.set_index("arch")[proxy].reindex(cand) if not absent else pd.Series(dtype=float)
        if absent or got.isna().any():
            raise ValueError(f"{proxy} at seed {seed} is not cached on the {len(cand)} candidates "
                             f"of {dataset}: run `python -m aznas_core.report.init_seeds "
                             f"--proxy {proxy} --datasets {dataset} --seeds {seed}`")
        by_seed[seed] = got
    scaled = pd.DataFrame({s: _scale(proxy, v.to_numpy()) for s, v in by_seed.items()}, index=cand)
    spread = float((scaled.max(axis=1) - scaled.min(axis=1)).max())
    rest = pd.Series(_scale(proxy, seed0.to_numpy()), index=seed0.index).drop(cand)
    drawn = {k: set(metrics.paper_sample(k, 3000, True)) for k in DRAWS}
    # which candidates / other architectures each draw holds (the same for every seed)
    cand_in = {k: np.array([a in drawn[k] for a in cand]) for k in DRAWS}
    rest_max = {k: rest.to_numpy()[np.array([a in drawn[k] for a in rest.index])].max()
                for k in DRAWS}
    rows = []
    for seed, scores in by_seed.items():
        # the paper's 'Acc.' with the argmax restricted to the candidates (the others -inf)
        frame = pd.DataFrame({"arch": truth.index, "acc": truth.to_numpy(),
                              proxy: scores.reindex(truth.index).fillna(-np.inf).to_numpy()})
        mean, std, accs = metrics.paper_acc(frame, [proxy], "acc", method="-", seeds=DRAWS)
        values = scores.to_numpy()
        gaps = [float(_scale(proxy, [values[cand_in[k]].max()])[0] - rest_max[k]) for k in DRAWS]
        rows.append(dict(dataset=dataset, proxy=proxy, seed=seed, **{f"draw{k}": a for k, a in zip(DRAWS, accs)},
                         acc_mean=mean, acc_std=std,
                         margin=min(gaps) / spread if spread > 0 else float("inf")))
    return pd.DataFrame(rows)


def authors_init(model: torch.nn.Module, seed: int, call: int) -> int:
    """Initialise `model` as the authors' Synflow harness does on the GPU (PROTOCOLS.md A4):
    Kaiming-normal fan-in weights for every conv and linear layer in module order, drawn from
    CUDA's generator (`cuda_rng.cuda_normal`) starting at its `call`-th draw since
    `manual_seed(seed)`; zero biases. Returns the index of the next draw."""
    from aznas_core.proxies.gradient import prunable
    from aznas_core.validation.cuda_rng import cuda_normal

    with torch.no_grad():
        for m in prunable(model):
            std = math.sqrt(2.0) / math.sqrt(m.weight[0].numel())  # gain(relu) / sqrt(fan_in)
            m.weight.copy_(torch.from_numpy(cuda_normal(seed, call, m.weight.numel(), std))
                           .reshape(m.weight.shape))
            if m.bias is not None:
                m.bias.zero_()
            call += 1
    return call


@functools.lru_cache(maxsize=None)
def stream_calls(arch: str, dataset: str) -> int:
    """The CUDA `normal_` calls `authors_init` makes on `arch`'s network: one per conv and
    linear layer, dead edges included (the authors initialise every module). Counted on one
    built cell of `arch` times the network's cells, plus the layers outside the cells
    (`_fixed_layers`): the same count as a whole network's, 20x faster (the replay counts
    2,700 networks a draw; `tests/test_init_seeds.py` checks it against whole builds)."""
    from aznas_core.proxies.gradient import prunable
    from aznas_core.spaces import nb201

    n_cells, fixed = _fixed_layers(dataset)
    return fixed + n_cells * len(prunable(nb201.Cell(arch, 16, prune=True)))


@functools.lru_cache(maxsize=None)
def _fixed_layers(dataset: str) -> tuple[int, int]:
    """(cells, conv and linear layers outside the cells) of `dataset`'s network, counted on a
    whole build."""
    from aznas_core.proxies.gradient import prunable
    from aznas_core.spaces import nb201

    net = nb201.build(nb201.archs()[0], dataset, prune=True)
    cells = [m for m in net.modules() if isinstance(m, nb201.Cell)]
    return len(cells), len(prunable(net)) - sum(len(prunable(c)) for c in cells)


def authors_stream_acc(dataset: str, resolution: int = 32, top_k: int = 20,
                       draws=DRAWS) -> pd.DataFrame:
    """Synflow's 'Acc.' with the authors' own random weights: per draw k (their run after
    `prepare_seed(k)`), the 3,000 sampled networks in order, each initialised from the CUDA
    stream where the previous one left it, every occurrence of a duplicate with its own
    weights. Only each draw's `candidates` are scored; the others only advance the stream, by
    `authors_init`'s call count on their network (`acc_by_seed`'s margin shows they cannot
    win). One row per draw: the selected architecture, its score and accuracy."""
    from aznas_core.proxies.synflow import synflow_score
    from aznas_core.spaces import nb201

    cand = set(candidates(dataset, "synflow", top_k, resolution))
    full, _ = report.comparison_frame(dataset, ["synflow"], resolution=resolution)
    truth = full.set_index("arch")["acc"]
    rows = []
    for k in draws:
        call, best = 0, (-math.inf, None)
        for arch in metrics.paper_sample(k, 3000, True):
            if arch in cand:
                model = nb201.build(arch, dataset, prune=True)
                authors_init(model, k, call)
                score = synflow_score(model.train(), resolution)
                if score > best[0]:  # first occurrence wins ties, as np.argmax
                    best = (score, arch)
            call += stream_calls(arch, dataset)
        rows.append(dict(dataset=dataset, resolution=resolution, draw=k, arch=best[1],
                         synflow=best[0], acc=float(truth.loc[best[1]]), draws_used=call))
    return pd.DataFrame(rows)


#: `authors_stream_acc` for every dataset (and ImageNet16-120 at both sizes), committed
AUTHORS_STREAM = PROJECT_ROOT / "data" / "validation" / "authors_stream_synflow.csv"
AUTHORS_STREAM_RUNS = (("cifar10", 32), ("cifar100", 32), ("ImageNet16-120", 16),
                       ("ImageNet16-120", 32))


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = map(int, text.split("-"))
        return list(range(lo, hi + 1))
    return [int(s) for s in text.split(",")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy", default="synflow")
    ap.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    ap.add_argument("--seeds", default="1-20", help="e.g. 1-20 or 3,7")
    ap.add_argument("--top-k", type=int, default=20)
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--authors-stream", action="store_true",
                    help=f"instead: Synflow's 'Acc.' with the authors' CUDA weights, every dataset "
                         f"-> {AUTHORS_STREAM.relative_to(PROJECT_ROOT)}")
    a = ap.parse_args(argv)
    if a.authors_stream:
        runs = [authors_stream_acc(d, r, a.top_k) for d, r in AUTHORS_STREAM_RUNS]
        pd.concat(runs, ignore_index=True).to_csv(AUTHORS_STREAM, index=False, float_format="%.10g")
        print(pd.read_csv(AUTHORS_STREAM).to_string())
        return
    for d in a.datasets.split(","):
        run(d, a.proxy, _seeds(a.seeds), a.top_k, a.resolution, progress=True)
        print(acc_by_seed(d, a.proxy, _seeds(a.seeds), a.top_k, a.resolution).round(3).to_string(),
              flush=True)


if __name__ == "__main__":
    main()
