"""The CLI run as a subprocess on real files: outputs, exit codes, bad input."""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import draw_polyline


def digitize(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "speedline_digitizer", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@pytest.fixture()
def mask_png(tmp_path):
    m = np.zeros((200, 300), bool)
    for k in range(3):
        t = np.linspace(0, 1, 100)
        x = 20 + 50 * k + 170 * t ** 0.5
        y = 150 - 40 * k - 12 * np.sin(np.pi * t) + 35 * t ** 6  # a rise, then the choke tail
        m |= draw_polyline(m.shape, np.column_stack([x, y]), 2)
    p = tmp_path / "mask.png"
    Image.fromarray(m.astype(np.uint8) * 255).save(p)
    return p


def read_csv(p):
    with open(p, newline="") as f:
        return list(csv.DictReader(f))


def test_help_reads_well():
    r = digitize("--help")
    assert r.returncode == 0 and "synth" in r.stdout and "train" in r.stdout and "eval" in r.stdout
    for sub in ("run", "synth", "train", "average", "eval"):
        assert digitize(sub, "--help").returncode == 0


def test_mask_to_csv_json_overlay(tmp_path, mask_png):
    out = tmp_path / "res" / "curves.csv"  # folder does not exist yet: created
    r = digitize(mask_png, "--mask", "--plot-box", 0, 0, 299, 199, "--xlim", 0, 30, "--ylim", 1, 3, "-o", out,
                 "--json", "--overlay", tmp_path / "ov.png")
    assert r.returncode == 0, r.stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["speedline", "speed", "speed_label", "x", "y"]
    assert {r["speedline"] for r in rows} == {"0", "1", "2"}
    xs = [float(r["x"]) for r in rows]
    assert 0 <= min(xs) and max(xs) <= 30
    # lowest speedline first, points from the surge (low-flow) end
    first = [r for r in rows if r["speedline"] == "0"]
    assert float(first[0]["x"]) < float(first[-1]["x"])
    assert max(float(r["y"]) for r in first) < max(float(r["y"]) for r in rows if r["speedline"] == "2")
    js = json.loads(out.with_suffix(".json").read_text())
    assert js["calibration"]["source"] == "given" and len(js["curves"]) == 3
    assert Image.open(tmp_path / "ov.png").size == (300, 200)


def test_mask_without_calibration_is_pixels_and_says_so(tmp_path, mask_png):
    r = digitize(mask_png, "--mask", "-o", tmp_path / "c.csv")
    assert r.returncode == 0 and "PIXELS" in r.stdout


def test_missing_file_is_a_usage_error(tmp_path):
    r = digitize(tmp_path / "nope.png", "-o", tmp_path / "c.csv")
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("content", [b"", b"this is not an image", None])
def test_unreadable_inputs_fail_cleanly(tmp_path, content):
    p = tmp_path / "bad.png"
    if content is None:  # a truncated PNG
        Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(p)
        p.write_bytes(p.read_bytes()[:100])
    else:
        p.write_bytes(content)
    r = digitize(p, "--mask", "-o", tmp_path / "c.csv")
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_tiny_image_refused(tmp_path):
    p = tmp_path / "one.png"
    Image.new("RGB", (1, 1), "white").save(p)
    r = digitize(p, "--mask", "-o", tmp_path / "c.csv")
    assert r.returncode == 1 and "too small" in r.stderr


def test_equal_limits_are_a_usage_error(tmp_path, mask_png):
    r = digitize(mask_png, "--mask", "--xlim", 1, 1, "--ylim", 0, 1, "-o", tmp_path / "c.csv")
    assert r.returncode == 2 and "differ" in r.stderr


def test_blank_page_gives_empty_csv_and_warning(tmp_path):
    p = tmp_path / "blank.png"
    Image.new("RGB", (320, 240), "white").save(p)
    r = digitize(p, "--xlim", 0, 1, "--ylim", 0, 1, "-o", tmp_path / "c.csv")
    assert r.returncode == 0, r.stderr
    assert "no speedlines" in r.stderr
    assert (tmp_path / "c.csv").read_text().strip() == "speedline,speed,speed_label,x,y"


def test_failed_run_leaves_existing_output_untouched(tmp_path):
    out = tmp_path / "c.csv"
    out.write_text("precious\n")
    p = tmp_path / "bad.png"
    p.write_bytes(b"garbage")
    r = digitize(p, "--mask", "-o", out)
    assert r.returncode == 1 and out.read_text() == "precious\n"


def test_folder_of_inputs_into_output_folder(tmp_path, mask_png):
    src = tmp_path / "in"
    src.mkdir()
    for k in range(2):
        (src / f"m{k}.png").write_bytes(mask_png.read_bytes())
    (src / "broken.png").write_bytes(b"nope")
    r = digitize(src, "--mask", "--plot-box", 0, 0, 299, 199, "--xlim", 0, 1, "--ylim", 0, 1, "-o", tmp_path / "out")
    assert r.returncode == 1  # one input failed, the others were written
    assert (tmp_path / "out" / "m0.csv").is_file() and (tmp_path / "out" / "m1.csv").is_file()
    assert "broken.png" in r.stderr


def test_synth_cli_is_deterministic(tmp_path):
    for d in ("a", "b"):
        assert digitize("synth", 2, "-o", tmp_path / d, "--seed", 3).returncode == 0
    for name in ("map_00000.png", "map_00001.mask.png", "map_00001.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_average_cli(tmp_path):
    from speedline_digitizer.segment import default_weights_path

    shipped = default_weights_path()
    r = digitize("average", f"{shipped}:2", shipped, "-o", tmp_path / "avg.safetensors")
    assert r.returncode == 0 and (tmp_path / "avg.safetensors").is_file()
    for bad in ([tmp_path / "missing.safetensors"], [f"{shipped}:x"]):
        r = digitize("average", *bad, "-o", tmp_path / "x.safetensors")
        assert r.returncode == 2 and "error:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.safetensors").exists()


def test_bad_model_file_is_refused(tmp_path, mask_png):
    bad = tmp_path / "w.safetensors"
    bad.write_bytes(b"\x00" * 64)
    img = tmp_path / "img.png"
    Image.new("RGB", (64, 64), "white").save(img)
    r = digitize(img, "--model", bad, "--xlim", 0, 1, "--ylim", 0, 1, "-o", tmp_path / "c.csv")
    assert r.returncode == 1 and "safetensors" in r.stderr and "Traceback" not in r.stderr


def test_readme_example_digitizes(tmp_path):
    """The README's first command: the bundled example, no hints."""
    from pathlib import Path

    ex = Path(__file__).resolve().parents[1] / "examples" / "nasa_map.png"
    r = digitize(ex, "-o", tmp_path / "out" / "nasa_map.csv")
    assert r.returncode == 0, r.stderr
    assert "nasa_map.csv" in r.stdout and "overlay" in r.stdout
    rows = read_csv(tmp_path / "out" / "nasa_map.csv")
    assert len({r["speedline"] for r in rows}) >= 3
    assert (tmp_path / "out" / "nasa_map.overlay.png").is_file()


def test_exif_turned_image_is_read_upright(tmp_path):
    from PIL import Image

    from speedline_digitizer.io import load_image

    a = np.full((40, 60, 3), 255, np.uint8)
    a[5:8, 10:50] = 0  # a mark near the top
    im = Image.fromarray(np.rot90(a).copy())  # stored turned, with an EXIF tag that turns it back
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    p = tmp_path / "turned.jpg"
    im.save(p, exif=exif, quality=95)
    arr, _ = load_image(p)
    assert arr.shape[:2] == (40, 60)
    assert arr[5:8, 10:50].mean() < 80 and arr[30:35, 10:50].mean() > 200
