"""Skeleton segments -> one pixel path per speedline.

Spurs are pruned, then segment ends are paired at junctions and across gaps by tangent continuity
(a straight continuation is cheap, a turn is not), never closing a loop. Chains of paired segments
are the speedline instances, ordered from the surge (low-flow, left) end.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .skeleton import SkeletonGraph


@dataclass(frozen=True)
class InstanceParams:
    spur_length: float = 10.0       # px; shorter dangling branches at junctions are dropped
    junction_angle: float = 50.0    # deg; widest turn accepted through a junction
    max_gap: float = 40.0           # px; widest gap bridged between two ends (twice that for ends in line)
    gap_angle: float = 12.0         # deg; widest misalignment accepted across a gap (beyond lateral_slack)
    corner_angle: float = 110.0     # deg; widest turn accepted for a corner hidden in a gap
    lateral_slack: float = 2.5      # px; sideways offset always accepted across a gap
    min_length: float = 20.0        # px; shorter instances are dropped
    duplicate_distance: float = 2.5  # px; a shorter path this close to a longer one is the same stroke
    merge_distance: float = 3.0     # px; a path whose end runs onto another's start (same direction) continues it
    tangent_span: int = 8           # px along the segment used to estimate an end's direction
    join_angle: float = 25.0        # deg; widest turn between two whole paths joined across a gap
    join_drift: float = 0.08        # px of sideways offset allowed per px of gap between two whole paths
    ink_angle: float = 20.0         # deg between two segments' inks (as RGB directions from the paper) beyond
                                    # which they are two lines (through a crossing)
    grey_angle: float = 10.0        # deg; an ink this close to grey is black or grey (a box's sides, a grid)
    shared_length: float = 12.0     # px; a segment this short between two junctions may be shared by two lines


@dataclass
class _End:
    seg: int
    side: int  # 0 = first pixel, 1 = last pixel
    p: np.ndarray  # (x, y) = (col, row)
    d: np.ndarray  # unit direction pointing out of the segment
    junction: int


def _ends(segs: list, span: int) -> list:
    out = []
    for i, s in enumerate(segs):
        xy = s.rc[:, ::-1]
        for side in (0, 1):
            pts = xy if side == 1 else xy[::-1]
            # direction: from the centroid of the last `span` px to the end; the last px of a cut line often hook
            skip = min(2, max(0, len(pts) - 3))
            tail = pts[max(0, len(pts) - 1 - skip - span):len(pts) - skip]
            d = tail[-1] - tail.mean(axis=0) if len(tail) > 1 else np.zeros(2)
            nrm = np.hypot(*d)
            out.append(_End(i, side, pts[-1].astype(float), d / nrm if nrm else d, s.junction_end if side else s.junction_start))
    return out


def _angle(u, v) -> float:
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v), -1, 1))))


class _DSU:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, a):
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a, b):
        self.p[self.find(a)] = self.find(b)


def prune_spurs(graph: SkeletonGraph, spur_length: float) -> list:
    """Drop short branches that hang off a junction with a free end (skeleton spurs)."""
    segs = list(graph.segments)
    keep = []
    for s in segs:
        free = (s.junction_start < 0) + (s.junction_end < 0)
        if free == 1 and s.length < spur_length:
            continue
        keep.append(s)
    return keep


def segment_inks(segs: list, image: np.ndarray, mask: np.ndarray | None = None, skip: int = 3, least: int = 3,
                 faint: float = 40.0) -> np.ndarray:
    """Each segment's ink (n x 3): the unit RGB direction from the paper to the median colour under its
    pixels, up to `skip` px at either end left out (where lines cross, inks mix). A thin or anti-aliased
    stretch of a line blends its ink with the paper, which changes its colour but not this direction. NaN
    for a segment of fewer than `least` pixels or nearer the paper than `faint`. The paper is the median
    colour off the `mask` (the whole image without one)."""
    out = np.full((len(segs), 3), np.nan)
    if image is None or image.ndim != 3 or not segs:
        return out
    sub = image[::4, ::4, :3]  # (no float copy of the whole page: only the pixels read are converted)
    off = sub[~mask[::4, ::4]] if mask is not None else sub.reshape(-1, 3)
    paper = np.median((off if len(off) else sub.reshape(-1, 3)).astype(float), axis=0)
    for i, s in enumerate(segs):
        k = min(skip, max(0, (len(s.rc) - least) // 2))
        rc = np.round(s.rc[k:len(s.rc) - k]).astype(int)
        if len(rc) >= least:
            v = paper - np.median(image[rc[:, 0], rc[:, 1], :3].astype(float), axis=0)
            n = float(np.hypot.reduce(v))
            if n >= faint:
                out[i] = v / n
    return out


def link_segments(segs: list, params: InstanceParams = InstanceParams(), inks: np.ndarray | None = None) -> list:
    """Chains of segment indices with orientation: list of [(seg, reversed), ...].

    inks (n x 3, from `segment_inks`): two segments of clearly different inks (a purple speedline and the
    green island it crosses) are paired only after every pairing of like inks: through a crossing always,
    across a gap only when both inks are colours (beside a label box's grey sides a line's ink mixes with
    theirs)."""
    ends = _ends(segs, params.tangent_span)
    n = len(segs)
    dsu = _DSU(n)
    link = {}  # end index -> end index
    cands = []
    # pairs through the same junction
    by_j = {}
    for ei, e in enumerate(ends):
        if e.junction >= 0:
            by_j.setdefault(e.junction, []).append(ei)
    for members in by_j.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                ea, eb = ends[members[a]], ends[members[b]]
                if ea.seg == eb.seg:
                    continue
                ang = _angle(ea.d, -eb.d)
                if ang <= params.corner_angle:  # straight through first; a corner only when nothing else fits
                    cands.append((ang / params.junction_angle, members[a], members[b]))
    crossing = set()  # pairs through one crossing (a junction, or two joined by a short segment)
    if inks is not None:
        crossing = {(a, b) for _, a, b in cands}
        # where two lines cross at a shallow angle they share a few pixels: two junctions joined by a short
        # segment, which only one of them can keep; the other passes through without it
        for k, sg in enumerate(segs):
            ja, jb = sg.junction_start, sg.junction_end
            if ja < 0 or jb < 0 or ja == jb or sg.length > params.shared_length:
                continue
            for a in by_j.get(ja, []):
                for b in by_j.get(jb, []):
                    ea, eb = ends[a], ends[b]
                    if k in (ea.seg, eb.seg) or ea.seg == eb.seg:
                        continue
                    ang = _angle(ea.d, -eb.d)
                    if ang <= params.corner_angle:
                        cands.append((0.2 + ang / params.junction_angle, a, b))
                        crossing.add((a, b))
    # pairs across gaps (free ends, and junction ends that found no partner are tried later too)
    pos = np.array([e.p for e in ends]) if ends else np.zeros((0, 2))
    if len(ends) > 1:
        from scipy.spatial import cKDTree

        tree = cKDTree(pos)
        for a, b in tree.query_pairs(2 * params.max_gap):
            ea, eb = ends[a], ends[b]
            if ea.seg == eb.seg:
                continue
            if ea.junction >= 0 and ea.junction == eb.junction:
                continue
            v = eb.p - ea.p
            dist = float(np.hypot(*v))
            if dist < 1e-6:
                continue
            # along/lateral offsets of the other end, seen from each end's direction
            along_a, lat_a = float(v @ ea.d), abs(float(v[0] * ea.d[1] - v[1] * ea.d[0]))
            along_b, lat_b = float(-v @ eb.d), abs(float(v[0] * eb.d[1] - v[1] * eb.d[0]))
            tol = np.tan(np.radians(params.gap_angle))  # sideways drift allowed per px of gap
            turn = _angle(ea.d, -eb.d)
            if dist > params.max_gap:  # a long gap (markers, a label) only when both ends point at each other
                if (min(along_a, along_b) > 0 and turn <= params.gap_angle
                        and max(lat_a, lat_b) <= params.lateral_slack):
                    cands.append((1.0 + dist / params.max_gap + (lat_a + lat_b) / (dist + 5.0) + turn / 60.0, a, b))
                continue
            straight = (min(along_a, along_b) >= -(params.lateral_slack + 1) and turn <= params.junction_angle
                        and max(lat_a - tol * along_a, lat_b - tol * along_b) <= params.lateral_slack)
            if straight:
                cands.append((1.0 + dist / params.max_gap + (lat_a + lat_b) / (dist + 5.0) + turn / 60.0, a, b))
                continue
            # a corner hidden under a label: the two ends' rays meet in front of both
            if turn <= params.corner_angle and dist <= params.lateral_slack + 1:  # touching ends at a corner
                cands.append((1.5 + turn / 90.0, a, b))
            elif turn <= params.corner_angle:
                M = np.column_stack([ea.d, -eb.d])
                if abs(np.linalg.det(M)) > 1e-3:
                    sa, sb = np.linalg.solve(M, v)
                    if sa >= 0 and sb >= 0 and sa + sb <= 0.8 * params.max_gap:
                        cands.append((2.0 + (sa + sb) / params.max_gap + turn / 90.0, a, b))
    if inks is not None and len(cands):
        least = np.cos(np.radians(params.ink_angle))
        chromatic = np.nan_to_num(inks @ (np.ones(3) / np.sqrt(3.0)), nan=1.0) < np.cos(np.radians(params.grey_angle))

        def unlike(a, b):
            sa, sb = ends[a].seg, ends[b].seg
            if (a, b) not in crossing and (b, a) not in crossing and not (chromatic[sa] and chromatic[sb]):
                return False
            c = float(inks[sa] @ inks[sb])
            return bool(np.isfinite(c) and c < least)
        cands = [(cost + 10.0 * unlike(a, b), a, b) for cost, a, b in cands]
    cands.sort(key=lambda c: c[0])
    for _, a, b in cands:
        if a in link or b in link:
            continue
        sa, sb = ends[a].seg, ends[b].seg
        if dsu.find(sa) == dsu.find(sb):
            continue
        link[a], link[b] = b, a
        dsu.union(sa, sb)
    # walk chains
    seen = set()
    chains = []
    def end_index(seg, side):
        return 2 * seg + side
    for start in range(n):
        if start in seen:
            continue
        # go to one extremity of this chain
        seg, side = start, 0  # walk backwards over side-0 links
        guard = 0
        while end_index(seg, side) in link and guard <= n:
            other = link[end_index(seg, side)]
            seg, side = ends[other].seg, 1 - ends[other].side
            guard += 1
        # seg's `side` end is free: traverse forward from it
        chain = []
        cur, entry = seg, side
        while cur not in seen:
            seen.add(cur)
            chain.append((cur, entry == 1))  # entering at last pixel -> reversed
            out = end_index(cur, 1 - entry)
            if out not in link:
                break
            nxt = link[out]
            cur, entry = ends[nxt].seg, ends[nxt].side
        chains.append(chain)
    return chains


def chain_pixels(segs: list, chain: list) -> np.ndarray:
    """(x, y) pixel path of a chain, in chain order."""
    parts = [segs[i].rc[::-1] if rev else segs[i].rc for i, rev in chain]
    return np.vstack(parts)[:, ::-1].astype(float)


def orient(xy: np.ndarray) -> np.ndarray:
    """Order a path from its surge (low-flow, left) end; a vertical path from its top."""
    if len(xy) < 2:
        return xy
    dx = xy[-1, 0] - xy[0, 0]
    if dx < -2 or (abs(dx) <= 2 and xy[-1, 1] < xy[0, 1]):
        return xy[::-1]
    return xy


def split_reversals(xy: np.ndarray, span: int = 6) -> list:
    """Cut a path (ordered from its surge end) where it turns back: a speedline runs right and then down,
    never left-and-down or back up past the vertical. The longest valid pieces are kept."""
    if len(xy) < 2 * span + 2:
        return [xy]
    d = xy[span:] - xy[:-span]
    ang = np.degrees(np.arctan2(d[:, 1], d[:, 0]))  # image y down: 0 = right, 90 = down
    bad = (ang > 115) | (ang < -80)
    if not bad.any():
        return [xy]
    cuts = np.flatnonzero(np.diff(np.r_[False, bad, False].astype(np.int8)))
    pieces, start = [], 0
    for a, b in zip(cuts[::2], cuts[1::2]):
        pieces.append(xy[start:a + span // 2 + 1])
        start = b + span // 2
    pieces.append(xy[start:])
    return [p for p in pieces if len(p) > 1]


def path_length(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0


def find_instances(graph: SkeletonGraph, params: InstanceParams = InstanceParams(), frames: list = (),
                   mask: np.ndarray | None = None, image: np.ndarray | None = None,
                   grey: np.ndarray | None = None) -> list:
    """Pixel paths (x=col, y=row), one per speedline, each ordered from the surge end.

    frames: the insides of label boxes drawn on the lines (x0, y0, x1, y1): paths are cut where they
    enter one (what is traced on a box, its sides or text, is not the line it hides); a piece that ends
    at one is kept however short (the stretch between the surge line and a box) and joined across it.
    image (RGB, the map): segments of unlike inks are paired last (`segment_inks`, `link_segments`), and
    a marker may hide a bend (`join_gaps`). Pieces shorter than `min_length` only continue kept paths, and
    not when they lie on a grid line (`grey`: the image in grey levels, made from it when not given)."""
    segs = prune_spurs(graph, params.spur_length)
    if len(frames):  # a box's own sides, traced by the segmenter, must not take a line's ends from it
        segs = [sg for sg in segs if not any(_along_frame(sg.rc[:, ::-1], f) for f in frames)]
    chains = link_segments(segs, params, segment_inks(segs, image, mask) if image is not None else None)
    paths = [q for c in chains for q in split_reversals(orient(chain_pixels(segs, c)))]
    if len(frames):  # a box hides its line: what is traced on it (its sides, its text) is no speedline
        paths = [q for p in paths for q in _cut_at_frames(p, frames)]
        paths = [p for p in paths if not any(_along_frame(p, f) for f in frames)]
    paths = [orient(p) for p in paths]
    kept = [p for p in paths if path_length(p) >= params.min_length
            or (path_length(p) >= 3.0 and _at_frame(p, frames) is not None)]
    kept = merge_overlaps(kept, params.merge_distance, params.tangent_span, mask=mask)
    kept = drop_duplicates(kept, params.duplicate_distance)
    # shorter pieces (a choke tail between markers) may still continue a kept path across a gap
    short = [p for p in paths if 2 * params.spur_length <= path_length(p) < params.min_length
             and _at_frame(p, frames) is None]
    if kept and short:  # not a strand of a stroke already traced (half of it that near a kept path)
        from scipy.spatial import cKDTree

        tree, d = cKDTree(np.vstack(kept)), params.merge_distance
        short = [p for p in short if share_near(tree, p, d) < 0.5]
    if image is not None and short:  # nor a dash of a grid line (in line with a tail that meets it)
        from .postprocess import on_grid_line

        if grey is None:
            grey = image.mean(axis=2) if image.ndim == 3 else image
        short = [p for p in short if not on_grid_line(p, grey)]
    return join_gaps(kept, params, frames, extra=short, image=image, mask=mask)


def marker_between(image: np.ndarray, mask: np.ndarray | None, p: np.ndarray, q: np.ndarray,
                   margin: float = 40.0, least: float = 0.2, round_: float = 0.25) -> bool:
    """Whether a marker (a filled or outlined dot, square, triangle...) hides the gap between p and q (x, y)
    in the map `image` (RGB or grey; only a window around the gap is read).

    Ink (darker than the paper nearby by `margin`) that is not the traced strokes (`mask`) must cover at
    least `least` of the disc on the gap and spread both ways (its lesser axis at least `round_` of its
    greater): a stroke's unseen stretch is a line, a marker a blob."""
    H, W = image.shape[:2]
    mid = (p + q) / 2
    r = max(3.0, float(np.hypot(*(q - p))) / 2 + 1.0)
    R = int(np.ceil(3 * r))
    cx, cy = int(round(mid[0])), int(round(mid[1]))
    x0, x1, y0, y1 = max(0, cx - R), min(W, cx + R + 1), max(0, cy - R), min(H, cy + R + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return False
    win = image[y0:y1, x0:x1]
    win = win.mean(axis=2) if win.ndim == 3 else win.astype(float)
    paper = float(np.percentile(win, 90))
    yy, xx = np.mgrid[y0:y1, x0:x1]
    disc = np.hypot(xx - mid[0], yy - mid[1]) <= r
    ink = (win < paper - margin) & disc
    if mask is not None:
        import cv2

        ink &= ~cv2.dilate(mask[y0:y1, x0:x1].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    n = int(ink.sum())
    if n < 6 or n < least * disc.sum():
        return False
    ev = np.linalg.eigvalsh(np.cov(np.vstack([xx[ink], yy[ink]]).astype(float)))
    return bool(ev[0] >= round_ ** 2 * ev[1])


def _frame_of(pt: np.ndarray, frames: list, margin: float = 4.0):
    """Index of the frame whose inside, grown by `margin` px and 0.4 of its height (the line may fade
    out a little before the box), holds the point, else None."""
    for k, (x0, y0, x1, y1) in enumerate(frames):
        m = margin + 0.4 * (y1 - y0)
        if x0 - m <= pt[0] <= x1 + m and y0 - m <= pt[1] <= y1 + m:
            return k
    return None


def _cut_at_frames(p: np.ndarray, frames: list, grow: float = 2.5) -> list:
    """The runs of a path outside every frame grown by `grow` px (a path that ran along a box's side or
    through its text is cut there; the pieces either side are joined across the box later)."""
    inside = np.zeros(len(p), bool)
    for x0, y0, x1, y1 in frames:
        inside |= (p[:, 0] >= x0 - grow) & (p[:, 0] <= x1 + grow) & (p[:, 1] >= y0 - grow) & (p[:, 1] <= y1 + grow)
    if not inside.any():
        return [p]
    cuts = np.flatnonzero(np.diff(inside.astype(np.int8))) + 1
    return [r for r, flag in zip(np.split(p, cuts), np.split(inside, cuts)) if not flag[0] and len(r) >= 2]


def _along_frame(p: np.ndarray, frame: tuple, tol: float = 3.0) -> bool:
    """Whether a path runs along a frame's sides (each of its points within `tol` px of the rectangle)."""
    x0, y0, x1, y1 = frame
    dx = np.maximum(np.maximum(x0 - p[:, 0], p[:, 0] - x1), 0)
    dy = np.maximum(np.maximum(y0 - p[:, 1], p[:, 1] - y1), 0)
    outside = np.hypot(dx, dy)
    inside = np.minimum.reduce([np.abs(p[:, 0] - x0), np.abs(p[:, 0] - x1), np.abs(p[:, 1] - y0),
                                np.abs(p[:, 1] - y1)])
    return bool(np.all(np.where(outside > 0, outside, inside) <= tol))


def _at_frame(p: np.ndarray, frames: list):
    """The frame at either end of a path, else None."""
    k = _frame_of(p[0], frames)
    return k if k is not None else _frame_of(p[-1], frames)


def join_gaps(paths: list, params: InstanceParams = InstanceParams(), frames: list = (), extra: list = (),
              image: np.ndarray | None = None, mask: np.ndarray | None = None) -> list:
    """Join whole paths end to start across a gap (a label box, a row of markers hides the line there).

    Segment ends seen at the graph stage point badly where a marker or a box edge leaves stubs; a whole
    path's end direction, over `tangent_span` px, does not. A's end joins B's start when the gap
    (at most twice `max_gap`) runs forward from both, the two directions turn by at most `join_angle`,
    the gap's chord lies between them as for a smooth arc (off each direction by at most 3/4 of the
    turn, or by the angle of `lateral_slack + join_drift * gap` px sideways), and no other path crosses
    the gap. Across a label box (`frames`: A's end and B's start at the same box) the line may turn by up
    to 90 degrees (a box at the knee), and so across a short gap that a marker hides (`image`, the map,
    and `mask`, the traced strokes: `marker_between`), gaps of at most `marker_gap()` px.
    `extra`: shorter pieces that may continue a path (a choke tail drawn between markers); they never
    stand alone in the output nor keep two other pieces apart. Cheapest pairs first; each end is used once.
    """
    from scipy.spatial import cKDTree

    paths = [p for p in paths if len(p) >= 2]
    n_main = len(paths)
    paths = paths + [p for p in extra if len(p) >= 2]
    n = len(paths)
    if n < 2:
        return paths[:n_main]
    near_marker = marker_gap(params, image.shape[:2] if image is not None else None)
    span = params.tangent_span
    reach = 2 * params.max_gap
    ends = np.array([p[-1] for p in paths])
    starts = np.array([p[0] for p in paths])
    d_end = np.array([_direction(p, True, span) for p in paths])  # out of the path at its end
    d_start = np.array([-_direction(p, False, span) for p in paths])  # out of the path at its start
    trees = [cKDTree(p) for p in paths]
    cands = []
    near = cKDTree(ends).query_ball_tree(cKDTree(starts), reach)
    for i, j in ((i, j) for i, js in enumerate(near) for j in js):
        if i == j:
            continue
        v = starts[j] - ends[i]
        dist = float(np.hypot(*v))
        if dist < 1.0:
            continue
        turn = _angle(d_end[i], -d_start[j])
        box = _frame_of(ends[i], frames)
        boxed = box is not None and _frame_of(starts[j], frames) == box and turn <= 90.0  # the box hides the bend
        if not boxed and (float(v @ d_end[i]) <= 0 or float(-v @ d_start[j]) <= 0):
            continue
        # the gap's chord must lie between the two end directions, as for a smooth arc, within a drift
        chord = v / dist
        dev = max(_angle(d_end[i], chord), _angle(chord, -d_start[j]))
        tol = max(np.degrees(np.arctan((params.lateral_slack + params.join_drift * dist) / dist)), 0.75 * turn)
        if not boxed and dev > tol:
            continue
        marked = False
        if not boxed and turn > params.join_angle:  # a bend is seen only under a marker
            if not (turn <= 90.0 and dist <= near_marker and marker_between(image, mask, ends[i], starts[j])):
                continue
            marked = True
        # nothing else in the gap: another path crossing it is a different line in between
        gap = ends[i] + np.linspace(0.15, 0.85, max(2, int(dist / 2)))[:, None] * v
        if not boxed and any(k not in (i, j) and (trees[k].query(gap)[0] <= 1.5).any() for k in range(n_main)):
            continue  # (a box's gap lies under the box: lines crossing it there, R-lines, are not seen)
        cands.append((dist / params.max_gap + dev / 30.0 + turn / 60.0, i, j, boxed or marked))
    cands.sort(key=lambda c: c[:3])
    nxt, prev, dsu, filled = {}, {}, _DSU(n), set()
    for _, i, j, boxed in cands:
        if i in nxt or j in prev or dsu.find(i) == dsu.find(j):
            continue
        nxt[i], prev[j] = j, i
        dsu.union(i, j)
        if boxed:
            filled.add(i)
    out = []
    for i in range(n):
        if i in prev:
            continue
        chain = [paths[i]]
        members = [i]
        while i in nxt:
            if i in filled:  # the box hides the line: its chord, a point a pixel, so the spline does not swing
                a, b = paths[i][-1], paths[nxt[i]][0]
                t = np.linspace(0, 1, max(2, int(np.hypot(*(b - a)))) + 1)[1:-1, None]
                chain.append(a + t * (b - a))
            i = nxt[i]
            chain.append(paths[i])
            members.append(i)
        if min(members) < n_main:
            out.append(np.vstack(chain))
    return out


def marker_gap(params: InstanceParams, shape: tuple | None) -> float:
    """The widest gap (px) a marker may hide: about a marker's size on a map of this size."""
    if shape is None:
        return 0.0
    return max(24.0, 0.015 * max(shape))


def _direction(xy: np.ndarray, at_end: bool, span: int) -> np.ndarray:
    seg = xy[-span - 1:] if at_end else xy[:span + 1]
    d = seg[-1] - seg[0]
    n = np.hypot(*d)
    return d / n if n else d


def _inked_between(mask: np.ndarray, p: np.ndarray, q: np.ndarray, share: float = 0.9) -> bool:
    """Whether the straight line from p to q (x, y) runs over the mask (one stroke), not across paper;
    ends 3 px apart or closer always are."""
    d = float(np.hypot(*(q - p)))
    if d <= 3.0:
        return True
    n = int(np.ceil(d)) + 1
    xy = np.round(p + np.linspace(0.0, 1.0, n)[:, None] * (q - p)).astype(int)
    r = np.clip(xy[:, 1], 0, mask.shape[0] - 1)
    c = np.clip(xy[:, 0], 0, mask.shape[1] - 1)
    return float(np.mean(mask[r, c])) >= share


def merge_overlaps(paths: list, distance: float, span: int = 8, max_angle: float = 35.0,
                   mask: np.ndarray | None = None) -> list:
    """Join two paths of one stroke that the graph left apart: A's last point lies on B and B's first
    point lies on A (end to end, or overlapping where the skeleton split a stroke into two strands), and
    both run the same way there. The result is A up to where B starts, then B. With the `mask` the
    skeleton was drawn from, two paths that overlap side by side (their ends farther apart than
    `distance`) must also be joined by ink there: two strands of one stroke, not two lines drawn close."""
    from scipy.spatial import cKDTree

    paths = list(paths)
    changed = True
    while changed:
        changed = False
        trees = [cKDTree(p) for p in paths]
        for i in range(len(paths)):
            for j in range(len(paths)):
                if i == j:
                    continue
                a, b = paths[i], paths[j]
                dist_a1, kb = trees[j].query(a[-1])
                if dist_a1 > distance:
                    continue
                dist_b0, k = trees[i].query(b[0])
                if dist_b0 > distance or k == 0:
                    continue
                # overlapping side by side (not end to end, as round a hollow marker): one stroke only if inked between
                if (mask is not None and np.hypot(*(a[-1] - b[0])) > distance
                        and not (_inked_between(mask, a[-1], b[kb]) and _inked_between(mask, b[0], a[k]))):
                    continue
                if _angle(_direction(a[:k + 1], True, span), _direction(b, False, span)) > max_angle:
                    continue
                merged = np.vstack([a[:k], b])
                paths = [p for n, p in enumerate(paths) if n not in (i, j)] + [merged]
                changed = True
                break
            if changed:
                break
    return paths


def share_near(tree, xy: np.ndarray, distance: float) -> float:
    """The share of a path's points within `distance` px of the points in a `cKDTree`."""
    return float(np.mean(tree.query(xy, distance_upper_bound=distance)[0] <= distance))


def drop_duplicates(paths: list, distance: float) -> list:
    """Drop a path that lies (90 %) within `distance` px of a longer one: a parallel strand of the same stroke."""
    from scipy.spatial import cKDTree

    order = sorted(range(len(paths)), key=lambda i: -path_length(paths[i]))
    kept, trees = set(), []
    for i in order:
        p = paths[i]
        if any(share_near(t, p, distance) >= 0.9 for t in trees):
            continue
        kept.add(i)
        trees.append(cKDTree(p))
    return [p for i, p in enumerate(paths) if i in kept]
