#!/bin/bash
# Issue 24 / Blog Fig. 9: NAS-Bench-201 networks trained on the natural images (fixed
# 1,498/336 split) with the NATS-Bench recipe scaled to 8 epochs (6 SGD steps of 256 an epoch),
# the blog's six network proxies (fisher, grad_norm, grasp, jacob_cov, snip, synflow; flops and
# params are architecture constants) and AZ-NAS's E, P, T scored on a copy of the weights at
# epochs 0 (initialisation), 1, 2, 4 and 8.
# Networks: the first 100 of the nested fixed sample (`--subset fixed100`, trained in its
# nesting order, so a partial run is a uniform sample of the accuracy-stratified 1,042).
# Resumable: rerun and finished networks are skipped, an interrupted one resumes from its last
# epoch's checkpoint. Stop with `kill -- -PGID`.
#   setsid nohup nice -n 19 bash data/training/run_fig9.sh >> /tmp/train_fig9.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
for attempt in $(seq 1 ${RETRIES:-30}); do  # retry: a transient import error of a shared tree
echo "== $(date -u +%FT%TZ) fig9 start (attempt $attempt)"
$PY -m aznas_core.cli train --subset fixed${N:-100} --source natural --dataset cifar10 \
    --epochs 8 --proxy-epochs 0,1,2,4,8 \
    --proxies fisher,grad_norm,grasp,jacob_cov,snip,synflow,expressivity,progressivity,trainability \
    --workers ${WORKERS:-1} --device ${DEVICE:-cpu} --no-progress
rc=$?
echo "== $(date -u +%FT%TZ) fig9 exit (rc $rc)"
[ $rc -eq 0 ] && break
sleep 60
done
