#!/bin/bash
# The scaled AutoFormer random searches of notebooks/table3.ipynb (resumable). Paper: 10,000
# candidates per subset at 224x224, batch 64.
set -e
cd "$(dirname "$0")/../.."
RES=${RES:-64}; BS=${BS:-8}
.venv/bin/aznas search --space autoformer --subset Tiny --iterations ${N_TINY:-160} --resolution $RES --batch-size $BS --seed 0
.venv/bin/aznas search --space autoformer --subset Small --iterations ${N_SMALL:-60} --resolution $RES --batch-size $BS --seed 0
.venv/bin/aznas search --space autoformer --subset Base --iterations ${N_BASE:-30} --resolution $RES --batch-size $BS --seed 0
