"""LatestOnly: the newest value is drawn, at most once per interval counted from the beginning of
one drawing to the beginning of the next, and only while its widget is in view."""

from __future__ import annotations

from PyQt6.QtWidgets import QWidget

from visualizer.ui.kit import latest_only
from visualizer.ui.kit.latest_only import LatestOnly


def test_a_slow_drawing_does_not_lower_the_rate_and_the_newest_value_wins(qtbot, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(latest_only.time, "monotonic", lambda: clock[0])
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    drawn: list[int] = []

    def draw(value: int) -> None:  # a drawing that takes 30 ms of the 40 ms interval
        drawn.append(value)
        clock[0] += 0.030

    drawer = LatestOnly(widget, draw, 40)
    drawer.submit(1)
    assert drawn == [1], "the first value is drawn at once"
    clock[0] = 100.041  # 41 ms after the last drawing began, 11 ms after it ended
    drawer.submit(2)
    assert drawn == [1, 2], "due by the time its drawing began, not after it ended"
    clock[0] = 100.075  # 34 ms after the drawing of 2 began: it waits its turn, and newer values replace it
    drawer.submit(3)
    drawer.submit(4)
    assert drawn == [1, 2]
    clock[0] = 100.090
    qtbot.waitUntil(lambda: drawn == [1, 2, 4], timeout=2000)


def test_a_hidden_widget_draws_nothing_until_flushed_in_view(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    drawn: list[int] = []
    drawer = LatestOnly(widget, drawn.append, 40)
    drawer.submit(1)
    drawer.flush()
    assert drawn == []
    widget.show()
    drawer.flush()
    assert drawn == [1]
    drawer.submit(2)
    drawer.clear()
    qtbot.wait(100)
    assert drawn == [1], "a cleared value is never drawn"
