"""The research data set's 13 real samples (../shared/real/seed-samples): box and limits given, tau 2 %.

    python benchmarks/bench_seed_samples.py [--dir ../shared/real/seed-samples] [--out out/seed] [--mask] [--model W]

--mask runs post-processing on the truth masks instead of the segmenter (the post-processing bar).
Writes NAME.csv and NAME.overlay.png into --out, so the shared scorer can be run on them too.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from common import ROOT, fmt, load_scorer, score_curves, summary
from speedline_digitizer import extract


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=str(ROOT.parent / "shared" / "real" / "seed-samples"))
    ap.add_argument("--out", default="out/seed")
    ap.add_argument("--mask", action="store_true")
    ap.add_argument("--tau", type=float, default=0.02)
    ap.add_argument("--model", default=None, help="safetensors weights (default: shipped)")
    a = ap.parse_args()
    score_map = load_scorer()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, secs = [], []
    for j in sorted(Path(a.dir).glob("*.json")):
        t = json.loads(j.read_text())
        img = j.parent / (f"{j.stem}.mask.png" if a.mask else t["image"])
        s = time.perf_counter()
        r = extract(img, plot_box=t["plot_box_px"], xlim=t["xlim"], ylim=t["ylim"], mask=a.mask, read_labels=False,
                    model=a.model)
        secs.append(time.perf_counter() - s)
        r.to_csv(out / f"{j.stem}.csv")
        r.plot(out / f"{j.stem}.overlay.png")
        sc = score_curves(score_map, t, r.curves, a.tau)
        rows.append(sc)
        print(f"  {j.stem:8s} score {sc['score']:.3f}  recovered {sc['recovered']}/{sc['n_truth']}  predicted {sc['n_pred']}")
    print(f"seed samples ({'truth masks' if a.mask else 'segmenter'}, tau {a.tau:g}): {fmt(summary(rows))}  "
          f"time/map median {np.median(secs) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
