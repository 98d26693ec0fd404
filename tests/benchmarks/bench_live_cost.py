"""Where the live view's cost goes: plain ``model.fit`` against the training page's run with the
Feature maps tab drawing, and the same run with the Results tab in front (the snapshots arrive and
are decoded, and nothing is drawn), interleaved round by round; then, in one process with no window,
the share of the training thread's time spent taking and sending pictures; and which widgets of the
page paint, how often and at what cost, while it is fed 25 snapshots a second (no training).

    python -m tests.benchmarks.bench_live_cost [--rounds 4] [--limit 15000] [--skip-window]

Prints each round's images/s and ratios, and the medians.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def window_rounds(rounds: int, limit: int) -> None:
    from PyQt6.QtWidgets import QApplication

    from visualizer.bench.live_training import discard_model, make_page, run_in_window, wait_for_prestart
    from visualizer.bench.plain_fit import images_per_second, measure_plain
    from visualizer.childprocess import CHILD_NICENESS
    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()  # as the app's window is made
    app = QApplication.instance() or QApplication(sys.argv[:1])
    page = make_page(app, 1, limit, 2000)
    config = page.settings.config()
    rates: dict[str, list[float]] = {"plain": [], "drawn": [], "not drawn": []}
    try:
        for round_number in range(1, rounds + 1):
            for kind in rates:
                wait_for_prestart(page)
                if kind == "plain":
                    rate = images_per_second(measure_plain(config, synchronous=False, niceness=CHILD_NICENESS))
                    print(f"round {round_number} plain: {rate:,.0f} images/s", flush=True)
                else:
                    page.tabs.setCurrentWidget(page.maps_tab if kind == "drawn" else page.results_tab)
                    app.processEvents()
                    run = run_in_window(page)
                    discard_model(run.model_path)
                    rate = images_per_second({"train_count": run.train_count, "epoch_ends": run.epoch_ends})
                    print(f"round {round_number} {kind}: {rate:,.0f} images/s, {run.live_hz:.1f} drawn a second, "
                          f"window {run.window_cores:.2f} cores", flush=True)
                rates[kind].append(rate)
    finally:
        page.shutdown()
    for kind in ("drawn", "not drawn"):
        ratios = [window / plain for window, plain in zip(rates[kind], rates["plain"])]
        print(f"{kind}: ratio per round {', '.join(f'{ratio:.3f}' for ratio in ratios)}; "
              f"median {statistics.median(ratios):.3f}")


def picture_share(limit: int) -> None:
    """The app's run in this process, no window: time inside the live view's picture taking."""
    from visualizer.training import live_callback
    from visualizer.training.config import TrainConfig
    from visualizer.training.run import run

    spent: collections.Counter = collections.Counter()
    probe = live_callback.LiveView._send_probe

    def timed_probe(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return probe(self, *args, **kwargs)
        finally:
            spent["s"] += time.perf_counter() - began
            spent["n"] += 1

    live_callback.LiveView._send_probe = timed_probe
    result = run(TrainConfig(epochs=1, train_limit=limit, test_limit=2000), lambda event: None)
    live_callback.LiveView._send_probe = probe
    fit_s = result.elapsed_s
    print(f"pictures: {spent['n']} in {fit_s:.1f} s of training ({spent['n'] / fit_s:.1f} a second), "
          f"{spent['s'] / max(spent['n'], 1) * 1000:.2f} ms each, {spent['s'] / fit_s:.1%} of the training thread's time")


def paint_split(seconds: float = 6.0) -> None:
    """The page at 1280x720 fed the seed CNN's snapshots 25 a second and batch reports 10 a second;
    each widget's paint events timed in QApplication.notify."""
    from PyQt6.QtCore import QEvent, QTimer
    from PyQt6.QtWidgets import QApplication

    from tests.ui.training.test_controller import STARTED
    from tests.ui.training.training_script import snapshot
    from visualizer.resources import RECORDED_RUN_ENV
    from visualizer.training.events import BatchEnd
    from visualizer.ui.training.link import Frame
    from visualizer.ui.training.page import TrainingPage

    cost: collections.Counter = collections.Counter()
    count: collections.Counter = collections.Counter()

    class TimingApplication(QApplication):
        def notify(self, receiver, event):
            if event.type() != QEvent.Type.Paint:
                return super().notify(receiver, event)
            began = time.process_time()
            handled = super().notify(receiver, event)
            parent = receiver.parent()
            name = f"{type(receiver).__name__} in {type(parent).__name__}" if parent is not None else type(receiver).__name__
            cost[name] += time.process_time() - began
            count[name] += 1
            return handled

    app = QApplication.instance() or TimingApplication(sys.argv[:1])
    os.environ[RECORDED_RUN_ENV] = ""  # a bundled run shown on the page would hold it in replay, not live
    page = TrainingPage()
    page.resize(1280, 720)
    page.show()
    page.tabs.setCurrentWidget(page.maps_tab)
    app.processEvents()
    page.controller.on_frame(frame_of(Frame, STARTED))
    snapshots = [snapshot(1 + index % 5, index) for index in range(10)]
    fed = {"snapshots": 0, "batches": 0}

    def feed_snapshot():
        fed["snapshots"] += 1
        page.controller.on_frame(frame_of(Frame, snapshots[fed["snapshots"] % 10]))

    def feed_batch():
        fed["batches"] += 1
        page.controller.on_frame(frame_of(Frame, BatchEnd(1, fed["batches"], 10_000, 0.5, 0.8, 1500.0, fed["batches"] / 10)))

    timers = [QTimer(), QTimer()]
    for timer, feed, interval_ms in zip(timers, (feed_snapshot, feed_batch), (40, 100)):
        timer.timeout.connect(feed)
        timer.start(interval_ms)
    cost.clear()
    count.clear()
    cpu, end = time.process_time(), time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    total = time.process_time() - cpu
    print(f"window CPU {total / seconds:.3f} cores, of which painting {sum(cost.values()) / seconds * 1000:.0f} ms a second:")
    for name, spent in cost.most_common(10):
        print(f"  {spent / seconds * 1000:6.1f} ms a second, {count[name] / seconds:5.1f} paints a second: {name}")
    page.shutdown()


def frame_of(frame_class, event):
    frame = frame_class()
    frame.add(event)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--limit", type=int, default=15000, help="training images per run")
    parser.add_argument("--skip-window", action="store_true", help="only the pictures' share and the paint split")
    args = parser.parse_args(argv)
    paint_split()
    if not args.skip_window:
        window_rounds(args.rounds, args.limit)
    picture_share(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
