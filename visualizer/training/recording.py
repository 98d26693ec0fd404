"""A recorded run: everything a finished run reported, kept so that it can be shown again as if it
had just happened (the training page's curves, replay and results) and compared with other runs.

No Keras and no Qt here: a recording is plain events (events.py) and the run's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from visualizer.training.config import TrainConfig
from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFinished, RunStarted


@dataclass(frozen=True)
class RunRecording:
    """One run as it was reported: its settings, its start, every batch and epoch report, the
    probe snapshot taken at the end of each epoch, and its final scores."""

    config: TrainConfig
    title: str  # e.g. "CNN — 5 epochs", as the results table names the run
    started: RunStarted
    batches: tuple[BatchEnd, ...]
    epochs: tuple[EpochEnd, ...]
    snapshots: tuple[ProbeSnapshot, ...]  # end-of-epoch snapshots, in epoch order
    finished: RunFinished

    def events(self) -> list[object]:
        """The run's events in the order it reported them: started, each epoch's batches then
        its end and its snapshot, finished."""
        ordered: list[object] = [self.started]
        snapshots = {snapshot.epoch: snapshot for snapshot in self.snapshots}
        batches = iter(self.batches)
        pending = next(batches, None)
        for epoch in self.epochs:
            while pending is not None and pending.epoch <= epoch.epoch:
                ordered.append(pending)
                pending = next(batches, None)
            ordered.append(epoch)
            if epoch.epoch in snapshots:
                ordered.append(snapshots[epoch.epoch])
        while pending is not None:  # batches of an epoch cut short by Stop
            ordered.append(pending)
            pending = next(batches, None)
        ordered.append(self.finished)
        return ordered
