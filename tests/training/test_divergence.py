"""Stopping a diverging run: the callback on scripted loss sequences, then real tiny runs, one
that diverges and normal ones that must not be stopped, and the command line's exit."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tests.training.tiny import DATA_DIR, tiny_config, types_of
from visualizer.training.cli import main
from visualizer.training.divergence import StopOnDivergence
from visualizer.training.events import BatchEnd, EpochEnd, RunFailed, RunFinished, Status
from visualizer.training.run import run


def play(losses, *, steps_per_epoch=None, **options) -> tuple[StopOnDivergence, int]:
    """Feed the running losses to a fresh callback as Keras would, stopping when it asks;
    returns the callback and how many batches ran."""
    callback = StopOnDivergence(**options)
    model = SimpleNamespace(stop_training=False, stop_evaluating=False)
    callback.set_model(model)
    steps = steps_per_epoch or len(losses)
    ran = 0
    for index, loss in enumerate(losses):
        epoch, batch = divmod(index, steps)
        if batch == 0:
            callback.on_epoch_begin(epoch)
        callback.on_train_batch_end(batch, {"loss": loss, "accuracy": 0.1})
        ran += 1
        if model.stop_training:
            break
    return callback, ran


def test_a_nan_loss_stops_after_that_batch_and_says_so():
    callback, ran = play([2.30, 2.28, math.nan, 2.2, 2.1], learning_rate=0.5, optimizer="sgd")
    assert ran == 3 and callback.diverged
    assert (callback.epoch, callback.batch) == (1, 3)
    assert "epoch 1, batch 3" in callback.reason and "NaN" in callback.reason
    assert "smaller learning rate, e.g. 0.01 for SGD" in callback.reason
    assert "this run used 0.5" in callback.reason


def test_an_infinite_loss_stops_too():
    callback, ran = play([2.3, np.float32("inf"), 2.0])
    assert ran == 2 and "infinite" in callback.reason
    assert "Try a smaller learning rate." in callback.reason  # no rate known, no number made up


def test_a_nan_first_batch_stops_at_once():
    callback, ran = play([math.nan, 2.3])
    assert ran == 1 and callback.diverged and callback.start_loss is None


def test_an_exploding_loss_stops_at_the_first_batch_above_five_times_the_start():
    # shaped like SGD at learning rate 10 on TensorFlow (2.32, 15.9, 6.2e4, 9e5, ...), with a
    # second batch still under the ceiling
    callback, ran = play([2.32, 8.0, 6.2e4, 8.95e5, 7.3e5], learning_rate=10.0, optimizer="sgd")
    assert ran == 3
    assert callback.loss == pytest.approx(6.2e4)
    assert callback.reason.startswith("Training diverged at epoch 1, batch 3: the loss became 6.2e+04 "
                                      "(it started near 2.32)")
    assert "e.g. 0.01 for SGD (this run used 10)" in callback.reason


def test_the_suggested_rate_is_a_tenth_when_the_default_is_not_smaller():
    callback, _ = play([2.3, 1e9], learning_rate=0.0005, optimizer="adam")
    assert "e.g. 5e-05 for Adam" in callback.reason


def test_a_divergence_in_a_later_epoch_names_that_epoch():
    losses = [2.3, 2.0, 1.8, 1.7] + [1.5, 1.4, 400.0, 300.0]
    callback, ran = play(losses, steps_per_epoch=4)
    assert ran == 7 and (callback.epoch, callback.batch) == (2, 3)


@pytest.mark.parametrize("losses", [
    [2.32 * 0.98**i for i in range(100)],  # a normal decreasing run
    [2.3, 2.26, 3.14, 3.05, 2.91, 3.02, 2.92, 2.85, 2.79, 2.36, 2.34, 2.33],  # SGD at 1.0: noisy, not diverging
    [2.3, 7.0, 5.0, 4.0, 3.0, 2.5],  # a wild second batch, still short of five times the start
    [2.64, 2.63, 2.65, 2.38, 2.09, 0.84, 0.87, 1.11, 0.97],  # the fully connected net at Adam 0.01
])
def test_normal_runs_are_never_stopped(losses):
    rng = np.random.default_rng(0)
    noisy = [loss * (1 + 0.2 * rng.standard_normal()) for loss in losses]
    for sequence in (losses, noisy):
        callback, ran = play(sequence)
        assert not callback.diverged and ran == len(sequence), callback.reason


def test_a_run_that_starts_low_is_judged_against_five_times_chance_not_its_start():
    callback, _ = play([0.2, 0.5, 3.0, 2.5])  # a rise from 0.2 to 3: bad, but not diverged
    assert not callback.diverged
    assert callback.ceiling == pytest.approx(5 * math.log(10))


def test_a_loss_saturated_by_clipped_probabilities_counts_as_diverged():
    # JAX and PyTorch clip probabilities at 1e-7, so SGD at learning rate 10 plateaus near 13-15
    # there instead of exploding: running means from the bundled subset on JAX.
    callback, ran = play([2.34, 6.1, 9.0, 10.9, 12.0, 12.6, 13.1])
    assert callback.diverged and ran == 5 and "the loss became 12 " in callback.reason


def test_missing_or_odd_logs_are_ignored():
    callback, ran = play([None, "n/a", 2.3, 2.2])
    assert ran == 4 and not callback.diverged and callback.start_loss == 2.3
    callback.on_train_batch_end(4, None)
    assert not callback.diverged


def test_after_diverging_the_validation_pass_stops_after_one_batch():
    callback, _ = play([2.3, math.inf])
    callback.model.stop_evaluating = False  # as Keras sets it when evaluation begins
    callback.on_test_batch_end(0, {"loss": math.nan})
    assert callback.model.stop_evaluating
    calm, _ = play([2.3, 2.2])
    calm.on_test_batch_end(0, {"loss": 2.2})
    assert not calm.model.stop_evaluating


def _remove_saved(result) -> None:
    if isinstance(result, RunFinished) and result.model_path:
        shutil.rmtree(Path(result.model_path).parent, ignore_errors=True)


@pytest.mark.slow
def test_sgd_at_learning_rate_10_stops_in_its_first_epoch_with_the_message():
    events: list = []
    config = tiny_config(optimizer="sgd", learning_rate=10.0, epochs=3)
    result = run(config, events.append, probes=False)
    assert isinstance(result, RunFailed), result
    assert events[-1] is result
    assert result.message.startswith("Training diverged at epoch 1, batch ")
    assert "smaller learning rate, e.g. 0.01 for SGD" in result.message
    assert not result.traceback
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert {b.epoch for b in batches} == {1}
    steps = batches[0].steps_per_epoch
    stopped_at = batches[-1]
    assert stopped_at.batch < steps, "stopped within the first epoch"
    assert f"batch {stopped_at.batch}:" in result.message  # the batch it stopped at is on the curve
    assert not math.isfinite(stopped_at.loss) or stopped_at.loss > 5 * 2.3
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1]
    assert "RunFinished" not in types_of(events)
    assert not [e for e in events if isinstance(e, Status) and "Saving" in e.text], "a diverged model is not saved"


@pytest.mark.slow
@pytest.mark.parametrize("changes", [
    dict(),  # the seed's settings: Adam at 0.001
    dict(optimizer="sgd", learning_rate=0.01),
    dict(optimizer="sgd", learning_rate=1.0),  # the largest rate the page offers: noisy, but no divergence
    dict(model="fc", learning_rate=0.01),
    dict(optimizer="rmsprop"),
])
def test_normal_settings_are_never_stopped_on_the_bundled_subset(changes):
    config = tiny_config(epochs=2, train_limit=160, batch_size=16, test_limit=16, **changes)
    result = run(config, lambda event: None, probes=False)
    _remove_saved(result)
    assert isinstance(result, RunFinished), getattr(result, "message", result)
    assert not result.stopped_early and result.epochs_completed == 2


@pytest.mark.slow
def test_the_command_line_prints_the_reason_and_exits_non_zero(capsys, tmp_path):
    out = tmp_path / "model.keras"
    code = main(["--optimizer", "sgd", "--learning-rate", "10", "--epochs", "2", "--limit", "64",
                 "--test-limit", "16", "--batch-size", "8", "--data", DATA_DIR, "--no-download",
                 "--seed", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "cnn-visualizer train: Training diverged at epoch 1, batch " in captured.err
    assert "smaller learning rate" in captured.err
    assert "model saved" not in captured.out and not out.exists()
