import json

import numpy as np
from PIL import Image
from scipy import ndimage

from speedline_digitizer.synth import generate, truth_calibration


def _load(d, stem):
    t = json.loads((d / f"{stem}.json").read_text())
    img = np.asarray(Image.open(d / t["image"]))
    mask = np.asarray(Image.open(d / f"{stem}.mask.png"))
    return t, img, mask


def test_synth_writes_varied_maps(synth_dir):
    stems = sorted(p.name[:-9] for p in synth_dir.glob("*.mask.png"))
    assert len(stems) == 8
    sizes, counts = set(), set()
    for s in stems:
        t, img, mask = _load(synth_dir, s)
        assert mask.dtype == np.uint8 and mask.shape == img.shape[:2]
        assert set(np.unique(mask)) <= {0, 255}
        sizes.add(img.shape[:2])
        counts.add(len(t["curves"]))
        for key in ("xlim", "ylim", "x_log", "y_log", "plot_box_px", "rotation_deg", "curves"):
            assert key in t
    assert len(sizes) >= 3 and len(counts) >= 3


def test_pixels_lie_on_mask_and_mask_holds_only_speedlines(synth_dir):
    for p in synth_dir.glob("*.json"):
        t, img, mask = _load(synth_dir, p.stem)
        on = mask > 0
        dist_to_mask = ndimage.distance_transform_edt(~on)
        # every curve's pixels sit on the mask where the line is visible (labels, markers and crossing
        # lines can hide short stretches; dashes hide their gaps)
        for c in t["curves"]:
            px = np.array(c["pixels"])
            r = np.clip(np.round(px[:, 1]).astype(int), 0, on.shape[0] - 1)
            k = np.clip(np.round(px[:, 0]).astype(int), 0, on.shape[1] - 1)
            d = dist_to_mask[r, k]
            share = np.mean(d <= 2.0)
            assert share >= (0.5 if c["dashed"] else 0.8), (p.stem, share)
        # the mask holds nothing but speedlines: every mask pixel is near a truth curve
        lines = np.zeros(on.shape, bool)
        for c in t["curves"]:
            px = np.array(c["pixels"])
            dense = np.vstack([np.linspace(a, b, int(np.hypot(*(b - a))) + 2) for a, b in zip(px[:-1], px[1:])])
            r = np.clip(np.round(dense[:, 1]).astype(int), 0, on.shape[0] - 1)
            k = np.clip(np.round(dense[:, 0]).astype(int), 0, on.shape[1] - 1)
            lines[r, k] = True
        d_line = ndimage.distance_transform_edt(~lines)
        assert d_line[on].max() <= 4.0, p.stem


def test_points_map_to_pixels_through_calibration(synth_dir):
    checked = 0
    for p in synth_dir.glob("*.json"):
        t, img, mask = _load(synth_dir, p.stem)
        if t["rotation_deg"]:
            continue
        cal = truth_calibration(t, img.shape)
        for c in t["curves"]:
            err = np.abs(cal.to_pixels(np.array(c["points"])) - np.array(c["pixels"]))
            assert err.max() <= 1.5
            checked += 1
    assert checked > 0


def test_rotated_maps_keep_pixels_on_mask():
    for i in range(40):  # find a rotated map of the series
        m = generate(3, i)
        if m.truth["rotation_deg"]:
            break
    assert m.truth["rotation_deg"]
    dist = ndimage.distance_transform_edt(~(m.mask > 0))
    for c in m.truth["curves"]:
        px = np.round(np.array(c["pixels"])).astype(int)
        px[:, 0] = px[:, 0].clip(0, m.mask.shape[1] - 1)
        px[:, 1] = px[:, 1].clip(0, m.mask.shape[0] - 1)
        assert np.mean(dist[px[:, 1], px[:, 0]] <= 2) >= 0.5


def test_seed_reproduces_and_differs():
    a, b, c = generate(5, 2), generate(5, 2), generate(6, 2)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert a.truth == b.truth
    assert a.image.shape != c.image.shape or not np.array_equal(a.image, c.image)


def test_legend_beside_the_plot_stays_inside_the_image():
    from speedline_digitizer.synth.maps import generate

    g = generate(7001, 9).image.mean(axis=2)  # its legend is drawn beside the frame (once cut by the top edge)
    for edge in (g[:3], g[-3:], g[:, :3], g[:, -3:]):
        assert edge.min() == 255  # nothing cut by the image's edges


def test_speed_labels_are_staggered_clear_of_each_other():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from speedline_digitizer.synth.maps import _free_spot

    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
    placed = []
    spots = [(0, -9), (0, -20), (60, -9)]
    texts = [ax.annotate(f"N = {v}%", (0.5, 0.5), xytext=(0, -9), textcoords="offset points", ha="center",
                         va="top") for v in (80, 85, 90)]  # three speedlines ending at one point
    for t in texts:
        _free_spot(fig, t, placed, spots, lambda t, s: setattr(t, "xyann", s))
    assert [t.xyann for t in texts] == [(0, -9), (0, -20), (60, -9)]
    for a in range(3):
        for b in range(a + 1, 3):
            assert not placed[a].overlaps(placed[b])
    fourth = ax.annotate("N = 95%", (0.5, 0.5), xytext=(0, -9), textcoords="offset points", ha="center", va="top")
    _free_spot(fig, fourth, placed, spots, lambda t, s: setattr(t, "xyann", s))  # no room: least overlap
    assert fourth.xyann in spots
    plt.close(fig)
