"""Reading images safely and writing outputs atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

MAX_PIXELS = 60_000_000  # about 7700 x 7700: larger images are refused with a message


class InputError(ValueError):
    """The input cannot be used (missing, not an image, truncated, too small or too large)."""


def load_image(image) -> tuple[np.ndarray, str | None]:
    """RGB uint8 array from a path, PIL image or numpy array; returns (array, source path or None)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    src = None
    if isinstance(image, (str, os.PathLike)):
        src = str(image)
        p = Path(image)
        if not p.exists():
            raise InputError(f"file not found: {p}")
        if p.is_dir():
            raise InputError(f"is a folder, not an image: {p}")
        if p.stat().st_size == 0:
            raise InputError(f"empty file: {p}")
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with Image.open(p) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise InputError(f"image too large ({im.width} x {im.height} px); the limit is "
                                     f"{MAX_PIXELS // 1_000_000} megapixels: downscale it first")
                im.load()
                arr = _to_rgb(ImageOps.exif_transpose(im))  # a photo or scan stored sideways with an EXIF turn
        except InputError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError) as e:
            raise InputError(f"not a readable image: {p} ({e.__class__.__name__})") from None
        except (OSError, SyntaxError, ValueError) as e:
            raise InputError(f"cannot read image {p}: {e}") from None
    elif hasattr(image, "convert") and hasattr(image, "size"):
        arr = _to_rgb(image)
    else:
        arr = np.asarray(image)
        if arr.dtype == bool:
            arr = arr.astype(np.uint8) * 255
        if arr.ndim == 2:
            arr = np.repeat(arr[..., None], 3, axis=2)
        if arr.ndim != 3 or arr.shape[2] not in (3, 4):
            raise InputError(f"expected an H x W or H x W x 3/4 array, got shape {arr.shape}")
        if arr.dtype != np.uint8:
            a = arr.astype(np.float64)
            arr = (np.clip(a, 0, 1) * 255 if a.max(initial=0) <= 1.0 else np.clip(a, 0, 255)).astype(np.uint8)
        arr = np.ascontiguousarray(arr[..., :3])
    if arr.shape[0] < 16 or arr.shape[1] < 16:
        raise InputError(f"image too small ({arr.shape[1]} x {arr.shape[0]} px); need at least 16 x 16")
    if arr.shape[0] * arr.shape[1] > MAX_PIXELS:
        raise InputError(f"image too large ({arr.shape[1]} x {arr.shape[0]} px)")
    return arr, src


def light_page(img: np.ndarray) -> tuple[np.ndarray, bool]:
    """(image, inverted): a plot on a dark page (a slide's or a dark theme's black background: median
    grey under 100 over the image and along its margins) comes back inverted, dark ink on a light page,
    as every later stage expects. A plot area filled with a dark colour map on white paper is left."""
    def grey(a):  # only the samples looked at, not the whole image: this runs on every map read
        return (a[..., :3].mean(axis=2) if a.ndim == 3 else a.astype(float)).ravel()

    H, W = img.shape[:2]
    m = max(1, int(0.04 * min(H, W)))
    margins = np.concatenate([grey(img[:m]), grey(img[-m:]), grey(img[:, :m]), grey(img[:, -m:])])
    dark = np.median(grey(img[::4, ::4])) < 100 and np.median(margins) < 100
    return (255 - img, True) if dark else (img, False)


def _to_rgb(im) -> np.ndarray:
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        bg = Image.new("RGB", im.size, "white")
        bg.paste(im.convert("RGBA"), mask=im.convert("RGBA").split()[3])
        return np.asarray(bg)
    if im.mode in ("I;16", "I;16B", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        a = (a - a.min()) / max(a.max() - a.min(), 1e-9) * 255
        return np.repeat(a.astype(np.uint8)[..., None], 3, axis=2)
    return np.asarray(im.convert("RGB"))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write text to a temporary file beside `path`, then rename it: a failure never truncates `path`."""
    return _atomic(path, lambda f: f.write(text.encode("utf-8")))


def atomic_save_image(img, path: str | Path) -> Path:
    from PIL import Image

    im = img if hasattr(img, "save") else Image.fromarray(np.asarray(img))
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG"}.get(Path(path).suffix.lower(), "PNG")
    return _atomic(path, lambda f: im.save(f, format=fmt))


def _atomic(path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
