#!/bin/bash
# AZ-NAS sweeps for issue 11 (Tables 8 and 9, the sensitivity page), in priority order.
# Resumable: rerun and every command skips what is cached. One worker by default.
#   setsid nohup nice -n 5 bash data/scores/run_issue11.sh >> /tmp/sweeps_i11.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
W=${WORKERS:-1}
A=".venv/bin/aznas sweep --workers $W --chunk-size 100 --dataset cifar10"
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }
run --subset uniform1042 --batch-size 128                 # Table 9, batch 128
for s in 1 2; do run --subset fixed3000 --seed $s; done   # sensitivity: 3 seeds x 3,000
for init in kaiming_fan_out xavier_normal normal uniform; do
  run --subset fixed5000 --init $init                      # Table 8: 5,000 per scheme
done
echo "== $(date -u +%FT%TZ) done"
