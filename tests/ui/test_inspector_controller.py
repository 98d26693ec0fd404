"""The inspector's controller with no window: fed replies as the model process would send them,
checked by what it asks of the view and of the model client (both mocks)."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np
import pytest

from visualizer.inspection import protocol as s
from visualizer.inspection.report import LoaderReport
from visualizer.ui.inspector.controller import InspectorController, InspectorView, Picture
from visualizer.ui.inspector.link import ModelClient

NAMES = tuple(f"class {i}" for i in range(10))


def report(classes=10, input_range=None, channels=1) -> LoaderReport:
    names = NAMES[:classes]
    return LoaderReport(
        path="/models/m.keras", file_format="keras", model_name="tiny", input_shape=(28, 28, channels),
        image_size=(28, 28), channels=channels, channel_axis="last", input_range=input_range,
        scaling="unknown", output_kind="probabilities", softmax_layer="output", class_names=names,
        class_names_source="numbers", conv_layers=("conv1",), saliency_layer="conv1",
    )


def opened(classes=10, input_range=None, kernel=None) -> s.ModelOpened:
    kernel = np.arange(18, dtype=float).reshape(3, 3, 1, 2) if kernel is None else kernel
    info = s.KernelInfo("conv1", kernel, np.array([0.5, -0.25]), "relu", "same", (1, 1), (1, 1))
    return s.ModelOpened(report(classes, input_range), (s.LayerSummary("conv1", "Conv2D", (28, 28, 2), 20),),
                         (info,), ("conv1", "output"), 0.1)


def explained(generation=1, probabilities=None) -> s.Explained:
    probabilities = np.full(10, 0.1) if probabilities is None else probabilities
    return s.Explained(generation, np.zeros((28, 28)), np.zeros((28, 28, 1), np.float32), probabilities,
                       int(np.argmax(probabilities)), (), None, np.zeros((28, 28)), 0.01)


@pytest.fixture
def parts():
    view = MagicMock(spec=InspectorView)
    client = MagicMock(spec=ModelClient)
    client.replied = MagicMock()
    client.died = MagicMock()
    controller = InspectorController(view, client)
    return controller, view, client


def test_opening_a_model_asks_the_input_range_and_evaluates_a_ten_class_model(parts):
    controller, view, client = parts
    controller.open_model("/models/m.keras")
    client.open_model.assert_called_once_with("/models/m.keras", unsafe=False)
    assert not controller.settled()
    controller.on_reply(opened())
    view.show_model.assert_called_once()
    view.ask_input_range.assert_called_once_with(("[0, 1]", "[0, 255]", "[-1, 1]"), "[0, 1]")
    client.set_input_range.assert_called_once_with((0.0, 1.0))
    client.evaluate.assert_called_once()
    assert controller.evaluating and not controller.settled()


def test_a_model_that_says_its_range_is_not_asked_and_another_gets_a_sample_picture(parts):
    controller, view, client = parts
    view.sample_picture.return_value = Picture(np.ones((5, 5, 3)), "A cat")
    controller.open_model("/models/m.keras")
    controller.on_reply(opened(classes=3, input_range=(0.0, 255.0)))
    view.ask_input_range.assert_not_called()
    client.evaluate.assert_not_called()
    view.sample_picture.assert_called_once_with(rgb=False)
    pixels = client.explain.call_args.args[0]
    assert pixels.shape == (5, 5, 3)


def test_a_model_holding_code_is_opened_only_after_the_user_agrees(parts):
    controller, view, client = parts
    view.confirm_unsafe.return_value = True
    controller.open_model("/models/lambda.keras")
    controller.on_reply(s.OpenFailed("/models/lambda.keras", "it holds a Lambda layer", unsafe=True))
    view.confirm_unsafe.assert_called_once()
    client.open_model.assert_called_with("/models/lambda.keras", unsafe=True)


def test_from_the_command_line_a_model_holding_code_is_refused_without_asking(parts):
    controller, view, client = parts
    controller.open_model("/models/lambda.keras", may_ask=False)
    controller.on_reply(s.OpenFailed("/models/lambda.keras", "it holds a Lambda layer", unsafe=True))
    view.confirm_unsafe.assert_not_called()
    assert controller.failure == "it holds a Lambda layer" and controller.settled()
    view.show_error.assert_called_once()


def test_a_bad_file_keeps_the_open_model_and_says_so(parts):
    controller, view, client = parts
    controller.open_model("/models/m.keras")
    first = opened(classes=3, input_range=(0.0, 1.0))
    controller.on_reply(first)
    controller.open_model("/models/broken.keras")
    controller.on_reply(s.OpenFailed("/models/broken.keras", "broken.keras: it was cut short", unsafe=False))
    assert controller.opened is first
    message = view.show_error.call_args.args[0]
    assert "cut short" in message and "tiny stays open" in message


def test_an_evaluation_becomes_the_test_set_and_its_first_image_the_picture(parts):
    controller, view, client = parts
    controller.open_model("/models/m.keras")
    controller.on_reply(opened())
    images = np.random.default_rng(0).integers(0, 255, (6, 28, 28), dtype=np.uint8)
    probabilities = np.eye(10)[[1, 2, 3, 4, 5, 6]]
    controller.on_reply(s.Evaluated(5, images, np.array([1, 2, 3, 4, 5, 0]), probabilities, NAMES, "subset", 0.2))
    evaluation = view.show_evaluation.call_args.args[0]
    assert evaluation.accuracy == pytest.approx(5 / 6)
    assert not controller.evaluating
    np.testing.assert_array_equal(client.explain.call_args.args[0], images[0])
    assert controller.picture.true_label == 1 and controller.picture.test_index == 0
    controller.show_test_image(3)
    assert controller.picture.title == "Test image #3" and controller.picture.true_label == 4


def test_an_explanation_reaches_the_view_with_its_picture(parts):
    controller, view, client = parts
    controller.open_model("/models/m.keras")
    controller.on_reply(opened(classes=10, input_range=(0.0, 1.0)))
    controller.show_picture(Picture(np.zeros((28, 28)), "Mine"))
    assert controller.explaining
    controller.evaluating = False
    reply = explained(probabilities=np.eye(10)[7])
    controller.on_reply(reply)
    view.show_explanation.assert_called_once_with(reply, controller.picture, NAMES)
    assert controller.settled()


def test_choosing_a_class_or_smoothgrad_explains_the_picture_again(parts):
    controller, view, client = parts
    controller.on_reply(opened(classes=3, input_range=(0.0, 1.0)))
    controller.show_picture(Picture(np.zeros((28, 28)), "Mine"))
    controller.choose_class(2)
    assert client.explain.call_args.args[1:] == (2, False)
    controller.set_smooth(True)
    assert client.explain.call_args.args[1:] == (2, True)


def test_randomising_shows_the_layers_and_explains_again(parts):
    controller, view, client = parts
    controller.on_reply(opened(classes=3, input_range=(0.0, 1.0)))
    controller.show_picture(Picture(np.zeros((28, 28)), "Mine"))
    calls = client.explain.call_count
    controller.randomise()
    client.randomise.assert_called_once()
    controller.on_reply(s.Randomised(("output",), "conv1"))
    view.show_randomisation.assert_called_once_with(("output",), "conv1")
    assert client.explain.call_count == calls + 1


def test_the_first_conv_kernel_is_offered_on_the_models_own_input(parts):
    controller, view, client = parts
    controller.on_reply(opened(classes=10, input_range=(0.0, 1.0)))
    controller.show_picture(Picture(np.zeros((28, 28)), "Test image #3"))
    controller.on_reply(explained())
    learned = controller.learned_kernel("conv1", 1)
    np.testing.assert_array_equal(learned.kernel, np.arange(18, dtype=float).reshape(3, 3, 1, 2)[:, :, 0, 1])
    assert learned.image.shape == (28, 28)
    assert "-0.2500" in learned.note and "relu" in learned.note and "same" in learned.note
    assert controller.learned_kernel("conv2", 0) is None


def test_a_dead_model_process_is_reported_and_nothing_waits_for_it(parts):
    controller, view, client = parts
    controller.open_model("/models/m.keras")
    controller.on_died("The model process ended unexpectedly (was killed).")
    assert controller.opened is None and controller.settled()
    view.show_error.assert_called_once()
