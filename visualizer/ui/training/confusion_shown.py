"""Which confusion matrix the training page shows, and in words which epoch it is, or why there is none.

The matrix follows the epoch replay: the epoch the slider is at, or the newest epoch while live.
No Qt here: the controller asks ``confusion_shown`` and hands the answer to its view.
"""

from __future__ import annotations

from visualizer.training.events import ConfusionSample, EpochConfusion
from visualizer.training.history import RunHistory
from visualizer.ui.training.positions import replay_label

OWN_RUN, RECORDED_RUN, SCRIPT_RUN = "own", "recorded", "script"
NO_SAMPLE_TEXT = {
    OWN_RUN: "The confusion matrix of the test images appears here at the end of each epoch: press Train.",
    RECORDED_RUN: (
        "This recorded run has no confusion matrix: it was recorded before the app kept one. "
        "Train a run to see its matrix at the end of each epoch."
    ),
    SCRIPT_RUN: "Runs that scripts stream to the window send no confusion matrix; runs trained here do.",
}


def confusion_shown(
    history: RunHistory, replay_position: int, kind: str = OWN_RUN
) -> tuple[ConfusionSample | None, EpochConfusion | None, str]:
    """The sample and predictions to show for the replay at ``replay_position`` (0..n-1: an epoch
    kept; n: live), with a heading saying which epoch; or (sample or None, None, why there is
    none). ``kind`` is OWN_RUN, RECORDED_RUN or SCRIPT_RUN: where the run shown comes from."""
    sample = history.confusion_sample
    if sample is None:
        return None, None, NO_SAMPLE_TEXT[kind]
    epochs = history.replay_epochs()
    if replay_position < len(epochs):
        epoch = epochs[replay_position]
        confusion = history.epoch_confusions.get(epoch)
        if confusion is None:
            return sample, None, f"No confusion matrix was kept for epoch {epoch}."
        return sample, confusion, replay_label(history.epoch_snapshots[epoch], epochs[-1])
    if not history.epoch_confusions:
        return sample, None, "The first confusion matrix comes at the end of the epoch under way."
    newest = max(history.epoch_confusions)
    snapshot = history.epoch_snapshots.get(newest)
    heading = replay_label(snapshot, newest) if snapshot is not None else f"End of epoch {newest}"
    return sample, history.epoch_confusions[newest], f"{heading}, the newest"
