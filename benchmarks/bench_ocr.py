"""OCR engines side by side on tick labels of synthetic maps: rapidocr (the `ocr` extra) vs Tesseract.

    python benchmarks/bench_ocr.py [--maps 30] [--seed 7001]

Needs `tesseract` on the PATH (Debian: apt-get install tesseract-ocr) and `pip install pytesseract`;
without them only rapidocr is measured. The label boxes are the ones automatic calibration finds
(`axes.tick_label_boxes`); a read is right when its number equals the axis value at the label's
position (true calibration) within 1.5 % of the axis span (labels sit at their tick). Both engines get
the same prepared crop (`ocr.prepare_crop`).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from speedline_digitizer.axes import detect_frame, tick_label_boxes
from speedline_digitizer.ocr import parse_number, prepare_crop, read_crops
from speedline_digitizer.synth import generate, truth_calibration


def tesseract_reader():
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception as e:  # not installed: measure rapidocr alone
        print(f"tesseract not available ({e.__class__.__name__}); rapidocr only")
        return None
    cfg = "--psm 7 -c tessedit_char_whitelist=0123456789.,-x^eE%"

    def read(crop):
        return pytesseract.image_to_string(prepare_crop(crop), config=cfg).strip()

    return read


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7001)
    a = ap.parse_args()
    tess = tesseract_reader()
    n = 0
    right = {"rapidocr": 0, "tesseract": 0}
    secs = {"rapidocr": [], "tesseract": []}
    for i in range(a.maps):
        m = generate(a.seed, i)
        t = m.truth
        frame = detect_frame(m.image)
        if frame is None or t["style"] == "crop":
            continue
        cal = truth_calibration(t, m.image.shape)
        xb, yb, _, _ = tick_label_boxes(m.image, frame)
        for axis, boxes, log, lim in ((0, xb, t["x_log"], t["xlim"]), (1, yb, t["y_log"], t["ylim"])):
            f = np.log10 if log else (lambda v: v)
            span = abs(f(lim[1]) - f(lim[0]))
            for b in boxes:
                cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
                # the value at the label's position along its axis (the other coordinate on the frame)
                p = np.array([[cx, frame.box[3]]]) if axis == 0 else np.array([[frame.box[0], cy]])
                truth_v = cal.to_data(p)[0, axis]
                n += 1
                s = time.perf_counter()
                v = parse_number(read_crops(m.image, [b])[0].text)
                secs["rapidocr"].append(time.perf_counter() - s)
                ok = lambda v: v is not None and (v > 0 or not log) and abs(f(v) - f(truth_v)) <= 0.015 * span
                right["rapidocr"] += ok(v)
                if tess is not None:
                    x0, y0, x1, y1 = (int(round(c)) for c in b)
                    crop = m.image[max(0, y0 - 1):y1 + 2, max(0, x0 - 1):x1 + 2]
                    s = time.perf_counter()
                    v = parse_number(tess(crop))
                    secs["tesseract"].append(time.perf_counter() - s)
                    right["tesseract"] += ok(v)
    print(f"tick-label OCR: {n} label boxes from {a.maps} synthetic maps (seed {a.seed}), 2-core CPU")
    for k in ("rapidocr", "tesseract"):
        if secs[k]:
            print(f"  {k:10s} right {right[k]}/{n} ({100 * right[k] / max(n, 1):.1f}%)  "
                  f"time/label median {np.median(secs[k]) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
