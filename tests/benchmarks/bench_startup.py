"""Start-up time: from launching `python -m visualizer` to its window being on screen.

Run from the repository root: `python -m tests.benchmarks.bench_startup [--runs N] [--page NAME]`.
Each run is a fresh process under offscreen Qt with empty settings; the clock starts just before
the process is spawned and stops when the app prints its start-up line (printed once the window
is shown), so interpreter start and every import are counted. The app's own figure, measured from
when its entry module was imported, is shown next to it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from visualizer.bench.startup import measure_once


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
