"""A training run in a child process, steered and read from the GUI without blocking it.

Why a process and not a thread: importing TensorFlow and tracing the first training step hold the
GIL for long stretches; in a worker thread of the GUI process that froze the Qt GUI for about
240 ms at start and 80-160 ms at times during training. In a child started with the *spawn*
method (a fresh interpreter: no forked Qt or TensorFlow state), with events sent back over a pipe,
the worst GUI stall stayed near 20 ms.

The child sends events from a thread of its own, so training never waits for the GUI to read;
if the GUI falls behind, the child drops live probe snapshots (never other events) until it
catches up. This module imports neither Keras nor Qt.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback

from visualizer.training.config import TrainConfig
from visualizer.training.events import ProbeSnapshot, RunFailed, RunFinished
from visualizer.training.run import RunControl, run

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


class TrainingProcess:
    """Runs ``run(config)`` in a spawned child process; poll() returns its events.

    ``backend`` ("tensorflow", "jax" or "torch") is set as KERAS_BACKEND in the child before it
    imports Keras; None keeps the environment's choice.
    """

    def __init__(self, config: TrainConfig, backend: str | None = None) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._control = ProcessRunControl(self._context, probe_index=None)
        self._receiver, self._sender = self._context.Pipe(duplex=False)
        self._process = self._context.Process(
            target=_child_main,
            args=(config, backend, self._sender, self._control),
            name="cnn-visualizer-training",
            daemon=True,
        )
        self.finished = False  # True once RunFinished or RunFailed has been returned by poll()

    def start(self) -> None:
        self._process.start()
        # Only the child writes; closing our copy lets poll() see the end of the pipe when it dies.
        self._sender.close()

    def poll(self, max_events: int | None = None) -> list:
        """The events that have arrived, without waiting; at most ``max_events`` of them."""
        events: list = []
        if self.finished:
            return events
        while max_events is None or len(events) < max_events:
            try:
                if not self._receiver.poll():
                    break
                event = self._receiver.recv()
            except (EOFError, OSError):
                events.append(self._died_without_result())
                break
            events.append(event)
            if isinstance(event, (RunFinished, RunFailed)):
                break
        if events and isinstance(events[-1], (RunFinished, RunFailed)):
            self.finished = True
            self._receiver.close()
        return events

    def _died_without_result(self) -> RunFailed:
        self._process.join(timeout=5)
        code = self._process.exitcode
        how = "was killed" if code is not None and code < 0 else f"exited with code {code}"
        return RunFailed(
            message=(
                f"The training process ended without finishing ({how}). It may have run out of "
                "memory or crashed inside the Keras backend; try a smaller batch size or model."
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
        return self._process.pid

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._process.join(timeout)

    def terminate(self) -> None:
        """End the child at once (closing the window); no final event is sent."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
        self.finished = True
        self._receiver.close()


class _Outbox:
    """Sends events to the parent from a thread, so training never waits on the pipe."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self._queue: queue.Queue = queue.Queue()
        self._queued_snapshots = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._send_all, name="training-outbox", daemon=True)
        self._thread.start()

    def put(self, event) -> None:
        if isinstance(event, ProbeSnapshot) and not event.end_of_epoch:
            with self._lock:
                if self._queued_snapshots >= MAX_QUEUED_SNAPSHOTS:
                    return  # the parent is behind: a later snapshot will show the same thing
                self._queued_snapshots += 1
        self._queue.put(event)

    def _send_all(self) -> None:
        while (event := self._queue.get()) is not None:
            if isinstance(event, ProbeSnapshot) and not event.end_of_epoch:
                with self._lock:
                    self._queued_snapshots -= 1
            try:
                self._connection.send(event)
            except (BrokenPipeError, OSError):
                return  # the parent has gone; nobody is listening

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()


CHILD_NICENESS = 10


def _lower_priority() -> None:
    # Training keeps every core busy; at a lower priority it still gets all the CPU the window
    # leaves idle, but the window's own 10 ms ticks are not delayed behind it (measured with
    # tests/benchmarks/bench_gui_stall.py on 2 cores: p99 tick gap 27-39 ms without, 14-19 ms with).
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: train as is
        pass


def _child_main(config: TrainConfig, backend: str | None, connection, control: RunControl) -> None:
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _lower_priority()
    outbox = _Outbox(connection)
    try:
        run(config, outbox.put, control)
    except BaseException:  # run() reports its own failures; this is for the unforeseen
        outbox.put(RunFailed("The training process failed unexpectedly.", traceback.format_exc()))
    finally:
        outbox.close()
