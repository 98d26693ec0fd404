"""The README's "Watch your own training" snippet runs as written and reaches a window: the seed
notebook's code with LiveView. Only its data is cut down, to keep the test short: Keras's
fashion_mnist.load_data gives 320 training and 64 test images of the bundled Fashion-MNIST."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.training.tiny import DATA_DIR, REPO_ROOT
from visualizer.training.events import EpochEnd, ProbeSnapshot, RunFinished, RunStarted
from visualizer.training.stream import StreamReceiver

pytestmark = pytest.mark.slow


def readme_snippet() -> str:
    readme = (Path(REPO_ROOT) / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Watch your own training"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_snippet_is_the_seed_notebooks_network_with_the_one_line():
    code = readme_snippet()
    assert "callbacks=[LiveView()]" in code and "fashion_mnist.load_data()" in code
    assert 'Conv2D(filters=64, kernel_size=2, padding="same", activation="relu")' in code


def test_the_readme_snippet_runs_and_streams_to_the_window(tmp_path, monkeypatch):
    import keras

    from tests.test_live import Collector
    from visualizer.training.datasets import load_named_dataset

    full = load_named_dataset("fashion-mnist", DATA_DIR, allow_download=False)
    small = ((full.train_images[:320], full.train_labels[:320]), (full.test_images[:64], full.test_labels[:64]))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: small)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # the window's connection file goes here
    window = StreamReceiver()
    collector = Collector(window)
    try:
        exec(compile(readme_snippet(), "README.md", "exec"), {"__name__": "__main__"})
    finally:
        events = collector.stop()
        window.close()
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert events[0].train_count == 320 and events[0].test_count == 64 and events[0].steps_per_epoch == 10
    assert [event.epoch for event in events if isinstance(event, EpochEnd)] == [1, 2, 3, 4, 5]
    snapshots = [event for event in events if isinstance(event, ProbeSnapshot)]
    assert snapshots and snapshots[0].image.shape == (28, 28)
    np.testing.assert_allclose(snapshots[0].image, full.test_images[0] / 255.0, atol=1e-6)
    assert [layer.maps.shape for layer in snapshots[-1].feature_maps][0] == (28, 28, 64)
    assert events[-1].epochs_completed == 5
