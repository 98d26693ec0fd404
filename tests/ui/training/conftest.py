"""Fixtures of the training page's tests: the controller's mocks of its view and its link."""

from unittest.mock import MagicMock

import pytest

from visualizer.training import data, datasets
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


@pytest.fixture
def bundled_data_only(tmp_path, monkeypatch):
    """The data choices offered are the bundled subset and the folder entry only: no Keras cache,
    no Debian package and no folder from the environment is found."""
    monkeypatch.setattr(datasets, "KERAS_DATASETS_DIR", tmp_path / "no-keras-cache")
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "no-keras-cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
