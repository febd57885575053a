"""Automatic calibration on synthetic maps: frame found, axis mapping error, time.

    python benchmarks/bench_calibration.py [--maps 60] [--seed 7001]

'frame found': the detected frame's corners within 1.5 % of the image size of the truth.
'axis mapping within 0.2 %': the truth curve points mapped through the detected calibration land
within 0.2 % of the axis span of their true values (max over the map's curves, both axes).
Maps cropped to the plot area (style 'crop') carry no tick labels and are counted apart.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from speedline_digitizer.axes import auto_calibrate, detect_frame
from speedline_digitizer.synth import generate, truth_calibration


def mapping_error(cal, truth, shape) -> float:
    tc = truth_calibration(truth, shape)
    fx = np.log10 if truth["x_log"] else (lambda v: np.asarray(v, float))
    fy = np.log10 if truth["y_log"] else (lambda v: np.asarray(v, float))
    sx = fx(truth["xlim"][1]) - fx(truth["xlim"][0])
    sy = fy(truth["ylim"][1]) - fy(truth["ylim"][0])
    worst = 0.0
    for c in truth["curves"]:
        px = tc.to_pixels(np.array(c["points"]))
        v = cal.to_data(px)
        t = np.array(c["points"])
        with np.errstate(invalid="ignore", divide="ignore"):
            e = max(np.nanmax(np.abs(fx(v[:, 0]) - fx(t[:, 0]))) / sx, np.nanmax(np.abs(fy(v[:, 1]) - fy(t[:, 1]))) / sy)
        worst = max(worst, float(e) if np.isfinite(e) else 1.0)
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7001)
    a = ap.parse_args()
    n = frame_ok = cal_ok = 0
    secs = []
    fails = []
    for i in range(a.maps):
        m = generate(a.seed, i)
        if m.truth["style"] == "crop":
            continue
        n += 1
        t = time.perf_counter()
        fr = detect_frame(m.image)
        cal = auto_calibrate(m.image, fr) if fr else None
        secs.append(time.perf_counter() - t)
        tb = np.array(m.truth["plot_box_px"])
        size = max(m.image.shape[:2])
        if fr is not None and np.abs(np.array(fr.box) - tb).max() <= 0.015 * size + 2 * abs(m.truth["rotation_deg"]) * size / 57:
            frame_ok += 1
        err = mapping_error(cal, m.truth, m.image.shape) if cal else 1.0
        cal_ok += err <= 0.002
        if err > 0.002:
            fails.append((i, m.truth["style"], round(err, 4), fr.box if fr else None, tuple(round(v) for v in tb)))
    print(f"calibration benchmark: {n} synthetic maps with axes (seed {a.seed}), 2-core CPU")
    print(f"  frame found {frame_ok}/{n} ({100 * frame_ok / max(n, 1):.1f}%)   axis mapping within 0.2 % of span "
          f"{cal_ok}/{n} ({100 * cal_ok / max(n, 1):.1f}%)   time/map median {np.median(secs) * 1000:.0f} ms")
    for f in fails[:15]:
        print("  miss:", f)


if __name__ == "__main__":
    main()
