"""The model inspector's page: it implements every member of InspectorView; and in the main window,
with its real model process, a small CNN opened from a file, its probabilities equal to Keras's
own, a bad file refused while the model stays open, and a learned kernel stepped through on the
Convolution page, number for number."""

from __future__ import annotations

import numpy as np
import pytest

from tests.inspection.tiny_models import save
from visualizer.ui.main_window import MainWindow

TIMEOUT_MS = 120_000


def small_cnn():
    import keras
    from keras import layers

    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(4, 3, activation="relu", name="conv1"),  # "valid": the page's own padding
            layers.MaxPooling2D(2, name="pool1"),
            layers.Flatten(name="flatten"),
            layers.Dense(10, activation="softmax", name="output"),
        ],
        name="small_cnn",
    )


@pytest.fixture
def window(qtbot, keep):
    window = keep(MainWindow(first_page="inspector"))
    window.resize(1280, 720)
    window.show()
    return window


def open_and_wait(qtbot, window, path):
    page = window.inspect_model(str(path), may_ask=False)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=TIMEOUT_MS)
    return page


@pytest.mark.slow  # a model process that imports Keras
def test_the_bars_show_what_keras_predicts_and_a_bad_file_leaves_the_model_open(qtbot, window, tmp_path):
    model = small_cnn()
    path = save(model, tmp_path, "small.keras")
    page = open_and_wait(qtbot, window, path)
    assert page.failure() is None
    assert [row[0] for row in page.architecture_tab.row_texts()] == [
        "input", "conv1", "pool1", "flatten", "output", "output_softmax"  # the softmax read as its own step
    ]
    explained = page.controller.explained
    assert explained is not None and page.controller.picture.title == "Test image #0"
    expected = model.predict(explained.model_input[np.newaxis], verbose=0)[0]
    assert page.image_tab.bars.values().size == 0  # not drawn while another tab is in view
    page.tabs.setCurrentWidget(page.image_tab)
    np.testing.assert_allclose(page.image_tab.bars.values(), expected, rtol=1e-5, atol=1e-6)
    assert page.controller.evaluation is not None and page.test_set_tab.evaluation() is not None

    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    open_and_wait(qtbot, window, broken)
    assert "broken.keras" in page.failure()
    assert page.banner.kind == "error" and "small_cnn stays open" in page.banner.message.text()
    assert page.controller.opened.report.model_name == "small_cnn"


@pytest.mark.slow
def test_step_through_shows_the_learned_kernel_whose_sums_make_the_map_before_the_relu(qtbot, window, tmp_path):
    path = save(small_cnn(), tmp_path, "small.keras")
    page = open_and_wait(qtbot, window, path)
    detail = page.image_tab.layer_detail
    page._on_architecture_layer_chosen("conv1")
    detail.channel.setValue(2)
    assert detail.map_detail.step_button.isEnabled()
    detail.map_detail.step_button.click()
    convolution = window.current_page()
    assert window.current_page_name() == "convolution"
    kernel_info = page.controller.opened.conv_kernels[0]
    np.testing.assert_allclose(convolution.kernel(), kernel_info.kernel[:, :, 0, 2])
    before_relu = convolution.view.output.values() + kernel_info.bias[2]
    inspector_map = page.controller.explained.layers[0].values[:, :, 2]
    np.testing.assert_allclose(np.maximum(before_relu, 0.0), inspector_map, rtol=1e-4, atol=1e-5)
    assert "bias" in convolution.learned_note.text() and convolution.learned_note.isVisible()


@pytest.mark.slow
def test_a_model_holding_code_opens_only_after_the_user_agrees_in_the_dialog(qtbot, window, tmp_path, monkeypatch):
    import keras
    from keras import layers
    from PyQt6.QtWidgets import QMessageBox

    model = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Lambda(lambda x: x * 2.0, name="double"), layers.Flatten(), layers.Dense(10)],
        name="with_code",
    )
    path = save(model, tmp_path, "code.keras")
    page = open_and_wait(qtbot, window, path)  # as from the command line without --unsafe: refused
    assert "double" in page.failure() and page.controller.opened is None

    asked = []

    def agree(parent, title, text, *buttons):
        asked.append(text)
        return QMessageBox.StandardButton.Open

    monkeypatch.setattr(QMessageBox, "warning", agree)
    page.open_model(str(path))  # as from File > Open model: the dialog names the risk, the user agrees
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=TIMEOUT_MS)
    assert len(asked) == 1 and "code" in asked[0]
    assert page.failure() is None and page.controller.opened.report.model_name == "with_code"


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["while opening", "while evaluating"])
def test_closing_the_window_mid_work_ends_the_model_process(qtbot, keep, tmp_path, moment):
    path = save(small_cnn(), tmp_path, "small.keras")
    window = keep(MainWindow(first_page="inspector"))
    window.show()
    page = window.inspect_model(str(path), may_ask=False)
    if moment == "while evaluating":
        qtbot.waitUntil(lambda: page.controller.evaluating, timeout=TIMEOUT_MS)
    server = page.client._server
    window.close()
    assert not page.client.is_running()
    qtbot.waitUntil(lambda: not server.is_alive(), timeout=2000)


def test_the_page_passes_on_what_the_user_does_and_draws_only_the_tab_in_view(keep):
    from unittest.mock import MagicMock

    from tests.ui.inspector.test_controller import emit, explained, opened
    from visualizer.ui.inspector.link import ModelClient
    from visualizer.ui.inspector.page import InspectorPage
    from visualizer.ui.inspector.tabs.why import PREDICTED

    client = MagicMock(spec=ModelClient)
    page = keep(InspectorPage(client=client), before_close=InspectorPage.shutdown)
    emit(client.replied, opened(classes=10, input_range=(0.0, 1.0)))
    client.evaluate.assert_called_once_with(folder=None)
    page.set_input_image(np.zeros((28, 28), np.uint8), "mine.png")  # as from File > Open image
    assert page.tabs.currentWidget() is page.image_tab
    page.why_tab.classChosen.emit(3)
    assert client.explain.call_args.args[1:] == (3, False)
    page.why_tab.classChosen.emit(PREDICTED)
    assert client.explain.call_args.args[1:] == (None, False)
    page.test_set_tab.folderChosen.emit("/data/three-classes")
    client.evaluate.assert_called_with(folder="/data/three-classes")

    page.tabs.setCurrentWidget(page.architecture_tab)
    reply = explained(probabilities=np.eye(10)[7])
    emit(client.replied, reply)
    assert page.image_tab.bars.values().size == 0  # not drawn while another tab is in view
    page.tabs.setCurrentWidget(page.image_tab)
    np.testing.assert_allclose(page.image_tab.bars.values(), reply.probabilities)


@pytest.mark.parametrize("activation, said", [("relu", "then the layer's activation, relu."),
                                              ("linear", "the layer has no activation of its own.")])
def test_the_kernel_note_names_the_layers_own_activation(keep, activation, said):
    from visualizer.ui.inspector.layer_views import FeatureMapDetail

    detail = keep(FeatureMapDetail())
    detail.show_map(np.ones((4, 4)), np.ones((3, 3, 1)), 0.5, "conv", 0, activation)
    assert said in detail.kernel_note.text()
    assert "e.g." not in detail.kernel_note.text()


def test_saving_the_why_maps_is_told_in_the_pages_banner(keep, qtbot, tmp_path, monkeypatch):
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QFileDialog

    from visualizer.ui.inspector.page import InspectorPage

    page = keep(InspectorPage(), before_close=InspectorPage.shutdown)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.why_tab)
    chosen = [str(tmp_path / "missing" / "why.png"), str(tmp_path / "why")]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (chosen.pop(0), ""))
    qtbot.mouseClick(page.why_tab.save_button, Qt.MouseButton.LeftButton)
    assert page.banner.kind == "error" and "Could not save the maps" in page.banner.message.text()
    assert not (tmp_path / "missing").exists()
    qtbot.mouseClick(page.why_tab.save_button, Qt.MouseButton.LeftButton)
    assert page.banner.kind == "info" and f"Saved the maps to {tmp_path / 'why.png'}" in page.banner.message.text()
    assert (tmp_path / "why.png").read_bytes()[:4] == b"\x89PNG"


def test_the_page_opens_at_once_and_starts_its_model_process_a_moment_after_it_is_shown(qtbot, keep):
    from tests.ui.inspector.test_link import FakeServer
    from visualizer.ui.inspector.link import ModelClient
    from visualizer.ui.inspector.page import PRESTART_DELAY_MS, InspectorPage

    made: list[FakeServer] = []
    client = ModelClient(server_factory=lambda: made.append(FakeServer()) or made[-1])
    page = keep(InspectorPage(client=client), before_close=InspectorPage.shutdown)
    qtbot.wait(PRESTART_DELAY_MS + 200)
    assert not made, "a page never shown starts nothing"
    page.show()
    assert not made, "the page is drawn first"
    qtbot.waitUntil(lambda: bool(made), timeout=PRESTART_DELAY_MS + 2000)
    assert made[0].prestarted and made[0].sent == []
    page.hide()
    page.show()
    qtbot.wait(PRESTART_DELAY_MS + 200)
    assert len(made) == 1, "shown again, the page keeps the process it started"
    page.close()
    assert not client.is_running()
