"""A recorded run: everything a finished run reported, kept so that it can be shown again as if it
had just happened (the training page's curves, replay and results) and compared with other runs.

No Keras and no Qt here: a recording is plain events (events.py) and the run's settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath

from visualizer.training.config import MODEL_TITLES, TrainConfig
from visualizer.training.data import FULL_TRAIN_COUNT
from visualizer.training.events import (
    BatchEnd,
    ConfusionSample,
    EpochConfusion,
    EpochEnd,
    ProbeSnapshot,
    RunFinished,
    RunStarted,
)


@dataclass(frozen=True)
class RunRecording:
    """One run as it was reported: its settings, its start, every batch and epoch report, the
    probe snapshot taken at the end of each epoch, the test sample of its confusion matrices and
    each epoch's predictions for it (none in runs recorded before the app kept them), and its
    final scores."""

    config: TrainConfig | None  # None: a script's run (LiveView), whose settings the app does not know
    title: str  # e.g. "CNN — 5 epochs", as the results table names the run
    started: RunStarted
    batches: tuple[BatchEnd, ...]
    epochs: tuple[EpochEnd, ...]
    snapshots: tuple[ProbeSnapshot, ...]  # end-of-epoch snapshots, in epoch order
    finished: RunFinished
    confusion_sample: ConfusionSample | None = None
    confusions: tuple[EpochConfusion, ...] = ()  # in epoch order

    def same_run(self, other: RunRecording) -> bool:
        """Both record the same run as far as it went: one kept by the window and the other read
        back from the file it was saved to (whose model path may differ, and NaN scores too)."""

        def described(recording: RunRecording) -> str:
            finished = replace(recording.finished, model_path=None)
            return repr((recording.title, recording.started, finished, len(recording.batches), recording.epochs))

        return described(self) == described(other)

    def events(self) -> list[object]:
        """The run's events in the order it reported them: started, its confusion sample, each
        epoch's batches then its end, its snapshot and its confusion, finished."""
        ordered: list[object] = [self.started]
        if self.confusion_sample is not None:
            ordered.append(self.confusion_sample)
        snapshots = {snapshot.epoch: snapshot for snapshot in self.snapshots}
        confusions = {confusion.epoch: confusion for confusion in self.confusions}
        batches = iter(self.batches)
        pending = next(batches, None)
        for epoch in self.epochs:
            while pending is not None and pending.epoch <= epoch.epoch:
                ordered.append(pending)
                pending = next(batches, None)
            ordered.append(epoch)
            if epoch.epoch in snapshots:
                ordered.append(snapshots[epoch.epoch])
            if epoch.epoch in confusions:
                ordered.append(confusions[epoch.epoch])
        while pending is not None:  # batches of an epoch cut short by Stop
            ordered.append(pending)
            pending = next(batches, None)
        ordered.append(self.finished)
        return ordered


class RunRecorder:
    """Keeps what a run reports as it reports it: wrap the run's listener with ``watching``.

    A resumed run starts from the batches and epochs recorded before it was cut off
    (``carry_on_from``); the snapshots of those epochs were not kept, so its recording has none.
    """

    def __init__(self) -> None:
        self.started: RunStarted | None = None
        self.batches: list[BatchEnd] = []
        self.epochs: list[EpochEnd] = []
        self.snapshots: list[ProbeSnapshot] = []  # the end-of-epoch ones only
        self.confusion_sample: ConfusionSample | None = None
        self.confusions: list[EpochConfusion] = []

    def carry_on_from(self, batches: list[BatchEnd], epochs: list[EpochEnd]) -> None:
        self.batches[:0] = batches
        self.epochs[:0] = epochs

    def record(self, event: object) -> None:
        if isinstance(event, BatchEnd):
            self.batches.append(event)
        elif isinstance(event, EpochEnd):
            self.epochs.append(event)
        elif isinstance(event, ProbeSnapshot) and event.end_of_epoch:
            self.snapshots.append(event)
        elif isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, ConfusionSample):
            self.confusion_sample = event
        elif isinstance(event, EpochConfusion):
            self.confusions.append(event)

    def watching(self, on_event: Callable[[object], None]) -> Callable[[object], None]:
        """``on_event`` that records each event first."""

        def record_and_pass_on(event: object) -> None:
            self.record(event)
            on_event(event)

        return record_and_pass_on

    def recording(self, config: TrainConfig | None, title: str, finished: RunFinished) -> RunRecording:
        if self.started is None:
            raise ValueError("a run that never started has nothing to record")
        return RunRecording(
            config=config,
            title=title,
            started=self.started,
            batches=tuple(self.batches),
            epochs=tuple(self.epochs),
            snapshots=tuple(self.snapshots),
            finished=finished,
            confusion_sample=self.confusion_sample,
            confusions=tuple(self.confusions),
        )


def run_title(name: str, finished: RunFinished, train_count: int | None = None) -> str:
    """How the results table names a run, e.g. "CNN — 5 epochs (stopped early), 6,000 training
    images": the run's name, the epochs it completed, and the training images when not all."""
    epochs = finished.epochs_completed
    title = f"{name} — {epochs} epoch{'s' if epochs != 1 else ''}"
    if finished.stopped_early:
        title += " (stopped early)"
    if train_count is not None and train_count < FULL_TRAIN_COUNT:
        title += f", {train_count:,} training images"
    return title


def model_title(config: TrainConfig) -> str:
    """The short title of the config's network, e.g. "CNN"; a network from a file is named by its
    file, e.g. "my_net.keras"."""
    if config.model == "file" and config.model_file:
        return PurePath(config.model_file).name
    return MODEL_TITLES.get(config.model, (config.model, config.model))[1]
