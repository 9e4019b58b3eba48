"""How far the committed score caches move on this kind of machine: recompute a few entries
of the oldest and newest shard of every cache directory and record the differences, which
calibrate the cross-machine bounds of the committed-cache check
(`OTHER_MACHINE_TOLERANCE` in tests/test_sweep.py).

    python -m aznas_core.validation.cross_machine --out data/validation/cross_machine_<cpu>.csv
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from aznas_core import sweep
from aznas_core.config import Config
from aznas_core.scoring import score_family


def recompute(root=None, per_shard: int = 3, seed: int = 1, skip=("natural",)) -> pd.DataFrame:
    """One row per recomputed (shard, arch, proxy): cached and fresh value, absolute and
    relative difference (0 when equal, NaN = NaN included), the shard's recorded machine."""
    base = (root or sweep.SCORES_DIR) / "nb201"
    dirs = sorted(d for d in base.glob("res*") if d.is_dir())
    dirs += sorted(d for d in base.glob("*/*") if d.is_dir() and not any(s in d.name for s in skip))
    rows = []
    for d in dirs:
        shards = sorted(d.glob("part-*.parquet"))
        for shard in dict.fromkeys(shards[:1] + shards[-1:]):
            meta = json.loads(pq.read_schema(shard).metadata[sweep.META_KEY])
            config = dict(meta["config"])
            family = config.pop("family", "aznas")
            cfg = Config(**config)
            frame = sweep.read_shard(shard, cfg, family)
            archs = frame["arch"].drop_duplicates()
            for arch in archs.sample(min(per_shard, len(archs)), random_state=seed):
                cached = frame[frame["arch"] == arch]
                fresh = score_family(family, arch, cfg, tuple(cached["proxy"]))
                for r in cached.itertuples():
                    f = fresh[r.proxy]
                    equal = f == r.value or (np.isnan(f) and np.isnan(r.value))
                    rows.append(dict(dir=str(d.relative_to(base.parent)), shard=shard.name,
                                     kernels=str(meta.get("kernels")), arch=arch, proxy=r.proxy,
                                     cached=r.value, fresh=f, abs_diff=abs(f - r.value),
                                     rel_diff=0.0 if equal else abs(f - r.value) / max(abs(r.value), 1e-30)))
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="CSV to write")
    ap.add_argument("--per-shard", type=int, default=3)
    a = ap.parse_args(argv)
    frame = recompute(per_shard=a.per_shard)
    frame.to_csv(a.out, index=False)
    print(frame.groupby("proxy")["rel_diff"].max().sort_values().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
