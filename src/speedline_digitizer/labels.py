"""Speed labels: find the numbers that name speedlines and attach each to its curve.

Text inside (and just around) the plot frame is read by the OCR engine; speed-like texts
(0.90, 90%, 90 %, N/√θ = 0.9, 12000 rpm, 120k) are matched to curve ends, to the curve itself (a
label in a box that hides the line), or, for a legend (beside the curves or under the plot), by colour
and order. What the detector misses is looked for again: legend rows at their pitch, framed labels by
their rectangle, and windows around unlabelled curve ends scaled up. Speeds must rise from
the lowest speedline to the highest: misreads that break the order are dropped, and a single
missing value is filled in when its neighbours' spacing makes it unambiguous (marked inferred).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from .axes import _runs, fill_mask, page_colour
from .ocr import TextBox, detect_text, read_crops

_SPEED_PATTERNS = [
    re.compile(r"^(?:N\S{0,4}\s*=\s*)?(\d+(?:[.,]\d+)?)\s*%$"),            # 90%  90 %  N=90%
    re.compile(r"^N\S*[/√vV]\S*\s*[=:]\s*(\d+(?:[.,]\d+)?)\s*%?$"),          # N/√θ = 0.9
    re.compile(r"^(\d{3,6})\s*(?:[rR][pPoOaAn]\w{0,2}|[rRpP]?m|r/min|1/min|min-1|U/min)$"),  # 12000 rpm ('rom', 'ram')
    re.compile(r"^(\d{1,3}(?:[.,]\d)?)\s*[kK](?:rpm|RPM|r/min)?$"),         # 120k  8k  12.5krpm
    re.compile(r"^(\d?[.,]\d{1,3}|\d{2,3}(?:[.,]\d)?|1[.,]\d{1,3})$"),      # 0.90  90  1.05
    re.compile(r"^([1-9]\d{3,5})$"),                                        # 12000 (its 'rpm' read apart)
]
_FRAME_CHARS = "[](){}|/\\"  # a box around an inline label is read as brackets, a line through its end as a slash
# words around the number: 'N = 0.95', 'Nc: 90%', 'Speed 0.8', 'RPM 12000' / '100% N', '0.7 Ndes', '80% speed'
_PREFIX = re.compile(r"^(?:(?:[nN][a-zA-Z_.*]{0,5}(?:\s*/\s*[^\s=:]{1,8})?|[sS]peed|SPEED|[rR][pP][mM])\s*[=:]|"
                     r"[sS]peed|SPEED|[rR][pP][mM])\s*(?=\d|[.,]\d)")
# ... and after it: '90% Ndesign', '0.9 N/√T', '100% (design)', '95% spd'
_SUFFIX = re.compile(r"(?<=[\d%])\s*(?:[sS]peed|SPEED|spd|[nN](?:[a-zA-Z_]{0,6})\*?(?:\s*/\s*[^\s=:]{1,6})?|"
                     r"\(?[dD]es(?:ign|\.)?\)?|PCN[a-zA-Z]{0,2})$")
# more words before the number: '%N = 90', 'PCN 90' (percent corrected speed), 'Corrected speed 90%', 'ω/ωd = 0.9'
_PREFIX2 = re.compile(r"^(?:%\s*[nN][a-zA-Z_]{0,4}|PCN[a-zA-Z]{0,2}|[cC]orr(?:ected|\.)?\s+[sS]peed|"
                      r"[ωΩ][a-zA-Z_]{0,4}(?:\s*/\s*[^\s=:]{1,6})?)\s*[=:]?\s*(?=\d|[.,]\d)")
# thousands separators before a unit: '12 000 rpm', '12,000 rpm', '120.000 U/min'
_THOUSANDS = re.compile(r"^(\d{1,3})[ ,.](\d{3})(?:[ ,.](\d{3}))?(?=\s*(?:[rRpP]?m|[rR][pPoOaAn]|r/min|1/min|min|U/min))")


def parse_speed(text: str) -> float | None:
    """The speed value a label prints (90 for '90%', 0.9 for '0.90'), or None when it is no speed label."""
    t = text.strip().replace("θ", "θ").replace(" ", " ")
    t = re.sub(r"\s+", " ", t).strip(_FRAME_CHARS + " ").rstrip(".")
    t = _SUFFIX.sub("", _PREFIX.sub("", _PREFIX2.sub("", t))).strip()
    t = _THOUSANDS.sub(lambda m: "".join(g for g in m.groups() if g), t)
    # '68000 rpm' read as '680001pm', '680001m' or '680001' (its r as a 1, the rest lost)
    t = re.sub(r"^(\d{1,3}000)1\s*(?:pm|m)?$", r"\1 rpm", t)
    t = re.sub(r"^(\d{2,5}0)1\s*pm$", r"\1 rpm", t)
    t_ns = t.replace(" ", "")
    if re.fullmatch(r"0\d{1,3}", t_ns):  # '045': '0.45' with its point lost (no number is printed '045')
        t_ns = "0." + t_ns[1:]
    for i, pat in enumerate(_SPEED_PATTERNS):
        m = pat.match(t if i == 2 else t_ns)
        if m:
            try:
                v = float(m.group(1).replace(",", "."))
            except ValueError:
                return None
            return v if v > 0 else None
    return None


def _ink_colour(pix: np.ndarray) -> np.ndarray:
    """The colour of a stroke from pixels around it: the median of its darkest fifth (anti-aliasing and the
    paper wash out the rest)."""
    pix = pix.reshape(-1, 3).astype(float)
    if len(pix) == 0:
        return np.array([255.0, 255.0, 255.0])
    lum = pix.mean(axis=1)
    k = max(1, len(pix) // 5)
    return np.median(pix[np.argsort(lum)[:k]], axis=0)


def _curve_colour(img: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    p = np.round(pixels).astype(int)
    H, W = img.shape[:2]
    samples = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            samples.append(img[np.clip(p[:, 1] + dy, 0, H - 1), np.clip(p[:, 0] + dx, 0, W - 1)])
    return _ink_colour(np.concatenate(samples))


DETECT_SIDE = 1500  # px: when labels are missing, smaller crops are read again scaled up (at most 2x)


def candidate_labels(img: np.ndarray, plot_box=None, upscale: bool = False) -> list:
    """Speed-like texts in and around the plot frame: (TextBox, value).

    upscale: read a crop smaller than DETECT_SIDE at up to twice its size, a larger one in tiles of
    1,000 px at its own size (the text detector misses small print; the cost is about 4x the detection
    time)."""
    H, W = img.shape[:2]
    if plot_box is not None:
        x0, y0, x1, y1 = plot_box
        mx, my = 0.25 * (x1 - x0), 0.1 * (y1 - y0)
        win = (int(max(0, x0 - 0.02 * W)), int(max(0, y0 - my)), int(min(W, x1 + mx)), int(min(H, y1 + 0.02 * H)))
    else:
        win = (0, 0, W, H)
    side = max(win[2] - win[0], win[3] - win[1])
    if upscale and side > DETECT_SIDE:
        return _tiled_speed_texts(img, win, plot_box)
    scale = float(np.clip(DETECT_SIDE / side, 1.0, 2.0)) if upscale else 1.0
    return _speed_texts(img, win, scale, plot_box)


def colour_bar(img: np.ndarray, plot_box=None) -> tuple | None:
    """A colour bar beside the plot (a filled efficiency map's scale): (x0, y0, x1, y1), or None. It is a
    run of columns in the right half of the page, each inked over 40 % or more of the frame's height,
    0.8 % to 10 % of the page wide (6 px or more), with page paper either side, whose colour runs through
    a scale along its length (a channel changing by 120 levels or more): spines, grid columns and legend
    frames are narrower or of one colour, a filled plot area is wider."""
    if img.ndim != 3:
        return None
    H, W = img.shape[:2]
    ya, yb = (int(plot_box[1]), int(plot_box[3])) if plot_box is not None else (0, H)
    ya, yb = max(0, ya), min(H, yb + 1)
    if yb - ya < 20:
        return None
    band = img[ya:yb].astype(np.int16)
    inked = fill_mask(band, tol=40, paper=page_colour(img))
    cover = inked.mean(axis=0)
    cols = np.flatnonzero(cover >= 0.4)
    for a, b in _runs(cols[cols >= W // 2], 1):
        if not max(6, 0.008 * W) <= b - a + 1 <= 0.1 * W or a < 3 or b > W - 4:
            continue
        if cover[a - 3:a].max() > 0.3 or cover[b + 1:b + 4].max() > 0.3:  # paper either side
            continue
        rows = np.flatnonzero(inked[:, a:b + 1].mean(axis=1) >= 0.8)
        if len(rows) and np.ptp(band[rows, (a + b) // 2], axis=0).max() >= 120:
            return (a, ya + int(rows[0]), b, ya + int(rows[-1]))
    return None


def off_colour_bar(cands: list, bar, reach: float = 8.0) -> list:
    """The candidates that are not a colour bar's tick labels (texts starting right of the bar, within
    `reach` text heights, level with it)."""
    if bar is None:
        return cands
    x0, y0, x1, y1 = bar

    def on(tb):
        h = tb.box[3] - tb.box[1]
        return x1 <= tb.box[0] <= x1 + reach * h and y0 - h <= tb.centre[1] <= y1 + h
    return [(tb, v) for tb, v in cands if not on(tb)]


def _tiled_speed_texts(img: np.ndarray, win: tuple, plot_box=None, tile: int = 1000, overlap: int = 80) -> list:
    """Speed-like texts of a large window read in overlapping tiles at full resolution (the detector
    shrinks a large image to its working size, and small print vanishes)."""
    xa, ya, xb, yb = win
    xs = np.linspace(xa, max(xa, xb - tile), max(1, int(np.ceil((xb - xa - overlap) / (tile - overlap))))).astype(int)
    ys = np.linspace(ya, max(ya, yb - tile), max(1, int(np.ceil((yb - ya - overlap) / (tile - overlap))))).astype(int)
    out = []
    for y0 in ys:
        for x0 in xs:
            for tb, v in _speed_texts(img, (x0, y0, min(xb, x0 + tile), min(yb, y0 + tile)), 1.0, plot_box):
                # a label in two tiles: the wider reading stays (a tile's edge may cut it: '4500' of 'n=45000rpm')
                same = [k for k, (o, _) in enumerate(out) if _overlap_frac(tb.box, o.box) > 0.5]
                if not same:
                    out.append((tb, v))
                elif all(tb.box[2] - tb.box[0] > out[k][0].box[2] - out[k][0].box[0] + 2 for k in same):
                    out = [c for k, c in enumerate(out) if k not in same] + [(tb, v)]
    return out


def _texts_in(img: np.ndarray, win: tuple, scale: float) -> list:
    """All texts detected in the window (x0, y0, x1, y1) of the image, read `scale` times its size: their
    TextBoxes in image pixels."""
    xa, ya, xb, yb = win
    crop = img[ya:yb, xa:xb]
    if scale > 1.0:
        import cv2

        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return [TextBox(tb.text, (xa + tb.box[0] / scale, ya + tb.box[1] / scale, xa + tb.box[2] / scale,
                              ya + tb.box[3] / scale), tb.score) for tb in detect_text(crop)]


def _speed_texts(img: np.ndarray, win: tuple, scale: float, plot_box=None) -> list:
    """Speed-like texts detected in the window (x0, y0, x1, y1) of the image, read `scale` times its size:
    (TextBox, value) in image pixels. Tick labels (left of or below the frame) are left out."""
    out = []
    for whole in _texts_in(img, win, scale):
        # an unsure reading is kept only when it prints a speed with its mark ('53%', '12000 rpm')
        if whole.score < (0.45 if _WITH_UNIT.search(whole.text) else 0.6):
            continue
        for tb, v in split_run_on(whole):
            if plot_box is not None and _tick_label_side(tb.box, plot_box):
                continue
            out.append((tb, v))
    return out


def _tick_label_side(box: tuple, plot_box: tuple) -> bool:
    """Whether a text box lies where tick labels do: three quarters of it or more left of the frame's left
    edge or below its bottom edge (a speed label at a surge end may run over the left spine: '37 %')."""
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    return (min(x1, plot_box[0]) - x0) / w >= 0.75 or (y1 - max(y0, plot_box[3])) / h >= 0.75


_WITH_UNIT = re.compile(r"\d[\d.,]*\s*(?:%|[kK]?\s*[rR][pP][mM]|[kK])")


def split_run_on(tb: TextBox) -> list:
    """[(TextBox, speed)] of a detected text: itself when it reads as a speed, else the labels it runs
    together when each ends in a unit ('71%79%88%', '42,000rpm49.000 rpm': crowded labels the detector
    reads as one line), each with its share of the box by character position; else []."""
    v = parse_speed(tb.text)
    if v is not None:
        return [(tb, v)]
    t = tb.text
    pieces = list(_WITH_UNIT.finditer(t))
    if len(pieces) < 2 or len(re.sub(r"\s", "", _WITH_UNIT.sub("", t))) > 0:
        return []
    x0, y0, x1, y1 = tb.box
    w = (x1 - x0) / max(len(t), 1)
    out = []
    for p in pieces:
        pv = parse_speed(p.group())
        if pv is None:
            return []
        out.append((TextBox(p.group(), (x0 + w * p.start(), y0, x0 + w * p.end(), y1), tb.score), pv))
    return out


_MARKED = re.compile(r"%|rpm|RPM|r/min|[0-9]\s*[kK]\b|[nN]\S{0,6}\s*[=:]|U/min|1/min|[sS]peed")


def legend_below(img: np.ndarray, plot_box=None) -> list:
    """Speed labels of a legend under the plot (a spreadsheet chart's default): (TextBox, value) for
    the texts read in a band below the frame (under the x tick labels) that print a speed with its
    mark ('90%', '12000 rpm', 'N = 0.9': bare numbers there are tick labels), three or more, or none.

    When the band under the frame holds no legend, the rest of the page below is looked at: a map
    set above an efficiency plot that shares its x axis has the legend under the lower panel."""
    if plot_box is None:
        return []
    H = img.shape[0]
    x0, y0, x1, y1 = plot_box
    ya, yb = int(min(H, y1 + 2)), int(min(H, y1 + 0.45 * (y1 - y0)))
    return _legend_in_band(img, plot_box, ya, yb) or (_legend_in_band(img, plot_box, ya, H) if H - yb > 8 else [])


def _legend_in_band(img: np.ndarray, plot_box: tuple, ya: int, yb: int) -> list:
    """legend_below's texts in the rows ya..yb, under the frame's columns widened by a tenth of the page."""
    import cv2

    H, W = img.shape[:2]
    x0, y0, x1, y1 = plot_box
    xa, xb = int(max(0, x0 - 0.1 * W)), int(min(W, x1 + 0.1 * W))
    if yb - ya < 8 or xb - xa < 8:
        return []
    # cheap checks first (reading the band costs about a second): below the first text row (the tick
    # labels) there must be three or more line samples, short flat strokes as wide as a few digits
    grey = img[ya:yb, xa:xb].mean(axis=2) if img.ndim == 3 else img[ya:yb, xa:xb].astype(float)
    ink = grey < np.percentile(grey, 90) - 40
    rows = _runs(np.flatnonzero(ink.sum(axis=1) >= 2), 2)
    if len(rows) < 2:
        return []
    top = max(0, rows[1][0] - 3)
    _, _, st, _ = cv2.connectedComponentsWithStats(ink[top:].astype(np.uint8), connectivity=8)
    if sum(1 for w, h in st[1:, 2:4] if w >= 12 and h <= 12 and w >= 2.5 * h) < 3:  # (a marker on it: taller)
        return []
    ya += top
    scale = float(np.clip(DETECT_SIDE / max(yb - ya, xb - xa), 1.0, 2.0))
    out = []
    for tb in _texts_in(img, (xa, ya, xb, yb), scale):
        text = tb.text.strip().lstrip("-—–_~ ")  # a line sample read as a dash
        v = parse_speed(text)
        if v is None or tb.score < 0.6 or not _MARKED.search(text):
            continue
        out.append((TextBox(text, tb.box, tb.score), v))
    return out if len(out) >= 3 else []


def _text_height(cands: list, shape: tuple) -> float:
    """The labels' print height: the candidates' median box height (1.2 % of the page without any), 6 px
    at least."""
    hs = [tb.box[3] - tb.box[1] for tb, _ in cands]
    return max(float(np.median(hs)) if hs else 0.012 * max(shape[:2]), 6.0)


def _end_windows(c, h: float, shape: tuple) -> tuple:
    """The windows (x0, y0, x1, y1, clipped to the page; None when under 8 px) where a curve's label is
    looked for again, `h` its print height: reaching 8 text heights left and 3 up from its surge end, and
    5 either side of its choke end and 3.5 below it."""
    H, W = shape[:2]
    (sx, sy), (ex, ey) = c.pixels[0], c.pixels[-1]
    out = []
    for win in ((sx - 8 * h, sy - 3 * h, sx + 3 * h, sy + 2.5 * h), (ex - 5 * h, ey - 2.5 * h, ex + 5 * h, ey + 3.5 * h)):
        xa, ya, xb, yb = (int(v) for v in (max(0, win[0]), max(0, win[1]), min(W, win[2]), min(H, win[3])))
        out.append((xa, ya, xb, yb) if xb - xa >= 8 and yb - ya >= 8 else None)
    return tuple(out)


def labels_near_ends(img: np.ndarray, curves: list, cands: list, plot_box=None, text_h: float | None = None) -> list:
    """Speed-like texts read around the ends of curves that no candidate is near: (TextBox, value).

    Small print at a curve's end is often missed at the image's scale; a window around the choke end,
    scaled up until text is about 32 px high, costs little to read. On a map whose labels stand at the
    surge ends (two or more candidates there), a curve with nothing read at either end is read again
    in a window reaching left and up from its surge end, where such labels are printed."""
    text_h = _text_height(cands, img.shape) if text_h is None else max(text_h, 6.0)
    centres = np.array([tb.centre for tb, _ in cands]) if cands else np.zeros((0, 2))
    scale = float(np.clip(32.0 / text_h, 1.0, 4.0))

    def near_box(pt, found, reach):  # a candidate's box within `reach` of the point
        return any(b[0] - reach <= pt[0] <= b[2] + reach and b[1] - reach <= pt[1] <= b[3] + reach
                   for b in (tb.box for tb, _ in found))

    def read(win):
        if win is None:
            return []
        return [(tb, v) for tb, v in _speed_texts(img, win, scale, plot_box)
                if not any(_iou(tb.box, o.box) > 0.3 for o, _ in out + cands)]

    at_surge = sum(near_box(c.pixels[0], cands, 1.5 * text_h) for c in curves) >= 2
    out = []
    for c in curves:
        ex, ey = c.pixels[-1]
        if len(centres) and np.hypot(*(centres - (ex, ey)).T).min() < 1.5 * text_h:
            continue  # a label was found there
        if near_box((ex, ey), out, text_h):
            continue
        at_start, at_end = _end_windows(c, text_h, img.shape)
        got = read(at_end)
        if not got and at_surge and not near_box(c.pixels[0], cands + out, text_h):
            got = read(at_start)
        out.extend(got)
    return out


def tint(img: np.ndarray, colour: np.ndarray, paper: np.ndarray, tol: float = 40.0) -> np.ndarray:
    """A grey copy (3 channels) that shows the ink of one colour alone: pixels on the mix from the paper to
    `colour` (within `tol` levels; the anti-aliased edges of thin print are such mixes) are dark as they
    are strong, every other pixel (black text, grey grid, other colours) is paper white."""
    v = np.asarray(colour, float) - paper
    q = img.astype(np.float32) - paper.astype(np.float32)
    a = np.clip((q @ v.astype(np.float32)) / max(float(v @ v), 1.0), 0.0, 1.0)
    off = np.linalg.norm(q - a[..., None] * v.astype(np.float32), axis=2)
    g = np.where((off < tol) & (a > 0.2), 255.0 * (1.0 - a), 255.0).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def labels_in_colour(img: np.ndarray, out: list, cands: list, plot_box=None, most: int = 12) -> list:
    """Curves left without a speed given one read in their own colour: a label printed in its curve's
    colour, at either end, that black print or a line crosses (a 'Surge line' note over it) is read on a
    copy showing that colour alone (:func:`tint`), in the windows :func:`labels_near_ends` reads (at the
    end where the labels read so far stand).
    Only on a map whose labels read so far print in their curves' colours (two or more, and most of
    them), and only curves of a marked colour (black ones look like all other print); a reading is kept
    when no other curve of that colour lies nearer to it and no other curve has its value. At most
    `most` curves are read (each costs one or two small detections)."""
    if img.ndim != 3:
        return out
    todo = [i for i, c in enumerate(out) if c.speed is None][:most]
    if not todo:
        return out
    cols = [_curve_colour(img, c.pixels) for c in out]
    H, W = img.shape[:2]
    paper = page_colour(img).astype(float)

    def printed_in(b, col):  # most of the text box's coloured pixels are of the curve's colour
        x0, y0, x1, y1 = (int(round(v)) for v in b)
        crop = img[max(0, y0):min(H, y1 + 1), max(0, x0):min(W, x1 + 1)]
        chroma = np.ptp(crop.reshape(-1, 3).astype(int), axis=1) >= 50
        return chroma.sum() >= 5 and (tint(crop, col, paper).reshape(-1, 3)[chroma, 0] < 255).mean() >= 0.5
    named = [(i, tb) for i, c in enumerate(out) if c.speed is not None
             for tb, _ in cands[:50] if tb.text.strip() == c.speed_label][:12]
    same = [printed_in(tb.box, cols[i]) for i, tb in named]
    if sum(same) < 2 or 2 * sum(same) < len(same):
        return out
    # the end the labels read so far stand at, their boxes within 3 text heights (both when they stand at
    # either; none when they are set along their lines)
    at_start = set()
    for i, tb in named:
        b = tb.box
        ds, de = (float(np.hypot(max(b[0] - x, 0, x - b[2]), max(b[1] - y, 0, y - b[3])))
                  for x, y in (out[i].pixels[0], out[i].pixels[-1]))
        if min(ds, de) <= 3 * (b[3] - b[1]):
            at_start.add(ds < de)
    if not at_start:
        return out
    h = _text_height(cands, img.shape)
    scale = float(np.clip(32.0 / h, 1.0, 4.0))
    trees = [cKDTree(c.pixels) for c in out]
    grey = np.full_like(img, 255)  # paper, but for the window being read, shown in one colour
    out = list(out)
    for i in todo:
        col = cols[i]
        if np.ptp(col) < 80 or np.abs(col - paper).max() < 60:  # black, grey or faint: not told apart by colour
            continue
        kin = [k for k in range(len(out)) if np.abs(cols[k] - col).max() < 60]
        found = []
        for start, win in zip((True, False), _end_windows(out[i], h, img.shape)):
            if start in at_start and win is not None:
                xa, ya, xb, yb = win
                grey[ya:yb, xa:xb] = tint(img[ya:yb, xa:xb], col, paper)
                found += _speed_texts(grey, win, scale, plot_box)
                grey[ya:yb, xa:xb] = 255
        taken = {c.speed for c in out if c.speed is not None}
        found = [(trees[i].query(tb.centre)[0], tb, v) for tb, v in found if v not in taken]
        found = [(d, tb, v) for d, tb, v in found if all(trees[k].query(tb.centre)[0] >= d for k in kin)]
        if found:
            _, tb, v = min(found, key=lambda f: f[0])
            out[i] = replace(out[i], speed=v, speed_label=tb.text.strip())
    return out


def boxed_labels(img: np.ndarray, cands: list, plot_box=None, max_boxes: int = 60) -> list:
    """Speed-like texts inside small drawn rectangles (inline labels in a frame): (TextBox, value).

    The text detector often misses a boxed label that a speedline or a grid line runs into; the
    frame itself is easy to find (a contour's bounding rectangle with all four sides inked), and its
    inside is read with the recogniser alone."""
    found = []
    for b in text_frames(img, plot_box):
        if any(_iou(b, o.box) > 0.2 for o, _ in cands):
            continue
        found.append(b)
        if len(found) >= max_boxes:
            break
    out = []
    # read with the frame (the crop around its inside) and without it (a pixel inside): a frame's sides
    # are read as '1' or ']' at the ends of a small label, or hide it; the surer reading stays
    for outer, inner in zip(read_crops(img, found), read_crops(img, found, pad=-1)):
        best = None
        for tb in (outer, inner):
            v = parse_speed(tb.text)
            if v is not None and tb.score >= 0.6 and (best is None or tb.score > best[0].score):
                best = (TextBox(tb.text, outer.box, tb.score), v)
        if best is not None:
            out.append(best)
    return out


def text_frames(img: np.ndarray, plot_box=None) -> list:
    """Small drawn rectangles with text inside (the frames of inline labels) in the plot: their insides
    (x0, y0, x1, y1). A contour's bounding rectangle with all four sides inked, 10-60 px high, 1.2-8
    times as wide, not a grid's cell, neither empty nor filled."""
    import cv2

    from .axes import dark_mask

    ink = dark_mask(img, margin=30.0, fraction=0.15).astype(np.uint8)
    if plot_box is not None:
        x0, y0, x1, y1 = (int(round(v)) for v in plot_box)
        keep = np.zeros_like(ink)
        keep[max(0, y0):y1, max(0, x0):x1] = 1
        ink &= keep
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if not (10 <= h <= 60 and 1.2 * h <= w <= 8 * h):
            continue
        if not _framed(ink, x, y, w, h) or _grid_cell(ink, x, y, w, h):
            continue
        inner = ink[y + 2:y + h - 2, x + 2:x + w - 2]
        if inner.size == 0 or not 0.04 <= inner.mean() <= 0.6:  # empty grid cells, filled blocks
            continue
        b = (x + 1, y + 1, x + w - 1, y + h - 1)
        if not any(_iou(b, f) > 0.5 for f in found):
            found.append(b)
    return found


def _grid_cell(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Whether the rectangle's sides run on past its corners (a grid's cell; a label's box stands alone):
    more than 5 of the 8 stubs 2-6 px out from the corners, along the sides, inked (lines crossing near a
    corner ink a few)."""
    H, W = ink.shape
    x1, y1 = x + w - 1, y + h - 1
    n = 0
    for cy in (y, y1):  # the top and bottom sides, continued left and right
        for a, b in ((x - 6, x - 2), (x1 + 3, x1 + 7)):
            seg = ink[max(0, cy - 1):cy + 2, max(0, a):min(W, b)]
            n += bool(seg.size) and seg.any(axis=0).mean() >= 0.75
    for cx in (x, x1):  # the left and right sides, continued up and down
        for a, b in ((y - 6, y - 2), (y1 + 3, y1 + 7)):
            seg = ink[max(0, a):min(H, b), max(0, cx - 1):cx + 2]
            n += bool(seg.size) and seg.any(axis=1).mean() >= 0.75
    return n > 5


def _framed(ink: np.ndarray, x: int, y: int, w: int, h: int, cover: float = 0.85) -> bool:
    """All four sides of the rectangle are drawn (each inked along `cover` of its length, within 1 px);
    text touching the frame inside, or lines running into it outside, do not matter."""
    H, W = ink.shape

    def side(a0, a1, b0, b1):
        seg = ink[max(0, a0):min(H, a1), max(0, b0):min(W, b1)]
        return seg.size > 0 and min(seg.any(axis=0).mean() if seg.shape[1] > seg.shape[0] else
                                    seg.any(axis=1).mean(), 1.0) >= cover

    return (side(y - 1, y + 2, x, x + w) and side(y + h - 2, y + h + 1, x, x + w)
            and side(y, y + h, x - 1, x + 2) and side(y, y + h, x + w - 2, x + w + 1))


def _areas(a, b) -> tuple:
    """(intersection, area of a, area of b) of two boxes (x0, y0, x1, y1)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy, (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])


def _overlap_frac(a, b) -> float:
    """The share of the smaller of two boxes that the other covers."""
    inter, area_a, area_b = _areas(a, b)
    return inter / max(min(area_a, area_b), 1e-9)


def _iou(a, b) -> float:
    inter, area_a, area_b = _areas(a, b)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def _merged(first: list, second: list, share: float = 0.3) -> list:
    """Candidates of `first`, then those of `second` whose box is not mostly (`share` of the smaller box)
    covered by one of `first`'s: where both read a label, the first reading stays."""
    return first + [(tb, v) for tb, v in second if not any(_overlap_frac(tb.box, o.box) > share for o, _ in first)]


def legend_entries(cands: list) -> list:
    """Indices of candidates stacked like a legend: 3 or more labels left-aligned in a column (within 0.8
    of a text height), evenly spaced; or 4 or more right-aligned, as gnuplot's key prints them before
    their line samples (within 0.35 of a text height: labels along a line of inline boxes or a surge
    line end near one another by chance)."""
    if len(cands) < 3:
        return []
    boxes = np.array([tb.box for tb, _ in cands], float)
    h = np.median(boxes[:, 3] - boxes[:, 1])
    order = np.argsort(boxes[:, 1])
    best = []
    for i, edge in ((i, e) for e in (0, 2) for i in order):
        col = [j for j in order if abs(boxes[j, edge] - boxes[i, edge]) <= (0.8 if edge == 0 else 0.35) * h]
        # consecutive entries no further apart than 2.5 line heights
        run, runs = [col[0]], []
        for a, b in zip(col[:-1], col[1:]):
            if boxes[b, 1] - boxes[a, 1] <= 2.5 * h:
                run.append(b)
            else:
                runs.append(run)
                run = [b]
        runs.append(run)
        cand = max(runs, key=len)
        if len(cand) > len(best) and (edge == 0 or len(cand) >= 4):
            best = cand
    return [int(j) for j in best] if len(best) >= 3 else []


def _legend_of(cands: list, curves: list) -> list:
    """:func:`legend_entries`, unless the column's labels sit at the curves' ends."""
    legend = legend_entries(cands)
    return [] if legend and _at_curve_ends(cands, legend, curves) else legend


def _at_curve_ends(cands: list, entries: list, curves: list) -> bool:
    """Whether most of a column of labels sit at curve ends (within two text heights of the box): labels
    along a steep surge line or choke tails stack like a legend, but a legend's rows do not touch ends."""
    curves = [c for c in curves if not _in_region(c, _legend_region(cands, entries))]  # (the legend's own strokes)
    if not curves:
        return False
    ends = np.array([c.pixels[k] for c in curves for k in (0, -1)], float)
    near = 0
    for j in entries:
        x0, y0, x1, y1 = cands[j][0].box
        h = max(y1 - y0, 4)
        dx = np.maximum(0, np.maximum(x0 - ends[:, 0], ends[:, 0] - x1))
        dy = np.maximum(0, np.maximum(y0 - ends[:, 1], ends[:, 1] - y1))
        near += bool((np.hypot(dx, dy) <= 2 * h).any())
    return near > 0.5 * len(entries)


def _legend_region(cands: list, entries: list) -> tuple:
    """The box round a legend's entries and their line samples (up to five text heights either side of
    the texts, half a text height above and below)."""
    b = np.array([cands[j][0].box for j in entries], float)
    h = float(np.median(b[:, 3] - b[:, 1]))
    return b[:, 0].min() - 5 * h, b[:, 1].min() - 0.5 * h, b[:, 2].max() + 5 * h, b[:, 3].max() + 0.5 * h


def _in_region(curve, box: tuple, share: float = 0.8) -> bool:
    """Whether `share` of a curve's pixels lie inside `box` (x0, y0, x1, y1)."""
    p = curve.pixels
    inside = (p[:, 0] >= box[0]) & (p[:, 0] <= box[2]) & (p[:, 1] >= box[1]) & (p[:, 1] <= box[3])
    return bool(inside.mean() >= share)


def _stacked_pair(cands: list) -> list:
    """Indices of two candidates stacked like legend rows (left-aligned, one line apart), else []."""
    for i in range(len(cands)):
        for j in range(len(cands)):
            a, b = cands[i][0].box, cands[j][0].box
            h = max(a[3] - a[1], b[3] - b[1], 4)
            if i != j and abs(a[0] - b[0]) <= 0.5 * h and 0.8 * h <= (b[1] + b[3] - a[1] - a[3]) / 2 <= 1.6 * h:
                return [i, j]
    return []


def complete_legend(img: np.ndarray, cands: list, legend: list, max_slots: int = 40, plot_box=None) -> tuple:
    """Read the legend rows the text detector missed: (candidates, legend indices), both extended.

    The rows of a legend share a column and a pitch, so the missing ones (between found rows, and
    above and below them until two slots in a row hold no speed) are read at their predicted place
    with the recogniser alone. The detector often merges closely stacked rows into one box, or skips
    rows whose line sample touches the text. A row below the plot frame (a tick label), whose value is
    far from the rows found (under a quarter of the smallest, over 4x the largest) or one already
    listed (a row read twice) ends the column."""
    if len(legend) < 2:
        return cands, legend
    boxes = np.array([cands[j][0].box for j in legend], float)
    order = np.argsort(boxes[:, 1] + boxes[:, 3])
    boxes = boxes[order]
    h = float(np.median(boxes[:, 3] - boxes[:, 1]))
    yc = (boxes[:, 1] + boxes[:, 3]) / 2
    steps = np.diff(yc)
    if h < 4 or len(steps) == 0 or steps.min() < 0.8 * h:
        return cands, legend
    pitch = float(steps.min())
    if np.any(np.abs(steps / pitch - np.round(steps / pitch)) > 0.2):  # rows off the grid: no legend
        return cands, legend
    # rows start where most found rows start (a detected box can take the line sample in with the text)
    x0, x1 = float(np.median(boxes[:, 0])) - 0.2 * h, float(boxes[:, 2].max()) + 1.5 * h
    H = img.shape[0]
    ks = np.round((yc - yc[0]) / pitch).astype(int)
    rows = dict(zip(ks.tolist(), yc.tolist()))  # row index -> centre, refined as rows are found
    lo, hi = min(cands[j][1] for j in legend), max(cands[j][1] for j in legend)
    seen = {cands[j][1] for j in legend}
    cands, legend = list(cands), list(legend)

    def centre(k):  # rows drift from a fixed pitch (rounded layout): fit the rows found so far
        if len(rows) >= 2:
            kk, cc = np.array(list(rows.keys())), np.array(list(rows.values()))
            a, b = np.polyfit(kk, cc, 1)
            return a * k + b
        return yc[0] + k * pitch

    def read(k):
        c = centre(k)
        box = (x0, c - 0.5 * pitch, x1, c + 0.5 * pitch)
        if box[1] < 0 or box[3] > H:
            return None
        box = _text_extent(img, box, h)
        if box is None:
            return None
        tb = read_crops(img, [box])[0]
        v = parse_speed(tb.text) if tb.score >= 0.6 else None
        if v is None or not lo / 4 <= v <= 4 * hi or (plot_box is not None and (box[1] + box[3]) / 2 > plot_box[3]):
            return None
        if v in seen:  # a legend lists a speed once: a row found again (its box drifted onto it)
            return None
        rows[k] = (box[1] + box[3]) / 2
        seen.add(v)
        return TextBox(tb.text, box, tb.score), v

    new = [f for f in (read(k) for k in range(1, int(ks[-1])) if k not in rows) if f is not None]  # inner gaps
    for direction, start in ((-1, 0), (1, int(ks[-1]))):
        misses, k = 0, start
        while misses < 2 and len(new) + len(legend) < max_slots:
            k += direction
            f = read(k)
            if f is None:
                misses += 1
            else:
                misses = 0
                new.append(f)
    for f in new:
        legend.append(len(cands))
        cands.append(f)
    return cands, legend


def _drop_flat_strokes(ink: np.ndarray, h: float) -> np.ndarray:
    """Ink without flat horizontal pieces (line samples, dashes, rules): lower than a third of the text
    height, more than twice as wide as high and wider than 0.8 of the text height (an '=' stays)."""
    import cv2

    n, lab, st, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    flat = [i for i in range(1, n) if st[i, cv2.CC_STAT_HEIGHT] <= max(2, 0.3 * h)
            and st[i, cv2.CC_STAT_WIDTH] > max(2 * st[i, cv2.CC_STAT_HEIGHT], 0.8 * h)]  # not '=' or '-' in text
    return ink & ~np.isin(lab, flat) if flat else ink


def _text_ink(crop: np.ndarray):
    """Dark print in a small crop around text (50 grey levels under its paper), or None when it is empty."""
    g = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(float)
    if g.size == 0:
        return None
    return g < min(200.0, np.percentile(g, 90) - 50)


def _text_extent(img: np.ndarray, box: tuple, h: float):
    """The text in a legend row's slot: the band of inked rows nearest the slot's middle, then the run of
    inked columns that starts at the slot's left end (characters and words apart by less than half the text
    height), so that neither the neighbouring rows nor a legend's frame are read with it."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, x1, y0, y1 = max(0, x0), min(img.shape[1], x1), max(0, y0), min(img.shape[0], y1)
    pad = min(x0, int(np.ceil(h)))  # look further left, to see a line sample whole
    ink = _text_ink(img[y0:y1, x0 - pad:x1])
    if ink is None or ink.shape[1] <= pad:
        return None
    ink = _drop_flat_strokes(ink, h)[:, pad:]  # a legend's line sample often ends right before its text
    rows = _runs(np.flatnonzero(ink.any(axis=1)), 1)
    if not rows:
        return None
    mid = (y1 - y0) / 2
    ra, rb = min(rows, key=lambda r: 0 if r[0] <= mid <= r[1] else min(abs(r[0] - mid), abs(r[1] - mid)))
    cols = _runs(np.flatnonzero(ink[ra:rb + 1].any(axis=0)), max(2, int(0.5 * h)))
    ca, cb = cols[0]
    return (x0 + ca, y0 + ra, x0 + cb + 1, y0 + rb + 1)


def assign_labels(img: np.ndarray, curves: list, cands: list, plot_box=None) -> list:
    """Curves with speed and speed_label filled in where a label is found (same order as given).

    A legend (a column of labels) is matched by colour, or by order when all lines look alike; on a map
    with no legend of three or more entries, labels go to the curve whose end or line is nearest
    (Hungarian matching, within reach)."""
    if not curves or not cands:
        return curves
    legend = _legend_of(cands, curves)  # labels stacked at the curves' surge or choke ends are no legend
    if legend:
        cands, legend = complete_legend(img, cands, legend, plot_box=plot_box)
    else:  # two rows of small print read out of a longer legend: a legend only if more rows are read
        pair = _stacked_pair(cands)
        if pair:
            more, rows = complete_legend(img, cands, pair, plot_box=plot_box)
            if len(rows) >= 3 and not _at_curve_ends(more, rows, curves):  # no stack along the surge line
                cands, legend = more, rows
    pairs = _legend_pairs(img, curves, cands, legend) if legend else {}
    # a map with a legend names its curves there: other readings in the plot are an efficiency island's
    # or a note's ('68%' and '72' inside an island, where the legend's entries could not be paired)
    rest = [] if len(legend) >= 3 else [j for j in range(len(cands)) if j not in legend]
    free = [i for i in range(len(curves)) if i not in pairs]
    size = max(img.shape[:2])
    reach = 0.06 * size
    cost = np.full((len(free), len(rest)), np.inf)
    on_line = np.zeros((len(free), len(rest)), bool)  # the curve runs through the middle of the label's box
    trees = {i: cKDTree(curves[i].pixels) for i in free}
    for jj, j in enumerate(rest):
        tb = cands[j][0]
        x0, y0, x1, y1 = tb.box
        h = max(y1 - y0, 4)
        cx, cy = tb.centre
        corners = np.array([[cx, cy], [x0, cy], [x1, cy], [cx, y0], [cx, y1]])
        for ii, i in enumerate(free):
            ends = curves[i].pixels[[0, -1]]
            d_end = np.min(np.hypot(*(corners[:, None, :] - ends[None, :, :]).transpose(2, 0, 1)))
            d_pts = trees[i].query(corners)[0]
            d_line = d_pts.min()
            d = min(d_end, d_line + 0.5 * h)  # on the line (inline box) or at an end
            on_line[ii, jj] = d_pts[0] <= 0.3 * h  # through its middle (the centre), not a corner
            if d <= reach:
                cost[ii, jj] = d / h

    def match(c, skip):  # Hungarian matching of free curves (rows) to remaining labels (columns) within reach
        return {free[i]: rest[j] for i, j in _match_or_skip(c, skip)}

    if np.isfinite(cost).any():
        # first, nearest ends and lines; a label set on a line (a curve runs through its box's middle)
        # names a curve through it there, not one at whose end it also sits: matching every label would
        # otherwise shift them along by one curve when a curve is missing
        through = on_line.any(axis=0)
        first = match(np.where(on_line | ~through[None, :], cost, np.inf), np.inf)
        # labels mostly set on their lines are placed along them, not at one offset from an end
        again = _same_offset_cost(curves, cands, first, free, rest, reach) if through.mean() < 0.6 else None
        # with one placement known (labels at one end of their curves, whatever crosses them), a label or
        # curve stays unmatched rather than pair two text heights off it (an unread label would otherwise
        # shift its neighbours' labels along by one curve)
        pairs.update(match(again, 1.0) if again is not None else first)
        if again is not None:
            # a label its curve runs through the middle of names it, wherever it is placed; and so does a
            # label printing 'rpm' or 'k' that the order places between the curve's named neighbours (its
            # curve cut short, or the label set further off than the others)
            taken = set(pairs.values())
            for i, j in first.items():
                if i not in pairs and j not in taken and on_line[free.index(i), rest.index(j)]:
                    pairs[i] = j
                    taken.add(j)
            for i, j in _order_fill(cands, pairs, [j for j in rest if j not in taken]):
                if i in free and np.isfinite(cost[free.index(i), rest.index(j)]):
                    pairs[i] = j
    return _labelled(curves, cands, pairs)


def _order_fill(cands: list, pairs: dict, left: list) -> list:
    """Labels left unpaired that the order places: between two curves named k apart (curves are ordered
    lowest first) with k - 1 unnamed curves between them, exactly k - 1 left labels whose values lie
    between the two names go to those curves in order. Only labels printing the unit most of the paired
    labels print, 'rpm' or 'k' (no efficiency island prints those). [(curve, candidate)]"""
    kinds = Counter(_unit_kind(cands[k][0].text) for k in pairs.values())
    kind = kinds.most_common(1)[0][0] if kinds else None
    if kind not in ("rpm", "k"):
        return []
    left = [j for j in left if _unit_kind(cands[j][0].text) == kind]
    named = sorted(pairs)
    out = []
    for a, b in zip(named, named[1:]):
        va, vb = cands[pairs[a]][1], cands[pairs[b]][1]
        between = sorted((j for j in left if va < cands[j][1] < vb), key=lambda j: cands[j][1])
        if b - a > 1 and len(between) == b - a - 1:
            out += list(zip(range(a + 1, b), between))
    return out


def _match_or_skip(cost: np.ndarray, skip: float) -> list:
    """Minimum-cost matching of rows to columns where leaving a row or a column unmatched costs `skip`
    (a pair is made only where it is cheaper than leaving both out): one unread label must not shift
    its neighbours' labels along, nor a stray reading take a curve. [(row, column)]"""
    n, m = cost.shape
    c = np.where(np.isfinite(cost), cost, 1e6)
    if np.isfinite(skip):
        big = np.full((n + m, m + n), 1e6)
        big[:n, :m] = c
        big[:n, m:][np.diag_indices(n)] = skip
        big[n:, :m][np.diag_indices(m)] = skip
        big[n:, m:] = 0.0
        c = big
    r, k = linear_sum_assignment(c)
    return [(int(i), int(j)) for i, j in zip(r, k) if i < n and j < m and np.isfinite(cost[i, j])]


def _labelled(curves: list, cands: list, pairs: dict) -> list:
    """The curves with the speed and text of their candidate ({curve index: candidate index})."""
    out = list(curves)
    for i, j in pairs.items():
        tb, v = cands[j]
        out[i] = replace(out[i], speed=v, speed_label=tb.text.strip())
    return out


def _same_offset_cost(curves: list, cands: list, pairs: dict, free: list, rest: list, reach: float):
    """Costs for a second matching when the labels sit at one end of their curves with one offset (a
    plotting program places them all alike: the bottom-right corner up-left of the surge end, the top
    centre under the choke end): the distance of each label's anchor point, moved back by that offset,
    to each curve's end, in text heights.

    The anchor (a corner, an edge's middle or the centre of the text box: texts read with or without
    their words differ in width, not in where they are anchored) and the offset (that anchor minus a
    curve end, within 3 text heights) are the pair that brings the most labels within 0.6 text heights
    of an end of one kind, at least 3 and most of the first matching's pairs; the offset is refined to
    the median over those labels. None when there is no such placement. Crowded labels then go to their
    own curve, not a neighbour's when one label is missing."""
    if len(pairs) < 3 or not rest:
        return None
    B = np.array([cands[j][0].box for j in rest], float)
    h = float(np.median(np.maximum(B[:, 3] - B[:, 1], 4)))
    xs = (B[:, 0], (B[:, 0] + B[:, 2]) / 2, B[:, 2])
    ys = (B[:, 1], (B[:, 1] + B[:, 3]) / 2, B[:, 3])
    anchors = [np.column_stack([x, y]) for x in xs for y in ys]
    best = None
    for k in (0, -1):
        E = np.array([curves[i].pixels[k] for i in free], float)
        for C in anchors:
            V = (C[:, None, :] - E[None, :, :]).reshape(-1, 2)
            V = V[np.hypot(*V.T) <= 3 * h]
            for o in V:
                D = np.hypot(*((C - o)[:, None, :] - E[None, :, :]).transpose(2, 0, 1))
                hit = D.min(axis=1) <= 0.6 * h
                key = (int(hit.sum()), -float(np.hypot(*o)))  # most labels, then the nearest placement
                if best is None or key > best[0]:
                    best = (key, k, C, o, hit)
    if best is None or best[0][0] < 3 or best[0][0] < 0.6 * len(pairs):
        return None
    _, k, C, o, hit = best
    E = np.array([curves[i].pixels[k] for i in free], float)
    D = np.hypot(*((C - o)[:, None, :] - E[None, :, :]).transpose(2, 0, 1))
    near = D.argmin(axis=1)
    o = np.median(C[hit] - E[near[hit]], axis=0)  # refined on the labels it explains
    D = np.hypot(*((C - o)[:, None, :] - E[None, :, :]).transpose(2, 0, 1)).T  # curves x labels
    # a label read without its words ('32000' of 'n=32000 rpm', more than a text height narrower than the
    # placed ones) has its anchor corner elsewhere; its centre is placed nearly alike
    w = B[:, 2] - B[:, 0]
    odd = np.abs(w - np.median(w[hit])) > h
    if odd.any():
        M = anchors[4]  # the centres
        oc = np.median(M[hit] - E[near[hit]], axis=0)
        Dc = np.hypot(*((M - oc)[:, None, :] - E[None, :, :]).transpose(2, 0, 1)).T
        D[:, odd] = np.minimum(D[:, odd], Dc[:, odd])
    return np.where(D <= min(reach, 3 * h), D / h, np.inf)


def _colour_votes(patch: np.ndarray, cols: np.ndarray, near: float = 40.0) -> np.ndarray:
    """For each curve colour, how many pixels of a legend entry's patch have (nearly) that colour."""
    p = patch.reshape(-1, 3).astype(float)
    p = p[p.mean(axis=1) < 235]  # paper
    if len(p) == 0:
        return np.zeros(len(cols))
    d = np.linalg.norm(p[:, None, :] - cols[None, :, :], axis=2)
    # each pixel votes for the curve colour(s) nearest to it (curves of one colour all get the vote)
    vote = (d <= near) & (d <= d.min(axis=1, keepdims=True) + 10.0)
    return vote.sum(axis=0).astype(float)


def _reading_order(cands: list, legend: list) -> list:
    """Legend entries row by row (a row: centres within 0.6 of a text height), left to right in a row."""
    js = sorted(legend, key=lambda j: cands[j][0].centre[1])
    h = float(np.median([cands[j][0].box[3] - cands[j][0].box[1] for j in js])) if js else 0.0
    row, rows, last = 0, {}, None
    for j in js:
        cy = cands[j][0].centre[1]
        if last is not None and cy - last > 0.6 * h:
            row += 1
        rows[j], last = row, cy
    return sorted(js, key=lambda j: (rows[j], cands[j][0].centre[0]))


def _dash_pattern(grey: np.ndarray, xy: np.ndarray, paper: float, step: float = 0.5, reach: int = 2) -> tuple | None:
    """How a stroke is dashed along the path `xy` (px) on the grey image: (share of its length inked, mean
    length of its inked runs in px, log of the ratio of their 90th to 10th percentile lengths: a
    dash-dot line's runs come in two lengths, a dashed one's in one). Darkness below the `paper` grey
    level is taken at each half
    pixel along the path, the darkest within `reach` px across it (a fitted path wanders off its ink by
    a pixel or two; the gaps between dots stay open), inked where over half the stroke's own darkness.
    None for a path under 12 px or too faint to measure."""
    xy = np.asarray(xy, float)
    if len(xy) < 2:
        return None
    s = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    if s[-1] < 12:
        return None
    t = np.arange(0.0, s[-1], step)
    q = np.column_stack([np.interp(t, s, xy[:, 0]), np.interp(t, s, xy[:, 1])])
    d = np.gradient(q, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    H, W = grey.shape
    dark = np.zeros(len(q))
    for k in range(-reach, reach + 1):
        p = np.round(q + k * n).astype(int)
        dark = np.maximum(dark, paper - grey[np.clip(p[:, 1], 0, H - 1), np.clip(p[:, 0], 0, W - 1)])
    level = float(np.percentile(dark, 90))
    if level < 30:
        return None
    on = dark > 0.5 * level
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    runs = (edges[1::2] - edges[::2]) * step
    if len(runs) >= 4:  # the runs cut by the path's ends say nothing of the pattern's lengths
        runs = runs[1:-1]
    if len(runs) == 0:
        return float(on.mean()), 0.0, 0.0
    return float(on.mean()), float(runs.mean()), float(np.log(np.percentile(runs, 90) / np.percentile(runs, 10)))


def _style_pairs(img: np.ndarray, curves: list, cands: list, entries: list) -> dict | None:
    """Legend entries paired with curves by line style, for a legend of black or grey lines told apart by
    their dashes ('-', '--', ':', '-.'): each entry's sample (the darkest row beside its text, left or
    right) and each curve are measured by :func:`_dash_pattern`, and pairs that keep both orders (curves
    lowest first, entries in speed order) are made where the patterns agree most (`_ordered_pairs`).
    None when the entries do not differ in style (all solid, or no samples found)."""
    grey = img.mean(axis=2) if img.ndim == 3 else img.astype(float)
    H, W = grey.shape
    paper = float(np.percentile(grey[::4, ::4], 90))
    pats = []
    for j in entries:
        x0, y0, x1, y1 = cands[j][0].box
        h = max(y1 - y0, 4)
        ya, yb = int(max(0, (y0 + y1) / 2 - 0.4 * h)), int(min(H, (y0 + y1) / 2 + 0.4 * h + 1))
        best = None
        for xa, xb in ((x0 - 4 * h, x0 - 2), (x1 + 2, x1 + 4 * h)):
            xa, xb = int(max(0, xa)), int(min(W, xb))
            if xb - xa < 12 or yb <= ya:
                continue
            ink = (paper - grey[ya:yb, xa:xb]) > 40
            ink[:, ink.mean(axis=0) > 0.6] = False  # a legend frame's side, a grid column
            row = int(np.argmax(ink.sum(axis=1)))
            cols = np.flatnonzero(ink[row])
            if len(cols) < 3:
                continue
            groups = np.split(cols, np.flatnonzero(np.diff(cols) > 6) + 1)  # the sample: the longest group
            cols = max(groups, key=lambda g: g[-1] - g[0])
            if cols[-1] - cols[0] < 12:
                continue
            span = np.array([[cols[0], ya + row], [cols[-1], ya + row]], float) + [xa, 0]
            pat = _dash_pattern(grey, span, paper)
            if pat is not None and (best is None or np.ptp(cols) > best[0]):
                best = (np.ptp(cols), pat)
        pats.append(best[1] if best else None)
    if sum(p is not None for p in pats) < 0.8 * len(entries):
        return None
    dashed = [p[0] < 0.85 for p in pats if p is not None]
    if all(dashed) or not any(dashed):
        return None
    cpats = [_dash_pattern(grey, c.pixels, paper) for c in curves]

    def near(a, b):
        if a is None or b is None:
            return 0.0
        run = np.log(np.clip(a[1], 0.5, 30.0) / np.clip(b[1], 0.5, 30.0))  # (a solid sample is one short run)
        d = abs(a[0] - b[0]) / 0.2 + abs(run) / 0.6 + abs(a[2] - b[2]) / 2.0
        return max(0.0, 1.0 - d / 2.0)
    order = _row_order(cands, entries)
    gain = np.array([[near(cp, pats[order[j]]) for j in range(len(entries))] for cp in cpats])
    return {int(i): int(entries[order[j]]) for i, j in _ordered_pairs(gain)}


def _legend_pairs(img, curves, cands, legend) -> dict:
    cols = np.array([_curve_colour(img, c.pixels) for c in curves])
    distinct = cols.std(axis=0).max() > 25
    entries = _reading_order(cands, legend)
    if (np.ptp(cols, axis=1) < 40).all() and len(entries) != len(curves):
        # black and grey lines: a legend tells them apart by their dashes, if at all
        by_style = _style_pairs(img, curves, cands, entries)
        if by_style is not None:
            return by_style
    if distinct:
        V = _sample_votes(img, cands, entries, cols)  # curves x entries
        share = V / np.maximum(V.sum(axis=0, keepdims=True), 1)
        r, k = linear_sum_assignment(-share)
        order = _row_order(cands, entries)
        if len(entries) == len(curves):
            # a legend lists every curve: speed order (curves are ordered lowest first) wins unless the
            # colours clearly say otherwise (a repeating colour cycle, thin dotted samples)
            if share[np.arange(len(curves)), order].sum() >= 0.8 * share[r, k].sum():
                return {i: int(entries[order[i]]) for i in range(len(curves))}
        else:
            # more curves than entries (a line in pieces) or fewer (one not found): pairs that keep both
            # orders and agree in colour, which tells apart the curves of a colour cycle that repeats
            lengths = np.array([len(c.pixels) for c in curves], float)
            weight = 0.5 + 0.5 * np.minimum(1.0, lengths / max(np.median(lengths), 1.0))  # pieces count less
            mono = _ordered_pairs(np.where(V >= 3, share, 0.0)[:, order] * weight[:, None])
            if mono and sum(share[i, order[j]] for i, j in mono) >= 0.8 * share[r, k][V[r, k] >= 3].sum():
                return {int(i): int(entries[order[j]]) for i, j in mono}
        pairs = {int(i): int(entries[j]) for i, j in zip(r, k) if V[i, j] >= 3}
        # curves that share a colour (a colour cycle that repeats) cannot be told apart by it: give
        # their entries out in speed order (curves are ordered lowest first)
        done = set()
        for i in sorted(pairs):
            if i in done:
                continue
            group = [g for g in sorted(pairs) if np.linalg.norm(cols[g] - cols[i]) < 30]
            done.update(group)
            if len(group) > 1:
                vals = sorted((pairs[g] for g in group), key=lambda j: cands[j][1])
                pairs.update(dict(zip(group, vals)))
        return pairs
    # same colour everywhere: pair in speed order when the counts agree (curves are ordered lowest first),
    # or with the one set of that many curves that runs like a map's speedlines
    family = list(range(len(curves))) if len(entries) == len(curves) else _speedline_family(curves, len(entries))
    if family:
        order = _row_order(cands, entries)
        return {i: int(entries[order[r]]) for r, i in enumerate(family)}
    return {}


def _speedline_family(curves: list, k: int, most: int = 5000) -> list:
    """The only `k` of the curves (ordered lowest first) whose surge ends and choke ends both move right
    (within 1 % of the curves' width) from each curve to the next: a map's speedlines start further along
    the surge line and choke at more flow as speed rises, an efficiency island's arc drawn in their ink
    starts and ends inside the map. [] when no set or more than one does (or more than `most` sets would
    have to be tried)."""
    from itertools import combinations
    from math import comb

    n = len(curves)
    if not 2 <= k < n or comb(n, k) > most:
        return []
    xs = np.array([[c.pixels[0][0], c.pixels[-1][0]] for c in curves], float)
    tol = 0.01 * float(np.ptp(np.vstack([c.pixels for c in curves])[:, 0]))
    found = [s for s in combinations(range(n), k) if (np.diff(xs[list(s)], axis=0) >= -tol).all()]
    return list(found[0]) if len(found) == 1 else []


def _sample_votes(img: np.ndarray, cands: list, entries: list, cols: np.ndarray) -> np.ndarray:
    """Colour votes of the legend entries' line samples: (curves x entries). A sample sits left of its
    entry's text (or inside the detected box, when the detector took sample and text as one), or right
    of it (gnuplot's key): pixels there vote for the curve colour they are nearest to. The right side is
    taken when its votes, entries paired one to one with curves, outnumber the left side's by half (the
    left window also takes in curves passing by a legend without a box)."""
    def votes(right: bool) -> np.ndarray:
        out = []
        for j in entries:
            x0, y0, x1, y1 = cands[j][0].box
            h = max(y1 - y0, 4)
            xa, xb = (x0, x1 + 5 * h) if right else (x0 - 5 * h, x1)
            xa, xb = int(max(0, xa)), int(min(img.shape[1], xb))
            yc = (y0 + y1) / 2
            ya, yb = int(max(0, yc - 0.35 * h)), int(min(img.shape[0], yc + 0.35 * h + 1))
            out.append(_colour_votes(img[ya:yb, xa:xb], cols))
        return np.array(out).T

    def paired(v):
        r, k = linear_sum_assignment(-v)
        return v[r, k].sum()
    left, right = votes(False), votes(True)
    return right if paired(right) > 1.5 * paired(left) else left


def _ordered_pairs(gain: np.ndarray) -> list:
    """Pairs (row, column) that keep both orders (row and column indices rise together) with the most
    total gain; a pair is made only where its gain is positive. [(row, column)], rows rising."""
    n, m = gain.shape
    f = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            pair = f[i - 1, j - 1] + gain[i - 1, j - 1] if gain[i - 1, j - 1] > 0 else -np.inf
            f[i, j] = max(f[i - 1, j], f[i, j - 1], pair)
    out, i, j = [], n, m
    while i > 0 and j > 0:
        if f[i, j] == f[i - 1, j]:
            i -= 1
        elif f[i, j] == f[i, j - 1]:
            j -= 1
        else:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return out[::-1]


def _row_order(cands: list, entries: list) -> np.ndarray:
    """Legend entries (sorted top to bottom) in speed order: legends list speedlines in order, rising
    down or up the column, so the rows' order is kept and a misread value cannot move its row (the
    misread is caught later as out of order)."""
    vals = [cands[j][1] for j in entries]
    ups = sum(b > a for a, b in zip(vals, vals[1:]))
    downs = sum(b < a for a, b in zip(vals, vals[1:]))
    rows = np.arange(len(entries))
    return rows if ups >= downs else rows[::-1]


def _prints_percent(texts) -> bool:
    """Whether a map's speed labels print '%' (two of the texts or more)."""
    return sum("%" in t for t in texts) >= 2


def _percent_read_as_nine(text: str) -> float | None:
    """On a map that prints '%', the value of a reading whose '%' was read as a 9 ('829' for '82%'), or
    None when the text does not end so."""
    m = re.fullmatch(r"(\d{1,3})\s?9", text.strip())
    return float(m.group(1)) if m else None


def enforce_order(curves: list) -> list:
    """Speeds rise with the curves (lowest first): swap two neighbours' values read in reverse
    (:func:`_swap_crossed`), drop values that break the order (where the map's labels print their mark, a
    bare number first), fill one gap if clear.

    On a map whose labels print '%', a number ending in a 9 without one and above twice the others'
    median is read without the 9 ('829' for '82%': the % sign read as a 9)."""
    curves = list(curves)
    if _prints_percent(c.speed_label or "" for c in curves):
        for i, c in enumerate(curves):
            v = _percent_read_as_nine(c.speed_label or "")
            others = [o.speed for k, o in enumerate(curves) if k != i and o.speed is not None]
            if c.speed is not None and v is not None and others and c.speed > 2 * np.median(others):
                curves[i] = replace(c, speed=v)  # '109' beside '105' stays
    vals = [c.speed for c in curves]
    read = [v for v in vals if v is not None]
    if len(read) >= 3:  # one scale on a map: a value 10x off the median is a misread (labels run together)
        med = float(np.median(read))
        vals = [None if v is not None and not med / 10 <= v <= 10 * med else v for v in vals]
        curves = [replace(c, speed=None, speed_label=None) if v is None and c.speed is not None else c
                  for c, v in zip(curves, vals)]
    curves, vals = _swap_crossed(curves, vals)
    idx = [i for i, v in enumerate(vals) if v is not None]
    if len(idx) == 1 and len(curves) >= 4 and not _MARKED.search(curves[idx[0]].speed_label or ""):
        # one bare number among many curves is no evidence of a labelled map: an efficiency island's '78'
        # read at the end of a line that stops in the island
        i = idx[0]
        curves[i] = replace(curves[i], speed=None, speed_label=None)
        return curves
    if len(idx) < 2:
        return curves
    # heaviest strictly increasing subsequence of the read values; on a map whose labels print their
    # mark ('70%', 'N = 0.7'), a bare number counts less (an island's '78' beside a line's '70%')
    texts = [curves[i].speed_label or "" for i in idx]
    marked = [bool(_MARKED.search(t)) for t in texts]
    bare_weight = 0.75 if sum(marked) >= max(2, len(idx) / 2) else 1.0
    weight = [1.0 if m else bare_weight for m in marked]
    best_len, prev = list(weight), [-1] * len(idx)
    for a in range(len(idx)):
        for b in range(a):
            if vals[idx[b]] < vals[idx[a]] and best_len[b] + weight[a] > best_len[a] + 1e-9:
                best_len[a], prev[a] = best_len[b] + weight[a], b
    k = int(np.argmax(best_len))
    keep = set()
    while k >= 0:
        keep.add(idx[k])
        k = prev[k]
    out = [c if (c.speed is None or i in keep) else replace(c, speed=None, speed_label=None) for i, c in enumerate(curves)]
    # fill a single missing value between two read neighbours with equal steps around it: all steps
    # equal, or the steps next to it on both sides equal to the labels' last printed digit (0.36, 0.41,
    # -, 0.51, 0.56, 0.6: even speeds printed rounded)
    for i in range(1, len(out) - 1):
        if out[i].speed is None and out[i - 1].speed is not None and out[i + 1].speed is not None:
            lo, hi = out[i - 1].speed, out[i + 1].speed
            steps = [out[k + 1].speed - out[k].speed for k in range(len(out) - 1)
                     if out[k].speed is not None and out[k + 1].speed is not None]
            even = bool(steps) and np.allclose(steps, steps[0], rtol=0.05) and np.isclose(hi - lo, 2 * steps[0], rtol=0.05)
            if even or _evenly_spaced_here(out, i):
                v = round((lo + hi) / 2, 6)
                out[i] = replace(out[i], speed=v, speed_label=None, speed_inferred=True)
    return _mend_one_digit(curves, out)


def _evenly_spaced_here(out: list, i: int) -> bool:
    """Whether the two read values on each side of curve i step alike, and their gap over curve i is two
    such steps, to within one unit of the last digit the labels print, and the middle of that gap is a
    value they could print (170, -, 191 around steps of 11 and 10 would give 180.5: no)."""
    if i < 2 or i + 2 >= len(out) or any(out[k].speed is None for k in (i - 2, i - 1, i + 1, i + 2)):
        return False
    a, b, c, d = (out[k].speed for k in (i - 2, i - 1, i + 1, i + 2))
    decimals = max(len(f"{v:g}".partition(".")[2]) for v in (a, b, c, d))
    unit = 10.0 ** -decimals * (1 + 1e-6)  # (a hair over: float steps of one unit compare as equal)
    middle = (b + c) / 2 * 10 ** decimals  # in units of the last printed digit
    below, above = b - a, d - c
    printable = abs(middle - round(middle)) < 1e-3
    return below > 0 and printable and abs(below - above) <= unit and abs((c - b) - (below + above)) <= unit


def _swap_crossed(curves: list, vals: list) -> tuple:
    """Two neighbouring curves whose labels are read in reverse order ('57000' on the lower, '54000' on the
    upper: crowded labels at the surge ends, a curve's start reaching into its neighbour's label) swap
    them, where both print one unit ('rpm', 'k', '%': an island's bare '78' beside a line's '70%' is no
    crossed label) and that puts both in order with the nearest read values on either side (at least
    one): dropping one of the two would lose both. (curves, values)"""
    curves, vals = list(curves), list(vals)
    idx = [i for i, v in enumerate(vals) if v is not None]
    for k, (a, b) in enumerate(zip(idx, idx[1:])):
        kind = _unit_kind(curves[a].speed_label or "")
        if b != a + 1 or vals[a] <= vals[b] or kind is None or _unit_kind(curves[b].speed_label or "") != kind:
            continue
        lo = vals[idx[k - 1]] if k >= 1 else None
        hi = vals[idx[k + 2]] if k + 2 < len(idx) else None
        if (lo is not None or hi is not None) and (lo is None or lo < vals[b]) and (hi is None or vals[a] < hi):
            ca, cb = curves[a], curves[b]
            curves[a] = replace(ca, speed=cb.speed, speed_label=cb.speed_label, speed_inferred=cb.speed_inferred)
            curves[b] = replace(cb, speed=ca.speed, speed_label=ca.speed_label, speed_inferred=ca.speed_inferred)
            vals[a], vals[b] = vals[b], vals[a]
    return curves, vals


def _mend_one_digit(read: list, out: list) -> list:
    """A reading that broke the order and was dropped, one digit off the value its neighbours' even spacing
    gives its curve ('20000' where 16000 ... 26000 step 2000 give 28000: an 8 read as a 0), takes that
    value, marked inferred (its text read stays its label). The spacing: three or more consecutive curves
    next to it read with equal steps."""
    for i, (r, o) in enumerate(zip(read, out)):
        if r.speed is None or o.speed is not None:
            continue
        for side in (-1, 1):
            run = []  # the read values next to curve i on this side, nearest first
            k = i + side
            while 0 <= k < len(out) and out[k].speed is not None and not out[k].speed_inferred:
                run.append(out[k].speed)
                k += side
            steps = np.diff(run)
            if len(run) < 3 or not np.allclose(steps, steps[0], rtol=0.02) or steps[0] == 0:
                continue
            v = round(float(run[0] - steps[0]), 6)  # one step on from the nearest, towards curve i
            below = [c.speed for c in out[:i] if c.speed is not None]
            above = [c.speed for c in out[i + 1:] if c.speed is not None]
            in_order = all(u < v for u in below) and all(v < u for u in above)
            if v > 0 and in_order and _one_digit_apart(f"{v:g}", f"{r.speed:g}"):
                out[i] = replace(o, speed=v, speed_label=r.speed_label, speed_inferred=True)
                break
    return out


def _one_digit_apart(a: str, b: str) -> bool:
    """Whether two printed numbers differ in exactly one digit, same length ('28000' / '20000')."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def split_merged(img, cands: list) -> list:
    """Two neighbouring labels read as one number ('68' and '73' as '6873'): a value far above the others
    whose box has a blank gap near its middle is read again as two halves; the halves that read as
    speeds of the map's scale replace it.

    img: the image, or a function that makes it (called only when a reading looks like two)."""
    vals = [v for _, v in cands]
    if len(vals) < 3:
        return cands
    out = []
    for k, (tb, v) in enumerate(cands):
        med = float(np.median(vals[:k] + vals[k + 1:]))
        digits = tb.text.replace(" ", "")
        if not (v > 8 * med and digits.isdigit() and len(digits) >= 4):
            out.append((tb, v))
            continue
        if callable(img):
            img = img()
        x0, y0, x1, y1 = (int(round(q)) for q in tb.box)
        ink = _text_ink(img[max(0, y0):y1 + 1, max(0, x0):x1 + 1])
        if ink is None:
            out.append((tb, v))
            continue
        ink &= ~(ink.mean(axis=0) >= 0.9)[None, :]  # a line crossing the box top to bottom (a grid column)
        cols = _runs(np.flatnonzero(ink.any(axis=0)), 1)
        w = ink.shape[1]
        gaps = [(b0 - a1, a1, b0) for (_, a1), (b0, _) in zip(cols, cols[1:]) if 0.25 * w <= (a1 + b0) / 2 <= 0.75 * w]
        if not gaps:
            out.append((tb, v))
            continue
        _, a1, b0 = max(gaps)
        halves = []
        for c0, c1 in ((0, a1 + 1), (b0, w)):  # each half cut to its own ink (the two may sit at other heights)
            rows = np.flatnonzero(ink[:, c0:c1].any(axis=1))
            r0, r1 = (int(rows[0]), int(rows[-1])) if len(rows) else (0, ink.shape[0] - 1)
            halves.append((x0 + c0, y0 + r0, x0 + c1 - 1, y0 + r1))
        got = []
        for h in read_crops(img, halves, pad=2):
            hv = parse_speed(h.text)
            if hv is not None and h.score >= 0.6 and med / 4 <= hv <= 4 * med:
                got.append((TextBox(h.text, h.box, h.score), hv))
        out.extend(got if got else [(tb, v)])
    return out


_STROKE_CHARS = "1lI|!/\\[]()"


def _extended(xy: np.ndarray, reach: float, span: int = 6) -> np.ndarray:
    """A path with both ends carried on `reach` px along their direction (a fitted curve stops a few px
    short of its stroke's end), as points about 1 px apart."""
    xy = np.asarray(xy, float)
    if len(xy) < 2:
        return xy
    k = min(span, len(xy) - 1)
    ends = []
    for a, b in ((xy[k], xy[0]), (xy[-1 - k], xy[-1])):
        d = b - a
        n = float(np.hypot(*d))
        ends.append(b + d / n * reach if n > 0 else b)
    xy = np.vstack([ends[0], xy, ends[1]])
    s = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    t = np.linspace(0.0, s[-1], max(2, int(np.ceil(s[-1])) + 1))
    return np.column_stack([np.interp(t, s, xy[:, 0]), np.interp(t, s, xy[:, 1])])


def strip_strokes(img: np.ndarray, cands: list, curves: list, side: float = 0.3, width: float = 2.0) -> list:
    """Labels printed against a curve's stroke ('0.5' at a choke tail's foot read as '10.5'): a reading
    with a curve running upright through the outer `side` of its box (a line through the whole label is
    an inline label's own), whose first or last character could be that stroke, is read again from its
    box cut short of the curve (carried on past its fitted end; cuts 2 px either side of where the fit
    puts the stroke). A new reading that is the old one less that character replaces it when it lies
    nearer the labels' median (taking the new readings): a '110%' among '90%' labels whose own 1 stands
    by a stroke stays."""
    if not curves:
        return cands
    new = [_without_stroke(img, tb, curves, side, width) for tb, _ in cands]
    vals = [n[1] if n else v for (_, v), n in zip(cands, new)]
    med = float(np.median(vals)) if vals else 1.0
    return [n if n and abs(np.log(n[1] / med)) < abs(np.log(v / med)) else (tb, v)
            for (tb, v), n in zip(cands, new)]


def _without_stroke(img: np.ndarray, tb: TextBox, curves: list, side: float, width: float):
    """(TextBox, value) of a label read again without the curve stroke at its first or last character
    (:func:`strip_strokes`), or None."""
    text = tb.text.strip()
    x0, y0, x1, y1 = tb.box
    w, reach = x1 - x0, 0.5 * (y1 - y0) + 2
    if len(text) < 2 or not (text[:1] in _STROKE_CHARS or text[-1:] in _STROKE_CHARS):
        return None
    pts = np.vstack([_extended(c.pixels, reach) for c in curves])
    inside = pts[(pts[:, 1] >= y0) & (pts[:, 1] <= y1) & (pts[:, 0] >= x0 - 4) & (pts[:, 0] <= x1 + 4)]
    lq, rq = inside[inside[:, 0] <= x0 + side * w], inside[inside[:, 0] >= x1 - side * w]  # outer strips
    h = y1 - y0

    def upright(q):  # a stroke crossing the text upright (a choke tail), not a line through it (inline)
        return len(q) > 0 and np.ptp(q[:, 0]) <= h + width and np.ptp(q[:, 1]) >= 0.4 * h
    left = text[:1] in _STROKE_CHARS and upright(lq)
    right = text[-1:] in _STROKE_CHARS and upright(rq)
    want = (text[1:] if left else text)[:-1 if right else None].strip()
    nv = parse_speed(want) if (left or right) else None
    if nv is None:
        return None
    # the box cut to start (end) past the stroke, where the fitted curve puts it give or take 2 px
    cut0 = float(lq[:, 0].max()) + width / 2 + 0.5 if left else x0
    cut1 = float(rq[:, 0].min()) - width / 2 - 0.5 if right else x1
    boxes = [(max(x0, cut0 + d) if left else x0, y0, min(x1, cut1 - d) if right else x1, y1)
             for d in (-2, -1, 0, 1, 2, 3)]
    got = [a for a in read_crops(img, [b for b in boxes if b[2] - b[0] >= 0.4 * w], pad=0) if a.text.strip() == want]
    return (TextBox(want, tb.box, max(a.score for a in got)), nv) if got else None


def erase_curves(img: np.ndarray, curves: list, width: int = 3) -> np.ndarray:
    """A copy of the image with the curves' strokes painted over in the paper's colour (a speedline
    through its own label, or a neighbour's, spoils the reading)."""
    import cv2

    if not curves:
        return img
    mask = np.zeros(img.shape[:2], np.uint8)
    for c in curves:
        p = np.round(np.asarray(c.pixels, float)).astype(np.int32).reshape(-1, 1, 2)
        if len(p) >= 2:
            cv2.polylines(mask, [p], False, 255, thickness=width)
    paper = np.median(img.reshape(-1, img.shape[-1]) if img.ndim == 3 else img.ravel(), axis=0)
    out = img.copy()
    out[mask > 0] = paper
    return out


def erase_grid(img: np.ndarray, plot_box=None, cover: float = 0.5) -> np.ndarray:
    """A copy of the image with its dark grid rows and columns filled in from around them (inpainted): rows
    (columns) of the plot frame's inside where ink 40 grey levels darker than its background spans `cover` of
    its width (height) or more, with their antialiased neighbours (a major grid line through a label
    spoils it as a speedline does; white lines on a grey panel are no ink here)."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = (0, 0, W, H) if plot_box is None else (int(round(v)) for v in plot_box)
    x0, y0, x1, y1 = max(0, x0 + 2), max(0, y0 + 2), min(W, x1 - 1), min(H, y1 - 1)  # inside the spines
    if x1 - x0 < 20 or y1 - y0 < 20:
        return img
    crop = img[y0:y1, x0:x1]
    g = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(float)
    paper = float(np.median(g[::3, ::3]))  # the frame's background (a subsample: the median is slow)
    ink = g < paper - 40
    rows, cols = np.flatnonzero(ink.mean(axis=1) >= cover), np.flatnonzero(ink.mean(axis=0) >= cover)
    if not len(rows) and not len(cols):
        return img
    faint = g < paper - 15  # the line's antialiased rows beside it
    line = np.zeros(ink.shape, bool)
    for r in rows:
        line[max(0, r - 1):r + 2] |= faint[max(0, r - 1):r + 2]
    for c in cols:
        line[:, max(0, c - 1):c + 2] |= faint[:, max(0, c - 1):c + 2]
    import cv2

    # filled in from around (digits crossed by the line keep their strokes), not painted over; band by
    # band (a few rows or columns each, with 4 px of context), not the whole page: 0.29 -> 0.08 s at 1900 px
    mask = np.zeros((H, W), np.uint8)
    mask[y0:y1, x0:x1] = line.astype(np.uint8) * 255
    out = np.ascontiguousarray(img if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)).copy()
    bands = [(slice(max(0, y0 + a - 5), min(H, y0 + b + 6)), slice(x0, x1)) for a, b in _runs(rows, 3)]
    bands += [(slice(y0, y1), slice(max(0, x0 + a - 5), min(W, x0 + b + 6))) for a, b in _runs(cols, 3)]
    for ys, xs in bands:
        out[ys, xs] = cv2.inpaint(np.ascontiguousarray(out[ys, xs]), np.ascontiguousarray(mask[ys, xs]), 2,
                                  cv2.INPAINT_TELEA)
    return out if img.ndim == 3 else out[..., 0]


def _on_scale(cands: list, factor: float = 4.0) -> list:
    """The readings within `factor` of their median value, when four or more were read and three quarters
    of them lie within 2x of it: one map prints speeds of one scale (0.4-1.1, 40-110 %, 30,000-120,000
    rpm), and a misread off it ('4%' for '94 %', '11' inside two crossing dashed lines) would take a curve
    from the label that names it. (Readings of two scales, rpm labels among an efficiency island's '%'
    labels, are all kept: the median does not tell which scale names the curves. On a map that prints
    '%', '709' stays: its '%' was read as a 9, which :func:`enforce_order` mends.)"""
    if len(cands) < 4:
        return cands
    vals = np.array([v for _, v in cands], float)
    med = float(np.median(vals))
    if ((vals >= med / 2) & (vals <= 2 * med)).mean() < 0.75:
        return cands
    pct = _prints_percent(tb.text for tb, _ in cands)

    def on(tb, v):
        alt = _percent_read_as_nine(tb.text) if pct else None  # '709': '70%' (see enforce_order)
        return any(med / factor <= u <= factor * med for u in (v, v if alt is None else alt))

    return [(tb, v) for tb, v in cands if on(tb, v)]


_UNIT_KINDS = (("rpm", re.compile(r"rpm|RPM|r/min|U/min|1/min")), ("k", re.compile(r"\d\s*[kK]\b")),
               ("%", re.compile("%")))


def _unit_kind(text: str) -> str | None:
    """The unit a label prints ('rpm', 'k' or '%'), or None for a bare number."""
    return next((k for k, pat in _UNIT_KINDS if pat.search(text)), None)


def _n_speeds(cands: list) -> int:
    """How many candidates may name speedlines: those within 10x of the median value (one scale on a map;
    an efficiency island's '65%' among '30000 rpm' labels does not count); where most readings print 'rpm'
    or 'k', those alone (an island's '85%' and '83' among '74 krpm' labels do not count either)."""
    if len(cands) < 3:
        return len(cands)
    kinds = Counter(_unit_kind(tb.text) for tb, _ in cands)
    kind, n = max(((k, n) for k, n in kinds.items() if k), key=lambda kn: kn[1], default=(None, 0))
    if n >= 3 and n > len(cands) / 2 and kind != "%":
        return n
    med = float(np.median([v for _, v in cands]))
    return sum(med / 10 <= v <= 10 * med for _, v in cands)


def read_speed_labels(img: np.ndarray, curves: list, plot_box=None) -> list:
    """Attach speeds to curves (OCR); curves keep their order, but for strokes traced inside a legend (its
    line samples and frame in large print: four fifths of their pixels round its entries), which are
    dropped.

    The image is read at its own size first; while labels are missing, again scaled up (small print)
    and once more with the curves painted out and the grid lines inpainted (a line through a label).
    Readings off the map's scale take no curve (:func:`_on_scale`), nor do a colour bar's tick labels
    (:func:`off_colour_bar`). Two labels read as one are split on the painted-out copy (a curve's tail
    between them hides the gap). Before labels are matched to curves, a curve's stroke read as a first
    or last character of a label it touches is dropped (:func:`strip_strokes`). When at most half the
    curves got a label, a legend under the plot (:func:`legend_below`) is looked for too."""
    copy = []

    def erased():  # made once, and only when a reading needs it
        if not copy:
            copy.append(erase_grid(erase_curves(img, curves), plot_box))
        return copy[0]
    bar = colour_bar(img, plot_box)  # its tick labels are no speeds (found once, on the image as it is)

    def read(image, upscale=False):
        return off_colour_bar(candidate_labels(image, plot_box, upscale), bar)
    cands = read(img)
    if _n_speeds(cands) < len(curves):  # small print: read again scaled up; those readings win where both read
        cands = _merged(read(img, upscale=True), cands)
    if _n_speeds(cands) < len(curves):
        # read again with the curves painted out: a line through a label (its own, a neighbour's) spoils it;
        # labels on their line (inline) vanish there, so the first readings are kept
        cands = _merged(cands, read(erased(), upscale=True))
    cands = split_merged(erased, cands)
    legend = _legend_of(cands, curves)
    if legend:  # strokes traced inside a legend (its samples and frame, large print) are no speedlines
        region = _legend_region(cands, legend)
        curves = [c for c in curves if not _in_region(c, region)]
    if _n_speeds(cands) < len(curves) and not legend:  # (the curves dropped above do not change it)
        cands = cands + boxed_labels(img, cands, plot_box)
    if _n_speeds(cands) < len(curves) and not _legend_of(cands, curves):
        cands = cands + labels_near_ends(img, curves, cands, plot_box)
    out = assign_labels(img, curves, _on_scale(strip_strokes(img, cands, curves)), plot_box)
    n_read = sum(c.speed is not None for c in out)
    in_plot = not _legend_of(cands, curves)  # labels set by the curves, no legend beside them
    if n_read <= len(curves) // 2 and in_plot:  # a legend under the plot names more
        below = legend_below(img, plot_box)
        pairs = _legend_pairs(img, curves, below, list(range(len(below)))) if below else {}
        if len(pairs) > n_read:
            out = _labelled(curves, below, pairs)
    if in_plot:  # a label in its curve's colour that black print crosses
        out = labels_in_colour(img, out, cands, plot_box)
    return enforce_order(out)
