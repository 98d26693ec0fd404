"""The command line: --help lists the pages, bad arguments fail with words, --screenshot writes a PNG.

Each case runs the real `python -m visualizer` in a subprocess, as a user would.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visualizer.ui.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, tmp_path: Path, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # never read or write the user's settings
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_help_lists_every_page(tmp_path):
    result = _run("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for spec in PAGES:
        assert spec.name in result.stdout and spec.title in result.stdout
    assert "--screenshot" in result.stdout
    assert "--quit-after-show" not in result.stdout  # a benchmark hook, not for users


def test_unknown_page_exits_2_with_the_page_list(tmp_path):
    result = _run("--page", "no-such-page", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "no page named 'no-such-page'" in result.stderr
    assert PAGES[0].name in result.stderr


def test_screenshot_writes_a_png_of_the_requested_size(tmp_path):
    shot = tmp_path / "network.png"
    result = _run("--page", "network", "--screenshot", str(shot), "--size", "800x600", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        assert image.format == "PNG"
        assert image.size == (800, 600)
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is None or len(colours) > 20, "the page was painted, not left blank"
    assert not list(tmp_path.glob(".*.part")), "no temporary file left behind"


def test_screenshot_to_a_missing_folder_fails_clearly(tmp_path):
    result = _run("--screenshot", str(tmp_path / "missing" / "x.png"), tmp_path=tmp_path)
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_screenshot_needs_a_png_name(tmp_path):
    result = _run("--screenshot", str(tmp_path / "x.jpg"), tmp_path=tmp_path)
    assert result.returncode == 1
    assert ".png" in result.stderr


def test_bad_size_is_explained(tmp_path):
    result = _run("--screenshot", str(tmp_path / "x.png"), "--size", "big", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "1280x720" in result.stderr


def test_a_size_too_small_to_show_a_page_is_refused(tmp_path):
    result = _run("--screenshot", str(tmp_path / "x.png"), "--size", "10x10", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "at least 320x240" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_huge_size_is_refused_before_qt_paints(tmp_path):
    result = _run("--screenshot", str(tmp_path / "x.png"), "--size", "99999x99999", tmp_path=tmp_path)
    assert result.returncode == 1, "refused with a message, not a crash"
    assert "at most 7680x4320" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_without_a_display_the_window_is_refused_in_words(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = subprocess.run(
        [sys.executable, "-m", "visualizer", "--page", "pooling"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 1, "a message and exit 1, not Qt's abort"
    assert "no display" in result.stderr and "--screenshot" in result.stderr


def _tiny_model(folder: Path) -> Path:
    import keras
    from keras import layers

    path = folder / "tiny.keras"
    keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(2, 3, name="conv1"), layers.Flatten(), layers.Dense(10, activation="softmax")],
        name="tiny",
    ).save(path)
    return path


@pytest.mark.slow
def test_open_a_model_for_a_screenshot_of_the_inspector(tmp_path):
    shot = tmp_path / "inspector.png"
    result = _run("--open", str(_tiny_model(tmp_path)), "--page", "inspector", "--screenshot", str(shot),
                  tmp_path=tmp_path, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 720)


@pytest.mark.slow
def test_open_a_recorded_run_for_a_screenshot_of_the_training_page(tmp_path):
    from visualizer.resources import resource_path

    shot = tmp_path / "training.png"
    recorded = tmp_path / "lesson.keras"
    recorded.write_bytes(resource_path("recorded", "seed-cnn.keras").read_bytes())
    result = _run("--open", str(recorded), "--page", "training", "--screenshot", str(shot), tmp_path=tmp_path,
                  timeout=240, env={"CNN_VISUALIZER_RECORDED_RUN": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))
    note = np.all(pixels == (0xFF, 0xF4, 0xCE), axis=-1)  # the amber note: "This is a recorded run, opened from…"
    assert note.sum() > 5000


@pytest.mark.slow
def test_a_file_that_is_no_model_is_refused_in_a_line_without_a_traceback(tmp_path):
    notes = tmp_path / "notes.keras"
    notes.write_text("a shopping list")
    result = _run("--open", str(notes), "--page", "inspector", "--screenshot", str(tmp_path / "x.png"),
                  tmp_path=tmp_path, timeout=240)
    assert result.returncode == 1
    assert "notes.keras" in result.stderr and "text file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_open_names_a_missing_file_and_unsafe_needs_open(tmp_path):
    missing = _run("--open", str(tmp_path / "gone.keras"), tmp_path=tmp_path)
    assert missing.returncode == 1 and "no such file" in missing.stderr
    alone = _run("--unsafe", tmp_path=tmp_path)
    assert alone.returncode == 2 and "--unsafe goes with --open" in alone.stderr


def _median_lightness(path: Path) -> int:
    import numpy as np

    with Image.open(path) as image:
        return int(np.median(np.asarray(image.convert("L"))))


def test_theme_dark_paints_a_dark_window_and_light_a_light_one(tmp_path):
    for theme, is_dark in (("dark", True), ("light", False)):
        shot = tmp_path / f"training-{theme}.png"
        result = _run("--page", "training", "--theme", theme, "--screenshot", str(shot), tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (_median_lightness(shot) < 80) == is_dark, theme


def test_an_unknown_theme_is_refused_with_the_choices(tmp_path):
    result = _run("--theme", "purple", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "system" in result.stderr and "dark" in result.stderr


def test_a_data_folder_given_with_the_flag_is_named_as_given(tmp_path, monkeypatch):
    from visualizer import app
    from visualizer.training import data

    for name in (data.DATA_DIR_ENV, "CNN_VISUALIZER_DATA_FROM_FLAG"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    monkeypatch.setattr(app, "_run_gui", lambda args: 0)
    folder = tmp_path / "my-data"
    folder.mkdir()
    assert app.main(["--data", str(folder)]) == 0
    first = data.data_choices()[0]
    assert first.data_dir == str(folder)
    assert "--data" in first.title and "$CNN_VISUALIZER_DATA" not in first.title
    # The same folder named by the variable alone is named as the variable.
    monkeypatch.delenv("CNN_VISUALIZER_DATA_FROM_FLAG")
    assert "$CNN_VISUALIZER_DATA" in data.data_choices()[0].title
