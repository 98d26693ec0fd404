"""The one image-file reader: files of every kind, good and broken, as floats in [0, 1]."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visualizer.imagefile import MIN_SIDE, ImageError, load_image_file, to_uint8


def _save(path: Path, array: np.ndarray, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


# -- files -----------------------------------------------------------------------------------------
def test_rgb_file_loads_as_gray_and_rgb(tmp_path):
    pixels = np.zeros((10, 20, 3), np.uint8)
    pixels[:, :10] = (255, 0, 0)
    pixels[:, 10:] = (0, 0, 255)
    path = _save(tmp_path / "two.png", pixels)
    rgb = load_image_file(path, "rgb")
    assert rgb.shape == (10, 20, 3)
    assert np.allclose(rgb[0, 0], [1, 0, 0]) and np.allclose(rgb[0, -1], [0, 0, 1])
    gray = load_image_file(path, "gray")
    assert gray.shape == (10, 20)
    assert gray[0, 0] == pytest.approx(0.299, abs=0.01)  # red's luma
    assert gray[0, -1] == pytest.approx(0.114, abs=0.01)


def test_large_image_is_scaled_down_keeping_aspect(tmp_path):
    rng = np.random.default_rng(0)
    path = _save(tmp_path / "big.jpg", rng.integers(0, 255, (600, 1200, 3), dtype=np.uint8), quality=80)
    pixels = load_image_file(path, "gray", max_side=256)
    assert pixels.shape == (128, 256)
    assert load_image_file(path, "rgb", max_side=None).shape == (600, 1200, 3)


def test_a_long_thin_strip_is_not_scaled_below_the_smallest_side(tmp_path):
    path = _save(tmp_path / "strip.png", np.full((10, 2000), 128, np.uint8))
    pixels = load_image_file(path, "gray", max_side=256)
    assert pixels.shape == (MIN_SIDE, 256)


def test_transparent_parts_are_laid_on_white(tmp_path):
    rgba = np.zeros((5, 5, 4), np.uint8)  # black, fully transparent
    rgba[2, 2] = (0, 0, 0, 255)  # one opaque black pixel
    pixels = load_image_file(_save(tmp_path / "alpha.png", rgba), "gray")
    assert pixels[0, 0] == pytest.approx(1.0)
    assert pixels[2, 2] == pytest.approx(0.0)


def test_sixteen_bit_gray_keeps_its_range(tmp_path):
    deep = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4369)  # 0 .. 65535
    path = tmp_path / "deep.png"
    Image.fromarray(deep).save(path)
    pixels = load_image_file(path, "gray")
    assert pixels.min() == pytest.approx(0.0) and pixels.max() == pytest.approx(1.0)


def test_first_frame_of_an_animated_gif(tmp_path):
    frames = [Image.new("L", (8, 8), value) for value in (0, 255)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert load_image_file(path).max() == pytest.approx(0.0)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.png", b"", "empty"),
        ("notes.png", b"this is plain text, not a picture\n" * 4, "not an image"),
    ],
)
def test_bad_files_raise_image_error_naming_the_file(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageError) as caught:
        load_image_file(path)
    assert name in str(caught.value) and reason in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_truncated_file_raises_image_error(tmp_path):
    rng = np.random.default_rng(1)
    whole = _save(tmp_path / "whole.png", rng.integers(0, 255, (64, 64), dtype=np.uint8))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ImageError, match="cut.png.*truncated"):
        load_image_file(cut)


def test_too_small_missing_and_folder_raise_image_error(tmp_path):
    tiny = _save(tmp_path / "tiny.png", np.zeros((2, 40), np.uint8))
    with pytest.raises(ImageError, match="tiny.png.*too small"):
        load_image_file(tiny)
    with pytest.raises(ImageError, match="nowhere.png.*does not exist"):
        load_image_file(tmp_path / "nowhere.png")
    with pytest.raises(ImageError, match="folder"):
        load_image_file(tmp_path)


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        load_image_file(_save(tmp_path / "a.png", np.zeros((4, 4), np.uint8)), "cmyk")


def test_as_stored_keeps_gray_files_gray_and_colour_files_colour(tmp_path):
    gray = _save(tmp_path / "gray.png", np.full((4, 5), 51, np.uint8))
    colour = _save(tmp_path / "colour.png", np.full((4, 5, 3), (255, 0, 0), np.uint8))
    assert load_image_file(gray, None).shape == (4, 5)
    assert load_image_file(colour, None).shape == (4, 5, 3)


def test_exif_orientation_turns_the_picture_upright(tmp_path):
    stored = np.zeros((8, 16), np.uint8)
    stored[:, :8] = 255  # white on the left as stored; orientation 6 turns it 90 degrees clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "turned.png"
    Image.fromarray(stored).save(path, exif=exif)
    upright = load_image_file(path, "gray")
    assert upright.shape == (16, 8)
    assert upright[:8].min() == pytest.approx(1.0) and upright[8:].max() == pytest.approx(0.0)


def test_palette_and_cmyk_files_are_read_as_colour(tmp_path):
    palette = Image.fromarray(np.full((4, 4, 3), (0, 0, 255), np.uint8)).convert("P")
    palette.save(tmp_path / "palette.png")
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")  # red in ink
    assert np.allclose(load_image_file(tmp_path / "palette.png", "rgb")[0, 0], [0, 0, 1])
    red = load_image_file(tmp_path / "cmyk.jpg", "rgb")[0, 0]
    assert red[0] > 0.9 and red[1] < 0.1 and red[2] < 0.1


def test_to_uint8_rounds_to_the_nearest_level_and_clips():
    levels = to_uint8(np.array([-0.5, 0.0, 0.6 / 255, 0.499, 1.0, 2.0]))
    assert levels.dtype == np.uint8
    assert levels.tolist() == [0, 0, 1, 127, 255, 255]
