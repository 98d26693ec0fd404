"""What one run has reported so far: the curves' points and the snapshots kept for replay.

No Qt here, so the bookkeeping is tested on its own; the views only read these arrays.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from visualizer.training.events import BatchEnd, ConfusionSample, EpochConfusion, EpochEnd, ProbeSnapshot

# Weight of the past per batch in the exponential moving average of the batch curves: a report
# covering n batches keeps SMOOTHING ** n of the average so far (half-life about 23 batches),
# so the smoothing does not depend on how often the run reports.
SMOOTHING = 0.97


@dataclass
class _Series:
    """A growing float series kept in a numpy buffer, so plotting it never copies a list."""

    values: np.ndarray = field(default_factory=lambda: np.empty(256, dtype=np.float64))
    size: int = 0

    def append(self, value: float) -> None:
        if self.size == len(self.values):
            self.values = np.concatenate([self.values, np.empty_like(self.values)])
        self.values[self.size] = value
        self.size += 1

    def view(self) -> np.ndarray:
        return self.values[: self.size]


class RunHistory:
    """Batch and epoch values of one run, with x measured in epochs (batch 1 of epoch 2 is ~1.0).

    Keras reports a running mean over the epoch so far. The batch curves instead show the mean
    over the batches since the previous report, recovered exactly from two running means
    (n2*m2 - n1*m1) / (n2 - n1), then an exponential moving average of those. This needs no
    report per batch: the source may send every N-th batch, or at a fixed rate in time.
    """

    COLUMNS = ("x", "loss", "accuracy", "smooth_loss", "smooth_accuracy")

    def __init__(self) -> None:
        self._batch = {name: _Series() for name in self.COLUMNS}
        self._batch_ids: list[tuple[int, int]] = []
        self.epochs: list[EpochEnd] = []
        self.epoch_snapshots: dict[int, ProbeSnapshot] = {}
        self.confusion_sample: ConfusionSample | None = None  # the test images the matrices count
        self.epoch_confusions: dict[int, EpochConfusion] = {}
        self._previous: BatchEnd | None = None

    @classmethod
    def of(cls, batches=(), epochs=(), snapshots=(), confusion_sample=None, confusions=()) -> RunHistory:
        """The history of a run that reported these events (a recorded or resumed one)."""
        history = cls()
        for batch in batches:
            history.add_batch(batch)
        for epoch in epochs:
            history.add_epoch(epoch)
        for snapshot in snapshots:
            history.add_snapshot(snapshot)
        if confusion_sample is not None:
            history.add_confusion(confusion_sample)
        for confusion in confusions:
            history.add_confusion(confusion)
        return history

    # -- recording -------------------------------------------------------------------------
    def add_batch(self, event: BatchEnd) -> None:
        previous = self._previous
        if previous is not None and previous.epoch == event.epoch and previous.batch < event.batch:
            done_before, done_now = previous.batch, event.batch
            covered = done_now - done_before
            loss = (done_now * event.loss - done_before * previous.loss) / (done_now - done_before)
            accuracy = (done_now * event.accuracy - done_before * previous.accuracy) / (
                done_now - done_before
            )
        else:  # the first report of an epoch: its running mean is the mean since the epoch began
            loss, accuracy = event.loss, event.accuracy
            covered = event.batch
        self._previous = event
        smooth_loss, smooth_accuracy = loss, accuracy
        if self._batch["x"].size:
            past = SMOOTHING ** max(covered, 1)
            smooth_loss = past * self._batch["smooth_loss"].view()[-1] + (1 - past) * loss
            smooth_accuracy = past * self._batch["smooth_accuracy"].view()[-1] + (1 - past) * accuracy
        x = event.epoch - 1 + event.batch / max(event.steps_per_epoch, 1)
        for name, value in zip(self.COLUMNS, (x, loss, accuracy, smooth_loss, smooth_accuracy)):
            self._batch[name].append(value)
        self._batch_ids.append((event.epoch, event.batch))

    def add_epoch(self, event: EpochEnd) -> None:
        self.epochs.append(event)

    def add_snapshot(self, snapshot: ProbeSnapshot) -> None:
        """Keep a snapshot for the replay when it is the one taken at the end of an epoch."""
        if snapshot.end_of_epoch:
            self.epoch_snapshots[snapshot.epoch] = snapshot

    def add_confusion(self, event: ConfusionSample | EpochConfusion) -> None:
        """Keep the run's confusion sample, or the predictions of one epoch's end."""
        if isinstance(event, ConfusionSample):
            self.confusion_sample = event
        else:
            self.epoch_confusions[event.epoch] = event

    # -- reading ---------------------------------------------------------------------------
    def batch(self, column: str) -> np.ndarray:
        """One batch column as a read-only view (valid until the next add_batch)."""
        values = self._batch[column].view()
        values.flags.writeable = False
        return values

    @property
    def last_batch(self) -> BatchEnd | None:
        """The last batch reported: where the run is, or where it ended."""
        return self._previous

    @property
    def batch_count(self) -> int:
        return self._batch["x"].size

    def epoch_column(self, name: str) -> np.ndarray:
        return np.array([getattr(event, name) for event in self.epochs], dtype=np.float64)

    def replay_epochs(self) -> list[int]:
        return sorted(self.epoch_snapshots)

    def to_csv(self) -> str:
        """Every batch and epoch row: kind, epoch, batch, x, the batch values, the epoch values."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["kind", "epoch", "batch", "x_epochs", "loss", "accuracy", "smoothed_loss",
             "smoothed_accuracy", "val_loss", "val_accuracy", "elapsed_s"]
        )
        columns = [self._batch[name].view() for name in self.COLUMNS]
        for (epoch, batch), (x, loss, accuracy, smooth_loss, smooth_accuracy) in zip(
            self._batch_ids, zip(*columns)
        ):
            writer.writerow(
                ["batch", epoch, batch, f"{x:.6g}", f"{loss:.6g}", f"{accuracy:.6g}",
                 f"{smooth_loss:.6g}", f"{smooth_accuracy:.6g}", "", "", ""]
            )
        for event in self.epochs:
            writer.writerow(
                ["epoch", event.epoch, "", event.epoch, f"{event.loss:.6g}", f"{event.accuracy:.6g}",
                 "", "", f"{event.val_loss:.6g}", f"{event.val_accuracy:.6g}",
                 f"{event.elapsed_s:.3f}"]
            )
        return out.getvalue()
