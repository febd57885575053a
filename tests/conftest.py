import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory):
    """Exported ONNX graphs of the tests' throwaway models go to a temporary folder, not the user's cache."""
    mp = pytest.MonkeyPatch()
    d = tmp_path_factory.mktemp("onnx-cache")
    mp.setenv("SPEEDLINE_CACHE", str(d))
    yield d
    mp.undo()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    """8 maps of series 11, written once through the CLI (as users run it)."""
    from speedline_digitizer.cli import main

    d = tmp_path_factory.mktemp("synth")
    with pytest.raises(SystemExit) as e:
        main(["synth", "8", "-o", str(d), "--seed", "11"])
    assert e.value.code in (0, None)
    return d


def draw_polyline(shape, pts, width=1):
    """A boolean mask with a polyline drawn (OpenCV), for hand-made post-processing cases."""
    import cv2

    m = np.zeros(shape, np.uint8)
    cv2.polylines(m, [np.round(np.asarray(pts)).astype(np.int32)], False, 255, thickness=width)
    return m > 0
