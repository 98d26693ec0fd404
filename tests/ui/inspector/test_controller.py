"""The inspector's controller with no window: the user's requests arrive as the view's signals and
the replies as the model client's, checked by what it asks of the view and of the client (both
mocks; ``emit`` calls the slots the controller connected, so the wiring is tested too)."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np
import pytest
from PyQt6.QtCore import pyqtSignal

from visualizer.inspection import protocol as s
from visualizer.inspection.report import LoaderReport
from visualizer.ui.inspector.controller import InspectorController
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.view import InspectorView, Picture

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


def emit(signal, *args) -> None:
    """What Qt does when ``signal`` (a mock's) is emitted: every slot connected to it is called."""
    slots = [call.args[0] for call in signal.connect.call_args_list]
    assert slots, "nothing is connected to this signal"
    for slot in slots:
        slot(*args)


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
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    client.open_model.assert_called_once_with("/models/m.keras", unsafe=False)
    assert not controller.settled()
    emit(client.replied, opened())
    view.show_model.assert_called_once()
    view.ask_input_range.assert_called_once_with(("[0, 1]", "[0, 255]", "[-1, 1]"), "[0, 1]")
    client.set_input_range.assert_called_once_with((0.0, 1.0))
    client.evaluate.assert_called_once()
    assert controller.evaluating and not controller.settled()


def test_a_model_that_says_its_range_is_not_asked_and_another_gets_a_sample_picture(parts):
    controller, view, client = parts
    view.sample_picture.return_value = Picture(np.ones((5, 5, 3)), "A cat")
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened(classes=3, input_range=(0.0, 255.0)))
    view.ask_input_range.assert_not_called()
    client.evaluate.assert_not_called()
    view.sample_picture.assert_called_once_with(rgb=False)
    pixels = client.explain.call_args.args[0]
    assert pixels.shape == (5, 5, 3)


def test_a_model_holding_code_is_opened_only_after_the_user_agrees(parts):
    controller, view, client = parts
    view.confirm_unsafe.return_value = True
    emit(view.modelOpenRequested, "/models/lambda.keras", False, True)
    emit(client.replied, s.OpenFailed("/models/lambda.keras", "it holds a Lambda layer", unsafe=True))
    view.confirm_unsafe.assert_called_once()
    client.open_model.assert_called_with("/models/lambda.keras", unsafe=True)


def test_from_the_command_line_a_model_holding_code_is_refused_without_asking(parts):
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/lambda.keras", False, False)
    emit(client.replied, s.OpenFailed("/models/lambda.keras", "it holds a Lambda layer", unsafe=True))
    view.confirm_unsafe.assert_not_called()
    assert controller.failure == "it holds a Lambda layer" and controller.settled()
    view.show_error.assert_called_once()


def test_a_bad_file_keeps_the_open_model_and_says_so(parts):
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    first = opened(classes=3, input_range=(0.0, 1.0))
    emit(client.replied, first)
    emit(view.modelOpenRequested, "/models/broken.keras", False, True)
    emit(client.replied, s.OpenFailed("/models/broken.keras", "broken.keras: it was cut short", unsafe=False))
    assert controller.opened is first
    message = view.show_error.call_args.args[0]
    assert "cut short" in message and "tiny stays open" in message
    assert message == "broken.keras: it was cut short. tiny stays open."  # two sentences, each with its full stop


def test_an_evaluation_becomes_the_test_set_and_its_first_image_the_picture(parts):
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened())
    images = np.random.default_rng(0).integers(0, 255, (6, 28, 28), dtype=np.uint8)
    probabilities = np.eye(10)[[1, 2, 3, 4, 5, 6]]
    emit(client.replied, s.Evaluated(5, images, np.array([1, 2, 3, 4, 5, 0]), probabilities, NAMES, "subset", 0.2))
    evaluation = view.show_evaluation.call_args.args[0]
    assert evaluation.accuracy == pytest.approx(5 / 6)
    assert not controller.evaluating
    np.testing.assert_array_equal(client.explain.call_args.args[0], images[0])
    assert controller.picture.true_label == 1 and controller.picture.test_index == 0
    emit(view.testImageChosen, 3)
    assert controller.picture.title == "Test image #3" and controller.picture.true_label == 4


def test_an_explanation_reaches_the_view_with_its_picture(parts):
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened(classes=10, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    assert controller.explaining
    controller.evaluating = False
    reply = explained(probabilities=np.eye(10)[7])
    emit(client.replied, reply)
    view.show_explanation.assert_called_once_with(reply, controller.picture, controller.opened)
    assert controller.settled()


def test_choosing_a_class_or_smoothgrad_explains_the_picture_again(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    emit(view.classChosen, 2)
    assert client.explain.call_args.args[1:] == (2, False)
    emit(view.smoothGradChanged, True)
    assert client.explain.call_args.args[1:] == (2, True)


def test_randomising_shows_the_layers_and_explains_again(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    calls = client.explain.call_count
    emit(view.randomiseRequested)
    client.randomise.assert_called_once()
    emit(client.replied, s.Randomised(("output",), "conv1"))
    view.show_randomisation.assert_called_once_with(("output",), "conv1")
    assert client.explain.call_count == calls + 1


def test_the_first_conv_kernel_is_offered_on_the_models_own_input(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=10, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.zeros((28, 28)), "Test image #3")
    emit(client.replied, explained())
    learned = controller.learned_kernel("conv1", 1)
    np.testing.assert_array_equal(learned.kernel, np.arange(18, dtype=float).reshape(3, 3, 1, 2)[:, :, 0, 1])
    assert learned.image.shape == (28, 28)
    assert "-0.2500" in learned.note and "relu" in learned.note and "same" in learned.note
    assert controller.learned_kernel("conv2", 0) is None


def test_a_dead_model_process_is_reported_and_nothing_waits_for_it(parts):
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.died, "The model process ended unexpectedly (was killed).")
    assert controller.opened is None and controller.settled()
    view.show_error.assert_called_once()


def test_the_controller_connects_every_signal_the_view_declares_and_the_clients(parts):
    controller, view, client = parts
    declared = [name for name, member in vars(InspectorView).items() if isinstance(member, pyqtSignal)]
    assert len(declared) >= 10
    for name in declared:
        assert getattr(view, name).connect.called, name
    assert client.replied.connect.called and client.died.connect.called


def test_opening_another_model_forgets_the_picture_drawn_for_the_one_before(parts):
    controller, view, client = parts
    view.sample_picture.return_value = Picture(np.ones((5, 5)), "A camera")
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.pictureDrawn, np.full((28, 28), 0.5))
    assert controller.picture.drawn and controller.picture.title == "Your drawing"
    emit(view.modelOpenRequested, "/models/other.keras", False, True)
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    assert not controller.picture.drawn and controller.picture.title == "A camera"
    np.testing.assert_array_equal(client.explain.call_args.args[0], np.ones((5, 5)))


def test_a_ten_class_model_opened_after_a_drawing_shows_its_first_test_image(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.pictureDrawn, np.full((28, 28), 0.5))
    emit(client.replied, opened(classes=10, input_range=(0.0, 1.0)))
    assert controller.picture is None
    images = np.zeros((2, 28, 28), np.uint8)
    emit(client.replied, s.Evaluated(5, images, np.array([4, 1]), np.eye(10)[[4, 1]], NAMES, "subset", 0.2))
    assert controller.picture.title == "Test image #0" and controller.picture.true_label == 4


def test_a_picture_opened_from_a_file_stays_for_the_next_model(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.full((28, 28), 7, np.uint8), "shoe.png")
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    assert controller.picture.title == "shoe.png"
    assert view.sample_picture.call_count == 1  # for the first model only, which had no picture yet


def everything_waiting(controller, view, client) -> None:
    """A model open and evaluating, a picture being explained, top images being found, a filter's
    picture being made, and another model being opened."""
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened())  # ten classes: Fashion-MNIST's test set is evaluated
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    emit(view.topImagesRequested, "conv1")
    emit(view.filterPictureRequested, "conv1", 0)
    emit(view.modelOpenRequested, "/models/other.keras", False, True)
    assert controller.evaluating and controller.explaining and controller.picture_running
    assert controller.finding_layer == "conv1" and controller.opening == "/models/other.keras"


REQUESTS = (s.OpenModel, s.SetInputRange, s.Explain, s.Evaluate, s.TopImages, s.MakePicture, s.StopPicture, s.Randomise,
            s.Restore)
WAITS = {  # what stops waiting when a request of the type fails; the other types leave everything as it was
    "OpenModel": lambda c: c.opening is None,
    "Explain": lambda c: not c.explaining,
    "Evaluate": lambda c: not c.evaluating,
    "TopImages": lambda c: c.finding_layer is None,
    "MakePicture": lambda c: not c.picture_running,
}


@pytest.mark.parametrize("request_type", REQUESTS, ids=lambda t: t.__name__)
def test_a_failed_request_of_any_type_is_shown_and_stops_only_its_own_wait(parts, request_type):
    controller, view, client = parts
    everything_waiting(controller, view, client)
    name = request_type.__name__
    emit(client.replied, s.Failed(name, "it went wrong", "Traceback…"))
    view.show_error.assert_called_with("it went wrong", "Traceback…")
    for other, stopped in WAITS.items():
        assert stopped(controller) == (other == name), other


def test_failures_that_end_a_wait_put_the_page_back_as_it_was_before(parts):
    controller, view, client = parts
    everything_waiting(controller, view, client)
    emit(client.replied, s.Failed("Evaluate", "no test set"))
    view.show_progress.assert_called_with(0, 0)  # the progress bar goes, Evaluate can be pressed again
    emit(client.replied, s.Failed("TopImages", "out of memory"))
    view.show_filters_unavailable.assert_called_with("out of memory")
    emit(client.replied, s.Failed("MakePicture", "no gradient"))
    view.show_filter_picture.assert_called_with(None, False)
    emit(client.replied, s.Failed("OpenModel", "not a model"))
    emit(client.replied, s.Failed("Explain", "bad picture"))
    assert controller.settled() and controller.failure == "not a model"


def test_a_failure_naming_no_request_type_leaves_nothing_waiting(parts):
    controller, view, client = parts
    everything_waiting(controller, view, client)
    emit(client.replied, s.Failed("explain a picture", "Open a model first, to explain a picture."))
    assert controller.settled() and not controller.picture_running
    view.show_error.assert_called_with("Open a model first, to explain a picture.", "")


def test_a_random_test_image_is_one_of_the_evaluated_set(parts):
    controller, view, client = parts
    emit(view.randomTestImageRequested)  # nothing evaluated yet: nothing to pick from
    client.explain.assert_not_called()
    emit(client.replied, opened())
    images = np.arange(5 * 28 * 28, dtype=np.uint8).reshape(5, 28, 28)
    emit(client.replied, s.Evaluated(5, images, np.arange(5), np.eye(10)[:5], NAMES, "subset", 0.2))
    controller.rng = np.random.default_rng(3)
    expected = int(np.random.default_rng(3).integers(5))
    emit(view.randomTestImageRequested)
    assert controller.picture.test_index == expected
    np.testing.assert_array_equal(client.explain.call_args.args[0], images[expected])


def test_the_predicted_class_and_a_test_folder_are_asked_for_by_none_and_a_path(parts):
    controller, view, client = parts
    emit(view.evaluateRequested, None)  # no model yet
    assert "Open a model first" in view.show_error.call_args.args[0]
    client.evaluate.assert_not_called()
    emit(client.replied, opened(classes=3, input_range=(0.0, 1.0)))
    emit(view.evaluateRequested, "/data/three-classes")
    client.evaluate.assert_called_once_with(folder="/data/three-classes")
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    emit(view.classChosen, 1)
    emit(view.classChosen, None)
    assert client.explain.call_args.args[1:] == (None, False)


def test_a_kernel_is_offered_for_stepping_through_or_the_reason_it_cannot_be_is_shown(parts):
    controller, view, client = parts
    emit(client.replied, opened(classes=10, input_range=(0.0, 1.0)))
    emit(view.imageOpened, np.zeros((28, 28)), "Mine")
    emit(client.replied, explained())
    emit(view.kernelStepThroughRequested, "conv1", 0)
    learned = view.offer_learned_kernel.call_args.args[0]
    np.testing.assert_array_equal(learned.kernel, controller.opened.conv_kernels[0].kernel[:, :, 0, 0])
    emit(view.kernelStepThroughRequested, "conv2", 0)
    assert "first conv layer" in view.show_error.call_args.args[0]
    assert view.offer_learned_kernel.call_count == 1


def test_an_evaluated_folder_is_named_once_in_the_status(parts, tmp_path):
    from PIL import Image

    from visualizer.inspection.evaluation import load_image_folder

    for name in NAMES[:3]:
        (tmp_path / name).mkdir()
        for index in range(2):
            Image.new("L", (5, 5), 40 * index).save(tmp_path / name / f"{index}.png")
    found = load_image_folder(tmp_path)
    controller, view, client = parts
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened())
    probabilities = np.eye(10)[found.labels]
    emit(client.replied, s.Evaluated(5, found.images, found.labels, probabilities, found.class_names, found.source, 0.5))
    assert view.show_status.call_args.args[0] == f"Evaluated 6 images from {tmp_path} in 0.5 s."


def test_the_model_process_is_started_ahead_when_the_page_says_it_is_due(parts):
    _, view, client = parts
    client.prestart.assert_not_called()
    emit(view.prestartDue)
    client.prestart.assert_called_once_with()
    client.open_model.assert_not_called()
