"""Is epe_nas's distance from NASLib on CIFAR-100 and ImageNet16-120 the natural images' ten
classes? A measurement for the proxies page (issue 23).

    python -m aznas_core.validation.epe_labels [--datasets cifar10,cifar100,ImageNet16-120]

epe_nas groups a batch's input Jacobians by label (`proxies.gradient.epe_nas`). NASLib's real
batch of 64 draws from 100 (120) classes, so most classes hold one or two samples; the natural
images have ten classes of about six samples each. On each suite architecture this recomputes
the natural-image Jacobian the cached score read (same network, same batch, same pass) and
scores epe_nas under three labelings of that batch:

``own``        the images' labels 0..9 (equals the cached `epe_nas`; `tests` check it);
``uniform_k``  labels drawn uniformly over the dataset's K classes (NASLib's class
               multiplicity: what a shuffled batch of a balanced K-class training set gives);
``uniform_10`` labels drawn uniformly over ten classes (the natural images' multiplicity
               with the grouping made random: separates "how many per class" from "which
               images share a class").

Spearman of each with NASLib's scores (`agreement`) says whether the label structure closes
the gap. Written to ``data/scores/zc_suite/epe_labels-<dataset>.csv`` (measured on one core
beside a two-worker sweep: 9 minutes for each 32x32 dataset's 725 architectures, 3 for
ImageNet16-120's at 16x16)."""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

from aznas_core import metrics
from aznas_core.benchmarks import zc_suite
from aznas_core.config import Config
from aznas_core.proxies.gradient import epe_nas, labelled_pass
from aznas_core.scoring import network_and_batch
from aznas_core.seeding import generator, single_threaded

LABELINGS = ("own", "uniform_k", "uniform_10")
DIR = Path(__file__).resolve().parents[2] / "data" / "scores" / "zc_suite"


def config(dataset: str) -> Config:
    """The configuration of the cached natural-image suite scores (`naslib_sweep`)."""
    return Config(dataset=dataset, variant="zc", inputs="natural")


def epe_under_labelings(arch: str, cfg: Config) -> dict[str, float]:
    """epe_nas of `arch` on `cfg`'s batch under each of `LABELINGS`, from one Jacobian
    read from the tensors `scoring.score_family` reads for the cached score."""
    with single_threaded():
        model, batch = network_and_batch("gradient", arch, cfg, ("epe_nas",))
        r = labelled_pass(model, batch.x, batch.y, jacobian=True, activations=False)
    g = generator(cfg.seed, arch, "epe_relabel")
    n, k = len(batch.y), r["num_outputs"]
    labels = {"own": batch.y,
              "uniform_k": torch.randint(0, k, (n,), generator=g),
              "uniform_10": torch.randint(0, 10, (n,), generator=g)}
    return {name: epe_nas(r["jacobian"], labels[name], k) for name in LABELINGS}


def path(dataset: str, root=None) -> Path:
    return Path(root or DIR) / f"epe_labels-{dataset}.csv"


def compute(dataset: str, archs=None, progress: bool = True) -> pd.DataFrame:
    """arch + one column per labeling, on `archs` (default: the dataset's suite architectures)."""
    from tqdm import tqdm

    cfg = config(dataset)
    archs = list(zc_suite.load("nb201", dataset).arch) if archs is None else list(archs)
    rows = [{"arch": a, **epe_under_labelings(a, cfg)}
            for a in tqdm(archs, desc=f"epe_nas labelings {dataset}", disable=not progress)]
    return pd.DataFrame(rows, columns=["arch", *LABELINGS])


def agreement(datasets=("cifar10", "cifar100", "ImageNet16-120"), root=None) -> pd.DataFrame:
    """Per dataset with a written file: Spearman of epe_nas under each labeling with NASLib's
    real-image epe_nas (`rho_naslib_<labeling>`) and with the test accuracy
    (`rho_truth_<labeling>`), beside NASLib's own, on the architectures both score."""
    from aznas_core import nb201

    truth = nb201.ground_truth().set_index("arch")
    rows = []
    for d in datasets:
        if not path(d, root).exists():
            continue
        ours = pd.read_csv(path(d, root))
        suite = zc_suite.load("nb201", d)[["arch", "epe_nas"]].rename(columns={"epe_nas": "naslib"})
        m = ours.merge(suite, on="arch").dropna()
        gt = m["arch"].map(truth[d])
        row = {"dataset": d, "n_archs": len(m)}
        row.update({f"rho_naslib_{lab}": metrics.spearman_rho(m[lab], m["naslib"])
                    for lab in LABELINGS})
        row.update({f"rho_truth_{lab}": metrics.spearman_rho(m[lab], gt) for lab in LABELINGS})
        row["rho_truth_naslib"] = metrics.spearman_rho(m["naslib"], gt)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    args = ap.parse_args(argv)
    for d in args.datasets.split(","):
        out = compute(d)
        out.to_csv(path(d), index=False, float_format="%.17g")
        print(d, len(out), "->", path(d), flush=True)


if __name__ == "__main__":
    main()
