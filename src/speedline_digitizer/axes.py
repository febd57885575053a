"""Automatic calibration: find the plot frame, read the tick labels, fit pixel -> value per axis.

Frame: long near-horizontal and near-vertical straight lines (OpenCV probabilistic Hough); the
left spine and the bottom spine are the outermost ones, so a frame with only two spines works,
and their angle gives a small rotation. Ticks: text blobs just outside the spines are read by the
OCR engine (recognition only), parsed as numbers, and fitted robustly (RANSAC over label pairs)
as linear or logarithmic; one misread label does not spoil the fit.
"""
from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, replace

import numpy as np

from .calibrate import Calibration

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    box: tuple  # x0, y0, x1, y1 in pixels (axis-aligned bounds of the frame)
    rotation_deg: float
    spines: tuple  # which spines were seen: subset of ("left", "bottom", "right", "top")
    confidence: float
    corner: tuple | None = None  # where the left and bottom spines meet (sub-pixel), when fitted
    panel: tuple | None = None  # (top, bottom) rows of the map's panel when the frame stacks several

    @property
    def plot_box(self) -> tuple:
        """The box the curves are read in: the map's panel of a stack, else the frame."""
        return self.box if self.panel is None else (self.box[0], self.panel[0], self.box[2], self.panel[1])


@dataclass
class AxisFit:
    a: float  # value-space (log10 on a log axis) per pixel
    b: float
    log: bool
    residual: float  # rms of inliers, fraction of the axis span
    n_inliers: int
    n_labels: int
    n_ticks: int = 0  # tick marks the fit was refined on (0: labels only)

    def value(self, px):
        v = self.a * np.asarray(px, float) + self.b
        return 10 ** v if self.log else v


def darkness(img: np.ndarray) -> np.ndarray:
    """How much darker than the local paper each pixel is (float, grey levels; tinted and noisy scans)."""
    import cv2

    g = img.mean(axis=2).astype(np.float32) if img.ndim == 3 else img.astype(np.float32)
    # paper level around each pixel: the lightest of the 3 x 3 means nearby (the lightest single pixel
    # of a noisy scan is its noise's peak, which made all its paper look inked)
    bg = cv2.dilate(cv2.blur(g, (3, 3)), np.ones((15, 15), np.uint8))
    bg = cv2.blur(bg, (31, 31))
    return bg - g


def dark_mask(img: np.ndarray, margin: float = 40.0, fraction: float = 0.25) -> np.ndarray:
    """Ink pixels: darker than the local paper by a margin.

    The defaults find strokes; text needs a lower margin (thin light digits blur to grey)."""
    return _ink(darkness(img), margin, fraction)


def _ink(dark: np.ndarray, margin: float = 40.0, fraction: float = 0.25) -> np.ndarray:
    """Ink pixels of a :func:`darkness` image (the rule of :func:`dark_mask`, for callers that keep it)."""
    return dark > np.maximum(margin, fraction * dark.max())


def fit_spine(dark: np.ndarray, p0: tuple, slope: float, extent: tuple, horizontal: bool, half: int = 4):
    """Sub-pixel straight line through a spine: the darkness-weighted centre across the line at each
    position along it, fitted by least squares with outliers (ticks, labels, crossing curves) dropped.

    `p0` (x, y) lies on the line, `slope` is d(across)/d(along), `extent` the (lo, hi) range along it.
    Returns (intercept, slope) of across = intercept + slope * along, or None with too few samples."""
    H, W = dark.shape
    a = np.arange(int(extent[0]), int(extent[1]) + 1)
    c0 = (p0[1] + slope * (a - p0[0])) if horizontal else (p0[0] + slope * (a - p0[1]))
    cc = np.round(c0).astype(int)[:, None] + np.arange(-half, half + 1)[None, :]
    ok = (cc.min(1) >= 0) & (cc.max(1) < (H if horizontal else W)) & (a >= 0) & (a < (W if horizontal else H))
    a, cc = a[ok], cc[ok]
    if len(a) < 20:
        return None
    w = np.clip(dark[cc, a[:, None]] if horizontal else dark[a[:, None], cc], 0, None)
    tot = w.sum(1)
    good = tot > 0.3 * np.median(tot)
    cen = (w * cc).sum(1)[good] / tot[good]
    a = a[good]
    if len(a) < 20:
        return None
    return _robust_line(a, cen, 0.35)


def _robust_line(pos: np.ndarray, val: np.ndarray, floor: float, min_keep: int = 20) -> tuple:
    """(intercept, slope) of val = intercept + slope * pos by least squares, refitted up to five times
    without the points further off than 2.5 median residuals (at least `floor`)."""
    keep = np.ones(len(pos), bool)
    for _ in range(5):
        s, b = np.polyfit(pos[keep], val[keep], 1)
        r = np.abs(val - (s * pos + b))
        new = r <= max(floor, 2.5 * float(np.median(r[keep])))
        if new.sum() < min_keep or (new == keep).all():
            break
        keep = new
    return float(b), float(s)


def _grey_u8(img: np.ndarray) -> np.ndarray:
    """8-bit grey of an RGB(A) or grey image."""
    import cv2

    if img.ndim == 3:
        return cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)
    return img.astype(np.uint8)


def _largest_region(mask: np.ndarray, frac: float) -> tuple | None:
    """(x, y, w, h, area) of the largest 4-connected region of a uint8 mask closed over with a square a
    `frac` of its smaller side (odd, 3 px or more): grid lines and strokes across it closed; or None."""
    import cv2

    k = max(3, int(frac * min(mask.shape))) | 1
    on = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, _, st, _ = cv2.connectedComponentsWithStats(on, connectivity=4)
    if n < 2:
        return None
    return tuple(int(v) for v in st[1 + int(np.argmax(st[1:, cv2.CC_STAT_AREA]))])


def detect_panel(img: np.ndarray) -> Frame | None:
    """The rectangle of a filled plot panel drawn without spines (ggplot2's grey panel, seaborn's
    'darkgrid'): the largest region of one light grey, its grid lines and curves closed over, that does
    not run from edge to edge of the image. None when there is no such panel. Panels stacked one over
    another (sharing the x axis) give the frame round them all, `panel` the tallest one's rows.

    Found on a copy at most 700 px wide; the edges are then placed at full resolution."""
    import cv2

    H, W = img.shape[:2]
    g = _grey_u8(img)
    s = min(1.0, 700.0 / max(H, W))
    small = cv2.medianBlur(cv2.resize(g, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else g, 5)
    h_, w_ = small.shape
    hist = np.bincount(small.ravel(), minlength=256).astype(float)
    lo, hi = 170, 249  # a panel is light grey; paper is lighter
    win = np.convolve(hist, np.ones(5), mode="same")
    level = lo + int(np.argmax(win[lo:hi]))
    if win[level] < 0.15 * h_ * w_:
        return None
    region = _largest_region((np.abs(small.astype(np.int16) - level) <= 6).astype(np.uint8), 0.02)
    if region is None:
        return None
    x, y, w, h, area = region
    if (x == 0 and x + w >= w_) or (y == 0 and y + h >= h_) or w < 0.3 * w_ or h < 0.3 * h_ or area < 0.6 * w * h:
        return None  # paper of that grey from edge to edge, or no panel
    # full resolution, a little beyond the box; the closing can take in tick labels beside the panel:
    # keep the rows and columns mostly of the panel's colour
    X0, Y0 = max(0, int((x - 2) / s)), max(0, int((y - 2) / s))
    X1, Y1 = min(W, int((x + w + 2) / s) + 1), min(H, int((y + h + 2) / s) + 1)
    full = (np.abs(cv2.medianBlur(np.ascontiguousarray(g[Y0:Y1, X0:X1]), 3).astype(np.int16) - level) <= 6)
    rows, cols = full.mean(axis=1), full.mean(axis=0)
    r_on = np.flatnonzero(rows >= 0.5 * np.median(rows[rows > 0]) if (rows > 0).any() else rows > 0)
    c_on = np.flatnonzero(cols >= 0.5 * np.median(cols[cols > 0]) if (cols > 0).any() else cols > 0)
    if len(r_on) == 0 or len(c_on) == 0:
        return None
    y0, y1, x0, x1 = Y0 + r_on[0], Y0 + r_on[-1], X0 + c_on[0], X0 + c_on[-1]
    if x1 - x0 < 0.3 * W or y1 - y0 < 0.3 * H:
        return None
    # panels stacked (a map over an efficiency plot sharing x; the closing joins them across the paper
    # between): rows of no panel colour part them, more of them than a white grid line is wide (6 rows,
    # 1.5 % of the height if more); the tallest is the map's
    filled = np.flatnonzero(rows[r_on[0]:r_on[-1] + 1] >= 0.1 * np.median(rows[r_on])) + r_on[0]
    parts = [p for p in _runs(filled, max(6, int(0.015 * (y1 - y0)))) if p[1] - p[0] >= 0.15 * (y1 - y0)]
    if len(parts) >= 2:
        top, bottom = _map_panel(parts)
        return Frame((x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5), 0.0, ("panel",), 0.6, None,
                     (Y0 + top - 0.5, Y0 + bottom + 0.5))
    tilt = _panel_tilt(full, x0 - X0, y0 - Y0, x1 - X0, y1 - Y0)
    if tilt is None:
        return Frame((x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5), 0.0, ("panel",), 0.6)
    (bb, bs), (lb, ls) = tilt  # bottom edge y = bb + bs * x, left edge x = lb + ls * y (in the crop)
    cy = (bb + bs * lb) / (1 - bs * ls)
    corner = (X0 + lb + ls * cy, Y0 + cy)
    rot = float(np.degrees(-np.arctan(bs)))
    return Frame((x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5), rot, ("panel",), 0.6, corner)


def _panel_tilt(full: np.ndarray, x0: int, y0: int, x1: int, y1: int, min_deg: float = 0.15):
    """The bottom and left edges of a panel mask (True: panel colour) as lines, when they are tilted by
    more than `min_deg` (a rotated scan): ((b, s) of y = b + s * x, (b, s) of x = b + s * y), else None.

    Each column's last panel pixel near the bottom edge and each row's first near the left edge,
    fitted with outliers (curves, labels crossing the edge) dropped."""
    h, w = full.shape
    band = int(max(4, 0.04 * max(h, w)))

    def edge(m, lo, hi, at, last):
        pos, val = [], []
        for k in range(lo, hi):
            seg = m[max(0, at - band):min(m.shape[0], at + band + 1), k]
            idx = np.flatnonzero(seg)
            if len(idx):
                pos.append(k)
                val.append(max(0, at - band) + (idx[-1] + 0.5 if last else idx[0] - 0.5))
        if len(pos) < 20:
            return None
        return _robust_line(np.array(pos, float), np.array(val, float), 1.0)

    mx, my = int(0.1 * (x1 - x0)), int(0.1 * (y1 - y0))
    bottom = edge(full, x0 + mx, x1 - mx, y1, True)
    left = edge(full.T, y0 + my, y1 - my, x0, False)
    if bottom is None or left is None:
        return None
    if max(abs(np.degrees(np.arctan(bottom[1]))), abs(np.degrees(np.arctan(left[1])))) < min_deg:
        return None
    return bottom, left


def flatten_panel(img: np.ndarray, tol: int = 10) -> np.ndarray:
    """The image with a grey plot panel (see `detect_panel`) turned to white paper: grey pixels inside its
    rectangle no darker than the panel's colour less `tol` become white, so the segmenter sees the plain
    white page it was trained on most (the panel's white grid vanishes with it). The same array when
    there is no panel."""
    fr = detect_panel(img)
    if fr is None:
        return img
    x0, y0, x1, y1 = (int(round(v)) for v in fr.box)
    sub = img[y0:y1 + 1, x0:x1 + 1]
    g = _grey_u8(sub)
    level = int(np.argmax(np.bincount(g.ravel(), minlength=256)[:250]))
    flat = g >= level - tol  # the panel and anything lighter (its white grid and the grid's soft edges)
    if sub.ndim == 3:  # a tinted panel is flat in every channel, coloured ink is not
        spread = sub[..., :3].max(axis=2) - sub[..., :3].min(axis=2)
        flat &= spread <= int(np.median(spread[flat])) + tol
    out = img.copy()
    out[y0:y1 + 1, x0:x1 + 1][flat] = 255
    return out


def page_colour(img: np.ndarray) -> np.ndarray:
    """The paper's colour: the median of the page's top and bottom three rows (margins)."""
    m = img.reshape(img.shape[0], img.shape[1], -1)
    return np.median(np.concatenate([m[:3], m[-3:]]).reshape(-1, m.shape[2]), axis=0)


def fill_mask(img: np.ndarray, tol: float = 60.0, paper=None) -> np.ndarray:
    """Pixels unlike the paper (summed channel difference over `tol`): ink and filled areas. paper: its
    colour (default: `page_colour` of `img`)."""
    im = img.reshape(img.shape[0], img.shape[1], -1).astype(np.int16)
    paper = page_colour(img) if paper is None else np.asarray(paper)
    return np.abs(im - paper.astype(np.int16)).sum(axis=2) > tol


def _little_fill(img: np.ndarray, share: float = 0.15) -> bool:
    """Whether pixels unlike the paper cover under `share` of the page (on a copy about 400 px wide)."""
    step = max(1, int(max(img.shape[:2]) // 400))
    return bool(fill_mask(img[::step, ::step]).mean() < share)


def flatten_fills(img: np.ndarray, share: float = 0.15, tol: int = 40) -> np.ndarray:
    """The image with filled, colour-mapped areas turned to white paper (a filled efficiency field under the
    speedlines, filled islands). A pixel within `tol` (summed channels) of its neighbourhood's median
    colour becomes white where that median is unlike the paper over an area twice the neighbourhood wide
    (an opening: a fill, not a tangle of lines whose median is ink). Strokes thinner than the neighbourhood
    (lines, text) differ from its median and stay as drawn. The segmenter learnt lines on white paper.
    The same array when pixels unlike the paper cover under `share` of the page, or no fill is found."""
    import cv2

    if img.ndim != 3 or _little_fill(img, share):
        return img
    H, W = img.shape[:2]
    k = max(7, int(0.008 * max(H, W)) | 1)
    rgb = np.ascontiguousarray(img[..., :3])
    bg = cv2.medianBlur(rgb, k)
    fill = cv2.morphologyEx(fill_mask(bg, paper=page_colour(img)).astype(np.uint8), cv2.MORPH_OPEN,
                            np.ones((2 * k + 1, 2 * k + 1), np.uint8)).astype(bool)
    flat = fill & (np.abs(rgb.astype(np.int16) - bg).sum(axis=2) <= tol)
    if not flat.any():
        return img
    out = img.copy()
    out[flat] = 255
    return out


def detect_fill_area(img: np.ndarray) -> Frame | None:
    """The rectangle of a plot area filled edge to edge (a colour-mapped efficiency field) and drawn without
    spines: the largest region unlike the paper, its strokes closed over, that fills 80 % of its bounding
    box (a field's palest level may match the paper in a corner), spans 30 % of the page each way and
    does not touch the page's edges. None when there is none."""
    import cv2

    if _little_fill(img):  # (cheap)
        return None
    H, W = img.shape[:2]
    s = min(1.0, 700.0 / max(H, W))
    m = fill_mask(img).astype(np.uint8)
    small = cv2.resize(m, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else m
    h_, w_ = small.shape
    region = _largest_region(small, 0.01)
    if region is None:
        return None
    x, y, w, h, area = region
    if x == 0 or y == 0 or x + w >= w_ or y + h >= h_ or w < 0.3 * w_ or h < 0.3 * h_ or area < 0.8 * w * h:
        return None
    X0, Y0, X1, Y1 = max(0, int((x - 2) / s)), max(0, int((y - 2) / s)), min(W, int((x + w + 2) / s) + 1), \
        min(H, int((y + h + 2) / s) + 1)
    full = m[Y0:Y1, X0:X1].astype(bool)  # full resolution: rows and columns mostly filled
    r_on, c_on = np.flatnonzero(full.mean(axis=1) >= 0.5), np.flatnonzero(full.mean(axis=0) >= 0.5)
    if len(r_on) == 0 or len(c_on) == 0:
        return None
    return Frame((X0 + c_on[0] - 0.5, Y0 + r_on[0] - 0.5, X0 + c_on[-1] + 0.5, Y0 + r_on[-1] + 0.5), 0.0, ("fill",),
                 0.5)


def detect_frame(img: np.ndarray, dark: np.ndarray | None = None) -> Frame | None:
    """The axes rectangle of a plot, or None when no frame-like lines are found.

    A plot on a filled panel without spines is found by its panel (`detect_panel`), one filled with a
    colour-mapped field by its fill (`detect_fill_area`)."""
    dark = darkness(img) if dark is None else dark
    H, W = img.shape[:2]
    found = _detect_spines(img, dark)
    if found is None:  # grey spines beside black curves (a thumbnail blurs a 1 px spine to a quarter of black)
        found = _detect_spines(img, dark, fraction=0.15)
        if found is not None and (found.box[2] - found.box[0] < 0.6 * W or found.box[3] - found.box[1] < 0.6 * H
                                  or found.box[0] < 0.05 * W or found.box[3] > 0.95 * H or detect_grid(dark) is not None
                                  or detect_panel(img) is not None or detect_fill_area(img) is not None):
            found = None  # a large frame with room for tick labels, and no grid, panel or filled field (lighter
            # ink lines up grid lines, a panel's and a field's edges too: those are found as such below)
    if found is None:  # a thin spine of a slightly rotated scan is a staircase the line transform may lose
        found = _detect_spines(img, dark, thicken=True)
        if found is not None and (abs(found.rotation_deg) < 0.1 or found.box[2] - found.box[0] < 0.5 * W
                                  or found.box[3] - found.box[1] < 0.5 * H):
            found = None  # only a large, rotated frame: thick ink also lines up grid lines and curves of a crop
    if found is not None:
        found = _short_of_colour_bar(img, dark, found)
        return stacked_panel(dark, found) or _filled_round(img, found) or found
    found = detect_panel(img)
    if found is not None:
        return _stacked_with(found, img.shape[0], lambda a, b: detect_panel(img[a:b])) or found
    found = detect_grid(dark)
    return (_filled_round(img, found) or found) if found is not None else detect_fill_area(img)


def _filled_round(img: np.ndarray, frame: Frame, grow: float = 1.15) -> Frame | None:
    """A filled plot area (`detect_fill_area`) in place of a frame found by fewer than four spines or by a
    grid, lying inside the fill and `grow` times smaller: a colour-mapped field without spines, whose fill
    edges or contour lines the spine and grid searches took for the frame. None otherwise (four spines
    are kept: on a plot area of its own colour, a nasa-like page, they are the frame to a fraction of a
    pixel)."""
    if len(frame.spines) >= 4 or frame.spines == ("panel",):
        return None
    fa = detect_fill_area(img)
    if fa is None:
        return None
    (a0, b0, a1, b1), (f0, g0, f1, g1) = frame.box, fa.box
    inside = f0 - 3 <= a0 and g0 - 3 <= b0 and a1 <= f1 + 3 and b1 <= g1 + 3
    return fa if inside and (f1 - f0) * (g1 - g0) >= grow * (a1 - a0) * (b1 - b0) else None


def _short_of_colour_bar(img: np.ndarray, dark: np.ndarray, frame: Frame) -> Frame:
    """The frame with its right side on the plot's spine when the side found was a colour bar's outer edge
    (`labels.colour_bar` inside the frame's right half, reaching its right side): the last column before the
    bar inked or filled down 60 % of the frame (a spine, or a filled plot area's edge); else the frame as
    found."""
    from .labels import colour_bar

    x0, y0, x1, y1 = frame.box
    bar = colour_bar(img, frame.box)
    if bar is None or bar[0] < (x0 + x1) / 2 or bar[2] < x1 - 3:
        return frame
    a, b = int((x0 + x1) / 2), int(bar[0]) - 1
    rows = slice(int(y0) + 1, int(y1))
    filled = fill_mask(img[rows, a:b], paper=page_colour(img)).mean(axis=0) if b > a else 0.0
    cols = np.maximum(_ink(dark)[rows, a:b].mean(axis=0), filled) if b > a else np.zeros(0)
    if not len(cols) or cols.max() < 0.6:
        return frame
    return replace(frame, box=(x0, y0, float(a + int(np.flatnonzero(cols >= 0.6)[-1])), y1))


def stacked_panel(dark: np.ndarray, frame: Frame) -> Frame | None:
    """Panels stacked in one frame (a pressure-ratio map above or below an efficiency plot, sharing the
    x axis): the frame with `panel` set to the tallest panel's rows (the upper of two within 10 %), or None
    when the frame holds one.

    Panels are apart where the left spine breaks for 4 rows or more within 10 rows (2 % of the frame's
    height, if more) under a line across the frame's width (the upper panel's bottom spine, its tick marks
    between) and little ink crosses those rows (tick labels may)."""
    if abs(frame.rotation_deg) > 0.3:
        return None
    ink = _ink(dark)
    H, W = ink.shape
    x0, y0, x1, y1 = (int(round(v)) for v in frame.box)
    if x1 - x0 < 50 or y1 - y0 < 60:
        return None
    cover = ink[y0:y1 + 1, x0:x1 + 1].mean(axis=1)
    spine = ink[y0:y1 + 1, max(0, x0 - 2):min(W, x0 + 3)].any(axis=1)
    gaps = [(a, b) for a, b in _runs(np.flatnonzero(~spine & (cover < 0.3)), 1) if b - a >= 3]
    cuts = []
    reach = max(10, int(0.02 * (y1 - y0)))  # tick marks under the spine above: 3.5-6 pt long
    for a, b in gaps:
        lo = max(0, a - reach)
        above = np.flatnonzero(cover[lo:a] >= 0.85)
        if len(above) == 0:
            continue
        below = np.flatnonzero(cover[b + 1:b + 1 + reach] >= 0.85)
        cuts.append((lo + int(above[-1]), b + 1 + int(below[0]) if len(below) else b + 1))
    if not cuts:
        return None
    edges = [0] + [v for c in cuts for v in c] + [y1 - y0]
    top, bottom = _map_panel([(y0 + edges[k], y0 + edges[k + 1]) for k in range(0, len(edges), 2)])
    if bottom - top < 0.2 * (y1 - y0):
        return None
    return replace(frame, panel=(top, bottom))


def _map_panel(panels: list) -> tuple:
    """Of stacked panels (top, bottom), the map's: the tallest, the upper of two within 10 % of it."""
    panels = sorted((float(a), float(b)) for a, b in panels)
    tallest = max(b - a for a, b in panels)
    return next(p for p in panels if p[1] - p[0] >= 0.9 * tallest)


def _runs(idx: np.ndarray, gap: int) -> list:
    """Runs of sorted indices whose neighbours are at most `gap` apart: [(first, last), ...]."""
    if len(idx) == 0:
        return []
    cut = np.flatnonzero(np.diff(idx) > gap)
    return [(int(idx[a]), int(idx[b])) for a, b in zip(np.r_[0, cut + 1], np.r_[cut, len(idx) - 1])]


def grid_tilt(dark: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise as `Frame.rotation_deg`) of a plot's long near-horizontal
    light lines (grid lines, a spine-less chart's axis), 0.0 when there are none: the length-weighted
    median angle of line segments within 3 degrees of horizontal, found in the darkness averaged over 9 px
    along the rows (a noisy scan's speckle fades, a line does not) and grown by a pixel (a thin tilted
    line is a staircase the segment walk breaks up)."""
    import cv2

    H, W = dark.shape
    along = cv2.blur(np.ascontiguousarray(dark, dtype=np.float32), (9, 1))  # averaged along the lines: noise fades
    light = cv2.dilate((along > 12).astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
    min_len = int(0.3 * min(H, W))
    lines = cv2.HoughLinesP(light, 1, np.pi / 720, threshold=max(30, min_len // 2), minLineLength=min_len, maxLineGap=4)
    if lines is None:
        return 0.0
    L = np.asarray(lines).reshape(-1, 4).astype(float)
    dx, dy = L[:, 2] - L[:, 0], L[:, 3] - L[:, 1]
    ang = (np.degrees(np.arctan2(dy, dx)) + 90) % 180 - 90
    keep = np.abs(ang) < 3
    if keep.sum() < 3:
        return 0.0
    a, w = ang[keep], np.hypot(dx, dy)[keep]
    order = np.argsort(a)
    cum = np.cumsum(w[order])
    return float(-a[order][np.searchsorted(cum, 0.5 * cum[-1])])


def detect_grid(dark: np.ndarray, min_lines: int = 3) -> Frame | None:
    """The plot area of a plot with no spines from its grid (see `_detect_grid_upright`), also on a
    slightly rotated scan: when no grid is found as the image stands and its long light lines lean by
    0.15 degrees or more (`grid_tilt`), the grid is found on a copy turned upright and its corners are
    carried back."""
    import cv2

    fr = _detect_grid_upright(dark, min_lines)
    if fr is not None:
        return _stacked_with(fr, dark.shape[0], lambda a, b: _detect_grid_upright(dark[a:b], min_lines, margins=False)) or fr
    rot = grid_tilt(dark)
    if abs(rot) < 0.15:
        return None
    H, W = dark.shape
    M = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), -rot, 1.0)  # image -> upright
    up = cv2.warpAffine(np.ascontiguousarray(dark, dtype=np.float32), M, (W, H), flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
    fr = _detect_grid_upright(up, min_lines)
    if fr is None:
        return None
    x0, y0, x1, y1 = fr.box
    back = cv2.invertAffineTransform(M)
    c = np.array([[(x0 + x1) / 2, (y0 + y1) / 2], [x0, y1]], float) @ back[:, :2].T + back[:, 2]
    hw, hh = (x1 - x0) / 2, (y1 - y0) / 2  # the box is the upright frame about its centre (`Calibration.from_box`)
    box = (float(c[0, 0] - hw), float(c[0, 1] - hh), float(c[0, 0] + hw), float(c[0, 1] + hh))
    return Frame(box, rot, fr.spines, fr.confidence, (float(c[1, 0]), float(c[1, 1])))


def _stacked_with(fr: Frame, H: int, find) -> Frame | None:
    """A panel stacked under or over the frame `fr` with the same left and right edges (a map sharing its
    x axis with an efficiency plot), as `find(top_row, bottom_row)` finds one in that band of the image:
    the frame round both, with `panel` the map's rows (`_map_panel`; the x tick labels stand under the
    stack), or None."""
    if fr.panel is not None or abs(fr.rotation_deg) > 0.3:
        return None
    x0, y0, x1, y1 = fr.box
    for a, b in ((int(y1) + 4, H), (0, int(y0) - 4)):  # below, above
        if b - a < 0.1 * H:
            continue
        other = find(a, b)
        if other is None or abs(other.box[0] - x0) > 4 or abs(other.box[2] - x1) > 4:
            continue
        oy0, oy1 = other.box[1] + a, other.box[3] + a
        return replace(fr, box=(x0, min(y0, oy0), x1, max(y1, oy1)), panel=_map_panel([(y0, y1), (oy0, oy1)]))
    return None


def _detect_grid_upright(dark: np.ndarray, min_lines: int = 3, margins: bool = True) -> Frame | None:
    """The plot area of a plot with no spines, or light grey ones, from its grid (seaborn's whitegrid,
    fivethirtyeight, Excel's default charts): grid lines run from edge to edge of the plot area, so
    the common extent of the horizontal lines gives its left and right edges, and that of the vertical
    lines its top and bottom. Needs `min_lines` long lines each way in ink lighter than a stroke's
    (darker than the paper by 12 grey levels), and a margin left of and below the grid for tick labels
    (a crop of a plot area has its grid run into the image edges: no frame there; `margins=False` skips
    that check, for a panel stacked over another). Each line is
    followed as far as it keeps half its own darkness (JPEG ringing past its ends is fainter), across
    curves but not into the tick labels at its ends (`_line_extent`)."""
    import cv2

    H, W = dark.shape
    light = (dark > 12).astype(np.uint8) * 255
    min_len = int(0.4 * min(H, W))
    lines = cv2.HoughLinesP(light, 1, np.pi / 360, threshold=max(30, min_len // 2), minLineLength=min_len, maxLineGap=4)
    if lines is None:
        return None
    L = np.asarray(lines).reshape(-1, 4)
    ext = {True: [], False: []}  # horizontal: (row, left, right); vertical: (col, top, bottom)
    for x0, y0, x1, y1 in L:
        horizontal = abs(int(y1) - int(y0)) <= 1
        if not horizontal and abs(int(x1) - int(x0)) > 1:
            continue
        at = int(round((y0 + y1) / 2 if horizontal else (x0 + x1) / 2))
        if any(abs(at - q[0]) <= 3 for q in ext[horizontal]):  # another segment of a line already followed
            continue
        line = dark[max(0, at - 1):at + 2].max(axis=0) if horizontal else dark[:, max(0, at - 1):at + 2].max(axis=1)
        seg = line[min(x0, x1):max(x0, x1) + 1] if horizontal else line[min(y0, y1):max(y0, y1) + 1]
        ext[horizontal].append((at, *_line_extent(line, int((x0 + x1) // 2 if horizontal else (y0 + y1) // 2),
                                                  float(np.median(seg)))))
    hs, vs = np.array(ext[True], float).reshape(-1, 3), np.array(ext[False], float).reshape(-1, 3)
    if len(hs) < min_lines:
        return None
    x0, x1 = _outer_edge(hs[:, 1], low=True), _outer_edge(hs[:, 2], low=False)
    inside = lambda p, lo, hi: ((p >= lo - 3) & (p <= hi + 3)).sum()  # noqa: E731
    if len(vs) >= min_lines:
        y0, y1 = _outer_edge(vs[:, 1], low=True), _outer_edge(vs[:, 2], low=False)
        if inside(hs[:, 0], y0, y1) < min_lines or inside(vs[:, 0], x0, x1) < min_lines:
            return None
    elif len(hs) > min_lines:  # horizontal lines only (a spreadsheet chart): its axis ends on its first and last
        rows = np.sort(hs[:, 0])
        y0, y1 = rows[0], rows[-1]
        # two charts stacked (a map over an efficiency plot sharing x): two runs of evenly spaced lines
        # whose spacings differ, or whose gap is no multiple of the spacing (one chart with a line missing
        # has both); the taller run is the map (its x labels stand under both)
        step = np.diff(rows)
        for cut in range(1, len(step) - 1):
            left, right, gap = step[:cut], step[cut + 1:], step[cut]
            if np.ptp(left) > 2 or np.ptp(right) > 2:
                continue
            k = gap / left.mean()
            if abs(left.mean() - right.mean()) <= 0.1 * right.mean() and round(k) >= 1 and abs(k - round(k)) < 0.15:
                continue
            panel = _map_panel([(rows[0], rows[cut]), (rows[cut + 1], rows[-1])])
            if x0 >= 0.03 * W and y1 <= 0.97 * H and x1 - x0 >= 0.3 * W and panel[1] - panel[0] >= 0.2 * H:
                return Frame((float(x0), float(y0), float(x1), float(y1)), 0.0, ("grid",), 0.5, None, panel)
            break
    else:
        return None
    if margins and (x0 < 0.03 * W or y1 > 0.97 * H) or x1 - x0 < 0.3 * W or y1 - y0 < 0.3 * H:
        return None
    return Frame((float(x0), float(y0), float(x1), float(y1)), 0.0, ("grid",), 0.5, None)


def _outer_edge(ends: np.ndarray, low: bool, tol: float = 3.0) -> float:
    """Where grid lines end at the plot area's edge, from their ends on one side (`low`: left or top):
    the outermost end that 30 % of the lines (three at least) share within `tol` px, as the median of
    those. Lines end short of the edge where something covers them (a legend in a corner, a label), and
    seldom run past it together; the median of all ends when too few agree."""
    e = np.sort(np.asarray(ends, float))
    need = max(3, int(np.ceil(0.3 * len(e))))
    for v in (e if low else e[::-1]):
        near = e[np.abs(e - v) <= tol]
        if len(near) >= need:
            return float(np.median(near))
    return float(np.median(e))


def _detect_spines(img: np.ndarray, dark: np.ndarray, thicken: bool = False, fraction: float = 0.25) -> Frame | None:
    """Left and bottom spines (and right and top ones that meet them) as a Frame, or None.

    `thicken`: look for lines in the ink grown by a pixel (the probabilistic transform's segment walk
    loses a 1 px staircase where its steps fall off the walk's own raster; thick ink gives slightly
    tilted copies of every line, so this is the second try). `fraction`: ink is darker than the paper by
    this share of the darkest ink (and 40 levels)."""
    import cv2

    H, W = img.shape[:2]
    ink = _ink(dark, fraction=fraction).astype(np.uint8) * 255
    min_len = int(0.35 * min(H, W))
    lines = cv2.HoughLinesP(cv2.dilate(ink, np.ones((3, 3), np.uint8)) if thicken else ink, 1, np.pi / 720,
                            threshold=max(30, min_len // 2), minLineLength=min_len, maxLineGap=max(3, min(H, W) // 200))
    if lines is None:
        return None
    L = np.asarray(lines).reshape(-1, 4).astype(float)
    dx, dy = L[:, 2] - L[:, 0], L[:, 3] - L[:, 1]
    ang = np.degrees(np.arctan2(dy, dx))
    ang = (ang + 90) % 180 - 90  # -90..90
    horiz = np.abs(ang) < 3
    vert = np.abs(np.abs(ang) - 90) < 3
    if not horiz.any() or not vert.any():
        return None
    Hs, Vs = L[horiz], L[vert]
    hy = (Hs[:, 1] + Hs[:, 3]) / 2
    vx = (Vs[:, 0] + Vs[:, 2]) / 2
    # outermost long lines: bottom / left spines; a spine is usually the longest line at its place
    bottom_y = hy.max()
    left_x = vx.min()
    top_y, right_x = hy.min(), vx.max()
    tol = max(4, 0.01 * max(H, W))
    hb = Hs[np.abs(hy - bottom_y) <= tol]
    vl = Vs[np.abs(vx - left_x) <= tol]
    x_hi = hb[:, [0, 2]].max()
    y_lo = vl[:, [1, 3]].min()
    # rotation from the spines' angles (image y is down: a positive angle here is clockwise)
    rot_h = -np.median(ang[horiz][np.abs(hy - bottom_y) <= tol])
    rot_v = -np.median([(a - 90 if a > 0 else a + 90) for a in ang[vert][np.abs(vx - left_x) <= tol]])
    # Hough may see only pieces of a spine (ticks, noise): follow the ink along it for its full extent,
    # from its longest segment's mid-point along its own slope (dy/dx = tan(-rot_h), dx/dy = tan(rot_v))
    ink_b = ink > 0

    def anchor(seg):
        best = seg[np.argmax(np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]))]
        return (best[0] + best[2]) / 2, (best[1] + best[3]) / 2

    (hx, hy0), sh = anchor(hb), np.tan(np.radians(-rot_h))
    (vx0, vy), sv = anchor(vl), np.tan(np.radians(rot_v))
    xs = np.arange(W)
    rows = np.clip(np.round(hy0 + sh * (xs - hx)).astype(int)[None, :] + np.arange(-2, 3)[:, None], 0, H - 1)
    _, a1 = _run_extent(ink_b[rows, xs[None, :]].any(axis=0), int(left_x))
    ys = np.arange(H)
    cols = np.clip(np.round(vx0 + sv * (ys - vy)).astype(int)[None, :] + np.arange(-2, 3)[:, None], 0, W - 1)
    b0, _ = _run_extent(ink_b[ys[None, :], cols].any(axis=0), int(bottom_y))
    x_hi = max(x_hi, a1)
    y_lo = min(y_lo, b0)
    # sub-pixel spine lines: a precise rotation and corner (Hough angles come in 0.25 degree steps)
    corner = None
    fb = fit_spine(dark, (hx, hy0), sh, (left_x, x_hi), True)
    fl = fit_spine(dark, (vx0, vy), sv, (y_lo, bottom_y), False)
    if fb is not None and fl is not None and abs(fb[1] - sh) < 0.01 and abs(fl[1] - sv) < 0.01:
        (bh, sh), (bv, sv) = fb, fl
        rot_h, rot_v = -np.degrees(np.arctan(sh)), np.degrees(np.arctan(sv))
        if abs(rot_h - rot_v) > 0.1:  # a rotation turns both spines alike: labels touching one pulled its fit,
            # so the smaller turn is taken for both (none when they turn opposite ways)
            mh, mv = (left_x + x_hi) / 2, (y_lo + bottom_y) / 2
            ah, av = bh + sh * mh, bv + sv * mv  # each line kept through its middle
            rot_h = rot_v = min(rot_h, rot_v, key=abs) if rot_h * rot_v > 0 else 0.0  # (turned apart: upright)
            sh, sv = np.tan(np.radians(-rot_h)), np.tan(np.radians(rot_v))
            bh, bv = ah - sh * mh, av - sv * mv
        # row = bh + sh * col and col = bv + sv * row meet at the corner
        cy = (bh + sh * bv) / (1 - sh * sv)
        corner = (bv + sv * cy, cy)
        bottom_y = bh + sh * (left_x + x_hi) / 2
        left_x = bv + sv * (y_lo + bottom_y) / 2
    spines = ["left", "bottom"]
    # a right (top) spine ends where the bottom (left) spine ends, or meets it at the corner (Hough may
    # see a thin, rotated spine only in pieces)
    vr = Vs[np.abs(vx - right_x) <= tol]
    ht = Hs[np.abs(hy - top_y) <= tol]
    if right_x - left_x > 0.3 * W and (abs(right_x - x_hi) <= 3 * tol
                                       or abs(vr[:, [1, 3]].max() - bottom_y) <= 3 * tol):
        spines.append("right")
        x_hi = max(x_hi, right_x)
    if bottom_y - top_y > 0.3 * H and (abs(top_y - y_lo) <= 3 * tol or abs(ht[:, [0, 2]].min() - left_x) <= 3 * tol):
        spines.append("top")
        y_lo = min(y_lo, top_y)
    rot = float(np.mean([rot_h, rot_v]))
    if abs(rot) < 0.05:
        rot = 0.0
    box = (float(left_x), float(y_lo), float(x_hi), float(bottom_y))
    if box[2] - box[0] < 0.2 * W or box[3] - box[1] < 0.2 * H:
        return None
    conf = 0.5 + 0.125 * len(spines)
    return Frame(box, rot, tuple(spines), conf, corner)


def _line_extent(line: np.ndarray, start: int, level: float, max_gap: int = 2) -> tuple:
    """The extent (lo, hi) through index `start` of a light line whose darkness profile is `line` and
    typical darkness `level`. Pixels of 0.65-1.7 times that darkness (and more than 12; the profile
    averaged over 3 px against a scan's noise, the raw pixel also counting for the lower bound) are the
    line; it goes on across gaps of paper up to `max_gap` px and across darker ink of any length (a
    curve crossing it or lying along it) when two line pixels follow. Dark ink after a gap, or a gap
    after dark ink, is text set beside the line's end (a tick label at a grid line's end), not the line:
    the extent stops before it."""
    from scipy.ndimage import uniform_filter1d

    n = len(line)
    start = int(np.clip(start, 0, n - 1))
    raw = np.asarray(line, np.float32)
    line = uniform_filter1d(raw, 3, mode="nearest")
    on_lo, cap = max(12.0, 0.65 * level), max(1.7 * level, level + 12.0)

    def walk(step):
        end = i = start
        broken, gap, run = None, 0, 0  # what interrupts the line since its last sure pixel: paper | dark
        while 0 <= i + step < n:
            i += step
            v = line[i]
            if on_lo < max(v, raw[i]) and v <= cap:  # (the raw pixel too: averaging wears a line's ends)
                run += 1
                if broken is None or run >= 2:
                    end, broken, gap = i, None, 0
            elif v > cap:
                if broken == "paper":
                    break
                broken, run = "dark", 0
            else:
                if broken == "dark":
                    break
                broken, run, gap = "paper", 0, gap + 1
                if gap > max_gap:
                    break
        return end

    return walk(-1), walk(1)


def _run_extent(on: np.ndarray, start: int, max_gap: int = 6) -> tuple:
    """The run of True values through index `start`, bridging gaps up to `max_gap`."""
    n = len(on)
    start = int(np.clip(start, 0, n - 1))
    lo = hi = start
    gap = 0
    i = start
    while i + 1 < n and gap <= max_gap:
        i += 1
        gap = 0 if on[i] else gap + 1
        if on[i]:
            hi = i
    gap = 0
    i = start
    while i - 1 >= 0 and gap <= max_gap:
        i -= 1
        gap = 0 if on[i] else gap + 1
        if on[i]:
            lo = i
    return lo, hi


def _group_boxes(mask: np.ndarray, offset: tuple, char_h: float, near_edge: str, edge_tol: int = 0) -> list:
    """Text-like boxes from an ink mask: connected components merged into words.

    Components touching `near_edge` (the side facing the spine; within `edge_tol` px of it) are tick
    marks, not text.
    """
    import cv2

    if min(mask.shape) < 2:  # no band there (a frame at the image's edge): OpenCV crashes on an empty image
        return [], []
    n, _, st, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(mask, dtype=np.uint8), connectivity=8)
    H, W = mask.shape
    boxes, ticks, dots = [], [], []
    for i in range(1, n):
        x, y, w, h, area = st[i]
        if (near_edge == "top" and y <= edge_tol) or (near_edge == "right" and x + w >= W - edge_tol):
            if near_edge == "top" and w <= max(4, 0.2 * char_h) and h >= 2:
                ticks.append(x + (w - 1) / 2 + offset[0])
                continue
            if near_edge == "right" and h <= max(4, 0.2 * char_h) and w >= 2:
                ticks.append(y + (h - 1) / 2 + offset[1])
                continue
            if (near_edge == "top" and h < 0.5 * char_h) or (near_edge == "right" and w < 0.3 * char_h):
                continue  # a stroke piece, not a digit: labels set close to the spine touch the band's edge too
        if area < 2:  # a one-pixel dot: a small decimal point, or noise
            dots.append((x, y))
            continue
        if h > 4 * char_h or w > 12 * char_h:  # small blobs (decimal points, minus) are kept to merge
            continue
        if h <= 2 and w > 6:  # stray line pieces
            continue
        boxes.append([x, y, x + w - 1, y + h - 1])  # inclusive pixel bounds: centre = (x0 + x1) / 2
    boxes.sort(key=lambda b: (b[1], b[0]))
    merged = []

    def dot_between(m, b):  # a one-pixel decimal point on the baseline between two digits ('4.5' in 7 px print)
        return any(m[2] < dx < b[0] and m[1] + 0.5 * (m[3] - m[1]) <= dy <= m[3] + 1 for dx, dy in dots)

    for b in sorted(boxes, key=lambda b: b[0]):
        for m in merged:
            cy_b, cy_m = (b[1] + b[3]) / 2, (m[1] + m[3]) / 2
            hh = max(b[3] - b[1], m[3] - m[1])
            reach = 1.3 * hh if b[0] - m[2] >= 0.8 * hh and dot_between(m, b) else 0.8 * hh
            if (abs(cy_b - cy_m) < 0.6 * hh or (b[1] >= m[1] - 1 and b[3] <= m[3] + 1)) and \
                    b[0] - m[2] < reach and b[2] > m[0] - 0.8 * hh:
                m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
                break
        else:
            merged.append(list(b))
    ox, oy = offset
    merged = [b for b in merged if b[3] - b[1] >= 3]
    return [(b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy) for b in merged], ticks


TEXT_MARGIN = 22.0  # grey levels: thin, light tick digits


def _join_words(boxes: list, h: float) -> list:
    """Boxes of one row of tick labels with the words of a label joined ('6' and 'x10^0' of '6 x 10^0'):
    neighbours closer than a fifth of the row's typical gap between labels and than 1.5 digit heights."""
    if len(boxes) < 3:
        return boxes
    b = sorted((list(q) for q in boxes), key=lambda q: q[0])
    gaps = np.array([b[k + 1][0] - b[k][2] for k in range(len(b) - 1)], float)
    typical = float(np.median(gaps[gaps > 1.5 * h])) if (gaps > 1.5 * h).any() else 0.0
    out = [b[0]]
    for q, g in zip(b[1:], gaps):
        if 0 < typical and g <= min(0.2 * typical, 1.5 * h):
            p = out[-1]
            out[-1] = [p[0], min(p[1], q[1]), max(p[2], q[2]), max(p[3], q[3])]
        else:
            out.append(q)
    return [tuple(q) for q in out]


def _spine_end(rows: np.ndarray, gap: int) -> int:
    """Rows of ink mask from the spine outwards (row 0 on the spine): the offset of the first row past the
    spine's stroke plus one blank row, at most `gap`."""
    for r in range(1, min(len(rows), gap + 1)):
        if rows[r].mean() < 0.5:
            return min(gap, r + 1)
    return gap


def tick_label_boxes(img: np.ndarray, frame: Frame, dark: np.ndarray | None = None) -> tuple:
    """Candidate tick-label boxes below the bottom spine and left of the left spine, and the positions of
    the tick marks seen there: (x boxes, y boxes, x tick columns, y tick rows)."""
    H, W = img.shape[:2]
    ink = _ink(darkness(img) if dark is None else dark, TEXT_MARGIN, 0.15)
    x0, y0, x1, y1 = (int(round(v)) for v in frame.box)
    size = max(H, W)
    gap = max(3, int(0.003 * size))
    band = max(20, int(0.07 * size))
    char_h = max(8.0, 0.02 * size)
    # labels may sit right under a thin spine: start the band where the spine's ink ends, not a fixed gap below
    gap_x = _spine_end(ink[y1:min(H, y1 + gap + 1), x0:x1 + 1], gap)
    gap_y = _spine_end(ink[y0:y1 + 1, max(0, x0 - gap):x0 + 1][:, ::-1].T, gap)
    tol = 0
    if "panel" in frame.spines:  # no spine: tick marks start at the panel's edge, within a pixel or two
        gap_x, gap_y, tol = 1, 1, 3
    # below the bottom spine
    ya, yb = min(H, y1 + gap_x), min(H, y1 + gap_x + band)
    x_band, x_off = ink[ya:yb, max(0, x0 - band):min(W, x1 + band)], (max(0, x0 - band), ya)
    xs, xt = _group_boxes(x_band, x_off, char_h, "top", tol)
    if tol and len([b for b in xs if b[2] >= x0]) < 2:  # small labels set within `tol` of a panel's edge, no marks
        xs, xt = _group_boxes(x_band, x_off, char_h, "top", 0)
    xs = [b for b in xs if b[2] >= x0]  # a box wholly left of the left spine is a y label at the corner
    if xs:  # keep the first row of labels (nearest the spine)
        top = min(b[1] for b in xs)
        h = np.median([b[3] - b[1] for b in xs])
        xs = _join_words([b for b in xs if b[1] <= top + 0.8 * h], h)
    xa = max(0, x0 - gap_y - 2 * band)
    y_band, y_off = ink[max(0, y0 - band):min(H, y1 + band), xa:max(0, x0 - gap_y)], (xa, max(0, y0 - band))
    ys, yt = _group_boxes(y_band, y_off, char_h, "right", tol)
    if tol and len([b for b in ys if b[1] <= y1]) < 2:
        ys, yt = _group_boxes(y_band, y_off, char_h, "right", 0)
    ys = [b for b in ys if b[1] <= y1]  # a box wholly below the bottom spine is an x label at the corner
    ch = float(np.median([b[3] - b[1] for b in xs])) if xs else None  # the print's digit height
    if ys and ch:  # taller boxes here are rotated text (an axis title)
        ys = [b for b in ys if b[3] - b[1] <= 1.6 * ch + 1] or ys
    if ys:  # keep the column nearest the spine (labels are right-aligned to it, a title's letters stand further out)
        edge = max(0, x0 - gap_y) - 1
        corner = [b for b in ys if b[2] >= edge - 1 and b[3] >= y1 - 2]
        if len(corner) < len(ys):  # a label run on into the tick marks at the corner: not the column's edge
            ys = [b for b in ys if b not in corner]
        right = max(b[2] for b in ys)
        w = float(np.median([b[3] - b[1] for b in ys]))
        ys = [b for b in ys if b[2] >= right - (min(2.0 * w, 1.2 * ch) if ch else 2.0 * w)]
    return xs, ys, xt, yt


def _fit_model(pos: np.ndarray, vals: np.ndarray, span_px: float, log: bool, alt: np.ndarray | None = None):
    """RANSAC over label pairs for one model (linear, or log10 of the values): (score, AxisFit) or None.

    `alt` (labels x k) holds other readings of each label (NaN: none), taken where they fit and the
    printed reading does not: '0.05' read as '05' is 5 / 100. Of fits explaining as many labels, one
    whose values rise along the axis wins, then one with fewer other readings, then (of two labels) the
    pair further apart, then the straighter."""
    ok = vals > 0 if log else np.ones(len(vals), bool)
    v = np.full(len(vals), np.nan)
    v[ok] = np.log10(vals[ok]) if log else vals[ok]
    if alt is None:
        alt = np.zeros((len(vals), 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        va = np.where(alt > 0, np.log10(np.where(alt > 0, alt, 1.0)), np.nan) if log else alt
    cand = np.column_stack([v, va])  # labels x readings, the printed one first
    tol_px = max(3.0, 0.005 * span_px)

    def fit_to(a, b, tol):
        with np.errstate(invalid="ignore"):
            d = np.abs((cand - b) / a - pos[:, None])
        d = np.where(np.isnan(d), np.inf, d)
        k = np.where(d[:, 0] <= tol, 0, d.argmin(axis=1))  # the printed reading when it fits
        return d[np.arange(len(pos)), k] <= tol, cand[np.arange(len(pos)), k], k

    best = None
    readings = range(cand.shape[1])
    pairs = list(itertools.combinations(range(len(pos)), 2))
    # the printed readings first; other readings only when those leave a label out or make a falling axis
    combos = itertools.chain(((ij, (0, 0)) for ij in pairs),
                             ((ij, r) for ij in pairs for r in itertools.product(readings, readings) if r != (0, 0)))
    for (i, j), (ri, rj) in combos:
        if (ri, rj) != (0, 0) and best is not None and best[0][0] == len(pos) and best[0][1]:
            break  # every label fits as printed on a rising axis
        vi, vj = cand[i, ri], cand[j, rj]  # a hypothesis from two labels, each as printed or as another reading
        if abs(pos[j] - pos[i]) < 5 or not (np.isfinite(vi) and np.isfinite(vj)) or vi == vj:
            continue
        a = (vj - vi) / (pos[j] - pos[i])
        inl, vv, k = fit_to(a, vi - a * pos[i], tol_px)
        if inl.sum() < 2:
            continue
        for _ in range(3):  # refine: least squares on the inliers, then inliers of that line
            a2, b2 = np.polyfit(pos[inl], vv[inl], 1)
            if a2 == 0:
                break
            new, vv2, k2 = fit_to(a2, b2, 0.6 * tol_px)
            if new.sum() < 2 or (new == inl).all():
                break
            inl, vv, k = new, vv2, k2
        if a2 == 0:
            continue
        rms = float(np.sqrt(np.mean(((vv[inl] - b2) / a2 - pos[inl]) ** 2)))
        # values rise along an axis; of pairs (any two labels fit a line) the widest apart: a misread
        # label between two good ones must not set the scale
        spread = round(float(np.ptp(pos[inl])), 1) if inl.sum() == 2 else 0.0
        score = (int(inl.sum()), a2 > 0, -int((k[inl] > 0).sum()), spread, -round(rms, 6))
        if best is None or score > best[0]:
            best = (score, AxisFit(float(a2), float(b2), log, rms / span_px, int(inl.sum()), len(pos)))
    return ((best[0][0], best[0][3]), best[1]) if best else None


def _tick_support(fit: AxisFit, ticks, tol: float = 1.2) -> int:
    """How many tick marks sit where the fitted axis would put round values: m x 10^k (m = 1..9) on a log
    axis, multiples of a round step (1, 2, 2.5, 5 x 10^k, at least 12 px apart) on a linear one."""
    t = np.asarray(ticks, float)
    if len(t) < 3 or fit.a == 0:
        return 0
    u = fit.a * t + fit.b
    if fit.log:
        f = u - np.floor(u)
        near = np.log10(np.clip(np.round(10 ** f), 1, 10))
        return int((np.abs(near - f) / abs(fit.a) <= tol).sum())
    best = 0
    for k in range(-6, 7):
        for m in (1, 2, 2.5, 5):
            step = m * 10.0 ** k
            if step / abs(fit.a) < 12:
                continue
            n = int((np.abs(u / step - np.round(u / step)) * step / abs(fit.a) <= tol).sum())
            best = max(best, n)
    return best


def _unsupported_pair(fit: AxisFit, ticks) -> bool:
    """Two labels always fit a line exactly; the tick marks are then the only check. True when four or
    more marks were found, the fit could not be refined on them, and at most one sits at a round value
    under it ('0.30' and '0.50' read as '0' and '50' give a fit whose ticks fall at 11.9, 24.6, 37.4), or
    when evenly spaced marks step by no round value under it (:func:`_off_round_step`)."""
    return fit.n_inliers == 2 and not fit.n_ticks and len(ticks) >= 4 and (
        _tick_support(fit, ticks) <= 1 or _off_round_step(fit, ticks))


def _off_round_step(fit: AxisFit, ticks, tol: float = 0.06) -> bool:
    """Whether four or more tick marks at an even pitch step by a value that is no round step (1, 2, 2.5,
    5 x 10^k) under a linear `fit`: '16' read as '6' beside '14' gives 4.6 a mark. A pixel of error in
    the pitch is allowed for."""
    d = np.diff(np.sort(np.asarray(ticks, float)))
    if fit.log or fit.a == 0 or len(d) < 3:
        return False
    p = float(np.median(d))
    if p <= 0 or (np.abs(d - p) <= max(1.5, 0.05 * p)).sum() < 3:
        return False
    step = abs(fit.a) * p
    m = step / 10.0 ** np.floor(np.log10(step))
    return min(abs(m - r) / r for r in (1, 2, 2.5, 5, 10)) > max(tol, 1.5 / p)


def _round_step(fit: AxisFit, ticks: np.ndarray, tol: float) -> float | None:
    """The round step (1, 2, 2.5, 5 x 10^k, at least 12 px) whose multiples most tick marks sit at under a
    linear `fit`; the finest of equals. None on a log axis (its round values are m x 10^k)."""
    if fit.log:
        return None
    u = fit.a * ticks + fit.b
    best, out = 0, None
    for e in range(-6, 7):
        for m in (1, 2, 2.5, 5):
            step = m * 10.0 ** e
            if step / abs(fit.a) < 12:
                continue
            n = int((np.abs(np.round(u / step) * step - u) / abs(fit.a) <= tol).sum())
            if n > best:
                best, out = n, step
    return out


def _round_targets(a: float, b: float, step: float | None, ticks: np.ndarray, tol: float):
    """The round value each tick mark sits nearest under the axis value = a * px + b (log10 of m x 10^k
    when `step` is None), and which ticks are within `tol` px of theirs."""
    u = a * ticks + b
    if step is None:
        k = np.floor(u)
        target = k + np.log10(np.clip(np.round(10 ** (u - k)), 1, 10))
    else:
        target = np.round(u / step) * step
    return target, np.abs(target - u) / abs(a) <= tol


def refine_with_ticks(fit: AxisFit, ticks, span_px: float, pos=(), vals=(), tol: float = 1.0) -> AxisFit:
    """The axis fit redone on the tick marks, each taken at the round value the fit puts it near.

    Tick marks are placed to a fraction of a pixel; label centres are not (a '1' or a superscript moves
    the ink centre), and with two or three labels read a pixel's error grows across the axis. The ticks
    are matched from the labels outwards (the fit is redone and ticks further out matched again); the
    result is kept only with three or more ticks over a third of the axis and when it still puts the
    labels (`pos`, `vals`: as read) where the label fit did, within a pixel more in rms. The tick fit's
    rms is then the residual."""
    t = np.asarray(ticks, float)
    if len(t) < 3 or fit.a == 0:
        return fit
    step = _round_step(fit, t, 2 * tol)
    if step is None and not fit.log:
        return fit
    a, b = fit.a, fit.b
    ok = np.zeros(len(t), bool)
    for k in range(4):  # the labels' fit may be a pixel or two off: the first match is looser
        target, new = _round_targets(a, b, step, t, tol if k else 2 * tol)
        if new.sum() < 3 or len(np.unique(target[new])) < 3 or (new == ok).all():
            break
        ok = new
        a, b = np.polyfit(t[ok], target[ok], 1)
        res = np.abs((a * t + b - target) / a)
        ok &= res <= 0.75  # a stray mark (a curve, a letter) that happened to sit near a round value
        if ok.sum() < 3 or len(np.unique(target[ok])) < 3:
            return fit
        a, b = np.polyfit(t[ok], target[ok], 1)
    if ok.sum() < 3 or np.ptp(t[ok]) < span_px / 3:
        return fit
    # the labels must agree: a wrong step or a run of stray marks moves them
    p, v = np.asarray(pos, float), np.asarray(vals, float)
    if fit.log:
        keep = v > 0
        p, v = p[keep], np.log10(v[keep])
    if len(p):
        before = np.abs((fit.a * p + fit.b - v) / fit.a)
        inl = before <= max(3.0, 0.005 * span_px)
        after = np.abs((a * p + b - v) / a)
        if inl.any() and np.sqrt(np.mean(after[inl] ** 2)) > np.sqrt(np.mean(before[inl] ** 2)) + 1.0:
            return fit
    rms = float(np.sqrt(np.mean(((a * t[ok] + b - target[ok]) / a) ** 2)))
    return AxisFit(float(a), float(b), fit.log, rms / span_px, fit.n_inliers, fit.n_labels, int(ok.sum()))


_POWER_READ = re.compile(r"(?:([1-9])\s*[x×*]?\s*)?10([0-6])")  # m x 10^k, its superscript read in line ('4x101')


def fit_axis(pos: np.ndarray, vals: np.ndarray, span_px: float, allow_log: bool = True, ticks=(),
             log_hint: bool = False, texts=None) -> AxisFit | None:
    """Robust pixel -> value fit; tries linear and log10 and keeps the one that explains more labels.

    When both explain the same labels (two labels fit either), labels printed as powers of ten
    (`log_hint`) decide for log, else the tick marks do: they sit at round values of the right scale.
    `texts` (the labels as read) lets a whole number stand for a decimal whose '0.' was lost ('05' for
    '0.05'), and '101' for 10^1 or '4100' for 4 x 10^0 (a superscript read in line), where that fits
    the others and the number as read does not."""
    pos, vals = np.asarray(pos, float), np.asarray(vals, float)
    if len(pos) < 2:
        return log_from_ticks(pos, vals, ticks, span_px, texts) if allow_log and len(pos) else None
    alt = np.full((len(vals), 4), np.nan)  # other readings: a power of ten, then '0.' lost (/10, /100, /1000)
    for i, t in enumerate(texts or ()):
        m = _POWER_READ.fullmatch(t.strip())
        if m and allow_log:  # a superscript read in line: '101' is 10^1, '4100' 4 x 10^0, '4x101' 4 x 10^1
            alt[i, 0] = float(m.group(1) or 1) * 10.0 ** int(m.group(2))  # first: it wins a tie
        if re.fullmatch(r"\d+", t.strip()) and vals[i] >= 1:
            alt[i, 1:] = vals[i] / np.array([10.0, 100.0, 1000.0])
    texts = list(texts or ())
    if allow_log and _inline_powers(texts):  # '100' and '101': 10^0 and 10^1 as read
        vals = np.where(np.isfinite(alt[:, 0]), alt[:, 0], vals)
    log_hint = log_hint or _log_hint(texts)
    lin = _fit_model(pos, vals, span_px, False, alt)
    lg = _fit_model(pos, vals, span_px, True, alt) if allow_log else None
    if lin is None and lg is None:
        return log_from_ticks(pos, vals, ticks, span_px, texts) if allow_log else None
    if lin is None or lg is None:
        return (lin or lg)[1]
    if lg[0][0] == lin[0][0] + 1 and lin[0][0] >= 2 and len(ticks) >= 4 and \
            _tick_support(lin[1], ticks) >= _tick_support(lg[1], ticks) + 2:
        # one label more for log: a misread label can fit a log scale by chance on a short linear axis
        # (20, 23, 35 for 20, 25, 35, within 3 px); tick marks clearly at a linear axis's round values
        # overrule it (not the other way: dense linear ticks fall near log's m x 10^k by chance)
        return lin[1]
    if lin[0][0] != lg[0][0]:
        return lin[1] if lin[0][0] > lg[0][0] else lg[1]
    if lin[0][0] >= 3 and abs(lin[0][1] - lg[0][1]) > 0.3:  # three or more labels: the straighter fit
        return lin[1] if lin[0][1] > lg[0][1] else lg[1]
    if log_hint:  # labels printed as powers of ten ('6x10^0') are a log axis's
        return lg[1]
    s_lin, s_log = _tick_support(lin[1], ticks), _tick_support(lg[1], ticks)
    if s_log > s_lin + 1:
        return lg[1]
    return lin[1]


def log_from_ticks(pos, vals, ticks, span_px: float, texts=None, tol: float = 1.0) -> AxisFit | None:
    """A log axis found from its tick marks when fewer than two labels could be read (matplotlib prints
    only the decades and a few m x 10^k labels, with superscripts often too small to read).

    Log ticks sit at m x 10^k (m = 1..9): their spacing shrinks from 1 to 9 and jumps back at each decade,
    a pattern two neighbouring ticks pin down (decade length and phase) and the other ticks confirm.
    Kept only when five or more ticks within `tol` px carry at least three mantissas other than 1, they
    are not just as well evenly spaced, and a label as read (or its superscript read in line, '101')
    sits at the same place in its decade; the label's value then fixes which decade. The fit counts that
    one label as its inlier and the ticks in `n_ticks`."""
    t = np.asarray(_merge_close(sorted(float(v) for v in ticks if -2 <= v <= span_px + 2)))  # on the spine
    pos, vals = np.asarray(pos, float), np.asarray(vals, float)
    if len(t) < 5 or len(pos) == 0:
        return None
    cands = []  # (label index, log10 value), a power read in line first
    for i, v in enumerate(vals):
        m = _POWER_READ.fullmatch((texts[i] if texts else "").strip())
        if m:
            cands.append((i, np.log10(float(m.group(1) or 1)) + int(m.group(2))))
        if v > 0:
            cands.append((i, float(np.log10(v))))
    L = np.log10(np.arange(1, 11))
    best = None
    for i in range(len(t) - 1):
        d = t[i + 1] - t[i]
        if d < 4:
            continue
        for m in range(1, 10):  # t[i] at mantissa m, t[i + 1] at m + 1
            a = (L[m] - L[m - 1]) / d  # decades per pixel
            if not 0.05 * span_px <= 1 / a <= 50 * span_px:
                continue
            u = a * (t - t[i]) + L[m - 1]
            k = np.floor(u)
            near = k + np.log10(np.clip(np.round(10 ** (u - k)), 1, 10))
            ok = np.abs(near - u) / a <= tol
            mant = np.round(10 ** (near[ok] - np.floor(near[ok] + 1e-9))).astype(int)
            if ok.sum() < 5 or len(set(mant.tolist()) - {1, 10}) < 3:
                continue
            a2, b2 = np.polyfit(t[ok], near[ok], 1)
            rms = float(np.sqrt(np.mean(((a2 * t[ok] + b2) - near[ok]) ** 2))) / a2
            score = (int(ok.sum()), -rms)
            if best is None or score > best[0]:
                best = (score, a2, b2, ok)
    if best is None:
        return None
    (n_ok, neg_rms), a, b, ok = best
    to = t[ok]  # evenly spaced marks (a linear axis) explain as much: no log pattern
    step = np.median(np.diff(to))
    n = np.round((to - to[0]) / step)
    lin_rms = float(np.sqrt(np.mean((np.polyval(np.polyfit(n, to, 1), n) - to) ** 2)))
    if lin_rms <= 2 * max(-neg_rms, 0.1):
        return None
    for i, lv in cands:  # the decade: a label whose mantissa sits where it is printed
        off = lv - (a * pos[i] + b)
        if abs(off - round(off)) / a <= max(3.0, 0.005 * span_px):
            return AxisFit(float(a), float(b + round(off)), True, -neg_rms / span_px, 1, len(pos), n_ok)
    return None


def _powers(text: str) -> bool:
    """A label printed as a power of ten ('10^2', '10²', '2x10^1'), as log axes are."""
    return bool(re.search(r"10\^|[x×]10|^10[°º⁰¹²³⁴⁵⁶⁷⁸⁹]", text.replace(" ", "")))


def _log_hint(texts: list) -> bool:
    """The labels of an axis look like a log axis's: one printed as a power of ten, or just two read and
    both powers with the superscript read in line ('101' and '100' for 10^1 and 10^0; with more labels
    a linear axis at 100, 102, 104 reads the same)."""
    return any(_powers(t) for t in texts) or _inline_powers(texts)


def _inline_powers(texts: list) -> bool:
    """Just two labels read, both powers of ten with the superscript read in line ('101', '4100')."""
    return len(texts) == 2 and all(_POWER_READ.fullmatch(t.strip()) for t in texts)


def _tick_values(img, boxes, source=None):
    """(TextBox, value) for each box whose text reads as a number (recognition only: short isolated numbers
    such as '0' or '5' often escape a text detector, and it is several times faster).

    `source` (image, 2 x 3 affine from `img`'s pixels to its pixels): read the text there instead, each
    box carried over as the box around its corners (an upright copy blurs small print; the scan does not)."""
    from .ocr import TextBox, parse_number, read_crops, read_strip

    if source is None:
        read = read_crops(img, boxes)
    else:
        src, A = source
        mapped = []
        for b in boxes:
            c = np.array([[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]], float) @ A[:, :2].T + A[:, 2]
            mapped.append((c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()))
        read = [TextBox(tb.text, tuple(b), tb.score) for tb, b in zip(read_crops(src, mapped), boxes)]
    value = lambda tb: parse_number(tb.text) if tb.score > 0.3 else None  # noqa: E731
    got = [(tb, value(tb)) for tb in read]
    out = [(tb, v) for tb, v in got if v is not None]
    if len(out) < 2 and len(boxes) >= 3:
        # lone digits of small print escape the recogniser one by one: read the column (or row) of labels
        # as one line, and keep what it reads where the single readings read nothing
        src_img, src_boxes = (img, boxes) if source is None else (source[0], mapped)
        more = []
        for (tb, v), st, b in zip(got, read_strip(src_img, src_boxes), boxes):
            if v is None and (v := value(st)) is not None:
                tb = TextBox(st.text, tuple(b), st.score)
            if v is not None:
                more.append((tb, v))
        # kept when it reads three different values or more (blurred print reads as '0', '0', '04')
        if len({v for _, v in more}) >= 3:
            out = more
    return out


SMALL_PRINT = 7.0  # px: tick labels lower than this are also read as a band (see `_band_if_better`)


def band_values(img: np.ndarray, boxes: list, box: tuple, axis: int) -> list:
    """(TextBox, value) for the numbers read in the band of an axis's labels (detection and recognition on the
    band scaled up to about 28 px print, linear interpolation). Small print (4-6 px) read label by label is
    mostly misread; the detector on the band sees each label whole and reads it with its neighbours' scale.
    The band spans the frame's width below it (`axis` 0) or its height beside it (1), and the boxes' depth."""
    import cv2

    from .ocr import TextBox, detect_text, parse_number

    H, W = img.shape[:2]
    h = float(np.median([b[3] - b[1] if axis == 0 else min(b[3] - b[1], b[2] - b[0]) for b in boxes]))
    x0, y0, x1, y1 = box
    if axis == 0:
        win = (x0 - 4 * h, min(b[1] for b in boxes) - 0.6 * h, x1 + 4 * h, max(b[3] for b in boxes) + 0.6 * h)
    else:
        win = (min(b[0] for b in boxes) - h, y0 - 2 * h, max(b[2] for b in boxes) + h, y1 + 2 * h)
    xa, ya, xb, yb = (int(round(v)) for v in (max(0, win[0]), max(0, win[1]), min(W, win[2]), min(H, win[3])))
    if xb - xa < 4 or yb - ya < 4:
        return []
    s = float(np.clip(28.0 / max(h, 1.0), 2.0, 6.0))
    pad = 20
    band = cv2.resize(np.ascontiguousarray(img[ya:yb, xa:xb]), None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
    band = np.pad(band, ((pad, pad), (pad, pad)) + ((0, 0),) * (band.ndim - 2), constant_values=255)
    out = []
    for tb in detect_text(band):
        v = parse_number(tb.text) if tb.score > 0.3 else None
        if v is not None:
            b = tuple(o + (c - pad) / s for o, c in zip((xa, ya, xa, ya), tb.box))
            out.append((TextBox(tb.text, b, tb.score), v))
    return out


def _band_if_better(img: np.ndarray, read: list, boxes: list, box: tuple, axis: int) -> list:
    """The labels read one by one, or those read as a band (:func:`band_values`) where the print is small,
    the single readings are not three or more all on one line, and the band's readings (three distinct
    values or more) fit one axis better: more of them on one
    line (or log line) through their positions (4 px labels read one by one lose their decimal points,
    '20', '25', '30' for 2.0, 2.5, 3.0, and fit as well as they are evenly spaced, but fewer of them)."""
    if not boxes or np.median([b[3] - b[1] for b in boxes]) >= SMALL_PRINT:
        return read
    span = (box[2] - box[0]) if axis == 0 else (box[3] - box[1])

    def fits(got):  # labels on the best line through (position, value)
        f = fit_axis(np.array([tb.centre[axis] for tb, _ in got]), np.array([v for _, v in got]), span,
                     texts=[tb.text for tb, _ in got]) if len(got) >= 2 else None
        return f.n_inliers if f is not None else 0
    n_read = fits(read)
    if n_read >= 3 and n_read == len(read):  # all read and on one line: no band needed (it costs a detection)
        return read
    band = band_values(img, boxes, box, axis)
    if len({v for _, v in band}) < 3:
        return read
    return band if fits(band) > n_read else read


def tick_positions(dark: np.ndarray, frame: Frame) -> tuple:
    """Columns of tick marks / grid lines along the bottom spine and rows along the left spine.

    The spine's stroke is measured first (its rows of ink around the frame edge); a mark is a short dark
    run crossing both of the two pixel rows just inside or just outside it (ticks point either way, minor
    ticks are 1-2 px long), darker than the local background of those rows by a third of the spine's own
    darkness (summed over both rows; the row against the spine carries at least a fifth). Each is
    located to a fraction of a pixel by the darkness-weighted centre of the run (`dark`: see
    :func:`darkness`)."""
    from scipy.ndimage import median_filter

    ink = _ink(dark)
    x0, y0, x1, y1 = (int(round(v)) for v in frame.box)
    H, W = ink.shape
    out = []
    for along, lo, hi, pos in ((1, x0 + 3, x1 - 2, y1), (0, y0 + 2, y1 - 3, x0)):
        n = H if along else W
        lo, hi = max(0, lo), min(W if along else H, hi)
        if hi - lo < 20:
            out.append([])
            continue
        line = lambda r: (dark[r, lo:hi] if along else dark[lo:hi, r])  # noqa: E731
        cover = lambda r: (ink[r, lo:hi] if along else ink[lo:hi, r]).mean()  # noqa: E731
        if not 0 <= pos < n:
            out.append([])
            continue
        s0 = s1 = pos  # the spine's stroke: rows around the frame edge that are mostly ink
        while s0 - 1 >= max(0, pos - 4) and cover(s0 - 1) >= 0.5:
            s0 -= 1
        while s1 + 1 < min(n, pos + 5) and cover(s1 + 1) >= 0.5:
            s1 += 1
        ref = max(60.0, float(np.median(np.concatenate([line(r) for r in range(s0, s1 + 1)]))))
        panel = "panel" in frame.spines  # no spine: marks only outside (the panel's grey and white grid are not ink)
        inside = (s0 - 1, s0 - 2) if along else (s1 + 1, s1 + 2)
        found = []
        for near, far in ((s0 - 1, s0 - 2), (s1 + 1, s1 + 2)):
            if min(near, far) < 0 or max(near, far) >= n or (panel and (near, far) == inside):
                continue
            ln, lf = (line(r) - median_filter(line(r), size=25, mode="nearest") for r in (near, far))
            lift = ln + lf  # a mark starts at the spine and runs on (minor ticks: 1-2 px)
            on = (lift >= max(12.0, ref / 3)) & (ln >= max(8.0, ref / 5))
            idx = np.flatnonzero(np.diff(np.r_[0, on.astype(np.int8), 0]))
            for a, b in zip(idx[::2], idx[1::2]):
                if b - a <= 4:
                    k = np.arange(max(0, a - 1), min(len(lift), b + 1))  # the run and its antialiased rims
                    w = np.clip(lift[k], 0, None)
                    c = float((w * k).sum() / w.sum()) if w.sum() > 0 else (a + b - 1) / 2
                    found.append(lo + c - SNAP_SHIFT * _snapped(w, k, a, b, c))
        out.append(_merge_close(sorted(found)))
    return out[0], out[1]


SNAP_SHIFT = 0.5  # px: where a pixel-snapped mark of odd width stands for its true position (see _snapped)


def _snapped(w: np.ndarray, k: np.ndarray, a: int, b: int, c: float) -> bool:
    """Whether a tick mark's run (columns a..b-1; `w` its darkness over `k`, the run and one pixel each side;
    `c` its darkness-weighted centre) was drawn pixel-snapped at an odd width: an odd number of pixels,
    light rims (the pixels beside it carry under a sixth of the total each: a line a little wider than its
    pixels) and its centre within 0.12 px of a pixel's. Matplotlib's Agg snaps such a line at true position t to the pixel
    p = round(t + 0.5), so it stands for t in [p - 1, p): its centre is read half a pixel before it.
    (An unsnapped mark antialiased over two pixels, or blurred, and an even width, centred on a pixel
    edge, keep their centre.)"""
    total = w.sum()
    if (b - a) % 2 == 0 or total <= 0:
        return False
    return bool(max(w[k < a].sum(), w[k >= b].sum()) <= total / 6 and abs(c - round(c)) <= 0.12)


def _merge_close(v: list, d: float = 1.5) -> list:
    """Positions closer than `d` merged into their mean (a mark seen in both bands)."""
    out = []
    for x in v:
        if out and x - out[-1][-1] < d:
            out[-1].append(x)
        else:
            out.append([x])
    return [float(np.mean(g)) for g in out]


def _overlap(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max(1e-9, (a[2] - a[0]) * (a[3] - a[1]))
    return ix * iy / area


MAX_LABELS = 8  # tick labels read per axis: enough for a robust fit, and OCR is the costly part


def _spread(boxes: list, axis: int, n: int) -> list:
    """At most n boxes, evenly spread along the axis (first and last kept)."""
    if len(boxes) <= n:
        return boxes
    b = sorted(boxes, key=lambda q: q[axis] + q[axis + 2])
    return [b[i] for i in np.unique(np.round(np.linspace(0, len(b) - 1, n)).astype(int))]


def _snap(centres, ticks, tol=1.5) -> np.ndarray:
    """Move each label centre onto the tick mark it names (a tick is exact, a text box is not): the nearest
    mark within `tol` px (per label: half its text height, a superscript or a '1' moves the ink centre),
    when the next mark is at least twice as far."""
    c = np.asarray(centres, float)
    if len(ticks) == 0 or len(c) == 0:
        return c
    t = np.asarray(sorted(ticks), float)
    d = np.abs(c[:, None] - t[None, :])
    j = d.argmin(axis=1)
    d1 = d[np.arange(len(c)), j]
    d2 = np.sort(d, axis=1)[:, 1] if len(t) > 1 else np.full(len(c), np.inf)
    near = (d1 <= np.maximum(1.5, tol)) & ((d1 <= 1.5) | (d2 >= 2 * d1))
    return np.where(near, t[j], c)


def auto_calibrate(img: np.ndarray, frame: Frame | None = None) -> Calibration | None:
    """Detect frame and ticks and return a 'detected' Calibration, or None when it cannot.

    A frame rotated by 0.15 deg or more is measured on an upright copy of the image (its labels read
    on the image itself)."""
    dark = None
    if frame is None:
        dark = darkness(img)
        frame = detect_frame(img, dark)
        if frame is None:
            return None
    if abs(frame.rotation_deg) >= 0.15:
        cal = _calibrate_deskewed(img, frame)
        if cal is not None:
            return cal
    return _calibrate_on(img, frame, darkness(img) if dark is None else dark)


def _calibrate_on(img: np.ndarray, frame: Frame, dark: np.ndarray, source=None) -> Calibration | None:
    """The calibration measured on `img` with its `frame` and :func:`darkness` image (computed once:
    label bands and tick marks both read it). `source` (image, 2 x 3 affine): read the label text there
    (see `_tick_values`)."""
    xb, yb, xt, yt = tick_label_boxes(img, frame, dark)
    x0, y0, x1, y1 = frame.box
    # (a filled field's frame has no marks: its levels meet the edge like tick marks)
    if abs(frame.rotation_deg) < 0.15 and frame.spines != ("fill",):
        gx, gy = tick_positions(dark, frame)
        # the marks measured along the spine (to a fraction of a pixel) before those of the label bands
        xt, yt = (sorted(list(g) + [t for t in b if not any(abs(t - u) < 1.5 for u in g)])
                  for g, b in ((gx, xt), (gy, yt)))
    if frame.panel is not None:  # stacked panels: the y axis of the map's own panel
        top, bottom = frame.panel[0] - 2, frame.panel[1] + 2
        yb = [b for b in yb if top <= (b[1] + b[3]) / 2 <= bottom]
        yt = [r for r in yt if top <= r <= bottom]
    xv, yv = (_tick_values(img, _spread(b, k, MAX_LABELS), source) for k, b in ((0, xb), (1, yb)))
    if source is None:  # small print read label by label: read the row (column) of labels as one band too
        ybox = (x0, frame.panel[0], x1, frame.panel[1]) if frame.panel is not None else frame.box  # (the map's own panel)
        xv, yv = (_band_if_better(img, v, b, fb, k) for k, v, b, fb in ((0, xv, xb, frame.box), (1, yv, yb, ybox)))
    # positions along the spines, measured from their corner: a label's offset from its spine is
    # perpendicular to the spine, so it drops out and a rotated frame needs no correction
    a = np.deg2rad(frame.rotation_deg)
    ux = np.array([np.cos(a), -np.sin(a)])  # along the bottom spine, left -> right
    uy = np.array([-np.sin(a), -np.cos(a)])  # along the left spine, bottom -> top
    corner = np.array(frame.corner if frame.corner is not None else (x0, y1), float)
    along_x = lambda p: (np.asarray(p, float).reshape(-1, 2) - corner) @ ux  # noqa: E731
    along_y = lambda p: (np.asarray(p, float).reshape(-1, 2) - corner) @ uy  # noqa: E731
    tx, ty = along_x([(c, y1) for c in xt]), along_y([(x0, r) for r in yt])  # tick marks
    px = _snap(along_x([t.centre for t, _ in xv]), tx, np.array([0.5 * (t.box[3] - t.box[1]) for t, _ in xv]))
    py = _snap(along_y([t.centre for t, _ in yv]), ty, np.array([0.5 * (t.box[2] - t.box[0]) for t, _ in yv]))
    lx, ly = float(along_x([(x1, y1)])[0]), float(along_y([(x0, y0)])[0])
    fx = fit_axis(px, np.array([v for _, v in xv]), lx, ticks=tx,
                  texts=[t.text for t, _ in xv])
    fy = fit_axis(py, np.array([v for _, v in yv]), ly, ticks=ty,
                  texts=[t.text for t, _ in yv])
    read = lambda f: f.n_inliers + (f.n_inliers == 1 and f.n_ticks >= 5)  # noqa: E731  (a log axis from its ticks)
    if fx is None or fy is None or read(fx) < 2 or read(fy) < 2:
        log.info("tick labels not readable: x %s, y %s", fx, fy)
        return None
    fx = refine_with_ticks(fx, tx, lx, px, [v for _, v in xv])
    fy = refine_with_ticks(fy, ty, ly, py, [v for _, v in yv])
    for name, f, t in (("x", fx, tx), ("y", fy, ty)):
        if _unsupported_pair(f, t):
            log.info("%s axis: two tick labels fit, but no tick marks sit at round values under that fit", name)
            return None
        if f.n_labels >= 4 and 2 * f.n_inliers < f.n_labels:  # more labels disagree than agree: misread
            log.info("%s axis: only %d of %d tick labels fit", name, f.n_inliers, f.n_labels)
            return None
    # reference points on the spines
    p1, p2 = corner, corner + ux * lx
    q1, q2 = corner, corner + uy * ly
    xv1, xv2 = fx.value(0.0), fx.value(lx)
    yv1, yv2 = fy.value(0.0), fy.value(ly)
    resid = max(fx.residual, fy.residual)
    conf = float(frame.confidence * min(1.0, (min(read(fx), read(fy)) - 1) / 3) * (1.0 if resid < 0.01 else 0.5))
    notes = tuple(f"{n} axis: {f.n_inliers}/{f.n_labels} tick labels fit{' (log)' if f.log else ''}"
                  + (" (log scale from the tick marks' pattern)" if read(f) > f.n_inliers else "")
                  + (f", refined on {f.n_ticks} tick marks" if f.n_ticks else "") for n, f in (("x", fx), ("y", fy)))
    return Calibration.from_points([(*p1, xv1), (*p2, xv2)], [(*q1, yv1), (*q2, yv2)], fx.log, fy.log,
                                   source="detected", residual=resid, confidence=conf, plot_box=frame.plot_box,
                                   notes=notes + (("the frame stacks panels: the curves are read in the tallest",)
                                                  if frame.panel is not None else ()))


def _calibrate_deskewed(img: np.ndarray, frame: Frame) -> Calibration | None:
    """Calibrate a rotated frame on a copy of the image turned upright (tick-label bands, tick marks and
    panel edges are all found along image rows and columns there), then carry the calibration back to
    the image's own pixels. None when the upright copy's frame is not upright (the caller then measures
    along the rotated spines)."""
    import dataclasses

    import cv2

    H, W = img.shape[:2]
    M = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), -frame.rotation_deg, 1.0)  # image -> upright
    up = cv2.warpAffine(np.ascontiguousarray(img), M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    dark = darkness(up)
    fr = detect_frame(up, dark)
    if fr is None or abs(fr.rotation_deg) >= 0.15:
        return None
    cal = _calibrate_on(up, fr, dark, source=(img, cv2.invertAffineTransform(M)))
    if cal is None:
        return None
    # uv = A' (M [x, y, 1]) + b'
    return dataclasses.replace(cal, A=cal.A @ M[:, :2], b=cal.A @ M[:, 2] + cal.b, plot_box=frame.plot_box,
                               notes=cal.notes + (f"measured on the image turned {-frame.rotation_deg:+.2f} deg upright",))
