"""Tables of the proxies notebook: cache coverage and the agreement with NASLib's scores.

Both only read caches and the shared benchmark data; nothing here computes a proxy.
"""
from __future__ import annotations

import pandas as pd

from aznas_core import metrics, nb201, sweep
from aznas_core.benchmarks import zc_suite
from aznas_core.proxies import FAMILIES, Config

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def _configs(dataset: str):
    """The configurations the sweeps use: each dataset's own resolution under both variants,
    and ImageNet16-120's proxies also at 32x32 (Table 4's resolution question)."""
    yield "aznas", None, Config(dataset=dataset)
    yield "zc", None, Config(dataset=dataset, variant="zc")
    if dataset == "ImageNet16-120":
        yield "aznas", 32, Config(dataset=dataset, resolution=32)


def coverage(datasets=DATASETS, root=None) -> pd.DataFrame:
    """proxy x (dataset, variant, resolution) -> architectures cached, for every network
    family of the registry (variant 'aznas' for a family without a 'zc' variant)."""
    rows = []
    for d in datasets:
        for variant, res, cfg in _configs(d):
            for name, fam in FAMILIES.items():
                if fam.kind != "network" or (variant not in fam.variants):
                    continue
                cache = sweep.read_cache(cfg, root, name)
                counts = cache.groupby("proxy")["arch"].nunique() if len(cache) else {}
                for p in fam.proxies:
                    rows.append({"proxy": p, "family": name, "dataset": d, "variant": variant,
                                 "resolution": res or cfg.input_resolution,
                                 "archs": int(counts.get(p, 0))})
    return pd.DataFrame(rows)


def ours_on_suite(dataset: str, proxies, variant: str = "zc", root=None,
                  inputs: str = "synthetic_cifar10") -> pd.DataFrame:
    """Our cached scores of NASLib's suite architectures for `dataset` on the input source
    `inputs`: arch + one column per proxy (architectures missing a proxy hold NaN)."""
    cfg = Config(dataset=dataset, variant=variant, inputs=inputs)
    suite = zc_suite.load("nb201", dataset)[["arch"]]
    out = suite.copy()
    for p in proxies:
        cache = sweep.read_cache(cfg, root, _family_of(p))
        cache = cache[cache["proxy"] == p].set_index("arch")["value"]
        out[p] = out["arch"].map(cache)
    return out


def _family_of(proxy: str) -> str:
    from aznas_core.proxies import PROXIES

    return PROXIES[proxy].family


def naslib_agreement(datasets=DATASETS, variant: str = "zc", root=None) -> pd.DataFrame:
    """Per (proxy, dataset) over the suite architectures we have cached: Spearman of our
    score with NASLib's, and of each with the ground truth (the benchmark's test accuracy,
    `nb201.ground_truth`; NASLib's own `val_accuracy` column gives the same ranking
    question on a different split). Architectures where either score is NaN, and pairs with
    fewer than 3 cached architectures, are left out."""
    truth = nb201.ground_truth().set_index("arch")
    rows = []
    for d in datasets:
        suite = zc_suite.load("nb201", d)
        proxies = [p for p in zc_suite.PROXIES if p not in ("flops", "params")
                   and p in _known()]
        ours = ours_on_suite(d, proxies, variant, root)
        gt = suite["arch"].map(truth[d])
        for p in proxies:
            have = ours[p].notna() & suite[p].notna()  # NASLib has a few NaN scores
            if have.sum() < 3:
                continue
            rows.append({
                "proxy": p, "dataset": d, "n_archs": int(have.sum()),
                "rho_ours_naslib": metrics.spearman_rho(ours[p][have], suite[p][have]),
                "rho_ours_truth": metrics.spearman_rho(ours[p][have], gt[have]),
                "rho_naslib_truth": metrics.spearman_rho(suite[p][have], gt[have]),
            })
    return pd.DataFrame(rows)


def _known():
    from aznas_core.proxies import PROXIES

    return PROXIES


def naslib_inputs(datasets=DATASETS, inputs=("synthetic_cifar10", "natural"), variant: str = "zc",
                  root=None, min_archs: int = 100) -> pd.DataFrame:
    """How close each of our input sources comes to NASLib's real CIFAR / ImageNet16 batches:
    per (proxy, dataset), on the suite architectures that every input has cached (at least
    `min_archs`), Spearman of our score with NASLib's under each input (`rho_naslib_<input>`),
    of our score with the ground truth under each input (`rho_truth_<input>`), and NASLib's own
    with the ground truth. Data-free proxies (synflow, l2_norm) are left out: no input to
    change."""
    truth = nb201.ground_truth().set_index("arch")
    rows = []
    for d in datasets:
        suite = zc_suite.load("nb201", d)
        proxies = [p for p in zc_suite.PROXIES if p not in ("flops", "params", "synflow", "l2_norm")
                   and p in _known()]
        ours = {i: ours_on_suite(d, proxies, variant, root, inputs=i) for i in inputs}
        gt = suite["arch"].map(truth[d])
        for p in proxies:
            have = suite[p].notna()
            for i in inputs:
                have &= ours[i][p].notna()
            if have.sum() < min_archs:
                continue
            row = {"proxy": p, "dataset": d, "n_archs": int(have.sum())}
            for i in inputs:
                row[f"rho_naslib_{i}"] = metrics.spearman_rho(ours[i][p][have], suite[p][have])
            for i in inputs:
                row[f"rho_truth_{i}"] = metrics.spearman_rho(ours[i][p][have], gt[have])
            row["rho_truth_naslib"] = metrics.spearman_rho(suite[p][have], gt[have])
            rows.append(row)
    return pd.DataFrame(rows)
