"""`cnn-visualizer train`: the seed notebook's training from the command line, without Qt.

Trains the seed's CNN, its fully connected baseline (``--model``) or the user's own network saved
from Keras (``--model-file``) on Fashion-MNIST, MNIST or CIFAR-10 (``--dataset``) or a folder of
the user's own pictures in class sub-folders (``--images DIR``). Prints where the data came from,
the device, a line per epoch and the final test metrics, and saves the model with the run's
recording in it (recording_file.py: the curves and the probe image's snapshot at each epoch's
end), so the app can replay the run. A network file that cannot be trained on the data is refused
in words before training, with exit code 2. Ctrl+C once stops after the current
batch and still saves; twice aborts.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from visualizer.training.config import MODEL_KINDS, OPTIMIZERS, TrainConfig
from visualizer.training.datasets import DATASETS
from visualizer.training.events import BatchEnd, EpochEnd, RunFailed, RunFinished, RunStarted, Status
from visualizer.training.image_folder import MAX_SIDE
from visualizer.training.run import RunControl, explain_failure, run

BACKENDS = ("tensorflow", "jax", "torch")
BUILT_IN_MODELS = tuple(kind for kind in MODEL_KINDS if kind != "file")  # "file" is --model-file
# Nothing on screen shows live snapshots here: the recording needs only the end-of-epoch ones,
# which the run takes whatever its rate, so the rate is set too low to take any other.
END_OF_EPOCH_SNAPSHOTS_ONLY_HZ = 1e-9


def build_parser() -> argparse.ArgumentParser:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="cnn-visualizer train",
        description="Train the seed notebook's network on Fashion-MNIST, MNIST, CIFAR-10 or your own pictures, without the window.",
    )
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--dataset", choices=DATASETS, default="fashion-mnist",
                      help="the data set to train on (default: %(default)s)")
    data.add_argument("--images", metavar="DIR",
                      help="train on your own pictures: DIR holds one sub-folder per class (cats/, dogs/, ...); "
                           "a stratified fifth of each class is the test part")
    parser.add_argument("--image-size", type=_image_size, metavar="HxW",
                        help="with --images: the size every picture is resized to (default: the median size, "
                             f"scaled to fit {MAX_SIDE}x{MAX_SIDE})")
    parser.add_argument("--model", choices=BUILT_IN_MODELS,
                        help=f"cnn: the seed's CNN; fc: its fully connected baseline (default: {defaults.model})")
    parser.add_argument("--model-file", metavar="FILE.keras",
                        help="train your own network, written in Keras and saved with model.save('FILE.keras'): "
                             "it must take the data's pictures and give a number per class; it trains with "
                             "--optimizer and --learning-rate, from the weights in the file")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, metavar="N",
                        help="passes over the training images (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, metavar="N",
                        help="images per training step (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate, metavar="X",
                        help="optimizer step size (default: %(default)s)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer,
                        help="(default: %(default)s)")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="train on N training images, balanced across the classes (default: all)")
    parser.add_argument("--test-limit", type=int, metavar="N",
                        help="test on N test images, balanced across the classes (default: all)")
    parser.add_argument("--data", metavar="DIR",
                        help="folder holding the data set: the four IDX files of Fashion-MNIST or MNIST (or mnist.npz), "
                             "CIFAR-10's cifar-10-batches-bin (default: for Fashion-MNIST $CNN_VISUALIZER_DATA; "
                             "then the Keras cache, a download, and for Fashion-MNIST the bundled subset)")
    parser.add_argument("--no-download", action="store_true",
                        help="never download the data set; use local copies (for Fashion-MNIST, at worst the bundled subset)")
    parser.add_argument("--out", metavar="FILE.keras",
                        help="where to save the trained model (default: a new temporary folder)")
    parser.add_argument("--no-optimizer-state", action="store_true",
                        help="save the model without the optimizer's state: a third of the size, for "
                             "looking at rather than training on")
    parser.add_argument("--backend", choices=BACKENDS,
                        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed, for repeatable runs")
    parser.add_argument("--verbose", action="store_true", help="print the traceback of a failure")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.image_size is not None and args.images is None:
        parser.error("--image-size goes with --images")
    if args.images is not None and args.data is not None:
        parser.error("--data names a data set's folder; with --images, DIR is the folder")
    if args.model is not None and args.model_file is not None:
        parser.error("--model chooses one of the app's networks; --model-file trains yours: give one of them")
    try:
        config = TrainConfig(
            dataset="folder" if args.images is not None else args.dataset,
            image_size=args.image_size,
            model="file" if args.model_file is not None else (args.model or TrainConfig().model),
            model_file=os.path.abspath(os.path.expanduser(args.model_file)) if args.model_file else None,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            optimizer=args.optimizer,
            data_dir=args.images if args.images is not None else args.data,
            allow_download=not args.no_download,
            train_limit=args.limit,
            test_limit=args.test_limit,
            seed=args.seed,
            probe_rate_hz=END_OF_EPOCH_SNAPSHOTS_ONLY_HZ,
        )
    except ValueError as error:
        return _fail(f"invalid settings: {error}")
    out = None
    if args.out is not None:
        out = Path(args.out).expanduser()
        if out.suffix != ".keras":
            return _fail(f"--out must name a .keras file, not {args.out!r}")
        if not out.parent.is_dir():
            return _fail(f"cannot save to {args.out}: the folder {out.parent} does not exist")
        if out.is_dir():
            return _fail(f"cannot save to {args.out}: it is a folder; name a file inside it")
        problem = _unwritable(out.parent)
        if problem:  # found now, not after the whole training run
            return _fail(f"cannot save to {args.out}: {problem}")
    if args.backend is not None:
        loaded = sys.modules.get("keras")
        if loaded is not None and loaded.backend.backend() != args.backend:
            return _fail(
                f"Keras is already loaded with the {loaded.backend.backend()} backend in this "
                f"process; run a new process to use {args.backend}"
            )
        os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    printer = _Printer(sys.stdout, show_tracebacks=args.verbose)
    loaded = None
    if config.model == "file":
        refused, loaded = _check_model_file(config, printer)
        if refused is not None:
            return refused
    control = RunControl()
    previous_handler = _stop_on_first_interrupt(control)
    try:
        result = run(config, printer.on_event, control, save_to=out, optimizer_state=not args.no_optimizer_state,
                     loaded=loaded)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    return 0 if isinstance(result, RunFinished) else 1


def _check_model_file(config: TrainConfig, printer: _Printer):
    """(exit code, None) when the network in ``config.model_file`` cannot be trained on the config's
    data, having said why; else (None, the data, read to check it against). The file itself is
    checked first, so that a wrong name is found before a data set is read or downloaded."""
    from visualizer.training.data import DataError
    from visualizer.training.datasets import load_dataset
    from visualizer.training.model_file import check_against_data, file_problem

    problem = file_problem(config.model_file)
    if problem is not None:
        return _fail(problem), None
    try:
        loaded = load_dataset(config)
    except DataError as error:
        printer.on_event(RunFailed(explain_failure(error, "reading the data"), traceback=""))
        return 1, None
    problem = check_against_data(config, loaded)
    if problem is not None:
        return _fail(problem), None
    return None, loaded


def _image_size(text: str) -> tuple[int, int]:
    """"48x64" -> (48, 64): height by width, each from 1 to 1024."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        height, width = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HxW, such as 32x32") from None
    if not (1 <= height <= 1024 and 1 <= width <= 1024):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be from 1 to 1024 pixels")
    return height, width


def _unwritable(folder: Path) -> str | None:
    """Why no file can be created in ``folder``, or None when one can (tried, then deleted)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"the folder {folder} is not writable ({error.strerror or error})"
    return None


def _fail(message: str) -> int:
    print(f"cnn-visualizer train: {message}", file=sys.stderr)
    return 2


def _stop_on_first_interrupt(control: RunControl):
    """Make the first Ctrl+C a graceful stop; the handler it replaces, or None off the main thread."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handle(signum, frame):
        if control.stop_requested():
            raise KeyboardInterrupt
        print("\nstopping after this batch (Ctrl+C again to abort)…", file=sys.stderr, flush=True)
        control.request_stop()

    return signal.signal(signal.SIGINT, handle)


class _Printer:
    """Turns events into lines of text; a live batch line only on a terminal."""

    def __init__(self, stream, *, show_tracebacks: bool = False) -> None:
        self._stream = stream
        self._show_tracebacks = show_tracebacks
        self._live = stream.isatty()
        self._epochs = 0

    def _print(self, text: str = "") -> None:
        if self._live:
            text = "\r\033[K" + text
        print(text, file=self._stream, flush=True)

    def on_event(self, event) -> None:
        if isinstance(event, Status):
            self._print(event.text)
        elif isinstance(event, RunStarted):
            self._epochs = event.epochs
            self._print(f"data: {event.data_source}")
            self._print(f"backend: {event.backend}, device: {event.device}")
            if event.device_note:
                self._print(f"note: {event.device_note}")
            self._print(f"model: {event.model_name}")
            for line in event.model_summary.splitlines():
                self._print(f"  {line}")
            self._print(f"training on {event.train_count:,} images, {event.steps_per_epoch:,} steps per epoch, "
                        f"testing on {event.test_count:,}")
        elif isinstance(event, BatchEnd) and self._live:
            self._stream.write(
                f"\r\033[Kepoch {event.epoch}/{self._epochs}  step {event.batch}/{event.steps_per_epoch}"
                f"  loss {event.loss:.4f}  accuracy {event.accuracy:.4f}"
                f"  ({event.images_per_second:,.0f} images/s)"
            )
            self._stream.flush()
        elif isinstance(event, EpochEnd):
            self._print(
                f"epoch {event.epoch}/{self._epochs}: loss {event.loss:.4f}  accuracy {event.accuracy:.4f}"
                f"  test loss {event.val_loss:.4f}  test accuracy {event.val_accuracy:.4f}"
                f"  ({event.elapsed_s:.1f} s)"
            )
        elif isinstance(event, RunFinished):
            if event.stopped_early:
                self._print(f"stopped early after {event.epochs_completed} complete epoch(s)")
            if event.model_path is None:
                self._print("nothing was trained, so no model was saved")
                return
            self._print(f"final test loss {event.test_loss:.4f}, test accuracy {event.test_accuracy:.4f}")
            self._print(f"training time {event.elapsed_s:.1f} s")
            self._print(f"model saved to {event.model_path} (with the run's recording, for replaying it in the app)")
        elif isinstance(event, RunFailed):
            print(f"cnn-visualizer train: {event.message}", file=sys.stderr, flush=True)
            if event.traceback and self._show_tracebacks:
                print(event.traceback, file=sys.stderr, flush=True)
