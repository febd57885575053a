"""Mask -> one-pixel skeleton -> graph of segments (ordered pixel paths) and junctions.

skan was evaluated for the graph step and left out: its numba import and JIT compile cost about
4 s in every new process (measured here, 2-core CPU), more than the whole pipeline's budget, while
the graph needed here (segments between end points and junctions) takes a few numpy/scipy calls.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

_K8 = np.ones((3, 3), np.uint8)
_OFFS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


@dataclass(frozen=True)
class Segment:
    """An ordered path of skeleton pixels, as (row, col) float array; its ends touch junctions or are free."""

    rc: np.ndarray
    junction_start: int  # junction id at the first pixel, -1 when the end is free
    junction_end: int

    @property
    def length(self) -> float:
        return float(np.hypot(*np.diff(self.rc, axis=0).T).sum()) if len(self.rc) > 1 else 0.0


@dataclass(frozen=True)
class SkeletonGraph:
    segments: list
    junction_centres: np.ndarray  # (n, 2) row, col
    shape: tuple


def binarize(mask: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Boolean mask from a probability map (0..1), a 0/255 image, or a boolean array."""
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m.max(axis=2)
    if m.dtype == bool:
        return m
    if np.issubdtype(m.dtype, np.floating) and m.max(initial=0) <= 1.0:
        return m >= threshold
    return m > (threshold * 255 if m.max(initial=0) > 1 else 0)


def skeletonize(mask: np.ndarray, close_gaps: int = 0) -> np.ndarray:
    """One-pixel-wide skeleton of a boolean mask (scikit-image); `close_gaps` px closes tiny breaks first."""
    from skimage.morphology import skeletonize as _sk

    from skimage.morphology import remove_small_holes

    m = binarize(mask)
    # pinholes in a thin anti-aliased stroke would become skeleton loops (two parallel strands)
    m = remove_small_holes(m, max_size=8)
    if close_gaps:
        m = ndimage.binary_closing(m, structure=np.ones((3, 3), bool), iterations=close_gaps) | m
    return _sk(m)


def neighbour_count(skel: np.ndarray) -> np.ndarray:
    s = skel.astype(np.uint8)
    return (ndimage.convolve(s, _K8, mode="constant") - s) * s


def build_graph(skel: np.ndarray) -> SkeletonGraph:
    """Split a skeleton at its junction pixels into ordered segments."""
    skel = skel.astype(bool)
    nb = neighbour_count(skel)
    junction = skel & (nb >= 3)
    jlab, nj = ndimage.label(junction, structure=np.ones((3, 3)))
    centres = np.array(ndimage.center_of_mass(junction, jlab, range(1, nj + 1))).reshape(-1, 2) if nj else np.zeros((0, 2))
    body = skel & ~junction
    lab, n = ndimage.label(body, structure=np.ones((3, 3)))
    if n == 0:
        return SkeletonGraph([], centres, skel.shape)
    # junction ids next to each body pixel (for labelling segment ends)
    jl_dil = ndimage.grey_dilation(jlab, size=(3, 3))
    rows, cols = np.nonzero(body)
    labels = lab[rows, cols]
    order = np.argsort(labels, kind="stable")
    rows, cols, labels = rows[order], cols[order], labels[order]
    bounds = np.searchsorted(labels, np.arange(1, n + 2))
    H, W = skel.shape
    index = -np.ones(skel.shape, np.int64)
    index[rows, cols] = np.arange(len(rows))
    pad = np.pad(index, 1, constant_values=-1)
    nbrs = np.stack([pad[rows + 1 + dr, cols + 1 + dc] for dr, dc in _OFFS], axis=1)  # (N, 8)
    segs = []
    for k in range(n):
        a, b = bounds[k], bounds[k + 1]
        path = _walk(nbrs, a, b, rows, cols)
        rc = np.column_stack([rows[path], cols[path]]).astype(float)
        j0 = int(jl_dil[rows[path[0]], cols[path[0]]]) - 1
        j1 = int(jl_dil[rows[path[-1]], cols[path[-1]]]) - 1
        if len(path) == 1:
            j1 = j0 if j0 >= 0 else j1
        segs.append(Segment(rc, j0, j1))
    return SkeletonGraph(_merge_close_junctions(segs), centres, skel.shape)


def _merge_close_junctions(segs: list, max_len: int = 3) -> list:
    """A segment of a few pixels between two junctions is part of one crossing or corner: merge the two."""
    parent = {}

    def find(j):
        while parent.get(j, j) != j:
            j = parent[j]
        return j

    keep = []
    for sg in segs:
        if len(sg.rc) <= max_len and sg.junction_start >= 0 and sg.junction_end >= 0:
            a, b = find(sg.junction_start), find(sg.junction_end)
            if a != b:
                parent[b] = a
            continue
        keep.append(sg)
    if not parent:
        return keep
    return [Segment(sg.rc, find(sg.junction_start) if sg.junction_start >= 0 else -1,
                    find(sg.junction_end) if sg.junction_end >= 0 else -1) for sg in keep]


def _walk(nbrs: np.ndarray, a: int, b: int, rows, cols) -> list:
    """Order the pixels a..b-1 of one component into a path, starting at an end pixel."""
    if b - a == 1:
        return [a]
    sub = nbrs[a:b]
    inside = (sub >= a) & (sub < b)
    deg = inside.sum(axis=1)
    start = a + int(np.argmin(deg))
    path = [start]
    seen = {start}
    cur = start
    while True:
        cand = [int(v) for v in nbrs[cur] if a <= v < b and v not in seen]
        if not cand:
            break
        if len(cand) > 1:  # prefer a 4-connected step over a diagonal one
            cand.sort(key=lambda v: abs(rows[v] - rows[cur]) + abs(cols[v] - cols[cur]))
        cur = cand[0]
        seen.add(cur)
        path.append(cur)
    return path
