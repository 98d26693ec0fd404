"""Training speed with the window drawing against plain ``model.fit``, interleaved round by round
(plain, window, plain, window, ...) so that whatever else the machine does weighs on both alike."""

from __future__ import annotations

import shutil
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from visualizer.bench.live_training import (
    WindowRun,
    discard_model,
    make_page,
    median_or_none,
    run_in_window,
    wait_for_prestart,
)
from visualizer.bench.plain_fit import images_per_second, measure_plain
from visualizer.bench.ticks import gap_percentiles
from visualizer.childprocess import CHILD_NICENESS


@dataclass(frozen=True)
class TrainingPlan:
    rounds: int = 3
    epochs: int = 1
    train_limit: int = 0  # 0: every training image
    test_limit: int = 0  # 0: every test image
    both_plain_ways: bool = True  # also plain with a batch hook; the faster way is the baseline
    pictures: str | None = None  # a folder of class sub-folders to train on instead of Fashion-MNIST


def measure_training(app, plan: TrainingPlan, log=print, keep_model: bool = False) -> dict:
    """train_ratio (median over rounds of window / faster plain), live_hz, the tick gaps over
    every window run, train_to_first_frame_ms, train_peak_rss_mb; with ``keep_model`` the last
    run's model stays at result["model_path"] (the caller removes its folder)."""
    page = make_page(app, plan.epochs, plan.train_limit, plan.test_limit, plan.pictures)
    config = page.settings.config()
    ratios, runs, plain_rates, window_rates = [], [], [], []
    kept_model = None
    try:
        for round_number in range(1, plan.rounds + 1):
            wait_for_prestart(page)  # its start-up must not slow the plain runs
            # The plain runs are lowered in priority as the app's training process is, so that on a
            # shared machine both compete alike with other work and only the live view differs.
            plain = [images_per_second(measure_plain(config, synchronous=False, niceness=CHILD_NICENESS))]
            if plan.both_plain_ways:
                plain.append(images_per_second(measure_plain(config, synchronous=True, niceness=CHILD_NICENESS)))
            run = run_in_window(page)
            runs.append(run)
            if keep_model and round_number == plan.rounds:
                kept_model = keep_copy(run.model_path)  # the page deletes its run's model when it closes
            discard_model(run.model_path)
            window_rate = images_per_second({"train_count": run.train_count, "epoch_ends": run.epoch_ends})
            plain_rates.append(max(plain))
            window_rates.append(window_rate)
            ratios.append(window_rate / max(plain))
            log(
                f"  round {round_number}: plain {max(plain):,.0f} images/s, window {window_rate:,.0f} images/s "
                f"(ratio {ratios[-1]:.3f}), {run.live_hz:.1f} frames/s drawn, first frame after "
                f"{run.first_frame_ms or float('nan'):.0f} ms, test accuracy {run.test_accuracy:.3f}, window process "
                f"{run.window_cores:.2f} cores"
            )
    finally:
        page.shutdown()
        page.close()
    return {**_summarise(runs, ratios, plain_rates, window_rates), "model_path": kept_model}


def keep_copy(model_path: str) -> str:
    """A copy of the model in a temporary folder of its own (removed with discard_model)."""
    folder = Path(tempfile.mkdtemp(prefix="cnn-visualizer-bench-"))
    return shutil.copy2(model_path, folder / Path(model_path).name)


def _summarise(runs: list[WindowRun], ratios, plain_rates, window_rates) -> dict:
    gaps = gap_percentiles([gap for run in runs for gap in run.gaps_ms])
    peaks = [run.peak_rss_mb for run in runs if run.peak_rss_mb is not None]
    return {
        "train_ratio": statistics.median(ratios),
        "train_ratio_fastest": max(window_rates) / max(plain_rates),
        "train_images": runs[-1].train_count,
        "live_hz": median_or_none([run.live_hz for run in runs]),
        "gap_p50_ms": gaps["p50"],
        "gap_p99_ms": gaps["p99"],
        "gap_max_ms": gaps["max"],
        "train_to_first_frame_ms": median_or_none([run.first_frame_ms for run in runs]),
        "train_peak_rss_mb": max(peaks) if peaks else None,
    }
