"""An evaluation under way when the weights or the pixel scale change is closed by the model
process (tests/inspection/test_server_loop.py); the controller asks for it again rather than wait
for an answer that never comes."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np

from tests.ui.inspector.test_controller import NAMES, emit, opened
from visualizer.inspection import protocol as s
from visualizer.ui.inspector.controller import InspectorController
from visualizer.ui.inspector.link import ModelClient
from visualizer.ui.inspector.view import InspectorView


def evaluating_controller(folder=None):
    view = MagicMock(spec=InspectorView)
    client = MagicMock(spec=ModelClient)
    client.replied, client.died = MagicMock(), MagicMock()
    controller = InspectorController(view, client)
    emit(view.modelOpenRequested, "/models/m.keras", False, True)
    emit(client.replied, opened(input_range=(0.0, 1.0)))
    emit(view.evaluateRequested, folder)
    assert controller.evaluating
    client.evaluate.reset_mock()
    return controller, view, client


def test_randomising_or_restoring_asks_again_for_an_evaluation_under_way():
    for reply in (s.Randomised(("output",), "conv1"), s.Randomised((), "output")):  # Randomise, Restore
        controller, view, client = evaluating_controller(folder="/tests/pets")
        emit(client.replied, reply)
        client.evaluate.assert_called_once_with(folder="/tests/pets")
        assert controller.evaluating and not controller.settled()


def test_a_new_input_range_asks_again_for_an_evaluation_under_way():
    controller, view, client = evaluating_controller()
    emit(view.inputRangeChosen, "[0, 255]")
    client.evaluate.assert_called_once_with(folder=None)


def test_a_finished_evaluation_is_not_asked_for_again():
    controller, view, client = evaluating_controller()
    images = np.zeros((2, 28, 28), np.uint8)
    emit(client.replied, s.Evaluated(9, images, np.array([0, 1]), np.eye(10)[[0, 1]], NAMES, "subset", 0.1))
    emit(client.replied, s.Randomised(("output",), "conv1"))
    client.evaluate.assert_not_called()


def test_a_finished_evaluation_is_made_again_under_a_new_input_range():
    controller, view, client = evaluating_controller(folder="/tests/pets")
    images = np.zeros((2, 28, 28), np.uint8)
    emit(client.replied, s.Evaluated(9, images, np.array([0, 1]), np.eye(10)[[0, 1]], NAMES, "subset", 0.1))
    emit(view.inputRangeChosen, "[0, 255]")
    client.evaluate.assert_called_once_with(folder="/tests/pets")  # its accuracy was for the pixels scaled the old way
    assert controller.evaluating
