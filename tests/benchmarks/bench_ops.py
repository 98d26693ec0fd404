"""Time the concept ops on a 256x256 image: conv2d and building its step trace.

Run from the repository root: ``python -m tests.benchmarks.bench_ops``. Prints the
best of several repeats (the least disturbed by other work on the machine).
"""

import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from visualizer.ops import conv2d, conv_trace, format_sum, pool2d, pool_trace  # noqa: E402


def best_ms(fn, number=20, repeat=5) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    image, kernel = rng.random((256, 256)), rng.normal(size=(7, 7))
    trace = conv_trace(image, kernel, padding="same")
    cases = {
        "conv2d 256x256, 7x7 kernel, same": lambda: conv2d(image, kernel, padding="same"),
        "conv_trace build, same arguments": lambda: conv_trace(image, kernel, padding="same"),
        "conv2d + conv_trace": lambda: (
            conv2d(image, kernel, padding="same"),
            conv_trace(image, kernel, padding="same"),
        ),
        "one trace step + format_sum": lambda: format_sum(trace[12345]),
        "pool2d max 2x2": lambda: pool2d(image, 2),
        "pool_trace max 2x2 build": lambda: pool_trace(image, 2),
    }
    for name, fn in cases.items():
        print(f"{name:<36} {best_ms(fn):8.3f} ms")


if __name__ == "__main__":
    main()
