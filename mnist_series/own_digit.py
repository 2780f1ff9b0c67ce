"""Prepare a picture of a handwritten digit the way MNIST digits were prepared.

MNIST stores ink as large values on a background of 0 (the series draws them dark
on white, like ink on paper), 28 x 28 pixels, with the digit scaled to fit a
20 x 20 box and its centre of mass in the middle of the image. A picture you
draw or photograph is usually none of that. ``prepare_digit`` converts it:

1. read it with Pillow (PNG, JPEG, GIF, BMP, ...); the first frame of an
   animation; a transparent background becomes white paper;
2. convert colour to grey (by luminance);
3. invert it if the background is light, so that ink has the large values, as in MNIST;
4. stretch the contrast so the background is 0 and the darkest ink 1;
5. leave out specks of dust (marks with a twentieth of the main stroke's ink or less);
6. crop to the ink, shrink (or enlarge) it to fit 20 x 20, keeping its shape;
7. paste it into 28 x 28 with its centre of mass in the middle.

It returns a float32 array of shape (28, 28) with values in [0, 1], ready for a
model trained on MNIST scaled by 1/255. It reads a file (its path) or a picture
file's contents (bytes, as a web page sends a drawing). Anything it cannot use raises an error
that says what is wrong: a missing file, a file that is not an image, an image
too large to open safely, a blank image with no digit on it, or ink that is only
scattered dots. 16-bit grey scans are read at their full depth.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["DigitImageError", "prepare_digit", "MAX_PIXELS"]

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger files are refused, not decoded
INK_THRESHOLD = 0.25  # after stretching, pixels above this count as ink when cropping
MIN_CONTRAST = 0.15  # ink must differ from the paper by at least this (0..1 grey scale)
BOX = 20  # MNIST fits each digit into 20 x 20 ...
SIDE = 28  # ... and centres it in 28 x 28
GRID = 256  # specks are found on a grid of at most this many cells a side
SPECK = 0.05  # a mark with less than this share of the largest mark's ink is a speck
STROKE = 0.25  # the largest mark must span this share of all the ink's extent, or it is dots


class DigitImageError(ValueError):
    """The file cannot be turned into an MNIST-like digit; the message says why."""


def _open_grey(source, path, max_pixels: int) -> np.ndarray:
    """The picture in ``source`` (a file's path, or its contents as a stream) as grey values
    in [0, 1]; ``path`` names it in error messages."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (on stderr) about very large images before it refuses them;
            # here that warning becomes the one-line error below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise DigitImageError(
                    f"{path} is {width} x {height} pixels, more than the {max_pixels:,} this "
                    "function opens; shrink it first (a digit needs only a few hundred pixels)"
                )
            image.seek(0)  # the first frame of an animated GIF or similar
            image.load()
            if image.mode in ("I", "F") or image.mode.startswith("I;16"):
                # 16-bit scans (and 32-bit or float images): scale by their own range;
                # converting to 8-bit grey would clip every value above 255 to white.
                values = np.asarray(ImageOps.exif_transpose(image), dtype=np.float64)
                return (values / _full_scale(image.mode, values)).clip(0, 1).astype(np.float32)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                # Transparent pixels are paper: lay the picture on white paper.
                rgba = image.convert("RGBA")
                paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image = Image.alpha_composite(paper, rgba)
            grey = ImageOps.exif_transpose(image).convert("L")
    except UnidentifiedImageError:
        raise DigitImageError(f"{path} is not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DigitImageError(f"{path} is too large to open safely: {error}") from None
    except OSError as error:  # truncated or corrupt files
        raise DigitImageError(f"{path} could not be decoded: {error}") from None
    return np.asarray(grey, dtype=np.float32) / 255.0


def _full_scale(mode: str, values: np.ndarray) -> float:
    """The value of white in a high-bit-depth image: 65535 for 16 bits, 1 or 255 for floats."""
    brightest = float(values.max()) if values.size else 0.0
    if mode.startswith("I;16") or (mode == "I" and brightest <= 65535):
        return 65535.0
    if mode == "F" and brightest <= 1.0:
        return 1.0
    if mode == "F" and brightest <= 255.0:
        return 255.0
    return max(brightest, 1.0)


def _components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the 8-connected groups of True cells of a small mask: (labels, how many)."""
    labels = np.zeros(mask.shape, dtype=np.int32)
    count = 0
    height, width = mask.shape
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        todo = [start]
        while todo:
            row, col = todo.pop()
            for r in range(max(row - 1, 0), min(row + 2, height)):
                for c in range(max(col - 1, 0), min(col + 2, width)):
                    if mask[r, c] and not labels[r, c]:
                        labels[r, c] = count
                        todo.append((r, c))
    return labels, count


def _without_specks(ink: np.ndarray, path) -> np.ndarray:
    """``ink`` with dust specks removed; an error if only scattered dots are left.

    The ink is grouped into connected marks on a grid of at most GRID x GRID cells
    (fast on a photo of any size). A mark with less than SPECK of the largest
    mark's ink is a speck: left in, it would widen the crop, shrinking the digit
    and moving it off centre. If even the largest mark is small next to the
    picture's ink as a whole, the ink is scattered dots with no stroke to read.
    """
    height, width = ink.shape
    step = max(1, -(-max(height, width) // GRID))  # cells of step x step pixels
    padded = np.zeros((-(-height // step) * step, -(-width // step) * step), dtype=np.float32)
    padded[:height, :width] = np.where(ink > INK_THRESHOLD, ink, 0)
    cells = padded.reshape(padded.shape[0] // step, step, padded.shape[1] // step, step)
    mass = cells.sum(axis=(1, 3))
    labels, count = _components(mass > 0)
    if count <= 1:
        return ink
    masses = np.bincount(labels.ravel(), weights=mass.ravel())[1:]
    kept = np.flatnonzero(masses >= SPECK * masses.max()) + 1
    spans = [np.ptp(np.nonzero(labels == label), axis=1).max() + 1 for label in kept]
    rows, cols = np.nonzero(np.isin(labels, kept))
    extent = max(np.ptp(rows), np.ptp(cols)) + 1
    if max(spans) < STROKE * extent:
        raise DigitImageError(
            f"{path}: the ink is {count} scattered dots with no stroke between them, so there"
            " is no digit to read; draw the digit with connected strokes"
        )
    keep = np.isin(labels, kept).repeat(step, axis=0).repeat(step, axis=1)
    return np.where(keep[:height, :width], ink, 0).astype(np.float32)


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    total = image.sum()
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def prepare_digit(path, *, max_pixels: int = MAX_PIXELS, steps: bool = False):
    """Return the image at ``path`` as an MNIST-like (28, 28) float32 array.

    ``path`` may also be the picture file's contents (``bytes``): errors then name it
    "the picture". With ``steps=True`` return a dict of the intermediate images instead
    ("grey", "ink", "cropped", "prepared") for showing what each step did.
    """
    if isinstance(path, (bytes, bytearray)):
        if not path:
            raise DigitImageError("the picture is empty (0 bytes): there is no digit to read")
        grey = _open_grey(io.BytesIO(path), "the picture", max_pixels)
        path = "the picture"  # how the errors below name it
    elif isinstance(path, (str, Path)):
        path = Path(path).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"no such image file: {path}")
        if not path.is_file():
            raise DigitImageError(f"{path} is not a file")
        grey = _open_grey(path, path, max_pixels)
    else:
        raise DigitImageError(
            "prepare_digit reads a picture file: pass its path (or its contents as bytes), "
            f"not a {type(path).__name__}"
        )

    # The paper is whatever the border of the picture mostly is.
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    ink = 1.0 - grey if paper > 0.5 else grey.copy()
    paper = 1.0 - paper if paper > 0.5 else paper
    strongest = float(ink.max())
    if strongest - paper < MIN_CONTRAST:
        raise DigitImageError(
            f"{path} looks blank: no pixel differs from the background by more than "
            f"{strongest - paper:.0%} of the grey scale, so there is no digit to read"
        )
    ink = np.clip((ink - paper) / (strongest - paper), 0.0, 1.0)
    ink = _without_specks(ink, path)

    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    cropped = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    height, width = cropped.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = Image.fromarray(np.uint8(np.round(cropped * 255))).resize(size, resample)
    small = np.asarray(small, dtype=np.float32) / 255.0
    if small.max() == 0:  # every stroke averaged away: far thinner than the picture is large
        raise DigitImageError(
            f"{path}: the strokes are too thin to survive shrinking to {BOX} x {BOX} pixels;"
            " draw the digit with a thicker pen, or crop the picture closer to it"
        )
    small /= small.max()  # a thin pen stroke fades when shrunk: make its core full ink (1.0)

    prepared = np.zeros((SIDE, SIDE), dtype=np.float32)
    centre_row, centre_col = _centre_of_mass(small)
    top = int(round((SIDE - 1) / 2 - centre_row))
    left = int(round((SIDE - 1) / 2 - centre_col))
    top = min(max(top, 0), SIDE - small.shape[0])  # keep the whole digit inside
    left = min(max(left, 0), SIDE - small.shape[1])
    prepared[top : top + small.shape[0], left : left + small.shape[1]] = small

    if steps:
        return {"grey": grey, "ink": ink, "cropped": cropped, "prepared": prepared}
    return prepared
