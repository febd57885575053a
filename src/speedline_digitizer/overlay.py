"""The overlay a user checks by eye: digitized curves in colour over the (faded) input, with their speeds."""
from __future__ import annotations

import numpy as np

PALETTE = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 200, 200),
           (240, 50, 230), (128, 128, 0), (0, 0, 128), (170, 110, 40), (128, 0, 0), (0, 128, 128)]


def draw_overlay(extraction, fade: float = 0.45):
    """PIL image: input faded towards white, plot box in grey, each curve in its colour with id and speed."""
    from PIL import Image, ImageDraw, ImageFont

    img = extraction.image
    if img is None:
        img = np.full((*extraction.mask.shape[:2], 3), 255, np.uint8) if extraction.mask is not None else \
            np.full((200, 200, 3), 255, np.uint8)
    base = (img.astype(np.float32) * (1 - fade) + 255 * fade).astype(np.uint8)
    im = Image.fromarray(base).convert("RGB")
    d = ImageDraw.Draw(im)
    size = max(im.size)
    w = max(2, size // 400)
    try:
        font = ImageFont.load_default(size=max(11, size // 70))
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    box = extraction.calibration.plot_box
    if box is not None:
        d.rectangle([float(v) for v in box], outline=(150, 150, 150), width=max(1, w // 2))
    for i, c in enumerate(extraction.curves):
        col = PALETTE[i % len(PALETTE)]
        pts = [tuple(map(float, p)) for p in c.pixels]
        if len(pts) > 1:
            d.line(pts, fill=col, width=w, joint="curve")
        r = w + 2
        x, y = pts[0]
        d.ellipse([x - r, y - r, x + r, y + r], outline=col, width=max(1, w // 2))
        tag = f"#{i}" + (f"  {c.speed:g}" if c.speed is not None else "") + ("?" if c.speed_inferred else "")
        xe, ye = pts[-1]
        d.text((xe + 3, ye + 2), tag, fill=col, font=font)
    src = extraction.calibration.source
    d.text((5, 5), f"{len(extraction.curves)} curves, calibration: {src}", fill=(0, 0, 0), font=font)
    return im
