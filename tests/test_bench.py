"""`cnn-visualizer bench`: its help, the table and the JSON line, one cheap measurement end to
end in this process, and (slow) the whole quick run in a fresh process."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from visualizer.app import main
from visualizer.bench.live_training import peak_rss_mb, training_span
from visualizer.bench.report import KEYS, empty_results, format_table, json_line

ROOT = Path(__file__).resolve().parents[1]


def test_help_names_every_figure(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--quick" in text and "--json" in text
    for key in KEYS:
        assert key in text


def test_the_training_span_ends_when_the_batches_did_not_when_the_held_last_report_came():
    from visualizer.training.events import BatchEnd

    def batch(number: int, elapsed_s: float) -> BatchEnd:
        return BatchEnd(1, number, 625, 0.5, 0.8, 1500.0, elapsed_s)

    # Reports go out every 0.1 s; the last one was held back and came after 3 s of validation.
    reports = [(100.0 + 0.1 * index, batch(index * 4 + 1, 0.1 * index)) for index in range(150)]
    reports.append((100.0 + 15.0 + 3.0, batch(625, 15.0)))
    assert training_span(reports) == (100.0, 115.0)
    assert training_span(reports[:1]) == (0.0, 0.0)


def test_the_json_line_has_exactly_the_keys_in_order_and_no_nan():
    results = {**empty_results(), "train_ratio": 0.91234567, "live_hz": math.nan, "tensorflow_at_startup": False}
    decoded = json.loads(json_line({**results, "not_a_figure": 1}))
    assert list(decoded) == list(KEYS)
    assert decoded["train_ratio"] == 0.912
    assert decoded["live_hz"] is None
    assert decoded["tensorflow_at_startup"] is False
    assert decoded["startup_ms"] is None


def test_the_table_says_which_targets_are_met():
    results = {**empty_results(), "train_ratio": 0.9, "gap_p99_ms": 12.0, "tensorflow_at_startup": True}
    rows = {line.split()[-1]: line for line in format_table(results).splitlines()[2:]}
    assert set(rows) == set(KEYS)
    assert "0.900" in rows["train_ratio"] and " no " in rows["train_ratio"]
    assert "12.0" in rows["gap_p99_ms"] and " yes " in rows["gap_p99_ms"]
    assert "true" in rows["tensorflow_at_startup"] and " no " in rows["tensorflow_at_startup"]
    assert " - " in rows["startup_ms"]  # not measured


def test_only_the_demos_measures_the_redraw_and_leaves_the_rest_null(qapp, capsys):
    assert main(["bench", "--only", "demos", "--quick", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert list(figures) == list(KEYS)
    assert 0 < figures["demo_redraw_ms"] < 10_000
    assert all(figures[key] is None for key in KEYS if key != "demo_redraw_ms")
    assert any("transposed: stride" in line for line in lines)


def test_an_unknown_measurement_or_a_missing_model_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit, match="unknown measurement speed"):
        main(["bench", "--only", "demos,speed"])
    assert main(["bench", "--only", "inspector", "--model", str(tmp_path / "none.keras")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_peak_memory_is_read_for_a_live_process_only():
    assert peak_rss_mb(os.getpid()) > 1
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert peak_rss_mb(finished.pid) is None


@pytest.mark.slow
def test_the_quick_run_measures_every_figure_and_leaves_no_files(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "visualizer", "bench", "--quick", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(figures) == list(KEYS)
    assert figures["tensorflow_at_startup"] is False
    measured = {key: value for key, value in figures.items() if key != "tensorflow_at_startup"}
    assert all(isinstance(value, float) and value > 0 for value in measured.values()), figures
    assert figures["train_ratio"] < 10
    assert not list(tmp_path.glob("cnn-visualizer*")), "temporary model folders were left behind"
