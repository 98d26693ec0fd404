"""The input-range check in the model process: a test folder predicted under each range, at most
``limit`` images with every class kept, and the answers of a network that is right only on pixels
in [-1, 1] say so."""

from __future__ import annotations

import numpy as np

from tests.inspection.tiny_models import COLOURS, colour_photo_folder, range_sensitive_colour_model, save
from visualizer.inspection import protocol as s
from visualizer.inspection.report import INPUT_RANGES
from visualizer.inspection.session import ModelSession


def test_a_network_right_only_on_minus_one_to_one_is_found_out_on_a_colour_folder(tmp_path):
    path = save(range_sensitive_colour_model(), tmp_path, "colours.keras")
    folder = colour_photo_folder(tmp_path / "photos", per_class=3)
    sent: list = []
    session = ModelSession(sent.append)
    session.open(s.OpenModel(str(path)))
    assert isinstance(sent[-1], s.ModelOpened) and sent[-1].report.input_range is None  # it does not say
    ranges = tuple(INPUT_RANGES.values())
    steps = list(session.check_ranges(s.CheckRanges(7, ranges, folder=str(folder), limit=6)))
    assert len(steps) == len(ranges)
    progress = [reply for reply in sent if isinstance(reply, s.RangeCheckProgress)]
    assert [(p.done, p.total) for p in progress] == [(1, 3), (2, 3), (3, 3)]
    checked = sent[-1]
    assert isinstance(checked, s.RangesChecked) and checked.generation == 7 and checked.class_names == COLOURS
    assert sorted(checked.labels.tolist()) == [0, 0, 1, 1, 2, 2], "at most 6 images, every class kept"
    accuracy = {r: float(np.mean(p == checked.labels)) for r, p in zip(checked.ranges, checked.predictions)}
    assert accuracy[(-1.0, 1.0)] == 1.0
    assert accuracy[(0.0, 1.0)] < 0.5 and accuracy[(0.0, 255.0)] < 0.5
