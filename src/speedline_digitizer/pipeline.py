"""extract(): wires the stages (load -> segment -> calibrate -> post-process -> labels), nothing else."""
from __future__ import annotations

import logging
import time

import numpy as np

from .calibrate import Calibration, CalibrationError
from .io import light_page, load_image
from .postprocess import curves_from_mask
from .result import Extraction

log = logging.getLogger(__name__)


def speedline_mask(prob: np.ndarray, low: float = 0.3, high: float = 0.5) -> np.ndarray:
    """Binary mask from the segmenter's probabilities: hysteresis keeps faint stretches joined to sure ones."""
    from skimage.filters import apply_hysteresis_threshold

    return apply_hysteresis_threshold(prob, low, high)


def calibrate(img: np.ndarray, *, xlim=None, ylim=None, plot_box=None, x_log=False, y_log=False,
              rotation_deg: float = 0.0, detect: bool = True, warnings: list | None = None) -> Calibration:
    """The calibration for an image: given (box + limits), half given (limits; frame detected),
    detected (frame + tick labels), or pixels when nothing else works (with a warning)."""
    warnings = warnings if warnings is not None else []
    H = img.shape[0]
    if (xlim is None) != (ylim is None):
        raise CalibrationError("give both --xlim and --ylim, or neither")
    if xlim is not None:
        if plot_box is None:
            from .axes import detect_frame

            frame = detect_frame(img) if detect else None
            if frame is None:
                warnings.append("plot frame not found: the limits were applied to the whole image; pass --plot-box")
                plot_box, rotation_deg = (0, 0, img.shape[1] - 1, img.shape[0] - 1), 0.0
            else:
                plot_box, rotation_deg = frame.plot_box, frame.rotation_deg
        return Calibration.from_box(plot_box, xlim, ylim, x_log, y_log, rotation_deg=rotation_deg, source="given")
    if detect:
        from .ocr import OcrUnavailable

        try:
            from .axes import auto_calibrate

            cal = auto_calibrate(img)
        except OcrUnavailable as e:
            warnings.append(str(e))
            cal = None
        if cal is not None:
            if cal.residual > 0.01 or cal.confidence < 0.5:
                warnings.append(f"automatic calibration is uncertain (residual {cal.residual:.2%} of span, "
                                f"confidence {cal.confidence:.2f}): check the overlay or pass --xlim/--ylim")
            return cal
        warnings.append("axes could not be calibrated automatically: output is in pixels (pass --xlim/--ylim)")
    cal = Calibration.pixels(H)
    if plot_box is not None:
        cal = Calibration(cal.A, cal.b, source="pixels", confidence=0.0, plot_box=tuple(plot_box))
    return cal


def extract(image, *, xlim=None, ylim=None, plot_box=None, x_log: bool = False, y_log: bool = False,
            rotation_deg: float = 0.0, mask: bool = False, model=None, device: str = "auto",
            read_labels: bool = True) -> Extraction:
    """Digitize a compressor map: speedline curves in axis units with their speeds.

    Parameters
    ----------
    image : path, PIL image or numpy array (H x W [x 3])
    xlim, ylim : axis values at the plot frame's edges; the frame is found in the image unless
        `plot_box` (x0, y0, x1, y1 px) is given. Without limits the axes are read from the image (OCR).
    x_log, y_log : logarithmic axes (with given limits).
    mask : treat `image` as a speedline mask (non-zero = speedline) and skip the segmenter.
    model : path of safetensors weights (default: the shipped model); device : auto | cpu | cuda.
    read_labels : read the speed labels (OCR) and fill `speed` / `speed_label`.

    Examples
    --------
    >>> import numpy as np, speedline_digitizer as sd
    >>> m = np.zeros((100, 200), np.uint8)
    >>> for i in range(120): m[30 + i // 3, 40 + i] = 255       # a falling line, as a mask
    >>> r = sd.extract(m, mask=True, plot_box=(0, 0, 199, 99), xlim=(0, 10), ylim=(0, 5))
    >>> len(r.curves), round(float(r.curves[0].x[0]), 1), round(float(r.curves[0].y[0]), 1)
    (1, 2.0, 3.5)
    """
    timings = {}
    warnings: list = []
    t0 = time.perf_counter()
    img, src = load_image(image)
    if not mask:
        img, inverted = light_page(img)
        if inverted:
            warnings.append("dark background: the image was read inverted (light on dark)")
    timings["load"] = time.perf_counter() - t0
    if xlim is not None and ylim is not None:
        for lim, name in ((xlim, "x"), (ylim, "y")):
            if len(lim) != 2 or lim[0] == lim[1]:
                raise CalibrationError(f"{name} limits must be two different values, got {tuple(lim)}")
    t = time.perf_counter()
    if mask:
        prob = (img.max(axis=2) > 0).astype(np.float32)
    else:
        from .segment import cached_segmenter

        seg = cached_segmenter(str(model) if model else None, device)
        prob = seg.predict(img)
    timings["segment"] = time.perf_counter() - t
    t = time.perf_counter()
    cal = calibrate(img, xlim=xlim, ylim=ylim, plot_box=plot_box, x_log=x_log, y_log=y_log,
                    rotation_deg=rotation_deg, detect=not mask, warnings=warnings)
    timings["calibrate"] = time.perf_counter() - t
    binary = prob > 0 if mask else speedline_mask(prob)
    curves = curves_from_mask(binary, cal, plot_box=cal.plot_box, timings=timings, image=None if mask else img)
    t = time.perf_counter()
    if read_labels and not mask and curves:
        from .ocr import OcrUnavailable

        try:
            from .labels import read_speed_labels

            curves = read_speed_labels(img, curves, cal.plot_box)
        except OcrUnavailable as e:
            if str(e) not in warnings:
                warnings.append(str(e))
    timings["labels"] = time.perf_counter() - t
    if not curves:
        warnings.append("no speedlines found")
    timings["total"] = time.perf_counter() - t0
    for w in warnings:
        log.warning(w)
    return Extraction(curves, cal, mask=(binary.astype(np.uint8) * 255), image=img, source=src, warnings=warnings,
                      timings=timings)
