"""Mask -> curves: skeleton, graph, instances, spline fit, clipping to the plot box, calibration.

This is the stage users with their own segmenter (or a clean vector plot) call directly.
"""
from __future__ import annotations

import time

import numpy as np

from .calibrate import Calibration
from .fit import fit_path
from .instances import InstanceParams, find_instances, path_length, share_near
from .result import Curve
from .skeleton import binarize, build_graph, skeletonize


RELATIVE_MIN_LENGTH = 0.2  # of the longest curve's length
MIN_LENGTH = 0.06  # of the plot's larger side: shorter pieces are fragments (grid, R-lines, text), not speedlines


def line_width(mask: np.ndarray, skel: np.ndarray) -> float:
    """Mean stroke width of a mask in px (area / skeleton length)."""
    n = int(skel.sum())
    return float(mask.sum()) / n if n else 1.0


def default_params(shape: tuple, width: float, plot_box=None) -> InstanceParams:
    """Gap, spur and length limits scaled to the image (or plot box) size and stroke width."""
    size = max(shape)
    plot = max(plot_box[2] - plot_box[0], plot_box[3] - plot_box[1]) if plot_box is not None else size
    return InstanceParams(spur_length=max(6.0, 2.5 * width), max_gap=max(48.0, 0.08 * size),
                          min_length=max(12.0, MIN_LENGTH * plot), merge_distance=max(3.0, 1.5 * width),
                          tangent_span=int(max(16, min(40, 6 * width))))


def bridge_dashes(m: np.ndarray, max_radius: int = 4) -> np.ndarray:
    """Join the pieces of dashed or dotted strokes: many short components -> dilation.

    The smallest radius that merges most pieces is used (a closing would not bridge a gap in a
    stroke thinner than its kernel; the skeleton of the dilated mask runs through the stroke's middle).
    Solid strokes are left as they are.
    """
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
    if n <= 1:
        return m
    sizes = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    if n - 1 < 40 or np.median(sizes) > 20:
        return m
    u8 = m.astype(np.uint8)
    for r in range(1, max_radius + 1):
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        closed = cv2.dilate(u8, k)
        n2 = cv2.connectedComponents(closed, connectivity=8)[0]
        if n2 - 1 <= 0.25 * (n - 1):
            return closed.astype(bool)
    return closed.astype(bool)


def clip_to_box(xy: np.ndarray, box, margin: float = 2.0) -> list:
    """Parts of a path inside the plot box (shapely), each still ordered like the input."""
    from shapely.geometry import LineString, MultiLineString, box as sbox

    x0, y0, x1, y1 = box
    inside = (xy[:, 0] >= x0 - margin) & (xy[:, 0] <= x1 + margin) & (xy[:, 1] >= y0 - margin) & (xy[:, 1] <= y1 + margin)
    if inside.all():
        return [xy]
    if len(xy) < 2:
        return []
    g = LineString(xy).intersection(sbox(x0 - margin, y0 - margin, x1 + margin, y1 + margin))
    parts = list(g.geoms) if isinstance(g, MultiLineString) else ([g] if isinstance(g, LineString) and not g.is_empty else [])
    return [np.asarray(p.coords) for p in parts if len(p.coords) > 1]


def curves_from_mask(mask: np.ndarray, calibration: Calibration | None = None, *, plot_box=None,
                     params: InstanceParams | None = None, timings: dict | None = None,
                     image: np.ndarray | None = None) -> list:
    """Speedline curves from a speedline mask (bool, 0/255 or probability), ordered lowest speedline first.

    With the map `image`, pieces that lie on a grid line drawn across the plot are dropped too, curve
    ends that run on along one are trimmed, and lines are cut at and joined across the label boxes drawn
    on them (`labels.text_frames`).
    """
    t = time.perf_counter()
    m = binarize(mask)
    if plot_box is None and calibration is not None:
        plot_box = calibration.plot_box
    cal = calibration or Calibration.pixels(m.shape[0])
    tilt = frame_tilt(cal)
    if plot_box is not None:  # nothing outside the frame, nor on the frame's own lines, is a speedline
        x0, y0, x1, y1 = (int(round(v)) for v in plot_box)
        edge = max(2, int(round(0.003 * max(m.shape))))
        inside = np.zeros_like(m)
        if abs(tilt) < 0.15:
            inside[max(0, y0 + edge):max(0, y1 - edge + 1), max(0, x0 + edge):max(0, x1 - edge + 1)] = True
        else:  # a rotated scan's frame: the box is the upright frame about its centre (`Calibration.from_box`)
            import cv2

            from .calibrate import rotate_points

            box = np.array([[x0 + edge, y0 + edge], [x1 - edge, y0 + edge], [x1 - edge, y1 - edge],
                            [x0 + edge, y1 - edge]], float)
            poly = rotate_points(box, -tilt, ((x0 + x1) / 2, (y0 + y1) / 2))
            inside = cv2.fillPoly(inside.astype(np.uint8), [np.round(poly).astype(np.int32)], 1).astype(bool)
        m = m & inside
    m = bridge_dashes(m)
    skel = skeletonize(m)
    t1 = time.perf_counter()
    graph = build_graph(skel)
    width = line_width(m, skel)
    params = params or default_params(m.shape, width, plot_box)
    frames = []
    if image is not None:  # label boxes drawn on the lines: the pieces either side are joined across them
        from .labels import text_frames

        frames = text_frames(image, plot_box)
    grey = None
    if image is not None:  # grey once: the grid checks read single rows and columns of it
        grey = image.mean(axis=2) if image.ndim == 3 else image
    paths = find_instances(graph, params, frames, mask=m, image=image, grey=grey)
    t2 = time.perf_counter()
    if image is not None:
        colour, image = image, grey
        paper = float(np.percentile(image[::4, ::4], 90))
    curves = []
    for p in paths:
        fitted = fit_path(p)
        parts = clip_to_box(fitted, plot_box) if plot_box is not None else [fitted]
        for q in parts:
            if image is not None:
                q = trim_pale_ends(trim_grid_ends(q, image, plot_box), image, paper)
            if path_length(q) < 0.5 * params.min_length:  # (under min_length: only a low speedline's)
                continue
            v = cal.to_data(q)
            curves.append(Curve(v[:, 0], v[:, 1], q))
    curves = [c for c in curves if not is_grid_line(c.pixels, m.shape, plot_box, tilt) and not bends_upward(c.pixels)]
    if plot_box is not None and abs(tilt) >= 0.15:
        curves = [c for c in curves if not along_frame(c.pixels, plot_box, tilt, edge)]
    if image is not None and curves:
        upright, to_upright = image, (lambda xy: xy)
        if plot_box is not None and abs(tilt) >= 0.15:  # a rotated scan: its grid runs along the frame
            upright, to_upright = _upright(grey, tilt, plot_box)
        up = [to_upright(c.pixels) for c in curves]
        curves = [c for c, q in zip(curves, up) if not on_grid_line(q, upright, plot_box)
                  and not grid_corner(q, upright, plot_box)
                  and not on_fill_edge(c.pixels, colour, offset=width / 2 + 2)]
    w = (plot_box[2] - plot_box[0]) if plot_box is not None else m.shape[1]
    if curves:  # pieces far shorter than the longest speedline are fragments (R-lines, grid, text) ...
        lengths = [path_length(c.pixels) for c in curves]
        least = max(params.min_length, RELATIVE_MIN_LENGTH * max(lengths))
        short = [c for c, n in zip(curves, lengths) if n < least]
        curves = [c for c, n in zip(curves, lengths) if n >= least]
        # ... unless they continue the map's sequence of speedlines below its lowest one
        curves += low_speedlines(short, curves, w)
    if image is not None and colour.ndim == 3 and len(curves) >= 4:
        odd = off_colour([c.pixels for c in curves], colour)
        curves = [c for k, c in enumerate(curves) if k not in odd]
    if len(curves) >= 3:
        inside = starts_inside([c.pixels for c in curves], max(10.0, 0.02 * w))
        curves = [c for k, c in enumerate(curves) if k not in inside]
        across = crosses_from_inside([c.pixels for c in curves], max(10.0, 0.02 * w))
        curves = [c for k, c in enumerate(curves) if k not in across]
    if len(curves) >= 3:
        cols = None
        if image is not None and colour.ndim == 3:
            from .labels import _curve_colour

            cols = np.array([_curve_colour(colour, c.pixels) for c in curves])
        between = starts_between([c.pixels for c in curves], max(10.0, 0.02 * w), cols)
        curves = [c for k, c in enumerate(curves) if k not in between]
    curves.sort(key=_position_key)
    t3 = time.perf_counter()
    if timings is not None:
        timings.update(skeleton=t1 - t, instances=t2 - t1, fit=t3 - t2)
    return curves


def off_colour(paths: list, image: np.ndarray, same: float = 50.0, apart: float = 120.0, least: int = 3,
               share: float = 0.4, twin: float = 20.0) -> set:
    """Indices of coloured paths among black speedlines: where `least` or more paths, and `share` of them
    all, are drawn in one black or dark grey ink (channels within 40 of each other, 110 or darker on
    average, all within `same` of their median, RGB distance), paths in a saturated colour (spread over
    80) more than `apart` from it are efficiency contours, a surge line or R-lines (a colour-mapped
    contour plot under black speedlines), unless `least` or more of those share one colour of their own
    (within `twin`: a second set of speedlines, measured and computed; a colour map's neighbouring
    contour levels differ by more). Maps with a colour per speedline have no such group, and black lines
    among coloured ones are kept (the coloured ones may be the speedlines)."""
    from .labels import _curve_colour

    cols = np.array([_curve_colour(image, p) for p in paths])
    # black or dark grey (a scan dulls a colour cycle to greys 50-60 in spread and 80-120 in lightness)
    dark = (np.ptp(cols, axis=1) <= 40) & (cols.mean(axis=1) <= 110)
    if dark.sum() < max(least, share * len(paths)):
        return set()
    ref = np.median(cols[dark], axis=0)
    if (np.linalg.norm(cols[dark] - ref, axis=1) >= same).any():  # several greys: no one ink
        return set()
    far = [k for k in range(len(paths)) if np.linalg.norm(cols[k] - ref) > apart and np.ptp(cols[k]) > 80]
    twins = np.linalg.norm(cols[:, None] - cols[None], axis=2) < twin
    return {k for k in far if twins[k, far].sum() < least}


def _arc_length(xy: np.ndarray) -> np.ndarray:
    """Arc length of a path at each of its points, from its start (px)."""
    return np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]


def _at_arc_length(xy: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The points of a path (arc lengths `s` at its points) at arc lengths `t`, linearly interpolated."""
    return np.column_stack([np.interp(t, s, xy[:, 0]), np.interp(t, s, xy[:, 1])])


def net_turn(xy: np.ndarray, samples: int = 60) -> float:
    """Net turning of a path in degrees, counter-clockwise positive as seen on the page (image rows
    grow downwards), from the direction at its start to that at its end (resampled by arc length)."""
    xy = np.asarray(xy, float)
    if len(xy) < 3:
        return 0.0
    s = _arc_length(xy)
    if s[-1] <= 0:
        return 0.0
    q = _at_arc_length(xy, s, np.linspace(0.0, s[-1], samples)) * [1.0, -1.0]  # y up
    a = np.unwrap(np.arctan2(*np.diff(q, axis=0).T[::-1]))
    return float(np.degrees(a[-1] - a[0]))


def bends_upward(xy: np.ndarray, max_turn: float = 25.0) -> bool:
    """A path from its surge end that turns counter-clockwise by more than `max_turn` degrees: the lower
    arc of an efficiency island, never a speedline. Speedlines run flat and fall into their choke
    tails, turning clockwise: all 682 truth speedlines of 80 synthetic maps turn -23 to -167 degrees,
    the 91 of the research's 13 real samples -152 to 0."""
    return net_turn(xy) > max_turn


def starts_inside(paths: list, margin: float) -> set:
    """Indices of paths that start inside the map: another path, which starts further left and higher,
    passes more than `margin` px left of their start at its height. Speedlines start on the surge line,
    the map's left edge: a lower speedline ends below the next one's start, a higher one starts to its
    right; the upper arc of an efficiency island starts between speedlines, right of a higher one's
    choke tail. No truth speedline of 80 synthetic maps (625) or of the 13 real samples (91) does."""
    out = set()
    for i, p in enumerate(paths):
        sx, sy = p[0]
        for j, q in enumerate(paths):
            if j == i or not (q[0][0] < sx - margin and q[0][1] < sy):
                continue
            row = q[np.abs(q[:, 1] - sy) <= 1.5]
            if len(row) and (row[:, 0] < sx - margin).any():
                out.add(i)
                break
    return out


def starts_between(paths: list, tol: float, colours: np.ndarray | None = None, same: float = 40.0) -> set:
    """Indices of paths that start more than `tol` px right of the line through the surge ends, not
    falling by more than 25 degrees over their first 20 px, between two paths that start further left
    and run above and below that start: the upper arc of an efficiency island drawn in the speedlines'
    own ink starts inside the map between two speedlines, near its top (and passes under the higher
    speedline, so :func:`starts_inside` misses it; arcs of six such maps started at -11 to +21
    degrees). A speedline starts on the surge line, where the next higher one has not begun yet; the
    choke tail of one whose flat part was lost (-40 degrees on a style-sheet map) is kept, and so is a
    path drawn in another ink than its nearest neighbours above and below (`colours`, RGB, one a path:
    more than `same` apart) and half as long as the median path or longer (a pale dotted speedline
    whose first half was lost among solid ones, on a generator map; the arcs of small green islands
    among coloured speedlines were a fifth to two fifths of it). Without colours every such path goes."""
    if len(paths) < 3:
        return set()
    starts = np.array([p[0] for p in paths], float)
    centre, normal = _surge_line(starts, tol, consensus=True)
    right = (starts - centre) @ normal
    arcs = [_arc_length(p) for p in paths]
    lengths = np.array([a[-1] for a in arcs])
    out = set()
    for i in np.argsort(-right):
        if right[i] <= tol:
            break
        p = paths[i]
        k = min(len(p) - 1, int(np.searchsorted(arcs[i], 20.0)))
        dx, dy = p[k] - p[0]
        if k == 0 or np.degrees(np.arctan2(-dy, dx)) < -25.0:  # (rows grow downwards)
            continue
        sx, sy = starts[i]
        above = below = None
        for j, q in enumerate(paths):
            if j == i or j in out or q[0][0] >= sx - tol:
                continue
            col = q[np.abs(q[:, 0] - sx) <= 1.5, 1]
            up, down = col[col < sy - tol / 2], col[col > sy + tol / 2]
            if len(up) and (above is None or sy - up.max() < above[0]):
                above = (sy - up.max(), j)  # the nearest path above ...
            if len(down) and (below is None or down.min() - sy < below[0]):
                below = (down.min() - sy, j)  # ... and below
        if above is None or below is None:
            continue
        if colours is None or lengths[i] < 0.5 * np.median(lengths) or max(
                np.linalg.norm(colours[i] - colours[above[1]]), np.linalg.norm(colours[i] - colours[below[1]])) < same:
            out.add(int(i))
    return out


def low_speedlines(short: list, curves: list, width: float, near: float = 4.0) -> list:
    """The short pieces (Curves) that are the map's lowest speedlines: low speeds run short, from low on the
    surge line into an early choke tail. A piece is one when it starts on the line through the other
    speedlines' surge ends (within 1.5 % of the plot's width, or three times their own scatter), beyond
    the lowest of them by at most 2.5 times their spacing, runs right and falls into a choke tail (its end
    lower than its start by 15 % of its length: R-lines and the surge line rise, grid pieces run flat,
    text starts anywhere) and is no strand of a longer curve (a fifth of it or more within `near` px of
    one)."""
    from scipy.spatial import cKDTree

    if len(curves) < 3 or not short:
        return []
    tree = cKDTree(np.vstack([c.pixels for c in curves]))
    starts = np.array([c.pixels[0] for c in curves], float)
    centre, normal = _surge_line(starts, 0.015 * width)
    direction = np.array([normal[1], -normal[0]])
    if direction[1] < 0:  # pointing down the page, towards lower speeds
        direction = -direction
    along = np.sort((starts - centre) @ direction)
    spacing = float(np.median(np.diff(along)))
    tol = max(3.0 * float(np.median(np.abs((starts - centre) @ normal))), 0.015 * width, 4.0)
    last, out = along[-1], []
    for t, c in sorted(((float((c.pixels[0] - centre) @ direction), c) for c in short), key=lambda tc: tc[0]):
        p = c.pixels
        off = abs(float((p[0] - centre) @ normal))
        falls = p[-1, 0] > p[0, 0] and p[-1, 1] - p[0, 1] >= 0.15 * path_length(p)
        strand = share_near(tree, p, near) >= 0.2
        if off <= tol and last < t <= last + 2.5 * max(spacing, 1.0) and falls and not strand:
            out.append(c)
            last = t
    return out


def _surge_line(starts: np.ndarray, tol: float, rounds: int = 3, consensus: bool = False) -> tuple:
    """The line through the speedlines' surge ends: (a point on it, its unit normal pointing right). The
    start furthest off it, when more than `tol` px, is left out and the line fitted again (an island
    arc's start lies right of it), up to `rounds` times and never below three starts.

    `consensus` (with five starts or more): only the starts within `tol` of the line through two of them
    that holds the most are fitted. A third of the starts can be islands' arcs, enough to pull a fit
    through all of them off the surge line; but a curved surge line's upper starts fall outside the
    best straight line's band (seed-999 map 3), so only :func:`starts_between`, which asks for a start
    between two other paths as well, uses it."""
    keep = np.ones(len(starts), bool)
    if consensus and len(starts) >= 5:
        best = (0, 0.0)
        for i in range(len(starts)):
            for j in range(i + 1, len(starts)):
                d = starts[j] - starts[i]
                n = np.hypot(*d)
                if n < 1.0:
                    continue
                off = np.abs((starts - starts[i]) @ (np.array([-d[1], d[0]]) / n))
                inl = off <= tol
                if (inl.sum(), -off[inl].sum()) > best:
                    best, keep = (int(inl.sum()), -float(off[inl].sum())), inl
        if keep.sum() < 3:
            keep = np.ones(len(starts), bool)
    for _ in range(rounds + 1):
        centre = starts[keep].mean(axis=0)
        direction = np.linalg.svd(starts[keep] - centre)[2][0]
        normal = np.array([-direction[1], direction[0]])
        normal = normal if normal[0] >= 0 else -normal
        off = np.where(keep, np.abs((starts - centre) @ normal), -1.0)
        worst = int(np.argmax(off))
        if keep.sum() <= 3 or off[worst] <= tol:
            break
        keep[worst] = False
    return centre, normal


def crosses_from_inside(paths: list, tol: float, end_gap: float = 4.0) -> set:
    """Indices of paths that cross another path and start more than `tol` px right of the line through the
    surge ends, and further right of it than the path they cross: the arcs of an efficiency island (and
    stray pieces that start inside the map) cross the speedlines; speedlines do not cross one another.
    Touching near either path's end is no crossing."""
    from shapely.geometry import LineString

    if len(paths) < 3:
        return set()
    starts = np.array([p[0] for p in paths], float)
    centre, normal = _surge_line(starts, tol)
    right = (starts - centre) @ normal
    lines = [LineString(p) if len(p) >= 2 else None for p in paths]
    out = set()
    for i in np.argsort(-right):
        if right[i] <= tol or lines[i] is None:
            break
        for j, other in enumerate(lines):
            if j == i or j in out or other is None or right[j] >= right[i] - tol:
                continue
            hit = lines[i].intersection(other)
            if hit.is_empty:
                continue
            pts = np.array([g.coords[0] for g in getattr(hit, "geoms", [hit])], float)
            ends = np.array([paths[i][0], paths[i][-1], paths[j][0], paths[j][-1]], float)
            if (np.hypot(*(pts[:, None, :] - ends[None]).transpose(2, 0, 1)).min(axis=1) > end_gap).any():
                out.add(int(i))
                break
    return out


def frame_tilt(cal: Calibration) -> float:
    """The angle (degrees, image y down) of the x axis in the image: 0 for an upright frame, the turn of a
    rotated scan's frame otherwise (along it the y value does not change)."""
    a, b = cal.A[1]
    return float(np.degrees(np.arctan(-a / b))) if b != 0 else 0.0


def _straightness(xy: np.ndarray, tilt: float = 0.0) -> tuple:
    """(chord length, largest distance of a point from the chord, the chord's angle to the frame's x axis
    folded to 0..90 degrees: 0 along x, 90 along y) of a path; `tilt` is the frame's angle in the image."""
    if len(xy) < 2:
        return 0.0, 0.0, 0.0
    length, dev = _chord_offsets(xy)
    if length == 0:
        return 0.0, 0.0, 0.0
    chord = xy[-1] - xy[0]
    ang = (np.degrees(np.arctan2(chord[1], chord[0])) - tilt) % 180.0
    return length, float(dev.max()), float(min(ang, 180.0 - ang))


def _chord_offsets(xy: np.ndarray) -> tuple:
    """(chord length, each point's distance from the chord) of a path; all distances 0 for a closed path."""
    chord = xy[-1] - xy[0]
    length = float(np.hypot(*chord))
    if length == 0:
        return 0.0, np.zeros(len(xy))
    return length, np.abs((xy[:, 0] - xy[0, 0]) * chord[1] - (xy[:, 1] - xy[0, 1]) * chord[0]) / length


def along_frame(xy: np.ndarray, plot_box, tilt: float, edge: float) -> bool:
    """A straight piece running along a side of a rotated frame, however short: its spine, left inside the
    plot mask where the detected box (the bounds of the spines' ends, or the upright frame about its
    centre) and the turned frame part by up to the frame's extent times the sine of its tilt."""
    x0, y0, x1, y1 = plot_box
    length, dev, ang = _straightness(xy, tilt)
    if length == 0 or dev > max(1.5, 0.01 * length):
        return False
    sin = abs(np.sin(np.radians(tilt)))
    if ang < 1.5:  # along the bottom or top side
        near, slack = xy[:, 1].mean(), edge + 3 + (x1 - x0) * sin
        return bool(min(abs(near - y0), abs(near - y1)) <= slack)
    if ang > 88.5:  # along the left or right side
        near, slack = xy[:, 0].mean(), edge + 3 + (y1 - y0) * sin
        return bool(min(abs(near - x0), abs(near - x1)) <= slack)
    return False


def is_grid_line(xy: np.ndarray, shape: tuple, plot_box=None, tilt: float = 0.0) -> bool:
    """A straight, axis-parallel line across much of the plot: a grid or frame line, never a speedline.
    `tilt`: the frame's own angle in the image (`frame_tilt`; a rotated scan's spines and grid lean)."""
    x0, y0, x1, y1 = plot_box if plot_box is not None else (0, 0, shape[1] - 1, shape[0] - 1)
    length, dev, ang = _straightness(xy, tilt)
    if length == 0:
        return False
    straight = dev <= max(1.5, 0.002 * length)
    horizontal = ang < 1.0 and length > 0.45 * (x1 - x0)  # a flat low-speed speedline may be nearly as straight
    vertical = ang > 89.0 and length > 0.45 * (y1 - y0)
    return bool(straight and (horizontal or vertical))


def trim_grid_ends(xy: np.ndarray, image: np.ndarray, plot_box=None, tol: float = 1.5) -> np.ndarray:
    """A path without end stretches that run exactly along a grid line of the image.

    A speedline that meets a grid line may go on along it in the mask (the segmenter fires on the grid
    line next to the curve); such a stretch is exactly axis-parallel and its grid line runs on beyond it."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = plot_box if plot_box is not None else (0, 0, W - 1, H - 1)
    min_run = max(20.0, 0.1 * min(x1 - x0, y1 - y0))
    # a speedline leaves the surge line sideways and falls into its choke tail: a vertical run at the
    # start or a horizontal run at the end cannot be the speedline's own. A horizontal run at the start
    # or a vertical one at the end can (flat top, steep tail): those go only when they run exactly along
    # the grid line, the curve leaves it afterwards and the run's ink is clearly paler than the rest of
    # the curve's (the segmenter followed a grey grid line beyond the speedline's real end)
    start_runs = ((1, False), (0, True))  # (along: 1 = vertical run, 0 = horizontal; can it be the line's own)
    end_runs = ((0, False), (1, True))
    for runs in (start_runs, end_runs):  # the start, then, reversed, the end
        for along, own in runs:
            across = 1 - along
            off = np.abs(xy[:, across] - xy[0, across]) > (tol if not own else 1.0)
            k = int(np.argmax(off)) if off.any() else len(xy)
            run = min_run if not own else 0.5 * min_run  # paleness is a second witness for the own runs
            if k >= 2 and abs(xy[k - 1, along] - xy[0, along]) >= run and k < len(xy) - 1 \
                    and on_grid_line(xy[:k], image, plot_box, flat=2 * tol) \
                    and (not own or (path_length(xy[k - 1:]) >= min_run
                                     and _ink_level(xy[:k], image) - _ink_level(xy[k - 1:], image) >= 40)):
                xy = xy[k - 1:]
        xy = xy[::-1]
    return xy


def trim_pale_ends(xy: np.ndarray, grey: np.ndarray, paper: float = 255.0, window: int = 7,
                   min_keep: float = 0.6) -> np.ndarray:
    """A path without end stretches over (nearly) blank paper: the segmenter may carry a speedline on
    along a faint dotted R-line or grid line past its real end. A point is pale when the ink under it
    (the darkest pixel of its 3 x 3 neighbourhood, running median over `window` points, so dash gaps
    do not count) is nearer the paper than the curve's own ink; pale stretches at either end go, as long
    as `min_keep` of the path stays."""
    if len(xy) < 3 * window:
        return xy
    from scipy.ndimage import median_filter

    ink = median_filter(_ink_under(xy, grey), size=window, mode="nearest")
    own = float(np.median(ink))
    if paper - own < 60:  # a faint curve: paleness tells nothing
        return xy
    pale = ink > own + max(40.0, 0.5 * (paper - own))
    a = int(np.argmin(pale)) if not pale.all() else len(xy)  # pale points at the start
    b = int(np.argmin(pale[::-1])) if not pale.all() else len(xy)  # ... and at the end
    if len(xy) - a - b < min_keep * len(xy):
        return xy
    return xy[a:len(xy) - b]


def on_fill_edge(xy: np.ndarray, image: np.ndarray, offset: float = 3.0, step: float = 3.0,
                 contrast: float = 40.0, share: float = 0.9) -> bool:
    """A path along the edge between two filled areas: the page either side of it differs in colour (by
    `contrast`, RGB distance, a running median over 5 samples; JPEG noise on a grey panel makes 20-30)
    along `share` of its length. The segmenter may trace where two shades of filled efficiency islands
    meet, or an island's edge on the paper; a speedline has the same page on both sides, but where it
    crosses or runs along an island's edge for a while. `offset`: px from the path to the samples either
    side (half the stroke width and more)."""
    xy = np.asarray(xy, float)
    if len(xy) < 3:
        return False
    s = _arc_length(xy)
    if s[-1] < 5 * step:
        return False
    p = _at_arc_length(xy, s, np.arange(0.0, s[-1], step))
    d = np.gradient(p, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    img = image.reshape(image.shape[0], image.shape[1], -1)  # no copy: only the samples become floats
    H, W = img.shape[:2]

    def side(sign):  # of two samples, the paler: a thin stroke beside the path is no fill
        a, b = (img[np.clip(np.round(q[:, 1]).astype(int), 0, H - 1),
                    np.clip(np.round(q[:, 0]).astype(int), 0, W - 1)].astype(float)
                for q in (p + sign * offset * n, p + sign * (offset + 2.0) * n))
        return np.where((a.mean(axis=1) >= b.mean(axis=1))[:, None], a, b)

    from scipy.ndimage import median_filter

    diff = median_filter(np.linalg.norm(side(1.0) - side(-1.0), axis=1), size=5, mode="nearest")
    return float(np.mean(diff >= contrast)) >= share


def _ink_under(xy: np.ndarray, grey: np.ndarray) -> np.ndarray:
    """The grey level under each point of a path: the darkest pixel of its 3 x 3 neighbourhood."""
    H, W = grey.shape[:2]
    c = np.clip(np.round(xy[:, 0]).astype(int), 1, W - 2)
    r = np.clip(np.round(xy[:, 1]).astype(int), 1, H - 2)
    return np.min([grey[r + dr, c + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)], axis=0)


def _ink_level(xy: np.ndarray, grey: np.ndarray) -> float:
    """Median grey level under a path (see `_ink_under`)."""
    return float(np.median(_ink_under(xy, grey)))


def on_grid_line(xy: np.ndarray, image: np.ndarray, plot_box=None, reach: float = 0.5,
                 contrast: float = 8.0, flat: float = 1.5) -> bool:
    """An exactly axis-parallel piece whose row (column) of the image is inked far beyond the piece.

    A segmenter may fire on a stretch of a grid line; the grid line itself runs on across the plot
    (solid, dashed or dotted, often very light), while a flat stretch of a speedline bends away within
    its own extent. A column counts as inked where the row band is `contrast` grey levels darker than
    the paper 4 px above and below; `reach` is the inked fraction of the row outside the piece that
    makes it a grid line; `flat`: how far (px) the piece may stray across its line (on a grid column a
    tenth of its points may stray further: a stub where it left a speedline's tail).
    """
    if len(xy) < 2:
        return False
    g = image.mean(axis=2) if image.ndim == 3 else image
    H, W = g.shape
    x0, y0, x1, y1 = plot_box if plot_box is not None else (0, 0, W - 1, H - 1)
    for along, across, lo, hi, img in ((0, 1, x0, x1, g), (1, 0, y0, y1, g.T)):
        mid = float(np.median(xy[:, across]))
        # a stub may stray off a grid column (where the piece left a choke tail); along a grid row the
        # whole piece must lie within `flat`, or 9 in 10 of its points and the rest within 4 `flat` (a
        # fitted piece wavers where it ends; a low flat speedline can run on a row but for its tail, which
        # falls further)
        dev = np.abs(xy[:, across] - mid)
        on = dev <= flat if along == 1 else np.full(len(xy), (dev <= flat).mean() >= 0.9 and dev.max() <= 4 * flat)
        if on.mean() < 0.9 or np.ptp(xy[on, along]) < 10:
            continue
        r = int(round(mid))
        if not 5 <= r < img.shape[0] - 5:
            continue
        line = img[r - 1:r + 2].min(axis=0).astype(float)
        paper = np.maximum(img[r - 4], img[r + 4]).astype(float)
        inked = paper - line >= contrast
        a, b = int(np.ceil(lo)) + 3, int(np.floor(hi)) - 3
        p0, p1 = int(np.floor(xy[on, along].min())) - 3, int(np.ceil(xy[on, along].max())) + 3
        outside = np.concatenate([inked[a:max(a, p0)], inked[min(p1, b):b]])
        if len(outside) >= 0.2 * (b - a) and outside.mean() >= reach:
            return True
    return False


def _upright(grey: np.ndarray, tilt: float, plot_box) -> tuple:
    """A rotated scan turned upright about its frame's centre (the frame then is `plot_box`, axis-parallel,
    as `Calibration.from_box` takes it), and the map of image points into it: for the grid checks, which
    look along image rows and columns."""
    import cv2

    from .calibrate import rotate_points

    x0, y0, x1, y1 = plot_box
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    up = np.array([[x0, y0], [x1, y0], [x0, y1]], np.float32)
    M = cv2.getAffineTransform(up, rotate_points(up, -tilt, centre).astype(np.float32))  # upright -> image
    out = cv2.warpAffine(np.ascontiguousarray(grey, np.float32), M, (grey.shape[1], grey.shape[0]),
                         flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=float(np.median(grey)))
    return out, (lambda xy: rotate_points(xy, tilt, centre))


def grid_corner(xy: np.ndarray, image: np.ndarray, plot_box=None) -> bool:
    """A path that runs along a grid row and then a grid column (or the other way): both sides of its
    sharpest corner (the point farthest from its chord) lie on grid lines (`on_grid_line`, within 3 px:
    a fitted path wavers), a few points around the corner left out (the fitted path rounds it). The
    segmenter fired on the grid where a speedline crosses it; a speedline never turns through a right
    angle along two grid lines."""
    n = len(xy)
    if n < 20:
        return False
    k = int(np.argmax(_chord_offsets(xy)[1]))
    m = max(2, int(0.05 * n))
    if k - m < 10 or n - (k + m) < 10:
        return False
    return on_grid_line(xy[:k - m], image, plot_box, flat=3.0) and on_grid_line(xy[k + m:], image, plot_box, flat=3.0)


def _position_key(c: Curve):
    """Lowest speedline first: by the highest point of the curve (rows grow downwards)."""
    return (-float(np.min(c.pixels[:, 1])) if len(c.pixels) else 0.0, float(c.pixels[0, 0]) if len(c.pixels) else 0.0)
