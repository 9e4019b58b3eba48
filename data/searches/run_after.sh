#!/bin/bash
# After the searches: score the authors' published ViTs with the searches' supernets, and
# time one MobileNetV2 candidate at the paper's scale (224x224, batch 64) and at ours.
set -e
cd "$(dirname "$0")/../.."
.venv/bin/python - <<'PY'
import time
import pandas as pd
from aznas_core import problems
rows = [r for s in ("Tiny", "Small", "Base") for r in problems.autoformer_score_published(s, 64, 8, 0)]
pd.DataFrame(rows).to_parquet("data/searches/autoformer-published-res64-bs8-seed0.parquet", index=False)
bench = []
arch = "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE6K3(8,32,2,8,1)SuperResIDWE6K3(32,48,2,32,1)SuperResIDWE6K3(48,96,2,48,1)SuperResIDWE6K3(96,128,2,96,1)SuperConvK1BNRELU(128,2048,1,1)"
for res, bs in [(64, 16), (224, 64)]:
    for rep in range(2):
        t = time.perf_counter(); problems.mbv2_score(arch, res, bs, rep); s = time.perf_counter() - t
        bench.append(dict(space="mbv2", arch=arch, resolution=res, batch_size=bs, seconds=s))
pd.DataFrame(bench).to_csv("data/searches/bench.csv", index=False)
PY
