"""`digitize eval`: pixel and curve metrics of the whole pipeline on maps with ground truth."""
from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import numpy as np


def load_score_map(path: str | Path | None = None):
    """score_map from a scorer file (the team's shared one), else the bundled copy."""
    if path is not None:
        spec = importlib.util.spec_from_file_location("score_curves", str(path))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.score_map
    from .scoring import score_map

    return score_map


def pixel_scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    """IoU and Dice of two boolean masks."""
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    s = pred.sum() + truth.sum()
    return {"iou": float(inter / union) if union else 1.0, "dice": float(2 * inter / s) if s else 1.0}


def downscaled(mask: np.ndarray, box, size: int = 256) -> np.ndarray:
    """The plot-area crop of a mask at size x size (a pixel is on when any source pixel under it is)."""
    import cv2

    x0, y0, x1, y1 = (int(round(v)) for v in box)
    crop = mask[max(0, y0):y1 + 1, max(0, x0):x1 + 1].astype(np.float32)
    if crop.size == 0:
        crop = mask.astype(np.float32)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA) > 0.2


def skeleton_pr(pred: np.ndarray, truth: np.ndarray, tol: float = 2.0) -> tuple:
    """Precision and recall of skeleton pixels within `tol` px (a line metric that forgives width)."""
    from scipy import ndimage
    from skimage.morphology import skeletonize

    sp, st = skeletonize(pred), skeletonize(truth)
    dt_t = ndimage.distance_transform_edt(~st) if st.any() else np.full(st.shape, np.inf)
    dt_p = ndimage.distance_transform_edt(~sp) if sp.any() else np.full(sp.shape, np.inf)
    tp_p = (dt_t[sp] <= tol).sum()
    tp_r = (dt_p[st] <= tol).sum()
    return (float(tp_p / max(sp.sum(), 1)), float(tp_r / max(st.sum(), 1)), int(sp.sum()), int(st.sum()))


def find_maps(folder: Path) -> list:
    """(image, mask, truth json) triples in a folder written by `digitize synth`."""
    out = []
    for j in sorted(Path(folder).glob("*.json")):
        t = json.loads(j.read_text())
        img = j.parent / t.get("image", j.stem + ".png")
        m = j.parent / f"{j.stem}.mask.png"
        if img.exists():
            out.append((img, m if m.exists() else None, t))
    return out


def evaluate(folder: Path, model=None, device: str = "auto", tau: float = 0.01, scorer=None, auto: bool = True,
             progress=None) -> dict:
    """Run the pipeline on every map of `folder` and aggregate pixel, line and curve metrics."""
    from PIL import Image

    from .io import light_page
    from .pipeline import calibrate, speedline_mask
    from .postprocess import curves_from_mask
    from .segment import cached_segmenter

    score_map = load_score_map(scorer)
    seg = cached_segmenter(str(model) if model else None, device)
    rows = []
    for img_p, mask_p, truth in find_maps(folder):
        img, _ = light_page(np.asarray(Image.open(img_p).convert("RGB")))  # as extract() reads it
        t0 = time.perf_counter()
        prob = seg.predict(img)
        t_seg = time.perf_counter() - t0
        pred = speedline_mask(prob)
        r = {"map": img_p.stem, "style": truth.get("style", ""), "seg_s": t_seg}
        if mask_p is not None:
            tm = np.asarray(Image.open(mask_p).convert("L")) > 127
            r.update({f"full_{k}": v for k, v in pixel_scores(pred, tm).items()})
            box = truth.get("plot_box_px", (0, 0, tm.shape[1] - 1, tm.shape[0] - 1))
            r.update({f"s256_{k}": v for k, v in pixel_scores(downscaled(pred, box), downscaled(tm, box)).items()})
            p, rc, _, _ = skeleton_pr(pred, tm)
            r.update(skel_p=p, skel_r=rc)
        # curves with the limits given (frame detected), as a user with known limits runs it
        cal = calibrate(img, xlim=truth["xlim"], ylim=truth["ylim"], x_log=truth["x_log"], y_log=truth["y_log"])
        curves = curves_from_mask(pred, cal, plot_box=cal.plot_box, image=img)
        s = score_map(truth, [np.column_stack([c.x, c.y]) for c in curves], [None] * len(curves), tau)
        r.update(given=s)
        if auto:
            from .pipeline import extract

            res = extract(img, read_labels=True, model=model, device=device)
            s2 = score_map(truth, [np.column_stack([c.x, c.y]) for c in res.curves], [c.speed for c in res.curves],
                           tau)
            r.update(auto=s2, auto_cal=res.calibration.source)
        rows.append(r)
        if progress:
            progress(r)
    return summarize(rows)


def curve_summary(rs: list) -> dict:
    """Aggregate score_map results: mean score, recovered share, median error, speeds."""
    nt = sum(r["n_truth"] for r in rs)
    rec = sum(r["recovered"] for r in rs)
    errs = [e for r in rs for e in r["errors"]]
    return {"score": float(np.mean([r["score"] for r in rs])) if rs else float("nan"),
            "recovered": rec, "n_truth": nt, "recovered_pct": 100 * rec / max(nt, 1),
            "median_error_pct": float(np.median(errs)) if errs else float("nan"),
            "speed_ok": sum(r["speed_ok"] for r in rs), "speed_n": sum(r["speed_n"] for r in rs)}


def summarize(rows: list) -> dict:
    out = {"maps": len(rows)}
    for k in ("full_iou", "full_dice", "s256_iou", "s256_dice", "skel_p", "skel_r", "seg_s"):
        v = [r[k] for r in rows if k in r]
        if v:
            out[k] = float(np.mean(v))
    out["given"] = curve_summary([r["given"] for r in rows])
    if rows and "auto" in rows[0]:
        out["auto"] = curve_summary([r["auto"] for r in rows])
        out["auto_detected"] = sum(r["auto_cal"] == "detected" for r in rows)
    styles = {}
    for r in rows:
        styles.setdefault(r["style"], []).append(r["given"])
    out["by_style"] = {k: curve_summary(v) for k, v in sorted(styles.items())}
    return out


def format_report(s: dict) -> str:
    lines = [f"maps: {s['maps']}"]
    if "full_iou" in s:
        lines.append(f"pixel IoU / Dice, full resolution:       {s['full_iou']:.3f} / {s['full_dice']:.3f}")
        lines.append(f"pixel IoU / Dice, 256 x 256 plot area:   {s['s256_iou']:.3f} / {s['s256_dice']:.3f}")
        lines.append(f"skeleton precision / recall (2 px):      {s['skel_p']:.3f} / {s['skel_r']:.3f}")
    g = s["given"]
    lines.append(f"curves, limits given:  score {g['score']:.3f}  recovered {g['recovered']}/{g['n_truth']} "
                 f"({g['recovered_pct']:.1f}%)  median error {g['median_error_pct']:.3f}% of span")
    if "auto" in s:
        a = s["auto"]
        lines.append(f"curves, no hints:      score {a['score']:.3f}  recovered {a['recovered']}/{a['n_truth']} "
                     f"({a['recovered_pct']:.1f}%)  speeds right {a['speed_ok']}/{a['speed_n']}  "
                     f"(axes detected on {s['auto_detected']}/{s['maps']})")
    for k, v in s["by_style"].items():
        lines.append(f"  {k or '-':12s} score {v['score']:.3f}  recovered {v['recovered']}/{v['n_truth']}")
    if "seg_s" in s:
        lines.append(f"segmenter time per map: {s['seg_s']:.2f} s")
    return "\n".join(lines)
