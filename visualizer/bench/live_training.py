"""The training page with its real training process and the feature-maps tab drawing: how fast it
trains, how often it draws, how smoothly the window ticks, how long until the first picture, and
how much memory the training process takes. Timed over the same spans as plain_fit."""

from __future__ import annotations

import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from visualizer.bench.ticks import Ticks, wait_until
from visualizer.training.events import BatchEnd, EpochEnd, RunFailed, RunFinished, RunStarted
from visualizer.training.process import TrainingProcess

RSS_READ_INTERVAL_S = 0.2
WINDOW_SIZE = (1080, 680)


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident memory so far (VmHWM in /proc/PID/status), or None where that
    cannot be read (not Linux, or the process has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class RecordingProcess(TrainingProcess):
    """The app's training process, recording when each event reached the window and the child's
    peak memory (read a few times a second while it runs, and when its result arrives)."""

    def __init__(self, config, prestart=None) -> None:
        super().__init__(config, prestart.backend if prestart else None, prestart=prestart)
        self.arrivals: list[tuple[float, object]] = []
        self.peak_rss_mb: float | None = None
        self._rss_read_at = 0.0

    def poll(self, max_events: int | None = None) -> list:
        now = time.perf_counter()
        if now - self._rss_read_at > RSS_READ_INTERVAL_S:
            self._read_rss(now)
        events = super().poll(max_events)
        if self.finished:
            self._read_rss(now)
        self.arrivals.extend((now, event) for event in events)
        return events

    def _read_rss(self, now: float) -> None:
        self._rss_read_at = now
        rss = peak_rss_mb(self.pid)
        if rss is not None:
            self.peak_rss_mb = max(rss, self.peak_rss_mb or 0.0)


@dataclass
class WindowRun:
    """One run of the training page, from pressing Train to its result shown."""

    train_count: int
    epoch_ends: list[float]  # seconds from on_train_begin to each epoch's end, as the child timed them
    first_frame_ms: float | None
    live_hz: float
    gaps_ms: list[float] = field(repr=False)
    peak_rss_mb: float | None = None
    window_cores: float = float("nan")  # the window process's CPU use while it drew, in cores
    model_path: str = ""
    test_accuracy: float = 0.0


def make_page(app, epochs: int, train_limit: int, test_limit: int, pictures: str | None = None,
              start_ahead: bool = True):
    """A shown training page set up for a run (on the data folder it finds first, as the app
    does, or on ``pictures``, a folder of class sub-folders), its feature-maps tab in front, whose
    processes record what reaches the window (one is started ahead of Train, as in the app, unless
    not ``start_ahead``: for a page that only shows scripts' runs)."""
    from visualizer.ui.shell.qt_options import prepare_qt
    from visualizer.ui.training.page import TrainingPage

    prepare_qt()
    page = TrainingPage(
        process_factory=RecordingProcess,
        prestart_factory=(lambda prestart: RecordingProcess(None, prestart)) if start_ahead else None,
    )
    page.resize(*WINDOW_SIZE)
    page.show()
    form = page.settings
    if pictures is not None:
        form.add_data_folder(pictures, dataset="folder")
    form.epochs.setValue(epochs)
    form.train_limit.setValue(train_limit)
    form.test_limit.setValue(test_limit)
    page.tabs.setCurrentWidget(page.maps_tab)
    app.processEvents()
    return page


def wait_for_prestart(page, timeout_s: float = 300.0) -> None:
    """Until the process started ahead of Train waits idle (and an ended run's has exited), so
    that its start-up does not weigh on what is measured next."""
    driver = page.driver

    def ready() -> bool:
        prestarted = driver.prestarted
        return not driver.exiting and prestarted is not None and prestarted.is_ready()

    wait_until(ready, timeout_s, "the training process started ahead")


def record_frames(page) -> tuple[list[float], list[float]]:
    """Times at which the feature-maps tab draws a snapshot, from now on, and this process's CPU
    seconds at each."""
    drawn: list[float] = []
    cpu: list[float] = []
    draw = page.maps_tab.show_snapshot

    def draw_and_record(snapshot) -> None:
        draw(snapshot)
        drawn.append(time.perf_counter())
        cpu.append(time.process_time())

    page.maps_tab.show_snapshot = draw_and_record
    return drawn, cpu


def run_in_window(page, timeout_s: float = 3600.0) -> WindowRun:
    """Press Train, wait for the run's result, and measure it."""
    drawn, cpu = record_frames(page)
    ticks = Ticks()
    pressed = time.perf_counter()
    page.run_panel.train_button.click()
    process = page.driver.process
    try:
        wait_until(lambda: process.finished and page.controller.state == "idle", timeout_s, "the training run")
    finally:
        ticks.stop()
        del page.maps_tab.show_snapshot  # the class's method again
    events = [event for _, event in process.arrivals]
    result = events[-1]
    if isinstance(result, RunFailed):
        raise RuntimeError(f"the app's run failed: {result.message}\n{result.traceback}")
    assert isinstance(result, RunFinished)
    start, end = training_span([(at, event) for at, event in process.arrivals if isinstance(event, BatchEnd)])
    training_s = end - start
    frames = sum(start <= at <= end for at in drawn)
    return WindowRun(
        train_count=next(e.train_count for e in events if isinstance(e, RunStarted)),
        epoch_ends=[e.elapsed_s for e in events if isinstance(e, EpochEnd)],
        first_frame_ms=(drawn[0] - pressed) * 1000 if drawn else None,
        live_hz=frames / training_s if training_s > 0 else float("nan"),
        gaps_ms=ticks.take(),
        peak_rss_mb=process.peak_rss_mb,
        window_cores=(cpu[-1] - cpu[0]) / (drawn[-1] - drawn[0]) if len(drawn) > 2 else float("nan"),
        model_path=result.model_path,
        test_accuracy=result.test_accuracy,
    )


def training_span(batch_reports: list[tuple[float, BatchEnd]]) -> tuple[float, float]:
    """(start, end), on this process's clock, of the time a run's batches took, from its batch
    reports and their arrival times: from the first report's arrival, for as long as the run's own
    clock says its batches took. The last report's arrival is no end: a report the rate limit held
    back goes out at the epoch's end, after the validation pass, which sends no pictures (with the
    10,000 test images, 3 of a 20-second run's seconds)."""
    if len(batch_reports) < 2:
        return 0.0, 0.0
    (first_at, first), (_, last) = batch_reports[0], batch_reports[-1]
    return first_at, first_at + (last.elapsed_s - first.elapsed_s)


def discard_model(path: str) -> None:
    """Remove a run's model and the temporary folder the run made for it."""
    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def median_or_none(values: list) -> float | None:
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None
