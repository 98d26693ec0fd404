"""LiveCaption, the probe's caption that changes 20 times a second: each new text is painted once
(a rich-text QLabel painted it twice: again once its document was laid out), wrapped to its width,
and at most SHOWN_PER_SECOND texts are shown a second, the newest last."""

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
        settle(1.5 / LiveCaption.SHOWN_PER_SECOND)
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


def test_texts_faster_than_can_be_read_are_shown_at_most_so_many_a_second_the_newest_last(qtbot):
    caption = LiveCaption("No image yet", 230, 5)
    qtbot.addWidget(caption)
    caption.show()
    qtbot.waitExposed(caption)
    settle(2 / LiveCaption.SHOWN_PER_SECOND)  # the first text rests
    counter = PaintCounter(caption)
    began = time.monotonic()
    for batch in range(25):  # a second's texts, at once
        caption.setText(f"batch {batch}")
    assert caption.text() == "batch 24" and caption.shown_text() == "batch 0"
    settle(0.01)
    assert counter.count == 1
    qtbot.waitUntil(lambda: caption.shown_text() == "batch 24", timeout=1000)
    assert time.monotonic() - began >= 0.9 / LiveCaption.SHOWN_PER_SECOND
    settle(2 / LiveCaption.SHOWN_PER_SECOND)
    assert counter.count == 2  # the first and the newest: none of the 23 between
