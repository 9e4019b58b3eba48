#!/bin/bash
# Baseline zero-cost proxy sweeps (issue 7), in priority order. Resumable: rerun the script
# and every command skips what is cached. One worker, so the machine stays usable.
#   nohup nice -n 5 bash data/scores/run_baselines.sh >> /tmp/sweeps_h7a.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
A=".venv/bin/aznas sweep --workers 1 --chunk-size 100"
GRAD=grad_norm,snip,plain,fisher,jacob_cov,epe_nas
# CIFAR-10 (32x32), ImageNet16-120 at its native 16x16 and at 32x32
DATASETS=("--dataset cifar10" "--dataset ImageNet16-120" "--dataset ImageNet16-120 --resolution 32")
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }

# 1. Table 1 baselines on the fixed 3,000 (contains the 1,042 archs of Figs. 4/9)
for d in "${DATASETS[@]}"; do
  run $d --subset fixed3000 --proxies synflow
  run $d --subset fixed3000 --proxies naswot     # resolution only: IN16@32 = CIFAR-10's
  run $d --subset fixed3000 --proxies zen        # resolution only
  run $d --subset fixed3000 --proxies $GRAD
done
# 2. the cheap families on the whole space
for d in "${DATASETS[@]}" "--dataset cifar100"; do run $d --proxies synflow; done
for d in "${DATASETS[@]:0:2}"; do run $d --proxies naswot; run $d --proxies zen; done
# 3. GRASP (double backward) on the fixed 3,000
for d in "${DATASETS[@]}"; do run $d --subset fixed3000 --proxies grasp; done
# 4. CIFAR-100 for the classifier-reading costly families
run --dataset cifar100 --subset fixed3000 --proxies $GRAD
run --dataset cifar100 --subset fixed3000 --proxies grasp
echo "== $(date -u +%FT%TZ) done"
