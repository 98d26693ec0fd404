"""The Keras callback that keeps each finished epoch of a run on disk (see saved_runs.py for the
files), so that a crash or a kill loses at most the epoch under way.

It saves the batch and epoch values that the run's RunRecorder keeps (recording.py) after every
epoch that ran all its batches and did not diverge. The epoch is saved once every callback has seen
its end (at the next epoch's start, or when training ends), so that its EpochEnd, sent by another
callback, is in the history whatever the order of the callbacks. Autosave is a convenience: when it cannot write (a full or read-only disk)
it says so once with an AutosaveOff event and the run trains on. Imports Keras: use it from run().
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import keras

from visualizer.training import saved_runs
from visualizer.training.config import TrainConfig
from visualizer.training.divergence import StopOnDivergence
from visualizer.training.events import AutosaveOff, RunFailed, RunFinished
from visualizer.training.recording import RunRecorder

log = logging.getLogger(__name__)


def autosave_callback(
    config: TrainConfig, root: Path | None, data_source: str, on_event, save_model, recorder: RunRecorder,
    divergence: StopOnDivergence | None = None,
) -> AutosaveCallback:
    """The callback of a new run autosaved under ``root``, or of the resumed run that
    ``config.resume_from`` names (it goes on saving into its own folder, and ``recorder`` starts
    from the values recorded before the run was cut off)."""
    if config.resume_from is None:
        return AutosaveCallback.start(config, Path(root), data_source, on_event, save_model, recorder, divergence)
    saved = saved_runs.read_run(Path(config.resume_from))
    if saved is None:
        raise FileNotFoundError(f"no autosaved run can be read in {config.resume_from}")
    recorder.carry_on_from(*saved.history())
    return AutosaveCallback(
        config=config,
        folder=saved.folder,
        on_event=on_event,
        save_model=save_model,
        recorder=recorder,
        epochs_done=saved.epochs_done,
        data_source=data_source,
        divergence=divergence,
    )


class AutosaveCallback(keras.callbacks.Callback):
    """Saves the model, the history and the run's description after each complete epoch.

    ``folder`` is the run's own folder; a resumed run passes its saved folder and epochs. The
    history saved is what ``recorder`` has kept. An epoch after which ``divergence`` (the run's
    divergence.StopOnDivergence) has stopped the run is not saved: its weights are broken.
    """

    def __init__(
        self,
        *,
        config: TrainConfig,
        folder: Path,
        on_event: Callable[[object], None],
        save_model: Callable[[object, Path], None],
        recorder: RunRecorder,
        epochs_done: int = 0,
        data_source: str = "",
        divergence: StopOnDivergence | None = None,
    ) -> None:
        super().__init__()
        self._config = config
        self.folder = folder
        self._emit = on_event
        self._save_model = save_model
        self.epochs_done = epochs_done
        self._recorder = recorder
        self._data_source = data_source
        self._batches_this_epoch = 0
        self._steps = 0
        self._divergence = divergence
        self._ended_epoch: int | None = None  # the 0-based epoch that ended whole, not saved yet
        self.failure: str | None = None  # why autosave is off, once it is

    @classmethod
    def start(
        cls, config: TrainConfig, root: Path, data_source: str, on_event, save_model, recorder: RunRecorder,
        divergence: StopOnDivergence | None = None,
    ) -> AutosaveCallback:
        """A new run: prune the old ones, make its folder and mark it running."""
        callback = cls(config=config, folder=root, on_event=on_event, save_model=save_model, recorder=recorder,
                       data_source=data_source, divergence=divergence)

        def begin() -> None:
            root.mkdir(parents=True, exist_ok=True)
            saved_runs.prune(root, saved_runs.KEEP_RUNS - 1)
            callback.folder = saved_runs.new_run_folder(root)
            saved_runs.write_run(callback.folder, config, data_source, 0, saved_runs.RUNNING)

        callback._write(begin)
        return callback

    def on_train_begin(self, logs=None):
        self._steps = int(self.params.get("steps") or 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._save_ended_epoch()
        self._batches_this_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_this_epoch = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        if self._batches_this_epoch < self._steps:  # stopped mid-epoch: the last whole one stays
            return
        self._ended_epoch = epoch

    def on_train_end(self, logs=None):
        self._save_ended_epoch()

    def _save_ended_epoch(self) -> None:
        epoch, self._ended_epoch = self._ended_epoch, None
        if epoch is None or (self._divergence is not None and self._divergence.diverged):
            return
        self.epochs_done = epoch + 1
        self._write(self._save_epoch)

    def _save_epoch(self) -> None:
        saved_runs.remove_stale_temporaries(self.folder)
        self._save_model(self.model, self.folder / saved_runs.MODEL_FILE)
        saved_runs.write_history(self.folder, self._recorder.batches, self._recorder.epochs)
        # run.json last: it names the epochs done only once their model and history are whole.
        saved_runs.write_run(self.folder, self._config, self._data_source, self.epochs_done, saved_runs.RUNNING)

    def finish(self, result: RunFinished | RunFailed) -> None:
        """Mark the run as ended, so it is not offered for resuming."""
        if isinstance(result, RunFailed):
            status = saved_runs.FAILED
        elif result.stopped_early:
            status = saved_runs.STOPPED
        else:
            status = saved_runs.FINISHED
        self._write(
            lambda: saved_runs.write_run(self.folder, self._config, self._data_source, self.epochs_done, status)
        )

    def _write(self, write: Callable[[], None]) -> None:
        if self.failure is not None:
            return
        try:
            write()
        except OSError as error:
            log.exception("autosave failed in %s", self.folder)
            self.failure = (
                f"Autosave is off for this run: {error}. Training goes on; save the model "
                "when it ends, or free some space or choose a writable autosave folder."
            )
            self._emit(AutosaveOff(self.failure))
