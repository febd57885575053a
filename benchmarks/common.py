"""Shared helpers for the benchmarks: the team's curve scorer and summaries."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# the team's shared folder: beside the checkout (../shared), or a copy inside it (on a borrowed machine)
SHARED = next((p for p in (ROOT.parent / "shared", ROOT / "shared") if p.is_dir()), ROOT.parent / "shared")


def load_scorer():
    """`score_map` from ../shared/eval/score_curves.py (or $SPEEDLINE_SCORER)."""
    from speedline_digitizer.evaluate import load_score_map

    cand = [os.environ.get("SPEEDLINE_SCORER"), ROOT.parent / "shared" / "eval" / "score_curves.py",
            ROOT / "shared" / "eval" / "score_curves.py"]
    for c in cand:
        if c and Path(c).is_file():
            return load_score_map(c)
    raise SystemExit("shared scorer not found: set SPEEDLINE_SCORER=/path/to/score_curves.py")


def score_curves(score_map, truth: dict, curves, tau: float = 0.01) -> dict:
    pred = [np.column_stack([c.x, c.y]) for c in curves]
    speeds = [c.speed for c in curves]
    return score_map(truth, pred, speeds, tau)


def summary(rows: list) -> dict:
    from speedline_digitizer.evaluate import curve_summary

    return {"maps": len(rows), **curve_summary(rows)}


def fmt(s: dict) -> str:
    return (f"maps {s['maps']:4d}  score {s['score']:.3f}  recovered {s['recovered']}/{s['n_truth']} "
            f"({s['recovered_pct']:.1f}%)  median error {s['median_error_pct']:.3f}% of span")
