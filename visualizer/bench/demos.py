"""The concept pages: a parameter change (which recomputes the op and its trace) plus a
synchronous repaint of the page, on the 256x256 photograph. The figure is the worst page's median;
the budget is one frame at 60 Hz."""

from __future__ import annotations

import statistics
import time

WARM_UP_RUNS = 2


def cases():
    """(name, page class, change(page, i)) for each concept page with a 256x256 image."""
    from visualizer.ui.demos.convolution import ConvolutionPage
    from visualizer.ui.demos.pooling import PoolingPage
    from visualizer.ui.demos.stride_padding import StridePaddingPage
    from visualizer.ui.demos.transposed import TransposedConvolutionPage
    from visualizer.ui.kit import kernel_presets

    presets = (kernel_presets.SHARPEN, kernel_presets.BOX)
    return (
        ("convolution: kernel preset", ConvolutionPage, lambda page, i: page.kernel_editor.set_preset(presets[i % 2])),
        ("stride-padding: stride", StridePaddingPage, lambda page, i: page.stride_cols.setValue(1 + i % 2)),
        ("pooling: mode", PoolingPage, lambda page, i: page.mode_box.setCurrentIndex(i % 2)),
        ("transposed: stride", TransposedConvolutionPage, lambda page, i: page.stride_cols.setValue(1 + i % 2)),
    )


def open_page(page_class, app):
    page = page_class()
    page.resize(1060, 660)
    page.show()
    page.source.select("camera")  # the 256x256 photograph
    app.processEvents()
    assert page.source.image().shape == (256, 256)
    return page


def time_ms(action, runs: int) -> list[float]:
    """Wall milliseconds of each of ``runs`` calls, after WARM_UP_RUNS that are not counted."""
    times = []
    for i in range(runs + WARM_UP_RUNS):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return times[WARM_UP_RUNS:]


def change_and_repaint_ms(page_class, change, app, runs: int) -> list[float]:
    page = open_page(page_class, app)
    try:

        def change_and_repaint(i: int) -> None:
            change(page, i)
            page.repaint()

        return time_ms(change_and_repaint, runs)
    finally:
        page.close()


def measure_demos(app, runs: int) -> dict:
    """demo_redraw_ms (the worst page's median) and each page's median."""
    per_page = {name: statistics.median(change_and_repaint_ms(page_class, change, app, runs)) for name, page_class, change in cases()}
    worst = max(per_page, key=per_page.get)
    return {"demo_redraw_ms": per_page[worst], "demo_worst_page": worst, "demo_pages_ms": per_page}
