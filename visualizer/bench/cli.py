"""`cnn-visualizer bench [--quick] [--json] [--only NAMES] [--model PATH]`: measures the app in one
run and prints a table; with --json, one JSON object as the last line (see report.KEYS).

Measurements, in the order they run: startup (fresh processes), demos (concept pages), training
(plain model.fit against the training page with the window drawing, interleaved), pictures (a
folder of colour pictures made up for it: read, then trained on as training is), external (a
training script with LiveView, with and without the window, against the script alone), inspector
(the last training run's model, --model's, or one trained for it). The GUI measurements run offscreen
unless QT_QPA_PLATFORM says otherwise."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from visualizer.bench.report import KEYS, empty_results, format_table, json_line

MEASUREMENTS = ("startup", "demos", "training", "pictures", "external", "inspector")


@dataclass(frozen=True)
class Sizes:
    startup_runs: int
    demo_runs: int
    rounds: int
    train_limit: int
    test_limit: int
    both_plain_ways: bool
    strokes: int
    pictures: int  # colour pictures in the folder made up for the own-pictures measurement


# The full run trains on the seed notebook's data, all 60,000 training and 10,000 test images (0: all).
FULL = Sizes(startup_runs=5, demo_runs=30, rounds=3, train_limit=0, test_limit=0, both_plain_ways=True, strokes=60,
              pictures=10_000)
QUICK = Sizes(startup_runs=1, demo_runs=10, rounds=1, train_limit=2_000, test_limit=500, both_plain_ways=False, strokes=20,
               pictures=600)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-visualizer bench",
        description=__doc__.split("\n\n", 1)[1],
        epilog="figures (JSON keys): " + ", ".join(KEYS),
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of under 2 minutes: fewer rounds, less data")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object, on the last line")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of {','.join(MEASUREMENTS)} (default: all)")
    parser.add_argument("--model", metavar="PATH", help="the model the inspector opens (default: the last training run's)")
    parser.add_argument("--rounds", type=int, help="plain / window training rounds (default: 3, quick: 1)")
    parser.add_argument("--train-limit", type=int, help="training images per run, 0 for all (default: all, quick: 2000)")
    parser.add_argument("--data", metavar="DIR", help="folder holding the Fashion-MNIST files")
    return parser


def _chosen(only: str | None) -> tuple[str, ...]:
    if not only:
        return MEASUREMENTS
    names = tuple(name.strip() for name in only.split(",") if name.strip())
    unknown = [name for name in names if name not in MEASUREMENTS]
    if unknown:
        raise SystemExit(f"cnn-visualizer bench: unknown measurement {', '.join(unknown)}; choose from {', '.join(MEASUREMENTS)}")
    return names


def _log(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chosen = _chosen(args.only)
    if args.model and not os.path.isfile(args.model):
        print(f"cnn-visualizer bench: cannot open {args.model}: there is no such file", file=sys.stderr)
        return 1
    if args.data:
        os.environ["CNN_VISUALIZER_DATA"] = args.data
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sizes = QUICK if args.quick else FULL
    results = empty_results()
    started = time.perf_counter()
    _run(chosen, sizes, args, results)
    quick = " (quick)" if args.quick else ""
    load = f"load average {os.getloadavg()[0]:.1f}; " if hasattr(os, "getloadavg") else ""
    _log(f"\nmeasured in {time.perf_counter() - started:.0f} s{quick} on {os.cpu_count()} CPU cores "
         f"({load}other work on the machine slows the figures):")
    _log(format_table(results))
    if args.json:
        _log(json_line(results))
    return 0


def _run(chosen: tuple[str, ...], sizes: Sizes, args: argparse.Namespace, results: dict) -> None:
    if "startup" in chosen:
        from visualizer.bench.startup import measure_startup

        _log(f"startup: {sizes.startup_runs} launch(es) of a fresh process, after one not counted")
        figures = measure_startup(sizes.startup_runs)
        _log(f"  launch to window shown {figures['startup_ms']:.0f} ms median (the app's own figure "
             f"{figures['startup_app_ms']:.0f} ms); TensorFlow imported: {figures['tensorflow_at_startup']}")
        _take(results, figures)
    if not {"demos", "training", "pictures", "external", "inspector"} & set(chosen):
        return
    app = _application()
    if "demos" in chosen:
        from visualizer.bench.demos import measure_demos

        _log(f"demos: parameter change + repaint, 256x256 image, {sizes.demo_runs} runs per page")
        figures = measure_demos(app, sizes.demo_runs)
        for name, median in figures["demo_pages_ms"].items():
            _log(f"  {name:<28} median {median:6.1f} ms")
        _take(results, figures)
    model_path, owned = args.model, None
    try:
        if "training" in chosen:
            owned = _measure_training(app, sizes, args, results, keep_model="inspector" in chosen and not args.model)
            model_path = model_path or owned
        if "pictures" in chosen:
            _measure_pictures(app, sizes, args, results)
        if "external" in chosen:
            _measure_external(app, sizes, args, results)
        if "inspector" in chosen:
            if model_path is None:
                from visualizer.bench.inspector import train_seed_model

                _log("inspector: training the seed CNN for one epoch on a slice, to open")
                owned = model_path = train_seed_model(sizes.train_limit or None, sizes.test_limit or None)
            _measure_inspector(model_path, sizes, results)
    finally:
        if owned:
            from visualizer.bench.live_training import discard_model

            discard_model(owned)


def _measure_training(app, sizes: Sizes, args: argparse.Namespace, results: dict, keep_model: bool) -> str | None:
    from visualizer.bench.training import TrainingPlan, measure_training

    plan = TrainingPlan(
        rounds=args.rounds or sizes.rounds,
        train_limit=sizes.train_limit if args.train_limit is None else args.train_limit,
        test_limit=sizes.test_limit,
        both_plain_ways=sizes.both_plain_ways,
    )
    _log(f"training: {plan.rounds} round(s) of plain model.fit and the training page drawing feature maps, "
         f"interleaved; {plan.train_limit or 'all'} training images, {plan.test_limit or 'all'} test images, 1 epoch")
    figures = measure_training(app, plan, log=_log, keep_model=keep_model)
    _log(f"  fastest window / fastest plain: {figures['train_ratio_fastest']:.3f}; training process peak "
         f"memory {figures['train_peak_rss_mb'] or float('nan'):.0f} MB (VmHWM read while it ran)")
    _take(results, figures)
    return figures["model_path"]


def _measure_pictures(app, sizes: Sizes, args: argparse.Namespace, results: dict) -> None:
    import tempfile
    from pathlib import Path

    from visualizer.bench.folders import SIDE, measure_folder_load, write_colour_folder
    from visualizer.bench.training import TrainingPlan, measure_training

    with tempfile.TemporaryDirectory(prefix="cnn-visualizer-bench-") as folder:
        write_colour_folder(Path(folder), sizes.pictures)
        figures = measure_folder_load(Path(folder))
        _log(f"pictures: {figures['folder_pictures']:,} colour pictures of {SIDE}x{SIDE} read in "
             f"{figures['folder_load_s']:.2f} s, {figures['folder_load_peak_mb']:.0f} MB more memory at the peak; "
             f"shape {figures['folder_shape']}")
        _take(results, figures)
        plan = TrainingPlan(rounds=args.rounds or sizes.rounds, both_plain_ways=sizes.both_plain_ways, pictures=folder)
        _log(f"  training on them: {plan.rounds} round(s) of plain model.fit and the training page, interleaved, 1 epoch")
        trained = measure_training(app, plan, log=_log)
        results["train_ratio_rgb"] = trained["train_ratio"]
        results["live_hz_rgb"] = trained["live_hz"]


def _measure_external(app, sizes: Sizes, args: argparse.Namespace, results: dict) -> None:
    from visualizer.bench.external import ScriptPlan, measure_external

    plan = ScriptPlan(
        rounds=args.rounds or sizes.rounds,
        train_limit=sizes.train_limit if args.train_limit is None else args.train_limit,
        test_limit=sizes.test_limit,
    )
    _log(f"external: {plan.rounds} round(s) of a training script alone, with LiveView and no window, and with "
         f"LiveView shown on the training page; {plan.train_limit or 'all'} training images, 1 epoch")
    _take(results, measure_external(app, plan, log=_log))


def _measure_inspector(model_path: str, sizes: Sizes, results: dict) -> None:
    from visualizer.bench.inspector import measure_inspector

    _log(f"inspector: open {model_path}, evaluate the test set, {sizes.strokes} strokes")
    figures = measure_inspector(model_path, sizes.strokes)
    _log(f"  model process started ahead ready {figures['inspector_ready_s']:.1f} s after the page was shown")
    _log(f"  test set: {figures['inspector_eval_images']:,} images; strokes: max {figures['inspector_stroke_max_ms']:.1f} ms")
    _take(results, figures)


def _take(results: dict, figures: dict) -> None:
    results.update({key: value for key, value in figures.items() if key in results})


def _application():
    from PyQt6.QtWidgets import QApplication

    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CNN Visualizer bench")
    app.setOrganizationName("CNN Visualizer")
    return app
