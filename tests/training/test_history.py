"""A run's history: the curves' points recovered from running means, and its CSV."""

import csv
import io

import numpy as np
import pytest

from visualizer.training.events import BatchEnd, EpochEnd
from visualizer.training.history import SMOOTHING, RunHistory


def _batch(epoch, batch, loss, accuracy, steps=10):
    return BatchEnd(epoch, batch, steps, loss, accuracy, 100.0, float(batch))


def test_history_recovers_the_mean_between_reports_from_running_means():
    history = RunHistory()
    # batch losses 4, 2, 3, 1: running means 4, 3, 3, 2.5; reported after batches 1, 3 and 4
    for batch, running_mean in ((1, 4.0), (3, 3.0), (4, 2.5)):
        history.add_batch(_batch(1, batch, running_mean, 0.5))
    np.testing.assert_allclose(history.batch("loss"), [4.0, 2.5, 1.0])  # (3*3 - 1*4) / 2 = 2.5
    np.testing.assert_allclose(history.batch("x"), [0.1, 0.3, 0.4])
    smooth = history.batch("smooth_loss")
    assert smooth[0] == 4.0
    # the second report covers two batches, so the past weighs SMOOTHING squared
    assert smooth[1] == pytest.approx(SMOOTHING**2 * 4.0 + (1 - SMOOTHING**2) * 2.5)
    assert smooth[2] == pytest.approx(SMOOTHING * smooth[1] + (1 - SMOOTHING) * 1.0)
    history.add_batch(_batch(2, 1, 0.7, 0.9))  # a new epoch restarts the running mean
    assert history.batch("loss")[-1] == pytest.approx(0.7)
    assert history.batch("x")[-1] == pytest.approx(1.1)


def test_history_grows_beyond_its_first_buffer():
    history = RunHistory()
    for batch in range(1, 1001):
        history.add_batch(_batch(1, batch, 1.0, 0.5, steps=1000))
    assert history.batch_count == 1000
    np.testing.assert_allclose(history.batch("loss"), 1.0)


def test_csv_has_one_row_per_batch_report_and_per_epoch():
    history = RunHistory()
    history.add_batch(_batch(1, 5, 0.9, 0.6))
    history.add_batch(_batch(1, 10, 0.7, 0.7))
    history.add_epoch(EpochEnd(1, 0.7, 0.7, 0.65, 0.75, 12.5))
    rows = list(csv.DictReader(io.StringIO(history.to_csv())))
    assert [row["kind"] for row in rows] == ["batch", "batch", "epoch"]
    assert float(rows[1]["loss"]) == pytest.approx(0.5)  # (10*0.7 - 5*0.9) / 5
    assert float(rows[1]["x_epochs"]) == pytest.approx(1.0)
    assert rows[2]["epoch"] == "1" and float(rows[2]["val_accuracy"]) == pytest.approx(0.75)
    assert rows[2]["batch"] == "" and float(rows[2]["elapsed_s"]) == pytest.approx(12.5)
