"""Start-up: from spawning `python -m visualizer` to its window being shown, in a fresh process
under offscreen Qt with empty settings, and whether TensorFlow had been imported by then."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPORT = re.compile(r"startup: window shown after (\d+) ms; tensorflow imported: (\w+)")


def measure_once(page: str | None, config_dir: str) -> tuple[float, float, bool]:
    """(ms from spawn to window shown, ms the app reports, whether TensorFlow was imported)."""
    command = [sys.executable, "-m", "visualizer", "--report-startup", "--quit-after-show"]
    if page:
        command += ["--page", page]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": config_dir}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            match = REPORT.search(line)
            if match:
                wall = (time.perf_counter() - start) * 1000
                process.wait(timeout=60)
                return wall, float(match.group(1)), match.group(2) == "yes"
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise RuntimeError(f"the app exited ({process.returncode}) without reporting start-up:\n{process.stderr.read()}")


def measure_startup(runs: int, page: str | None = None) -> dict:
    """Median over ``runs`` launches after one that warms the disk cache and is not counted."""
    walls, reported, tensorflow = [], [], []
    with tempfile.TemporaryDirectory() as config_dir:
        measure_once(page, config_dir)
        for _ in range(runs):
            wall, own, loaded = measure_once(page, config_dir)
            walls.append(wall)
            reported.append(own)
            tensorflow.append(loaded)
    return {
        "startup_ms": statistics.median(walls),
        "startup_max_ms": max(walls),
        "startup_app_ms": statistics.median(reported),
        "tensorflow_at_startup": any(tensorflow),
    }
