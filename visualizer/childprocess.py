"""The plumbing every child process of the app shares: the training run and the model inspector's
model each run in a spawned child that talks to the window over one duplex pipe, a ChildLink:
requests go down, messages come up (a training run's events come up the stream every run uses
instead: training/process.py), and a child that dies is noticed and said in words the same way
for both. The window's code is written against the Link protocol, which a stream from another
program can implement too.

Why a process and not a thread: importing TensorFlow and running a model hold the GIL for long
stretches; in a worker thread of the GUI process that froze the Qt GUI for about 240 ms at start
and 80-160 ms at times during training. In a child started with the *spawn* method (a fresh
interpreter: no forked Qt or TensorFlow state), with messages sent back over a pipe, the worst GUI
stall stayed near 20 ms.

A child never outlives the window: it watches its parent and exits within a second of the parent
dying in any way, SIGKILL included, so nothing is left burning the CPU with nobody listening.
Neither Qt nor Keras is imported here.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

CHILD_NICENESS = 10
PARENT_CHECK_INTERVAL_S = 0.25
# Exit status of a child whose parent died: it was not asked to stop, nobody reads its result.
ORPHANED_EXIT_CODE = 75


def spawn_context():
    return multiprocessing.get_context("spawn")


def prepare_child(backend: str | None) -> None:
    """First thing a child does: choose the Keras backend before anything imports Keras, quieten
    TensorFlow's C++ log, step back in priority, and start watching the parent."""
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # its own messages say what went wrong, in words
    _lower_priority()
    watch_parent()


def _lower_priority() -> None:
    # A child keeps every core busy; at a lower priority it still gets all the CPU the window
    # leaves idle, but the window's own 10 ms ticks are not delayed behind it (measured with
    # tests/benchmarks/bench_gui_stall.py on 2 cores: p99 tick gap 27-39 ms without, 14-19 ms with).
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: run as is
        pass


def watch_parent(interval_s: float = PARENT_CHECK_INTERVAL_S) -> threading.Thread:
    """End this process as soon as its parent is gone (it is then adopted by another process, so
    its parent id changes). os._exit, not sys.exit: no clean-up may wait on a pipe nobody reads."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(ORPHANED_EXIT_CODE)

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


class Outbox:
    """Sends messages to the parent from a thread of its own, so the child's work never waits on
    the pipe. Messages for which ``droppable(message)`` is true are dropped while ``max_droppable``
    of them already wait: if the parent falls behind, a later one shows the same thing."""

    def __init__(
        self,
        connection,
        droppable: Callable[[object], bool] = lambda _message: False,
        max_droppable: int = 8,
    ) -> None:
        self._connection = connection
        self._droppable = droppable
        self._max_droppable = max_droppable
        self._queue: queue.Queue = queue.Queue()
        self._waiting_droppable = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._send_all, name="child-outbox", daemon=True)
        self._thread.start()

    def put(self, message) -> None:
        if self._droppable(message):
            with self._lock:
                if self._waiting_droppable >= self._max_droppable:
                    return
                self._waiting_droppable += 1
        self._queue.put(message)

    def _send_all(self) -> None:
        while (message := self._queue.get()) is not None:
            if self._droppable(message):
                with self._lock:
                    self._waiting_droppable -= 1
            try:
                self._connection.send(message)
            except (BrokenPipeError, OSError):
                return  # the parent has gone; nobody is listening

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()


class Link(Protocol):
    """The window's end of a duplex channel to work done elsewhere: requests go down, messages come
    up, and a far end that dies is said once, in words. A spawned child implements it (ChildLink);
    so can a stream from another program, which is why nothing here speaks of processes."""

    def send(self, message) -> bool:
        """Send a request; False, and nothing sent, when the far end has gone (poll() says so)."""
        ...

    def poll(self, max_messages: int | None = None) -> tuple[list, bool]:
        """(the messages that have arrived, in order, without waiting; whether the far end has gone
        after them). Only the caller knows whether an end was expected (a run's result came
        first) or is a death to report with died_message(). Once it has said so, it returns
        ([], False)."""
        ...

    def died_message(self) -> str:
        """What poll()'s ``died`` means for the user, in words: what ended and what to do."""
        ...

    def is_alive(self) -> bool: ...

    def close(self) -> None:
        """Hang up: nothing more is sent or read; the far end reads the end of the link."""
        ...


def died_message(role: str, advice: str, how: str | None = None) -> str:
    """The one way a far end that ended unasked is told to the user: ``role`` ("training process"),
    ``how`` it ended when known ("was killed"), and ``advice`` on what to do."""
    ended = f"The {role} ended without warning" + (f" ({how})" if how else "")
    return f"{ended}. {advice}"


class ChildLink:
    """A Link to a spawned child running ``target(connection, *args)``, where ``connection`` is the
    child's end of one duplex pipe: it reads requests with ``recv()``/``poll()`` and sends messages
    (through an Outbox). ``role`` and ``advice`` word its death for the user."""

    def __init__(self, target: Callable, args: tuple, name: str, *, role: str, advice: str) -> None:
        context = spawn_context()
        self._connection, self._child_end = context.Pipe(duplex=True)
        self._process = context.Process(target=target, args=(self._child_end, *args), name=name, daemon=True)
        self.role = role
        self.advice = advice
        self.started = False
        self.closed = False  # True once hung up or the child has died: nothing more arrives

    def start(self) -> None:
        self._process.start()
        self.started = True
        # Our copy of the child's end is closed so that poll() sees the end of the pipe when it dies.
        self._child_end.close()

    def send(self, message) -> bool:
        if self.closed or not self.started:
            return False
        try:
            self._connection.send(message)
        except OSError:  # the child has gone: poll() says so
            return False
        return True

    def poll(self, max_messages: int | None = None) -> tuple[list, bool]:
        messages: list = []
        if self.closed or not self.started:
            return messages, False
        while max_messages is None or len(messages) < max_messages:
            try:
                if not self._connection.poll():
                    break
                messages.append(self._connection.recv())
            except (EOFError, OSError):
                self.close()
                return messages, True
        return messages, False

    def died_message(self) -> str:
        return died_message(self.role, self.advice, self.exit_description())

    def exit_description(self) -> str:
        """How the child ended, in words ("was killed", "exited with code 1"); waits a moment."""
        self._process.join(timeout=5)
        code = self._process.exitcode
        return "was killed" if code is not None and code < 0 else f"exited with code {code}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._process.join(timeout)

    def terminate(self) -> None:
        """End the child at once and hang up; nothing more is read from it."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
        self.close()

    def close(self) -> None:
        self.closed = True
        self._connection.close()
        if not self.started:
            self._child_end.close()
