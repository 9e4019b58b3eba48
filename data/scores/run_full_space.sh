#!/bin/bash
# Every baseline sweep of issue 7 (what the book's Table 1, Table 5 and Figs. 4/6/7 read), in
# lanes of one worker each (one lane per core on a 2-core CPU):
#   a, b    the cheap families (<= ~0.5 s/arch here) on all 15,625 cells: synflow per dataset
#           (it reads the classifier), naswot and zen per resolution (they never touch it),
#           ImageNet16-120 at both 16x16 and 32x32; then the costly families on the fixed
#           3,000 (which contains the 1,042 of Figs. 4/9), cheapest first;
#   tenas D TE-NAS (ntk + linear_region) on dataset D, through fixed 300 / 600 / the 1,042 to
#           the fixed 3,000: 12-14 s/arch at 32x32 and ~3.6 s/arch at 16x16 per worker with
#           both cores busy (about 12 CPU-hours per dataset at 32x32), so best on a GPU:
#           `DEVICE=cuda WORKERS=8 bash ... tenas cifar10`; ImageNet16-120 takes a resolution
#           (`tenas ImageNet16-120 16`; default 32);
#   naslib  our proxies on NASLib's 725 archs of CIFAR-10, for the proxies page (done).
# Measured here on 2026-12-01 (wall time per architecture, one worker per core, both busy):
# synflow 0.07-0.09 s, naswot 0.19 s, zen 0.17 s at 32x32, all three 0.06 s at 16x16; zico
# 0.40-0.47 s, gradsign 0.52-0.58 s, the gradient family ~0.78 s, grasp ~1.7 s at 32x32.
# Resumable: rerun and every command skips what is cached. Stop with `kill -- -PGID`.
#   setsid nohup nice -n 5 bash data/scores/run_full_space.sh a >> /tmp/lane_a.log 2>&1 &
#   setsid nohup nice -n 5 bash data/scores/run_full_space.sh b >> /tmp/lane_b.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
A=".venv/bin/aznas sweep --workers ${WORKERS:-1} --device ${DEVICE:-cpu}"
GRAD=grad_norm,snip,plain,fisher,jacob_cov,epe_nas
IN32="--dataset ImageNet16-120 --resolution 32"
IN16="--dataset ImageNet16-120 --resolution 16"
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }
C10="--dataset cifar10"
C100="--dataset cifar100"
costly() {  # one family on one dataset on the fixed 3,000, 50 archs a shard
  run ${*:2} --subset fixed3000 --chunk-size 50 --proxies "$1"
}
# the costly part interleaves the lanes by dataset, so each family completes on all three
# datasets before the next one starts
case "${1:?lane: a, b, tenas or naslib}" in
  a) run $C10 --proxies naswot     # 32x32: shared by every dataset at 32x32
     run $C10 --proxies zen
     costly zico $C10; costly zico $C100
     costly gradsign $C10; costly gradsign $IN32
     costly $GRAD $C10; costly $GRAD $IN32
     costly grasp $C10 ;;
  b) run $C10 --proxies synflow
     run $C100 --proxies synflow
     run $IN32 --proxies synflow
     run $IN16 --proxies synflow
     run $IN16 --proxies naswot
     run $IN16 --proxies zen
     costly zico $IN32
     costly gradsign $C100
     costly $GRAD $C100
     costly grasp $C100; costly grasp $IN32 ;;
  tenas)  # one dataset per lane: tenas cifar10 | tenas cifar100 | tenas ImageNet16-120 [32|16];
     # through the nested samples, so each finished one is usable before the 3,000 is done
     d="--dataset ${2:?tenas needs a dataset}"
     [ "$2" = ImageNet16-120 ] && d="--dataset ImageNet16-120 --resolution ${3:-32}"
     for s in fixed300 fixed600 uniform1042 fixed3000; do
       run $d --subset $s --chunk-size 25 --proxies ntk,linear_region
     done ;;
  naslib) for p in synflow,nwot $GRAD grasp; do
       echo "== $(date -u +%FT%TZ) naslib $p"
       .venv/bin/python -m aznas_core.validation.naslib_sweep --datasets cifar10 --proxies $p
     done ;;
  *) echo "unknown lane $1" >&2; exit 2 ;;
esac
echo "== $(date -u +%FT%TZ) lane $1 done"
