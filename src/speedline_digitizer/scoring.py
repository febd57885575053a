"""Curve score: a copy of the team's shared scorer (shared/eval/score_curves.py, `score_map`).

Kept verbatim so `digitize eval` works in an installed package; `digitize eval --scorer PATH`
uses the shared file itself. Both sides are normalised to the axis box; pairs are matched
one-to-one (Hungarian); a map's score is sum(s of matches) / max(n_truth, n_predicted).
"""
import csv

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree


def densify(p, step=0.002):
    out = [p[:1]]
    for a, b in zip(p[:-1], p[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        out.append(a + (b - a) * (np.arange(1, n + 1)[:, None] / n))
    return np.vstack(out)


def read_pred(path):
    curves, speeds = {}, {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return [], []
    key = next(k for k in ("speedline", "curve", "id", "curve_id", "speedline_id") if k in rows[0])
    for r in rows:
        curves.setdefault(r[key], []).append((float(r["x"]), float(r["y"])))
        if r.get("speed") not in (None, ""):
            speeds[r[key]] = float(r["speed"])
    ids = list(curves)
    return [np.array(curves[i]) for i in ids], [speeds.get(i) for i in ids]


def score_map(gt, pred_curves, pred_speeds, tau):
    fx = np.log10 if gt.get("x_log") else (lambda v: np.asarray(v, float))
    fy = np.log10 if gt.get("y_log") else (lambda v: np.asarray(v, float))
    x0, x1 = fx(gt["xlim"])
    y0, y1 = fy(gt["ylim"])

    def norm(p):  # axis box -> unit square (log axes in decades)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.column_stack([(fx(p[:, 0]) - x0) / (x1 - x0), (fy(p[:, 1]) - y0) / (y1 - y0)])
    truth = []
    for c in gt["curves"]:
        p = norm(np.array(c["points"]))
        p = p[(p[:, 0] >= 0) & (p[:, 0] <= 1) & (p[:, 1] >= 0) & (p[:, 1] <= 1)]
        if len(p) >= 2:
            truth.append((densify(p), c["speed"]))
    preds = [densify(q) for q in (norm(p) for p in pred_curves if len(p) >= 1)]
    preds = [q[np.isfinite(q).all(axis=1)] for q in preds]
    preds = [q for q in preds if len(q)]
    nt, npred = len(truth), len(preds)
    if npred == 0:
        return dict(score=0.0, n_truth=nt, n_pred=0, recovered=0, errors=[], speed_ok=0, speed_n=0)
    S = np.zeros((nt, npred)); C = np.zeros_like(S); P = np.zeros_like(S); E = np.zeros_like(S)
    trees = [cKDTree(p) for p in preds]
    for i, (t, _) in enumerate(truth):
        tt = cKDTree(t)
        for j, p in enumerate(preds):
            d_tp, _ = trees[j].query(t)
            d_pt, _ = tt.query(p)
            C[i, j] = np.mean(d_tp < tau); P[i, j] = np.mean(d_pt < tau)
            S[i, j] = 0 if C[i, j] + P[i, j] == 0 else 2 * C[i, j] * P[i, j] / (C[i, j] + P[i, j])
            E[i, j] = np.mean(d_tp)
    ri, ci = linear_sum_assignment(-S)
    errors, rec, sp_ok, sp_n = [], 0, 0, 0
    for i, j in zip(ri, ci):
        if S[i, j] > 0.5:
            errors.append(E[i, j] * 100)
        if C[i, j] >= 0.9 and P[i, j] >= 0.9:
            rec += 1
            if pred_speeds[j] is not None:
                sp_n += 1
                sp_ok += abs(pred_speeds[j] - truth[i][1]) <= 1e-3 * max(1, abs(truth[i][1])) + 0.006 * abs(truth[i][1])
    return dict(score=float(S[ri, ci].sum() / max(nt, npred)), n_truth=nt, n_pred=npred,
                recovered=rec, errors=errors, speed_ok=int(sp_ok), speed_n=sp_n)
