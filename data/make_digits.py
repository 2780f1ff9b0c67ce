"""Draw the sample digits that the closing notebook classifies.

    python data/make_digits.py            # writes into data/digits/
    python data/make_digits.py DIR        # writes into DIR

The digits are drawn stroke by stroke with Pillow, as if with a thick pen in a
paint program: dark ink on a light background, which is the opposite of MNIST.
None of them comes from MNIST. Ten are small 28 x 28 grey images; two more are
drawn the awkward way real pictures arrive (colour, large, off-centre, or on a
transparent background) to show what the preparation step converts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
CANVAS = 280  # drawn at 10x, then shrunk: smooth edges like a scanned pen stroke


def arc(cx, cy, rx, ry, start, stop, steps=40):
    """Points on an ellipse, angles in degrees, counter-clockwise, y pointing up."""
    angles = np.radians(np.linspace(start, stop, steps))
    return [(cx + rx * np.cos(a), cy - ry * np.sin(a)) for a in angles]


# Each digit is a list of strokes; a stroke is a list of (x, y) points on a
# 10 x 10 grid with y pointing down, like pixel rows.
STROKES = {
    0: [arc(5, 5, 2.4, 3.8, 90, 450)],
    1: [[(3.9, 2.6), (5.4, 1.0), (5.4, 9.0)]],
    2: [arc(5, 3.3, 2.3, 2.2, 160, -35) + [(2.7, 9.0), (7.6, 9.0)]],
    3: [arc(5, 3.1, 2.1, 2.0, 155, -90), arc(5, 7.0, 2.3, 2.0, 90, -155)],
    4: [[(6.3, 9.0), (6.3, 1.0), (2.4, 6.6), (7.8, 6.6)]],
    5: [[(7.3, 1.0), (3.4, 1.0), (3.1, 4.6)] + arc(5, 6.6, 2.4, 2.3, 130, -145)],
    6: [[(6.8, 1.1), (5.1, 2.2), (3.7, 4.0)] + arc(5.1, 6.8, 2.2, 2.1, 165, -195)],
    7: [[(2.5, 1.2), (7.5, 1.2), (4.3, 9.0)]],
    8: [arc(5, 3.0, 1.8, 1.9, -90, 270), arc(5, 7.0, 2.2, 2.0, 90, 450)],
    9: [arc(5, 3.4, 2.2, 2.3, 0, 360), [(7.2, 3.4), (6.6, 9.0)]],
}


def draw(digit: int, size: int, ink, paper, pen: float = 1.1, box=(0.0, 0.0, 1.0, 1.0), mode="L"):
    """Draw one digit on a new image of ``size`` (width, height).

    ``box`` places the 10 x 10 drawing grid inside the image, as fractions of its
    width and height (left, top, right, bottom); ``pen`` is the stroke width in
    grid units.
    """
    width, height = size
    scale = CANVAS / max(width, height)
    big = Image.new(mode, (round(width * scale), round(height * scale)), paper)
    pen_draw = ImageDraw.Draw(big)
    left, top = box[0] * big.width, box[1] * big.height
    unit_x = (box[2] - box[0]) * big.width / 10
    unit_y = (box[3] - box[1]) * big.height / 10
    radius = pen * min(unit_x, unit_y) / 2
    for stroke in STROKES[digit]:
        points = [(left + x * unit_x, top + y * unit_y) for x, y in stroke]
        pen_draw.line(points, fill=ink, width=round(2 * radius), joint="curve")
        for x, y in (points[0], points[-1]):  # round pen tips
            pen_draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    return big.resize((width, height), Image.Resampling.LANCZOS)


def make_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for digit in STROKES:
        image = draw(digit, (28, 28), ink=20, paper=245, box=(0.1, 0.1, 0.9, 0.9))
        paths.append(out / f"digit_{digit}.png")
        image.save(paths[-1], optimize=False)
    # Blue ballpoint on cream paper, photographed large and off-centre.
    photo = draw(
        7,
        (360, 240),
        ink=(30, 50, 160),
        paper=(250, 240, 205),
        mode="RGB",
        pen=0.9,
        box=(0.08, 0.1, 0.45, 0.9),
    )
    paths.append(out / "photo_7.png")
    photo.save(paths[-1], optimize=False)
    # Black strokes on a transparent background, as drawing apps export them.
    sticker = draw(
        4, (96, 96), ink=(0, 0, 0, 255), paper=(0, 0, 0, 0), mode="RGBA", box=(0.15, 0.1, 0.85, 0.9)
    )
    paths.append(out / "transparent_4.png")
    sticker.save(paths[-1], optimize=False)
    return paths


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else HERE / "digits"
    written = make_all(out)
    print(f"{len(written)} digits written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
