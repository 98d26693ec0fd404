"""The training page's progress bar: the newest position within PROGRESS_INTERVAL_MS, however fast
batches come; a run's end and the busy bar at once."""

from __future__ import annotations

import pytest

from visualizer.ui.training.page import PROGRESS_INTERVAL_MS, TrainingPage


def test_the_progress_bar_keeps_up_with_the_newest_batch_at_its_own_pace(qtbot, keep):
    page = keep(TrainingPage(process_factory=lambda config: pytest.fail("nothing is trained here")),
                before_close=TrainingPage.shutdown)
    page.show()
    qtbot.waitExposed(page)
    panel = page.run_panel
    page.show_progress(0, 0, "")
    assert panel.progress.maximum() == 0, "busy at once"
    qtbot.wait(2 * PROGRESS_INTERVAL_MS)
    for done in range(1, 51):  # far faster than the bar moves
        page.show_progress(done, 100, f"batch {done}/100")
    assert panel.progress.format() == "batch 1/100", "the first at once, the rest held back"
    qtbot.waitUntil(lambda: panel.progress.format() == "batch 50/100", timeout=10 * PROGRESS_INTERVAL_MS)
    assert panel.progress.value() == 50
    page.show_progress(51, 100, "batch 51/100")
    page.show_progress(100, 100, "Finished")
    assert panel.progress.format() == "Finished" and panel.progress.value() == 100, "the end at once"


def test_each_new_position_paints_the_bar_once_with_its_text(qtbot):
    from PyQt6.QtCore import QEvent, QObject
    from PyQt6.QtWidgets import QApplication

    from visualizer.ui.training.run_panel import RunPanel

    class Paints(QObject):
        def __init__(self, widget) -> None:
            super().__init__()
            self.formats: list[str] = []
            widget.installEventFilter(self)

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.formats.append(watched.format())
            return False

    panel = RunPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_progress(0, 100, "batch 0/100")
    qtbot.wait(50)
    paints = Paints(panel.progress)
    for done in (1, 2, 3):
        panel.show_progress(done, 100, f"batch {done}/100")
        QApplication.processEvents()
        qtbot.wait(20)
    assert paints.formats == ["batch 1/100", "batch 2/100", "batch 3/100"]  # never the old text, never twice
