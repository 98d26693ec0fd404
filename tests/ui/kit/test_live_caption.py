"""LiveCaption, the probe's caption that changes 20 times a second: each new text is painted once
(a rich-text QLabel painted it twice: again once its document was laid out), wrapped to its width."""

from __future__ import annotations

import time

from PyQt6.QtCore import QEvent, QObject
from PyQt6.QtWidgets import QApplication

from tests.ui.training.training_script import snapshot
from visualizer.ui.kit.plain import LiveCaption
from visualizer.ui.training.tabs.snapshots import FeatureMapsTab


class PaintCounter(QObject):
    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def settle(seconds: float = 0.1) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def test_each_new_probe_caption_is_painted_once(qtbot):
    """A rich-text QLabel painted each new text twice (once more when its document had been laid
    out): 20 times a second, while a run trains."""
    tab = FeatureMapsTab()
    qtbot.addWidget(tab)
    tab.resize(900, 700)
    tab.show()
    qtbot.waitExposed(tab)
    settle()
    counter = PaintCounter(tab.probe_view.caption)
    counts = []
    for batch in range(1, 4):
        before = counter.count
        tab.show_snapshot(snapshot(1, batch))
        settle()
        counts.append(counter.count - before)
    assert counts == [1, 1, 1]
    assert "batch 3" in tab.probe_view.caption.text()


def test_the_text_is_kept_and_the_size_fixed(qtbot):
    caption = LiveCaption("No image yet", 230, 5)
    qtbot.addWidget(caption)
    assert caption.text() == "No image yet"
    assert caption.width() == 230 and caption.height() == 5 * caption.fontMetrics().lineSpacing()
    caption.setText("a<br>b")
    assert caption.text() == "a<br>b" and caption.width() == 230
