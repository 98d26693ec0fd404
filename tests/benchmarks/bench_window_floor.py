"""What the least of windows costs training on this machine: plain ``model.fit`` alone, against the
same ``fit`` beside a bare window in a process of its own that does nothing but paint one picture
of a given size a given number of times a second (offscreen, prepared as the app's window is),
interleaved round by round. The training page's window does that and more for each picture
(receives and checks it, colours its layers, draws the bars and the caption), so its cost to
training is at least this.

    python -m tests.benchmarks.bench_window_floor [--rounds 3] [--limit 15000] [--windows 660x560@20,1280x720@25]

Prints each round's images/s, each bare window's CPU in cores, and the ratios' medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def paint(size: str, rate_hz: float) -> None:
    """The bare window: one widget of ``size`` painting a new picture ``rate_hz`` times a second
    until it is terminated."""
    import signal

    import numpy as np
    from PyQt6.QtCore import QTimer
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtWidgets import QApplication, QWidget

    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()
    app = QApplication(sys.argv[:1])
    rng = np.random.default_rng(0)
    # Small pictures drawn scaled up, as the feature maps are.
    pictures = [rng.integers(0, 255, (120, 160, 4), dtype=np.uint8) for _ in range(8)]

    class Bare(QWidget):
        shown = 0

        def paintEvent(self, event) -> None:
            picture = pictures[self.shown % len(pictures)]
            image = QImage(picture.data, 160, 120, 4 * 160, QImage.Format.Format_RGBA8888_Premultiplied)
            painter = QPainter(self)
            painter.drawImage(self.rect(), image)
            painter.end()

    def next_picture() -> None:
        window.shown += 1
        window.update()

    window = Bare()
    window.resize(*(int(side) for side in size.split("x")))
    window.show()
    timer = QTimer()
    timer.timeout.connect(next_picture)
    timer.start(round(1000 / rate_hz))
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer()  # lets Python see SIGTERM while Qt waits
    wake.timeout.connect(lambda: None)
    wake.start(200)
    app.exec()


def cpu_seconds(pid: int) -> float:
    """A process's user and system CPU seconds, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def beside_window(config, window: str) -> tuple[float, float]:
    """Plain fit's images/s beside the bare ``window`` ("WxH@HZ"), and the window's cores."""
    from visualizer.bench.plain_fit import images_per_second, measure_plain
    from visualizer.childprocess import CHILD_NICENESS

    size, rate = window.split("@")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.bench_window_floor", "--paint", size, rate],
                             env=env, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)  # its start-up is not what is measured
        started, cpu = time.monotonic(), cpu_seconds(child.pid)
        rate_seen = images_per_second(measure_plain(config, synchronous=False, niceness=CHILD_NICENESS))
        cores = (cpu_seconds(child.pid) - cpu) / (time.monotonic() - started)
    finally:
        child.terminate()
        child.wait(30)
    return rate_seen, cores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=15000, help="training images per fit")
    parser.add_argument("--windows", default="660x560@20,1280x720@25",
                        help="bare windows, comma-separated WIDTHxHEIGHT@PICTURES_PER_SECOND")
    parser.add_argument("--paint", nargs=2, metavar=("SIZE", "HZ"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.paint:
        paint(args.paint[0], float(args.paint[1]))
        return

    from visualizer.bench.plain_fit import images_per_second, measure_plain
    from visualizer.childprocess import CHILD_NICENESS
    from visualizer.training.config import TrainConfig

    config = TrainConfig(epochs=1, train_limit=args.limit, test_limit=2000)
    windows = args.windows.split(",")
    for window in windows:
        size, _, rate = window.partition("@")
        width, _, height = size.partition("x")
        if not (width.isdigit() and height.isdigit() and rate.replace(".", "", 1).isdigit() and float(rate) > 0):
            parser.error(f"--windows: {window!r} is not WIDTHxHEIGHT@PICTURES_PER_SECOND, e.g. 660x560@20")
    ratios: dict[str, list[float]] = {window: [] for window in windows}
    for round_number in range(1, args.rounds + 1):
        alone = images_per_second(measure_plain(config, synchronous=False, niceness=CHILD_NICENESS))
        print(f"round {round_number} alone: {alone:,.0f} images/s", flush=True)
        for window in windows:
            rate, cores = beside_window(config, window)
            ratios[window].append(rate / alone)
            print(f"round {round_number} beside {window}: {rate:,.0f} images/s ({rate / alone:.3f}), "
                  f"window {cores:.3f} cores", flush=True)
    for window, values in ratios.items():
        print(f"beside {window}: ratio per round {', '.join(f'{value:.3f}' for value in values)}; "
              f"median {statistics.median(values):.3f}")


if __name__ == "__main__":
    main()
