"""Provenance check: rebuild the ground-truth table from the official benchmark files.

The project ranks against a checksummed CSV (`nb201/nats_tss_test_accuracy_200ep.csv`) that a
third party exported from the NATS-Bench API. A user who owns the official files can check it:
`aznas data --from-api PATH` opens them through the benchmark's own API packages, reads every
architecture's numbers exactly as the AZ-NAS authors' code does (PROTOCOLS.md C.4 and C.6), and
compares them with the CSV and with this project's FLOPs/#Params counters.

* PATH ending in `.pth`: a NAS-Bench-201 file (`NAS-Bench-201-v1_*.pth`), read with the
  `nas-bench-201` package (`nas_201_api.NASBench201API`).
* any other PATH: NATS-Bench TSS through `nats_bench.create(PATH, 'tss', ...)`; a directory is
  the fast-mode archive (`NATS-tss-v1_0-3ffb9-simple/`, what the authors use), a file the
  single `.pickle.pbz2`.

Per architecture, with the 200-epoch results (`hp='200'`) averaged over the benchmark's seeds:
accuracy of `cifar10` on `ori-test` (trained on train+valid), of `cifar100` and
`ImageNet16-120` on `x-test`; `get_compute_costs(dataset)` for FLOPs and #Params. NATS-Bench
files count FLOPs as conv + linear MACs (linear bias included); the legacy count of the shared
fixture is said to come from the NAS-Bench-201 API. Each row's FLOPs are matched against both of
our conventions and the report counts which one each file follows.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from aznas_core.spaces import nb201

#: our dataset name -> (the API's dataset name, the evaluation split), PROTOCOLS.md C.4
SPLITS = {
    "cifar10": ("cifar10", "ori-test"),
    "cifar100": ("cifar100", "x-test"),
    "ImageNet16-120": ("ImageNet16-120", "x-test"),
}
HP = "200"
#: FLOPs/#Params are compared with our counters (rounded to 1e-6 M); accuracies must be equal
#: up to float rounding.
COST_ATOL = 1e-6
ACC_ATOL = 1e-9


def open_api(path):
    """The benchmark's own API object for `path` (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no such benchmark file or directory: {path}")
    if path.suffix == ".pth":
        try:
            from nas_201_api import NASBench201API
        except ImportError:
            raise ValueError("reading a NAS-Bench-201 .pth file needs the `nas-bench-201` "
                             "package: pip install nas-bench-201==2.1") from None
        import pickle

        try:
            return NASBench201API(str(path), verbose=False)
        except pickle.UnpicklingError as e:  # torch >= 2.6 loads with weights_only=True
            raise ValueError(
                f"torch refused to unpickle {path} with weights_only=True ({e}). If you trust "
                "the file, rerun with the environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1"
            ) from None
    try:
        import nats_bench
    except ImportError:
        raise ValueError("reading a NATS-Bench file needs the `nats_bench` package: "
                         "pip install nats_bench==1.8") from None
    return nats_bench.create(str(path), "tss", fast_mode=path.is_dir(), verbose=False)


def rebuild(api, limit: int | None = None) -> pd.DataFrame:
    """One row per architecture the file holds: index, arch, the three accuracies (%), and
    flops_<dataset> (MFLOPs) and params_<dataset> (M) as the API returns them."""
    indices = sorted(api.evaluated_indexes) or range(len(api))
    rows = []
    for i in list(indices)[:limit]:
        info = api.query_meta_info_by_index(i, hp=HP)
        row = {"index": int(i), "arch": api.meta_archs[i]}
        for ours, (name, split) in SPLITS.items():
            row[ours] = float(info.get_metrics(name, split, is_random=False)["accuracy"])
        for ours, (name, _) in SPLITS.items():
            costs = info.get_compute_costs(name)
            row[f"flops_{ours}"] = float(costs["flops"])
            row[f"params_{ours}"] = float(costs["params"])
        rows.append(row)
    return pd.DataFrame(rows)


def compare(rebuilt: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(differences, flops_conventions).

    `differences`: one row per mismatching value (index, arch, column, official, expected,
    source of the expected value); empty when every row equals the checksummed CSV and our
    counters. An architecture's FLOPs count as equal when they match either convention.
    `flops_conventions`: per dataset, how many rows match the NATS count, the legacy count,
    or neither.
    """
    from aznas_core.benchmarks.nb201 import ground_truth

    gt = ground_truth().set_index("index")
    diffs, conventions = [], []

    def differ(row, column, expected, source):
        diffs.append(dict(index=row["index"], arch=row["arch"], column=column,
                          official=row[column], expected=expected, source=source))

    for row in rebuilt.to_dict("records"):
        if not 0 <= row["index"] < nb201.N_ARCHS:
            differ(row, "index", None, f"0 <= index < {nb201.N_ARCHS}")
            continue
        truth = gt.loc[row["index"]]
        if row["arch"] != truth["arch"]:
            differ(row, "arch", truth["arch"], "ground-truth CSV")
            continue
        for d in SPLITS:
            if abs(row[d] - truth[d]) > ACC_ATOL:
                differ(row, d, truth[d], "ground-truth CSV")
            nats, params, legacy = nb201.costs(row["arch"], d)
            if abs(row[f"params_{d}"] - params) > COST_ATOL:
                differ(row, f"params_{d}", params, "aznas_core.nb201.costs")
            flops = row[f"flops_{d}"]
            match = ("nats" if abs(flops - nats) <= COST_ATOL else
                     "legacy" if abs(flops - legacy) <= COST_ATOL else "neither")
            conventions.append(dict(dataset=d, convention=match))
            if match == "neither":
                differ(row, f"flops_{d}", nats,
                       f"aznas_core.nb201.costs (NATS count; the legacy count is {legacy})")
    counts = (pd.DataFrame(conventions, columns=["dataset", "convention"])
              .value_counts().unstack(fill_value=0)
              .reindex(columns=["nats", "legacy", "neither"], fill_value=0))
    columns = ["index", "arch", "column", "official", "expected", "source"]
    return pd.DataFrame(diffs, columns=columns), counts


def check(path, limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Open, rebuild and compare: (rebuilt table, differences, FLOPs conventions)."""
    rebuilt = rebuild(open_api(path), limit=limit)
    diffs, conventions = compare(rebuilt)
    return rebuilt, diffs, conventions


def report_text(path, rebuilt: pd.DataFrame, diffs: pd.DataFrame, conventions: pd.DataFrame,
                max_listed: int = 20) -> str:
    """What `aznas data --from-api` prints."""
    n = len(rebuilt)
    lines = [f"rebuilt {n} architecture(s) from {path} (hp={HP}, mean over seeds; "
             "cifar10 ori-test, cifar100 and ImageNet16-120 x-test)",
             "FLOPs convention per dataset (rows whose FLOPs equal our NATS / legacy count):",
             conventions.to_string()]
    if diffs.empty:
        lines.append(f"OK: all {n} rows equal the checksummed ground-truth CSV (accuracies, "
                     "architecture strings) and our #Params/FLOPs counters")
    else:
        lines.append(f"DIFFERENT: {len(diffs)} value(s) in {diffs['index'].nunique()} row(s) "
                     f"differ; the first {min(max_listed, len(diffs))}:")
        lines.append(diffs.head(max_listed).to_string(index=False))
    return "\n".join(lines)
