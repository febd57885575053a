"""Speed and accuracy side by side: the whole pipeline vs a naive UNet-ResNet34 forward pass.

    python benchmarks/bench_speed.py [--per-size 4] [--seed 4242] [--threads 2]

For synthetic maps resized to 600x450 ... 2500x1900 px, prints the median time per stage of
`extract(path)` with no hints (load, segment, skeleton, instances, fit, calibrate, labels/OCR),
the total, the naive forward pass (smp.Unet('resnet34'), default decoder, no weights needed for
timing) on the same images in the same run, their ratio, the peak RSS, and the curve score
(shared scorer, tau 1 %) of the very same extract() calls. Also: time vs number of speedlines.
"""
from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from common import load_scorer, score_curves
from speedline_digitizer import extract
from speedline_digitizer.synth import generate

SIZES = [(600, 450), (800, 600), (1000, 750), (1500, 1125), (2000, 1500), (2500, 1900)]
STAGES = ["load", "segment", "calibrate", "skeleton", "instances", "fit", "labels", "total"]


def resized_truth(m, size):
    """The map resized to `size`; data-unit truth is unchanged by a resize."""
    im = Image.fromarray(m.image).resize(size, Image.LANCZOS)
    return im, m.truth


def naive_forward(model, img: np.ndarray) -> float:
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0)
    h, w = x.shape[2:]
    x = torch.nn.functional.pad(x, (0, (-w) % 32, 0, (-h) % 32))
    t = time.perf_counter()
    with torch.inference_mode():
        model(x)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-size", type=int, default=4)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sizes", default="all", help="'all' or 'mid' (800x600 and 1000x750 only)")
    a = ap.parse_args()
    logging.disable(logging.WARNING)  # calibration warnings per map would drown the table
    torch.set_num_threads(a.threads)
    import segmentation_models_pytorch as smp

    naive = smp.Unet("resnet34", encoder_weights=None, classes=1).eval()
    score_map = load_scorer()
    tmp = Path(tempfile.mkdtemp(prefix="speedbench-"))
    sizes = SIZES if a.sizes == "all" else SIZES[1:3]
    maps = [generate(a.seed, i) for i in range(a.per_size * 3) if True]
    maps = [m for m in maps if m.truth["style"] != "crop"][: a.per_size]
    # warm-up: model load, OCR model load, first-call costs are not per-map costs
    Image.fromarray(maps[0].image).save(tmp / "warm.png")
    extract(tmp / "warm.png")
    naive_forward(naive, maps[0].image)
    print(f"speed benchmark: {len(maps)} maps per size, torch threads {a.threads}, 2-core CPU; medians in seconds")
    print(f"{'size':>10s} " + " ".join(f"{s:>9s}" for s in STAGES) + f" {'naive':>7s} {'ratio':>6s} {'score':>6s} {'rss MB':>7s}")
    all_ratio_mid = []
    for size in sizes:
        rows, naive_t, ratios, scores = [], [], [], []
        for k, m in enumerate(maps):
            im, truth = resized_truth(m, size)
            p = tmp / f"m{k}_{size[0]}.png"
            im.save(p)
            r = extract(p)
            tm = dict(r.timings)
            rows.append(tm)
            nt = naive_forward(naive, np.asarray(im))
            naive_t.append(nt)
            ratios.append(tm["total"] / nt)
            scores.append(score_curves(score_map, truth, r.curves)["score"])
        med = {s: float(np.median([r.get(s, 0.0) for r in rows])) for s in STAGES}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratio = float(np.median(ratios))
        if size in ((800, 600), (1000, 750)):
            all_ratio_mid += ratios
        print(f"{size[0]:>5d}x{size[1]:<4d} " + " ".join(f"{med[s]:9.3f}" for s in STAGES)
              + f" {np.median(naive_t):7.3f} {ratio:6.2f} {np.mean(scores):6.3f} {rss:7.0f}")
    if all_ratio_mid:
        print(f"median ratio extract()/naive forward on 800x600..1000x750: {np.median(all_ratio_mid):.2f}x "
              f"(target <= 1.0x)")
    # time vs number of speedlines (post-processing only scales with them)
    by_n = {}
    for i in range(30):
        m = generate(a.seed + 1, i)
        im = Image.fromarray(m.image).resize((1000, 750), Image.LANCZOS)
        p = tmp / "n.png"
        im.save(p)
        r = extract(p, read_labels=False)
        by_n.setdefault(len(m.truth["curves"]) // 4 * 4, []).append(r.timings["skeleton"] + r.timings["instances"]
                                                                      + r.timings["fit"])
        if len(by_n) >= 4 and i > 12:
            break
    print("post-processing time (skeleton+instances+fit) at 1000x750 by speedline count: "
          + ", ".join(f"{k}-{k + 3}: {np.median(v) * 1000:.0f} ms" for k, v in sorted(by_n.items())))


if __name__ == "__main__":
    main()
