#!/bin/bash
# Issue 24: the training runs behind the blog's artifacts, one lane each (one worker per lane):
#   fig9       Blog Fig. 9. NAS-Bench-201 networks trained on the natural images (fixed
#              1,498/336 split) with the NATS-Bench recipe scaled to 8 epochs (6 SGD steps of
#              256 an epoch); the blog's six network proxies (fisher, grad_norm, grasp,
#              jacob_cov, snip, synflow; flops and params are architecture constants) and
#              AZ-NAS's E, P, T scored on a copy of the weights at epochs 0, 1, 2, 4 and 8.
#   synthetic  Blog Table 1's Synthetic CIFAR-10 column. The same networks trained on the
#              blog's Synthetic CIFAR-10 recipe (`aznas_core.inputs.labeller`: Gaussian 32x32
#              images labelled by 10 random networks; 2,000 train / 1,000 held-out test images,
#              no augmentation), 8 epochs (8 SGD steps of 256 an epoch); the same proxies at
#              initialisation only (epoch 0); the trained accuracy is the column's ground truth.
# Networks: the first N (default 100) of the nested fixed sample (`--subset fixedN`, trained in
# nesting order, so a partial run is a uniform sample of the accuracy-stratified 1,042).
# WAIT_PGID=<pgid> waits until that process group (e.g. the other lane) has finished, so two
# lanes never compete for the CPU. Resumable: rerun and finished networks are skipped, an
# interrupted one resumes from its last epoch's checkpoint. SKIP_TRAINED_ON=cuda skips the networks a
# GPU run (`run_gpu.sh`) already finished under the same configuration. Stop with `kill -- -PGID`.
#   setsid nohup nice -n 19 bash data/training/run.sh fig9 >> /tmp/train_fig9.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
PROXIES=fisher,grad_norm,grasp,jacob_cov,snip,synflow,expressivity,progressivity,trainability
case "${1:?lane: fig9 or synthetic}" in
  fig9) ARGS=(--source natural --proxy-epochs 0,1,2,4,8) ;;
  synthetic) ARGS=(--source synthetic_cifar10 --n-train 2000 --n-test 1000 --proxy-epochs 0) ;;
  *) echo "unknown lane $1" >&2; exit 2 ;;
esac
if [ -n "${WAIT_PGID:-}" ]; then
  echo "== $(date -u +%FT%TZ) waiting for process group $WAIT_PGID"
  while kill -0 -- "-$WAIT_PGID" 2>/dev/null; do sleep 300; done
fi
for attempt in $(seq 1 ${RETRIES:-30}); do  # retry: a transient import error of a shared tree
  echo "== $(date -u +%FT%TZ) $1 start (attempt $attempt)"
  $PY -m aznas_core.cli train --subset fixed${N:-100} --dataset cifar10 --epochs 8 \
      --proxies $PROXIES "${ARGS[@]}" --workers ${WORKERS:-1} --device ${DEVICE:-cpu} --no-progress \
      ${SKIP_TRAINED_ON:+--skip-trained-on $SKIP_TRAINED_ON}
  rc=$?
  echo "== $(date -u +%FT%TZ) $1 exit (rc $rc)"
  [ $rc -eq 0 ] && break
  sleep 60
done
