"""A Keras callback that stops a diverging run after the batch where it diverged and says why.

The rule: after any batch, stop when the loss Keras reports (the running mean over the epoch so
far) is not a finite number, or is more than ``EXPLOSION_FACTOR`` times the reference loss. The
reference is the loss of the run's first batch (the untrained network's, about ln 10 = 2.3 for
ten classes), but never less than ``chance_loss``, the cross-entropy of guessing every class
equally often; so the floor keeps a run that starts from a low loss (a trained model) from
stopping at a small rise. Why five: on the JAX and PyTorch backends Keras clips probabilities at
1e-7 before the logarithm, so a network that blew up saturates near -ln(1e-7) = 16.1 and never
reaches ten times 2.3 (SGD at learning rate 10 on the bundled subset plateaus at 13 to 15 there,
and reaches 6e4 on TensorFlow, which computes from the logits). Five times chance, 11.5, means
the right class gets a probability of about 1e-5 on (geometric) average where guessing gives 0.1; a network
that learns, even a noisy one with a large step size, stays near its starting loss (SGD at
learning rate 1.0, the largest the page offers, peaks near 3.1 on the bundled subset). The
running mean already smooths single noisy batches, so no warm-up is needed.

Once diverged, the validation pass Keras runs at the end of the epoch stops after one batch:
its figures would only describe broken weights.
"""

from __future__ import annotations

import math

import keras

from visualizer.training.config import OPTIMIZER_TITLES

EXPLOSION_FACTOR = 5.0
CHANCE_LOSS_10_CLASSES = math.log(10)  # cross-entropy of a uniform guess over ten classes
# Keras's default learning rate for each optimizer: a step size known to train, suggested when
# the one that diverged was larger.
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 0.001, "rmsprop": 0.001, "adamw": 0.001}


def _as_float(value) -> float | None:
    """A plain float from a log entry (a Python, NumPy or backend scalar), or None."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training after a batch whose loss is NaN, infinite or exploded (see the module).

    After a stop, ``reason`` holds a sentence for people (what happened and what to try) and
    ``epoch``, ``batch`` and ``loss`` say where; until then ``reason`` is None. ``optimizer`` is
    the config's name for it ("sgd"), used with ``learning_rate`` to suggest a smaller one.
    """

    def __init__(self, *, learning_rate: float | None = None, optimizer: str | None = None,
                 chance_loss: float = CHANCE_LOSS_10_CLASSES, factor: float = EXPLOSION_FACTOR) -> None:
        super().__init__()
        self._learning_rate = learning_rate
        self._optimizer = optimizer
        self._chance_loss = chance_loss
        self._factor = factor
        self._epoch = 0
        self.start_loss: float | None = None  # the first batch's loss
        self.reason: str | None = None
        self.epoch: int | None = None  # 1-based, where it diverged
        self.batch: int | None = None  # 1-based within that epoch
        self.loss: float | None = None

    @property
    def diverged(self) -> bool:
        return self.reason is not None

    @property
    def ceiling(self) -> float:
        """The loss above which the run counts as diverged (infinite before the first batch)."""
        if self.start_loss is None:
            return math.inf
        return self._factor * max(self.start_loss, self._chance_loss)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        if self.diverged:
            return
        loss = _as_float((logs or {}).get("loss"))
        if loss is None:  # nothing to judge by
            return
        if self.start_loss is None and math.isfinite(loss):
            self.start_loss = loss
            return
        if math.isfinite(loss) and loss <= self.ceiling:
            return
        self.epoch, self.batch, self.loss = self._epoch, batch + 1, loss
        self.reason = self._explain()
        self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        if self.diverged:
            self.model.stop_evaluating = True

    def _explain(self) -> str:
        if math.isnan(self.loss):
            became = "the loss became NaN (not a number)"
        elif math.isinf(self.loss):
            became = "the loss became infinite"
        else:
            became = f"the loss became {self.loss:.3g}"
        if self.start_loss is not None:
            became += f" (it started near {self.start_loss:.3g})"
        return (
            f"Training diverged at epoch {self.epoch}, batch {self.batch}: {became}, so it was "
            f"stopped there. {self._advice()}"
        )

    def _advice(self) -> str:
        """A smaller learning rate: the optimizer's default when that is smaller, else a tenth."""
        if self._learning_rate is None:
            return "Try a smaller learning rate."
        smaller = min(self._learning_rate / 10, DEFAULT_LEARNING_RATES.get(self._optimizer, math.inf))
        title = OPTIMIZER_TITLES.get(self._optimizer)
        optimizer = f" for {title}" if title else ""
        return f"Try a smaller learning rate, e.g. {smaller:g}{optimizer} (this run used {self._learning_rate:g})."
