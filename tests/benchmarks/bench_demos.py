"""How long a parameter change takes to reach the screen on each concept page, for a 256x256 image.

Run: python -m tests.benchmarks.bench_demos   (offscreen; prints the median and the worst of N runs)

Each run changes one setting (which recomputes the op and its trace) and then renders the whole
page with `grab()`, so the figure covers the maths, the widget updates and the painting (of every
control too, which a real repaint would skip). A second figure times the change plus
`repaint()`, the synchronous paint of the page as it appears on screen. The budget is one frame at 60 Hz, 16 ms. Wall time
suffers when other processes share the CPU, so the CPU time of this process is printed as well.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from visualizer.bench.demos import cases, change_and_repaint_ms, open_page  # noqa: E402

RUNS = 30
BUDGET_MS = 16.0


def measure(page_class, change, app) -> tuple[list[float], list[float], list[float], list[float]]:
    page = open_page(page_class, app)
    wall, cpu, steps = [], [], []
    for i in range(RUNS + 2):
        start = time.perf_counter()
        page.step(-1 if i % 2 else 1)  # what Play does 60 times a second at full speed
        page.grab()
        app.processEvents()
        steps.append((time.perf_counter() - start) * 1000)
    for i in range(RUNS + 2):
        start, start_cpu = time.perf_counter(), time.process_time()
        change(page, i)
        page.grab()
        app.processEvents()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    page.close()
    repainted = change_and_repaint_ms(page_class, change, app, RUNS)
    return wall[2:], cpu[2:], steps[2:], repainted  # the first runs warm caches


def main() -> int:
    from PyQt6.QtWidgets import QApplication

    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()  # as the app's window is made
    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(f"parameter change + full page render, 256x256 image, {RUNS} runs (budget {BUDGET_MS:.0f} ms)")
    over = False
    for name, page_class, change in cases():
        wall, cpu, steps, repainted = measure(page_class, change, app)
        median = statistics.median(wall)
        over |= median > BUDGET_MS
        print(
            f"  {name:<28} median {median:6.1f} ms   worst {max(wall):6.1f} ms   "
            f"(CPU median {statistics.median(cpu):5.1f} ms; one step: median {statistics.median(steps):5.1f} ms; "
            f"change + repaint(): median {statistics.median(repainted):5.1f} ms)"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
