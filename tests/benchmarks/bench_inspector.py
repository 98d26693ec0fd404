"""The model inspector in the window, with its real model process: how long opening a model,
a drawing stroke and the whole test set take, and how smoothly the window ticks meanwhile.

    python -m tests.benchmarks.bench_inspector MODEL.keras [--strokes 60]

- open: from File > Open model to the model's report shown (the first open includes starting the
  model process and importing Keras in it);
- stroke to bars: from a changed drawing (the Draw tab's pictureChanged) to the bars showing the
  model's answer for it, one stroke after another, each waiting for its answer;
- test set: from Evaluate to every probability shown (Fashion-MNIST's test split, found as training
  finds it: set CNN_VISUALIZER_DATA for the full 10,000 images);
- tick gaps: a 10 ms QTimer on the window's thread during each phase; a gap far above 10 ms is time
  the window could not react (targets p99 < 20 ms, max < 50 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from visualizer.bench.ticks import Ticks, gap_summary  # noqa: E402


def wait(app, condition, timeout_s: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("gave up waiting")
        app.processEvents()
        time.sleep(0.0005)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained 28x28 grayscale classifier, e.g. from `cnn-visualizer train`")
    parser.add_argument("--strokes", type=int, default=60)
    args = parser.parse_args(argv)

    import numpy as np
    from PyQt6.QtWidgets import QApplication

    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()  # as the app's window is made
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from visualizer.ui.main_window import MainWindow

    window = MainWindow(first_page="inspector")
    window.resize(1280, 720)
    window.show()
    page = window.current_page()
    ticks = Ticks()
    try:
        started = time.perf_counter()
        page.open_model(args.model, may_ask=False)
        wait(app, lambda: page.controller.opened is not None or page.failure() is not None)
        if page.failure():
            print(f"could not open {args.model}: {page.failure()}")
            return 1
        opened_s = time.perf_counter() - started
        open_gaps = ticks.take()

        wait(app, lambda: not page.controller.evaluating)  # opening a 10-class model evaluates it
        evaluation_s = time.perf_counter() - started - opened_s
        evaluation_gaps = ticks.take()
        evaluated = page.controller.evaluation
        count = 0 if evaluated is None else len(evaluated.labels)

        page.tabs.setCurrentWidget(page.draw_tab)
        rng = np.random.default_rng(0)
        stroke_ms = []
        canvas = np.zeros((28, 28))
        for _ in range(args.strokes):
            row, col = rng.integers(2, 26, size=2)
            canvas[row - 2 : row + 2, col - 2 : col + 2] = 1.0
            before = page.controller.explained
            sent = time.perf_counter()
            page.draw_tab.pictureChanged.emit(canvas.copy())
            wait(app, lambda before=before: page.controller.explained is not before)
            app.processEvents()  # the bars repaint
            stroke_ms.append((time.perf_counter() - sent) * 1000)
        stroke_gaps = ticks.take()
    finally:
        ticks.stop()
        window.close()

    print(f"model: {args.model}")
    print(f"open (process start, Keras import, load, report shown): {opened_s:.2f} s; {gap_summary(open_gaps)}")
    print(f"test set ({count:,} images) evaluated and shown: {evaluation_s:.2f} s; {gap_summary(evaluation_gaps)}")
    print(
        f"stroke to bars, {len(stroke_ms)} strokes: median {statistics.median(stroke_ms):.1f} ms, "
        f"p90 {np.percentile(stroke_ms, 90):.1f} ms, max {max(stroke_ms):.1f} ms; {gap_summary(stroke_gaps)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
