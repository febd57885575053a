import numpy as np
import pytest

from speedline_digitizer.axes import Frame, darkness, fit_axis, refine_with_ticks, tick_positions


def _frame_image(minor_len=2, major_len=5):
    """White page, 1 px spines at column 80 and row 340, major ticks every 50 px (outward) and 1-2 px
    minor ticks between them (inward)."""
    img = np.full((400, 520), 255, np.uint8)
    img[40:341, 80] = 60
    img[340, 80:481] = 60
    for x in range(80, 481, 10):
        if (x - 80) % 50 == 0:
            img[341:341 + major_len, x] = 60
        else:
            img[340 - minor_len:340, x] = 120  # short and grey, as matplotlib draws minor ticks
    return np.repeat(img[:, :, None], 3, axis=2)


def test_short_minor_ticks_are_found_to_a_fraction_of_a_pixel():
    img = _frame_image()
    fr = Frame((80.0, 40.0, 480.0, 340.0), 0.0, ("left", "bottom"), 0.75, (80.0, 340.0))
    xs, _ = tick_positions(darkness(img), fr)
    # the corner's tick and the last (on the frame's end) are left out; crisp one-pixel marks stand half a
    # pixel before their column (as matplotlib's Agg snaps them: see the test below)
    want = [x - 0.5 for x in range(90, 480, 10)]
    assert len(xs) >= len(want) - 1
    assert np.abs(np.array(xs)[:, None] - np.array(want)[None, :]).min(axis=1).max() < 0.3
    img[300, 90:470] = 0  # a curve through the plot does not make marks
    assert len(tick_positions(darkness(img), fr)[0]) == len(xs)


def test_pixel_snapped_marks_are_read_where_matplotlib_meant_them():
    # Agg draws a 1 px line meant at column t on pixel round(t + 0.5): a crisp mark at column p stands for
    # t in [p - 1, p), read as p - 0.5. A mark antialiased over two pixels (unsnapped: 70 % / 30 % at
    # columns 150 / 151, centre 150.3) and a crisp 2 px mark (centred on a pixel edge) keep their centres.
    img = np.full((400, 520), 255.0)
    img[40:341, 80] = 60
    img[340, 80:481] = 60
    img[341:346, 100] = 60                        # crisp, 1 px
    img[341:346, 150] = 255 - 0.7 * 195           # antialiased
    img[341:346, 151] = 255 - 0.3 * 195
    img[341:346, 200:202] = 60                    # crisp, 2 px
    img = np.repeat(img.astype(np.uint8)[:, :, None], 3, axis=2)
    fr = Frame((80.0, 40.0, 480.0, 340.0), 0.0, ("left", "bottom"), 0.75, (80.0, 340.0))
    xs = np.array(tick_positions(darkness(img), fr)[0])
    assert len(xs) == 3
    assert xs[0] == pytest.approx(99.5, abs=0.05)
    assert xs[1] == pytest.approx(150.3, abs=0.1)
    assert xs[2] == pytest.approx(200.5, abs=0.05)


def test_axis_refined_on_tick_marks_beats_two_offset_labels():
    # labels '10' and '14' read 0.8 px off their ticks (either way), 83 px apart on a 250 px axis: the
    # error at the far end grows to ~1.5 %; exact ticks every 2 units fix it
    span = 250.0
    true = lambda v: (v - 2.0) * span / 12.0  # noqa: E731  values 2..14 over 250 px
    pos, vals = np.array([true(10) + 0.8, true(14) - 0.8]), np.array([10.0, 14.0])
    f = fit_axis(pos, vals, span)
    ticks = [true(v) for v in (4, 6, 8, 10, 12)]
    g = refine_with_ticks(f, ticks, span, pos, vals)
    assert g.n_ticks == 5 and g.value(0.0) == pytest.approx(2.0, abs=1e-6)
    assert abs(f.value(0.0) - 2.0) > 0.1  # the labels alone were off
    # a wrong step (marks that sit at no round value of the labels' fit) leaves the fit alone
    assert refine_with_ticks(f, [3.3, 61.7, 119.1], span, pos, vals) is f


def test_refinement_rejects_marks_that_disagree_with_many_labels():
    span = 500.0
    pos = np.array([0.0, 100, 200, 300, 400, 500])
    vals = pos / 100.0
    f = fit_axis(pos, vals, span)
    stray = [3.0, 53.0, 103.0, 153.0, 203.0, 253.0]  # marks 3 px off the labels, each at a 'round' 0.5 step
    assert refine_with_ticks(f, stray, span, pos, vals) is f


def test_superscripts_read_in_line_make_a_log_axis():
    # matplotlib's '10^0' and '10^1' read as '100' and '101'
    pos = np.array([100.0, 700.0])
    f = fit_axis(pos, np.array([100.0, 101.0]), 800, texts=["100", "101"])
    assert f.log and f.value(100) == pytest.approx(1.0) and f.value(700) == pytest.approx(10.0)
    # '4x10^0' read as '4100' (the x lost, the superscript in line) beside a clean '10¹'
    g = fit_axis(np.array([100.0, 500.0]), np.array([4100.0, 10.0]), 800, texts=["4100", "10¹"])
    assert g.log and g.value(100) == pytest.approx(4.0)


def test_values_rise_along_an_axis_when_pairs_tie():
    # '3' at 283 px, '6' at 503 px (true log axis) and a misread '109' at 155 px: either pair fits two labels
    pos = np.array([503.0, 283.0, 155.0])
    f = fit_axis(pos, np.array([6.0, 3.0, 109.0]), 580, log_hint=True, texts=["6×10⁰", "3×10⁰", "109"])
    assert f.log and f.a > 0 and f.value(503.0) == pytest.approx(6.0)


def test_tilted_grey_panel_gives_its_rotation_and_corner():
    from scipy import ndimage

    from speedline_digitizer.axes import detect_frame

    img = np.full((500, 640), 250.0)
    img[60:420, 100:580] = 215  # grey panel, no spines
    img[60:420, 100 + 60:580:60] = 250
    H, W = img.shape
    rot = np.clip(ndimage.rotate(img, 1.0, reshape=False, order=1, cval=250), 0, 255).astype(np.uint8)
    fr = detect_frame(np.repeat(rot[:, :, None], 3, axis=2))
    assert fr is not None and fr.spines == ("panel",) and fr.rotation_deg == pytest.approx(1.0, abs=0.1)
    cx, cy, a = (W - 1) / 2, (H - 1) / 2, np.deg2rad(1.0)
    x, y = 99.5 - cx, 419.5 - cy  # the panel's bottom-left corner, rotated like the picture
    assert fr.corner == pytest.approx((x * np.cos(a) + y * np.sin(a) + cx, -x * np.sin(a) + y * np.cos(a) + cy), abs=1.5)


def test_thin_spines_of_a_rotated_scan_are_found():
    # 1 px spines turned 0.5 deg and kept crisp: each is a staircase of 1 px steps
    from scipy import ndimage

    from speedline_digitizer.axes import detect_frame

    img = np.full((420, 580), 250.0)
    img[15:361, 67] = 30
    img[360, 67:541] = 30
    img[15:361, 540] = 30
    img[15, 67:541] = 30
    for y in range(40, 360, 24):  # a light grid
        img[y, 68:540] = 215
    rot = np.clip(ndimage.rotate(img, 0.5, reshape=False, order=0, cval=250), 0, 255).astype(np.uint8)
    fr = detect_frame(np.repeat(rot[:, :, None], 3, axis=2))
    assert fr is not None and {"left", "bottom"} <= set(fr.spines)
    assert fr.rotation_deg == pytest.approx(0.5, abs=0.1)
    assert fr.box[2] - fr.box[0] == pytest.approx(473, abs=4)


def test_words_of_one_tick_label_are_joined():
    from speedline_digitizer.axes import _join_words

    h = 8.0  # digit height; labels '4 x 10^0', '6 x 10^0', '10^1' read as separate words
    boxes = [(53, 360, 60, 367), (64, 360, 80, 367), (134, 361, 138, 366), (142, 360, 162, 367), (245, 362, 257, 369)]
    assert _join_words(boxes, h) == [(53, 360, 80, 367), (134, 360, 162, 367), (245, 362, 257, 369)]
    spread = [(0, 0, 20, 8), (60, 0, 80, 8), (120, 0, 140, 8)]  # labels 40 px apart stay apart
    assert _join_words(spread, h) == spread


def test_frame_at_the_image_edge_has_no_label_band_and_does_not_crash():
    from speedline_digitizer.axes import _group_boxes, tick_label_boxes

    assert _group_boxes(np.zeros((50, 0), bool), (0, 0), 10.0, "right") == ([], [])
    img = np.full((200, 300, 3), 255, np.uint8)
    fr = Frame((0.0, 0.0, 299.0, 199.0), 0.0, ("left", "bottom"), 0.75, (0.0, 199.0))
    assert tick_label_boxes(img, fr) == ([], [], [], [])


def test_log_axis_found_from_its_tick_pattern_and_one_label():
    # matplotlib's log axis: ticks at 7, 8, 9, 10, 20 (x 10^0..1) over 6..28; only '10' read (its
    # superscript lost): the ticks' spacing gives the scale, the label the decade
    span = 471.0
    px = lambda v: (np.log10(v) - np.log10(6.04)) / np.log10(28.35 / 6.04) * span  # noqa: E731
    ticks = [px(v) + d for v, d in zip((7, 8, 9, 10, 20), (0.3, -0.2, 0.1, -0.3, 0.2))]
    f = fit_axis(np.array([px(10) + 1.0]), np.array([10.0]), span, ticks=ticks, texts=["10"])
    assert f is not None and f.log and f.n_inliers == 1 and f.n_ticks == 5
    assert abs(f.value(0.0) - 6.04) / 6.04 < 0.003 and abs(f.value(span) - 28.35) / 28.35 < 0.003
    # '101' (10 with its superscript 1 read in line) names the same decade
    g = fit_axis(np.array([px(10)]), np.array([101.0]), span, ticks=ticks, texts=["101"])
    assert g is not None and abs(g.value(px(10)) - 10.0) < 0.05


def test_evenly_spaced_ticks_give_no_log_axis_from_one_label():
    ticks = [20.0 * k for k in range(1, 12)]
    assert fit_axis(np.array([100.0]), np.array([5.0]), 240.0, ticks=ticks, texts=["5"]) is None
    # and too few ticks, or a label that sits off the decade pattern, give none either
    span = 471.0
    px = lambda v: (np.log10(v) - np.log10(6.04)) / np.log10(28.35 / 6.04) * span  # noqa: E731
    ticks = [px(v) for v in (7, 8, 9, 10, 20)]
    assert fit_axis(np.array([px(10)]), np.array([10.0]), span, ticks=ticks[:4], texts=["10"]) is None
    assert fit_axis(np.array([px(10)]), np.array([15.0]), span, ticks=ticks, texts=["15"]) is None


def test_two_labels_whose_fit_no_tick_mark_supports_are_rejected():
    # '0.30' and '0.50' read as '0' and '50' (tiny print): two labels fit any line exactly, but the tick
    # marks every 0.05 (57 px) then fall at 11.9, 24.6, 37.4 ... , no round values
    from speedline_digitizer.axes import _unsupported_pair

    span = 290.8
    ticks = [57.15 * k for k in range(1, 6)]  # 0.35 ... 0.55; the labels' centres sit a few px off theirs
    pos, vals = np.array([3.3, 228.5]), np.array([0.0, 50.0])
    bad = refine_with_ticks(fit_axis(pos, vals, span, ticks=ticks), ticks, span, pos, vals)
    assert _unsupported_pair(bad, ticks)
    good_vals = np.array([0.30, 0.50])  # read right: the marks sit at 0.30, 0.35, ...
    good = refine_with_ticks(fit_axis(pos, good_vals, span, ticks=ticks), ticks, span, pos, good_vals)
    assert not _unsupported_pair(good, ticks)


def _grid_image(spines: bool = False):
    """Light grey grid on white (seaborn's whitegrid / fivethirtyeight): lines every 60 px over
    x 100..460, y 40..340, no dark spines; a dark curve across it."""
    img = np.full((400, 520), 255, np.uint8)
    for x in range(100, 461, 60):
        img[40:341, x] = 205
    for y in range(40, 341, 60):
        img[y, 100:461] = 205
    if spines:
        img[40:341, 100] = 40
        img[340, 100:461] = 40
    rr = np.arange(120, 440)
    img[(300 - 0.002 * (rr - 120) ** 2).astype(int), rr] = 0
    return np.repeat(img[:, :, None], 3, axis=2)


def test_frame_of_a_plot_without_spines_is_found_from_its_grid():
    from speedline_digitizer.axes import detect_frame

    fr = detect_frame(_grid_image())
    assert fr is not None and fr.spines == ("grid",)
    assert np.allclose(fr.box, (100, 40, 460, 340), atol=1.5)
    # a crop of a plot area (grid lines run into the image edges) gets no frame from its grid
    crop = _grid_image()[40:341, 100:461]
    assert detect_frame(crop) is None
    # dark spines are still found as spines
    assert "grid" not in detect_frame(_grid_image(spines=True)).spines
    # JPEG ringing: faint ink running on past the lines' ends does not move the frame
    img = _grid_image()
    for x in range(100, 461, 60):
        img[341:350, x] = 238  # 17 levels under the paper: ink to a 12-level threshold, not half a line's
    for y in range(40, 341, 60):
        img[y, 90:100] = 238
    fr = detect_frame(img)
    assert fr is not None and np.allclose(fr.box, (100, 40, 460, 340), atol=1.5)
    # a spreadsheet chart: horizontal grid lines only, its axis from the first line to the last
    img = _grid_image()
    img[41:340, 100:461][:, ::60] = 255  # the vertical lines gone
    img[41:340, 460] = 255
    fr = detect_frame(img)
    assert fr is not None and np.allclose(fr.box, (100, 40, 460, 340), atol=1.5)


def test_grid_frame_stops_at_tick_labels_and_crosses_curves_along_its_lines():
    from speedline_digitizer.axes import detect_frame

    img = _grid_image()
    for y in range(40, 341, 60):  # y labels set 2 px from the lines' left ends, a faint blurred rim first
        img[y - 4:y + 5, 84:98] = 60
        img[y - 4:y + 5, 98] = 235
    for x in range(100, 461, 60):  # x labels 2 px under the vertical lines' ends
        img[343:352, x - 6:x + 7] = 60
    img[161:164, 200:330] = 30  # a flat dark curve lying on a grid line for 130 px
    img[160, 200:330] = 30
    fr = detect_frame(img)
    assert fr is not None and fr.spines == ("grid",)
    assert np.allclose(fr.box, (100, 40, 460, 340), atol=1.5)


def test_grid_frame_of_a_rotated_scan():
    import cv2

    from speedline_digitizer.axes import Calibration, detect_frame

    img = np.ascontiguousarray(_grid_image())
    H, W = img.shape[:2]
    M = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), 1.0, 1.0)  # turned 1 degree counter-clockwise
    turned = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    fr = detect_frame(turned)
    assert fr is not None and fr.spines == ("grid",)
    assert abs(fr.rotation_deg - 1.0) < 0.15
    # the frame's corners are where the grid's corners went
    cal = Calibration.from_box(fr.box, (0, 6), (0, 5), rotation_deg=fr.rotation_deg)
    corners = np.array([[100, 340], [460, 340], [100, 40], [460, 40]], float) @ M[:, :2].T + M[:, 2]
    assert np.allclose(cal.to_data(corners), [[0, 0], [6, 0], [0, 5], [6, 5]], atol=0.03)
    assert np.allclose(fr.corner, corners[0], atol=1.5)


def test_grid_frame_of_a_noisy_scan():
    # sensor noise on tinted paper: the lightest pixel nearby is the noise's peak, not the paper's level
    from speedline_digitizer.axes import darkness, detect_frame

    img = _grid_image().astype(float) * (240 / 255)
    img += np.random.default_rng(0).normal(0, 6, img.shape[:2])[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    assert (darkness(img)[5:35, 5:90] > 12).mean() < 0.2  # blank paper is mostly not ink (was 68 %)
    fr = detect_frame(img)
    assert fr is not None and fr.spines == ("grid",)
    assert np.allclose(fr.box, (100, 40, 460, 340), atol=1.5)


def test_a_misread_middle_label_sets_neither_the_scale_nor_a_log_axis():
    # 20, 25, 35 on a short axis (a small scan), 25 read as 23: the two outer labels set the scale, and the
    # evenly spaced tick marks say linear (these three readings fit a log axis within its tolerance)
    pos, vals = np.array([64.12, 143.32, 303.12]), np.array([20.0, 23.0, 35.0])
    ticks = [64.12, 64.32, 143.32, 143.37, 223.32, 223.46, 303.12, 303.32]
    fit = fit_axis(pos, vals, 367.82, ticks=ticks)
    assert not fit.log and fit.n_inliers == 2
    assert np.allclose(fit.value(np.array([143.32, 223.4])), [25, 30], atol=0.1)


def test_digits_either_side_of_a_one_pixel_decimal_point_are_one_label():
    from speedline_digitizer.axes import _group_boxes

    mask = np.zeros((20, 40), bool)
    mask[5:12, 5:11] = True  # '4' (7 px high)
    mask[5:12, 16:21] = True  # '5', 5 px further on
    boxes, _ = _group_boxes(mask, (0, 0), 15.0, "right")
    assert len(boxes) == 2  # two labels' digits, or a wide gap: not joined
    mask[11, 13] = True  # the decimal point of '4.5': one pixel on the baseline
    boxes, _ = _group_boxes(mask, (0, 0), 15.0, "right")
    assert boxes == [(5, 5, 20, 11)]


def test_a_column_of_small_single_digits_is_read_as_one_line():
    pytest.importorskip("rapidocr_onnxruntime")
    import cv2

    from speedline_digitizer.axes import _tick_values
    from speedline_digitizer.ocr import parse_number, read_crops

    # y tick labels 7 ... 1, about 5 px high and blurred: one by one they read as punctuation
    img = np.full((260, 40, 3), 255, np.uint8)
    boxes = []
    for k, digit in enumerate("7654321"):
        y = 20 + 35 * k
        cv2.putText(img, digit, (14, y), cv2.FONT_HERSHEY_SIMPLEX, 0.22, (0, 0, 0), 1, cv2.LINE_AA)
        ys, xs = np.nonzero(img[y - 12:y + 3, 8:30].min(axis=2) < 230)
        boxes.append((8 + xs.min(), y - 12 + ys.min(), 8 + xs.max(), y - 12 + ys.max()))
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    assert sum(parse_number(t.text) is not None for t in read_crops(img, boxes)) < 2
    got = _tick_values(img, boxes)
    truth = {tuple(b): 7 - k for k, b in enumerate(boxes)}
    assert len(got) >= 5 and all(v == truth[tuple(tb.box)] for tb, v in got)


def test_stacked_panels_give_the_taller_one_and_one_panel_gives_none():
    from speedline_digitizer.axes import stacked_panel

    img = np.full((400, 300, 3), 255, np.uint8)
    for top, bottom in ((40, 250), (280, 360)):  # a map above an efficiency plot, sharing the x axis
        img[top, 50:271] = img[bottom, 50:271] = 0
        img[top:bottom + 1, 50] = img[top:bottom + 1, 270] = 0
        img[bottom + 1:bottom + 6, 100:271:40] = 0  # tick marks under each panel
    img[120, 60:260] = 0  # a line inside the map (a curve's flat part)
    frame = Frame((50.0, 40.0, 270.0, 360.0), 0.0, ("left", "bottom", "right", "top"), 1.0, (50.0, 360.0))
    got = stacked_panel(darkness(img), frame)
    assert got is not None and got.panel == (40.0, 250.0) and got.plot_box == (50.0, 40.0, 270.0, 250.0)
    img[250:281, 50] = 0  # the left spine runs on: one frame (a full-width line inside it is no gap)
    assert stacked_panel(darkness(img), frame) is None


def test_grid_frame_over_a_stacked_efficiency_grid_reads_x_under_the_stack():
    from speedline_digitizer.axes import detect_frame

    # the map's grid (x 100..460, y 40..340) over an efficiency plot's grid (y 370..490) sharing x
    img = np.full((560, 520, 3), 255, np.uint8)
    img[:400] = _grid_image()
    for x in range(100, 461, 60):
        img[370:491, x] = 205
    for y in range(370, 491, 40):
        img[y, 100:461] = 205
    fr = detect_frame(img)
    assert fr is not None and fr.panel is not None
    assert np.allclose(fr.box, (100, 40, 460, 490), atol=1.5) and np.allclose(fr.panel, (40, 340), atol=1.5)
    # horizontal lines only (spreadsheet charts): the two groups part at the gap
    img[:, 101:460] = np.where(img[:, 101:460] == 205, 255, img[:, 101:460])  # keep the vertical lines' ends out
    img[:, 100] = img[:, 460] = 255
    for y in list(range(40, 341, 60)) + list(range(370, 491, 40)):
        img[y, 100:461] = 205
    fr = detect_frame(img)
    assert fr is not None and np.allclose(fr.box, (100, 40, 460, 490), atol=1.5)
    assert np.allclose(fr.panel, (40, 340), atol=1.5)


@pytest.mark.parametrize("gap", [10, 40])
def test_grey_panels_stacked_give_the_taller_panel(gap):
    from speedline_digitizer.axes import detect_frame

    # ggplot-like grey panels without spines, white grid (3 px lines): the map (rows 40..340) over an
    # efficiency plot; 10 px apart the panel search joins them, 40 px apart it finds the map alone: both
    # give the stack, and no white grid line parts a panel
    img = np.full((600, 520, 3), 255, np.uint8)
    lo = 341 + gap
    img[40:341, 100:461] = img[lo:lo + 130, 100:461] = 235
    for y in list(range(70, 341, 60)) + list(range(lo + 30, lo + 130, 40)):
        img[y - 1:y + 2, 100:461] = 255
    for x in range(130, 461, 60):
        img[40:341, x] = img[lo:lo + 130, x] = 255
    fr = detect_frame(img)
    assert fr is not None and fr.panel is not None
    assert np.allclose(fr.box, (99.5, 39.5, 460.5, lo + 129.5), atol=1.5)
    assert np.allclose(fr.panel, (39.5, 340.5), atol=1.5)


def _filled_field(spines: bool):
    """A plot area (100, 60)-(500, 340) filled edge to edge by a colour-mapped field (bands of colour), a
    black speedline over it, a colour bar at x 540-560 (outlined when `spines`, as matplotlib draws it)."""
    img = np.full((400, 640, 3), 255, np.uint8)
    yy, xx = np.mgrid[60:341, 100:501]
    level = ((((xx - 300) / 200.0) ** 2 + ((yy - 200) / 140.0) ** 2) * 6).astype(int).clip(0, 7)
    palette = np.array([[180, 30, 40], [230, 90, 50], [250, 170, 80], [250, 230, 140], [200, 230, 200],
                        [130, 190, 230], [70, 110, 200], [50, 50, 150]], np.uint8)
    img[60:341, 100:501] = palette[level]
    for r in range(60, 341):
        img[r, 540:561] = palette[7 - (r - 60) * 8 // 281]
    xs = np.arange(150, 400)
    img[(120 + 0.0015 * (xs - 150) ** 2).astype(int), xs] = 0  # a speedline falling to the right
    if spines:
        img[59, 100:501] = img[341, 100:501] = 0
        img[59:342, 99] = img[59:342, 501] = 0
        img[59, 539:562] = img[341, 539:562] = 0
        img[59:342, 539] = img[59:342, 561] = 0
    return img


def test_a_filled_field_without_spines_is_the_frame_and_its_colour_bar_is_not():
    from speedline_digitizer.axes import detect_fill_area, detect_frame

    img = _filled_field(spines=False)
    fr = detect_fill_area(img)
    assert fr is not None and fr.spines == ("fill",)
    assert np.allclose(fr.box, (99.5, 59.5, 500.5, 340.5), atol=1.5)
    assert np.allclose(detect_frame(img).box, fr.box, atol=3.5)  # (the spine search takes its edges, 1-3 px in)
    assert detect_fill_area(np.full((400, 640, 3), 255, np.uint8)) is None


def test_a_colour_bars_outline_is_not_the_frames_right_spine():
    from speedline_digitizer.axes import detect_frame

    x0, y0, x1, y1 = detect_frame(_filled_field(spines=True)).box
    assert abs(x1 - 501) <= 1.5  # the bar's outline reaches x = 561
    assert abs(x0 - 99) <= 3 and abs(y0 - 59) <= 3 and abs(y1 - 341) <= 3


def test_filled_areas_turn_to_paper_and_lines_over_them_stay():
    from speedline_digitizer.axes import flatten_fills

    img = _filled_field(spines=False)
    out = flatten_fills(img)
    assert (out[70:330, 110:490] == 255).all(axis=2).mean() > 0.97  # the field, its level edges too
    xs = np.arange(150, 400)
    assert (out[(120 + 0.0015 * (xs - 150) ** 2).astype(int), xs] == 0).all()  # the speedline as drawn
    plain = np.full((400, 640, 3), 255, np.uint8)
    plain[200, 100:500] = 0
    assert flatten_fills(plain) is plain  # little fill: the same array
    img[352:364:2, 20:32] = 0  # a small tangle of lines (a knot of dense R-lines): its median is ink, no fill
    img[352:364, 20:32:2] = 0
    assert (flatten_fills(img)[352:364, 20:32] == img[352:364, 20:32]).all()


def _thumbnail_x_labels(size: int):
    """A spine and ten x tick labels 2.0 ... 6.5 drawn 4x larger and shrunk (about 3 px digits), with the
    labels' boxes."""
    import cv2
    from PIL import Image, ImageDraw

    from test_labels import _font

    s = 4
    big = Image.new("RGB", (300 * s, 60 * s), "white")
    d = ImageDraw.Draw(big)
    font = _font(size)
    d.line([(20 * s, 10 * s), (280 * s, 10 * s)], fill=(90, 90, 90), width=s)
    boxes = []
    for k in range(10):
        text = f"{2 + 0.5 * k:.1f}"
        w = d.textlength(text, font=font)
        x = 25 * s + 25 * s * k - w / 2
        d.text((x, 12 * s), text, fill="black", font=font)
        boxes.append(tuple(v / s for v in d.textbbox((x, 12 * s), text, font=font)))
    return cv2.resize(np.asarray(big), (300, 60), interpolation=cv2.INTER_AREA), boxes


def test_a_band_of_tiny_tick_labels_is_read_whole_where_one_by_one_misreads():
    pytest.importorskip("rapidocr_onnxruntime")
    from speedline_digitizer.axes import _band_if_better, _tick_values, band_values

    img, boxes = _thumbnail_x_labels(18)
    one_by_one = _tick_values(img, boxes)
    band = band_values(img, boxes, (20, 10, 280, 50), 0)
    right = lambda got: sum(abs(v - (2 + 0.5 * round((tb.centre[0] - 25) / 25))) < 1e-9 for tb, v in got)  # noqa: E731
    assert right(one_by_one) <= 2 and right(band) >= 4
    got = _band_if_better(img, one_by_one, boxes, (20, 10, 280, 50), 0)
    assert got == band
    f = fit_axis(np.array([tb.centre[0] for tb, _ in got]), np.array([v for _, v in got]), 260)
    assert abs(f.value(25) - 2.0) < 0.02 and abs(f.value(250) - 6.5) < 0.02
    # labels read well one by one (their lost decimal points put back by the fit) are kept as read
    img, boxes = _thumbnail_x_labels(20)
    one_by_one = _tick_values(img, boxes)
    assert _band_if_better(img, one_by_one, boxes, (20, 10, 280, 50), 0) == one_by_one


def test_grey_spines_beside_black_curves_are_the_frame():
    import cv2

    from speedline_digitizer.axes import detect_frame

    # a thumbnail: 1 px grey spines (a fifth of the curves' darkness), black curves, y labels' blobs
    img = np.full((200, 300, 3), 255, np.uint8)
    img[20:171, 55] = 200
    img[170, 55:290] = 200
    for k in range(5):
        x = np.arange(70 + 25 * k, 120 + 35 * k)
        y = 140 - 25 * k + 0.004 * (x - x[0]) ** 2  # a black speedline falling into its choke, 3 px
        cv2.polylines(img, [np.column_stack([x, y]).astype(np.int32)], False, (0, 0, 0), 3)
        img[20 + 30 * k:25 + 30 * k, 48:54] = 60  # a y label's digits, a pixel off the spine
    fr = detect_frame(img)
    assert fr is not None and fr.spines[:2] == ("left", "bottom")
    assert np.allclose(fr.box, (55, 20, 289, 170), atol=2) and abs(fr.rotation_deg) < 0.05


def test_spines_fitted_to_different_turns_take_the_smaller(monkeypatch):
    from speedline_digitizer import axes

    # labels touching a thin spine pull its sub-pixel fit; a rotation turns both spines alike
    img = np.full((200, 300, 3), 255, np.uint8)
    img[20:171, 55] = 0
    img[170, 55:290] = 0
    fit = axes.fit_spine

    def pulled(dark, p0, slope, extent, horizontal, half=4):
        got = fit(dark, p0, slope, extent, horizontal, half)
        return got if horizontal else (got[0] - 0.004 * 95, got[1] + 0.004)  # the left spine 0.23 deg off
    monkeypatch.setattr(axes, "fit_spine", pulled)
    fr = axes.detect_frame(img)
    assert abs(fr.rotation_deg) < 0.02 and abs(fr.box[0] - 55) < 0.5
