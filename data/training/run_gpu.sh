#!/bin/bash
# The device run of issue 24 (one GPU and 16 cores, through the device tool's `run`; used
# 2026-12-04 on an NVIDIA H200, torch 2.11, in two calls: the full script, then FIRST=0
# BENCH_S=0 LANES=fig9 WORKERS=15 to go on with Fig. 9):
#   - a smoke test (one network, one epoch, all nine proxies on CUDA; fails fast);
#   - `run.sh`'s training lanes on CUDA (WORKERS each): Blog Fig. 9 and Synthetic CIFAR-10,
#     the nested fixed 100, then on to 200, until BUDGET seconds;
#   - the first network trained again in a second process (how far GPU curves repeat:
#     bit-identical on the H200 with TF32 off and cuDNN deterministic);
#   - the GPU's own `normal_` draws for `validation.cuda_rng` (tests/test_init_seeds.py);
#   - Table 1's throughput on the GPU alone (`aznas bench --table1`, BENCH_S seconds at most).
# Needs the data under data/external/ (carried). Writes $OUT/run.tgz: the finished networks'
# Parquet files (data/training/*-cuda/), the draws, the timing table and the repeat.
# A CPU run then trains what the GPU left: SKIP_TRAINED_ON=cuda bash data/training/run.sh fig9
set -u
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 PY=${PY:-python3} DEVICE=${DEVICE:-cuda} WORKERS=${WORKERS:-7} RETRIES=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT" data/validation
BUDGET=${BUDGET:-450}
nvidia-smi -L; $PY -c "import torch, pandas, pyarrow; print(torch.__version__, pandas.__version__)"
P=fisher,grad_norm,grasp,jacob_cov,snip,synflow,expressivity,progressivity,trainability
T="$PY -m aznas_core.cli train --dataset cifar10 --epochs 8 --proxies $P --device $DEVICE --no-progress"
# smoke: one network, all nine proxies at epochs 0 and 1 (fails fast if CUDA breaks anything)
if [ "${FIRST:-1}" = 1 ]; then  # FIRST=0: a second call, only the lanes
timeout 120 $T --subset fixed1 --source natural --proxy-epochs 0,1 --epochs 1 --root /tmp/smoke \
  || { echo "smoke failed"; exit 1; }
$PY -m aznas_core.validation.cuda_rng data/validation/cuda_rng_gpu_draws.npz &
timeout $BUDGET $T --subset fixed1 --source natural --proxy-epochs 0,1,2,4,8 --root /tmp/repeat > /tmp/repeat.log 2>&1 &
fi
lane() { for n in 100 200; do N=$n bash data/training/run.sh "$1"; done; }
groups=()
for l in ${LANES:-fig9 synthetic}; do
  setsid bash -c "$(declare -f lane); lane $l" > "$OUT/$l.log" 2>&1 & groups+=($!)
done
running() { for g in "${groups[@]}"; do kill -0 $g 2>/dev/null && return 0; done; return 1; }
end=$((SECONDS + BUDGET))
while [ $SECONDS -lt $end ] && running; do sleep 5; done
for g in "${groups[@]}"; do kill -- -$g 2>/dev/null; done; sleep 2
wait
ls data/training/*-cuda/*.parquet | wc -l
# Table 1's throughput on this GPU, alone (the lanes are stopped): `aznas bench --table1`
[ "${BENCH_S:-80}" -gt 0 ] && timeout ${BENCH_S:-80} $PY -m aznas_core.cli bench --table1 --device $DEVICE --n-archs 15 \
  --out data/timing/nb201-cifar10-cuda.csv --note "one H200; nothing else on the GPU"
tar czf "$OUT/run.tgz" --exclude=checkpoints data/training/*-cuda/*.parquet \
    data/validation/cuda_rng_gpu_draws.npz $(ls data/timing/*-cuda.* 2>/dev/null) $(ls -d /tmp/repeat >/dev/null 2>&1 && echo "-C /tmp repeat")
tail -3 /tmp/repeat.log
