#!/bin/bash
# Issue 24 / Blog Table 1, Synthetic CIFAR-10 column: NAS-Bench-201 networks trained on the
# blog's Synthetic CIFAR-10 recipe (`aznas_core.inputs.labeller`: Gaussian 32x32 images labelled
# by 10 random networks; 2,000 train / 1,000 held-out test images, no augmentation) with the
# NATS-Bench recipe scaled to 8 epochs (8 SGD steps of 256 an epoch); the blog's six network
# proxies (zc variant, on a Synthetic CIFAR-10 batch of 64) and AZ-NAS's E, P, T at
# initialisation (epoch 0) on a copy; the trained accuracy is the ground truth of the column.
# Networks: the first 100 of the nested fixed sample, in nesting order (a partial run is a
# uniform sample). Waits until the Fig. 9 run (WAIT_PGID, if given) has finished, so the two
# never compete for the CPU. Resumable: rerun and finished networks are skipped.
#   WAIT_PGID=<pgid of run_fig9.sh> setsid nohup nice -n 19 bash data/training/run_synthetic.sh \
#       >> /tmp/train_synthetic.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
if [ -n "${WAIT_PGID:-}" ]; then
  echo "== $(date -u +%FT%TZ) waiting for process group $WAIT_PGID"
  while kill -0 -- "-$WAIT_PGID" 2>/dev/null; do sleep 300; done
fi
for attempt in $(seq 1 ${RETRIES:-30}); do  # retry: a transient import error of a shared tree
echo "== $(date -u +%FT%TZ) synthetic start (attempt $attempt)"
$PY -m aznas_core.cli train --subset fixed${N:-100} --source synthetic_cifar10 --dataset cifar10 \
    --n-train 2000 --n-test 1000 --epochs 8 --proxy-epochs 0 \
    --proxies fisher,grad_norm,grasp,jacob_cov,snip,synflow,expressivity,progressivity,trainability \
    --workers ${WORKERS:-1} --device ${DEVICE:-cpu} --no-progress
rc=$?
echo "== $(date -u +%FT%TZ) synthetic exit (rc $rc)"
[ $rc -eq 0 ] && break
sleep 60
done
