#!/bin/bash
# The scaled MobileNetV2 searches of notebooks/table2.ipynb and table7.ipynb (resumable:
# rerun after an interruption). Scale: see the notebooks (paper: 100,000 iterations,
# population 1,024, 224x224, batch 64).
set -e
cd "$(dirname "$0")/../.."
IT=${IT:-600}; POP=${POP:-64}; RES=${RES:-64}; BS=${BS:-16}
S="--iterations $IT --population $POP --resolution $RES --batch-size $BS"
case "$1" in
  evolution)
    for args in "--budget-flops 450e6 --seed 0" "--budget-flops 600e6 --seed 0" \
                "--budget-flops 1000e6 --seed 0" "--budget-flops 450e6 --seed 1" \
                "--budget-flops 450e6 --seed 2"; do
      .venv/bin/aznas search --space mbv2 --strategy evolution $args $S
    done ;;
  random-walk)
    for b in 450e6 600e6 1000e6; do
      .venv/bin/aznas search --space mbv2 --strategy random-walk --budget-flops $b --seed 0 $S
    done ;;
esac
