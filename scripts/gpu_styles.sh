#!/usr/bin/env bash
# bench_styles.py at a larger size on a borrowed GPU machine (16 cores): several seeds at once, the
# segmenter on CUDA (float32), OCR on the CPU. Needs the team's shared folder beside or inside the checkout.
# Env: OUT (results folder), SEEDS (default "11 12 13 14"), MAPS (per seed and shape, default 24),
# SHAPES (default "real simple"), EXTRA (more bench_styles.py options, e.g. --degrade; the printouts are
# then named styles_<shapes>_degrade_<seed>.txt), SRC (the package's source folder, default src),
# SITE (where the wheels in .whl/ are installed, default /tmp/sd-site; one per run started at once).
set -uo pipefail
OUT=${OUT:-out/gpu_styles}; mkdir -p "$OUT"
SEEDS=${SEEDS:-11 12 13 14}; MAPS=${MAPS:-24}; SHAPES=${SHAPES:-real simple}; EXTRA=${EXTRA:-}; SRC=${SRC:-src}; SITE=${SITE:-/tmp/sd-site}
TAG=$(echo "$EXTRA" | tr -d ' -' | sed 's/^./_&/')
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
  export PYTHONPATH="$SITE:$PWD/$SRC"
else
  export PYTHONPATH="$PWD/$SRC"
fi
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
(nvidia-smi --query-gpu=name --format=csv,noheader || true) 2>&1
cd benchmarks
for shapes in $SHAPES; do
  for s in $SEEDS; do
    # shellcheck disable=SC2086
    python3 bench_styles.py --maps "$MAPS" --seed "$s" --shapes "$shapes" $EXTRA > "$OUT/styles_${shapes}${TAG}_$s.txt" 2>&1 &
  done
done
wait
tail -n 1 "$OUT"/styles_*${TAG}_*.txt
