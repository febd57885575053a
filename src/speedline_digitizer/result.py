"""The result types that cross stage boundaries: Curve and Extraction (with CSV/JSON writers)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .calibrate import Calibration


@dataclass(frozen=True)
class Curve:
    """One speedline: axis values ordered from the surge end, the same points in image pixels, and its speed."""

    x: np.ndarray
    y: np.ndarray
    pixels: np.ndarray  # (N, 2) column, row
    speed: float | None = None
    speed_label: str | None = None
    speed_inferred: bool = False  # True when the speed was filled in from its neighbours, not read

    def to_dict(self, index: int) -> dict:
        return {"speedline": index, "speed": self.speed, "speed_label": self.speed_label,
                "speed_inferred": self.speed_inferred, "x": self.x.tolist(), "y": self.y.tolist(),
                "pixels": np.round(self.pixels, 2).tolist()}


@dataclass
class Extraction:
    """What `extract()` returns: the curves, how they were calibrated, and the mask they came from."""

    curves: list
    calibration: Calibration
    mask: np.ndarray | None = None
    image: np.ndarray | None = field(default=None, repr=False)
    source: str | None = None
    warnings: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    @property
    def units(self) -> str:
        return "pixels" if self.calibration.source == "pixels" else "axis"

    def to_rows(self) -> list:
        rows = []
        for i, c in enumerate(self.curves):
            sp = "" if c.speed is None else f"{c.speed:g}"
            for xv, yv in zip(c.x, c.y):
                rows.append((i, sp, c.speed_label or "", f"{xv:.6g}", f"{yv:.6g}"))
        return rows

    def to_csv(self, path: str | Path) -> Path:
        """Long format, one row a point: speedline,speed,speed_label,x,y (atomic write)."""
        from .io import atomic_write_text

        lines = ["speedline,speed,speed_label,x,y"]
        for i, sp, lab, xv, yv in self.to_rows():
            lab = f'"{lab}"' if ("," in lab or '"' in lab) else lab
            lines.append(f"{i},{sp},{lab},{xv},{yv}")
        return atomic_write_text(path, "\n".join(lines) + "\n")

    def to_dict(self) -> dict:
        return {"source": self.source, "units": self.units, "calibration": self.calibration.describe(),
                "warnings": list(self.warnings), "curves": [c.to_dict(i) for i, c in enumerate(self.curves)]}

    def to_json(self, path: str | Path) -> Path:
        from .io import atomic_write_text

        return atomic_write_text(path, json.dumps(self.to_dict(), indent=1))

    def plot(self, path: str | Path | None = None):
        """The overlay image (PIL) of the curves drawn over the input; saved to `path` when given."""
        from .overlay import draw_overlay

        img = draw_overlay(self)
        if path is not None:
            from .io import atomic_save_image

            atomic_save_image(img, path)
        return img
