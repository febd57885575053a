"""OCR engine wrapper (optional extra `ocr`: rapidocr-onnxruntime, which ships its ONNX models).

Only this module talks to the engine, so another one can be dropped in. Tesseract was compared
(see docs/calibration.md): it needs a system package and read short, isolated tick labels worse.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

MISSING = ("OCR engine not installed: automatic calibration and speed labels need it. "
           "Install it with: pip install 'speedline-digitizer[ocr]'  (or pass --xlim/--ylim)")


class OcrUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class TextBox:
    """A piece of text with its box in image pixels (x0, y0, x1, y1) and the engine's confidence."""

    text: str
    box: tuple
    score: float

    @property
    def centre(self) -> tuple:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


@lru_cache(maxsize=1)
def _engine():
    try:
        import logging as _lg

        from rapidocr_onnxruntime import RapidOCR
        _lg.getLogger("RapidOCR").setLevel(_lg.ERROR)
    except ImportError:
        raise OcrUnavailable(MISSING) from None
    return RapidOCR(intra_op_num_threads=2, inter_op_num_threads=1)


def available() -> bool:
    try:
        _engine()
        return True
    except OcrUnavailable:
        return False


def prepare_crop(crop: np.ndarray, height: int = 40) -> np.ndarray:
    """A text crop as the recogniser reads it best: grey, contrast stretched (2-98 percentile), scaled up to
    `height` px when smaller, on a white margin."""
    from PIL import Image

    g = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(np.float32)
    lo, hi = np.percentile(g, (2, 98))
    if hi - lo > 8:
        g = np.clip((g - lo) * (255.0 / (hi - lo)), 0, 255)
    g = g.astype(np.uint8)
    if g.shape[0] < height:
        s = height / g.shape[0]
        g = np.asarray(Image.fromarray(g).resize((max(1, int(round(g.shape[1] * s))), height), Image.BICUBIC))
    g = np.pad(g, ((10, 10), (12, 12)), constant_values=255)
    return np.repeat(g[:, :, None], 3, axis=2)


def _crop(img: np.ndarray, box, pad: int) -> np.ndarray:
    """The image inside a box (x0, y0, x1, y1; inclusive, rounded), `pad` px around it, clipped to the image."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return img[max(0, y0 - pad):min(H, y1 + pad + 1), max(0, x0 - pad):min(W, x1 + pad + 1)]


def read_crops(img: np.ndarray, boxes: list, pad: int = 1) -> list:
    """Recognise the text in each box (recognition only, no detection): one TextBox per box.

    The crops go to the recogniser together (it runs them in batches of similar width)."""
    eng = _engine()
    crops, idx = [], []
    for k, b in enumerate(boxes):
        crop = _crop(img, b, pad)
        if crop.size:
            crops.append(prepare_crop(crop))
            idx.append(k)
    read = {}
    if crops:
        res, _ = eng.text_rec(crops, False)
        read = {k: (r[0], float(r[1])) for k, r in zip(idx, res)}
    out = []
    for k, b in enumerate(boxes):
        text, score = read.get(k, ("", 0.0))
        out.append(TextBox(text, tuple(b), score))
    return out


def read_strip(img: np.ndarray, boxes: list, pad: int = 1, gap: float = 1.0) -> list:
    """Recognise short texts set side by side in one line (a strip of the boxes' crops, `gap` crop
    heights apart): one TextBox per box, its characters those the recogniser places inside its crop.

    A lone digit of small print ('7', 5 px high) is read as punctuation or not at all; a row of such
    digits is read with the context of its neighbours (a tick-label column read as one line)."""
    eng = _engine()
    parts = []
    for b in boxes:
        crop = _crop(img, b, pad)
        parts.append(prepare_crop(crop)[10:-10, 12:-12, 0] if crop.size else None)
    if not any(p is not None for p in parts):
        return [TextBox("", tuple(b), 0.0) for b in boxes]
    h = max(p.shape[0] for p in parts if p is not None)
    space = np.full((h, int(gap * h)), 255, np.uint8)
    row, spans, x = [], [], 0
    for p in parts:
        p = p if p is not None else np.full((h, 1), 255, np.uint8)
        p = np.pad(p, ((0, h - p.shape[0]), (0, 0)), constant_values=255)
        spans.append((x - space.shape[1] / 2, x + p.shape[1] + space.shape[1] / 2))
        row += [p, space]
        x += p.shape[1] + space.shape[1]
    strip = np.pad(np.concatenate(row[:-1], axis=1), ((10, 10), (12, 12)), constant_values=255)
    try:  # characters' columns (`return_word_box`) come with rapidocr-onnxruntime 1.4; older: no strip
        res, _ = eng.text_rec([np.repeat(strip[:, :, None], 3, axis=2)], True)
        text, score, info = res[0]
    except (TypeError, ValueError, IndexError):
        return [TextBox("", tuple(b), 0.0) for b in boxes]
    chars, conf = [], []
    if text:
        n_cols, words, cols = info[0], info[1], info[2]
        for word, wc in zip(words, cols):
            for ch, c in zip(word, wc):
                chars.append((ch, (c + 0.5) / n_cols * strip.shape[1] - 12))
        # a confidence per character (spaces between words have one too, and no column: then the line's)
        conf = list(info[4]) if len(info[4]) == len(chars) else [float(score)] * len(chars)
    out = []
    for k, b in enumerate(boxes):
        a, z = spans[k]
        mine = [(ch, conf[i] if i < len(conf) else 0.0) for i, (ch, cx) in enumerate(chars) if a <= cx < z]
        out.append(TextBox("".join(ch for ch, _ in mine), tuple(b),
                           float(np.mean([q for _, q in mine])) if mine else 0.0))
    return out


def detect_text(img: np.ndarray) -> list:
    """Detect and read all text in an image (detection + recognition)."""
    eng = _engine()
    res, _ = eng(img, use_cls=False)
    out = []
    for quad, text, score in res or []:
        q = np.asarray(quad, float)
        out.append(TextBox(text, (q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()), float(score)))
    return out


_NUM = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?")
_SUPER = str.maketrans({"°": "0", "º": "0", "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                        "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"})
_SUBST = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "−": "-", "–": "-", "—": "-",
                        "B": "8", "Z": "2"})


def parse_number(text: str) -> float | None:
    """A tick label's value: '2.5', '1,000', '−0.5', '10^3', '1e3', '3x10^1', '80%'; None when it is not a
    number."""
    t = text.strip().replace(" ", "")
    if len(t) > 1 and t.endswith("%"):  # an axis in percent of design: '80%'
        t = t[:-1]
    if not t:
        return None
    # superscript exponents: '10²' -> '10^2'; a superscript 0 often reads as a degree sign
    if re.search(r"10[°º⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+$", t):
        head, exp = re.match(r"(.*?10)([°º⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)$", t).groups()
        t = head + "^" + exp.translate(_SUPER)
    t = t.translate(_SUBST) if re.fullmatch(r"[\dOolIS|.,\-−–—+eEBZ^x×]+", t) else t
    m = re.fullmatch(r"(?:(\d+(?:\.\d+)?)[x×])?10\^?([-+]?\d{1,2})", t)
    if m and ("^" in t or "x" in t or "×" in t):
        mant = float(m.group(1)) if m.group(1) else 1.0
        return mant * 10 ** int(m.group(2))
    if not re.fullmatch(r"[-+]?[\d.,]+(?:[eE][-+]?\d+)?", t):
        return None
    if "," in t and "." not in t:
        # "1,000" thousands separator or "0,5" decimal comma
        t = t.replace(",", "") if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
    else:
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None
