#!/bin/bash
# Issue 23: the real-input baselines on the natural images (`--inputs natural`), in lanes of one
# worker each (one lane per core on a 2-core CPU):
#   a       gradsign (both reductions) on the 1,042 of Fig. 4 for the three datasets, then zico,
#           the gradient family (grad_norm, snip, plain, fisher, jacob_cov, epe_nas) and grasp,
#           CIFAR-10 first; then the synthetic input's gradsign_sum on the 1,042 (the reduction
#           question on the input Table 1 has shown so far); then everything on the fixed 3,000;
#   b       zico, grasp and the gradient family (snip in it) on CIFAR-10, then CIFAR-100, each through
#           the nested fixed 300 / 600 to the 1,042, every family at one size before the
#           next (lane a skips what
#           lane b has cached by the time it gets there);
#   c       the same for ImageNet16-120, GradSign (both reductions) included;
#   d       GradSign's mean and sum on CIFAR-100 and ImageNet16-120, natural and substitute,
#           fixed 300 / 600 (the reduction question on every dataset);
#   tenas   TE-NAS (ntk + linear_region) on CIFAR-10 through fixed 300 / 600 / the 1,042 (~13 s
#           per architecture per worker at 32x32), then CIFAR-100, then ImageNet16-120 at 32x32;
#   naslib  our zc-variant proxies on natural images on NASLib's 725 archs (proxies page);
#           NASLIB_DATASETS=cifar10 for one dataset, WORKERS=2 for two processes.
# ImageNet16-120 runs at 32x32, the resolution the paper's ImageNet16-120 numbers match.
# Resumable: rerun and every command skips what is cached. Stop with `kill -- -PGID`.
# It runs `python -m aznas_core.cli` from the current directory, so a sweep can run from a
# snapshot checkout (git worktree) whose data/scores is a link to the main checkout's.
#   setsid nohup nice -n 19 bash data/scores/run_natural.sh a >> /tmp/natural_a.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
A="$PY -m aznas_core.cli sweep --workers ${WORKERS:-1} --device ${DEVICE:-cpu}"
GRAD=grad_norm,snip,plain,fisher,jacob_cov,epe_nas
NAT="--inputs natural"
DATASETS=("--dataset cifar10" "--dataset cifar100" "--dataset ImageNet16-120 --resolution 32")
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }
costly() {  # one family on one dataset and subset, 25 archs a shard
  run ${*:3} --subset "$2" --chunk-size 25 --proxies "$1"
}
case "${1:?lane: a, b, c, d, tenas or naslib}" in
  a) for d in "${DATASETS[@]}"; do costly gradsign,gradsign_sum uniform1042 $d $NAT; done
     for fam in zico $GRAD grasp; do
       for d in "${DATASETS[@]}"; do costly $fam uniform1042 $d $NAT; done
     done
     for d in "${DATASETS[@]}"; do costly gradsign,gradsign_sum uniform1042 $d; done
     for fam in gradsign,gradsign_sum zico $GRAD grasp; do
       for d in "${DATASETS[@]}"; do costly $fam fixed3000 $d $NAT; done
     done ;;
  b) # CIFAR-10 first for every family, so one dataset's comparison completes soonest; each
     # family through the nested fixed 300 and 600 first, so a comparison (n >= 300) exists
     # early (a cache fills in index order: a partial 1,042 is not a random sample)
     for d in 0 1; do
       for s in fixed300 fixed600 uniform1042; do
         for fam in zico grasp $GRAD; do costly $fam $s ${DATASETS[$d]} $NAT; done
       done
     done ;;
  c) # ImageNet16-120 (at 32x32) the way lane b does CIFAR: every family, GradSign's two
     # reductions included, through the nested fixed 300 / 600 to the 1,042
     for s in fixed300 fixed600 uniform1042; do
       for fam in gradsign,gradsign_sum zico grasp $GRAD; do costly $fam $s ${DATASETS[2]} $NAT; done
     done ;;
  d) # GradSign's two reductions on CIFAR-100 and ImageNet16-120 under both inputs, nested
     # fixed 300 / 600: the reduction question (issue 23 item 2) on every dataset
     for s in fixed300 fixed600; do
       for d in 1 2; do
         costly gradsign,gradsign_sum $s ${DATASETS[$d]} $NAT
         costly gradsign,gradsign_sum $s ${DATASETS[$d]}
       done
     done ;;
  tenas)
     for d in "${DATASETS[@]}"; do
       for s in fixed300 fixed600 uniform1042; do costly ntk,linear_region $s $d $NAT; done
     done ;;
  naslib) for p in nwot $GRAD grasp; do  # synflow reads an all-ones image: no input to change
       echo "== $(date -u +%FT%TZ) naslib $p"
       $PY -m aznas_core.validation.naslib_sweep --proxies $p --inputs natural \
           --datasets ${NASLIB_DATASETS:-cifar10,cifar100,ImageNet16-120} --workers ${WORKERS:-1}
     done ;;
  *) echo "unknown lane $1" >&2; exit 2 ;;
esac
echo "== $(date -u +%FT%TZ) lane $1 done"
