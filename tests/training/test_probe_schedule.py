"""When a run takes its feature-map pictures (live_callback.ProbeSchedule): as many a second as the
window draws, whatever the batches take, and no burst after a pause."""

from __future__ import annotations

import pytest

from visualizer.training.live_callback import ProbeSchedule

INTERVAL_S = 0.040  # 25 a second


def pictures_taken(schedule: ProbeSchedule, batch_s: float, seconds: float, probe_s: float = 0.003) -> list[float]:
    """Batch boundaries every ``batch_s`` (plus ``probe_s`` after each picture); when each picture began."""
    now, taken = 0.0, []
    while now < seconds:
        if schedule.due(now):
            taken.append(now)
            schedule.done(now)
            now += probe_s
        now += batch_s
    return taken


@pytest.mark.parametrize("batch_s", [0.010, 0.024, 0.030, 0.035])
def test_batches_shorter_than_the_interval_give_the_rate_asked(batch_s):
    taken = pictures_taken(ProbeSchedule(INTERVAL_S), batch_s, 10.0)
    assert len(taken) / 10.0 == pytest.approx(25, abs=1)
    gaps = [later - earlier for earlier, later in zip(taken, taken[1:])]
    assert min(gaps) >= batch_s  # never two at one boundary


def test_batches_longer_than_the_interval_give_one_picture_each():
    taken = pictures_taken(ProbeSchedule(INTERVAL_S), 0.050, 5.0, probe_s=0.0)
    assert len(taken) == pytest.approx(100, abs=1)


def test_after_a_pause_the_schedule_starts_again_without_a_burst():
    schedule = ProbeSchedule(INTERVAL_S)
    pictures_taken(schedule, 0.024, 1.0)
    resumed = 1.0 + 30.0  # half a minute paused (or evaluating)
    assert schedule.due(resumed)
    schedule.done(resumed)
    assert not schedule.due(resumed + 0.024) and schedule.due(resumed + INTERVAL_S)
