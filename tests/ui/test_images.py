"""Image sources: bundled samples, files of every kind (good and broken), numeric grids, drawing."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QPointF

from visualizer.resources import resource_path
from visualizer.ui.kit import images
from visualizer.ui.kit.images import DrawCanvas, DrawDialog, ImageError, load_image_file, numeric_grid


def _save(path: Path, array: np.ndarray, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


# -- samples ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sample", images.sample_images(), ids=lambda s: s.name)
def test_each_sample_loads_gray_and_rgb_in_range(sample):
    gray = sample.load("gray")
    rgb = sample.load("rgb")
    assert gray.ndim == 2 and rgb.shape == (*gray.shape, 3)
    assert gray.dtype == np.float64 and rgb.dtype == np.float64
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    assert 0.0 <= rgb.min() and rgb.max() <= 1.0
    assert gray.std() > 0.05, "a sample picture should not be flat"
    assert sample.title and sample.licence


def test_samples_include_photographs_and_fashion_items():
    samples = images.sample_images()
    photos = [s for s in samples if not s.name.startswith("fashion-")]
    fashion = [s for s in samples if s.name.startswith("fashion-")]
    assert len(photos) >= 2 and len(fashion) >= 3
    assert all(s.load("gray").shape == (28, 28) for s in fashion)
    assert all(max(s.load("gray").shape) <= 256 for s in photos)


def test_every_bundled_photo_has_a_licence_entry():
    licences = resource_path("images", "LICENSES.md").read_text()
    for png in resource_path("images").glob("*.png"):
        assert f"`{png.name}`" in licences
    total = sum(p.stat().st_size for p in resource_path("images").iterdir())
    assert total < 500_000


def test_loading_a_sample_twice_gives_independent_copies():
    sample = images.find_sample("camera")
    first = sample.load("gray")
    first[:] = 0
    assert sample.load("gray").max() > 0


def test_colour_photo_is_really_coloured_and_gray_uses_luma():
    rgb = images.find_sample("astronaut").load("rgb")
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 0.02
    gray = images.find_sample("astronaut").load("gray")
    assert np.abs(images.to_mode(rgb, "gray") - gray).max() < 0.01


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
    assert pixels.shape == (images.MIN_SIDE, 256)


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


# -- numbers -----------------------------------------------------------------------------------------
def test_numeric_grid_whole_numbers_and_decimals():
    whole = numeric_grid(7, seed=3)
    assert whole.shape == (7, 7) and whole.dtype == np.float64
    assert np.array_equal(whole, np.round(whole)) and whole.min() >= 0 and whole.max() <= 9
    assert np.array_equal(whole, numeric_grid(7, seed=3))
    signed = numeric_grid((3, 5), seed=1, low=-1, high=1, decimals=1)
    assert signed.shape == (3, 5)
    assert np.allclose(signed * 10, np.round(signed * 10))
    assert signed.min() >= -1 and signed.max() <= 1
    assert not np.any(np.signbit(signed) & (signed == 0)), "no -0.0 to print as '-0.0'"


# -- drawing -----------------------------------------------------------------------------------------
def test_draw_canvas_stroke_and_clear(qtbot):
    canvas = DrawCanvas(28)
    qtbot.addWidget(canvas)
    canvas.stroke(QPointF(4, 14), QPointF(24, 14))
    drawn = canvas.image()
    assert drawn.shape == (28, 28) and drawn.max() == pytest.approx(1.0)
    assert drawn[14, 4:24].min() > 0.9, "a fast stroke leaves no gaps"
    assert drawn[0].max() == 0.0
    canvas.stroke(QPointF(14.5, 14.5), QPointF(14.5, 14.5), erase=True)  # centre of pixel (14, 14)
    assert canvas.image()[14, 14] == 0.0
    canvas.clear()
    assert canvas.image().max() == 0.0


def test_draw_dialog_mouse_drawing_returns_the_array(qtbot):
    from PyQt6.QtCore import QPoint, Qt

    dialog = DrawDialog(size=28)
    qtbot.addWidget(dialog)
    dialog.resize(400, 480)
    dialog.show()
    qtbot.waitExposed(dialog)
    canvas = dialog.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(canvas.width() // 2, canvas.height() // 2))
    pixels = dialog.image()
    assert pixels.shape == (28, 28)
    assert pixels[13:15, 13:15].max() > 0.5


# -- asking the user: one flow for the File menu and the pickers' buttons ---------------------------------
@pytest.fixture
def dialogs(monkeypatch):
    """Answers the file dialog with `dialogs.answer` and records what it was asked and any warning."""
    from PyQt6.QtWidgets import QFileDialog, QMessageBox

    dialogs = SimpleNamespace(answer="", asked=[], warnings=[])

    def get_open_file_name(parent, caption, folder, file_filter, *rest):
        dialogs.asked.append((folder, file_filter))
        return dialogs.answer, ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", get_open_file_name)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: dialogs.warnings.append((title, text)))
    return dialogs


def test_asking_for_a_file_reads_it_in_the_mode_asked_for(dialogs, tmp_path):
    dialogs.answer = str(_save(tmp_path / "shirt.png", np.full((12, 9, 3), 200, np.uint8)))
    chosen = []
    picture = images.ask_for_image_file(None, "rgb", str(tmp_path), on_chosen=chosen.append)
    assert picture.title == "shirt.png" and picture.pixels.shape == (12, 9, 3)
    assert chosen == [dialogs.answer]
    assert dialogs.asked == [(str(tmp_path), images.IMAGE_FILTER)] and dialogs.warnings == []


def test_asking_for_a_bad_file_says_why_and_gives_nothing(dialogs, tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    dialogs.answer = str(tmp_path / "broken.png")
    assert images.ask_for_image_file(None, "gray") is None
    assert len(dialogs.warnings) == 1 and "broken.png" in dialogs.warnings[0][1]
    dialogs.answer = ""
    assert images.ask_for_image_file(None, "gray") is None  # cancelled: no word needed
    assert len(dialogs.warnings) == 1


def test_a_pickers_open_button_takes_the_same_path_as_the_file_menu(qtbot, dialogs, tmp_path):
    from visualizer.ui.kit.image_source import ImageSourcePicker

    picker = ImageSourcePicker(mode="gray")
    qtbot.addWidget(picker)
    dialogs.answer = str(_save(tmp_path / "shirt.png", np.full((12, 9), 128, np.uint8)))
    picker.open_button.click()
    assert dialogs.asked == [("", images.IMAGE_FILTER)]
    assert picker.source_title() == "shirt.png" and picker.image().shape == (12, 9)
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    dialogs.answer = str(tmp_path / "broken.png")
    picker.open_button.click()
    assert len(dialogs.warnings) == 1 and picker.source_title() == "shirt.png"


def test_a_pickers_draw_button_takes_the_drawing_in_its_mode(qtbot, monkeypatch):
    from visualizer.ui.kit.image_source import ImageSourcePicker

    monkeypatch.setattr(DrawDialog, "get_image", classmethod(lambda cls, *a, **k: np.ones((28, 28))))
    picker = ImageSourcePicker(mode="rgb")
    qtbot.addWidget(picker)
    picker.draw_button.click()
    assert picker.source_title() == images.DRAWING_TITLE and picker.image().shape == (28, 28, 3)
