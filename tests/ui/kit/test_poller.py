"""The pages' LinkPoller: reads on its timer, hands on every tick's messages with whether the far
end died, and keeps the pace it is given."""

from __future__ import annotations

from visualizer.ui.kit.poller import LinkPoller


def test_each_tick_hands_on_what_was_read_and_whether_the_far_end_died(qtbot):
    reads = [([1, 2], False), ([], False), ([3], True)]
    poller = LinkPoller(lambda: reads.pop(0) if reads else ([], False), interval_ms=5)
    ticks: list = []
    poller.polled.connect(lambda messages, died: ticks.append((messages, died)))
    poller.start()
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=2000)
    poller.stop()
    assert ticks[:3] == [([1, 2], False), ([], False), ([3], True)]
    assert not poller.is_active()


def test_the_pace_is_the_callers(qtbot):
    poller = LinkPoller(lambda: ([], False), interval_ms=30)
    poller.start(3)
    assert poller.is_active() and poller.interval() == 3
    poller.set_interval(15)
    assert poller.interval() == 15
    poller.stop()
