"""Synthetic compressor maps with exact ground truth.

A map is sampled as a plain dict of parameters (:func:`sample_map`), then drawn twice by
matplotlib with identical layout (:func:`render`): once as the picture, once as the mask,
where speedlines are white, anything drawn above them is black (it hides them) and
everything else is left out. Degradations (noise, blur, tint, rotation, JPEG) are applied
to the picture afterwards; a rotation is applied to mask and pixel coordinates too.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STYLES = ("nasa", "turbo", "matplotlib", "spreadsheet", "textbook", "crop", "datasheet")
LABEL_FORMATS = ("frac", "pct", "pct_space", "nsqrt", "rpm", "krpm", "plain")
SPEEDLINE_Z = 5.0
N_POINTS = 160


@dataclass(frozen=True)
class SynthMap:
    """A rendered map: RGB image, 0/255 mask and the ground-truth dict (schema of docs/synthetic-data.md)."""

    image: np.ndarray
    mask: np.ndarray
    truth: dict


# ----------------------------------------------------------------------------- shapes
def _resample(x, y, w, h, n=N_POINTS):
    """Resample a polyline evenly in arc length normalised by (w, h)."""
    d = np.hypot(np.diff(x) / max(w, 1e-9), np.diff(y) / max(h, 1e-9))
    s = np.concatenate([[0], np.cumsum(d)])
    si = np.linspace(0, s[-1], n)
    return np.column_stack([np.interp(si, s, x), np.interp(si, s, y)])


def _speedline_knee(rng, x_s, y_s, x_c, y_floor, flat, peak_u, knee_u, knee_drop, tail_dx):
    """Flat or rising top, a knee, and a near-vertical choke tail (NASA/NPSS style)."""
    from scipy.interpolate import PchipInterpolator

    w = x_c - x_s
    h = y_s - y_floor
    ctrl_u = [0.0, peak_u, 0.5 * (peak_u + knee_u), knee_u, 1.0]
    ctrl_y = [y_s, y_s + flat * h, y_s + flat * h * 0.4 - knee_drop * h * 0.35, y_s - knee_drop * h,
              y_s - knee_drop * h - 0.02 * h]
    u = np.linspace(0, 1, 400)
    y_main = PchipInterpolator(ctrl_u, ctrl_y)(u)
    x_main = x_s + w * u
    y0 = y_main[-1]
    t = np.linspace(0, 1, 200)[1:]
    bend = rng.uniform(1.5, 4.0)
    x_tail = x_c + tail_dx * w * (1 - (1 - t) ** bend)
    y_tail = y0 - (y0 - y_floor) * t
    return _resample(np.concatenate([x_main, x_tail]), np.concatenate([y_main, y_tail]), w, h)


def _speedline_arc(rng, x_s, y_s, x_c, y_floor, rise, sharp, tail_dx):
    """A superellipse quadrant, tilted so the surge end sits lower: a smooth arc into a vertical tail."""
    w = x_c - x_s
    h = max(y_s - y_floor, 1e-9)
    p = sharp
    phi = np.linspace(0, np.pi / 2, 600)
    qx = np.sin(phi) ** (2 / p)
    qy = np.cos(phi) ** (2 / p)
    x = x_s + w * qx
    y = y_floor + h * (1 + rise) * qy - h * rise * (1 - qx)  # tilt: left end at y_s, peak inside
    y = y_floor + (y - y_floor) * (y_s - y_floor) / max(y[0] - y_floor, 1e-9)
    x = x + tail_dx * w * (1 - qy)
    return _resample(x, y, w, h)


def _speedline(rng, x_s, y_s, x_c, y_floor, kind, f):
    if kind == "arc":
        return _speedline_arc(rng, x_s, y_s, x_c, y_floor, rise=rng.uniform(0.0, 0.6) * (1 - 0.5 * f),
                              sharp=rng.uniform(1.6, 5.0), tail_dx=rng.uniform(0.0, 0.05))
    return _speedline_knee(rng, x_s, y_s, x_c, y_floor, flat=kind[1] + rng.normal(0, 0.01),
                           peak_u=rng.uniform(0.1, 0.6), knee_u=rng.uniform(0.6, 0.92),
                           knee_drop=rng.uniform(0.02, 0.25), tail_dx=rng.uniform(0.0, 0.06))


def _family(rng, tries: int = 30):
    """Speeds and curves of one map in data units, plus the axis limits; speedlines never cross."""
    from shapely.geometry import LineString

    for _ in range(tries):
        out = _family_once(rng)
        lines = [LineString(c) for c in out[1]]
        if not any(a.intersects(b) for i, a in enumerate(lines) for b in lines[i + 1:]):
            return out
    return out


def _family_once(rng):
    n = int(rng.integers(4, 17))
    s_lo = rng.uniform(0.3, 0.7)
    s_hi = rng.uniform(1.0, 1.15)
    speeds_frac = np.linspace(s_lo, s_hi, n)
    if rng.random() < 0.4:  # uneven steps, as on many maps (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
        speeds_frac = np.sort(s_lo + (s_hi - s_lo) * np.sort(rng.random(n)) ** 0.7)
        speeds_frac[0], speeds_frac[-1] = s_lo, s_hi
    flow_scale = float(10 ** rng.uniform(-0.5, 2.5))
    pr_max = float(rng.uniform(1.4, 12.0))
    k_crowd = rng.uniform(0.3, 4.0)  # high: choke tails crowd together at high speed
    beta = rng.uniform(1.6, 2.6)
    surge_frac = rng.uniform(0.35, 0.75)
    surge_frac_hi = surge_frac + rng.uniform(-0.1, 0.2)
    flat_lo, flat_hi = rng.uniform(-0.05, 0.35), rng.uniform(-0.15, 0.15)
    shape = "arc" if rng.random() < 0.5 else "knee"
    polyline = int(rng.integers(5, 13)) if rng.random() < 0.15 else 0
    tail_kind = rng.random()
    curves = []
    sat = lambda s: (1 - np.exp(-k_crowd * s)) / (1 - np.exp(-k_crowd * s_hi))
    for i, s in enumerate(speeds_frac):
        f = i / max(n - 1, 1)
        x_c = flow_scale * sat(s)
        x_s = x_c * min(0.95, np.interp(f, [0, 1], [surge_frac, surge_frac_hi]))
        y_s = 1 + (pr_max - 1) * (s / s_hi) ** beta
        if tail_kind < 0.5:
            y_floor = 1 + (y_s - 1) * rng.uniform(0.25, 0.6)
        else:
            y_floor = 1 + (y_s - 1) * rng.uniform(0.6, 0.85)
        kind = "arc" if shape == "arc" else ("knee", float(np.interp(f, [0, 1], [flat_lo, flat_hi])))
        pts = _speedline(rng, x_s, y_s, x_c, y_floor, kind, f)
        if polyline:  # published data points joined by straight segments
            idx = np.unique(np.linspace(0, len(pts) - 1, polyline).astype(int))
            q = pts[idx]
            pts = _resample(q[:, 0], q[:, 1], x_c - x_s, max(y_s - y_floor, 1e-9))
        curves.append(pts)
    allp = np.vstack(curves)
    x_lo, x_hi = allp[:, 0].min(), allp[:, 0].max()
    y_lo, y_hi = allp[:, 1].min(), allp[:, 1].max()
    return speeds_frac, curves, (x_lo, x_hi), (y_lo, y_hi)


def _nice_limits(lo, hi, rng, log=False):
    if log:
        lo = max(lo, 1e-3)
        return float(lo / rng.uniform(1.05, 1.5)), float(hi * rng.uniform(1.05, 1.4))
    span = hi - lo
    lo2 = lo - span * rng.uniform(0.03, 0.3)
    hi2 = hi + span * rng.uniform(0.03, 0.25)
    step = 10 ** np.floor(np.log10((hi2 - lo2) / 5))
    for m in (1, 2, 2.5, 5, 10):
        if (hi2 - lo2) / (step * m) <= 8:
            step *= m
            break
    lo3 = np.floor(lo2 / step) * step
    hi3 = np.ceil(hi2 / step) * step
    if lo3 < 0 <= lo:
        lo3 = 0.0
    return float(lo3), float(hi3)


def _even_in_axes(c, fx, fy, sx, sy, n=N_POINTS):
    u, v = fx(c[:, 0]) / sx, fy(c[:, 1]) / sy
    d = np.concatenate([[0], np.cumsum(np.hypot(np.diff(u), np.diff(v)))])
    si = np.linspace(0, d[-1], n)
    return np.column_stack([np.interp(si, d, c[:, 0]), np.interp(si, d, c[:, 1])])


def _speed_values(rng, speeds_frac):
    """Printed speed values and their label texts."""
    fmt = LABEL_FORMATS[int(rng.integers(len(LABEL_FORMATS)))]
    rpm_max = float(rng.choice([12000, 25000, 40000, 60000, 90000, 120000, 150000, 200000]))
    vals, texts = [], []
    # how the words around the number are printed ('N = 0.90', '90% N', '12,000 rpm'): drawn from a
    # generator of its own, so that adding variants leaves every other choice of a map unchanged
    sub = np.random.default_rng([int(rpm_max), len(speeds_frac), int(round(float(speeds_frac[0]) * 1e6))])
    word = int(sub.integers(4))
    for s in speeds_frac:
        pct = round(s * 100)
        if fmt == "frac":
            v = round(s, 2)
            vals.append(v); texts.append(f"{v:.2f}")
        elif fmt == "pct":
            vals.append(pct); texts.append(f"{pct}%")
        elif fmt == "pct_space":
            vals.append(pct); texts.append(f"{pct} %")
        elif fmt == "nsqrt":
            v = round(s, 2)
            vals.append(v); texts.append(f"N/√θ = {v:g}")
        elif fmt == "rpm":
            v = int(round(s * rpm_max / 1000) * 1000)
            vals.append(v); texts.append(f"{v} rpm")
        elif fmt == "krpm":
            v = int(round(s * rpm_max / 1000))
            vals.append(v); texts.append(f"{v}k")
        else:
            vals.append(pct); texts.append(f"{pct}")
        t = texts[-1]
        variants = {1: {"frac": "N = {t}", "pct": "{t} N", "rpm": "{v:,} rpm", "krpm": "{v} krpm"},
                    2: {"frac": "{t} N", "pct": "N = {t}", "rpm": "n = {v} rpm", "pct_space": "{t} speed"}}
        form = variants.get(word, {}).get(fmt)
        if form:
            texts[-1] = form.format(t=t, v=vals[-1])
    # speeds must be distinct and rising; nudge duplicates produced by rounding
    return fmt, vals, texts


# ----------------------------------------------------------------------------- sampling
def sample_map(rng: np.random.Generator, style: str | None = None) -> dict:
    """Draw all random choices of one map into a JSON-able dict."""
    style = style or STYLES[int(rng.integers(len(STYLES)))]
    p: dict = {"style": style}
    speeds_frac, curves, (xa, xb), (ya, yb) = _family(rng)
    p["x_log"] = bool(rng.random() < 0.07)
    p["y_log"] = bool(rng.random() < 0.1)
    p["xlim"] = _nice_limits(xa, xb, rng, p["x_log"])
    p["ylim"] = _nice_limits(min(ya, 1.0) if rng.random() < 0.4 else ya, yb, rng, p["y_log"])
    # truth points evenly spaced in the axis box (as the scorer measures), not per curve
    fx = np.log10 if p["x_log"] else (lambda v: v)
    fy = np.log10 if p["y_log"] else (lambda v: v)
    sx = fx(p["xlim"][1]) - fx(p["xlim"][0])
    sy = fy(p["ylim"][1]) - fy(p["ylim"][0])
    curves = [_even_in_axes(c, fx, fy, sx, sy) for c in curves]
    fmt, vals, texts = _speed_values(rng, speeds_frac)
    # drop duplicates (rounding) by keeping rising values only
    keep = [0] + [i for i in range(1, len(vals)) if vals[i] > vals[i - 1]]
    p["curves"] = [curves[i].tolist() for i in keep]
    p["speeds"] = [vals[i] for i in keep]
    p["labels"] = [texts[i] for i in keep]
    p["label_format"] = fmt

    # size and resolution
    width = int(rng.integers(400, 2500)) if rng.random() < 0.7 else int(rng.integers(500, 1100))
    aspect = rng.uniform(0.55, 1.0)
    p["size_px"] = [width, int(width * aspect)]
    p["dpi"] = float(np.clip(width / rng.uniform(5.0, 10.0), 50, 300))

    color_mode = {"nasa": "bw", "textbook": "bw", "turbo": rng.choice(["bw", "color"]),
                  "datasheet": rng.choice(["bw", "color", "mono"]),
                  "matplotlib": "color", "spreadsheet": "color"}.get(style, rng.choice(["bw", "color", "mono"]))
    p["color_mode"] = str(color_mode)
    p["line_width_px"] = float(rng.uniform(0.6, 3.0))
    p["dashed"] = bool(rng.random() < 0.12)
    p["markers"] = bool(style == "spreadsheet" and rng.random() < 0.7 or rng.random() < 0.08)
    p["label_place"] = str(rng.choice(["end", "end", "inline", "legend", "none", "surge"]))
    if style == "crop":
        p["label_place"] = str(rng.choice(["none", "none", "inline"]))
    if style == "spreadsheet" or (style == "matplotlib" and rng.random() < 0.5):
        p["label_place"] = "legend"
    p["grid"] = str(rng.choice(["none", "major", "major", "minor"])) if style != "crop" else "major"
    p["surge"] = bool(rng.random() < 0.85)
    p["islands"] = int(rng.integers(0, 8)) if rng.random() < 0.8 else 0
    p["islands_filled"] = bool(rng.random() < 0.25)
    p["rlines"] = int(rng.integers(3, 14)) if (style in ("nasa", "crop") and rng.random() < 0.7 or rng.random() < 0.2) else 0
    p["op_lines"] = int(rng.integers(0, 3)) if rng.random() < 0.35 else 0
    p["choke_line"] = bool(rng.random() < 0.2)
    p["frame"] = str(rng.choice(["box", "box", "box", "open"])) if style != "crop" else "box"
    p["font"] = str(rng.choice(["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"]))
    p["font_scale"] = float(rng.uniform(0.7, 1.4))
    p["tint"] = bool(style == "textbook" or rng.random() < 0.15)
    p["noise"] = float(rng.uniform(2, 14)) if (style in ("textbook",) or rng.random() < 0.2) else 0.0
    p["blur"] = float(rng.uniform(0.4, 1.2)) if rng.random() < 0.3 else 0.0
    p["jpeg"] = int(rng.integers(35, 90)) if rng.random() < 0.35 else 0
    p["rotation_deg"] = float(rng.uniform(-1.5, 1.5)) if (style == "textbook" or rng.random() < 0.1) else 0.0
    p["downscale"] = float(rng.uniform(0.4, 0.8)) if rng.random() < 0.12 else 1.0
    p["seed"] = int(rng.integers(2**31))
    # drawn last so that the choices above stay as earlier generator versions drew them for the same seed
    p["rline_scale"] = float(rng.uniform(1.4, 2.4)) if rng.random() < 0.35 else 1.0  # R-line net as heavy as the speedlines
    # a grey plot panel with a white grid (ggplot2, seaborn 'darkgrid', some report templates); drawn
    # last, so that every other choice of a map stays the same
    p["panel"] = None
    if style != "crop" and rng.random() < 0.15:
        p["panel"] = {"face": str(rng.choice(["#ebebeb", "#eaeaf2", "#e5e5e5", "#dfe4ea", "#d9d9d9"])),
                      "grid_lw": float(rng.uniform(0.8, 1.8)), "frame": bool(rng.random() < 0.4)}
    return p


# ----------------------------------------------------------------------------- drawing
_PALETTES = {
    "color": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"],
    "excel": ["#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E"],
}


def _free_spot(fig, text, placed: list, spots: list, move) -> None:
    """Put `text` at the first of `spots` (applied by `move(text, spot)`) where it prints clear of the
    labels `placed` before it, else where it overlaps them least; add its extent to `placed`. Authors keep
    speed labels legible: where speedlines end close together they stagger the labels. (Labels that only
    touch, overlapping by under a third of their height, are left: they read.)"""
    r = fig.canvas.get_renderer()

    def extent(t):
        patch = t.get_bbox_patch()
        if patch is not None:
            t.update_bbox_position_size(r)
            return patch.get_window_extent(r)
        return t.get_window_extent(r)

    def overlap(e):
        area = 0.0
        for o in placed:
            ix, iy = min(e.x1, o.x1) - max(e.x0, o.x0), min(e.y1, o.y1) - max(e.y0, o.y0)
            if ix > 1 and iy > min(e.height, o.height) / 3:
                area += ix * iy
        return area

    best = None
    for k, s in enumerate(spots):
        move(text, s)
        a = overlap(extent(text))
        if best is None or a < best[0]:
            best = (a, k)
        if a == 0:
            break
    move(text, spots[best[1]])
    placed.append(extent(text))


def _draw(p: dict, mask_mode: bool):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    rng = np.random.default_rng(p["seed"])
    w, h = p["size_px"]
    dpi = p["dpi"]
    pt = 72.0 / dpi  # points per pixel
    fs = max(5.0, p["font_scale"] * 9.0 * (w / 800) ** 0.5 * 100 / dpi)
    bg = "black" if mask_mode else "white"
    hide = "black"  # occluder colour in the mask

    def col(c):
        return hide if mask_mode else c

    with matplotlib.rc_context({"font.family": p["font"], "font.size": fs, "axes.linewidth": 0.8 * max(1, w / 900),
                                "mathtext.fontset": "dejavusans"}):
        fig = plt.figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor=bg)
        if p["style"] == "crop":
            ax = fig.add_axes([0, 0, 1, 1])
        else:
            l = rng.uniform(0.08, 0.16) * (1.3 if fs > 12 else 1)
            b = rng.uniform(0.08, 0.15) * (1.3 if fs > 12 else 1)
            r = rng.uniform(0.02, 0.2 if p["label_place"] == "legend" else 0.08)
            t = rng.uniform(0.03, 0.12)
            ax = fig.add_axes([l, b, 1 - l - r, 1 - b - t])
        panel = p.get("panel")
        ax.set_facecolor(panel["face"] if panel and not mask_mode else bg)
        if panel and not panel["frame"]:
            for sp in ax.spines.values():
                sp.set_visible(False)
        ax.set_xlim(*p["xlim"]); ax.set_ylim(*p["ylim"])
        if p["x_log"]:
            ax.set_xscale("log")
        if p["y_log"]:
            ax.set_yscale("log")
        ax.set_xlim(*p["xlim"]); ax.set_ylim(*p["ylim"])
        # frame, ticks, labels
        fc = col("black")
        for name, sp in ax.spines.items():
            sp.set_color(fc)
            if p["frame"] == "open" and name in ("top", "right"):
                sp.set_visible(False)
        ax.tick_params(colors=fc, labelcolor=fc, direction=str(rng.choice(["in", "out"])))
        if p["style"] == "crop":
            ax.set_xticklabels([]); ax.set_yticklabels([])
            ax.tick_params(length=0)
        else:
            unit = rng.choice(["kg/s", "lbm/s", "lb/min", "kg/s", "m³/s"])
            xl = str(rng.choice([f"Corrected mass flow [{unit}]", f"Corrected flow, {unit}",
                                 f"$W\\sqrt{{\\theta}}/\\delta$, {unit}", f"Mass flow ({unit})"]))
            yl = str(rng.choice(["Pressure ratio", "Total pressure ratio", "PR", "$\\pi_c$", "Pressure Ratio (t-t)"]))
            ax.set_xlabel(xl, color=fc); ax.set_ylabel(yl, color=fc)
            if rng.random() < 0.3:
                ax.set_title(str(rng.choice(["Compressor map", "Fan performance", "HPC map", "Stage characteristic"])),
                             color=fc)
        if p["grid"] != "none":
            gc = col(str(rng.choice(["#b0b0b0", "#d0d0d0", "#808080", "#000000"])))
            glw, gls = rng.uniform(0.3, 1.0), str(rng.choice(["-", "-", ":", "--"]))  # drawn on a panel too
            if not panel:
                ax.grid(True, which="major", color=gc, lw=glw, ls=gls, zorder=0.5)
                if p["grid"] == "minor":
                    ax.minorticks_on()
                    ax.grid(True, which="minor", color=gc, lw=0.3, alpha=0.6, zorder=0.5)
        if panel:  # white grid lines on the grey panel, major and half-width minor ones
            ax.minorticks_on()
            ax.grid(True, which="major", color=col("white"), lw=panel["grid_lw"], ls="-", zorder=0.5)
            ax.grid(True, which="minor", color=col("white"), lw=0.5 * panel["grid_lw"], ls="-", zorder=0.5)
        ax.set_axisbelow(True)

        curves = [np.array(c) for c in p["curves"]]
        n = len(curves)
        if p["color_mode"] == "color":
            pal = _PALETTES["excel" if p["style"] == "spreadsheet" else "color"]
            off = int(rng.integers(len(pal)))
            colors = [pal[(i + off) % len(pal)] for i in range(n)]
        elif p["color_mode"] == "mono":
            c = str(rng.choice(["#1030a0", "#a01010", "#006000", "#303030"]))
            colors = [c] * n
        else:
            colors = ["black"] * n
        lw = p["line_width_px"] * pt
        ls = (0, (rng.uniform(3, 8), rng.uniform(2, 4))) if p["dashed"] else "-"

        # efficiency islands (below or above speedlines)
        xs = np.array(ax.get_xlim()); ys = np.array(ax.get_ylim())
        fx = (lambda v: np.log10(v)) if p["x_log"] else (lambda v: v)
        gx = (lambda v: 10 ** v) if p["x_log"] else (lambda v: v)
        fy = (lambda v: np.log10(v)) if p["y_log"] else (lambda v: v)
        gy = (lambda v: 10 ** v) if p["y_log"] else (lambda v: v)
        if p["islands"]:
            mid = curves[int(n * rng.uniform(0.4, 0.8))]
            cpt = mid[int(len(mid) * rng.uniform(0.2, 0.5))]
            cx, cy = fx(cpt[0]), fy(cpt[1])
            rx0 = (fx(xs[1]) - fx(xs[0])) * rng.uniform(0.02, 0.06)
            ry0 = (fy(ys[1]) - fy(ys[0])) * rng.uniform(0.015, 0.05)
            ang = rng.uniform(0.1, 0.9)
            icol = str(rng.choice(["black", "#555555", "#2060c0", "#c03030", "#208020", "#8040a0"]))
            ils = str(rng.choice(["-", "--", ":", "-."]))
            cmap = plt.get_cmap(str(rng.choice(["viridis", "jet", "YlOrRd", "Greys", "coolwarm"])))
            above = rng.random() < 0.4
            eff0 = int(rng.integers(60, 84))
            for k in range(p["islands"], 0, -1):
                th = np.linspace(0, 2 * np.pi, 300)
                grow = 1 + (k - 1) * 6.0 / max(p["islands"], 1) * rng.uniform(0.6, 1.0)
                wob = 1 + 0.08 * np.sin(3 * th + k) + 0.05 * np.cos(2 * th - k)
                ex = rx0 * grow * np.cos(th) * wob
                ey = ry0 * grow * np.sin(th) * wob * (1 + 0.5 * (k / p["islands"]) * (np.sin(th) > 0))
                X = cx + ex * np.cos(ang) - ey * np.sin(ang) * 0.5
                Y = cy + ex * np.sin(ang) * 0.4 + ey * np.cos(ang)
                X, Y = gx(X), gy(Y)
                z = SPEEDLINE_Z + 0.5 if above else 2
                if p["islands_filled"]:
                    ax.fill(X, Y, color=col(cmap(1 - k / (p["islands"] + 1))), zorder=1.5 + 0.01 * (p["islands"] - k),
                            lw=0) if not mask_mode else None
                ax.plot(X, Y, color=col(icol), lw=rng.uniform(0.5, 1.5) * pt * 1.5, ls=ils, zorder=z)
                if rng.random() < 0.7:
                    j = int(rng.integers(len(X)))
                    ax.text(X[j], Y[j], f"{eff0 + 2 * k}" + ("%" if rng.random() < 0.4 else ""), fontsize=fs * 0.8,
                            color=col(icol), zorder=SPEEDLINE_Z + 1, ha="center", va="center",
                            bbox=dict(fc=col("white"), ec="none", pad=0.5) if rng.random() < 0.5 else None)

        # surge line through the left ends
        if p["surge"]:
            sx = np.array([c[0, 0] for c in curves]); sy = np.array([c[0, 1] for c in curves])
            ext = rng.uniform(0.0, 0.08)
            sx = np.concatenate([[sx[0] - (sx[1] - sx[0]) * ext * 5], sx, [sx[-1] + (sx[-1] - sx[-2]) * 0.3]]) if n > 1 else sx
            sy = np.concatenate([[sy[0] - (sy[1] - sy[0]) * ext * 5], sy, [sy[-1] + (sy[-1] - sy[-2]) * 0.3]]) if n > 1 else sy
            ax.plot(sx, sy, color=col(str(rng.choice(["black", "#c00000", "#404040"]))),
                    lw=rng.uniform(1.5, 4.5) * pt * max(1, w / 900), zorder=SPEEDLINE_Z + 0.2,
                    ls=str(rng.choice(["-", "-", "--"])))
            if rng.random() < 0.5 and not p["style"] == "crop":
                ax.text(sx[len(sx) // 2], sy[len(sy) // 2], "  Surge line", color=col("black"), fontsize=fs,
                        rotation=rng.uniform(20, 60), zorder=SPEEDLINE_Z + 1, ha="right")

        # R-lines / beta lines and operating lines: polylines through the same fraction of each speedline
        def through(u):
            return np.array([c[min(len(c) - 1, int(u * (len(c) - 1)))] for c in curves])

        for k in range(p["rlines"]):
            u = 0.05 + 0.85 * (k + 0.5) / p["rlines"]
            q = through(u)
            ax.plot(q[:, 0], q[:, 1], color=col("black" if p["color_mode"] != "color" else "#606060"),
                    lw=rng.uniform(0.3, 1.0) * p.get("rline_scale", 1.0) * max(lw, 1.2 * pt), ls=str(rng.choice(["-", "-", "--", ":"])),
                    zorder=SPEEDLINE_Z + 0.3)
        for k in range(p["op_lines"]):
            q = through(rng.uniform(0.3, 0.6))
            ax.plot(q[:, 0], q[:, 1], color=col(str(rng.choice(["black", "#d00000", "#0000d0"]))),
                    lw=rng.uniform(1.0, 3.0) * pt * 1.5, ls=str(rng.choice(["-", "--", "-."])), zorder=SPEEDLINE_Z + 0.3)
        if p["choke_line"]:
            q = np.array([c[-1] for c in curves])
            ax.plot(q[:, 0], q[:, 1] * 1.0, color=col("black"), lw=2 * pt, ls="--", zorder=SPEEDLINE_Z + 0.3)

        # speedlines (white in the mask)
        for i, c in enumerate(curves):
            ax.plot(c[:, 0], c[:, 1], color="white" if mask_mode else colors[i], lw=lw, ls=ls, zorder=SPEEDLINE_Z,
                    solid_capstyle="butt", dash_capstyle="butt")
            if p["markers"]:
                m = str(rng.choice(["o", "s", "^", "D", "x", "+"]))
                idx = np.linspace(0, len(c) - 1, int(rng.integers(4, 10))).astype(int)
                ax.plot(c[idx, 0], c[idx, 1], ls="none", marker=m, ms=rng.uniform(3, 7) * pt * 2,
                        color=col(colors[i]), mfc=col(colors[i]) if rng.random() < 0.5 else (bg if mask_mode else "white"),
                        zorder=SPEEDLINE_Z + 0.4)

        # speed labels
        place = p["label_place"]
        boxed = rng.random() < 0.6
        lab_pos = rng.uniform(0.15, 0.7)
        placed = []  # the labels' extents so far: a label that would print over one moves (see _free_spot)
        for i, (c, txt) in enumerate(zip(curves, p["labels"])):
            if place == "end":
                j = len(c) - 1
                t = ax.annotate(txt, (c[j, 0], c[j, 1]), xytext=(0, -fs * 0.9), textcoords="offset points",
                                ha="center", va="top", fontsize=fs * 0.85, color=col(colors[i]),
                                zorder=SPEEDLINE_Z + 1)
                spots = [(dx * fs, -fs * (0.9 + dy)) for dy in (0, 1.2, 2.4) for dx in (0, 1.5, -1.5, 3, -3)]
                _free_spot(fig, t, placed, spots, lambda t, s: setattr(t, "xyann", s))
            elif place == "surge":
                t = ax.annotate(txt, (c[0, 0], c[0, 1]), xytext=(-3, 2), textcoords="offset points", ha="right",
                                va="bottom", fontsize=fs * 0.85, color=col(colors[i]), zorder=SPEEDLINE_Z + 1)
                spots = [(-3 - dx * fs, 2 - dy * fs) for dx in (0, 1.5, 3, 4.5) for dy in (0, 0.6, -0.6)]
                _free_spot(fig, t, placed, spots, lambda t, s: setattr(t, "xyann", s))
            elif place == "inline":
                j = int(lab_pos * (len(c) - 1))
                t = ax.text(c[j, 0], c[j, 1], txt, ha="center", va="center", fontsize=fs * 0.8, color=col("black"),
                            zorder=SPEEDLINE_Z + 1,
                            bbox=dict(fc=col("white"), ec=col("black") if boxed else "none", lw=0.5, pad=1.0))
                spots = [c[int(np.clip(lab_pos + d, 0.05, 0.95) * (len(c) - 1))]
                         for d in (0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.4, -0.4)]
                _free_spot(fig, t, placed, spots, lambda t, s: t.set_position(tuple(s)))
        if place == "legend":
            handles = [Line2D([], [], color=col(colors[i]), lw=lw, ls=ls) for i in range(n)]
            loc = str(rng.choice(["upper left", "lower right", "center right", "upper right"]))
            frameon = bool(rng.random() < 0.8)
            outside = bool(rng.random() < 0.4 and p["style"] != "crop")
            title = str(rng.choice(["", "N/√θ", "Speed", "rpm"])) or None
            if outside:  # beside the plot, right of the frame: the legend's top left corner at the frame's top right
                loc = "upper left"
            leg = ax.legend(handles, p["labels"], loc=loc, fontsize=fs * 0.8, frameon=frameon,
                            bbox_to_anchor=(1.01, 1.0) if outside else None, title=title)
            if outside:  # narrow the plot until the whole legend lies inside the image
                over = leg.get_window_extent(fig.canvas.get_renderer()).x1 - fig.bbox.width + 4
                if over > 0:
                    pos = ax.get_position()
                    ax.set_position([pos.x0, pos.y0, pos.width - over / fig.bbox.width, pos.height])
            leg.set_zorder(SPEEDLINE_Z + 2)
            for t in leg.get_texts():
                t.set_color(col("black"))
            if mask_mode:
                leg.get_frame().set_facecolor("black"); leg.get_frame().set_edgecolor("black")
                if leg.get_title():
                    leg.get_title().set_color("black")

        buf = io.BytesIO()
        fig.savefig(buf, format="raw", dpi=dpi, facecolor=bg)
        rgba = np.frombuffer(buf.getvalue(), np.uint8).reshape(int(round(fig.bbox.height)), int(round(fig.bbox.width)), 4)
        trans = ax.transData
        pix = [trans.transform(c) for c in curves]
        H = rgba.shape[0]
        pix = [np.column_stack([q[:, 0], H - q[:, 1]]) for q in pix]
        bb = ax.get_window_extent()
        box = [float(bb.x0), float(H - bb.y1), float(bb.x1), float(H - bb.y0)]
        plt.close(fig)
    return rgba[..., :3].copy(), pix, box


def _rotate(img, angle, fill, order):
    from scipy import ndimage

    return ndimage.rotate(img, angle, reshape=False, order=order, mode="constant", cval=fill)


def _rot_points(pts, angle, w, h):
    """Pixel coordinates after scipy.ndimage.rotate(..., reshape=False) by `angle` degrees."""
    a = np.deg2rad(angle)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    x, y = pts[:, 0] - cx, pts[:, 1] - cy
    # ndimage rotates the array counter-clockwise as displayed for positive angles
    xr = x * np.cos(a) + y * np.sin(a)
    yr = -x * np.sin(a) + y * np.cos(a)
    return np.column_stack([xr + cx, yr + cy])


def _label_digit_px(p: dict) -> float:
    """How tall the speed labels' digits are in the final picture, in pixels (0.72 of the font's em, the
    digit height of the fonts drawn; after any downscaling). Print under about 7 px is hard to read for
    people and OCR alike."""
    w = p["size_px"][0]
    fs = max(5.0, p["font_scale"] * 9.0 * (w / 800) ** 0.5 * 100 / p["dpi"])  # points, as _draw sets it
    em = fs * (0.85 if p["label_place"] in ("end", "surge") else 0.8) * p["dpi"] / 72.0
    s = max(p["downscale"], 300 / w) if p["downscale"] != 1.0 else 1.0
    return 0.72 * em * s


def render(p: dict) -> SynthMap:
    """Draw a sampled map (picture, mask and ground truth)."""
    img, pix, box = _draw(p, mask_mode=False)
    mimg, _, _ = _draw(p, mask_mode=True)
    mask = (mimg.max(axis=2) >= 50).astype(np.uint8) * 255
    # pixel coordinates: matplotlib's pixel centres are at +0.5
    pix = [q - 0.5 for q in pix]
    box = [v - 0.5 for v in box]
    rng = np.random.default_rng(p["seed"] + 1)
    img = img.astype(np.float32)
    if p["tint"]:
        img = img * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.82, 0.97)])[None, None] \
              - rng.uniform(0, 25) * (1 - img / 255)
    if p["blur"]:
        from scipy import ndimage

        img = ndimage.gaussian_filter(img, sigma=(p["blur"], p["blur"], 0))
    if p["noise"]:
        img = img + rng.normal(0, p["noise"], img.shape[:2])[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    h, w = mask.shape
    if p["rotation_deg"]:
        img = np.stack([_rotate(img[..., k], p["rotation_deg"], 255 if not p["tint"] else 230, 1) for k in range(3)], -1)
        mask = (_rotate(mask, p["rotation_deg"], 0, 1) >= 128).astype(np.uint8) * 255
        pix = [_rot_points(q, p["rotation_deg"], w, h) for q in pix]
    if p["downscale"] != 1.0:
        from PIL import Image

        s = p["downscale"]
        s = max(s, 300 / w)
        nw, nh = int(w * s), int(h * s)
        img = np.asarray(Image.fromarray(img).resize((nw, nh), Image.BILINEAR))
        mask = (np.asarray(Image.fromarray(mask).resize((nw, nh), Image.BILINEAR)) >= 100).astype(np.uint8) * 255
        sx, sy = nw / w, nh / h
        pix = [np.column_stack([(q[:, 0] + 0.5) * sx - 0.5, (q[:, 1] + 0.5) * sy - 0.5]) for q in pix]
        box = [(box[0] + 0.5) * sx - 0.5, (box[1] + 0.5) * sy - 0.5, (box[2] + 0.5) * sx - 0.5, (box[3] + 0.5) * sy - 0.5]
    if p["jpeg"]:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=p["jpeg"])
        img = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))

    curves = []
    for pts, q, spd, lab in zip(p["curves"], pix, p["speeds"], p["labels"]):
        labelled = p["label_place"] != "none"
        curves.append({"speed": spd if labelled else None, "label": lab if labelled else None,
                       "points": [[float(a), float(b)] for a, b in pts],
                       "pixels": [[round(float(a), 2), round(float(b), 2)] for a, b in q],
                       "dashed": p["dashed"]})
    truth = {"image": None, "xlim": list(p["xlim"]), "ylim": list(p["ylim"]), "x_log": p["x_log"], "y_log": p["y_log"],
             "plot_box_px": [round(v, 2) for v in box], "rotation_deg": p["rotation_deg"], "style": p["style"],
             "label_place": p["label_place"], "label_format": p["label_format"],
             "label_digit_px": round(_label_digit_px(p), 1), "blur": p["blur"], "curves": curves}
    return SynthMap(img, mask, truth)


def generate(seed: int, index: int, style: str | None = None) -> SynthMap:
    """The `index`-th map of the series drawn with `seed` (independent of how many are drawn)."""
    rng = np.random.default_rng([seed, index])
    return render(sample_map(rng, style))


def write(m: SynthMap, out_dir: Path, name: str, ext: str | None = None) -> Path:
    """Write NAME.png/.jpg, NAME.mask.png and NAME.json into out_dir."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    ext = ext or ".png"
    img_path = out_dir / f"{name}{ext}"
    Image.fromarray(m.image).save(img_path, quality=92) if ext == ".jpg" else Image.fromarray(m.image).save(img_path)
    Image.fromarray(m.mask).save(out_dir / f"{name}.mask.png")
    truth = dict(m.truth, image=img_path.name)
    (out_dir / f"{name}.json").write_text(json.dumps(truth))
    return img_path


def _write_one(args) -> str:
    seed, index, out_dir, style, prefix = args
    m = generate(seed, index, style)
    ext = ".jpg" if m.truth.get("style") == "textbook" and index % 2 else ".png"
    return write(m, Path(out_dir), f"{prefix}{index:05d}", ext).name


def generate_dir(n: int, out_dir: Path, seed: int = 0, style: str | None = None, workers: int = 1,
                 start: int = 0, prefix: str = "map_", progress=None) -> list[str]:
    """Write maps start..start+n-1 of series `seed` into out_dir; returns the image file names."""
    jobs = [(seed, i, str(out_dir), style, prefix) for i in range(start, start + n)]
    if workers > 1:
        from multiprocessing import get_context

        with get_context("spawn").Pool(workers) as pool:
            it = pool.imap(_write_one, jobs)
            return [progress(x) if progress else x for x in it]
    return [progress(_write_one(j)) if progress else _write_one(j) for j in jobs]


def truth_calibration(truth: dict, shape: tuple):
    """The exact Calibration of a generated map (rotation about the image centre, as rendered)."""
    from ..calibrate import Calibration

    h, w = shape[:2]
    return Calibration.from_box(truth["plot_box_px"], truth["xlim"], truth["ylim"], truth["x_log"], truth["y_log"],
                                rotation_deg=truth.get("rotation_deg", 0.0), centre=((w - 1) / 2, (h - 1) / 2))
