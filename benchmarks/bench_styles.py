"""Maps in styles the generator does not draw: matplotlib's own style sheets, whole pipeline, no hints.

    python benchmarks/bench_styles.py [--maps 48] [--seed 5] [--keep DIR] [--shapes real] [--degrade] [--stacked] [--contours]
    python benchmarks/bench_styles.py --programs [--maps 24]

The synthetic generator (`speedline_digitizer.synth`) draws its own styles; the held-out maps are in
publication styles it was not told about. This draws simple compressor maps with matplotlib style
sheets the generator never uses (ggplot, fivethirtyeight, seaborn's whitegrid / darkgrid / ticks, bmh,
Solarize, dark_background, grayscale, classic, tableau-colorblind10) and a spreadsheet's default chart
(horizontal grid only, no spines, legend under the plot): spine-less grids, grey panels,
light-on-dark, colour cycles, markers on measured points, legends, end and boxed inline labels, an
efficiency island, sizes 640-1600 px wide. `--shapes real` draws the speedlines of the research's
13 real samples instead (GasTurb-like shapes traced from published maps), with R-lines on half the maps.
`--degrade` turns each map into a scan-like JPEG copy (rotated up to 1.2 degrees, resampled to 75-100 %,
blurred, tinted, noisy). `--stacked` sets each map above (on a third of them below) an efficiency
plot sharing its x axis, as report figures often do. `--contours` draws an efficiency field over each plot,
as plotting scripts do (pyCycle-like): filled and colour-mapped with a colour bar, or colour-mapped contour
lines with their values (then black speedlines on two maps in three, else the style's colours; always
the style's colours with a legend). `--programs` draws the default looks of other plotting programs
instead (MATLAB, gnuplot's key with its samples right of the text, plotly, R's ggplot2 with a legend
outside, Origin's markers and bold frame, black lines told apart by line style, and black speedlines
among solid black efficiency contours with their values, as textbooks print them), speedlines of the
real samples on 60 % of the maps. Each map is digitized with no hints (`extract(path)`) and
with the axis limits given (frame detected); the shared scorer (tau 1 %) scores both. Prints the
figures per style sheet and in all, with the time per map (2-core CPU here).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common import load_scorer, score_curves  # noqa: E402
from speedline_digitizer import extract  # noqa: E402

STYLES = ["ggplot", "fivethirtyeight", "seaborn-v0_8-whitegrid", "seaborn-v0_8-darkgrid", "seaborn-v0_8-ticks",
          "bmh", "Solarize_Light2", "dark_background", "grayscale", "classic", "tableau-colorblind10", "spreadsheet-chart"]
SPREADSHEET = ["#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E", "#636363"]
PLACES = ["legend", "end", "inline", "none"]
PROGRAMS = ["matlab", "gnuplot", "plotly", "ggplot2", "origin", "bw-linestyles", "bw-islands", "bw-islands-bold"]
PROGRAM_COLOURS = {
    "matlab": ["#0072BD", "#D95319", "#EDB120", "#7E2F8E", "#77AC30", "#4DBEEE", "#A2142F"],
    "gnuplot": ["#9400D3", "#009E73", "#56B4E9", "#E69F00", "#F0E442", "#0072B2", "#E51E10", "#000000"],
    "plotly": ["#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880", "#FF97FF"],
    "origin": ["#000000", "#FF0000", "#0000FF", "#008000", "#FF00FF", "#808000", "#000080", "#800080", "#008080"],
}


def speedlines(rng, speeds):
    """Curves from surge to choke: flat tops falling into steep choke tails, surge points on a parabola."""
    a, b = rng.uniform(6, 12), rng.uniform(1.8, 3.2)
    out = []
    for n in speeds:
        ms, prs = 1.5 + a * n ** 1.4, 1.0 + b * n ** 2.1
        mc = ms + (0.15 + 0.25 * n) * a * rng.uniform(0.8, 1.2)
        t = np.linspace(0, 1, 80)
        pr = prs * (1 + 0.03 * t - 0.06 * t ** 2) - (prs - 1) * rng.uniform(0.4, 0.6) * t ** rng.uniform(6, 10)
        out.append(np.column_stack([ms + t * (mc - ms), pr]))
    return out


def real_speedlines(rng, samples: list):
    """The speedlines of one of the research's real samples (their truth curves, traced from real published
    maps: GasTurb-like shapes that bend all the way from surge to choke), smoothed (they were traced from
    284 x 140 px masks) and placed on random axes: mass flow 2-40, pressure ratio from 1 up to 2-12.
    (speeds, curves), lowest speedline first."""
    from scipy.ndimage import gaussian_filter1d

    raw = samples[int(rng.integers(len(samples)))]
    raw = sorted(raw, key=lambda c: c[:, 1].mean())
    x0 = rng.uniform(2, 20)
    x1 = x0 * rng.uniform(1.5, 3.0)
    y1 = rng.uniform(2, 12)
    allp = np.concatenate(raw)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    curves = []
    for c in raw:
        c = gaussian_filter1d(c, 2.5, axis=0, mode="nearest")
        c = c[np.r_[0:len(c):max(1, len(c) // 80), len(c) - 1]]
        u = (c - lo) / np.maximum(hi - lo, 1)
        curves.append(np.column_stack([x0 + u[:, 0] * (x1 - x0), 1.0 + (0.08 + 0.92 * u[:, 1]) * (y1 - 1.0)]))
    lo_n, step = rng.choice([0.4, 0.5, 0.6]), rng.choice([0.05, 0.1])
    return [round(lo_n + i * step, 2) for i in range(len(curves))], curves


def load_real_shapes(folder: Path) -> list:
    """Truth curves of the seed samples (points in their pixel axes), one list per sample."""
    import json

    out = []
    for f in sorted(folder.glob("*.json")):
        cs = [np.array(c["points"], float) for c in json.loads(f.read_text())["curves"]]
        out.append([c for c in cs if len(c) >= 10])
    return out


def r_lines(curves: list, n: int = 7) -> list:
    """GasTurb's auxiliary coordinates: thin lines through the points at the same fraction of arc length
    on each speedline (a second family of curves crossing the speedlines)."""
    def at(c, f):
        s = np.r_[0, np.cumsum(np.hypot(*np.diff(c, axis=0).T))]
        return np.array([np.interp(f * s[-1], s, c[:, 0]), np.interp(f * s[-1], s, c[:, 1])])
    return [np.array([at(c, f) for c in curves]) for f in np.linspace(0.0, 1.0, n)[1:]]


def degrade(path: Path, rng) -> Path:
    """A scan or a copy of a printed page: a small rotation (up to 1.2 degrees), resampling to 75-100 % of
    the size, a little blur, paper tint, sensor noise and JPEG compression (quality 50-85). Writes PATH.jpg;
    returns it."""
    from PIL import Image, ImageFilter

    im = Image.open(path).convert("RGB")
    page = im.getpixel((0, 0))  # the scanner's lid shows the page's own colour around a turned page
    im = im.rotate(float(rng.uniform(-1.2, 1.2)), resample=Image.BICUBIC, expand=True, fillcolor=page)
    f = float(rng.uniform(0.75, 1.0))
    im = im.resize((round(im.width * f), round(im.height * f)), Image.LANCZOS)
    im = im.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.2, 0.6))))
    a = np.asarray(im, float) * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)])
    a = np.clip(a + rng.normal(0, rng.uniform(2, 6), a.shape[:2])[..., None], 0, 255).astype(np.uint8)
    out = path.with_suffix(".jpg")
    Image.fromarray(a).save(out, quality=int(rng.integers(50, 86)))
    path.unlink()
    return out


def draw(path: Path, rng, style: str, place: str, real: list | None = None, stacked=None, contours=None):
    """One map in a matplotlib style sheet; returns the truth dict the scorer reads. real: the seed samples'
    speedline shapes to draw instead of the simple model's (with R-lines on half the maps). stacked (a
    random generator, or None): the map shares its x axis with an efficiency plot under it (above it on
    a third of the maps), as report figures often do; the efficiency curves are not speedlines.
    contours (a random generator, or None): an efficiency field over the whole plot, as plotting scripts
    draw it (pyCycle-like): filled and colour-mapped with a colour bar (speedlines black), or its contour
    lines in colour with their values on them (speedlines black on two maps in three); speedlines named
    in a legend keep the style's colours; end labels printed
    right at the foot of their choke tails on half of the maps."""
    if real:
        speeds, curves = real_speedlines(rng, real)
        k = len(speeds)
        fmt = rng.choice(["frac", "pct", "rpm"])
    else:
        k = int(rng.integers(5, 10))
        lo = rng.choice([0.4, 0.5, 0.6])
        step = rng.choice([0.05, 0.1])
        speeds = [round(lo + i * step, 2) for i in range(k)]
        fmt = rng.choice(["frac", "pct", "rpm"])
        curves = speedlines(rng, speeds)
    printed = {"frac": lambda n: f"N = {n:.2f}", "pct": lambda n: f"{round(n * 100)}%",
               "rpm": lambda n: f"{round(n * 40000)} rpm"}[fmt]
    value = {"frac": lambda n: n, "pct": lambda n: round(n * 100), "rpm": lambda n: round(n * 40000)}[fmt]
    markers = rng.random() < 0.35
    w_in, dpi = rng.uniform(6.4, 11), rng.choice([72, 100, 150])
    if w_in * dpi > 1600:
        dpi = 100
    with plt.style.context(style if style != "spreadsheet-chart" else "default"):
        h_in = w_in * rng.uniform(0.65, 0.85)
        if stacked is None:
            fig, ax = plt.subplots(figsize=(w_in, h_in), dpi=dpi)
        else:
            below = stacked.random() < 2 / 3
            ratio = [2.2, 1] if below else [1, 2.2]
            fig, axs = plt.subplots(2, 1, figsize=(w_in, h_in * 1.45), dpi=dpi, sharex=True,
                                    gridspec_kw={"height_ratios": ratio, "hspace": stacked.uniform(0.05, 0.2)})
            ax, eff_ax = (axs[0], axs[1]) if below else (axs[1], axs[0])
        if style == "spreadsheet-chart":  # a spreadsheet's default chart: horizontal grid only, no spines
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.spines["bottom"].set_color("#d9d9d9")
            ax.tick_params(colors="#595959", length=0)
            ax.grid(axis="y", color="#d9d9d9")
            ax.set_axisbelow(True)
            ax.set_prop_cycle(color=SPREADSHEET)
        black = foot = False
        if contours is not None:
            black, foot = contours.random() < 2 / 3, contours.random() < 0.5
            black |= field(ax, fig, contours, curves)  # over a filled field speedlines are drawn black ...
            black &= place != "legend"  # ... but for a legend, which tells them apart by colour
        for n, c in zip(speeds, curves):
            idx = np.r_[0:len(c):6, len(c) - 1] if markers else np.arange(len(c))
            ax.plot(c[idx, 0], c[idx, 1], "o-" if markers else "-", ms=3.5, lw=rng.uniform(1.0, 2.0),
                    label=printed(n) if place == "legend" else None,
                    **({"color": plt.rcParams["text.color"]} if black else {}))  # (white on a dark page)
            if place == "end" and foot:  # the text's corner on the tail's end (`text(x, y, s)`)
                ax.text(c[-1, 0], c[-1, 1], printed(n), fontsize=8)
            elif place == "end":
                ax.annotate(printed(n), c[-1], xytext=(3, -10), textcoords="offset points", fontsize=8)
            elif place == "inline":
                p = c[int(len(c) * rng.uniform(0.3, 0.55))]  # on the line between surge and knee
                ax.text(p[0], p[1], printed(n), fontsize=8, ha="center", va="center",
                        bbox=dict(fc=ax.get_facecolor(), ec="0.3", pad=1.5))
        if real and rng.random() < 0.5:
            for rl in r_lines(curves):
                ax.plot(rl[:, 0], rl[:, 1], "-", color="0.55" if style != "dark_background" else "0.5", lw=0.6)
        surge = np.array([c[0] for c in curves])
        ax.plot(surge[:, 0], surge[:, 1], "-", color="0.2" if style != "dark_background" else "0.8", lw=2)
        if rng.random() < 0.5 and contours is None:  # an efficiency island: nested dashed ellipses, their values
            cx, cy = np.mean(surge[:, 0]) + 0.15 * np.ptp(surge[:, 0]) + 1.0, np.mean(surge[:, 1])
            t = np.linspace(0, 2 * np.pi, 200)
            for r, e in zip((1.0, 0.7, 0.4), (78, 82, 84)):
                ax.plot(cx + r * 1.2 * np.cos(t), cy + r * 0.35 * np.sin(t), "--", color="tab:green", lw=0.8)
                ax.text(cx + r * 1.2, cy, f"{e}", fontsize=7, color="tab:green")
        if stacked is not None:  # efficiency along each speedline: a hump, lower at low speed
            for n, c in zip(speeds, curves):
                t = np.linspace(0, 1, len(c))
                eff = 0.88 - 0.25 * (t - 0.45) ** 2 - 0.08 * (max(speeds) - n) / max(np.ptp(speeds), 1e-9)
                eff_ax.plot(c[:, 0], eff, "-", lw=1.2)
            eff_ax.set_ylabel("Efficiency")
            eff_ax.set_ylim(0.7, 0.92)
            if style == "spreadsheet-chart":
                for side in ("top", "right", "left"):
                    eff_ax.spines[side].set_visible(False)
                eff_ax.grid(axis="y", color="#d9d9d9")
        if place == "legend" and style == "spreadsheet-chart":  # its legend sits under the plot
            fig.subplots_adjust(bottom=0.25)
            low = ax if stacked is None or not below else eff_ax  # under the whole figure
            low.legend(ax.get_legend_handles_labels()[0], ax.get_legend_handles_labels()[1], loc="upper center",
                       bbox_to_anchor=(0.5, -0.14 if low is ax else -0.35), ncol=min(k, 5), fontsize=8, frameon=False)
        elif place == "legend":
            ax.legend(loc="upper left", fontsize=8)
        (ax if stacked is None or not below else eff_ax).set_xlabel("Corrected mass flow [kg/s]")
        ax.set_ylabel("Total pressure ratio")
        xs = np.concatenate([c[:, 0] for c in curves])
        ys = np.concatenate([c[:, 1] for c in curves])
        ax.set_xlim(np.floor(xs.min() - 1), np.ceil(xs.max() + 1.5))
        ax.set_ylim(np.floor(ys.min() * 2 - 0.5) / 2, np.ceil(ys.max() * 2 + 0.5) / 2)
        fig.savefig(path, dpi=dpi)
        xlim, ylim = list(ax.get_xlim()), list(ax.get_ylim())
        plt.close(fig)
    return {"xlim": xlim, "ylim": ylim, "x_log": False, "y_log": False,
            "curves": [{"points": c.tolist(), "speed": value(n)}  # (unprinted on maps without labels)
                       for n, c in zip(speeds, curves)]}


def draw_program(path: Path, rng, kind: str, real: list):
    """One map in another plotting program's default look (`PROGRAMS`); returns the truth dict. Speedlines of
    the real samples on 60 % of the maps, else the simple model's; labels in a legend (the program's own
    placement) on 3 maps in 4, else at the choke ends (black-and-white maps with islands: at the choke
    ends or left of the surge ends)."""
    import colorsys

    if rng.random() < 0.6:
        speeds, curves = real_speedlines(rng, real)
    else:
        k = int(rng.integers(4, 9))
        lo, step = rng.choice([0.5, 0.6]), rng.choice([0.05, 0.1])
        speeds = [round(lo + j * step, 2) for j in range(k)]
        curves = speedlines(rng, speeds)
    k = len(speeds)
    fmt = rng.choice(["frac", "pct", "rpm"])
    printed = {"frac": lambda n: f"{n:.2f}", "pct": lambda n: f"{round(n * 100)}%",
               "rpm": lambda n: f"{round(n * 40000)} rpm"}[fmt]
    value = {"frac": lambda n: n, "pct": lambda n: round(n * 100), "rpm": lambda n: round(n * 40000)}[fmt]
    w, dpi = rng.uniform(6, 10), int(rng.choice([80, 100, 120]))
    fig, ax = plt.subplots(figsize=(w, w * rng.uniform(0.65, 0.8)), dpi=dpi)
    place = "legend" if rng.random() < 0.75 else "end"
    cols, lw, lss, leg = PROGRAM_COLOURS.get(kind, ["k"]), 1.2, ["-"], {}
    if kind == "matlab":  # ticks inside on all four sides, a boxed legend top right
        lw = 1.0
        ax.tick_params(direction="in", top=True, right=True)
        if rng.random() < 0.5:
            ax.grid(True, color="0.85", lw=0.5)
        leg = dict(loc="upper right", fancybox=False, edgecolor="0.15")
    elif kind == "gnuplot":  # its key: text first, the line sample right of it, no frame
        lw = 1.3
        ax.tick_params(direction="in", top=True, right=True)
        leg = dict(loc="upper right", frameon=False, markerfirst=False)
    elif kind == "plotly":  # blue-grey plot area, white grid, no spines, legend outside right
        lw = 2.0
        ax.set_facecolor("#E5ECF6")
        for side in ax.spines.values():
            side.set_visible(False)
        ax.grid(True, color="white", lw=1.0)
        ax.set_axisbelow(True)
        ax.tick_params(length=0, colors="#2a3f5f")
        leg = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    elif kind == "ggplot2":  # grey panel, white major and minor grid, hue palette, titled legend outside
        lw = 1.1
        cols = [colorsys.hls_to_rgb(((15 + 360 * j / k) % 360) / 360, 0.65, 0.6) for j in range(k)]
        ax.set_facecolor("#EBEBEB")
        for side in ax.spines.values():
            side.set_visible(False)
        ax.minorticks_on()
        ax.grid(True, which="major", color="white", lw=1.0)
        ax.grid(True, which="minor", color="white", lw=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(which="both", colors="#4D4D4D")
        ax.tick_params(which="minor", length=0)
        leg = dict(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, title="Speed")
    elif kind == "origin":  # bold frame, ticks inside, markers on the lines
        lw = 1.6
        for side in ax.spines.values():
            side.set_linewidth(1.5)
        ax.tick_params(direction="in", width=1.5, top=True, right=True)
        leg = dict(loc="upper left", fancybox=False, edgecolor="k")
    elif kind == "bw-linestyles":  # black lines told apart by dash pattern
        lw, lss = 1.0, ["-", "--", ":", "-."]
        leg = dict(loc="upper left", fancybox=False, edgecolor="k")
    else:  # bw-islands: black speedlines among solid black efficiency contours
        place = "end" if rng.random() < 0.6 else "surge"
    marks = ["s", "o", "^", "v", "D", "<", ">", "p", "h"] if kind == "origin" else [None]
    for j, (n, c) in enumerate(zip(speeds, curves)):
        ax.plot(c[:, 0], c[:, 1], ls=lss[j % len(lss)], color=cols[j % len(cols)], lw=lw,
                marker=marks[j % len(marks)], markevery=8, ms=5, label=printed(n) if place == "legend" else None)
        if place == "surge":
            ax.annotate(printed(n), c[0], xytext=(-4, 0), textcoords="offset points", fontsize=8, ha="right",
                        va="center")
        elif place == "end":
            ax.annotate(printed(n), c[-1], xytext=(2, -10), textcoords="offset points", fontsize=8)
    surge = np.array([c[0] for c in curves])
    ax.plot(surge[:, 0], surge[:, 1], "k-", lw=1.5)
    if kind.startswith("bw-islands"):  # four nested tilted ellipses, each with its value on a white patch
        allp = np.concatenate(curves)
        cx, cy = np.median(allp, axis=0) + [0.1 * np.ptp(allp[:, 0]), 0.0]
        sx, sy = 0.35 * np.ptp(allp[:, 0]), 0.3 * np.ptp(allp[:, 1])
        t, tilt = np.linspace(0, 2 * np.pi, 300), rng.uniform(0.2, 0.6)
        for r, e in zip((1.0, 0.75, 0.5, 0.25), (0.78, 0.80, 0.82, 0.84)):
            ex, ey = r * sx * np.cos(t), r * sy * np.sin(t)
            X = cx + ex * np.cos(tilt) - ey * np.sin(tilt) * sx / sy * 0.3
            Y = cy + ex * np.sin(tilt) * sy / sx + ey
            ax.plot(X, Y, "k-", lw=0.8 if kind == "bw-islands" else 1.2)
            ax.text(X[40], Y[40], f"{e:.2f}", fontsize=7, bbox=dict(fc="white", ec="none", pad=0.5))
    if place == "legend":
        ax.legend(fontsize=8, **leg)
    ax.set_xlabel("Corrected mass flow (kg/s)")
    ax.set_ylabel("Pressure ratio")
    xs, ys = np.concatenate([c[:, 0] for c in curves]), np.concatenate([c[:, 1] for c in curves])
    ax.set_xlim(np.floor(xs.min() - 1), np.ceil(xs.max() + 1.5))
    ax.set_ylim(np.floor(ys.min() * 2 - 0.5) / 2, np.ceil(ys.max() * 2 + 0.5) / 2)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    xlim, ylim = list(ax.get_xlim()), list(ax.get_ylim())
    plt.close(fig)
    return {"xlim": xlim, "ylim": ylim, "x_log": False, "y_log": False, "place": place,
            "curves": [{"points": c.tolist(), "speed": value(n)} for n, c in zip(speeds, curves)]}


def field(ax, fig, rng, curves):
    """An efficiency field over the whole plot: a hill centred among the speedlines, filled and colour-mapped
    with a colour bar (half the maps), or its contour lines colour-mapped with their values on them.
    Whether it was filled."""
    allp = np.concatenate(curves)
    xs = np.linspace(allp[:, 0].min() - 2, allp[:, 0].max() + 2.5, 160)
    ys = np.linspace(allp[:, 1].min() - 1, allp[:, 1].max() + 1, 160)
    X, Y = np.meshgrid(xs, ys)
    cx, cy = np.median(allp, axis=0) + rng.uniform(-0.15, 0.15, 2) * np.ptp(allp, axis=0)
    E = 0.9 - rng.uniform(0.2, 0.4) * ((X - cx) / np.ptp(allp[:, 0])) ** 2 \
        - rng.uniform(0.2, 0.4) * ((Y - cy) / np.ptp(allp[:, 1])) ** 2 - 0.1 * (X - cx) * (Y - cy) / np.ptp(allp)
    cmap = str(rng.choice(["viridis", "jet", "RdYlBu_r", "plasma", "coolwarm"]))
    if rng.random() < 0.5:
        cs = ax.contourf(X, Y, E, levels=int(rng.integers(8, 16)), cmap=cmap, alpha=float(rng.uniform(0.6, 1.0)))
        fig.colorbar(cs, ax=ax, label="Isentropic efficiency")
        return True
    else:
        cs = ax.contour(X, Y, E, levels=int(rng.integers(5, 10)), cmap=cmap, linewidths=float(rng.uniform(0.7, 1.3)))
        ax.clabel(cs, fontsize=7, fmt="%.2f")
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maps", type=int, default=48)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None, help="write the maps and overlays here")
    ap.add_argument("--degrade", action="store_true",
                    help="scan-like copies: small rotation, resampling, blur, paper tint, noise, JPEG")
    ap.add_argument("--stacked", action="store_true",
                    help="each map shares its x axis with an efficiency plot under (or above) it")
    ap.add_argument("--contours", action="store_true",
                    help="an efficiency field over each plot: filled with a colour bar, or colour-mapped contour lines")
    ap.add_argument("--programs", action="store_true",
                    help="other plotting programs' default looks (MATLAB, gnuplot, plotly, ggplot2, Origin) and "
                         "black-and-white maps (line styles; solid efficiency contours)")
    ap.add_argument("--shapes", choices=["simple", "real"], default="simple",
                    help="speedlines from a simple model, or the shapes of the research's real samples "
                         "(../shared/real/seed-samples) with R-lines on half the maps")
    a = ap.parse_args()
    from common import SHARED  # noqa: E402

    real = load_real_shapes(SHARED / "real" / "seed-samples") if a.shapes == "real" or a.programs else None
    styles = PROGRAMS if a.programs else STYLES
    score = load_scorer()
    rng = np.random.default_rng(a.seed)
    out = a.keep or Path(tempfile.mkdtemp(prefix="speedline-styles-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(a.maps):
        style, place = styles[i % len(styles)], PLACES[int(rng.integers(len(PLACES)))]
        p = out / f"{i:02d}_{style}.png"
        if a.programs:
            truth = draw_program(p, np.random.default_rng([a.seed, i, 2]), style, real)
            place = truth["place"]
        else:
            truth = draw(p, rng, style, place, real, np.random.default_rng([a.seed, i]) if a.stacked else None,
                         np.random.default_rng([a.seed, i, 1]) if a.contours else None)
        if a.degrade:
            p = degrade(p, rng)
        t = time.perf_counter()
        r = extract(p)
        secs = time.perf_counter() - t
        s = score_curves(score, truth, r.curves)
        g = score_curves(score, truth, extract(p, xlim=truth["xlim"], ylim=truth["ylim"], read_labels=False).curves)
        if a.keep:
            r.plot(out / f"{i:02d}_{style}.overlay.png")
        rows.append(dict(style=style, place=place, auto=s, given=g, detected=r.calibration.source == "detected",
                         secs=secs))
        print(f"{i:2d} {style:24s} {place:7s} no hints {s['score']:.3f} {s['recovered']}/{s['n_truth']} "
              f"speeds {s['speed_ok']}/{s['speed_n']} axes {r.calibration.source:8s} | limits given "
              f"{g['score']:.3f} {g['recovered']}/{g['n_truth']} | {secs:.1f} s", flush=True)

    def line(rs, name):
        n = sum(r["auto"]["n_truth"] for r in rs)
        labelled = [r for r in rs if r["place"] != "none"]
        rec = sum(r["auto"]["recovered"] for r in labelled)
        return (f"{name:24s} maps {len(rs):2d}  no hints: score {np.mean([r['auto']['score'] for r in rs]):.3f}, "
                f"recovered {sum(r['auto']['recovered'] for r in rs)}/{n}, speeds right "
                f"{sum(r['auto']['speed_ok'] for r in labelled)}/{rec} of recovered labelled curves, axes detected "
                f"{sum(r['detected'] for r in rs)}/{len(rs)}  |  limits given: score "
                f"{np.mean([r['given']['score'] for r in rs]):.3f}, recovered {sum(r['given']['recovered'] for r in rs)}/{n}")

    print(f"\n{'other programs looks' if a.programs else 'style sheets'} the generator does not draw, {a.maps} maps "
          f"(seed {a.seed}, {'real and simple' if a.programs else a.shapes} shapes"
          f"{', scan-like copies' if a.degrade else ''}{', stacked over efficiency plots' if a.stacked else ''}"
          f"{', efficiency fields' if a.contours else ''}), 2-core CPU, "
          f"median {np.median([r['secs'] for r in rows]):.1f} s per map (no hints)")
    for st in styles:
        rs = [r for r in rows if r["style"] == st]
        if rs:
            print(line(rs, st))
    print(line(rows, "all"))


if __name__ == "__main__":
    main()
