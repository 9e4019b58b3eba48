#!/bin/bash
# TE-NAS (ntk + linear_region) on a CPU, where it costs ~11 s/arch at 32x32 and ~2.3 s/arch
# at 16x16 (measured here, one core: train-mode BatchNorm makes the NTK 64 backward passes
# over the whole batch, so it is compute-bound; chunked vmap was slower). Without a GPU:
#   ImageNet16-120 at 16x16 on the 1,042 archs of Figs. 4/6/7 (~40 CPU-min);
#   CIFAR-10 / CIFAR-100 on nested fixed samples of the 1,042 (fixed300 in fixed600 in the
#   1,042), as far as the time allows.
# Arguments: DATASET:SUBSET items, run in order (one worker; resumable: cached archs are skipped)
#   setsid nohup nice -n 5 bash data/scores/run_tenas_cpu.sh cifar10:fixed300 cifar10:fixed600 \
#       >> /tmp/tenas.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
A=".venv/bin/aznas sweep --workers 1 --chunk-size 25 --proxies ntk,linear_region"
for item in "$@"; do
  d=${item%%:*}; s=${item#*:}
  r=""; [ "$d" = ImageNet16-120 ] && r="--resolution 16"
  echo "== $(date -u +%FT%TZ) $d $s $r"
  $A --dataset "$d" --subset "$s" $r
done
echo "== $(date -u +%FT%TZ) done"
