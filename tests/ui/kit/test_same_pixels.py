"""One file, one array: a picture reaches the model as the same numbers whether the user opens it
(Open image on the inspector's Draw tab) or it sits in a test folder given to the Test set tab."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtWidgets import QFileDialog, QMessageBox

from visualizer.inspection.evaluation import load_image_folder
from visualizer.inspection.model import preprocess, to_model_input
from visualizer.inspection.report import LoaderReport
from visualizer.ui.inspector.tabs.draw import CANVAS_SIDE, fit_to_canvas
from visualizer.ui.kit import images

SIDE = CANVAS_SIDE  # a picture of the canvas's and the model's size: neither path pads nor resizes


def gray_model_report() -> LoaderReport:
    return LoaderReport(
        path="/models/m.keras", file_format="keras", model_name="tiny", input_shape=(SIDE, SIDE, 1),
        image_size=(SIDE, SIDE), channels=1, channel_axis="last", input_range=(0.0, 1.0),
        scaling="unknown", output_kind="probabilities", softmax_layer="output", class_names=("a", "b"),
        class_names_source="numbers", conv_layers=("conv1",), saliency_layer="conv1",
    )


def _pattern(high: int) -> np.ndarray:
    """An asymmetric picture, so a missed rotation shows: a ramp across, a bright top-left corner."""
    ramp = np.linspace(0, high, SIDE * SIDE).reshape(SIDE, SIDE)
    ramp[:6, :10] = high
    return ramp


def rotated_jpeg(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: viewers turn it 90 degrees clockwise
    Image.fromarray(_pattern(255).astype(np.uint8), mode="L").save(path, quality=90, exif=exif)
    return path


def transparent_png(path: Path) -> Path:
    gray = _pattern(200).astype(np.uint8)
    alpha = np.full((SIDE, SIDE), 255, np.uint8)
    alpha[:, SIDE // 2 :] = 0  # the right half is see-through, over dark pixels
    Image.fromarray(np.stack([gray, alpha], axis=-1), mode="LA").save(path)
    return path


def sixteen_bit_png(path: Path) -> Path:
    Image.fromarray(_pattern(65535).astype(np.uint16)).save(path)  # stored as 16-bit gray
    return path


def through_open_image(path: Path, monkeypatch) -> np.ndarray:
    """What the Draw tab's Open image… button gives the model: the dialog, the canvas, preprocess."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: pytest.fail(f"the file was refused: {args[2]}"))
    picture = images.ask_for_image_file(None, "gray")
    canvas = images.DrawCanvas(CANVAS_SIDE)
    canvas.set_image(fit_to_canvas(picture.pixels, CANVAS_SIDE, CANVAS_SIDE))
    return preprocess(canvas.image(), gray_model_report()).model_input


def through_a_test_folder(path: Path, root: Path) -> np.ndarray:
    """What the Test set tab gives the model for the same file in a folder of class sub-folders."""
    class_folder = root / "only-class"
    class_folder.mkdir(parents=True)
    (class_folder / path.name).write_bytes(path.read_bytes())
    found = load_image_folder(root)
    assert found.skipped == 0
    return to_model_input(found.images, gray_model_report())[0]


@pytest.mark.parametrize("make", [rotated_jpeg, transparent_png, sixteen_bit_png], ids=lambda make: make.__name__)
def test_a_file_reaches_the_model_as_the_same_array_both_ways(qtbot, tmp_path, monkeypatch, make):
    path = make(tmp_path / ("picture.jpg" if make is rotated_jpeg else "picture.png"))
    opened = through_open_image(path, monkeypatch)
    from_folder = through_a_test_folder(path, tmp_path / "test-set")
    assert opened.shape == from_folder.shape == (SIDE, SIDE, 1)
    np.testing.assert_array_equal(opened, from_folder)


def test_the_files_test_what_they_mean_to(tmp_path):
    """The three files really carry a turn, a see-through part and more than 8 bits."""
    with Image.open(rotated_jpeg(tmp_path / "r.jpg")) as jpeg:
        assert jpeg.getexif()[0x0112] == 6
    with Image.open(transparent_png(tmp_path / "t.png")) as png:
        assert png.mode == "LA" and png.getchannel("A").getextrema() == (0, 255)
    with Image.open(sixteen_bit_png(tmp_path / "s.png")) as deep:
        assert deep.mode.startswith("I") and deep.getextrema()[1] > 255
