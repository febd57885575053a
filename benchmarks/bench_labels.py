"""Speed labels alone: truth curves (their pixels) of labelled synthetic maps -> speeds read, vs truth.

    python benchmarks/bench_labels.py [--maps 40] [--seed 7001] [--whole]

Isolates the label stage from segmentation: 'right' = the value read equals the printed value.
Also split by the labels' printed digit height (truth 'label_digit_px'): the generator draws some maps'
labels under 7 px, smaller than people or OCR read reliably.

--whole: issue 5's own measure instead, on the same maps: the whole pipeline with no hints
(`extract(image)`), scored by the shared scorer (tau 1 %); speeds right among the recovered curves of
maps that print labels (a curve recovered without a speed counts as wrong).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from speedline_digitizer.labels import read_speed_labels
from speedline_digitizer.result import Curve
from speedline_digitizer.synth import generate

LEGIBLE_PX = 7.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7001)
    ap.add_argument("--whole", action="store_true", help="whole pipeline, no hints: speeds of recovered curves")
    a = ap.parse_args()
    if a.whole:
        return whole(a)
    n = right = wrong = inferred = 0
    by_place, by_size = {}, {}
    secs = []
    for i in range(a.maps):
        m = generate(a.seed, i)
        t = m.truth
        if t["label_place"] == "none":
            continue
        curves = [Curve(np.array(c["points"])[:, 0], np.array(c["points"])[:, 1], np.array(c["pixels"]))
                  for c in t["curves"]]
        s = time.perf_counter()
        out = read_speed_labels(m.image, curves, tuple(t["plot_box_px"]))
        secs.append(time.perf_counter() - s)
        ok = sum(o.speed is not None and abs(o.speed - c["speed"]) <= 1e-6 * max(1, abs(c["speed"]))
                 for o, c in zip(out, t["curves"]))
        bad = sum(o.speed is not None for o in out) - ok
        n += len(out); right += ok; wrong += bad
        inferred += sum(o.speed_inferred for o in out)
        p = by_place.setdefault(t["label_place"], [0, 0, 0])
        p[0] += len(out); p[1] += ok; p[2] += bad
        q = by_size.setdefault(t["label_digit_px"] >= LEGIBLE_PX, [0, 0, 0])
        q[0] += len(out); q[1] += ok; q[2] += bad
    print(f"speed labels on truth curves: {n} curves, right {right} ({100 * right / max(n, 1):.1f}%), "
          f"wrong {wrong}, inferred {inferred}; time/map median {np.median(secs) * 1000:.0f} ms (2-core CPU)")
    for k, (tot, ok, bad) in sorted(by_place.items()):
        print(f"  {k:8s} {ok}/{tot} right, {bad} wrong")
    for k, (tot, ok, bad) in sorted(by_size.items(), reverse=True):
        print(f"  digits {'>=' if k else '< '} {LEGIBLE_PX:g} px high: {ok}/{tot} right ({100 * ok / max(tot, 1):.1f}%), "
              f"{bad} wrong")


def whole(a):
    from common import load_scorer, score_curves

    from speedline_digitizer import extract

    score = load_scorer()
    rec = ok = n_truth = maps = 0
    by_size, secs = {}, []
    for i in range(a.maps):
        m = generate(a.seed, i)
        t = m.truth
        if t["label_place"] == "none":
            continue
        s = time.perf_counter()
        r = extract(m.image)
        secs.append(time.perf_counter() - s)
        sc = score_curves(score, t, r.curves)
        maps += 1
        n_truth += sc["n_truth"]; rec += sc["recovered"]; ok += sc["speed_ok"]
        q = by_size.setdefault(t["label_digit_px"] >= LEGIBLE_PX, [0, 0])
        q[0] += sc["recovered"]; q[1] += sc["speed_ok"]
        print(f"{i:2d} {t['style']:12s} {t['label_place']:7s} digits {t['label_digit_px']:4.1f} px  recovered "
              f"{sc['recovered']}/{sc['n_truth']}  speeds right {sc['speed_ok']}/{sc['recovered']}  "
              f"axes {r.calibration.source}", flush=True)
    print(f"whole pipeline, no hints, {maps} labelled maps (seed {a.seed}): recovered {rec}/{n_truth}; speeds right "
          f"{ok}/{rec} of recovered curves ({100 * ok / max(rec, 1):.1f}%); time/map median "
          f"{np.median(secs):.1f} s (2-core CPU)")
    for k, (r_, o) in sorted(by_size.items(), reverse=True):
        print(f"  digits {'>=' if k else '< '} {LEGIBLE_PX:g} px high: {o}/{r_} right ({100 * o / max(r_, 1):.1f}%)")


if __name__ == "__main__":
    main()
