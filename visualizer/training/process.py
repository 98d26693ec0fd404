"""A training run in a child process, steered and read from the GUI without blocking it.

The child (see visualizer/childprocess.py for why a process) reports its run the way any script
does (live_callback.LiveView): its events go up the signed ZeroMQ stream (training/stream), sent
from a thread of its own so that training never waits for the GUI to read; if the GUI falls
behind, newer pictures replace older ones, while curve events are kept. Each process has a stream
receiver of its own, on 127.0.0.1, with a key only it and its child know. The pipe of its
ChildLink carries the run's settings down and tells when the child has died; pause, stop and
the probe image are shared flags (ProcessRunControl). This module imports neither Keras nor Qt.

A process can also be started before the user presses Train (``TrainingProcess.prestarted``): it
imports Keras, reads the data and warms up model building while the settings are being chosen,
then waits, blocked on its link and using no CPU, until ``begin(config)`` sends the run's settings
down the same link its events come up.
"""

from __future__ import annotations

import os
import secrets
import traceback
from dataclasses import dataclass

import numpy as np

from visualizer.childprocess import ChildLink, died_message, prepare_child, spawn_context
from visualizer.training.config import TrainConfig
from visualizer.training.events import RunFailed, RunFinished
from visualizer.training.run import RunControl, run
from visualizer.training.saved_runs import autosave_root

# How long the last events of a child found ended may take to come out of the stream.
LAST_EVENTS_WAIT_MS = 300
# How long a child that has reported its end may take to pass its last events on to the window.
CLOSING_GRACE_S = 5.0
ROLE = "training process"
DIED_ADVICE = (
    "It may have run out of memory or crashed inside the Keras backend; try a smaller batch size or "
    "model, then Train again."
)


class ProcessRunControl(RunControl):
    """RunControl whose flags and probe index are shared with a child process."""

    def __init__(self, context, probe_index: int | None = None) -> None:
        self._context = context
        super().__init__(probe_index)

    def _new_flag(self):
        return self._context.Event()

    def _new_cell(self, value: int):
        return self._context.Value("i", value)

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_context"]  # the primitives travel on their own; a context does not pickle
        return state


@dataclass(frozen=True)
class Prestart:
    """What a process started ahead of Train gets ready for: the Keras backend it imports and the
    data it reads. A run whose settings ask for other data reads its own; one for another backend
    needs another process."""

    data_dir: str | None
    allow_download: bool
    backend: str | None = None  # KERAS_BACKEND for the child; None keeps the environment's

    @classmethod
    def for_settings(cls, data_dir: str | None, allow_download: bool) -> Prestart:
        return cls(data_dir, allow_download, os.environ.get("KERAS_BACKEND"))

    def reads_data_of(self, config: TrainConfig) -> bool:
        # The warm-up reads Fashion-MNIST only: another data set from the same place is read by the run.
        return config.dataset == "fashion-mnist" and (self.data_dir, self.allow_download) == (config.data_dir, config.allow_download)


def run_died() -> RunFailed:
    """The failure of a run whose process was found ended without a result, when how is not known
    (the window's own check, for a process whose link did not say)."""
    return RunFailed(died_message(ROLE, DIED_ADVICE), traceback="")


def _is_result(event) -> bool:
    return isinstance(event, (RunFinished, RunFailed))


class TrainingProcess:
    """Runs ``run(config)`` in a spawned child process; poll() returns its events.

    ``backend`` ("tensorflow", "jax" or "torch") is set as KERAS_BACKEND in the child before it
    imports Keras; None keeps the environment's choice. Each finished epoch is autosaved under
    saved_runs.autosave_root() unless ``autosave`` is False.
    """

    def __init__(
        self,
        config: TrainConfig | None,
        backend: str | None = None,
        autosave: bool = True,
        *,
        prestart: Prestart | None = None,
    ) -> None:
        from visualizer.training.stream import StreamReceiver

        context = spawn_context()
        self._config = config
        self._control = ProcessRunControl(context, probe_index=None)
        self._ready = context.Event()  # set by the child once it waits for its settings
        autosave_to = str(autosave_root()) if autosave else None
        self._receiver = StreamReceiver(write_file=False)  # found by this process's child alone
        self._run_id = secrets.token_hex(8)
        stream = (self._receiver.address, self._receiver.key, self._run_id)
        self._child = ChildLink(
            _child_main,
            (backend, self._control, self._ready, autosave_to, prestart, stream),
            "cnn-visualizer-training",
            role=ROLE,
            advice=DIED_ADVICE,
        )
        self.prestart = prestart
        self.finished = False  # True once RunFinished or RunFailed has been returned by poll()
        self._ended_before_train = False

    @classmethod
    def prestarted(cls, prestart: Prestart, autosave: bool = True) -> TrainingProcess:
        """A process to start now and ``begin(config)`` when Train is pressed."""
        return cls(None, prestart.backend, autosave, prestart=prestart)

    def start(self) -> None:
        self._child.start()
        if self._config is not None:
            self.begin(self._config)

    def begin(self, config: TrainConfig) -> None:
        """Send the run's settings: the child trains as soon as it is ready."""
        self._config = config
        # If the child has gone, poll() reports it.
        self._ended_before_train = not self._child.is_alive() or not self._child.send(config)

    def is_ready(self) -> bool:
        """True once the child has imported Keras, read the data and waits for (or has) its settings."""
        return self._ready.is_set()

    def poll(self, max_events: int | None = None) -> list:
        """The events that have arrived, without waiting; at most ``max_events`` of them."""
        if self.finished:
            return []
        events = self._read_stream(max_events)
        died = False
        if not any(_is_result(event) for event in events):
            _, died = self._child.poll()
            if died:  # its last events may still be on their way: wait for them a moment
                self._receiver.wait(LAST_EVENTS_WAIT_MS)
                events += self._read_stream(None)
        last = next((i for i, event in enumerate(events) if _is_result(event)), None)
        if last is not None:
            events = events[: last + 1]  # nothing follows a result
        elif died:
            events.append(self._died_without_result())
        if events and _is_result(events[-1]):
            self.finished = True
            self._hang_up()  # the child exits on its own; it has nothing more to say
        return events

    def _read_stream(self, max_events: int | None) -> list:
        messages, _ = self._receiver.poll(max_events)
        return [message.event for message in messages if message.run_id == self._run_id]

    def _hang_up(self) -> None:
        self._child.close()
        self._receiver.close()

    def _died_without_result(self) -> RunFailed:
        if self._ended_before_train:
            return RunFailed(
                message=(
                    f"The training process started in advance had ended before Train was pressed "
                    f"({self._child.exit_description()}); it may have run out of memory. Press "
                    "Train again to start a fresh one."
                ),
                traceback="",
            )
        return RunFailed(self._child.died_message(), traceback="")

    def pause(self) -> None:
        self._control.pause()

    def resume(self) -> None:
        self._control.resume()

    def stop(self) -> None:
        """Finish the current batch, then evaluate, save and report RunFinished."""
        self._control.request_stop()

    def set_probe(self, index: int) -> None:
        self._control.set_probe_index(index)

    @property
    def pid(self) -> int | None:
        """The child's process id once started."""
        return self._child.pid

    def is_alive(self) -> bool:
        return self._child.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._child.join(timeout)

    def terminate(self) -> None:
        """End the child at once (closing the window); no final event is sent."""
        self._child.terminate()
        self._receiver.close()
        self.finished = True


def _warm_up(prestart: Prestart):
    """Read the data and import Keras, then build and probe a model once, so that a run's first
    steps find it all done; returns the data read, or None. Any failure is left for the run to
    meet again and explain in words."""
    from visualizer.training.data import load_fashion_mnist

    try:
        # No download before Train is pressed: the run downloads, saying so, if it must.
        data = load_fashion_mnist(prestart.data_dir, allow_download=False)
    except Exception:
        data = None
    try:
        import keras

        from visualizer.training.models import build_model
        from visualizer.training.probes import Probe

        Probe(build_model(TrainConfig())).snapshot(
            np.zeros((28, 28, 1), np.float32), 0, probe_index=0, epoch=0, batch=0, compiled=False
        )
        keras.backend.clear_session()  # layer names and the random state start afresh for the run
    except Exception:
        pass
    return data


def _child_main(
    connection,
    backend: str | None,
    control: RunControl,
    ready,
    autosave_to: str | None,
    prestart: Prestart | None,
    stream: tuple[str, str, str],
) -> None:
    prepare_child(backend)
    from visualizer.training.stream.sender import SendingThread

    address, key, run_id = stream
    sender = SendingThread(address=address, key=key, run_id=run_id)
    try:
        loaded = _warm_up(prestart) if prestart is not None else None
        ready.set()
        try:
            config = connection.recv()  # blocks, using no CPU, until Train is pressed
        except EOFError:  # the window let this process go unused
            return
        if prestart is None or not prestart.reads_data_of(config):
            loaded = None
        run(config, sender.send, control, autosave_to=autosave_to, loaded=loaded)
    except BaseException:  # run() reports its own failures; this is for the unforeseen
        sender.send(RunFailed("The training process failed unexpectedly.", traceback.format_exc()))
    finally:
        sender.close(CLOSING_GRACE_S)
        connection.close()
