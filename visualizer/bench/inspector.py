"""The model inspector in the window with its real model process: opening a model from the menu,
the test set evaluated and shown, and a drawing stroke to the bars that show the model's answer.

A user looks at the page, then picks a file in File > Open model's dialog: seconds in which the
page starts its model process ahead and that process imports Keras. The bench waits as long as
that takes (inspector_ready_s, said in the log) before it opens the model the way the menu does,
so inspector_load_ms is what the user waits for after choosing the file."""

from __future__ import annotations

import statistics
import time

from visualizer.bench.ticks import wait_until


def train_seed_model(train_limit: int | None, test_limit: int | None) -> str:
    """The seed CNN trained for one epoch on a slice of the data, in the app's training process;
    the path of its model (in a temporary folder the caller removes, see discard_model)."""
    from visualizer.training.config import TrainConfig
    from visualizer.training.events import RunFinished
    from visualizer.training.process import TrainingProcess

    config = TrainConfig(epochs=1, train_limit=train_limit, test_limit=test_limit,
                         allow_download=False, seed=0)
    process = TrainingProcess(config)
    process.start()
    events: list = []
    while not process.finished:
        events.extend(process.poll())
        time.sleep(0.05)
    process.join(30)
    if not isinstance(events[-1], RunFinished):
        raise RuntimeError(f"training the model for the inspector failed: {events[-1].message}")
    return events[-1].model_path


def measure_inspector(model_path: str, strokes: int) -> dict:
    """inspector_load_ms, inspector_eval_s and inspector_stroke_ms (median over ``strokes``), and
    inspector_ready_s: from the page shown to its model process ready."""
    import numpy as np

    from visualizer.ui.main_window import MainWindow

    window = MainWindow(first_page="inspector")
    window.resize(1280, 720)
    window.show()
    page = window.current_page()
    try:
        shown = time.perf_counter()
        wait_until(page.client.is_ready, what="the model process started ahead", timeout_s=300)
        ready = time.perf_counter()
        started = time.perf_counter()
        window.inspect_model(model_path, may_ask=False)  # what File > Open model does with the file chosen
        wait_until(lambda: page.controller.opened is not None or page.failure() is not None, what="the model to open")
        if page.failure():
            raise RuntimeError(f"the inspector could not open {model_path}: {page.failure()}")
        opened = time.perf_counter()
        # Opening a 10-class model evaluates the test set.
        wait_until(lambda: not page.controller.evaluating, what="the test set")
        evaluated = time.perf_counter()
        evaluation = page.controller.evaluation
        page.tabs.setCurrentWidget(page.draw_tab)
        stroke_ms = _strokes(page, strokes, np.random.default_rng(0))
    finally:
        window.close()
    return {
        "inspector_ready_s": ready - shown,
        "inspector_load_ms": (opened - started) * 1000,
        "inspector_eval_s": evaluated - opened,
        "inspector_eval_images": 0 if evaluation is None else len(evaluation.labels),
        "inspector_stroke_ms": statistics.median(stroke_ms),
        "inspector_stroke_max_ms": max(stroke_ms),
    }


def _strokes(page, count: int, rng) -> list[float]:
    """Milliseconds from a changed drawing to its answer shown, one stroke after another."""
    import numpy as np
    from PyQt6.QtWidgets import QApplication

    canvas = np.zeros((28, 28))
    times = []
    for _ in range(count):
        row, col = rng.integers(2, 26, size=2)
        canvas[row - 2 : row + 2, col - 2 : col + 2] = 1.0
        before = page.controller.explained
        sent = time.perf_counter()
        page.draw_tab.pictureChanged.emit(canvas.copy())
        wait_until(lambda before=before: page.controller.explained is not before, what="the bars", check_ms=1)
        QApplication.processEvents()  # the bars repaint
        times.append((time.perf_counter() - sent) * 1000)
    return times
