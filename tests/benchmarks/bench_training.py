"""Training speed with the live view on, against plain ``model.fit``.

    python -m tests.benchmarks.bench_training [--epochs 1] [--limit N] [--rounds 3]

Each round trains the same model on the same data twice, alternating (plain, app, plain, app, ...)
so that whatever else the machine is doing weighs on both alike:

- plain: ``model.fit`` with the same batch size and validation data, and no callbacks of ours;
- app: the app's own path, a TrainingProcess whose child runs ``run()`` with feature maps and
  kernels probed at ``--probe-rate`` per second, while this process polls its events every 30 ms
  as the GUI does.

Both run in a fresh spawned process, and both are timed inside it over the same span, from
``on_train_begin`` to the end of the last epoch (validation included). The ratio app / plain of
images per second is the figure of merit (target: at least 0.95). It also times one probe call
against ``model.predict`` on one image.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

from visualizer.training.config import TrainConfig
from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFailed, RunFinished, RunStarted
from visualizer.training.process import TrainingProcess

GUI_POLL_INTERVAL_S = 0.03


def _plain_fit(config: TrainConfig, results) -> None:
    """In a child process: plain model.fit, timed from on_train_begin to the last epoch's end."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from visualizer.training.models import build_model
    from visualizer.training.run import prepare_data

    data = prepare_data(config)

    class Timer(keras.callbacks.Callback):
        # Only train_begin and epoch_end: overriding a batch hook would turn off Keras's
        # asynchronous batch callbacks and slow the plain run down.
        def on_train_begin(self, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.elapsed = time.perf_counter() - self.started

    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    timer = Timer()
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(data.x_test, data.y_test),
        shuffle=True,
        verbose=0,
        callbacks=[timer],
    )
    results.put({"images": len(data.y_train) * config.epochs, "seconds": timer.elapsed})


def measure_plain(config: TrainConfig) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_plain_fit, args=(config, results))
    child.start()
    outcome = results.get(timeout=3600)
    child.join()
    return outcome


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
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    seconds = epochs[-1].elapsed_s  # from on_train_begin, as for plain
    batch_events = [e for e in events if isinstance(e, BatchEnd)]
    # Rates of the live updates over the time spent on training batches (validation sends none).
    epoch_starts = [0.0] + [e.elapsed_s for e in epochs[:-1]]
    last_batches = {e.epoch: e.elapsed_s for e in batch_events}
    training_s = sum(last_batches[e.epoch] - start for e, start in zip(epochs, epoch_starts))
    live_probes = [e for e in events if isinstance(e, ProbeSnapshot) and e.epoch >= 1 and not e.end_of_epoch]
    train_count = next(e.train_count for e in events if isinstance(e, RunStarted))
    return {
        "images": train_count * config.epochs,
        "seconds": seconds,
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
    parser.add_argument("--probe-rate", type=float, default=25.0,
                        help="probe_rate_hz, an upper limit: one probe at most per batch, so fewer come (default: 25, about 20 measured)")
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
    print(f"{args.rounds} rounds of plain model.fit vs the app's run, interleaved; "
          f"{args.epochs} epoch(s), batch size {args.batch_size}, probes asked at {args.probe_rate:g}/s",
          flush=True)
    ratios = []
    for round_number in range(1, args.rounds + 1):
        plain = measure_plain(config)
        app = measure_app(config)
        plain_rate = plain["images"] / plain["seconds"]
        app_rate = app["images"] / app["seconds"]
        ratios.append(app_rate / plain_rate)
        print(
            f"round {round_number}: plain {plain_rate:8,.0f} images/s ({plain['seconds']:.1f} s) | "
            f"app {app_rate:8,.0f} images/s ({app['seconds']:.1f} s), "
            f"{app['probes_per_second']:.1f} probes/s, {app['batch_events_per_second']:.1f} BatchEnd/s, "
            f"test accuracy {app['test_accuracy']:.4f} | ratio {ratios[-1]:.3f}",
            flush=True,
        )
    print(f"ratio app/plain: median {statistics.median(ratios):.3f}, "
          f"min {min(ratios):.3f}, max {max(ratios):.3f} (target >= 0.95)")
    timing = time_probe_against_predict(config)
    print(f"one probe snapshot (feature maps + kernels + prediction): {timing['probe_ms']:.2f} ms median; "
          f"model.predict on one image: {timing['predict_ms']:.1f} ms median "
          f"({timing['predict_ms'] / timing['probe_ms']:.0f}x slower)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
