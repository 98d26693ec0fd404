"""Where a run is, or where it ended, in words: one wording for the progress bar, the banner, the
replay and the snapshot captions, so that a run stopped during an epoch is described the same way
everywhere (Stop ends the epoch under way early, and Keras still closes it with an end-of-epoch
snapshot and validation)."""

from __future__ import annotations

from visualizer.training.events import BatchEnd, ProbeSnapshot, RunFinished


def stopped_during(epoch: int, batch: int, steps_per_epoch: int) -> str:
    return f"stopped during epoch {epoch}, after batch {batch} of {steps_per_epoch}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def snapshot_when(snapshot: ProbeSnapshot) -> str:
    """When the snapshot was taken, for a caption: "end of epoch 2", "epoch 3, batch 120", or the
    position of a run stopped during an epoch."""
    if snapshot.cut_short:
        return stopped_during(snapshot.epoch, snapshot.batch, snapshot.steps_per_epoch)
    if snapshot.end_of_epoch:
        return f"end of epoch {snapshot.epoch}"
    return f"epoch {snapshot.epoch}, batch {snapshot.batch}"


def snapshot_heading(snapshot: ProbeSnapshot) -> str:
    """``snapshot_when`` as a heading: "End of epoch 2"."""
    return _sentence(snapshot_when(snapshot))


def replay_label(snapshot: ProbeSnapshot, last_epoch: int) -> str:
    """The replay's label for an epoch it keeps; ``last_epoch`` is the last one kept."""
    if snapshot.cut_short:
        return snapshot_heading(snapshot)
    return f"End of epoch {snapshot.epoch} (of {last_epoch})"


def how_it_ended(finished: RunFinished, last_batch: BatchEnd | None) -> str:
    """"Finished after 3 epoch(s)", "Stopped after 2 epoch(s)", or, for a run stopped during an
    epoch, the batch it stopped after (``last_batch``: the last batch reported, the one it stopped
    after)."""
    if (
        finished.stopped_early
        and last_batch is not None
        and last_batch.epoch > finished.epochs_completed
        and last_batch.batch < last_batch.steps_per_epoch
    ):
        return _sentence(stopped_during(last_batch.epoch, last_batch.batch, last_batch.steps_per_epoch))
    how = "Stopped" if finished.stopped_early else "Finished"
    return f"{how} after {finished.epochs_completed} epoch(s)"
