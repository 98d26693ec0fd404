"""A scripted training run for the training page's tests: the seed CNN's snapshots, the chunks
a run hands over poll by poll, and a fake training process that plays them."""

from __future__ import annotations

import numpy as np

from visualizer.training.config import TrainConfig
from visualizer.training.events import (
    BatchEnd,
    ConfusionSample,
    EpochConfusion,
    EpochEnd,
    LayerKernels,
    LayerMaps,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunStarted,
    Status,
)

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
STEPS = 4


def snapshot(epoch: int, batch: int, *, end_of_epoch=False, probe_index=0, fill=None, steps=STEPS) -> ProbeSnapshot:
    """The seed CNN's layers; every map holds ``fill`` (or the epoch number) plus a gradient."""
    value = float(epoch if fill is None else fill)
    ramp = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28)

    def maps(side, channels):
        base = ramp[:side, :side, None] * (1 + np.arange(channels, dtype=np.float32))
        return (base * value).astype(np.float32)

    rng = np.random.default_rng(epoch)
    probabilities = np.full(10, 0.02, dtype=np.float32)
    probabilities[epoch % 10] = 0.82
    return ProbeSnapshot(
        epoch=epoch,
        batch=batch,
        probe_index=probe_index,
        image=ramp,
        label=9,
        feature_maps=(
            LayerMaps("conv2d", maps(28, 64)),
            LayerMaps("max_pooling2d", maps(14, 64)),
            LayerMaps("conv2d_1", maps(14, 32)),
            LayerMaps("max_pooling2d_1", maps(7, 32)),
        ),
        kernels=(
            LayerKernels("conv2d", rng.normal(size=(2, 2, 1, 64)).astype(np.float32) * value),
            LayerKernels("conv2d_1", rng.normal(size=(2, 2, 64, 32)).astype(np.float32) * value),
        ),
        probabilities=probabilities,
        end_of_epoch=end_of_epoch,
        steps_per_epoch=steps,
    )


def confusion_sample() -> ConfusionSample:
    """Twenty of the run's 32 test images, two per class: #0, #2, ..., #38."""
    labels = np.arange(20) % 10
    pictures = (np.arange(20, dtype=np.uint8)[:, None, None] * 12 + np.zeros((1, 28, 28), np.uint8))
    return ConfusionSample(indices=np.arange(0, 40, 2), labels=labels, pictures=pictures, test_count=32)


def epoch_confusion(epoch: int) -> EpochConfusion:
    """Epoch 1 takes the first ten images (one per class) for the next class; epoch 2 gets all but
    image #0 right, which it takes for a Shirt (class 6)."""
    labels = confusion_sample().labels
    predicted = labels.copy()
    if epoch == 1:
        predicted[:10] = (labels[:10] + 1) % 10
    else:
        predicted[0] = 6
    return EpochConfusion(epoch=epoch, predicted=predicted.astype(np.uint8))


def scripted_run(epochs: int = 2, model_path: str | None = None) -> list[list]:
    """The chunks a two-epoch run delivers, one list per poll()."""
    chunks = [
        [Status("Reading Fashion-MNIST…")],
        [Status("Loading Keras with the TensorFlow backend…")],
        [RunStarted("tensorflow", "CPU", "a GPU exists but TensorFlow cannot use it: no CUDA build",
                    "seed CNN", "conv2d  Conv2D  (28, 28, 64)  320", 412778,
                    "bundled subset (2,000 train / 1,000 test): offline sample", 128, 32, epochs,
                    STEPS, CLASS_NAMES), confusion_sample()],
    ]
    for epoch in range(1, epochs + 1):
        for batch in range(1, STEPS + 1):
            loss = 2.0 / (epoch + batch / STEPS)
            chunks.append([
                BatchEnd(epoch, batch, STEPS, loss, 1 - loss / 3, 250.0, epoch * 2.0 + batch * 0.1),
                snapshot(epoch, batch),
            ])
        chunks.append([
            EpochEnd(epoch, 1.0 / epoch, 0.6 + 0.1 * epoch, 1.1 / epoch, 0.55 + 0.1 * epoch, epoch * 2.0),
            snapshot(epoch, STEPS, end_of_epoch=True),
            epoch_confusion(epoch),
        ])
    chunks.append([Status("Saving the model…"),
                   RunFinished(False, epochs, 0.45, 0.84, 0.5, 0.82, epochs * 2.0 + 1, model_path)])
    return chunks


DIVERGED = ("Training diverged at epoch 1, batch 3: the loss became 6.2e+04 (it started near 2.32), so it "
            "was stopped there. Try a smaller learning rate, e.g. 0.01 for SGD (this run used 10).")


def diverging_run() -> list[list]:
    """The chunks of a run whose loss explodes at the third batch of its first epoch: the run
    stops there, Keras ends the epoch, and the run fails with the reason and no model."""
    chunks = scripted_run(epochs=2)[:3]
    for batch, loss in enumerate([2.32, 15.9, 6.2e4], start=1):
        chunks.append([BatchEnd(1, batch, STEPS, loss, 0.1, 250.0, batch * 0.1), snapshot(1, batch)])
    chunks.append([EpochEnd(1, 6.2e4, 0.1, 3.1e5, 0.1, 0.4), snapshot(1, 3, end_of_epoch=True)])
    chunks.append([RunFailed(DIVERGED, "")])
    return chunks


class FakeTrainingProcess:
    """TrainingProcess's API over a script. ``hold`` keeps the run waiting at a chunk index."""

    def __init__(self, config: TrainConfig, chunks: list[list], *, ignores_stop=False) -> None:
        self.config = config
        self.chunks = list(chunks)
        self.calls: list = []
        self.hold_at: int | None = None
        self.ignores_stop = ignores_stop
        self.alive = False
        self.finished = False

    def start(self):
        self.calls.append("start")
        self.alive = True

    def poll(self, max_events=None):
        if self.finished or not self.chunks or self.hold_at == 0:
            return []
        if self.hold_at is not None:
            self.hold_at -= 1
        events = self.chunks.pop(0)
        if any(isinstance(e, (RunFinished, RunFailed)) for e in events):
            self.finished = True
            self.alive = False
        return events

    def pause(self):
        self.calls.append("pause")

    def resume(self):
        self.calls.append("resume")

    def stop(self):
        self.calls.append("stop")
        if not self.ignores_stop:
            self.hold_at = None
            epochs = sum(isinstance(e, EpochEnd) for c in self.chunks for e in c)
            self.chunks = [[RunFinished(True, self.config.epochs - epochs, 0.6, 0.7, 0.65, 0.69, 3.0,
                                        self.chunks[-1][-1].model_path)]]

    def set_probe(self, index):
        self.calls.append(("set_probe", index))

    def is_alive(self):
        return self.alive

    def join(self, timeout=None):
        self.calls.append("join")

    def terminate(self):
        self.calls.append("terminate")
        self.alive = False
