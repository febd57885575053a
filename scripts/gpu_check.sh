#!/usr/bin/env bash
# Device check on a borrowed GPU machine with no network: the whole pipeline with the shipped weights on
# CUDA (float16 autocast) and on the CPU, the same maps (`digitize eval`, seed 999), figures side by side.
# Runs in the repository root; Python packages missing there travel as wheels in .whl/ (docs/training.md).
# Env: OUT (results folder), N (maps, default 10), NOAUTO=1 (limits-given curves only: no OCR run).
set -uo pipefail
OUT=${OUT:-out/gpu_check}; mkdir -p "$OUT"
N=${N:-10}
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/sd-site .whl/*.whl
  export PYTHONPATH="/tmp/sd-site:$PWD/src"
else
  export PYTHONPATH="$PWD/src"
fi
export PYTHONUNBUFFERED=1
(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true) 2>&1
python3 -c "import torch, segmentation_models_pytorch as smp, rapidocr_onnxruntime; \
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'smp', smp.__version__, 'cpu threads', torch.get_num_threads())"
for dev in cuda cpu; do
  t0=$(date +%s.%N)
  python3 -m speedline_digitizer eval --n "$N" --seed 999 --device "$dev" ${NOAUTO:+--no-auto} --json "$OUT/eval_$dev.json" 2>&1 \
    | grep -v -e '^INFO' -e 'HTTP Request' | tee "$OUT/eval_$dev.txt"
  echo "$dev: eval of $N maps took $(python3 -c "import time; print(round(time.time() - $t0, 1))") s" | tee -a "$OUT/eval_$dev.txt"
done
