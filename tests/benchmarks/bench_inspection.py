"""How long the inspector's core takes for the seed CNN (and MobileNetV3Small's load), on this machine.

Run: python -m tests.benchmarks.bench_inspection   (prints the median and the worst of N runs)

Figures: loading the model file into a flat graph with its report; one picture from array to
probabilities (the "stroke to bars" path without the drawing); every layer's activations for one
image; Grad-CAM and a pixel gradient map; 10,000 images from uint8 arrays to probabilities in
batches. The seed CNN is untrained: the timings do not depend on its weights.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
RUNS = 30


def _timed(action, runs: int = RUNS) -> tuple[float, float]:
    action()  # the first call traces and compiles
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def _once(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    import keras
    import numpy as np

    from visualizer.inspection.loader import load_classifier
    from visualizer.inspection.model import ModelReader, preprocess, to_model_input
    from visualizer.inspection.saliency import Saliency
    from visualizer.training.config import TrainConfig
    from visualizer.training.models import build_model

    folder = Path(tempfile.mkdtemp())
    seed_path = folder / "seed.keras"
    build_model(TrainConfig()).save(seed_path)
    mobilenet_path = folder / "mobilenet.keras"
    keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3)).save(mobilenet_path)

    loaded = {}
    print(f"load seed CNN:               {_once(lambda: loaded.update(seed=load_classifier(seed_path))):.2f} s")
    print(f"load MobileNetV3Small:       {_once(lambda: load_classifier(mobilenet_path)):.2f} s")
    seed = loaded["seed"]
    reader, saliency = ModelReader(seed), Saliency(seed)
    picture = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    model_input = preprocess(picture, seed.report).model_input
    rows = [
        ("picture -> probabilities", lambda: reader.probabilities(preprocess(picture, seed.report).model_input[None])),
        ("activations, one image", lambda: reader.activations(model_input)),
        ("Grad-CAM", lambda: saliency.grad_cam(model_input, 3)),
        ("pixel gradient", lambda: saliency.pixel_gradient(model_input, 3)),
        ("SmoothGrad, 16 samples", lambda: saliency.pixel_gradient(model_input, 3, smooth_samples=16)),
    ]
    for name, action in rows:
        median, worst = _timed(action)
        print(f"{name + ':':<28} median {median:6.2f} ms, worst {worst:6.2f} ms")
    test_set = np.random.default_rng(1).integers(0, 256, (10_000, 28, 28), dtype=np.uint8)
    seconds = _once(lambda: reader.probabilities(to_model_input(test_set, seed.report)))
    print(f"10,000 images -> probabilities: {seconds:.2f} s")


if __name__ == "__main__":
    main()
