"""Post-processing alone: ideal and damaged speedline masks of synthetic maps -> curves, scored.

    python benchmarks/bench_postprocess.py [--maps 60] [--seed 7001]

Prints, per mask variant, the shared scorer's figures (tolerance 1 % of span) beside the time
per map, plus the time for a 1500 x 1000 mask.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import ndimage

from common import fmt, load_scorer, score_curves, summary
from speedline_digitizer.postprocess import curves_from_mask
from speedline_digitizer.synth import generate, truth_calibration


def damage(mask: np.ndarray, kind: str, rng) -> np.ndarray:
    m = mask > 0
    if kind == "ideal":
        return m
    if kind == "rough":  # ragged edges
        noise = rng.random(m.shape) < 0.35
        return (m & ~(noise & ~ndimage.binary_erosion(m))) | (ndimage.binary_dilation(m) & noise & (rng.random(m.shape) < 0.3))
    if kind == "gaps":  # 1-3 px breaks every so often
        out = m.copy()
        ys, xs = np.nonzero(m)
        for i in rng.choice(len(ys), size=min(len(ys), max(1, len(ys) // 150)), replace=False):
            r = int(rng.integers(1, 3))
            out[max(0, ys[i] - r):ys[i] + r + 1, max(0, xs[i] - r):xs[i] + r + 1] = False
        return out
    if kind == "spurs":  # short stubs sticking out of the line
        out = m.copy()
        ys, xs = np.nonzero(m)
        for i in rng.choice(len(ys), size=min(len(ys), max(1, len(ys) // 200)), replace=False):
            L = int(rng.integers(2, 6))
            d = rng.choice([-1, 1], size=2)
            for k in range(L):
                y, x = ys[i] + d[0] * k, xs[i] + d[1] * k
                if 0 <= y < m.shape[0] and 0 <= x < m.shape[1]:
                    out[y, x] = True
        return out
    if kind == "thick":
        return ndimage.binary_dilation(m, iterations=1)
    if kind == "thin":
        from skimage.morphology import skeletonize

        return skeletonize(m)
    raise ValueError(kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7001)
    ap.add_argument("--variants", default="ideal,rough,gaps,spurs,thick,thin")
    a = ap.parse_args()
    score_map = load_scorer()
    maps = [generate(a.seed, i) for i in range(a.maps)]
    rng = np.random.default_rng(0)
    print(f"post-processing benchmark: {a.maps} synthetic maps (seed {a.seed}), truth calibration, tau 1 % of span")
    for kind in a.variants.split(","):
        rows, secs = [], []
        for m in maps:
            mk = damage(m.mask, kind, rng)
            cal = truth_calibration(m.truth, m.mask.shape)
            t = time.perf_counter()
            curves = curves_from_mask(mk, cal)
            secs.append(time.perf_counter() - t)
            rows.append(score_curves(score_map, m.truth, curves))
        s = summary(rows)
        print(f"  {kind:6s} {fmt(s)}  time/map median {np.median(secs) * 1000:.0f} ms")
    # timing on a 1500 x 1000 mask
    big = next((m for m in maps if m.mask.shape[1] >= 1000), maps[0])
    from PIL import Image

    mk = np.asarray(Image.fromarray(big.mask).resize((1500, 1000), Image.NEAREST)) > 0
    ts = []
    for _ in range(5):
        t = time.perf_counter(); curves_from_mask(mk); ts.append(time.perf_counter() - t)
    print(f"  1500 x 1000 mask: {len(curves_from_mask(mk))} curves, median {np.median(ts) * 1000:.0f} ms (2-core CPU)")


if __name__ == "__main__":
    main()
