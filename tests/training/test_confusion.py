"""The confusion matrix a run reports at each epoch's end: a fixed, balanced sample of its test
part, predicted by the network as it stands at that epoch's end."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.training.tiny import tiny_config
from visualizer.training.confusion import sample_indices, shrunk_for_display
from visualizer.training.data import load_fashion_mnist, stratified_subset, to_model_input
from visualizer.training.events import ConfusionSample, EpochConfusion, RunFinished
from visualizer.training.run import run


def test_the_matrix_of_a_tiny_run_counts_what_the_saved_network_predicts(tmp_path):
    path = tmp_path / "model.keras"
    events: list = []
    result = run(tiny_config(train_limit=200, test_limit=300), events.append, save_to=path)
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    (sample,) = [event for event in events if isinstance(event, ConfusionSample)]
    (confusion,) = [event for event in events if isinstance(event, EpochConfusion)]
    assert confusion.epoch == 1 and confusion.predicted.dtype == np.uint8
    assert len(sample.labels) == sample.test_count == 300, "a test part under the limit is counted whole"
    counts = sample.counts(confusion, 10)
    assert counts.shape == (10, 10) and counts.sum() == 300
    # The saved network is the one of the epoch's end: the same images give the same matrix.
    data = load_fashion_mnist(tiny_config().data_dir, allow_download=False)
    np.testing.assert_array_equal(sample.labels, data.test_labels[sample.indices])
    model = keras.models.load_model(path)
    predicted = model.predict(to_model_input(data.test_images[sample.indices]), verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(confusion.predicted, predicted)
    expected = np.zeros((10, 10), np.int64)
    np.add.at(expected, (sample.labels, predicted), 1)
    np.testing.assert_array_equal(counts, expected)
    assert np.trace(counts) / 300 == pytest.approx(result.test_accuracy, abs=1e-6), "the whole test part: Keras's own accuracy"
    # Events in order: the sample before the first batch, the predictions after the epoch's end.
    kinds = [type(event).__name__ for event in events]
    assert kinds.index("ConfusionSample") < kinds.index("BatchEnd") < kinds.index("EpochEnd") < kinds.index("EpochConfusion")


def test_a_run_without_probes_sends_no_confusion_matrix():
    events: list = []
    run(tiny_config(), events.append, probes=False)
    assert not [event for event in events if isinstance(event, (ConfusionSample, EpochConfusion))]


def test_the_sample_is_balanced_and_lies_within_the_test_part_the_run_uses():
    labels = np.random.default_rng(3).integers(0, 10, size=5000)
    chosen = sample_indices(labels, 1000)
    assert len(chosen) == 1000 and np.all(np.diff(chosen) > 0)
    np.testing.assert_array_equal(np.bincount(labels[chosen], minlength=10), np.full(10, 100))
    used, _ = stratified_subset(np.arange(5000), labels, 2500, seed=None)  # a run's test_limit of 2,500
    assert set(chosen) <= set(used.tolist())
    assert len(sample_indices(labels[:7], 1000)) == 7 and len(sample_indices(labels[:0], 1000)) == 0


def test_large_pictures_are_shrunk_for_display_and_small_ones_kept():
    small = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    assert shrunk_for_display(small) is small
    photos = np.zeros((3, 64, 64, 3), np.uint8)
    photos[:, :2, :2] = 200  # one 2x2 block: one shrunk pixel
    shrunk = shrunk_for_display(photos)
    assert shrunk.shape == (3, 32, 32, 3) and shrunk.dtype == np.uint8
    assert shrunk[0, 0, 0, 0] == 200 and shrunk[0, 0, 1, 0] == 0 and shrunk[0, 1, 0, 0] == 0
