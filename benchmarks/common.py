"""Shared helpers for the benchmarks: the team's curve scorer and summaries."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_scorer():
    """`score_map` from ../shared/eval/score_curves.py (or $SPEEDLINE_SCORER)."""
    cand = [os.environ.get("SPEEDLINE_SCORER"), ROOT.parent / "shared" / "eval" / "score_curves.py",
            ROOT / "shared" / "eval" / "score_curves.py"]
    for c in cand:
        if c and Path(c).is_file():
            spec = importlib.util.spec_from_file_location("score_curves", c)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod.score_map
    raise SystemExit("shared scorer not found: set SPEEDLINE_SCORER=/path/to/score_curves.py")


def score_curves(score_map, truth: dict, curves, tau: float = 0.01) -> dict:
    pred = [np.column_stack([c.x, c.y]) for c in curves]
    speeds = [c.speed for c in curves]
    return score_map(truth, pred, speeds, tau)


def summary(rows: list) -> dict:
    nt = sum(r["n_truth"] for r in rows)
    rec = sum(r["recovered"] for r in rows)
    errs = [e for r in rows for e in r["errors"]]
    return {"maps": len(rows), "score": float(np.mean([r["score"] for r in rows])) if rows else float("nan"),
            "recovered": rec, "n_truth": nt, "recovered_pct": 100.0 * rec / max(nt, 1),
            "median_error_pct": float(np.median(errs)) if errs else float("nan"),
            "speed_ok": sum(r["speed_ok"] for r in rows), "speed_n": sum(r["speed_n"] for r in rows)}


def fmt(s: dict) -> str:
    return (f"maps {s['maps']:4d}  score {s['score']:.3f}  recovered {s['recovered']}/{s['n_truth']} "
            f"({s['recovered_pct']:.1f}%)  median error {s['median_error_pct']:.3f}% of span")
