"""Calibration: pixels <-> axis units, linear or logarithmic, with a small rotation of the frame.

A :class:`Calibration` is an affine map from image pixels (x = column, y = row, top-left origin)
to axis coordinates, where a log axis is handled in log10 space. It is made from a plot box and
axis limits, or from reference points (two per axis, as in WebPlotDigitizer), or by automatic
detection (:mod:`speedline_digitizer.axes`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class CalibrationError(ValueError):
    """The calibration input is unusable (equal limits, non-positive log limits, degenerate points)."""


def rotate_points(xy: np.ndarray, angle_deg: float, centre) -> np.ndarray:
    """Rotate pixel points counter-clockwise (as displayed, y down) by `angle_deg` about `centre`."""
    a = np.deg2rad(angle_deg)
    xy = np.asarray(xy, float)
    cx, cy = centre
    x, y = xy[..., 0] - cx, xy[..., 1] - cy
    return np.stack([x * np.cos(a) + y * np.sin(a) + cx, -x * np.sin(a) + y * np.cos(a) + cy], axis=-1)


@dataclass(frozen=True)
class Calibration:
    """Affine pixel -> axis map: [u, v] = A @ [x, y] + b, with u = log10(x value) on a log axis."""

    A: np.ndarray
    b: np.ndarray
    x_log: bool = False
    y_log: bool = False
    source: str = "given"  # given | detected | pixels
    residual: float = 0.0  # fit residual, fraction of axis span (detected calibrations)
    confidence: float = 1.0
    plot_box: tuple | None = None  # (x0, y0, x1, y1) px, when known
    notes: tuple = field(default_factory=tuple)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_points(cls, x_refs, y_refs, x_log: bool = False, y_log: bool = False, **kw) -> "Calibration":
        """Two reference points per axis: x_refs = [(px, py, value), (px, py, value)], likewise y_refs."""
        (xa, xb), (ya, yb) = np.asarray(x_refs, float), np.asarray(y_refs, float)
        fx = _axis_fn(x_log, "x")
        fy = _axis_fn(y_log, "y")
        ux1, ux2 = fx(xa[2]), fx(xb[2])
        vy1, vy2 = fy(ya[2]), fy(yb[2])
        if ux1 == ux2 or vy1 == vy2:
            raise CalibrationError("the two reference values of an axis must differ")
        D = np.column_stack([xb[:2] - xa[:2], yb[:2] - ya[:2]])
        if abs(np.linalg.det(D)) < 1e-9:
            raise CalibrationError("reference points are collinear: the x and y axes must not be parallel")
        A = np.diag([ux2 - ux1, vy2 - vy1]) @ np.linalg.inv(D)
        b = np.array([ux1 - A[0] @ xa[:2], vy1 - A[1] @ ya[:2]])
        return cls(A, b, x_log, y_log, **kw)

    @classmethod
    def from_box(cls, box, xlim, ylim, x_log: bool = False, y_log: bool = False, rotation_deg: float = 0.0,
                 centre=None, **kw) -> "Calibration":
        """Plot frame (x0, y0, x1, y1) in pixels whose edges sit at the axis limits; optional frame rotation."""
        x0, y0, x1, y1 = map(float, box)
        if x1 <= x0 or y1 <= y0:
            raise CalibrationError(f"plot box must have x1 > x0 and y1 > y0, got {tuple(box)}")
        if xlim[0] == xlim[1] or ylim[0] == ylim[1]:
            raise CalibrationError("axis limits must differ (LO != HI)")
        pts = np.array([[x0, y1], [x1, y1], [x0, y1], [x0, y0]], float)
        if rotation_deg:
            c = centre if centre is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
            pts = rotate_points(pts, rotation_deg, c)
        kw.setdefault("plot_box", (x0, y0, x1, y1))
        return cls.from_points([(*pts[0], xlim[0]), (*pts[1], xlim[1])], [(*pts[2], ylim[0]), (*pts[3], ylim[1])],
                               x_log, y_log, **kw)

    @classmethod
    def pixels(cls, height: int) -> "Calibration":
        """No calibration: x = column, y = height - row (so up is up)."""
        return cls(np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.0, float(height)]), source="pixels",
                   confidence=0.0)

    # ------------------------------------------------------------------ mapping
    def to_data(self, xy: np.ndarray) -> np.ndarray:
        """Pixels (N, 2) -> axis values (N, 2)."""
        uv = np.asarray(xy, float) @ self.A.T + self.b
        if self.x_log:
            uv[:, 0] = 10 ** uv[:, 0]
        if self.y_log:
            uv[:, 1] = 10 ** uv[:, 1]
        return uv

    def to_pixels(self, values: np.ndarray) -> np.ndarray:
        """Axis values (N, 2) -> pixels (N, 2)."""
        uv = np.array(values, float, copy=True).reshape(-1, 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.x_log:
                uv[:, 0] = np.log10(uv[:, 0])
            if self.y_log:
                uv[:, 1] = np.log10(uv[:, 1])
        return (uv - self.b) @ np.linalg.inv(self.A).T

    def describe(self) -> dict:
        return {"source": self.source, "x_log": self.x_log, "y_log": self.y_log, "A": self.A.tolist(),
                "b": self.b.tolist(), "residual": self.residual, "confidence": self.confidence,
                "plot_box": list(self.plot_box) if self.plot_box else None, "notes": list(self.notes)}


def _axis_fn(log: bool, name: str):
    def f(v):
        v = float(v)
        if log:
            if v <= 0:
                raise CalibrationError(f"{name} axis is logarithmic, so its limits must be > 0 (got {v:g})")
            return np.log10(v)
        return v
    return f
