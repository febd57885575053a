#!/usr/bin/env bash
# Run every benchmark and keep its printout in benchmarks/results/ (2-core CPU figures in docs/results.md).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
python bench_postprocess.py --maps 60 | tee results/postprocess.txt
python bench_seed_samples.py --mask --out ../out/seed-mask | tee results/seed_samples_mask.txt
python bench_seed_samples.py --out ../out/seed | tee results/seed_samples.txt
python bench_calibration.py | tee results/calibration.txt
python bench_labels.py | tee results/labels.txt
python bench_labels.py --seed 7002 | tee results/labels_seed7002.txt
python bench_labels.py --whole | tee results/labels_whole.txt
python bench_labels.py --whole --seed 7002 | tee results/labels_whole_seed7002.txt
python bench_ocr.py | tee results/ocr.txt
python bench_styles.py | tee results/styles.txt
python bench_styles.py --maps 24 --shapes real | tee results/styles_real.txt
python bench_styles.py --maps 24 --shapes real --degrade | tee results/styles_scan.txt
python bench_styles.py --maps 24 --shapes real --stacked | tee results/styles_stacked.txt
python bench_styles.py --maps 24 --contours | tee results/styles_contours.txt
python bench_styles.py --maps 24 --programs | tee results/styles_programs.txt
digitize eval --n 10 --seed 999 --json results/eval.json | tee results/eval.txt
python bench_speed.py --per-size 4 | tee results/speed.txt
