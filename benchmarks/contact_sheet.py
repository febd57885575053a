"""Draw a contact sheet of generated maps (docs/img/contact_sheet.png).

    python benchmarks/contact_sheet.py [--seed 11] [--n 12] [-o docs/img/contact_sheet.png]
"""
import argparse

from PIL import Image, ImageDraw

from speedline_digitizer.synth import generate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("-o", default="docs/img/contact_sheet.png")
    a = ap.parse_args()
    tw, th, cols = 420, 330, 4
    rows = (a.n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * tw, rows * th), "white")
    d = ImageDraw.Draw(sheet)
    for i in range(a.n):
        m = generate(a.seed, i)
        im = Image.fromarray(m.image)
        im.thumbnail((tw - 10, th - 30))
        x, y = (i % cols) * tw + 5, (i // cols) * th + 5
        sheet.paste(im, (x, y))
        t = m.truth
        d.text((x, y + th - 24), f"{t['style']}, {m.image.shape[1]}x{m.image.shape[0]}, {len(t['curves'])} lines, "
                                 f"labels: {t['label_place']}", fill=(0, 0, 0))
    sheet.save(a.o)
    print("wrote", a.o)


if __name__ == "__main__":
    main()
