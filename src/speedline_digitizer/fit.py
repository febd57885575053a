"""Pixel path -> smoothing parametric spline in arc length, resampled evenly (scipy splprep/splev)."""
from __future__ import annotations

import numpy as np


def fit_path(xy: np.ndarray, step: float = 2.0, smoothing: float = 0.6, max_points: int = 400) -> np.ndarray:
    """Smooth a pixel path (x, y) with a parametric spline and resample it every `step` px.

    `smoothing` is the expected pixel noise (px rms); the path's order and its end points are kept.
    A speedline's choke tail is near vertical, so the spline is x(s), y(s) in arc length s, not y(x).
    """
    from scipy.interpolate import splev, splprep

    xy = np.asarray(xy, float)
    if len(xy) < 2:
        return xy.copy()
    # drop repeated points, which splprep rejects
    keep = np.concatenate([[True], np.hypot(*np.diff(xy, axis=0).T) > 1e-9])
    xy = xy[keep]
    seg = np.hypot(*np.diff(xy, axis=0).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    length = s[-1]
    n_out = int(np.clip(np.ceil(length / step) + 1, 2, max_points))
    if len(xy) < 6:
        si = np.linspace(0, length, n_out)
        return np.column_stack([np.interp(si, s, xy[:, 0]), np.interp(si, s, xy[:, 1])])
    # thin the path to ~1 point per px of arc length for a well-conditioned fit
    u = s / length
    k = 3 if len(xy) > 8 else 1
    try:
        tck, _ = splprep([xy[:, 0], xy[:, 1]], u=u, k=k, s=len(xy) * smoothing ** 2)
    except Exception:  # degenerate input: fall back to the polyline itself
        si = np.linspace(0, length, n_out)
        return np.column_stack([np.interp(si, s, xy[:, 0]), np.interp(si, s, xy[:, 1])])
    dense = np.column_stack(splev(np.linspace(0, 1, 4 * n_out), tck))
    # resample the spline evenly in its own arc length
    ds = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T))])
    si = np.linspace(0, ds[-1], n_out)
    return np.column_stack([np.interp(si, ds, dense[:, 0]), np.interp(si, ds, dense[:, 1])])
