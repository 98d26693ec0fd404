"""Training speed with the live view on, against plain ``model.fit``.

    python -m tests.benchmarks.bench_training [--epochs 1] [--limit N] [--rounds 3]

Each round trains the same model on the same data, alternating (plain, app, plain, app, ...)
so that whatever else the machine is doing weighs on both alike:

- plain: ``model.fit`` with the same batch size and validation data, and no callbacks of ours,
  run both ways Keras dispatches batch callbacks (see ``_plain_fit``);
- app: the app's own path, a TrainingProcess whose child runs ``run()`` with feature maps and
  kernels probed at ``--probe-rate`` per second, while this process polls its events every 30 ms
  as the GUI does.

Each runs in a fresh spawned process and is timed inside it over the same spans, from
``on_train_begin`` to the end of each epoch (validation included): the whole run, and with two
or more epochs also the epochs after the first, when start-up costs (tracing) are behind. The
ratio of images per second, app / the faster plain way, is the figure of merit (target: at
least 0.95). It also times one probe call against ``model.predict`` on one image.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from visualizer.bench.plain_fit import measure_plain
from visualizer.training.config import TrainConfig
from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFailed, RunFinished, RunStarted
from visualizer.training.process import TrainingProcess

GUI_POLL_INTERVAL_S = 0.03


def measure_app(config: TrainConfig) -> dict:
    process = TrainingProcess(config)
    process.start()
    events: list = []
    while not process.finished:
        events.extend(process.poll())
        time.sleep(GUI_POLL_INTERVAL_S)
    process.join(30)
    result = events[-1]
    if isinstance(result, RunFailed):
        raise RuntimeError(f"the app's run failed: {result.message}\n{result.traceback}")
    assert isinstance(result, RunFinished)
    shutil.rmtree(Path(result.model_path).parent, ignore_errors=True)  # the model is not needed
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    batch_events = [e for e in events if isinstance(e, BatchEnd)]
    # Rates of the live updates over the time spent on training batches (validation sends none).
    epoch_starts = [0.0] + [e.elapsed_s for e in epochs[:-1]]
    last_batches = {e.epoch: e.elapsed_s for e in batch_events}
    training_s = sum(last_batches[e.epoch] - start for e, start in zip(epochs, epoch_starts))
    live_probes = [e for e in events if isinstance(e, ProbeSnapshot) and e.epoch >= 1 and not e.end_of_epoch]
    train_count = next(e.train_count for e in events if isinstance(e, RunStarted))
    return {
        "train_count": train_count,
        "epoch_ends": [e.elapsed_s for e in epochs],  # from on_train_begin, as for plain
        "probes_per_second": len(live_probes) / training_s,
        "batch_events_per_second": len(batch_events) / training_s,
        "test_accuracy": result.test_accuracy,
    }


def time_probe_against_predict(config: TrainConfig, repeats: int = 200) -> dict:
    """Median milliseconds of one probe snapshot and of model.predict on one image."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    from visualizer.training.models import build_model
    from visualizer.training.probes import Probe

    model = build_model(config)
    probe = Probe(model)
    image = np.random.default_rng(0).random((28, 28, 1), dtype=np.float32)

    def median_ms(call, count):
        call()  # the first call traces / compiles
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    probe_ms = median_ms(lambda: probe.snapshot(image, 0, probe_index=0, epoch=1, batch=1), repeats)
    predict_ms = median_ms(lambda: model.predict(image[np.newaxis], verbose=0), max(repeats // 10, 10))
    return {"probe_ms": probe_ms, "predict_ms": predict_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int, help="training images (default: all)")
    parser.add_argument("--test-limit", type=int, help="validation images (default: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="plain/app pairs (default: 3)")
    parser.add_argument(
        "--probe-rate",
        type=float,
        default=25.0,
        help="probe_rate_hz: an upper limit, and probes come only between batches, so somewhat "
        "fewer arrive; the measured rate is printed (default: 25, about 20 measured)",
    )
    parser.add_argument("--data", metavar="DIR", help="Fashion-MNIST folder (default: as the app finds it)")
    args = parser.parse_args(argv)

    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        train_limit=args.limit,
        test_limit=args.test_limit,
        data_dir=args.data,
        allow_download=False,
        probe_rate_hz=args.probe_rate,
        seed=0,
    )
    print(f"{args.rounds} rounds of plain model.fit (two ways) and the app's run, interleaved; "
          f"{args.epochs} epoch(s), batch size {args.batch_size}, probes asked at {args.probe_rate:g}/s",
          flush=True)
    sides = ("plain", "plain-sync", "app")
    rates: dict[str, dict[str, list[float]]] = {"whole run": {side: [] for side in sides}}
    if args.epochs > 1:
        rates["after epoch 1"] = {side: [] for side in sides}
    for round_number in range(1, args.rounds + 1):
        measured = {
            "plain": measure_plain(config, synchronous=False),
            "plain-sync": measure_plain(config, synchronous=True),
            "app": measure_app(config),
        }
        for side, outcome in measured.items():
            ends = outcome["epoch_ends"]
            rates["whole run"][side].append(outcome["train_count"] * len(ends) / ends[-1])
            if "after epoch 1" in rates:
                rates["after epoch 1"][side].append(outcome["train_count"] * (len(ends) - 1) / (ends[-1] - ends[0]))
        app = measured["app"]
        line = "; ".join(
            f"{span}: " + ", ".join(f"{side} {r[side][-1]:,.0f}" for side in sides) + " images/s"
            for span, r in rates.items()
        )
        print(
            f"round {round_number}: {line} | {app['probes_per_second']:.1f} probes/s, "
            f"{app['batch_events_per_second']:.1f} BatchEnd/s, test accuracy {app['test_accuracy']:.4f}",
            flush=True,
        )
    for span, r in rates.items():
        # The baseline is whichever plain way was faster in that round. Other work on the
        # machine only ever slows a run down, so each side's fastest run is its least disturbed
        # one; on a shared machine the ratio of the fastest runs is the steadier figure.
        baselines = [max(p, q) for p, q in zip(r["plain"], r["plain-sync"])]
        ratios = [a / b for a, b in zip(r["app"], baselines)]
        print(
            f"{span}: app / faster plain, per round: median {statistics.median(ratios):.3f} "
            f"(min {min(ratios):.3f}, max {max(ratios):.3f}); fastest app / fastest plain: "
            f"{max(r['app']):,.0f} / {max(baselines):,.0f} = {max(r['app']) / max(baselines):.3f} "
            "(target >= 0.95)"
        )
    timing = time_probe_against_predict(config)
    print(f"one probe snapshot (feature maps + kernels + prediction): {timing['probe_ms']:.2f} ms median; "
          f"model.predict on one image: {timing['predict_ms']:.1f} ms median "
          f"({timing['predict_ms'] / timing['probe_ms']:.0f}x slower)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
