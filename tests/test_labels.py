from dataclasses import replace

import numpy as np
import pytest

from speedline_digitizer.axes import fit_axis
from speedline_digitizer.labels import _speed_texts, assign_labels, enforce_order, parse_speed
from speedline_digitizer.ocr import TextBox, parse_number
from speedline_digitizer.result import Curve


@pytest.mark.parametrize("text,value", [("0.90", 0.9), ("90%", 90), ("90 %", 90), ("N/√θ = 0.9", 0.9),
                                        ("N/vθ=0.95", 0.95), ("12000 rpm", 12000), ("120k", 120), ("105", 105),
                                        ("1.05", 1.05), ("[59000rpm]", 59000), ("(90%)", 90), ("|0.95|", 0.95),
                                        ("66000", 66000), ("17000rom", 17000), ("20000ram", 20000),
                                        ("21000m", 21000), ("N = 0.95", 0.95), ("Nc: 90%", 90), ("100% N", 100),
                                        ("0.7 Ndes", 0.7), ("80% speed", 80), ("Speed 0.8", 0.8),
                                        ("n = 12000 rpm", 12000), ("12,000 rpm", 12000), ("12 000 rpm", 12000),
                                        ("120.000 U/min", 120000), ("12.5 krpm", 12.5), ("N_c = 0.7", 0.7),
                                        ("RPM 12000", 12000), ("680001pm", 68000),
                                        ("n =340001m", 34000), ("840001", 84000), ("%N = 90", 90), ("PCN 90", 90),
                                        ("90 PCN", 90), ("Corrected speed 90%", 90), ("ω = 0.9", 0.9),
                                        ("ω/ωd = 0.9", 0.9), ("90% Ndesign", 90), ("0.9 N/√T", 0.9),
                                        ("100% (design)", 100), ("95% spd", 95),
                                        ("N=045", 0.45), ("07", 0.7)])  # a decimal point lost in small print
def test_speed_label_formats(text, value):
    assert parse_speed(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["Surge line", "Pressure ratio", "", "kg/s", "a7", "η = 0.8", "Speed line", "N=",
                                  "ηis = 0.82"])
def test_not_speed_labels(text):
    assert parse_speed(text) is None


@pytest.mark.parametrize("text,value", [("2.5", 2.5), ("1,000", 1000), ("0,5", 0.5), ("−0.5", -0.5), ("10^3", 1000),
                                        ("3×10^1", 30), ("1e3", 1000), ("O.5", 0.5), ("10²", 100), ("10°", 1),
                                        ("2×10⁻¹", 0.2), ("80%", 80), ("12.5 %", 12.5)])
def test_tick_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_axis_fit_survives_a_misread_label():
    pos = np.array([100, 200, 300, 400, 500.0])
    vals = np.array([0, 1, 2, 8, 4.0])  # '3' misread as '8'
    f = fit_axis(pos, vals, 500)
    assert not f.log and f.n_inliers == 4 and f.value(600) == pytest.approx(5)


def test_axis_fit_detects_log():
    pos = np.array([100, 200, 300, 400.0])
    f = fit_axis(pos, np.array([1, 10, 100, 1000.0]), 400)
    assert f.log and f.value(250) == pytest.approx(10 ** 1.5)


def test_labels_that_lost_their_decimal_point_still_count():
    pos = 100 + 800 * np.array([0.05, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4])
    texts = ["05", "0.10", "20", "0.25", "0.30", "0.35", "40"]  # '0.' lost on three of seven
    vals = np.array([float(t) for t in texts])
    f = fit_axis(pos, vals, 800, texts=texts)
    assert f.n_inliers == 7 and f.value(900) == pytest.approx(1.0)
    assert fit_axis(pos, vals, 800).n_inliers == 4  # without the texts: the four read as printed


def test_two_labels_fit_either_scale_and_the_ticks_decide():
    # labels '6' and '10' alone fit a linear and a log axis equally well
    pos, vals = np.array([100.0, 300.0]), np.array([6.0, 10.0])
    a = 200 / (np.log10(10) - np.log10(6))  # px per decade
    log_ticks = 300 + a * (np.log10([5, 6, 7, 8, 9, 10, 20]) - 1)
    lin_ticks = np.arange(0, 500, 50.0)  # every 1.0 on the linear scale
    assert fit_axis(pos, vals, 500, ticks=log_ticks).log
    assert not fit_axis(pos, vals, 500, ticks=lin_ticks).log
    assert not fit_axis(pos, vals, 500).log  # no ticks: linear
    assert fit_axis(pos, vals, 500, log_hint=True).log  # '6x10^0', '10^1': printed as powers of ten


def test_rotated_frame_is_measured_to_a_fraction_of_a_degree():
    from scipy import ndimage

    from speedline_digitizer.axes import detect_frame

    img = np.full((400, 500), 255.0)
    img[50:350, 80:82] = 0  # left spine
    img[348:350, 80:460] = 0  # bottom spine
    for x in range(120, 460, 60):  # ticks below the bottom spine
        img[350:355, x:x + 1] = 0
    rot = np.clip(ndimage.rotate(img, 0.8, reshape=False, order=1, cval=255), 0, 255).astype(np.uint8)
    fr = detect_frame(np.repeat(rot[:, :, None], 3, axis=2))
    assert fr is not None and fr.rotation_deg == pytest.approx(0.8, abs=0.05)
    # the corner where the spines meet, rotated about the image centre like the picture
    cx, cy, a = 249.5, 199.5, np.deg2rad(0.8)
    x, y = 80.5 - cx, 348.5 - cy
    assert fr.corner == pytest.approx((x * np.cos(a) + y * np.sin(a) + cx, -x * np.sin(a) + y * np.cos(a) + cy), abs=0.6)


def test_grey_panel_without_spines_is_the_frame():
    from speedline_digitizer.axes import detect_frame

    img = np.full((400, 500, 3), 255, np.uint8)
    img[40:340, 70:470] = 235  # ggplot-like panel
    img[40:340, 70 + 50:470:50] = 255  # white grid lines
    img[40 + 40:340:40, 70:470] = 255
    for x in range(70, 471, 50):  # grey tick marks right under the panel, no spine
        img[341:345, x] = 90
    t = np.linspace(0, 1, 200)  # a dark speedline across the grid
    img[(300 - 150 * t ** 0.5).astype(int), (100 + 300 * t).astype(int)] = 0
    fr = detect_frame(img)
    assert fr is not None and fr.spines == ("panel",)
    assert fr.box == pytest.approx((69.5, 39.5, 469.5, 339.5), abs=1.0)
    assert detect_frame(np.full((200, 300, 3), 235, np.uint8)) is None  # grey paper is no panel

    from speedline_digitizer.axes import flatten_panel

    flat = flatten_panel(img)  # what the segmenter is given: a white page, the curve and ticks kept
    curve = img.min(axis=2) == 0
    assert (flat[curve] == 0).all() and (flat[41:339, 71:469][~curve[41:339, 71:469]] == 255).all()
    assert (flat[341:345] == img[341:345]).all()
    plain = np.full((200, 300, 3), 255, np.uint8)
    assert flatten_panel(plain) is plain


def test_small_tick_labels_right_under_a_panel_without_tick_marks_are_found():
    from speedline_digitizer.axes import Frame, tick_label_boxes

    # a bmh-like panel: light grey, a light edge, no tick marks; 7 px digits 2 px under the bottom edge
    img = np.full((580, 730, 3), 255, np.uint8)  # at this size digits are expected 15 px high
    img[30:221, 60:401] = 238
    img[220, 60:401] = 188
    for k, x in enumerate(range(70, 400, 50)):
        img[223:230, x:x + 5] = 40  # a digit's block
        img[225:228, x + 1:x + 4] = 255
    fr = Frame(box=(59.5, 29.5, 400.5, 220.5), rotation_deg=0.0, spines=("panel",), confidence=0.6)
    xs = tick_label_boxes(img, fr)[0]
    assert len(xs) == 7 and all(223 <= b[1] and b[3] <= 229 for b in xs)


def _curve(x0, y0, x1, y1):
    px = np.column_stack([np.linspace(x0, x1, 50), np.linspace(y0, y1, 50)])
    return Curve(px[:, 0], px[:, 1], px)


def test_labels_attach_to_nearest_curve_end_and_order_is_enforced():
    curves = [_curve(10, 200, 200, 210), _curve(20, 150, 250, 160), _curve(30, 100, 300, 110)]
    img = np.full((300, 400, 3), 255, np.uint8)
    cands = [(TextBox("80%", (205, 212, 235, 226), 0.9), 80.0), (TextBox("90%", (255, 162, 285, 176), 0.9), 90.0),
             (TextBox("10%", (305, 112, 335, 126), 0.9), 10.0)]  # the last one misread (100 -> 10)
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [80, 90, None]


def test_single_missing_speed_is_inferred():
    c = _curve(0, 0, 1, 1)
    speeds = [70, 80, None, 100, 110]
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, None if s is None else f"{s}%") for s in speeds])
    assert out[2].speed == 90 and out[2].speed_inferred and not out[1].speed_inferred
    # two neighbours alone do not make the spacing unambiguous
    out = enforce_order([Curve(c.x, c.y, c.pixels, s) for s in [80, None, 100]])
    assert out[1].speed is None


def _font(size: int):
    """DejaVu Sans (PIL's copy, else matplotlib's) for rendering text the OCR engine reads."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        from matplotlib import font_manager

        return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)


def test_ocr_reads_rendered_labels():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.ocr import read_crops

    texts = ["90%", "0.85", "12000 rpm", "2.5"]
    img = Image.new("RGB", (420, 60), "white")
    d = ImageDraw.Draw(img)
    font = _font(22)
    x, boxes = 8, []
    for t in texts:
        b = d.textbbox((x, 15), t, font=font)
        d.text((x, 15), t, fill="black", font=font)
        boxes.append(b)
        x = b[2] + 25
    got = [tb.text.replace(" ", "") for tb in read_crops(np.asarray(img), boxes)]
    assert got == [t.replace(" ", "") for t in texts]


def test_two_labels_read_as_one_number_are_split():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.labels import split_merged

    img = Image.new("RGB", (300, 60), "white")
    d = ImageDraw.Draw(img)
    font = _font(20)
    d.text((20, 18), "68", fill="black", font=font)
    b = d.textbbox((62, 18), "73", font=font)
    d.text((62, 18), "73", fill="black", font=font)
    merged = (TextBox("6873", (18, 16, b[2] + 2, b[3] + 2), 0.9), 6873.0)
    others = [(TextBox(t, (200, 0, 220, 10), 0.9), float(t)) for t in ("55", "82", "92")]
    out = split_merged(np.asarray(img), [merged] + others)
    assert sorted(v for _, v in out) == [55, 68, 73, 82, 92]
    # a grey grid column through the first label, top to bottom of the box: the halves are cut to the
    # digits' rows, not the line's
    d.line([(31, 0), (31, 59)], fill=(190, 190, 190), width=2)
    out = split_merged(np.asarray(img), [(TextBox("6873", (18, 8, b[2] + 2, b[3] + 10), 0.9), 6873.0)] + others)
    assert sorted(v for _, v in out) == [55, 68, 73, 82, 92]


def test_legend_matched_by_colour_through_a_grid_line_and_shared_colours_in_speed_order():
    img = np.full((300, 400, 3), 255, np.uint8)
    red, blue = (220, 30, 30), (30, 60, 200)
    colours = [red, blue, red]  # a colour cycle that repeats: the two red curves go by speed order
    curves = []
    for k, col in enumerate(colours):
        y = 250 - 60 * k
        img[y - 1:y + 1, 20:250] = col
        px = np.column_stack([np.arange(20, 250, dtype=float), np.full(230, y - 0.5)])
        curves.append(Curve(px[:, 0], px[:, 1], px))
    # legend top right, entries listed top-down (not in curve order); each sample is a 20 px line left of the text
    entries = [("95%", red), ("90%", blue), ("80%", red)]
    cands = []
    for n, (text, col) in enumerate(entries):
        y = 30 + 20 * n
        img[y - 1:y + 1, 300:320] = col
        cands.append((TextBox(text, (325, y - 6, 350, y + 6), 0.9), float(text[:-1])))
    img[:, 310] = (90, 90, 90)  # a dark vertical grid line through every sample
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [80, 90, 95]


def test_legend_with_a_repeating_colour_cycle_and_a_line_in_pieces_keeps_both_orders():
    # six curves in a three-colour cycle; the 90 % line is found in two pieces (seven curves, six entries)
    img = np.full((400, 460, 3), 255, np.uint8)
    red, blue, green = (220, 30, 30), (30, 60, 200), (30, 160, 60)
    cycle = [red, blue, green, red, blue, green]
    curves = []
    for k, col in enumerate(cycle):
        y = 360 - 50 * k
        img[y - 1:y + 1, 20:300] = col
        spans = [(20, 130), (160, 300)] if k == 4 else [(20, 300)]
        for a, b in spans:
            px = np.column_stack([np.arange(a, b, dtype=float), np.full(b - a, y - 0.5)])
            curves.append(Curve(px[:, 0], px[:, 1], px))
    curves.sort(key=lambda c: (-c.pixels[0, 1], c.pixels[0, 0]))  # lowest first, as the pipeline gives them
    cands = []
    for n, v in enumerate([60, 70, 80, 85, 90, 95]):  # a legend top right, speeds down the column
        y = 30 + 18 * n
        img[y - 1:y + 1, 360:380] = cycle[n]
        cands.append((TextBox(f"{v}%", (385, y - 6, 410, y + 6), 0.9), float(v)))
    out = assign_labels(img, curves, cands)
    got = {(int(c.pixels[0, 0]), int(c.pixels[0, 1])): c.speed for c in out}
    # every whole line gets its own entry; of the 90 % line's two pieces, the longer one
    assert [got[(20, 360 - 50 * k - 1)] for k in (0, 1, 2, 3, 5)] == [60, 70, 80, 85, 95]
    assert got[(160, 159)] == 90 and got[(20, 159)] is None


def test_a_legend_with_its_samples_right_of_right_aligned_text_is_matched_by_colour():
    # gnuplot's key: texts right-aligned, each line sample right of its text; the 80 % line is not found,
    # so the entries must go by colour (four entries, three curves); the top curve passes left of the key
    img = np.full((300, 460, 3), 255, np.uint8)
    red, orange, blue, green = (220, 30, 30), (240, 150, 20), (30, 60, 200), (30, 160, 60)
    curves = []
    for k, col in enumerate([red, blue, green]):
        y = 250 - 90 * k if k < 2 else 40
        img[y - 1:y + 1, 20:300] = col
        px = np.column_stack([np.arange(20, 300, dtype=float), np.full(280, y - 0.5)])
        curves.append(Curve(px[:, 0], px[:, 1], px))
    cands = []
    for n, (v, col) in enumerate([(100, green), (90, blue), (80, orange), (70, red)]):
        y = 30 + 20 * n
        x0 = 330 if v == 100 else 342  # right-aligned: the longer text starts further left
        img[y - 1:y + 1, 375:400] = col
        cands.append((TextBox(f"{v} %", (x0, y - 6, 370, y + 6), 0.9), float(v)))
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [70, 90, 100]


def test_a_legend_of_black_lines_is_matched_by_dash_pattern_when_a_line_is_missing():
    # solid, dashed, dotted and dash-dot black lines named in a legend; the dotted (80 %) line is not found
    img = np.full((300, 460, 3), 255, np.uint8)
    patterns = {"solid": [(1, 1)], "dashed": [(6, 1), (3, 0)], "dotted": [(2, 1), (2, 0)],
                "dashdot": [(9, 1), (3, 0), (2, 1), (3, 0)]}

    def stroke(y, x0, x1, kind):
        on = np.concatenate([[v] * n for n, v in patterns[kind]]).astype(bool)
        xs = np.arange(x0, x1)
        xs = xs[on[(xs - x0) % len(on)]]
        img[y - 1:y + 1, xs] = 0
    curves = []
    for y, kind in ((250, "solid"), (190, "dashed"), (70, "dashdot")):
        stroke(y, 20, 300, kind)
        px = np.column_stack([np.arange(20, 300, dtype=float), np.full(280, y - 0.5)])
        curves.append(Curve(px[:, 0], px[:, 1], px))
    cands = []
    for n, (v, kind) in enumerate([(60, "solid"), (70, "dashed"), (80, "dotted"), (90, "dashdot")]):
        y = 30 + 20 * n
        stroke(y, 340, 372, kind)
        cands.append((TextBox(f"{v} %", (380, y - 6, 410, y + 6), 0.9), float(v)))
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [60, 70, 90]


def test_a_stroke_traced_inside_a_legend_does_not_unmake_it():
    from speedline_digitizer.labels import _in_region, _legend_of, _legend_region

    # a large-print legend top right (rows 40 px high); the segmenter traced a stroke down its samples,
    # whose ends sit at the rows' texts: the column is still a legend, and the stroke lies inside it
    cands = [(TextBox(f"{v} rpm", (2070, 80 + 50 * k, 2260, 122 + 50 * k), 0.9), float(v))
             for k, v in enumerate((24000, 28000, 32000, 36000, 40000))]
    curves = [_curve(100, 900 - 100 * k, 1500, 1200 - 60 * k) for k in range(5)]
    stroke = _curve(2040, 60, 2230, 330)
    assert _legend_of(cands, curves + [stroke])
    assert _in_region(stroke, _legend_region(cands, list(range(5))))
    assert not any(_in_region(c, _legend_region(cands, list(range(5)))) for c in curves)


def test_legend_rows_the_detector_missed_are_read_in_place():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.labels import complete_legend

    font = _font(16)
    img = Image.new("RGB", (260, 330), "white")
    d = ImageDraw.Draw(img)
    speeds = [50, 60, 70, 80, 90, 100, 110]
    d.rectangle((150, 30, 250, 40 + 26.6 * len(speeds)), outline="black")  # a legend frame next to the text
    cands = []
    for n, v in enumerate(speeds):
        y = 42 + 26.6 * n  # a pitch that is no whole number of px: rows drift from a fixed step
        d.line((160, y + 9, 190, y + 9), fill=(30, 60, 200), width=2)
        b = d.textbbox((196, y), str(v), font=font)
        d.text((196, y), str(v), fill="black", font=font)
        if v in (80, 90):  # the detector found only these two rows (boxes padded like the detector's)
            cands.append((TextBox(str(v), (b[0] - 2, b[1] - 4, b[2] + 2, b[3] + 4), 0.99), float(v)))
    out, legend = complete_legend(np.asarray(img), cands, [0, 1])
    assert sorted(out[j][1] for j in legend) == speeds


def test_a_legend_row_read_again_is_not_listed_twice(monkeypatch):
    # a slot past the last row drifts onto it and reads its text again: a legend lists a speed once (an
    # extra entry left 12 entries for 11 curves, and no pairing at all)
    import speedline_digitizer.labels as L

    img = np.full((300, 200, 3), 255, np.uint8)
    cands = [(TextBox(f"{v}%", (100, 40 + 20 * n, 130, 52 + 20 * n), 0.99), float(v))
             for n, v in enumerate((60, 70, 80))]
    monkeypatch.setattr(L, "_text_extent", lambda img, box, h: box)
    monkeypatch.setattr(L, "read_crops", lambda img, boxes: [TextBox("80%", tuple(boxes[0]), 0.95)])
    out, legend = L.complete_legend(img, cands, [0, 1, 2])
    assert sorted(out[j][1] for j in legend) == [60, 70, 80]


def test_boxed_inline_label_is_found_by_its_frame():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.labels import boxed_labels

    font = _font(14)
    img = Image.new("RGB", (300, 200), "white")
    d = ImageDraw.Draw(img)
    for x in range(10, 290, 12):  # a dashed speedline running into the label's frame from both sides
        d.line((x, 100, x + 7, 100), fill="black", width=2)
    b = d.textbbox((130, 93), "85 %", font=font)
    d.rectangle((b[0] - 3, b[1] - 3, b[2] + 3, b[3] + 3), fill="white", outline="black")
    d.text((130, 93), "85 %", fill="black", font=font)
    d.rectangle((40, 20, 70, 35), outline="black")  # an empty box (a grid cell) is not read
    out = boxed_labels(np.asarray(img), [], (0, 0, 299, 199))
    assert [v for _, v in out] == [85.0]


def test_a_framed_label_is_read_with_and_without_its_frame_and_the_surer_reading_stays(monkeypatch):
    import speedline_digitizer.labels as L

    img = np.full((200, 300, 3), 255, np.uint8)
    img[90:111, 120:181] = 0
    img[91:110, 121:180] = 255  # a frame (its inside holds the text in a real map)
    img[97:104, 135:165] = 0
    monkeypatch.setattr(L, "text_frames", lambda im, box=None: [(121, 91, 180, 110)])
    readings = {1: ("66,00 rpm]", 0.87), -1: ("66,000 rpm", 0.97)}  # the frame's side read as ']'

    def fake_read(im, boxes, pad=1):
        return [TextBox(readings[pad][0], tuple(b), readings[pad][1]) for b in boxes]

    monkeypatch.setattr(L, "read_crops", fake_read)
    out = L.boxed_labels(img, [], (0, 0, 299, 199))
    assert [(tb.text, v, tb.box) for tb, v in out] == [("66,000 rpm", 66000.0, (121, 91, 180, 110))]
    readings.update({1: ("85 %", 0.9), -1: ("86 %", 0.7)})  # the surer of two readings that parse stays
    assert [v for _, v in L.boxed_labels(img, [], (0, 0, 299, 199))] == [85.0]


def test_value_far_off_the_maps_scale_is_dropped():
    c = _curve(10, 50, 100, 80)
    out = enforce_order([Curve(c.x, c.y, c.pixels, s) for s in [46, 72, 798596]])  # '79% 85% 96%' run together
    assert [o.speed for o in out] == [46, 72, None]


def test_curves_are_painted_out_for_a_second_reading():
    from speedline_digitizer.labels import erase_curves

    img = np.full((60, 120, 3), 250, np.uint8)
    img[30, 10:110] = 0  # a speedline through ...
    img[24:36, 50:53] = 40  # ... a digit's stem
    c = _curve(10, 30, 109, 30)
    out = erase_curves(img, [c])
    assert (out[29:32, 10:110] == 250).all()  # the line's stroke is paper now
    assert (out[24:28, 50:53] == 40).all() and (out[33:36, 50:53] == 40).all()  # the digit around it is kept
    assert (img[30, 10:50] == 0).all()  # the picture itself is not changed
    assert erase_curves(img, []) is img



def test_labels_stacked_at_surge_ends_are_no_legend():
    # five speedlines start on a steep surge line; their labels sit just up-left of the starts, left-aligned
    # like a legend's rows; one label was not read
    img = np.full((400, 500, 3), 255, np.uint8)
    curves = [_curve(200, 330 - 30 * k, 450, 340 - 30 * k) for k in range(5)]
    cands = [(TextBox(f"{60 + 10 * k}%", (150, 312 - 30 * k, 192, 326 - 30 * k), 0.99), 60.0 + 10 * k)
             for k in range(4)]
    out = assign_labels(img, curves, cands)
    assert [c.speed for c in out] == [60, 70, 80, 90, None]


def test_percent_sign_read_as_a_nine_is_dropped_from_the_value():
    curves = [replace(_curve(0, 100 - 10 * k, 50, 100 - 10 * k), speed=v, speed_label=t)
              for k, (v, t) in enumerate([(46, "46%"), (72, "72%"), (74, "74%"), (829, "829"), (100, "100%")])]
    out = enforce_order(curves)
    assert [c.speed for c in out] == [46, 72, 74, 82, 100]
    assert out[3].speed_label == "829"  # the text as read stays


def test_a_speed_ending_in_nine_in_scale_is_kept():
    curves = [replace(_curve(0, 100 - 10 * k, 50, 100 - 10 * k), speed=v, speed_label=t)
              for k, (v, t) in enumerate([(95, "95%"), (100, "100%"), (105, "105%"), (109, "109")])]
    assert [c.speed for c in enforce_order(curves)] == [95, 100, 105, 109]


_SHEET_COLOURS = [(68, 114, 196), (237, 125, 49), (112, 173, 71)]


def _spreadsheet_chart(height: int):
    """A spreadsheet chart's map: three coloured flat speedlines in the frame (40, 40, 520, 300). The
    page (PIL image, its draw, a font) and the curves."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (560, height), "white")
    d = ImageDraw.Draw(img)
    curves = []
    for k, col in enumerate(_SHEET_COLOURS):
        y = 260 - 70 * k
        xs = np.arange(60 + 40 * k, 380 + 40 * k, dtype=float)
        d.line([(xs[0], y), (xs[-1], y)], fill=col, width=3)
        px = np.column_stack([xs, np.full(len(xs), float(y))])
        curves.append(Curve(px[:, 0], px[:, 1], px))
    return img, d, _font(16), curves


def _legend_row(d, font, y: int):
    """A spreadsheet legend's row at height y, listed in another order than the curves."""
    x = 120
    for col, t in zip(_SHEET_COLOURS[::-1], ("70%", "60%", "50%")):
        d.line([(x, y + 9), (x + 25, y + 9)], fill=col, width=3)
        d.text((x + 32, y), t, fill=(89, 89, 89), font=font)
        x += 120


def test_legend_under_the_plot_is_read_and_matched_by_colour():
    # a spreadsheet chart: tick labels right under the frame, the legend in a row below them
    pytest.importorskip("rapidocr_onnxruntime")
    from speedline_digitizer.labels import read_speed_labels

    img, d, font, curves = _spreadsheet_chart(420)
    for k, t in enumerate(("0", "2", "4", "6", "8")):  # tick labels: bare numbers, not legend entries
        d.text((40 + 110 * k, 312), t, fill=(89, 89, 89), font=font)
    _legend_row(d, font, 352)
    out = read_speed_labels(np.asarray(img), curves, (40.0, 40.0, 520.0, 300.0))
    assert [c.speed for c in out] == [50, 60, 70]
    assert [c.speed_label for c in out] == ["50%", "60%", "70%"]


def test_legend_under_a_lower_panel_is_read():
    # a map set above an efficiency plot sharing its x axis: the legend stands under the lower panel,
    # beyond the band right under the map's frame
    pytest.importorskip("rapidocr_onnxruntime")
    from speedline_digitizer.labels import read_speed_labels

    img, d, font, curves = _spreadsheet_chart(640)
    d.rectangle((40, 330, 520, 520), outline=(89, 89, 89))  # the efficiency panel: bare tick labels, curves
    for k, t in enumerate(("0.7", "0.8", "0.9")):
        d.text((8, 500 - 80 * k), t, fill=(89, 89, 89), font=font)
    for k, col in enumerate(_SHEET_COLOURS):
        d.arc((80 + 60 * k, 370 - 10 * k, 400 + 60 * k, 560 - 10 * k), 200, 340, fill=col, width=2)
    for k, t in enumerate(("0", "2", "4", "6", "8")):
        d.text((40 + 110 * k, 530), t, fill=(89, 89, 89), font=font)
    _legend_row(d, font, 582)
    out = read_speed_labels(np.asarray(img), curves, (40.0, 40.0, 520.0, 300.0))
    assert [c.speed for c in out] == [50, 60, 70]


def test_a_bare_number_breaking_the_order_gives_way_to_marked_labels():
    # labels print '%'; an efficiency island's '78' was read at a piece of island arc between two lines
    c = _curve(0, 0, 1, 1)
    labels = ["40%", None, "65%", "78", "70%"]
    curves = [Curve(c.x, c.y, c.pixels, None if t is None else float(t.rstrip("%")), t) for t in labels]
    assert [o.speed for o in enforce_order(curves)] == [40, None, 65, None, 70]
    # without marks the first of equally long orders stays (nothing tells them apart)
    curves = [Curve(c.x, c.y, c.pixels, None if t is None else float(t.rstrip("%")), t and t.rstrip("%"))
              for t in labels]
    assert [o.speed for o in enforce_order(curves)][3:] == [78, None]


def test_a_misread_digit_is_mended_by_the_even_spacing_of_its_neighbours():
    # a legend's last entry '28000rpm' read as '20000rpm': it breaks the order, one digit off 26000 + 2000
    c = _curve(0, 0, 1, 1)
    speeds = [16000, 18000, 20000, 22000, 24000, 26000, 20000]
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, f"{s}rpm") for s in speeds])
    assert out[-1].speed == 28000 and out[-1].speed_inferred and out[-1].speed_label == "20000rpm"
    assert not any(o.speed_inferred for o in out[:-1])
    # two digits off the spacing ('10000'), or too few neighbours to tell the spacing: dropped
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, f"{s}rpm") for s in speeds[:-1] + [10000]])
    assert out[-1].speed is None
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, f"{s}rpm") for s in [22000, 24000, 20000]])
    assert out[-1].speed is None


def test_one_bare_number_among_many_curves_names_none():
    # a map without speed labels: an efficiency island's '78' read at a line's end is no speed
    c = _curve(0, 0, 1, 1)

    def one(label, n):
        return [Curve(c.x, c.y, c.pixels, float(label.rstrip("%")) if k == 2 else None, label if k == 2 else None)
                for k in range(n)]
    assert [o.speed for o in enforce_order(one("78", 5))] == [None] * 5
    assert enforce_order(one("78%", 5))[2].speed == 78  # a speed printed with its mark stays
    assert enforce_order(one("78", 3))[2].speed == 78  # on a map of three curves one label is a third


def test_an_unread_label_does_not_shift_its_neighbours_along():
    # labels up-left of the surge ends of seven curves on a diagonal surge line; the lowest is not read and
    # a stray reading ('%' read as '96') sits beside the fourth: each label must stay with its own curve
    img = np.full((500, 600, 3), 255, np.uint8)
    curves = [_curve(150 + 18 * k, 420 - 28 * k, 500, 425 - 28 * k) for k in range(7)]
    cands = [(TextBox(f"{40 + 10 * k}", (150 + 18 * k - 30, 420 - 28 * k - 20, 150 + 18 * k - 12,
                                         420 - 28 * k - 4), 0.99), 40.0 + 10 * k) for k in range(1, 7)]
    cands.append((TextBox("96", (150 + 18 * 3 - 10, 420 - 28 * 3 - 18, 150 + 18 * 3 - 2, 420 - 28 * 3 - 6), 0.8),
                  96.0))
    out = assign_labels(img, curves, cands)
    assert [c.speed for c in out][1:] == [50, 60, 70, 80, 90, 100]


def test_labels_on_their_lines_stay_there_when_a_curve_is_missing():
    # boxed labels on three staggered lines (the top one unread); the lowest line was not found, its
    # label sits just under the next line's surge end: matching every label would shift them up by one
    img = np.full((600, 800, 3), 255, np.uint8)
    curves = [_curve(100 + 30 * k, 300 - 20 * k, 300 + 30 * k, 300 - 20 * k) for k in range(3)]
    cands = [(TextBox("60%", (118, 295, 142, 305), 0.9), 60.0), (TextBox("70%", (158, 275, 182, 285), 0.9), 70.0),
             (TextBox("50%", (90, 308, 110, 318), 0.9), 50.0)]
    out = assign_labels(img, curves, cands)
    assert [c.speed for c in out] == [60, 70, None]


def test_labels_on_their_lines_are_not_read_as_placed_at_a_neighbours_end():
    # inline labels 60 px along each line sit, by the stagger, also 20 px right of and 30 px under the
    # next line's surge end: that offset is shorter, so read as a shared end placement it would hand
    # every label to the line above
    img = np.full((500, 600, 3), 255, np.uint8)
    curves = [_curve(100 + 40 * k, 300 - 30 * k, 450, 300 - 30 * k) for k in range(5)]
    cands = [(TextBox(f"{40 + 5 * k}%", (150 + 40 * k, 295 - 30 * k, 170 + 40 * k, 305 - 30 * k), 0.9),
              40.0 + 5 * k) for k in range(5)]
    out = assign_labels(img, curves, cands)
    assert [c.speed for c in out] == [40, 45, 50, 55, 60]


def test_labels_run_together_are_split_by_their_units():
    from speedline_digitizer.labels import split_run_on

    got = split_run_on(TextBox("71%79%88%", (100, 10, 190, 22), 0.95))
    assert [v for _, v in got] == [71, 79, 88]
    assert [round(tb.box[0]) for tb, _ in got] == [100, 130, 160] and got[-1][0].box[2] == 190
    assert [v for _, v in split_run_on(TextBox("42,000rpm49.000 rpm", (0, 0, 190, 12), 0.9))] == [42000, 49000]
    assert split_run_on(TextBox("N=0.45=0.50", (0, 0, 90, 12), 0.9)) == []  # no unit to split on
    assert [v for _, v in split_run_on(TextBox("12 000 rpm", (0, 0, 90, 12), 0.9))] == [12000]


def test_a_label_missed_at_a_surge_end_is_read_in_a_window_there():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.labels import labels_near_ends

    # four speedlines start on a diagonal surge line, each labelled up-left of its start; the detector
    # read three of them: the fourth is looked for around its curve's surge end (nothing at its choke end)
    font = _font(13)
    img = Image.new("RGB", (520, 400), "white")
    d = ImageDraw.Draw(img)
    curves, cands = [], []
    for k in range(4):
        sx, sy = 180 + 40 * k, 320 - 60 * k
        d.line([(sx, sy), (470, sy + 10)], fill="black", width=2)
        curves.append(_curve(sx, sy, 470, sy + 10))
        text = f"N = {60 + 10 * k}%"
        b = d.textbbox((0, 0), text, font=font)
        x, y = sx - 4 - (b[2] - b[0]), sy - 16
        d.text((x, y), text, fill="black", font=font)
        if k != 2:
            box = d.textbbox((x, y), text, font=font)
            cands.append((TextBox(text, box, 0.99), 60.0 + 10 * k))
    got = labels_near_ends(np.asarray(img), curves, cands, (100.0, 20.0, 500.0, 380.0))
    assert [v for _, v in got] == [80.0]


def test_a_label_read_without_its_words_keeps_its_curve():
    # labels 'n=NNNNN rpm' right-aligned up-left of the surge ends; one is read as its number alone (a
    # line crosses its words), a narrower box whose right edge sits a word's width off the others'
    img = np.full((500, 700, 3), 255, np.uint8)
    curves = [_curve(300 + 30 * k, 420 - 40 * k, 650, 430 - 40 * k) for k in range(6)]
    cands = []
    for k in range(6):
        sx, sy = 300 + 30 * k, 420 - 40 * k
        box = (sx - 150, sy - 22, sx - 6, sy - 6)
        text = f"n={20000 + 2000 * k}rpm"
        if k == 3:  # 'n=' (30 px) and 'rpm' (40 px) not read
            box, text = (box[0] + 30, box[1], box[2] - 40, box[3]), f"{20000 + 2000 * k}"
        cands.append((TextBox(text, box, 0.95), 20000.0 + 2000 * k))
    cands.append((TextBox("65%", (500, 250, 530, 262), 0.99), 65.0))  # an efficiency island's label
    out = assign_labels(img, curves, cands)
    assert [c.speed for c in out] == [20000, 22000, 24000, 26000, 28000, 30000]


def test_off_scale_values_do_not_count_as_speed_labels_found():
    from speedline_digitizer.labels import _n_speeds

    tb = TextBox("x", (0, 0, 1, 1), 0.9)
    assert _n_speeds([(tb, v) for v in (19000, 21000, 23000, 65, 67)]) == 3
    assert _n_speeds([(tb, v) for v in (80, 90)]) == 2


def test_a_speed_label_over_the_left_spine_is_no_tick_label():
    from speedline_digitizer.labels import _tick_label_side

    plot = (100.0, 20.0, 500.0, 380.0)
    assert _tick_label_side((60, 200, 95, 212), plot)        # a y tick label, left of the frame
    assert _tick_label_side((300, 385, 330, 397), plot)      # an x tick label, below it
    assert not _tick_label_side((84, 300, 120, 312), plot)   # '37 %' at a surge end, over the left spine
    assert not _tick_label_side((300, 370, 340, 384), plot)  # a choke-end label just over the bottom spine


def test_grid_lines_are_filled_in_and_strokes_crossing_them_kept():
    from speedline_digitizer.labels import erase_grid

    img = np.full((200, 300, 3), 250, np.uint8)
    img[99:101, 10:290] = 120  # a major grid row, 2 px, with antialiased rows beside it
    img[[98, 101], 10:290] = 200
    img[85:115, 150:153] = 20  # a digit's stroke crossing it
    img[60, 10:100] = 40  # a short flat line (a speedline piece, a legend sample): not a grid row
    out = erase_grid(img, (10.0, 10.0, 290.0, 190.0))
    assert out[97:103, 60].min() >= 245  # the grid row is gone
    assert out[98:102, 151].max() < 170  # the stroke stays dark across it (inpainted from above and below)
    assert out[60, 50, 0] == 40
    assert np.array_equal(erase_grid(out, (10.0, 10.0, 290.0, 190.0)), out)  # nothing more to erase


def test_readings_off_the_maps_scale_take_no_curve():
    from speedline_digitizer.labels import _on_scale

    def tb(v):
        return (TextBox(str(v), (0, 0, 10, 10), 0.9), float(v))

    read = [tb(v) for v in (44, 52, 60, 69, 77, 85, 98, 102, 4, 11)]  # '94 %' read as '4%', a stray '11'
    assert [v for _, v in _on_scale(read)] == [44, 52, 60, 69, 77, 85, 98, 102]
    wide = [tb(v) for v in (20, 35, 50, 65, 80, 95, 110)]  # a map from 20 % to 110 % keeps all its labels
    assert _on_scale(wide) == wide
    rpm = [tb(v) for v in (30000, 45000, 60000, 75000, 90000, 120000)]
    assert _on_scale(rpm) == rpm
    assert _on_scale(read[-3:]) == read[-3:]  # three readings: no scale to judge by
    two = [tb(v) for v in (30000, 45000, 60000, 75000, 65, 70, 75, 80, 85)]  # rpm labels and island labels
    assert _on_scale(two) == two
    pct = [(TextBox(f"{v}%", (0, 0, 10, 10), 0.9), float(v)) for v in (50, 60, 90, 100, 110)]
    nine = (TextBox("709", (0, 0, 10, 10), 0.9), 709.0)  # '70%' with its % read as a 9: mended later
    assert _on_scale(pct + [nine]) == pct + [nine]


def _tails_with_labels_at_their_feet(bg=(255, 255, 255)):
    """Three choke tails, each ending at the top left of its label ('0.5', '0.6', '0.7' printed right
    against the stroke, as matplotlib places `text(x_end, y_end, ...)`). (image, curves, label boxes)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (420, 260), bg)
    d = ImageDraw.Draw(img)
    font = _font(18)
    curves, boxes = [], []
    for k, t in enumerate(("0.5", "0.6", "0.7")):
        x, y = 80 + 110 * k, 200 - 50 * k
        xs = np.linspace(x - 60, x, 40)
        ys = y - 60 + 60 * ((xs - xs[0]) / 60) ** 4  # flat, then falling steeply into its foot
        d.line(list(zip(xs, ys)), fill=(0, 0, 0), width=2)
        d.line([(x, y - 8), (x, y + 14)], fill=(0, 0, 0), width=2)  # the tail runs on beside the text
        d.text((x + 2, y), t, fill=(0, 0, 0), font=font)
        px = np.column_stack([xs, ys])
        curves.append(Curve(px[:, 0], px[:, 1], px))
        boxes.append((x - 1.0, y - 1.0, x + 34.0, y + 20.0))
    return np.asarray(img), curves, boxes


def test_a_tails_stroke_read_as_a_leading_one_is_dropped():
    # '0.5' printed against its choke tail's foot is read '10.5'; cut past the stroke it reads '0.5'
    pytest.importorskip("rapidocr_onnxruntime")
    from speedline_digitizer.labels import strip_strokes

    img, curves, boxes = _tails_with_labels_at_their_feet((250, 200, 60))  # on a filled contour's colour
    cands = [(TextBox("1" + t, b, 0.9), float("1" + t)) for t, b in zip(("0.5", "0.6", "0.7"), boxes)]
    out = strip_strokes(img, cands, curves)
    assert [v for _, v in out] == [0.5, 0.6, 0.7]
    assert [tb.text for tb, _ in out] == ["0.5", "0.6", "0.7"]


def test_a_line_through_an_inline_label_is_no_stroke_to_drop(monkeypatch):
    # an inline label '137k' with its own line running through it: the leading 1 is printed, not a stroke
    from speedline_digitizer import labels

    monkeypatch.setattr(labels, "read_crops", lambda *a, **k: pytest.fail("read again"))
    xs = np.arange(20, 200, dtype=float)
    px = np.column_stack([xs, np.full(len(xs), 50.0)])
    cands = [(TextBox("137k", (90.0, 42.0, 130.0, 58.0), 0.9), 137.0)]
    out = labels.strip_strokes(np.full((100, 220, 3), 255, np.uint8), cands, [Curve(xs, px[:, 1], px)])
    assert out == cands


def test_a_colour_bars_tick_labels_are_no_speed_labels():
    from speedline_digitizer.labels import colour_bar, off_colour_bar

    img = np.full((300, 400, 3), 255, np.uint8)
    img[40:260, 30:300] = (200, 220, 240)  # a filled plot area
    for r in range(40, 260):  # a colour bar: blue at the bottom, yellow at the top
        f = (r - 40) / 220
        img[r, 330:345] = (int(255 * (1 - f)), int(230 * (1 - f)), int(255 * f))
    img[40:260, 100] = 80  # a grid column in the plot: narrow
    bar = colour_bar(img, (30, 40, 299, 259))
    assert bar is not None and 328 <= bar[0] <= 331 and 344 <= bar[2] <= 346
    ticks = [(TextBox(f"0.{5 + i}", (350.0, 250.0 - 50 * i, 375.0, 262.0 - 50 * i), 0.9), (5 + i) / 10)
             for i in range(5)]
    inside = [(TextBox("0.7", (200.0, 100.0, 225.0, 112.0), 0.9), 0.7)]
    assert off_colour_bar(ticks + inside, bar) == inside
    img[40:260, 330:345] = 0  # one colour along it: a thick spine, no colour scale
    assert colour_bar(img, (30, 40, 299, 259)) is None


def test_labels_printing_one_unit_are_counted_apart_from_an_islands_readings():
    from speedline_digitizer.labels import _n_speeds

    tb = lambda t: TextBox(t, (0, 0, 1, 1), 0.9)  # noqa: E731
    cands = [(tb(f"{v}krpm"), float(v)) for v in (61, 65, 69, 74, 78, 82, 86)] + [(tb("85%"), 85.0), (tb("83"), 83.0)]
    assert _n_speeds(cands) == 7  # eight curves: the labels are not all read yet, a second reading is due


def test_two_neighbours_labels_read_in_reverse_are_swapped():
    # crowded labels at the surge ends: the lower curve took '57000rpm', the upper '54000rpm'
    c = _curve(0, 0, 1, 1)
    texts = ["50000rpm", "57000rpm", "54000rpm", "60000rpm"]
    out = enforce_order([Curve(c.x, c.y, c.pixels, float(t[:-3]), t) for t in texts])
    assert [o.speed for o in out] == [50000, 54000, 57000, 60000]
    assert [o.speed_label for o in out][1:3] == ["54000rpm", "57000rpm"]


def _tailed(x0, y0, x1, y1, y2):
    """A flat line from (x0, y0) to (x1, y1), then a choke tail down to y2."""
    px = np.vstack([np.column_stack([np.linspace(x0, x1, 80), np.linspace(y0, y1, 80)]),
                    np.column_stack([np.full(20, x1), np.linspace(y1, y2, 21)[1:]])])
    return Curve(px[:, 0], px[:, 1], px)


def test_a_label_under_a_choke_tail_cut_short_is_placed_by_the_order():
    # 'N krpm' labels under six choke ends; the fourth curve lost its tail (it ends 60 px above its label):
    # the labels' shared placement leaves that label out, the order between its neighbours places it
    img = np.full((1000, 1500, 3), 255, np.uint8)
    curves, cands = [], []
    for k in range(6):
        x1, y1 = 600 + 40 * k, 700 - 60 * k
        curves.append(_tailed(100 + 20 * k, y1, x1, y1, y1 if k == 3 else y1 + 60))
        v = (61, 65, 69, 74, 78, 82)[k]
        cands.append((TextBox(f"{v}krpm", (x1 - 35, y1 + 68, x1 + 35, y1 + 88), 0.9), float(v)))
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [61, 65, 69, 74, 78, 82]
    assert out[3].speed_label == "74krpm" and not out[3].speed_inferred  # read, not inferred from its neighbours


def test_a_label_its_curve_runs_through_stays_when_the_others_sit_at_one_offset():
    # labels up-left of five surge ends at one offset; the top line's label was set over its start
    # (its box centred on the line): it names that line all the same
    img = np.full((600, 800, 3), 255, np.uint8)
    curves = [_curve(150 + 30 * k, 450 - 60 * k, 600, 460 - 60 * k) for k in range(5)]
    cands = [(TextBox(f"{60 + 5 * k}%", (150 + 30 * k - 45, 450 - 60 * k - 20, 150 + 30 * k - 5,
                                         450 - 60 * k - 4), 0.9), 60.0 + 5 * k) for k in range(4)]
    cands.append((TextBox("80%", (280, 200, 320, 216), 0.9), 80.0))
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [60, 65, 70, 75, 80]


def test_a_black_legend_names_the_curves_that_run_like_speedlines_among_island_arcs():
    # four solid black speedlines and two arcs of a black efficiency island, four black legend entries:
    # the only four curves whose surge and choke ends both move right with speed are the speedlines
    import cv2

    img = np.full((600, 800, 3), 255, np.uint8)
    lines = [_tailed(100 + 40 * k, 500 - 80 * k, 400 + 50 * k, 500 - 80 * k, 560 - 80 * k) for k in range(4)]
    arcs = [_curve(330, 250 - 12 * k, 360, 320 - 12 * k) for k in range(2)]
    curves = [lines[0], lines[1], arcs[0], arcs[1], lines[2], lines[3]]  # lowest first, as the pipeline orders
    for c in curves:
        cv2.polylines(img, [np.round(c.pixels).astype(np.int32)], False, (0, 0, 0), 2)
    cands = []
    for n, v in enumerate((31, 65, 75, 102)):
        y = 40 + 20 * n
        img[y - 1:y + 1, 640:672] = 0
        cands.append((TextBox(f"{v}k", (680, y - 6, 710, y + 6), 0.9), float(v)))
    out = enforce_order(assign_labels(img, curves, cands))
    assert [c.speed for c in out] == [31, 65, None, None, 75, 102]


def test_a_missing_speed_between_evenly_spaced_rounded_labels_is_inferred():
    # even speeds printed to two decimals step 0.05 or 0.04; the steps next to the gap tell its value
    c = _curve(0, 0, 1, 1)
    speeds = [0.36, 0.41, None, 0.51, 0.56, 0.6, 0.65]
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, None if s is None else f"N={s}") for s in speeds])
    assert out[2].speed == pytest.approx(0.46) and out[2].speed_inferred
    # steps of 5 below and 3 above the gap tell nothing
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, None if s is None else f"{s}%") for s in [50, 55, None, 65, 68]])
    assert out[2].speed is None
    # a middle the labels could not print (170, -, 191: 180.5) is no value to fill in
    out = enforce_order([Curve(c.x, c.y, c.pixels, s, None if s is None else f"{s}%") for s in [159, 170, None, 191, 201]])
    assert out[2].speed is None


def test_a_label_in_its_curves_colour_under_black_print_is_read_on_that_colour_alone():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw

    from speedline_digitizer.labels import labels_in_colour, tint

    # three speedlines labelled up-left of their surge ends in their own colours, the middle label
    # crossed by a black note (a black speedline beside them: black print is not told apart from it)
    font = _font(14)
    img = Image.new("RGB", (460, 300), "white")
    d = ImageDraw.Draw(img)
    curves, cands = [], []
    for k, (colour, text) in enumerate((((40, 150, 40), "N = 0.97"), ((200, 40, 40), "N = 1.01"),
                                        ((40, 60, 200), "N = 1.05"))):
        sx, sy = 200 + 20 * k, 200 - 70 * k
        d.line([(sx, sy), (420, sy + 15)], fill=colour, width=2)
        curves.append(_curve(sx, sy, 420, sy + 15))
        d.text((sx - 75, sy - 20), text, fill=colour, font=font)
        if k != 1:
            cands.append((TextBox(text, d.textbbox((sx - 75, sy - 20), text, font=font), 0.95), float(text[4:])))
            curves[-1] = replace(curves[-1], speed=float(text[4:]), speed_label=text)
    d.text((150, 100), "Surge line", fill="black", font=_font(16))
    d.line([(230, 260), (420, 270)], fill="black", width=2)
    curves.append(_curve(230, 260, 420, 270))
    a = np.asarray(img)
    grey = tint(a, np.array([200.0, 40.0, 40.0]), np.array([255.0, 255.0, 255.0]))
    assert (grey[a.sum(axis=2) < 60] == 255).all()  # black print is gone
    assert (grey[130, 220:420] < 128).any()  # the red line stays, dark
    # read as it is, the window at the red curve's surge end gives nothing
    assert not [v for _, v in _speed_texts(a, (60, 82, 268, 155), 2.0, None) if v == 1.01]
    out = labels_in_colour(a, curves, cands, (20.0, 20.0, 440.0, 290.0))
    assert [c.speed for c in out] == [0.97, 1.01, 1.05, None]
