#!/bin/bash
# notebooks/table10.ipynb (AZ-NAS Table 10 / Fig. 8, scaled): the networks the Table 10 searches
# found (data/searches/run_table10.sh; N1..N5 = report.paper.table10_found's `network`) trained
# on the natural images with report.paper.TABLE10_TRAIN (50 epochs, batch 64, lr 0.02 with a
# one-epoch warm-up, E/P/T at epochs 0,1,2,5,10,20,30,40,50). Resumable: rerun a lane.
# Lanes balanced by FLOPs: a = N1 N2 N3, b = N4 N5, c = N3 alone (started beside a, which then
# finds N3 finished: the three lanes of the committed run). ROOT: results folder; PY: the interpreter.
set -e
cd "$(dirname "$0")/../.."
ROOT=${ROOT:-data/training}; PY=${PY:-.venv/bin/python}
nets() { "$PY" -c "import sys; from aznas_core.report import paper
f = paper.table10_found(paper.table10_searches()).drop_duplicates('network').set_index('network')
print(' '.join(f.loc[n, 'arch'] for n in sys.argv[1:]))" "$@"; }
run() { "$PY" -m aznas_core.cli train --space mbv2 --source natural --epochs 50 --batch-size 64 \
          --lr 0.02 --warmup-epochs 1 --proxies expressivity,progressivity,trainability \
          --proxy-epochs 0,1,2,5,10,20,30,40,50 --root "$ROOT" --no-progress $(nets "$@"); }
# The recipe trials that chose the recipe (report.paper.TABLE10_RECIPES, 8 epochs, on N1):
trial() { "$PY" -m aznas_core.cli train --space mbv2 --source natural --epochs 8 --lr "$1" \
            --warmup-epochs "$2" --batch-size "$3" --root "$ROOT" --no-progress $(nets N1); }
case "$1" in
  r1) trial 0.1 0 256; trial 0.1 1 64; trial 0.05 1 64 ;;
  r2) trial 0.02 1 64; trial 0.01 1 64 ;;
  a) run N1 N2 N3 ;;
  b) run N4 N5 ;;
  c) run N3 ;;
  *) run N1 N2 N3 N4 N5 ;;
esac
