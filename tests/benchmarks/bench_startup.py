"""Start-up time: from launching `python -m visualizer` to its window being on screen.

Run from the repository root: `python -m tests.benchmarks.bench_startup [--runs N] [--page NAME]`.
Each run is a fresh process under offscreen Qt with empty settings; the clock starts just before
the process is spawned and stops when the app prints its start-up line (printed once the window
is shown), so interpreter start and every import are counted. The app's own figure, measured from
when its entry module was imported, is shown next to it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = re.compile(r"startup: window shown after (\d+) ms; tensorflow imported: (\w+)")


def measure_once(page: str | None, config_dir: str) -> tuple[float, float, bool]:
    """(ms from spawn to window shown, ms the app reports, whether TensorFlow was imported)."""
    command = [sys.executable, "-m", "visualizer", "--report-startup", "--quit-after-show"]
    if page:
        command += ["--page", page]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": config_dir}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="number of launches (default 7)")
    parser.add_argument("--page", help="page to open (default: the first page)")
    args = parser.parse_args(argv)
    walls, reported, tensorflow = [], [], []
    with tempfile.TemporaryDirectory() as config_dir:
        measure_once(args.page, config_dir)  # warm the disk cache; not counted
        for _ in range(args.runs):
            wall, own, loaded = measure_once(args.page, config_dir)
            walls.append(wall)
            reported.append(own)
            tensorflow.append(loaded)
    print(f"start-up to window shown, {args.runs} runs, page {args.page or 'first'}:")
    print(f"  from process spawn: median {statistics.median(walls):.0f} ms, max {max(walls):.0f} ms")
    print(f"  app's own figure:   median {statistics.median(reported):.0f} ms, max {max(reported):.0f} ms")
    print(f"  tensorflow imported: {'yes' if any(tensorflow) else 'no'}")
    return 1 if any(tensorflow) else 0


if __name__ == "__main__":
    raise SystemExit(main())
