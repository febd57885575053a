"""Hand-made hard cases for mask -> curves."""
import numpy as np
import pytest

from conftest import draw_polyline
from speedline_digitizer import Calibration, curves_from_mask
from speedline_digitizer.fit import fit_path
from speedline_digitizer.skeleton import build_graph, skeletonize


def speedline(x0, y0, x1, y_end, n=200):
    """A speedline in pixels: flat top from (x0, y0), bending into a vertical tail down to y_end at x1."""
    t = np.linspace(0, 1, n)
    x = x0 + (x1 - x0) * np.sin(t * np.pi / 2) ** 0.6
    y = y0 + (y_end - y0) * (1 - np.cos(t * np.pi / 2)) ** 2.5
    return np.column_stack([x, y])


def test_single_curve_ordered_from_surge_end():
    pts = speedline(30, 60, 250, 180)
    m = draw_polyline((220, 300), pts[::-1], width=2)  # drawn from the choke end: must come back surge-first
    (c,) = curves_from_mask(m)
    assert c.pixels[0, 0] < c.pixels[-1, 0]
    assert abs(c.pixels[0, 0] - 30) < 4 and abs(c.pixels[-1, 1] - 180) < 4


def test_two_curves_four_px_apart_stay_separate():
    a = speedline(30, 60, 250, 190)
    tang = np.gradient(a, axis=0)
    normal = np.column_stack([tang[:, 1], -tang[:, 0]]) / np.hypot(*tang.T)[:, None]
    b = a - 4 * normal  # 4 px away everywhere, the crowded-choke-tail case
    m = draw_polyline((220, 300), a, 1) | draw_polyline((220, 300), b, 1)
    curves = curves_from_mask(m)
    assert len(curves) == 2
    for c in curves:
        assert c.pixels[:, 0].max() - c.pixels[:, 0].min() > 180


def test_curve_broken_by_label_box_is_joined():
    pts = speedline(20, 50, 380, 260, n=400)
    m = draw_polyline((300, 420), pts, 2)
    m[35:70, 150:188] = False  # a label box hides 38 px of the flat part
    curves = curves_from_mask(m)
    assert len(curves) == 1
    assert curves[0].pixels[:, 0].min() < 25 and curves[0].pixels[:, 1].max() > 255


def test_curve_crossed_by_another_line():
    pts = speedline(20, 80, 300, 260)
    m = draw_polyline((300, 340), pts, 2)
    cross = draw_polyline((300, 340), [(100, 10), (160, 290)], 2)  # e.g. an R-line the segmenter kept
    curves = curves_from_mask(m | cross)
    longest = max(curves, key=lambda c: np.ptp(c.pixels[:, 0]))
    assert np.ptp(longest.pixels[:, 0]) > 250  # the speedline runs straight through the crossing
    assert longest.pixels[0, 0] < 25 and longest.pixels[-1, 1] > 255


def test_dashed_curve_is_one_curve():
    pts = speedline(20, 60, 300, 250, n=600)
    m = draw_polyline((300, 340), pts, 2)
    s = np.cumsum(np.r_[0, np.hypot(*np.diff(pts, axis=0).T)])
    for a in np.arange(0, s[-1], 9):  # 6 px dashes, 3 px gaps
        for p in pts[(s > a + 6) & (s < a + 9)]:
            m[int(round(p[1])) - 2:int(round(p[1])) + 3, int(round(p[0])) - 2:int(round(p[0])) + 3] = False
    curves = curves_from_mask(m)
    assert len(curves) == 1


def test_spurs_are_pruned():
    pts = speedline(20, 60, 300, 250)
    m = draw_polyline((300, 340), pts, 3)
    for x in (60, 120, 180):
        m[int(np.interp(x, pts[:, 0], pts[:, 1])) - 6:int(np.interp(x, pts[:, 0], pts[:, 1])), x] = True
    curves = curves_from_mask(m)
    assert len(curves) == 1


def test_log_axes_calibration():
    cal = Calibration.from_box((0, 0, 100, 100), (1, 100), (1, 10), x_log=True, y_log=True)
    v = cal.to_data(np.array([[50.0, 50.0], [0.0, 100.0], [100.0, 0.0]]))
    assert np.allclose(v, [[10, np.sqrt(10)], [1, 1], [100, 10]])
    assert np.allclose(cal.to_pixels(v), [[50, 50], [0, 100], [100, 0]])
    m = draw_polyline((101, 101), [(10, 90), (90, 10)], 1)  # a straight diagonal in pixels
    (c,) = curves_from_mask(m, cal)
    k = np.argmin(np.abs(c.pixels[:, 0] - 50))
    assert c.x[k] == pytest.approx(10, rel=0.05) and c.y[k] == pytest.approx(np.sqrt(10), rel=0.03)
    assert c.x[0] < c.x[-1] and c.y[0] < c.y[-1]  # log spacing: the line is a power law in axis units


def test_rotated_frame():
    cal = Calibration.from_box((10, 10, 110, 110), (0, 10), (0, 10), rotation_deg=2.0)
    # the frame's bottom-right corner, rotated 2 degrees counter-clockwise about the box centre
    a = np.deg2rad(2.0)
    corner = np.array([50 * np.cos(a) + 50 * np.sin(a) + 60, -50 * np.sin(a) + 50 * np.cos(a) + 60])
    assert np.allclose(cal.to_data(corner[None]), [[10, 0]], atol=1e-9)
    assert np.allclose(cal.to_pixels([[10, 0]]), corner[None], atol=1e-9)


def test_reference_points_calibration_like_wpd():
    cal = Calibration.from_points([(10, 200, 0.0), (310, 200, 30.0)], [(10, 200, 1.0), (10, 20, 4.0)])
    assert np.allclose(cal.to_data([[160, 110]]), [[15, 2.5]])


@pytest.mark.parametrize("bad", [((0, 0, 10, 10), (1, 1), (0, 1)), ((0, 0, 10, 10), (0, 1), (2, 2)),
                                 ((10, 0, 5, 10), (0, 1), (0, 1))])
def test_bad_calibration_is_refused(bad):
    from speedline_digitizer import CalibrationError

    with pytest.raises(CalibrationError):
        Calibration.from_box(*bad)


def test_log_axis_needs_positive_limits():
    from speedline_digitizer import CalibrationError

    with pytest.raises(CalibrationError):
        Calibration.from_box((0, 0, 10, 10), (0, 10), (1, 2), x_log=True)


def test_graph_and_fit_basics():
    m = draw_polyline((50, 100), [(5, 25), (95, 25)], 1) | draw_polyline((50, 100), [(50, 5), (50, 45)], 1)
    g = build_graph(skeletonize(m))
    assert len(g.junction_centres) >= 1 and len(g.segments) == 4
    f = fit_path(np.column_stack([np.arange(50.0), np.zeros(50)]), step=5)
    assert np.allclose(np.diff(f[:, 0]), f[1, 0] - f[0, 0], atol=0.2) and np.allclose(f[:, 1], 0, atol=1e-6)


def test_two_lines_drawn_close_are_not_merged_as_strands_of_one_stroke():
    from speedline_digitizer.instances import merge_overlaps

    # two speedlines 15 px apart: the lower one's piece ends beside the upper one's start (a label box
    # hides the rest), both run right; a merge distance of 18 px (a mask widened by dash bridging)
    x = np.arange(100, 200, dtype=float)
    low = np.column_stack([x[:60], np.full(60, 115.0)])           # x 100..159, y 115
    high = np.column_stack([x[30:], np.full(70, 100.0)])          # x 130..199, y 100
    mask = np.zeros((200, 300), bool)
    mask[113:118, 100:160] = True
    mask[98:103, 130:200] = True
    assert len(merge_overlaps([low, high], distance=18.0, mask=mask)) == 2  # paper between them
    assert len(merge_overlaps([low, high], distance=18.0)) == 1             # the old rule merged them
    mask[98:118, 130:160] = True  # one wide stroke whose skeleton split into two strands: merged
    assert len(merge_overlaps([low, high], distance=18.0, mask=mask)) == 1


def test_a_trace_along_the_edge_of_a_filled_island_is_no_speedline():
    from speedline_digitizer.postprocess import on_fill_edge

    img = np.full((200, 300, 3), 255, np.uint8)
    img[60:140, 50:250] = (120, 220, 250)   # a filled island ...
    img[80:120, 90:210] = (250, 230, 100)   # ... with an inner island of another shade
    edge = np.column_stack([np.arange(100, 200, dtype=float), np.full(100, 79.5)])  # along the inner edge
    assert on_fill_edge(edge, img, offset=3.0)
    across = np.column_stack([np.arange(20, 280, dtype=float), np.full(260, 100.0)])  # a speedline crossing both
    img[99:101, 20:280] = (40, 40, 40)
    assert not on_fill_edge(across, img, offset=3.0)
    assert not on_fill_edge(across[:60], img, offset=3.0)  # on the paper


def test_blank_mask_gives_no_curves():
    assert curves_from_mask(np.zeros((50, 50), bool)) == []


def test_overlapping_strands_of_one_stroke_are_merged():
    from speedline_digitizer.instances import merge_overlaps

    pts = speedline(20, 50, 300, 250, n=400)
    a, b = pts[:250], pts[200:] + [0.8, 0.0]  # two pieces of one stroke that overlap for 50 points
    merged = merge_overlaps([b, a], distance=3.0)
    assert len(merged) == 1
    m = merged[0]
    assert np.allclose(m[0], pts[0]) and np.allclose(m[-1], pts[-1] + [0.8, 0.0])
    assert np.all(np.diff(np.arange(len(m)))) and len(m) < len(a) + len(b)  # the overlap is not doubled
    # a crossing line that merely touches the other's end does not merge (it runs another way)
    cross = np.column_stack([np.full(50, pts[249, 0]), np.linspace(pts[249, 1], pts[249, 1] + 60, 50)])
    assert len(merge_overlaps([a, cross], distance=3.0)) == 2


def test_long_gap_in_line_is_bridged_but_not_sideways():
    pts = speedline(20, 60, 380, 260, n=500)
    m = draw_polyline((300, 420), pts, 2)
    m[40:80, 120:190] = False  # 70 px hidden (markers, a legend) on the flat part: ends point at each other
    assert len(curves_from_mask(m)) == 1
    # the same gap between two lines 12 px apart sideways is not bridged
    two = draw_polyline((300, 420), [(20, 100), (150, 100)], 2) | draw_polyline((300, 420), [(220, 112), (380, 112)], 2)
    assert len(curves_from_mask(two)) == 2


def test_curved_stretch_hidden_by_a_label_is_bridged_between_whole_paths():
    from speedline_digitizer.instances import InstanceParams, join_gaps

    t = np.radians(np.linspace(140, 20, 900))  # an arc: the line turns 14 degrees under the label
    pts = np.column_stack([210 + 250 * np.cos(t), 300 - 250 * np.sin(t)])
    m = draw_polyline((300, 460), pts, 2)
    hidden = pts[(t > np.radians(100)) & (t < np.radians(114))]  # 61 px of the arc under a label box
    x0, y0 = hidden.min(axis=0)
    x1, y1 = hidden.max(axis=0)
    m[int(y0) - 8:int(y1) + 8, int(x0):int(x1) + 1] = False
    (c,) = curves_from_mask(m)
    assert c.pixels[:, 0].min() < 25 and c.pixels[:, 0].max() > 440
    # at path level: two flat pieces 90 px apart and 12 px apart sideways are two lines
    p = InstanceParams(max_gap=48.0, tangent_span=16)
    a = np.column_stack([np.arange(20.0, 150), np.full(130, 100.0)])
    b = np.column_stack([np.arange(240.0, 380), np.full(140, 112.0)])
    assert len(join_gaps([a, b], p)) == 2
    # in line they join, unless another path runs through the gap
    b_in_line = b - [0, 12]
    assert len(join_gaps([a, b_in_line], p)) == 1
    across = np.column_stack([np.full(60, 195.0), np.linspace(70, 130, 60)])
    assert len(join_gaps([a, b_in_line, across], p)) == 3


def test_flat_low_speedline_is_not_a_grid_line():
    m = np.zeros((300, 400), bool)
    x = np.arange(40, 300)
    y = 250 - 0.02 * (x - 40)  # nearly flat (0.9 degrees), no choke tail
    m[np.round(y).astype(int), x] = True
    m[np.round(y).astype(int) + 1, x] = True
    curves = curves_from_mask(m)
    assert len(curves) == 1 and np.ptp(curves[0].pixels[:, 0]) > 250


def test_stretch_of_a_grid_line_is_dropped_with_the_image():
    shape = (300, 400)
    box = (20, 20, 380, 280)
    curve = speedline(40, 60, 330, 250)
    m = draw_polyline(shape, curve, 2) | draw_polyline(shape, [(60, 150), (170, 150)], 2)  # + a grid stretch
    img = np.full(shape + (3,), 255, np.uint8)
    img[draw_polyline(shape, curve, 2)] = (30, 60, 200)
    for x in range(20, 381, 6):  # a dashed light grey grid line across the plot at row 150
        img[150, x:x + 3] = 190
    assert len(curves_from_mask(m, plot_box=box)) == 2  # the mask alone cannot tell
    (c,) = curves_from_mask(m, plot_box=box, image=img)
    assert np.ptp(c.pixels[:, 1]) > 150
    # a flat stretch of ink that ends where the piece ends is kept
    img2 = np.full(shape + (3,), 255, np.uint8)
    img2[m] = 0
    assert len(curves_from_mask(m, plot_box=box, image=img2)) == 2


def test_a_piece_down_a_grid_column_with_a_stub_where_it_left_a_tail_is_dropped():
    from speedline_digitizer.postprocess import on_grid_line

    g = np.full((300, 400), 255, np.uint8)
    g[20:281, 300] = 120  # a major grid column, all the way down the plot
    stub = np.column_stack([np.linspace(292, 300, 8), np.linspace(140, 148, 8)])  # off the tail it left
    down = np.column_stack([np.full(120, 300.0), np.linspace(149, 268, 120)])
    assert on_grid_line(np.vstack([stub, down]), g, (20, 20, 380, 280))
    # a choke tail that merely ends on the grid column is no grid line
    tail = np.column_stack([np.linspace(200, 300, 100), 100 + 60 * np.linspace(0, 1, 100) ** 3])
    assert not on_grid_line(np.vstack([tail, down[:20]]), g, (20, 20, 380, 280))
    # a low flat speedline along a grid row but for its falling tail stays (rows allow no stub)
    g[150, 20:381] = 120
    flat = np.column_stack([np.linspace(40, 220, 180), np.full(180, 150.0)])
    fall = np.column_stack([np.linspace(221, 240, 20), 150 + 12 * np.linspace(0, 1, 20) ** 2])
    assert not on_grid_line(np.vstack([flat, fall]), g, (20, 20, 380, 280))


def test_a_grid_row_piece_that_wavers_at_its_end_is_a_grid_line():
    from speedline_digitizer.postprocess import on_grid_line

    g = np.full((300, 400), 255, np.uint8)
    g[150, 20:381] = 120  # a major grid row across the plot
    row = np.column_stack([np.linspace(80, 300, 200), np.full(200, 150.0)])
    row[-10:, 1] += np.linspace(0, 3, 10)  # a fitted piece wavers where it ends (3 px)
    assert on_grid_line(row, g, (20, 20, 380, 280))
    row[-10:, 1] += 10  # ... a tail that falls further is a speedline's
    assert not on_grid_line(row, g, (20, 20, 380, 280))


def test_a_piece_along_a_grid_row_then_down_a_grid_column_is_dropped():
    from speedline_digitizer.postprocess import grid_corner

    g = np.full((300, 400), 255, np.uint8)
    g[150, 20:381] = 150  # a grid row and a grid column
    g[20:281, 250] = 150
    box = (20, 20, 380, 280)
    along = np.column_stack([np.linspace(100, 248, 120), 150 + np.sin(np.linspace(0, 6, 120))])  # wavering 1 px
    corner = np.column_stack([248 + 2 * np.sin(np.linspace(0, np.pi / 2, 8)), 150 + 2 * (1 - np.cos(np.linspace(0, np.pi / 2, 8)))])
    down = np.column_stack([np.full(80, 250.0), np.linspace(153, 260, 80)])
    assert grid_corner(np.vstack([along, corner, down]), g, box)
    # a speedline's flat top and choke tail on no grid line is none
    t = np.linspace(0, 1, 200)
    speed = np.column_stack([60 + 200 * t, 100 + 5 * t + 120 * t ** 8])
    assert not grid_corner(speed, g, box)
    # a speedline that runs along the grid row and falls into a tail of its own (not down the column)
    tail = np.column_stack([np.linspace(249, 280, 60), 150 + 100 * np.linspace(0, 1, 60) ** 2])
    assert not grid_corner(np.vstack([along, tail]), g, box)


def test_curve_running_on_along_a_grid_column_is_trimmed():
    shape = (300, 400)
    box = (20, 20, 380, 280)
    curve = speedline(100, 150, 330, 250)
    stray = np.column_stack([np.full(60, 100.0), np.linspace(90, 150, 60)])  # up a grid column from the start
    img = np.full(shape + (3,), 255, np.uint8)
    img[20:281, 100] = 200  # the light grey grid column, all the way down the plot
    img[draw_polyline(shape, curve, 2)] = 0
    m = draw_polyline(shape, np.vstack([stray, curve]), 2)
    (c,) = curves_from_mask(m, plot_box=box)
    assert c.pixels[:, 1].min() < 100  # the mask alone keeps the stray stretch
    (c,) = curves_from_mask(m, plot_box=box, image=img)
    assert c.pixels[:, 1].min() > 140 and np.ptp(c.pixels[:, 0]) > 200


def test_flat_start_running_on_along_a_pale_grid_row_is_trimmed_but_a_dark_one_is_kept():
    shape = (300, 400)
    box = (20, 20, 380, 280)
    curve = speedline(150, 103, 330, 250)  # starts 3 px below a grid row
    stray = np.column_stack([np.linspace(60, 150, 90), np.full(90, 100.0)])  # along the row before the start
    m = draw_polyline(shape, np.vstack([stray, curve]), 2)
    for grid, trimmed in ((200, True), (0, False)):  # a pale grey grid row; a row as dark as the speedline
        img = np.full(shape + (3,), 255, np.uint8)
        img[100, 20:381] = grid
        img[draw_polyline(shape, curve, 2)] = 0
        (c,) = curves_from_mask(m, plot_box=box, image=img)
        assert (c.pixels[:, 0].min() > 140) == trimmed
        assert c.pixels[:, 1].max() > 245


def test_end_running_on_over_blank_paper_is_trimmed_but_dash_gaps_are_not():
    from speedline_digitizer.postprocess import trim_pale_ends

    grey = np.full((200, 300), 250.0)
    x = np.arange(20, 280, 2.0)
    xy = np.column_stack([x, 100 + 0.1 * (x - 20)])  # a path along an inked line ...
    inked = x < 200  # ... whose last stretch (x >= 200) the image does not show
    for (cx, cy), on in zip(xy, inked):
        if on:
            grey[int(round(cy)) - 1:int(round(cy)) + 2, int(cx) - 1:int(cx) + 3] = 40
    out = trim_pale_ends(xy, grey, paper=250)
    assert out[-1, 0] == pytest.approx(198, abs=6) and out[0, 0] == 20
    dashed = grey.copy()
    dashed[:, 100:106] = 250  # a dash gap of 6 px in the middle is no end
    assert len(trim_pale_ends(xy[inked], dashed, paper=250)) == inked.sum()
    faint = np.full((200, 300), 250.0)  # a curve as pale as the paper: nothing to tell, kept whole
    assert len(trim_pale_ends(xy, faint, paper=250)) == len(xy)


def test_lower_arc_of_an_efficiency_island_is_no_speedline():
    # the segmenter may mark the lower half of an island's contour: it bends upward (counter-clockwise),
    # which no speedline does; the upper half looks like a speedline and stays
    from speedline_digitizer.postprocess import bends_upward, net_turn

    t = np.linspace(0.05, np.pi - 0.05, 200)
    lower = np.column_stack([200 - 90 * np.cos(t), 150 + 40 * np.sin(t)])  # image rows grow downwards
    line = speedline(30, 40, 250, 120)
    m = draw_polyline((260, 320), line, 2) | draw_polyline((260, 320), lower, 2)
    curves = curves_from_mask(m)
    assert len(curves) == 1 and curves[0].pixels[:, 1].max() < 130
    assert net_turn(line) < -45 and bends_upward(lower) and not bends_upward(line)
    upper = np.column_stack([200 - 90 * np.cos(t), 150 - 40 * np.sin(t)])
    assert not bends_upward(upper)


def test_line_is_joined_across_a_label_box_at_its_knee():
    from speedline_digitizer.instances import InstanceParams, find_instances, join_gaps
    from speedline_digitizer.skeleton import build_graph

    # a flat stretch runs into a label box; the steep tail leaves the box's bottom: a 60-degree turn
    # hidden by the box, too sharp for a join without knowing the box
    flat = np.column_stack([np.arange(40, 101), np.full(61, 100.0)])
    tail = np.column_stack([112 + 0.5 * np.arange(0, 80), 118 + np.arange(0, 80) * 0.87])
    box = (100, 88, 130, 116)
    params = InstanceParams(max_gap=48.0, min_length=30.0)
    assert len(join_gaps([flat, tail], params)) == 2
    joined = join_gaps([flat, tail], params, [box])
    assert len(joined) == 1 and np.allclose(joined[0][0], flat[0]) and np.allclose(joined[0][-1], tail[-1])
    gap = np.linalg.norm(np.diff(joined[0], axis=0), axis=1)
    assert gap.max() <= 1.5  # the hidden stretch is its chord, a point a pixel (no spline swing over it)
    # a line traced into the box and along its bottom side is cut at the box and joined across it
    skel = np.zeros((220, 220), bool)
    skel[100, 40:101] = True
    skel[100:118, 100] = True
    skel[117, 100:131] = True
    for k in range(70):
        skel[117 + k, 131 + k // 2] = True
    paths = find_instances(build_graph(skel), params, [box])
    assert len(paths) == 1
    p = paths[0]
    along_side = (np.abs(p[:, 1] - 117) < 0.5) & (p[:, 0] > 103) & (p[:, 0] < 128)
    assert along_side.sum() <= 2 and np.allclose(p[0], (40, 100)) and p[-1][1] > 180
    # the box's own sides, traced by the segmenter, are no speedline
    skel = np.zeros((220, 220), bool)
    skel[box[1] - 1, box[0] - 1:box[2] + 2] = True  # top side
    skel[box[1] - 1:box[3] + 2, box[2] + 1] = True  # right side
    assert find_instances(build_graph(skel), params, [box]) == []
    assert len(find_instances(build_graph(skel), params)) == 1


def test_upper_arc_of_an_efficiency_island_starts_inside_the_map():
    from speedline_digitizer.postprocess import starts_inside

    # three speedlines from a surge line running up-right (rows grow downwards), each falling into a
    # choke tail; an island's upper arc starts between them, right of the top line's tail
    def speedline(x0, y0, x1, y_end):
        t = np.linspace(0, 1, 60)
        return np.column_stack([x0 + (x1 - x0) * t, y0 + (y_end - y0) * t ** 6])
    lines = [speedline(100, 400, 300, 470), speedline(150, 300, 380, 400), speedline(200, 200, 450, 330)]
    arc = np.column_stack([440 + np.linspace(0, 80, 40), 260 - 15 * np.sin(np.linspace(0, np.pi, 40))])
    assert starts_inside(lines, 10.0) == set()
    assert starts_inside(lines + [arc], 10.0) == {3}


def test_rotated_frame_lines_are_not_speedlines():
    # a scan turned 1.2 degrees: its top spine leans into the upright box and its bottom spine runs along
    # inside it; both are frame, and short speedlines next to a long spine piece are still kept
    from speedline_digitizer.calibrate import rotate_points

    shape, box, rot = (400, 600), (50, 50, 550, 350), 1.2
    cal = Calibration.from_box(box, (0, 10), (0, 5), rotation_deg=rot)
    turn = lambda pts: rotate_points(np.array(pts, float), rot, (300, 200))  # noqa: E731
    m = draw_polyline(shape, turn([(50, 50), (550, 50)]), 2) | draw_polyline(shape, turn([(50, 350), (550, 350)]), 2)
    for k in range(3):  # short flat-topped speedlines with steep tails
        t = np.linspace(0, 1, 60)
        x = 120 + 60 * k + 90 * t
        y = 280 - 60 * k - 10 * t + 50 * t ** 8
        m |= draw_polyline(shape, turn(np.column_stack([x, y])), 2)
    curves = curves_from_mask(m, cal)
    assert len(curves) == 3
    assert all(0.3 < c.y.min() and c.y.max() < 4.7 for c in curves)


def test_piece_of_a_rotated_scans_grid_row_is_dropped_with_the_image():
    # a scan turned 1.2 degrees: its grid rows lean with the frame; a stretch of one in the mask leans
    # too, so the row check must look along the turned row, not along the image's rows
    from speedline_digitizer.calibrate import rotate_points

    shape, box, rot = (400, 600), (50, 50, 550, 350), 1.2
    cal = Calibration.from_box(box, (0, 10), (0, 5), rotation_deg=rot)
    turn = lambda pts: rotate_points(np.array(pts, float), rot, (300, 200))  # noqa: E731
    img = np.full(shape + (3,), 255, np.uint8)
    img[draw_polyline(shape, turn([(50, 150), (550, 150)]), 1)] = 170  # a light grey grid row across the plot
    m = draw_polyline(shape, turn([(300, 150), (420, 150)]), 2)  # the segmenter fired on a stretch of it
    for k in range(3):
        t = np.linspace(0, 1, 60)
        x = 120 + 60 * k + 90 * t
        y = 330 - 40 * k - 10 * t + 50 * t ** 8
        line = draw_polyline(shape, turn(np.column_stack([x, y])), 2)
        m |= line
        img[line] = (30, 60, 200)
    assert len(curves_from_mask(m, cal)) == 4  # the mask alone cannot tell
    curves = curves_from_mask(m, cal, image=img)
    assert len(curves) == 3 and all(c.y.max() < 2.5 for c in curves)


def test_short_piece_of_a_rotated_frames_side_is_dropped():
    # the detected box of a turned frame can be the bounds of its spines' ends: a stretch of the right
    # spine then lies inside the plot mask, a few px in from the box's edge, and is frame, not a speedline
    from speedline_digitizer.calibrate import rotate_points

    shape, rot = (400, 600), -0.8
    turn = lambda pts: rotate_points(np.array(pts, float), rot, (300, 200))  # noqa: E731
    corners = turn([(50, 50), (550, 50), (50, 350), (550, 350)])
    bounds = (corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max())
    cal = Calibration.from_box(bounds, (0, 10), (0, 5), rotation_deg=rot)
    m = draw_polyline(shape, turn([(550, 60), (550, 170)]), 2)  # a stretch of the right spine
    for k in range(3):
        t = np.linspace(0, 1, 60)
        x = 120 + 60 * k + 90 * t
        y = 280 - 60 * k - 10 * t + 50 * t ** 8
        m |= draw_polyline(shape, turn(np.column_stack([x, y])), 2)
    curves = curves_from_mask(m, cal)
    assert len(curves) == 3 and all(c.pixels[:, 0].max() < 500 for c in curves)


def test_short_lowest_speedline_on_the_surge_line_is_kept_but_a_short_fragment_is_not():
    # four long speedlines whose surge ends lie on a line running up-right, a short lowest one (under a
    # fifth of the longest) starting on that line's extension below them, and a piece of the same shape
    # in the middle of the map (a fragment)
    longs = [speedline(100 + 40 * k, 420 - 80 * k, 360 + 60 * k, 470 - 60 * k) for k in range(1, 5)]
    low = speedline(100, 420, 140, 450, n=60)
    fragment = low + [300, -250]
    m = np.zeros((500, 640), bool)
    for p in longs + [low, fragment]:
        m |= draw_polyline(m.shape, p, 2)
    curves = curves_from_mask(m)
    starts = [tuple(np.round(c.pixels[0])) for c in curves]
    assert len(curves) == 5
    assert any(abs(x - 100) < 5 and abs(y - 420) < 5 for x, y in starts)  # the low speedline
    assert not any(abs(x - 400) < 10 and abs(y - 170) < 10 for x, y in starts)  # the fragment


PURPLE, GREEN = (150, 60, 190), (60, 170, 60)


def inked(shape, strokes, width):
    """A white map with coloured polylines ((points, rgb), ...) drawn on it, and its skeleton graph."""
    img = np.full((*shape, 3), 255, np.uint8)
    m = np.zeros(shape, bool)
    for pts, rgb in strokes:
        line = draw_polyline(shape, np.asarray(pts, float), width)
        img[line] = rgb
        m |= line
    return img, build_graph(skeletonize(m))


def miss(paths, start, end) -> float:
    """How far (px) from `end` the path that starts at `start` ends."""
    p = next(p for p in paths if np.hypot(*(p[0] - start)) < 4)
    return float(np.hypot(*(p[-1] - end)))


def test_at_a_crossing_a_line_keeps_its_own_ink():
    from speedline_digitizer.instances import find_instances

    # a purple speedline runs flat into its knee and falls steeply; a dash of a green island line starts at
    # the knee, the straighter way on from the flat stretch: with the map's colours the purple line keeps
    # its tail
    img, graph = inked((220, 300), [([[40, 100], [200, 100], [230, 180]], PURPLE),
                                    ([[200, 100], [260, 148]], GREEN)], 2)
    assert miss(find_instances(graph, image=img), [40, 100], [230, 180]) < 6
    assert miss(find_instances(graph), [40, 100], [230, 180]) > 20  # the mask alone: the green way


def test_island_arcs_starting_between_speedlines_under_a_higher_one_are_dropped():
    from speedline_digitizer.postprocess import starts_between, starts_inside

    def speedline(x0, y0):  # flat from the surge line, then down into a choke tail (rows grow downwards)
        t = np.linspace(0, 1, 400)
        return np.column_stack([x0 + 300 * t, y0 + 90 * t ** 6])

    def arc(x0, y0):  # an island's upper arc, from its left end up and over
        a = np.linspace(0, np.pi, 200)
        return np.column_stack([x0 + 60 * (1 - np.cos(a)), y0 - 25 * np.sin(a)])
    lines = [speedline(100, 400), speedline(150, 300), speedline(200, 200), speedline(250, 100)]
    arcs = [arc(260, 260), arc(250, 350), arc(300, 160)]  # half as many arcs as speedlines
    assert starts_between(lines, 10.0) == set()
    assert starts_inside(lines + arcs, 10.0) == set()  # under the higher line's flat top: not caught there
    assert starts_between(lines + arcs, 10.0) == {4, 5, 6}
    # with the image's colours: a long piece in its own ink (a speedline whose start was lost) stays,
    # the short arcs in the speedlines' black go; a piece starting down a choke tail stays too
    piece = speedline(240, 250)[40:]
    black, red = np.zeros(3), np.array([220.0, 30, 30])
    cols = np.array([black] * 5 + [red])
    assert starts_between(lines + arcs[:1] + [piece], 10.0, cols) == {4}
    assert starts_between(lines + arcs[:1] + [piece], 10.0) == {4, 5}
    tail = speedline(150, 300)[300:] + [100, 0]
    assert starts_between(lines + arcs[:1] + [tail], 10.0) == {4}


def test_surge_line_by_consensus_holds_when_a_third_of_the_starts_are_island_arcs():
    from speedline_digitizer.postprocess import _surge_line

    on = np.array([[100, 400], [150, 300], [200, 200], [250, 100], [125, 350], [175, 250]], float)
    arcs = np.array([[400, 250], [420, 280], [380, 300]], float)
    centre, normal = _surge_line(np.vstack([on, arcs]), 10.0, consensus=True)
    assert np.abs((on - centre) @ normal).max() < 1.0
    assert ((arcs - centre) @ normal > 100).all()
    centre, normal = _surge_line(np.vstack([on, arcs]), 10.0)  # least squares: pulled off by the arcs
    assert np.abs((on - centre) @ normal).max() > 10.0


def test_an_island_arc_crossing_a_speedline_from_inside_the_map_is_dropped():
    from speedline_digitizer.postprocess import crosses_from_inside

    def speedline(x0, y0, x1, y_end):
        t = np.linspace(0, 1, 80)
        return np.column_stack([x0 + (x1 - x0) * t, y0 + (y_end - y0) * t ** 6])
    lines = [speedline(100, 400, 300, 470), speedline(150, 300, 380, 420), speedline(200, 200, 450, 340)]
    # an island's upper arc starting between two speedlines, well right of their surge ends, over the
    # middle line's choke tail
    a = np.linspace(np.pi, 0, 60)
    arc = np.column_stack([360 + 60 * np.cos(a), 380 - 40 * np.sin(a)])
    assert crosses_from_inside(lines, 10.0) == set()
    assert crosses_from_inside(lines + [arc], 10.0) == {3}
    assert crosses_from_inside(lines + [arc + [160, 0]], 10.0) == set()  # right of every tail: crosses none


def test_a_line_passes_through_a_crossing_whose_few_shared_pixels_the_other_line_keeps():
    from speedline_digitizer.instances import InstanceParams, find_instances

    # a purple speedline (flat, a rounded knee, a steep tail) and a green island arc crossing it at the knee
    # at a shallow angle: the two strokes share a few skeleton pixels between two junctions, and the
    # green arc keeps them; the purple line passes from the one junction to the other without them
    a = np.linspace(0, np.pi / 2, 40)
    purple = np.vstack([np.column_stack([np.linspace(40, 180, 40), np.full(40, 100.0)]),
                        np.column_stack([180 + 30 * np.sin(a), 100 + 30 * (1 - np.cos(a))]),
                        np.column_stack([np.full(20, 210.0), np.linspace(130, 220, 20)])])
    b = np.linspace(np.pi * 1.05, np.pi * 1.95, 80)
    green = np.column_stack([200 + 120 * np.cos(b), 160 + 48 * np.sin(b)])
    img, graph = inked((260, 360), [(purple, PURPLE), (green, GREEN)], 3)
    assert miss(find_instances(graph, image=img), [40, 100], [210, 219]) < 6
    assert miss(find_instances(graph, InstanceParams(shared_length=0.0), image=img), [40, 100], [210, 219]) > 50


def test_a_coloured_line_does_not_run_on_along_dashes_of_another_colour():
    from speedline_digitizer.instances import find_instances

    # a purple line's flat stretch ends a few px before its steep tail; green dashes (an island's) go on
    # straight from there: across the gap the purple line keeps to its own ink
    strokes = [([[40, 100], [196, 100]], PURPLE), ([[200, 104], [222, 180]], PURPLE)]
    strokes += [([[x, 100], [x + 8, 100]], GREEN) for x in range(204, 300, 14)]
    img, graph = inked((220, 320), strokes, 2)
    assert miss(find_instances(graph, image=img), [40, 100], [222, 180]) < 6
    assert miss(find_instances(graph), [40, 100], [222, 180]) > 50  # the mask alone: along the dashes


def test_a_line_is_joined_through_a_marker_at_its_knee_and_between_markers_down_its_tail():
    import cv2

    from speedline_digitizer.instances import InstanceParams, join_gaps

    # a flat stretch ends at a filled dot (a measured point at the knee); the tail leaves it downwards, a
    # 90-degree turn seen by no segmenter; two more dots cut the tail into pieces shorter than min_length
    flat = np.column_stack([np.arange(40.0, 141.0), np.full(101, 100.0)])
    tail1 = np.column_stack([np.full(31, 150.0), np.arange(110.0, 141.0)])
    tail2 = np.column_stack([np.full(31, 150.0), np.arange(160.0, 191.0)])
    grey = np.full((240, 240), 255.0)
    mask = np.zeros((240, 240), bool)
    for p in (flat, tail1, tail2):
        mask |= draw_polyline(mask.shape, p, 2)
        grey[mask] = 20.0
    paper = grey.copy()
    for c in ((147, 103), (150, 150)):  # the dots (on the knee; between the tail's pieces)
        cv2.circle(grey, c, 7, 0.0, -1)
    params = InstanceParams(spur_length=7.5, max_gap=48.0, min_length=60.0)
    assert len(join_gaps([flat], params, extra=[tail1, tail2])) == 1  # no image: the knee is too sharp
    assert len(join_gaps([flat], params, extra=[tail1, tail2], image=paper, mask=mask)[0]) == len(flat)  # no dot
    (joined,) = join_gaps([flat], params, extra=[tail1, tail2], image=grey, mask=mask)
    assert np.allclose(joined[0], flat[0]) and np.allclose(joined[-1], tail2[-1])
    # the short pieces alone are never a path of their own
    assert join_gaps([], params, extra=[tail1, tail2], image=grey, mask=mask) == []
    # a thin stroke in the gap (another line's stub, a grid tick) is no marker
    stroke = paper.copy()
    stroke[100:140, 143:145] = 0.0
    assert len(join_gaps([flat], params, extra=[tail1], image=stroke, mask=mask)[0]) == len(flat)



def test_a_tail_is_not_continued_by_a_piece_of_a_grid_column():
    from speedline_digitizer.instances import InstanceParams, find_instances

    H, W = 300, 260
    line = draw_polyline((H, W), [(40, 100), (140, 100), (150, 110), (150, 140)], 2)
    piece = np.zeros((H, W), bool)  # the segmenter fired on 30 px of a grid column, 70 px below the tail
    piece[210:240, 153:155] = True
    mask = line | piece
    img = np.full((H, W, 3), 255, np.uint8)
    img[:, 153:155] = 170  # the grid column, top to bottom
    img[line] = (30, 30, 200)
    params = InstanceParams(spur_length=7.5, max_gap=48.0, min_length=60.0, tangent_span=16)
    graph = build_graph(skeletonize(mask))
    # without the image the piece, in line with the tail, continues it across the gap ...
    (path,) = find_instances(graph, params, mask=mask)
    assert path[:, 1].max() > 230
    # ... with it, it is seen to lie on a grid line that runs on across the plot, and is left alone
    (path,) = find_instances(graph, params, mask=mask, image=img)
    assert path[:, 1].max() < 150


def test_coloured_contours_among_black_speedlines_are_dropped():
    from speedline_digitizer.postprocess import off_colour

    img = np.full((200, 300, 3), 255, np.uint8)
    paths = [np.column_stack([np.arange(20, 280, dtype=float), np.full(260, 20.0 + 25 * k)]) for k in range(7)]
    inks = [(0, 0, 0)] * 4 + [(68, 1, 84), (33, 145, 140), (253, 231, 37)]  # viridis contour levels
    for p, ink in zip(paths, inks):
        img[int(p[0, 1]) - 1:int(p[0, 1]) + 1, 20:280] = ink
    assert off_colour(paths, img) == {5, 6}  # the dark violet level lies too near black to tell: kept
    assert off_colour(paths[:2] + paths[4:], img) == set()  # two black lines: no black set of speedlines
    for k in (4, 5, 6):  # a second set of speedlines in one colour: kept
        img[int(paths[k][0, 1]) - 1:int(paths[k][0, 1]) + 1, 20:280] = (214, 39, 40)
    assert off_colour(paths, img) == set()
