"""Preparing your own digit: the sample images, good input, and every kind of bad input."""

import numpy as np
import pytest
from PIL import Image

from mnist_series import own_digit
from mnist_series.own_digit import DigitImageError, prepare_digit
from tests.scripts import ROOT, load_script

make_digits = load_script("data/make_digits.py")

SAMPLES = sorted((ROOT / "data" / "digits").glob("*.png"))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    return {path.name: path for path in make_digits.make_all(out)}


def test_committed_samples_are_the_scripts_output(made):
    assert sorted(made) == [path.name for path in SAMPLES]
    for name, path in made.items():
        with Image.open(path) as new, Image.open(ROOT / "data" / "digits" / name) as old:
            assert new.mode == old.mode and new.size == old.size
            assert np.array_equal(np.asarray(new), np.asarray(old)), f"{name} is out of date"


def test_ten_small_samples_are_28_by_28_grey():
    for digit in range(10):
        with Image.open(ROOT / "data" / "digits" / f"digit_{digit}.png") as image:
            assert image.size == (28, 28) and image.mode == "L"


@pytest.mark.parametrize("path", SAMPLES, ids=[path.name for path in SAMPLES])
def test_every_sample_becomes_an_mnist_like_digit(path):
    digit = prepare_digit(path)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() == 0.0 and digit.max() == 1.0
    # the background is black, as in MNIST, and the digit fits 20 x 20
    assert digit[0].max() == 0 and digit[-1].max() == 0
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    cols = np.flatnonzero(digit.max(axis=0) > 0)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21
    # centre of mass within a pixel of the middle
    row, col = own_digit._centre_of_mass(digit)
    assert abs(row - 13.5) <= 1 and abs(col - 13.5) <= 1


def write(path, array, mode=None):
    Image.fromarray(np.asarray(array), mode=mode).save(path)
    return path


def stroke(size=100, value=255, background=0, where=(slice(30, 70), slice(45, 55))):
    image = np.full((size, size), background, dtype=np.uint8)
    image[where] = value
    return image


def test_dark_on_light_and_light_on_dark_give_the_same_digit(tmp_path):
    bright = prepare_digit(write(tmp_path / "a.png", stroke()))
    dark = prepare_digit(write(tmp_path / "b.png", stroke(value=0, background=255)))
    np.testing.assert_allclose(bright, dark, atol=1e-6)


def test_colour_is_converted_to_grey(tmp_path):
    grey = stroke(value=0, background=255)
    colour = np.stack([grey, grey, np.full_like(grey, 200)], axis=-1)  # ink blue, paper yellow
    digit = prepare_digit(write(tmp_path / "c.png", colour))
    assert digit.shape == (28, 28) and digit.max() == 1.0


def test_jpeg_and_an_off_centre_digit(tmp_path):
    image = stroke(size=300, where=(slice(10, 90), slice(10, 30)))  # top left corner
    path = tmp_path / "d.jpg"
    Image.fromarray(image).save(path, quality=90)
    digit = prepare_digit(path)
    row, col = own_digit._centre_of_mass(digit)
    assert abs(row - 13.5) <= 1 and abs(col - 13.5) <= 1


def test_transparent_background_counts_as_paper(tmp_path):
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[10:50, 28:36] = (0, 0, 0, 255)  # black strokes, transparent elsewhere
    digit = prepare_digit(write(tmp_path / "e.png", rgba, mode="RGBA"))
    assert digit.max() == 1.0 and digit[0, 0] == 0


def test_steps_show_each_stage(tmp_path):
    stages = prepare_digit(write(tmp_path / "f.png", stroke()), steps=True)
    assert list(stages) == ["grey", "ink", "cropped", "prepared"]
    assert stages["grey"].shape == (100, 100) and stages["prepared"].shape == (28, 28)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such image file"):
        prepare_digit(tmp_path / "nothing.png")


def test_a_folder_is_not_an_image(tmp_path):
    with pytest.raises(DigitImageError, match="is not a file"):
        prepare_digit(tmp_path)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is text, not a picture")
    with pytest.raises(DigitImageError, match="not an image Pillow can read"):
        prepare_digit(path)


def test_truncated_image(tmp_path):
    path = write(
        tmp_path / "whole.png",
        np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8),
    )
    broken = tmp_path / "broken.png"
    broken.write_bytes(path.read_bytes()[:400])
    with pytest.raises(DigitImageError, match="could not be decoded"):
        prepare_digit(broken)


def test_blank_canvas(tmp_path):
    with pytest.raises(DigitImageError, match="looks blank"):
        prepare_digit(write(tmp_path / "white.png", np.full((50, 50), 255, dtype=np.uint8)))
    faint = np.full((50, 50), 250, dtype=np.uint8)
    faint[20:30, 20:30] = 245  # a smudge, not a digit
    with pytest.raises(DigitImageError, match="looks blank"):
        prepare_digit(write(tmp_path / "faint.png", faint))


def test_huge_image_is_refused_before_decoding(tmp_path):
    path = write(tmp_path / "big.png", stroke(size=400))
    with pytest.raises(DigitImageError, match="shrink it first"):
        prepare_digit(path, max_pixels=100_000)
    assert prepare_digit(path).shape == (28, 28)  # within the default limit


def test_tiny_image_is_enlarged(tmp_path):
    tiny = np.zeros((6, 6), dtype=np.uint8)
    tiny[1:5, 3] = 255
    digit = prepare_digit(write(tmp_path / "tiny.png", tiny))
    assert digit.shape == (28, 28) and (digit > 0.5).sum() > 20


def test_first_frame_of_an_animation(tmp_path):
    frames = [Image.fromarray(stroke()), Image.fromarray(np.zeros((100, 100), dtype=np.uint8))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert prepare_digit(path).max() == 1.0


def test_home_folder_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    sample = ROOT / "data" / "digits" / "digit_3.png"
    (tmp_path / "digit.png").write_bytes(sample.read_bytes())
    assert np.array_equal(prepare_digit("~/digit.png"), prepare_digit(sample))


@pytest.mark.parametrize("picture", [np.zeros((28, 28)), Image.new("L", (28, 28))])
def test_an_array_or_image_instead_of_a_path_gets_one_line(picture):
    with pytest.raises(DigitImageError, match="pass its path .or its contents as bytes., not a"):
        prepare_digit(picture)


def test_a_16_bit_scan_reads_like_its_8_bit_copy(tmp_path):
    eight = stroke(value=20, background=235)  # dark ink on light paper
    sixteen = eight.astype(np.uint16) * 257  # the same picture at 16 bits (0..65535)
    path = write(tmp_path / "scan16.png", sixteen)
    assert Image.open(path).mode.startswith("I;16")  # not clipped to 8 bits on the way
    expected = prepare_digit(write(tmp_path / "scan8.png", eight))
    np.testing.assert_allclose(prepare_digit(path), expected, atol=1e-6)
    as_float = write(tmp_path / "scan.tif", eight.astype(np.float32) / 255, mode="F")
    np.testing.assert_allclose(prepare_digit(as_float), expected, atol=1e-6)


@pytest.mark.parametrize("where", [(5, 5), (95, 3), (50, 90)])
def test_a_speck_of_dust_is_ignored(tmp_path, where):
    clean = prepare_digit(write(tmp_path / "clean.png", stroke(value=0, background=255)))
    dusty = stroke(value=0, background=255)
    dusty[where[0] : where[0] + 2, where[1] : where[1] + 2] = 0  # a 2 x 2 speck
    np.testing.assert_array_equal(prepare_digit(write(tmp_path / "dusty.png", dusty)), clean)


def test_a_separate_stroke_is_part_of_the_digit(tmp_path):
    seven = stroke(where=(slice(30, 90), slice(60, 66)))
    seven[20:26, 20:66] = 255  # the bar of a 7, drawn apart from its stem
    steps = prepare_digit(write(tmp_path / "seven.png", seven), steps=True)
    assert steps["cropped"].shape == (70, 46)  # the crop holds both strokes


@pytest.mark.parametrize("size", [200, 1000])  # at 1000, shrinking used to give NaN
def test_scattered_dots_are_no_digit(tmp_path, size):
    dots = np.zeros((size, size), dtype=np.uint8)
    for row, col in [(0.05, 0.05), (0.5, 0.9), (0.95, 0.3)]:
        dots[int(row * size), int(col * size)] = 255
    with pytest.raises(DigitImageError, match="3 scattered dots"):
        prepare_digit(write(tmp_path / "dots.png", dots))


def test_thin_strokes_on_a_large_picture_still_read(tmp_path):
    """A one-pixel pen on a 3,000-pixel canvas: found, and specks found quickly."""
    import time

    canvas = np.zeros((3000, 3000), dtype=np.uint8)
    canvas[500:2500, 1500] = 255
    canvas[500, 1000:1500] = 255
    start = time.perf_counter()
    digit = prepare_digit(write(tmp_path / "thin.png", canvas))
    assert time.perf_counter() - start < 10  # a hang guard, not a benchmark
    assert digit.max() == 1.0 and (digit > 0).sum() > 20


def test_pillows_large_image_warning_becomes_the_one_line_error(tmp_path, monkeypatch, recwarn):
    path = write(tmp_path / "big.png", stroke(size=400))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # warns above this, fails above 2x
    with pytest.raises(DigitImageError, match="too large to open safely"):
        prepare_digit(path)
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


@pytest.mark.parametrize("path", SAMPLES[:1] + SAMPLES[-2:], ids=lambda p: p.name)
def test_a_pictures_bytes_read_as_its_file(path):
    assert np.array_equal(prepare_digit(path.read_bytes()), prepare_digit(path))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the picture is empty"),
        (b"<html>not a picture</html>", "the picture is not an image Pillow can read"),
        (SAMPLES[0].read_bytes()[:200], "the picture could not be decoded"),
    ],
    ids=["empty", "not an image", "cut short"],
)
def test_bad_bytes_say_what_is_wrong(data, message):
    with pytest.raises(DigitImageError, match=message):
        prepare_digit(data)


def test_blank_drawing_is_refused(tmp_path):
    path = write(tmp_path / "blank.png", np.full((280, 280), 255, dtype=np.uint8))
    with pytest.raises(DigitImageError, match="the picture looks blank"):
        prepare_digit(path.read_bytes())
