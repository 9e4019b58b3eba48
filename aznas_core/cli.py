"""The `aznas` command line: score, sweep, search, bench, data, proxies, book."""
from __future__ import annotations

import argparse
import json
import math
import sys


def _jsonable(v):
    return None if isinstance(v, float) and math.isnan(v) else (
        "-inf" if v == -math.inf else v)


def cmd_score(a) -> int:
    from aznas_core.scoring import score

    cfg = _config(a)
    values = score(a.arch, proxies=a.proxies, config=cfg)
    counts = score(a.arch, proxies=["flops", "params"], config=cfg)
    out = {**values, **counts}
    print(json.dumps({k: _jsonable(v) for k, v in out.items()}))
    return 0


def _config(a):
    """The one `Config` from the shared options of score, sweep and bench."""
    from aznas_core.config import Config

    return Config(space=a.space, dataset=a.dataset, batch_size=a.batch_size, init=a.init, seed=a.seed,
                  resolution=a.resolution, inputs=a.inputs, variant=a.variant, device=a.device)


def cmd_sweep(a) -> int:
    import numpy as np

    from aznas_core import sweep
    from aznas_core.spaces import get_space

    cfg = _config(a)
    archs = list(get_space(cfg.space).archs())
    if a.subset and cfg.space != "nb201":
        raise ValueError("--subset names NAS-Bench-201 subsets; use --n-archs for other spaces")
    if a.subset:
        from aznas_core.benchmarks.nb201 import fixed_sample, uniform_subset

        size = a.subset.removeprefix("fixed")
        if a.subset != "uniform1042" and not (a.subset.startswith("fixed") and size.isdigit()):
            raise ValueError(f"unknown --subset {a.subset!r}; expected 'uniform1042' or "
                             f"'fixedN' (e.g. fixed3000)")
        idx = uniform_subset() if a.subset == "uniform1042" else fixed_sample(int(size))
        archs = [archs[i] for i in idx]
    elif a.n_archs:
        rng = np.random.default_rng(a.sample_seed)
        archs = [archs[i] for i in sorted(rng.choice(len(archs), a.n_archs, replace=False))]
    executor = a.executor
    if executor == "dask":
        from distributed import Client

        executor = Client(a.scheduler) if a.scheduler else Client(n_workers=a.workers or None,
                                                                   threads_per_worker=1)
    try:
        summary = sweep.run(archs, proxies=a.proxies, cfg=cfg, workers=a.workers,
                            executor=executor, chunk_size=a.chunk_size, repair_shards=a.repair,
                            root=a.cache_root)
    except sweep.CorruptShardError as e:
        print(f"aznas: error: corrupted cache shard {e.path} ({e.problem}); rerun with "
              f"--repair to move it aside and recompute what it held", file=sys.stderr)
        return 3
    print(json.dumps(summary))
    return 0


def cmd_bench(a) -> int:
    from aznas_core import bench

    if a.table1 or a.batch_sizes:
        import dataclasses

        from aznas_core.proxies import AZNAS
        from aznas_core.report import TABLE1_METHODS

        cfg = _config(a)
        if a.table1:
            methods = {m.label: m.proxies for m in TABLE1_METHODS if m.runs_network}
            configs = {}
        else:  # AZ-NAS at each batch size (Table 9)
            sizes = [int(b) for b in a.batch_sizes.split(",")]
            methods = {f"batch {b}": AZNAS for b in sizes}
            configs = {f"batch {b}": dataclasses.replace(cfg, batch_size=b) for b in sizes}
        table = bench.methods(methods, n_archs=a.n_archs, seed=a.sample_seed, config=cfg,
                              configs=configs)
        summary = table.groupby("method", sort=False)["ms"].agg(["mean", "median"]).round(1)
        print(summary.to_string())
        if a.out:
            bench.write_timing(table, a.out, dataset=cfg.dataset, resolution=cfg.input_resolution,
                               batch_size=a.batch_sizes or cfg.batch_size, device=cfg.device,
                               n_archs=a.n_archs, sample_seed=a.sample_seed, note=a.note)
            print("wrote", a.out)
        return 0
    if a.proxies:
        for row in bench.families(a.proxies, n_archs=a.n_archs, seed=a.sample_seed,
                                  config=_config(a)):
            print(json.dumps(row))
        return 0
    result = bench.benchmark(n_archs=a.n_archs, workers=a.workers, seed=a.sample_seed,
                             config=_config(a))
    print(json.dumps(result))
    if result["wall_s"] and result["startup_s"] > 0.5 * result["wall_s"]:
        print(f"aznas: note: {result['startup_s']} s of the {result['wall_s']} s wall time went "
              "to worker start-up, not scoring: read worker_ms_per_arch_*, or time more "
              "architectures (--n-archs) or one family in-process (--proxies)", file=sys.stderr)
    return 0


def cmd_data(a) -> int:
    from aznas_core.data import verify_all

    if a.from_api:
        from aznas_core.benchmarks import official

        rebuilt, diffs, conventions = official.check(a.from_api, limit=a.limit)
        print(official.report_text(a.from_api, rebuilt, diffs, conventions))
        if a.out:
            rebuilt.to_csv(a.out, index=False)
            print(f"rebuilt table written to {a.out}")
        return 0 if diffs.empty else 1
    from aznas_core.data import data_dirs, locate

    dirs = data_dirs()
    print("data folders, searched in order: "
          + ", ".join(f"{d}{'' if d.is_dir() else ' (does not exist)'}" for d in dirs))
    report = verify_all()
    for rel, status in report.items():
        where = locate(rel) if status == "ok" else None
        print(f"{'OK  ' if status == 'ok' else 'FAIL'} {rel}"
              + (f"  (from {where})" if where else "")
              + ("" if status == "ok" else f"\n     {status}"))
    return 0 if all(s == "ok" for s in report.values()) else 1


def cmd_search(a) -> int:
    from aznas_core import search

    if a.space == "mbv2":
        budget = float(a.budget_flops)
        max_layers = a.max_layers or {450e6: 14, 600e6: 14}.get(budget, 16)
        cfg = search.SearchConfig(space="mbv2", strategy=a.strategy, iterations=a.iterations,
                                  population=a.population, seed=a.seed, budget=budget,
                                  max_layers=max_layers, resolution=a.resolution,
                                  batch_size=a.batch_size,
                                  trainability_target=a.trainability_target)
    else:
        from aznas_core.spaces import autoformer

        lo, hi = autoformer.WINDOWS[a.subset] if a.params_window is None else a.params_window
        cfg = search.SearchConfig(space="autoformer", strategy="random", iterations=a.iterations,
                                  seed=a.seed, subset=a.subset, min_budget=lo, budget=hi,
                                  resolution=a.resolution, batch_size=a.batch_size)
    history = search.run(cfg, root=a.root)
    top = search.best(history)
    print(json.dumps({"config": cfg.name, "iterations": len(history), "best": top["arch"],
                      "aggregated": float(top["aggregated"])}))
    return 0


def cmd_train(a) -> int:
    """`aznas train`: train architectures (NB201 cells or MobileNetV2 structures) with proxies
    along the epochs; resumable (rerun the same command), results under data/training/."""
    from aznas_core import train

    cfg = train.TrainConfig(space=a.space, source=a.source, dataset=a.dataset, epochs=a.epochs,
                            n_train=a.n_train, n_test=a.n_test, resolution=a.resolution,
                            batch_size=a.batch_size, init=a.init, seed=a.seed,
                            lr=a.lr, weight_decay=a.weight_decay, warmup_epochs=a.warmup_epochs,
                            proxies=a.proxies or (), proxy_epochs=a.proxy_epochs,
                            proxy_variant=a.proxy_variant, device=a.device)
    archs = list(a.arch)
    if a.subset:
        if cfg.space != "nb201":
            raise ValueError("--subset names NAS-Bench-201 subsets; pass MobileNetV2 "
                             "structures as arguments")
        archs += train.subset_archs(a.subset)
    if not archs:
        raise ValueError("no architectures: pass cell strings or --subset fixedN")
    if a.skip_trained_on:
        done = train.trained_on(a.skip_trained_on, cfg, a.root)
        archs = [x for x in archs if train.arch_id(x, cfg.space) not in done]
    executor = a.executor
    if executor == "dask":
        from distributed import Client

        executor = Client(a.scheduler) if a.scheduler else Client(n_workers=a.workers or None,
                                                                   threads_per_worker=1)
    frame = train.train(archs, cfg, workers=a.workers, root=a.root, progress=not a.no_progress,
                        executor=executor)
    done = frame.arch.nunique() if len(frame) else 0
    print(json.dumps({"config": cfg.key(), "networks": len(set(archs)), "finished": int(done),
                      "directory": str(cfg.directory(a.root))}))
    return 0


def cmd_proxies(a) -> int:
    """`aznas proxies`: every registered proxy, what it measures, needs and costs."""
    import pandas as pd

    from aznas_core.proxies.registry import list_proxies

    frame = list_proxies()
    if a.format == "csv":
        print(frame.to_csv(index=False), end="")
        return 0
    if a.format == "json":
        print(frame.to_json(orient="records"))
        return 0
    cols = ["name", "family", "kind", "relative_cost", "variants", "needs", "description"]
    with pd.option_context("display.max_colwidth", None, "display.width", 250):
        print(frame[cols].to_string(index=False))
    print("\nsign: every proxy is oriented larger-is-better. relative_cost: median ms per NB201 "
          "architecture relative to AZ-NAS (data/timing/nb201-cifar10-cpu.csv). Python: "
          "aznas_core.list_proxies()")
    return 0


def cmd_book(a) -> int:
    from aznas_core.book import build_book

    return build_book(execute=not a.no_execute)


def main(argv=None) -> int:
    from aznas_core.proxies import PROXIES

    p = argparse.ArgumentParser(prog="aznas", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def config_args(sp, proxies_default):
        sp.add_argument("--space", default="nb201",
                        help="cell search space: nb201 (default) or tnb101_micro")
        sp.add_argument("--dataset", default="cifar10",
                        help="cifar10, cifar100 or ImageNet16-120 (default cifar10); for "
                             "tnb101_micro a task, e.g. class_object")
        sp.add_argument("--batch-size", type=int, default=64)
        sp.add_argument("--init", default=None,
                        help="default: each proxy's protocol init (AZ-NAS: kaiming_fan_in); or "
                             "kaiming_fan_in, kaiming_fan_out, xavier_normal, normal, uniform, "
                             "pytorch_default, standard_normal")
        sp.add_argument("--seed", type=int, default=0)
        sp.add_argument("--resolution", type=int, default=None,
                        help="input size (default: the dataset's own: 32 for cifar10 and "
                             "cifar100, 16 for ImageNet16-120; the paper's ImageNet16-120 "
                             "numbers, and the README's, are at --resolution 32)")
        sp.add_argument("--inputs", default="synthetic_cifar10",
                        help="source of the batches the authors took from the training set: "
                             "synthetic_cifar10 (default; the blog's labelled substitute), "
                             "natural (1,834 real CIFAR-100 photographs of ten classes) or "
                             "gaussian (unlabelled)")
        sp.add_argument("--variant", default="aznas",
                        help="aznas (the AZ-NAS authors' harness) or zc (zero-cost-nas/NASLib)")
        sp.add_argument("--device", default="cpu", help="cpu (default) or cuda")
        sp.add_argument("--proxies", default=proxies_default,
                        help="comma-separated proxy names"
                             + (f" (default {proxies_default})" if proxies_default else "")
                             + f": {', '.join(sorted(PROXIES))}; `aznas proxies` describes "
                               "each")

    s = sub.add_parser("score", help="score one cell (NAS-Bench-201, or TransNAS-Bench-101 "
                                     "micro with --space tnb101_micro); prints JSON")
    s.add_argument("arch", help="cell string, e.g. '|nor_conv_3x3~0|+|...|'")
    config_args(s, "expressivity,progressivity,trainability,complexity")
    s.set_defaults(func=cmd_score)

    s = sub.add_parser("sweep", help="score the space (or a sample) into the cache; resumable")
    config_args(s, "expressivity,progressivity,trainability")
    s.add_argument("--n-archs", type=int, default=0, help="a uniform sample of N archs (0: all)")
    s.add_argument("--sample-seed", type=int, default=0)
    s.add_argument("--subset", default=None,
                   help="a documented fixed subset instead of --n-archs: 'uniform1042' (the "
                        "1,042 archs of Figs. 4/5/9) or 'fixedN' (N >= 1042: those 1,042 plus a "
                        "fixed random fill; N < 1042: a fixed random N of them; nested in "
                        "N; e.g. fixed300, fixed3000, fixed5000)")
    s.add_argument("--workers", type=int, default=None, help="default: one per core")
    s.add_argument("--executor", choices=["local", "serial", "dask"], default="local")
    s.add_argument("--scheduler", default=None, help="dask scheduler address (with --executor dask)")
    s.add_argument("--chunk-size", type=int, default=250)
    s.add_argument("--repair", action="store_true",
                   help="move corrupted shards aside (*.corrupt) and recompute what they held")
    s.add_argument("--cache-root", default=None, metavar="DIR",
                   help="the scores cache to fill (default: the project's data/scores)")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("bench", help="ms per architecture on this machine: the AZ-NAS sweep, or "
                                     "with --proxies each family single-threaded")
    config_args(s, None)
    s.add_argument("--n-archs", type=int, default=20)
    s.add_argument("--workers", type=int, default=None, help="default: one per core")
    s.add_argument("--sample-seed", type=int, default=0, help="which architectures are sampled")
    s.add_argument("--table1", action="store_true",
                   help="time every method of Table 1 in one run, interleaved per architecture")
    s.add_argument("--batch-sizes", default=None, metavar="B,B,...",
                   help="time AZ-NAS at each batch size in one run, interleaved (Table 9)")
    s.add_argument("--out", default=None,
                   help="with --table1 or --batch-sizes: write the timings (CSV + JSON)")
    s.add_argument("--note", default="", help="with --out: the run's conditions, in words")
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("data", help="verify the external benchmark files' checksums")
    s.add_argument("--from-api", metavar="PATH", default=None,
                   help="instead: rebuild the ground truth and FLOPs/#Params from an official "
                        "file (NAS-Bench-201 .pth, or NATS-Bench TSS .pickle.pbz2 / fast-mode "
                        "directory) and compare them with the checksummed CSV")
    s.add_argument("--limit", type=int, default=None, help="with --from-api: first N archs only")
    s.add_argument("--out", default=None, help="with --from-api: write the rebuilt table (CSV)")
    s.set_defaults(func=cmd_data)

    s = sub.add_parser("search", help="AZ-NAS search (Algorithm 1 / random); resumable")
    s.add_argument("--space", choices=["mbv2", "autoformer"], default="mbv2")
    s.add_argument("--strategy", choices=["evolution", "random-walk", "random"],
                   default="evolution",
                   help="mbv2: evolution (Algorithm 1, default), random-walk (the same loop "
                        "without selection) or random (independent samples); autoformer: "
                        "always random")
    s.add_argument("--budget-flops", default="450e6", help="mbv2: FLOPs budget (search counter)")
    s.add_argument("--max-layers", type=int, default=None, help="mbv2 (default: 14 for the 450M and 600M budgets, else 16)")
    s.add_argument("--subset", choices=["Tiny", "Small", "Base"], default="Tiny")
    s.add_argument("--params-window", type=float, nargs=2, default=None, metavar=("MIN", "MAX"),
                   help="autoformer: M params window (default: the authors' plain budget)")
    s.add_argument("--iterations", type=int, default=100000)
    s.add_argument("--population", type=int, default=1024)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--resolution", type=int, default=224)
    s.add_argument("--batch-size", type=int, default=64)
    s.add_argument("--trainability-target", type=float, default=None,
                   help="mbv2: rank s^T by closeness to this value instead of maximising it "
                        "(AZ-NAS supplement Table 10)")
    s.add_argument("--root", default=None, help="history folder (default data/searches)")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("proxies", help="list every registered proxy: family, what it "
                                       "measures, what it needs, sign, relative cost, variants")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.set_defaults(func=cmd_proxies)

    s = sub.add_parser("book", help="execute every notebook with papermill and build the book")
    s.add_argument("--no-execute", action="store_true", help="build from executed notebooks")
    s.set_defaults(func=cmd_book)

    s = sub.add_parser("train", help="train networks (CPU scale) with proxies along the "
                                     "epochs; resumable; results in data/training/")
    s.add_argument("arch", nargs="*", help="NB201 cell strings (or mbv2 structures)")
    s.add_argument("--subset", default=None,
                   help="NB201: 'fixedN', the first N of the nested fixed sample (in its "
                        "random nesting order, so a partial run is a uniform sample)")
    s.add_argument("--space", default="nb201", help="nb201 (default) or mbv2")
    s.add_argument("--source", default="natural",
                   help="natural (1,834 real images, fixed 1,498/336 split) or "
                        "synthetic_cifar10 (the blog's recipe, generated)")
    s.add_argument("--dataset", default="cifar10", help="classifier size and Normalize")
    s.add_argument("--epochs", type=int, default=12)
    s.add_argument("--n-train", type=int, default=None)
    s.add_argument("--n-test", type=int, default=None)
    s.add_argument("--resolution", type=int, default=None)
    s.add_argument("--batch-size", type=int, default=256)
    s.add_argument("--init", default="pytorch_default")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--lr", type=float, default=0.1, help="peak learning rate (NATS-Bench: 0.1)")
    s.add_argument("--weight-decay", type=float, default=5e-4)
    s.add_argument("--warmup-epochs", type=int, default=0,
                   help="linear warm-up epochs before the cosine (default 0, NATS-Bench)")
    s.add_argument("--proxies", default="", help="comma-separated proxies scored along training")
    s.add_argument("--proxy-epochs", default="0", help="e.g. 0,1,2,4,8 (0 = at initialisation)")
    s.add_argument("--proxy-variant", default="zc", help="zc (default) or aznas")
    s.add_argument("--device", default="cpu")
    s.add_argument("--workers", type=int, default=1, help="processes, one network each")
    s.add_argument("--executor", choices=["local", "serial", "dask"], default=None,
                   help="default: serial with one worker, else local processes")
    s.add_argument("--scheduler", default=None, help="dask scheduler address (with --executor dask)")
    s.add_argument("--root", default=None, help="results folder (default data/training)")
    s.add_argument("--skip-trained-on", default=None, metavar="DEVICE",
                   help="skip networks already finished under this configuration on DEVICE "
                        "(e.g. cuda: a CPU run trains only what a GPU run left)")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_train)

    a = p.parse_args(argv)
    import warnings

    formatwarning = warnings.formatwarning
    warnings.formatwarning = _one_line_warning  # restored on return
    try:
        return a.func(a)
    except ValueError as e:
        print(f"aznas: error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        first = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        resolution = getattr(a, "resolution", None)
        if resolution is not None and any(w in first.lower() for w in _SIZE_WORDS):
            print(f"aznas: error: the network cannot run at --resolution {resolution} ({first}); "
                  "use a larger input (default: the dataset's own, 32 for cifar10 and "
                  "cifar100, 16 for ImageNet16-120)",
                  file=sys.stderr)
            return 2
        raise
    finally:
        warnings.formatwarning = formatwarning


def _one_line_warning(message, category, filename, lineno, line=None):
    return f"aznas: warning: {message}\n"


#: torch's messages for an input too small for a network's downsampling
_SIZE_WORDS = ("output size is too small", "kernel size can't be greater", "spatial element",
               "input size", "padding should be")


if __name__ == "__main__":
    sys.exit(main())
