#!/usr/bin/env bash
# Fine-tune the shipped segmenter on freshly drawn synthetic maps, on a borrowed GPU machine with no network.
# Runs in the repository root; Python packages missing there travel as wheels in .whl/ (see docs/training.md).
# The same `digitize synth` + `digitize train` commands run on a CPU, only slower.
# Env: OUT (results folder), SYNTH_S (seconds of map drawing), CHUNK, J (synth processes), TRAIN_MIN,
#      WORKERS, BATCH, LR, SNAP (snapshot every N steps), SEED.
set -euo pipefail
OUT=${OUT:-out/gpu}; mkdir -p "$OUT"
SYNTH_S=${SYNTH_S:-80}; CHUNK=${CHUNK:-320}; J=${J:-16}; TRAIN_MIN=${TRAIN_MIN:-6}
WORKERS=${WORKERS:-15}; BATCH=${BATCH:-32}; LR=${LR:-5e-4}; SNAP=${SNAP:-2000}; SEED=${SEED:-11}
WORK=${WORK:-/tmp/sd-gpu}; rm -rf "$WORK"; mkdir -p "$WORK/data" "$WORK/snaps"
if [ "${INSTALL:-1}" = 1 ] && [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$WORK/site" .whl/*.whl
  export PYTHONPATH="$WORK/site:$PWD/src"
else
  export PYTHONPATH="$PWD/src"
fi
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true) 2>&1
$PY -c "import torch, lightning, segmentation_models_pytorch as smp, albumentations, shapely, matplotlib; \
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'smp', smp.__version__, 'alb', albumentations.__version__, 'mpl', matplotlib.__version__)"
t0=$(date +%s); start=0
while [ $(( $(date +%s) - t0 )) -lt "$SYNTH_S" ]; do
  $PY -m speedline_digitizer synth "$CHUNK" -o "$WORK/data" --seed "$SEED" --start "$start" -j "$J" >/dev/null
  start=$((start + CHUNK))
done
echo "synth: $start maps (seed $SEED) in $(( $(date +%s) - t0 )) s"
t1=$(date +%s)
timeout $(( ${TRAIN_MIN%.*} * 60 + 150 )) $PY -m speedline_digitizer train "$WORK/data" -o "$WORK/snaps/gpu.safetensors" \
  --init src/speedline_digitizer/weights/speedline-unet-mnv2.safetensors --lr "$LR" --batch-size "$BATCH" \
  --workers "$WORKERS" --steps 1000000 --steps-per-epoch 100 --max-minutes "$TRAIN_MIN" --seed "$SEED" \
  --precision 32-true --log-dir "$WORK/run" --snapshot-every "$SNAP" 2>&1 | grep -v -i "warn" | tail -20 || true
echo "train: $(( $(date +%s) - t1 )) s"
cp "$WORK"/run/train/version_0/metrics.csv "$OUT/metrics.csv" || true
ls -t "$WORK"/snaps/*.safetensors | head -6 | xargs -I{} cp {} "$OUT/" || true
ls -la "$OUT"
