"""Drives one training run from the GUI thread: starts the child process, drains its events on a
timer, and hands the page's controller one Frame per tick, so the page draws at most once per
tick however fast the events come (last value wins).

Given a prestart factory, it keeps one process started ahead (``prestart``): it imports Keras and
reads the data while the user chooses settings, so that Train only has to send them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PyQt6.QtCore import QObject, pyqtSignal

from visualizer.training.config import TrainConfig
from visualizer.training.events import (
    AutosaveOff,
    BatchEnd,
    ConfusionSample,
    EpochConfusion,
    EpochEnd,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunStarted,
    Status,
)
from visualizer.ui.kit.poller import LinkPoller

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 30
STOP_GRACE_S = 5.0  # how long a stopping run may take to finish its batch and save before it is killed


def default_process_factory(config: TrainConfig):
    # Imported here: the process module is needed only once the training page is used.
    from visualizer.training.process import TrainingProcess

    return TrainingProcess(config)


def default_prestart_factory(prestart):
    from visualizer.training.process import TrainingProcess

    return TrainingProcess.prestarted(prestart)


def _prestart_for(data_dir: str | None, allow_download: bool):
    from visualizer.training.process import Prestart

    return Prestart.for_settings(data_dir, allow_download)


@dataclass
class Frame:
    """What arrived since the previous tick. Every batch and epoch is kept (the curves need them);
    of the snapshots only the newest is drawn, but the end-of-epoch ones are kept for the replay."""

    status: str | None = None
    started: RunStarted | None = None
    batches: list[BatchEnd] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)
    epoch_snapshots: list[ProbeSnapshot] = field(default_factory=list)
    snapshot: ProbeSnapshot | None = None
    confusion_sample: ConfusionSample | None = None
    confusions: list[EpochConfusion] = field(default_factory=list)
    autosave_off: str | None = None  # why autosave stopped, said once per run
    finished: RunFinished | None = None
    failed: RunFailed | None = None

    @property
    def ended(self) -> bool:
        return self.finished is not None or self.failed is not None

    def extend(self, later: Frame) -> None:
        """Add what a ``later`` frame holds, as if both had arrived in one tick: a run's frames
        kept while another run is shown are drawn later as one."""
        for name in ("batches", "epochs", "epoch_snapshots", "confusions"):
            getattr(self, name).extend(getattr(later, name))
        for name in ("status", "started", "snapshot", "confusion_sample", "autosave_off", "finished", "failed"):
            if getattr(later, name) is not None:
                setattr(self, name, getattr(later, name))

    def add(self, event) -> None:
        if isinstance(event, Status):
            self.status = event.text
        elif isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, BatchEnd):
            self.batches.append(event)
        elif isinstance(event, EpochEnd):
            self.epochs.append(event)
        elif isinstance(event, ProbeSnapshot):
            self.snapshot = event
            if event.end_of_epoch:
                self.epoch_snapshots.append(event)
        elif isinstance(event, ConfusionSample):
            self.confusion_sample = event
        elif isinstance(event, EpochConfusion):
            self.confusions.append(event)
        elif isinstance(event, AutosaveOff):
            self.autosave_off = event.message
        elif isinstance(event, RunFinished):
            self.finished = event
        elif isinstance(event, RunFailed):
            self.failed = event
        else:
            log.warning("ignoring an unknown training event %r", type(event).__name__)


class RunDriver(QObject):
    """Owns the training process of the current run, if any."""

    frameReady = pyqtSignal(object)  # Frame
    runEnded = pyqtSignal()

    def __init__(
        self,
        process_factory: Callable[[TrainConfig], object] | None = None,
        interval_ms: int = POLL_INTERVAL_MS,
        parent: QObject | None = None,
        prestart_factory: Callable[[object], object] | None = None,
    ) -> None:
        """``prestart_factory(prestart)`` makes a process (for a process.Prestart) that gets ready and waits
        for ``begin(config)``; the defaults are used for both when ``process_factory`` is None, and
        with a ``process_factory`` of its own and no prestart factory nothing is started ahead."""
        super().__init__(parent)
        self._factory = process_factory or default_process_factory
        if process_factory is None and prestart_factory is None:
            prestart_factory = default_prestart_factory
        self._prestart_factory = prestart_factory
        self._wanted_prestart = None  # the process.Prestart wanted while no run goes on
        self._prestarted = None  # the process started ahead, waiting for Train
        self._process = None
        self._exiting: list = []  # (process, deadline) of runs that have ended, not yet exited
        self._paused = False
        self._poller = LinkPoller(self._read_run, interval_ms, self)
        self._poller.polled.connect(self._on_poller_polled)

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def exiting(self) -> bool:
        """True while the process of a run that has ended is still exiting."""
        return bool(self._exiting)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def process(self):
        """The process of the run in progress, or None."""
        return self._process

    @property
    def prestarted(self):
        """The process started ahead of Train, or None."""
        return self._prestarted

    def prestart(self, data_dir: str | None, allow_download: bool) -> None:
        """Keep a process started ahead for these data settings (and the current Keras backend);
        one started for other settings is ended and replaced. Nothing happens during a run: the
        next process is started ahead once the run's own has exited."""
        if self._prestart_factory is None:
            return
        self._wanted_prestart = _prestart_for(data_dir, allow_download)
        self._prestart_if_due()

    def _prestart_if_due(self) -> None:
        wanted = self._wanted_prestart
        if wanted is None or self._process is not None or self._exiting:
            return
        current = self._prestarted
        if current is not None and current.prestart == wanted and current.is_alive():
            return
        self._end_prestarted()
        try:
            process = self._prestart_factory(wanted)
            process.start()
        except Exception:  # Train starts a process of its own, and says why if that fails too
            log.exception("could not start a training process ahead of Train")
            return
        self._prestarted = process

    def _end_prestarted(self) -> None:
        process, self._prestarted = self._prestarted, None
        if process is not None:
            process.terminate()

    def start(self, config: TrainConfig) -> None:
        if self._process is not None:
            raise RuntimeError("a run is already in progress")
        process, self._prestarted = self._prestarted, None
        if process is not None and process.prestart == _prestart_for(config.data_dir, config.allow_download):
            # If it has died meanwhile, its first poll says so, in words.
            process.begin(config)
        else:
            if process is not None:  # started for other settings
                process.terminate()
            process = self._factory(config)
            process.start()
        self._process = process
        self._paused = False
        self._poller.start()

    def pause(self) -> None:
        if self._process is not None and not self._paused:
            self._process.pause()
            self._paused = True

    def resume(self) -> None:
        if self._process is not None and self._paused:
            self._process.resume()
            self._paused = False

    def stop(self) -> None:
        """Ask the run to finish its batch, evaluate and save; RunFinished follows."""
        if self._process is not None:
            if self._paused:
                self.resume()
            self._process.stop()

    def set_probe(self, index: int) -> None:
        if self._process is not None:
            self._process.set_probe(index)

    def _read_run(self) -> tuple[list, bool]:
        """The run's events since the previous tick, and whether its process has ended without
        a result. A process's own poll() reports its death as a RunFailed when its link says so;
        this also notices one that is simply no longer alive."""
        process = self._process
        if process is None:
            return [], False
        events = process.poll()
        if not any(isinstance(event, (RunFinished, RunFailed)) for event in events) and not process.is_alive():
            # The child may have sent its last event just before exiting: read once more.
            events += process.poll()
            return events, not any(isinstance(event, (RunFinished, RunFailed)) for event in events)
        return events, False

    def _on_poller_polled(self, events: list, died: bool) -> None:
        self._reap_exiting()
        process = self._process
        if process is None:
            if not self._exiting:
                self._poller.stop()
                self._prestart_if_due()  # the ended run's process has exited: get the next one ready
            return
        frame = Frame()
        for event in events:
            frame.add(event)
        if died:
            from visualizer.training.process import run_died

            frame.failed = run_died()
        if frame.ended:
            self._release()
        self.frameReady.emit(frame)
        if frame.ended:
            self.runEnded.emit()

    def _release(self) -> None:
        """The run has reported its end; its process exits on its own (tearing down TensorFlow
        takes a second or two). The timer keeps ticking to reap it without blocking the GUI."""
        self._exiting.append((self._process, time.monotonic() + STOP_GRACE_S))
        self._process = None
        self._paused = False
        self._reap_exiting()

    def _reap_exiting(self, wait: bool = False) -> None:
        still_exiting = []
        for process, deadline in self._exiting:
            if wait:
                process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive() and time.monotonic() < deadline:
                still_exiting.append((process, deadline))
                continue
            if process.is_alive():
                log.warning("the training process did not exit after its last event; terminating it")
                process.terminate()
            process.join(0)
        self._exiting = still_exiting

    def shutdown(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop the run for good (the window is closing): ask it to stop, wait up to ``grace_s``
        for it to end, then terminate it. Its remaining events are dropped. A process started
        ahead is ended at once."""
        self._wanted_prestart = None
        self._end_prestarted()
        self._reap_exiting(wait=True)
        self._poller.stop()
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            if self._paused:
                process.resume()
            process.stop()
            deadline = time.monotonic() + grace_s
            while process.is_alive() and time.monotonic() < deadline:
                process.poll()  # keep the pipe drained so the child is never blocked writing
                process.join(0.05)
        finally:
            if process.is_alive():
                log.warning("the training process did not stop within %.0f s; terminating it", grace_s)
                process.terminate()
                process.join(grace_s)
            self._paused = False
