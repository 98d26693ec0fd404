"""Image sources in the ui kit: bundled samples, numeric grids, the Open image dialog, drawing."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QPointF

from visualizer import imagefile
from visualizer.resources import resource_path
from visualizer.ui.kit import images, samples
from visualizer.ui.kit.images import DrawCanvas, DrawDialog
from visualizer.ui.kit.samples import numeric_grid


def _save(path: Path, array: np.ndarray, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


# -- samples ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sample", samples.sample_images(), ids=lambda s: s.name)
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
    every = samples.sample_images()
    photos = [s for s in every if not s.name.startswith("fashion-")]
    fashion = [s for s in every if s.name.startswith("fashion-")]
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
    sample = samples.find_sample("camera")
    first = sample.load("gray")
    first[:] = 0
    assert sample.load("gray").max() > 0


def test_colour_photo_is_really_coloured_and_gray_uses_luma():
    rgb = samples.find_sample("astronaut").load("rgb")
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 0.02
    gray = samples.find_sample("astronaut").load("gray")
    assert np.abs(imagefile.to_mode(rgb, "gray") - gray).max() < 0.01


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
