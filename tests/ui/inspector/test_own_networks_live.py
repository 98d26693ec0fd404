"""A colour network that is not the seed's, in the main window with its real model process: the
canvas and the One image tab take its 32x32 colour input, a folder of colour photographs is shown
as it is with its sub-folders' names in the matrix and the table, and Check input ranges finds the
range it was made for."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from tests.inspection.tiny_models import COLOURS, colour_photo_folder, range_sensitive_colour_model, save
from tests.ui.inspector.test_page import open_and_wait, window  # noqa: F401 - the fixture

TIMEOUT_MS = 120_000


@pytest.mark.slow  # a model process that imports Keras
def test_a_colour_network_on_a_folder_of_photographs(qtbot, window, tmp_path):  # noqa: F811
    path = save(range_sensitive_colour_model(), tmp_path, "colours.keras")
    folder = colour_photo_folder(tmp_path / "photos")
    page = open_and_wait(qtbot, window, path)
    assert page.failure() is None
    assert page.draw_tab.canvas.image().shape == (32, 32, 3) and "32x32 colour" in page.draw_tab.caption.text()

    photo = np.zeros((64, 48, 3), np.uint8)
    photo[..., 0] = 255  # red
    photo[20:40, 10:30] = (0, 0, 255)
    page.tabs.setCurrentWidget(page.image_tab)
    page.set_input_image(photo, "photo.png")
    qtbot.waitUntil(lambda: not page.is_busy() and page.image_tab.image_view.image.image is not None, timeout=TIMEOUT_MS)
    shown = page.image_tab.image_view.image.image
    assert shown.shape == (32, 32, 3), "kept in colour, at the network's own size"
    assert shown[1, 1, 0] > 0.9 and shown[1, 1, 2] < 0.1

    page.evaluateRequested.emit(str(folder))
    qtbot.waitUntil(lambda: not page.is_busy() and page.test_set_tab.evaluation() is not None, timeout=TIMEOUT_MS)
    tab = page.test_set_tab
    assert tab.confusion_view._names == COLOURS
    assert [tab.class_table.item(row, 0).text() for row in range(3)] == list(COLOURS)
    gallery = tab.gallery
    first = gallery.model.data(gallery.model.index(0, 0), Qt.ItemDataRole.DecorationRole).toImage()
    corner = first.pixelColor(1, 1)
    assert corner.blue() > 150 and corner.red() < 80, "a blue photograph is shown blue, not as its negative"

    page.model_panel.check_ranges_button.click()
    qtbot.waitUntil(lambda: not page.is_busy() and page.model_panel.check_result.isVisibleTo(page), timeout=TIMEOUT_MS)
    assert page.controller.input_range == "[-1, 1]" and page.model_panel.range_choice.currentText() == "[-1, 1]"
    assert "<b>[-1, 1]: 100%</b>" in page.model_panel.check_result.text()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=TIMEOUT_MS)
    assert page.test_set_tab.evaluation().accuracy == 1.0, "the test set evaluated again under [-1, 1]"
