#!/bin/bash
# The costly baselines, in priority order, one worker (the AZ-NAS queue, run_issue11.sh, holds
# the other core). Measured here, one core, CIFAR-10, batch 64, while the other core sweeps:
# zico ~0.5 s/arch, gradsign ~1.3 s, grasp ~2 s, the gradient family ~0.9 s, TE-NAS (ntk +
# linear_region) ~10.7 s (64 backward passes: 1,042 archs x 3 datasets would be ~9 CPU-hours).
# 1. Table 1's costly rows on the 1,042 archs of Figs. 4/9, ImageNet16-120 at 32x32 (the
#    resolution Table 4 shows the paper used);
#    ImageNet16-120 at 16x16 too for the families fed Gaussian noise (or ones);
# 2. NASLib's 725 suite archs on CIFAR-10 in the zc variant, for the paired real-vs-substitute
#    input comparison of notebooks/proxies.ipynb;
# 3. what is left of Table 1 (Grasp CIFAR-10 / ImageNet16-120, TE-NAS).
# Resumable: rerun and every command skips what is cached.
#   setsid nohup nice -n 5 bash data/scores/run_costly_queue.sh >> /tmp/sweeps_costly.log 2>&1 &
set -u
cd "$(dirname "$0")/../.."
A=".venv/bin/aznas sweep --workers ${WORKERS:-1} --chunk-size 50 --subset uniform1042"
DATASETS=("--dataset cifar10" "--dataset cifar100" "--dataset ImageNet16-120 --resolution 32")
run() { echo "== $(date -u +%FT%TZ) $*"; $A "$@"; }
naslib() { echo "== $(date -u +%FT%TZ) naslib $*"; .venv/bin/python -m aznas_core.validation.naslib_sweep "$@"; }
for d in "${DATASETS[@]}"; do run $d --proxies zico; done
# ImageNet16-120 at its native 16x16 for the Gaussian-input (and ones-input) families, so
# Table 1 shows which resolution the paper's numbers match (about 4x cheaper than 32x32)
for p in synflow naswot zen grad_norm,snip,plain,fisher,jacob_cov,epe_nas; do
  run --dataset ImageNet16-120 --resolution 16 --proxies $p
done
run --dataset ImageNet16-120 --resolution 32 --proxies gradsign   # Figs. 4, 6, 7 read this one
naslib --datasets cifar10 --proxies synflow,nwot
naslib --datasets cifar10 --proxies grad_norm,snip,plain,fisher,jacob_cov,epe_nas
naslib --datasets cifar10 --proxies grasp
for d in "${DATASETS[@]:0:2}"; do run $d --proxies gradsign; done
run --dataset cifar10 --proxies grasp
run --dataset ImageNet16-120 --resolution 32 --proxies grasp
for d in "${DATASETS[@]}"; do run $d --proxies ntk,linear_region; done
echo "== $(date -u +%FT%TZ) done"
