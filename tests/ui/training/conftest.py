"""Fixtures of the training page's tests: the controller's mocks of its view and its link."""

from unittest.mock import MagicMock

import pytest

from visualizer.ui.training.link import RunDriver
from visualizer.ui.training.view import TrainingView


@pytest.fixture
def view():
    return MagicMock(spec=TrainingView)


@pytest.fixture
def driver():
    mock = MagicMock(spec=RunDriver)
    mock.running = False
    return mock
