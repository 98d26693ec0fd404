"""A model whose file holds a run this app recorded is evaluated on that run's own test part; a test
part that cannot be read again is said in words and the controller falls back to what it does for
any model (Fashion-MNIST's test split where it fits, else a sample picture and a folder to open).
The controller with no window, as in test_controller.py; the real window is in test_run_test_set_live.py."""

from __future__ import annotations

import dataclasses
from unittest.mock import MagicMock

import numpy as np
import pytest

from tests.ui.inspector.test_controller import emit, opened
from visualizer.inspection import protocol as s
from visualizer.inspection.report import RunData
from visualizer.ui.inspector.controller import InspectorController
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.test_sets import RUN_TEST_TITLE, TestSet, default_test_set, light_on_dark
from visualizer.ui.inspector.view import InspectorView, Picture

SHAPES = ("circles", "squares", "stripes")
GONE = "The folder /pictures/shapes of class sub-folders does not exist."


def recorded(classes=3, light=False) -> s.ModelOpened:
    """A model opened from a file that holds a recorded run of a folder of pictures."""
    plain = opened(classes=classes, input_range=(0.0, 1.0))
    report = dataclasses.replace(plain.report, run_data=RunData("your pictures in /pictures/shapes", light))
    return dataclasses.replace(plain, report=report)


def evaluated(count=6, names=SHAPES, source="the run's own test part of your pictures in /pictures/shapes") -> s.Evaluated:
    labels = np.arange(count) % len(names)
    probabilities = np.eye(len(names))[labels]
    return s.Evaluated(1, np.zeros((count, 28, 28), np.uint8), labels, probabilities, names, source, 0.1)


@pytest.fixture
def parts():
    view = MagicMock(spec=InspectorView)
    view.sample_picture.return_value = Picture(np.ones((28, 28)), "A sample")
    client = MagicMock(spec=ModelClient)
    client.replied, client.died = MagicMock(), MagicMock()
    controller = InspectorController(view, client)
    emit(view.modelOpenRequested, "/models/run.keras", False, True)
    return controller, view, client


def test_a_recorded_run_is_evaluated_on_its_own_test_part_and_says_so(parts):
    controller, view, client = parts
    emit(client.replied, recorded())
    client.evaluate.assert_called_once_with(run_test=True)
    title, tip, available = view.show_default_test_set.call_args.args
    assert title == RUN_TEST_TITLE and available and "/pictures/shapes" in tip and "split" in tip
    view.sample_picture.assert_not_called()  # the test part's first image becomes the picture
    emit(client.replied, evaluated())
    assert "Evaluated 6 images from the run's own test part" in view.show_status.call_args.args[0]
    assert controller.evaluation.class_names == SHAPES and len(controller.evaluation) == 6
    assert controller.picture.title == "Test image #0"


def test_evaluate_top_images_and_the_range_check_use_the_run_test_part_until_a_folder_is_chosen(parts):
    controller, view, client = parts
    emit(client.replied, recorded())
    emit(client.replied, evaluated())
    client.evaluate.reset_mock()
    emit(view.evaluateRequested, None)  # the Evaluate button
    client.evaluate.assert_called_once_with(run_test=True)
    emit(view.topImagesRequested, "conv1")
    client.top_images.assert_called_once_with("conv1", run_test=True)
    emit(client.replied, evaluated())
    emit(view.rangeCheckRequested)
    assert client.check_ranges.call_args.kwargs == {"run_test": True}
    emit(view.evaluateRequested, "/tests/other")
    client.evaluate.assert_called_with(folder="/tests/other")
    assert controller.test_set == TestSet("/tests/other")


def test_a_test_part_that_cannot_be_read_falls_back_to_fashion_mnist_where_it_fits(parts):
    controller, view, client = parts
    emit(client.replied, recorded(classes=10, light=True))
    client.evaluate.assert_called_once_with(run_test=True)
    emit(client.replied, s.Failed("Evaluate", GONE))
    view.show_error.assert_not_called()
    warning = view.show_warning.call_args.args[0]
    assert "run's own test part cannot be read again" in warning and GONE in warning and "Fashion-MNIST" in warning
    client.evaluate.assert_called_with(folder=None)
    assert controller.test_set.built_in and controller.evaluating
    title, _, available = view.show_default_test_set.call_args.args
    assert title == "the test set" and available
    emit(client.replied, evaluated(10, tuple(str(i) for i in range(10)), "Fashion-MNIST from /data"))
    final = view.show_warning.call_args.args[0]  # the banner keeps saying why, with what was evaluated
    assert "cannot be read again" in final and "Evaluated 10 images from Fashion-MNIST" in final
    client.evaluate.reset_mock()
    emit(view.evaluateRequested, None)
    client.evaluate.assert_called_once_with(folder=None)  # not the unreadable test part again


def test_a_test_part_that_cannot_be_read_leaves_a_sample_picture_where_fashion_mnist_does_not_fit(parts):
    controller, view, client = parts
    emit(client.replied, recorded(classes=3))
    emit(client.replied, s.Failed("Evaluate", GONE))
    client.evaluate.assert_called_once()  # only the run's test part was asked for
    assert not controller.evaluating and controller.test_set.built_in
    view.sample_picture.assert_called_once_with(rgb=False)
    warning = view.show_warning.call_args.args[0]
    assert GONE in warning and "Fashion-MNIST has 10 classes and this model has 3: open a folder" in warning
    title, tip, available = view.show_default_test_set.call_args.args
    assert not available and tip == warning  # the tab says why too, under its "what to do" text
    view.show_progress.assert_called_with(0, 0)  # the progress bar goes


def test_a_model_opened_afresh_tries_its_run_test_part_again(parts):
    controller, view, client = parts
    emit(client.replied, recorded())
    emit(client.replied, s.Failed("Evaluate", GONE))
    client.evaluate.reset_mock()
    emit(view.modelOpenRequested, "/models/run.keras", False, True)
    emit(client.replied, recorded())
    client.evaluate.assert_called_once_with(run_test=True)


def test_drawings_are_inverted_only_for_a_run_on_light_on_dark_data():
    report = recorded(light=True).report
    assert light_on_dark(report, TestSet(run=True))
    assert not light_on_dark(recorded(light=False).report, TestSet(run=True))
    assert not light_on_dark(report, TestSet("/tests/photos"))
    assert default_test_set(report, None).test_set == TestSet(run=True)
    assert default_test_set(report, GONE).test_set == TestSet()
