#!/bin/bash
# The costly Table 1 baselines on the 1,042 archs of Figs. 4/9 (every 15th of the
# ImageNet16-120 accuracy order), for the three datasets (ImageNet16-120 at 32x32, the
# resolution Table 4 shows the paper used). Measured here, one core, CIFAR-10:
# zico ~0.7 s/arch, gradsign ~1.3 s, grasp ~2 s, TE-NAS (ntk + linear_region) ~10.7 s.
# Resumable: rerun and every command skips what is cached.
#   setsid nohup nice -n 5 bash data/scores/run_table1_costly.sh >> /tmp/sweeps_t1.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
A=".venv/bin/aznas sweep --workers ${WORKERS:-1} --chunk-size 100 --subset uniform1042"
DATASETS=("--dataset cifar10" "--dataset cifar100" "--dataset ImageNet16-120 --resolution 32")
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }
for d in "${DATASETS[@]}"; do run $d --proxies zico; done
for d in "${DATASETS[@]}"; do run $d --proxies gradsign; done
run --dataset cifar10 --proxies grasp
run --dataset ImageNet16-120 --resolution 32 --proxies grasp
for d in "${DATASETS[@]}"; do run $d --proxies ntk,linear_region; done
echo "== $(date -u +%FT%TZ) done"
