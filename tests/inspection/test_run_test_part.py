"""A run this app recorded in its model file names its data; the model process evaluates the model
on that run's own test part, read again and split exactly as the run split it (the same seed, the
same stratified split, the same test limit), with its class names; data that cannot be read again
fails in words. Trains one tiny model on a made-up folder of pictures (one epoch)."""

from __future__ import annotations

import json
import shutil
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest

from tests.training.test_image_folder import write_pictures
from tests.training.tiny import DATA_DIR, copy_archive, record_tiny_run, tiny_config
from visualizer.inspection.protocol import Evaluate, Evaluated, ModelOpened, OpenModel
from visualizer.inspection.report import recorded_config, run_data
from visualizer.inspection.server import _advance
from visualizer.inspection.session import ModelSession
from visualizer.training.data import DataError
from visualizer.training.datasets import load_test_part
from visualizer.training.image_folder import load_image_folder_dataset
from visualizer.training.recording_file import DESCRIPTION_ENTRY
from visualizer.training.run import prepare_data

CLASSES = {"circles": 12, "squares": 10, "stripes": 8}


@pytest.fixture(scope="module")
def run_on_a_folder(tmp_path_factory):
    """(model file, picture folder): a one-epoch run on 30 made-up colour pictures of three classes."""
    root = tmp_path_factory.mktemp("run-on-a-folder")
    folder = write_pictures(root / "shapes", CLASSES)
    path = root / "shapes.keras"
    record_tiny_run(path, dataset="folder", data_dir=str(folder), train_limit=None, test_limit=None, seed=3)
    return path, folder


def evaluate(session: ModelSession, replies: list, request: Evaluate) -> list:
    """Every step of ``request``, as the model process takes them; what it sent, Failed included."""
    replies.clear()
    job = session.evaluate(request)
    while _advance(SimpleNamespace(put=replies.append), "Evaluate", job):
        pass
    return replies


@pytest.mark.slow  # trains a tiny model once, then opens it in Keras
def test_the_model_is_evaluated_on_its_runs_own_test_part_with_its_class_names(run_on_a_folder):
    path, folder = run_on_a_folder
    replies: list = []
    session = ModelSession(replies.append)
    session.open(OpenModel(str(path)))
    opened = replies[-1]
    assert isinstance(opened, ModelOpened), opened
    report = opened.report
    assert report.run_data is not None and report.run_data.words == f"your pictures in {folder}"
    assert not report.run_data.light_on_dark
    assert report.input_range == (0.0, 1.0), "the app trains on pixels in [0, 1]"

    evaluated = evaluate(session, replies, Evaluate(1, run_test=True))[-1]
    assert isinstance(evaluated, Evaluated), evaluated
    expected = load_image_folder_dataset(folder, seed=3)  # the run's split: its seed, stratified
    assert len(evaluated.labels) == len(expected.test_labels) == 6  # 2 of 12, 2 of 10 and 2 of 8
    np.testing.assert_array_equal(evaluated.labels, expected.test_labels)
    np.testing.assert_array_equal(evaluated.images, expected.test_images)
    assert evaluated.class_names == tuple(CLASSES)
    assert evaluated.source.startswith(f"the run's own test part of your pictures in {folder}")
    assert "seed 3" in evaluated.source and not evaluated.light_on_dark
    assert evaluated.probabilities.shape == (6, 3)


@pytest.mark.slow  # trains a tiny model once, then opens it in Keras
def test_a_folder_that_has_gone_fails_in_words(run_on_a_folder, tmp_path):
    path, folder = run_on_a_folder
    moved = tmp_path / "shapes-moved"
    shutil.move(str(folder), moved)
    try:
        replies: list = []
        session = ModelSession(replies.append)
        session.open(OpenModel(str(path)))
        failed = evaluate(session, replies, Evaluate(2, run_test=True))[-1]
    finally:
        shutil.move(str(moved), folder)
    assert type(failed).__name__ == "Failed" and failed.request == "Evaluate"
    assert failed.message == f"the folder of pictures it trained on, {folder}, has gone (moved, renamed or deleted)."


@pytest.mark.slow  # trains a tiny model once, then opens it in Keras
def test_a_model_without_a_recorded_run_has_no_run_test_part(run_on_a_folder, tmp_path):
    path, _ = run_on_a_folder

    def script_run(name, data):  # a script's run (the LiveView callback) records no settings
        if name != DESCRIPTION_ENTRY:
            return data
        description = json.loads(data)
        description["config"] = None
        return json.dumps(description).encode()

    script = copy_archive(path, tmp_path / "script.keras", script_run)
    assert recorded_config(script) is None and run_data(None) is None
    replies: list = []
    session = ModelSession(replies.append)
    session.open(OpenModel(str(script)))
    assert replies[-1].report.run_data is None
    failed = evaluate(session, replies, Evaluate(1, run_test=True))[-1]
    assert failed.request == "Evaluate" and "no recorded run" in failed.message
    plain = copy_archive(path, tmp_path / "plain.keras", lambda name, data: None if name.startswith("recording/") else data)
    assert recorded_config(plain) is None
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 cut short")
    assert recorded_config(tmp_path / "broken.keras") is None
    with zipfile.ZipFile(tmp_path / "odd.keras", "w") as odd:
        odd.writestr(DESCRIPTION_ENTRY, json.dumps({"config": {"epochs": 0}}))  # settings that cannot be
    assert recorded_config(tmp_path / "odd.keras") is None


def test_the_test_part_is_the_one_the_run_tested_on_under_a_test_limit():
    config = tiny_config(test_limit=32)
    part = load_test_part(config)
    prepared = prepare_data(config)
    assert len(part.test_labels) == 32
    np.testing.assert_array_equal(part.test_labels, prepared.y_test)
    np.testing.assert_array_equal(part.test_images.astype(np.float32)[..., None] / 255, prepared.x_test)
    assert "using 32 test images" in part.source
    words = run_data(config)
    assert words.words == f"Fashion-MNIST from {DATA_DIR}" and words.light_on_dark


def test_a_folders_size_left_to_be_chosen_is_the_networks(tmp_path):
    folder = write_pictures(tmp_path / "shapes", CLASSES)
    config = tiny_config(dataset="folder", data_dir=str(folder), test_limit=3, train_limit=None, seed=3)
    part = load_test_part(config, image_size=(20, 18))
    assert part.test_images.shape == (3, 20, 18, 3)
    assert sorted(part.test_labels.tolist()) == [0, 1, 2], "a class-balanced cut, as the run makes it"
    full = load_test_part(tiny_config(dataset="folder", data_dir=str(folder), test_limit=None, seed=3), (20, 18))
    assert len(full.test_labels) == 6
    sized = load_test_part(tiny_config(dataset="folder", data_dir=str(folder), image_size=(12, 12), seed=3), (20, 18))
    assert sized.test_images.shape[1:3] == (12, 12), "a size the run was given is kept"
    with pytest.raises(DataError, match="gone is not a folder"):
        load_test_part(tiny_config(dataset="folder", data_dir=str(tmp_path / "gone")))
