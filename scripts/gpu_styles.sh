#!/usr/bin/env bash
# bench_styles.py at a larger size on a borrowed GPU machine (16 cores): several seeds at once, the
# segmenter on CUDA (float32), OCR on the CPU. Needs the team's shared folder beside or inside the checkout.
# Env: OUT (results folder), SEEDS (default "11 12 13 14"), MAPS (per seed and shape, default 24).
set -uo pipefail
OUT=${OUT:-out/gpu_styles}; mkdir -p "$OUT"
SEEDS=${SEEDS:-11 12 13 14}; MAPS=${MAPS:-24}
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/sd-site .whl/*.whl
  export PYTHONPATH="/tmp/sd-site:$PWD/src"
else
  export PYTHONPATH="$PWD/src"
fi
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
(nvidia-smi --query-gpu=name --format=csv,noheader || true) 2>&1
cd benchmarks
for shapes in real simple; do
  for s in $SEEDS; do
    python3 bench_styles.py --maps "$MAPS" --seed "$s" --shapes "$shapes" > "$OUT/styles_${shapes}_$s.txt" 2>&1 &
  done
done
wait
tail -n 1 "$OUT"/styles_*.txt
