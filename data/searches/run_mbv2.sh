#!/bin/bash
# The scaled MobileNetV2 searches of notebooks/table2.ipynb and table7.ipynb, one resumable
# lane per search (rerun a lane after an interruption). Scale: see the notebooks (paper:
# 100,000 iterations, population 1,024, 224x224, batch 64).
set -e
cd "$(dirname "$0")/../.."
IT=${IT:-120}; POP=${POP:-16}; RES=${RES:-64}; BS=${BS:-16}
S="--iterations $IT --population $POP --resolution $RES --batch-size $BS"
run() { .venv/bin/aznas search --space mbv2 $S "$@"; }
case "$1" in
  450) run --budget-flops 450e6 --seed 0 ;;
  600) run --budget-flops 600e6 --seed 0 ;;
  1000) run --budget-flops 1000e6 --seed 0 ;;
  seed1) run --budget-flops 450e6 --seed 1 ;;
  seed2) run --budget-flops 450e6 --seed 2 ;;
  random-walk) run --budget-flops 450e6 --seed 0 --strategy random-walk ;;
  random-walk-600) run --budget-flops 600e6 --seed 0 --strategy random-walk ;;
  random-walk-1000) run --budget-flops 1000e6 --seed 0 --strategy random-walk ;;
  *) for lane in 450 600 1000 seed1 seed2 random-walk random-walk-600 random-walk-1000; do
       "$0" $lane; done ;;
esac
