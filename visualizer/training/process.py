"""A training run in a child process, steered and read from the GUI without blocking it.

The child (see visualizer/childprocess.py for why a process) sends events from a thread of its
own, so training never waits for the GUI to read; if the GUI falls behind, the child drops live
probe snapshots (never other events) until it catches up. This module imports neither Keras nor Qt.
"""

from __future__ import annotations

import traceback

from visualizer.childprocess import ChildProcess, Outbox, prepare_child, spawn_context
from visualizer.training.config import TrainConfig
from visualizer.training.events import ProbeSnapshot, RunFailed, RunFinished
from visualizer.training.run import RunControl, run
from visualizer.training.saved_runs import autosave_root

# Live snapshots waiting to be sent beyond which new ones are dropped (a few hundred KB each).
MAX_QUEUED_SNAPSHOTS = 8


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


def _is_result(event) -> bool:
    return isinstance(event, (RunFinished, RunFailed))


class TrainingProcess:
    """Runs ``run(config)`` in a spawned child process; poll() returns its events.

    ``backend`` ("tensorflow", "jax" or "torch") is set as KERAS_BACKEND in the child before it
    imports Keras; None keeps the environment's choice. Each finished epoch is autosaved under
    saved_runs.autosave_root() unless ``autosave`` is False.
    """

    def __init__(self, config: TrainConfig, backend: str | None = None, autosave: bool = True) -> None:
        self._control = ProcessRunControl(spawn_context(), probe_index=None)
        autosave_to = str(autosave_root()) if autosave else None
        self._child = ChildProcess(
            _child_main, (config, backend, self._control, autosave_to), "cnn-visualizer-training"
        )
        self.finished = False  # True once RunFinished or RunFailed has been returned by poll()

    def start(self) -> None:
        self._child.start()

    def poll(self, max_events: int | None = None) -> list:
        """The events that have arrived, without waiting; at most ``max_events`` of them."""
        if self.finished:
            return []
        events, died = self._child.receive(max_events, is_last=_is_result)
        if died:
            events.append(self._died_without_result())
        if events and _is_result(events[-1]):
            self.finished = True
        return events

    def _died_without_result(self) -> RunFailed:
        return RunFailed(
            message=(
                f"The training process ended without finishing ({self._child.exit_description()}). "
                "It may have run out of memory or crashed inside the Keras backend; try a smaller "
                "batch size or model."
            ),
            traceback="",
        )

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
        self.finished = True


def _is_live_snapshot(event) -> bool:
    return isinstance(event, ProbeSnapshot) and not event.end_of_epoch


def _child_main(
    connection, config: TrainConfig, backend: str | None, control: RunControl, autosave_to: str | None
) -> None:
    prepare_child(backend)
    outbox = Outbox(connection, droppable=_is_live_snapshot, max_droppable=MAX_QUEUED_SNAPSHOTS)
    try:
        run(config, outbox.put, control, autosave_to=autosave_to)
    except BaseException:  # run() reports its own failures; this is for the unforeseen
        outbox.put(RunFailed("The training process failed unexpectedly.", traceback.format_exc()))
    finally:
        outbox.close()
