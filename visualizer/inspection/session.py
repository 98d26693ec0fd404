"""The open model in the inspector's child process, and what is computed over it: a picture's
probabilities, layer outputs and saliency maps, a test set's evaluation, a filter's top images and
picture, and randomised weights. Each request's answer is handed to ``send`` as a reply of
inspection/protocol.py; the work done in steps (evaluation, top images, a picture) is a generator
that the loop in inspection/server.py advances between other requests.

A model that fails to open leaves the open one in place. Keras is imported inside the methods, in
the child only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from visualizer.inspection.protocol import (
    CheckRanges,
    Evaluate,
    Evaluated,
    EvaluationProgress,
    Explain,
    Explained,
    Failed,
    KernelInfo,
    LayerOutput,
    LayerSummary,
    MakePicture,
    ModelOpened,
    OpenFailed,
    OpenModel,
    PictureProgress,
    Randomise,
    Randomised,
    RangeCheckProgress,
    RangesChecked,
    Restore,
    SetInputRange,
    TopImages,
    TopImagesFound,
    TopImagesProgress,
)
from visualizer.inspection.report import LoaderReport

if TYPE_CHECKING:
    from visualizer.inspection.filters import PictureStep
    from visualizer.training.config import TrainConfig

log = logging.getLogger(__name__)

EVALUATION_BATCH = 500  # images per step of an evaluation; a step takes about 50 ms for the seed CNN
PICTURE_REPLY_INTERVAL_S = 0.1  # a picture in the making is sent no more often than this
SMOOTHGRAD_SAMPLES = 16


class ModelSession:
    """The open model and what is computed over it, in the child."""

    def __init__(self, send: Callable[[object], None]) -> None:
        self._send = send
        self.loaded = None
        self._reader = None
        self._saliency = None
        self._randomiser = None
        self._filters = None
        self._input_range: tuple[float, float] | None = None

    def open(self, request: OpenModel) -> None:
        from visualizer.inspection.files import ModelFileError, UnsafeModelError
        from visualizer.inspection.filters import FilterStudy
        from visualizer.inspection.loader import load_classifier
        from visualizer.inspection.model import ModelReader
        from visualizer.inspection.randomise import WeightRandomiser
        from visualizer.inspection.saliency import Saliency

        started = time.perf_counter()
        try:
            loaded = load_classifier(request.path, unsafe=request.unsafe)
            reader, saliency, randomiser = ModelReader(loaded), Saliency(loaded), WeightRandomiser(loaded)
        except UnsafeModelError as error:
            self._send(OpenFailed(request.path, str(error), unsafe=True))
            return
        except ModelFileError as error:
            self._send(OpenFailed(request.path, str(error), unsafe=False))
            return
        _warm_up(loaded, reader, saliency)
        # Only now, with everything built, does the new model replace the open one.
        self.loaded, self._reader, self._saliency, self._randomiser = loaded, reader, saliency, randomiser
        self._filters = FilterStudy(loaded, reader._run)
        self._input_range = None
        self._send(
            ModelOpened(
                report=loaded.report,
                layers=tuple(_summaries(loaded)),
                conv_kernels=tuple(_conv_kernels(loaded)),
                randomisable=randomiser.layer_names,
                seconds=time.perf_counter() - started,
            )
        )

    def set_input_range(self, request: SetInputRange) -> None:
        self._input_range = request.input_range

    def explain(self, request: Explain) -> None:
        if not self._require_model(request, "explain a picture"):
            return
        from visualizer.inspection.model import preprocess

        started = time.perf_counter()
        picture = preprocess(request.image, self.loaded.report, self._input_range)
        activations = self._reader.activations(picture.model_input)
        probabilities = activations.probabilities
        class_index = int(np.argmax(probabilities)) if request.class_index is None else request.class_index
        grad_cam = None
        if self._saliency.target is not None:
            grad_cam = self._saliency.grad_cam(picture.model_input, class_index).values
        samples = SMOOTHGRAD_SAMPLES if request.smooth else 0
        gradient = self._saliency.pixel_gradient(picture.model_input, class_index, smooth_samples=samples).values
        self._send(
            Explained(
                generation=request.generation,
                shown=picture.shown,
                model_input=picture.model_input,
                probabilities=probabilities,
                class_index=class_index,
                layers=tuple(LayerOutput(layer.label, layer.kind, layer.values) for layer in activations.layers),
                grad_cam=grad_cam,
                gradient=gradient,
                seconds=time.perf_counter() - started,
            )
        )

    def evaluate(self, request: Evaluate) -> Iterator[None]:
        """Evaluate step by step: the caller advances it one batch at a time."""
        if not self._require_model(request, "evaluate a test set"):
            return
        from visualizer.inspection.model import to_model_input

        started = time.perf_counter()
        test_set = _test_images(self.loaded.report, request.folder, request.limit, request.data_dir, run=self._run(request))
        images = test_set.images
        total = len(images)
        chunks = []
        for start in range(0, total, EVALUATION_BATCH):
            batch = to_model_input(images[start : start + EVALUATION_BATCH], self.loaded.report, self._input_range)
            chunks.append(self._reader.probabilities(batch))
            self._send(EvaluationProgress(request.generation, min(total, start + EVALUATION_BATCH), total))
            yield
        probabilities = np.concatenate(chunks) if chunks else np.zeros((0, self.loaded.report.class_count))
        self._send(
            Evaluated(
                generation=request.generation,
                images=images,
                labels=test_set.labels,
                probabilities=probabilities,
                class_names=test_set.class_names,
                source=test_set.source,
                seconds=time.perf_counter() - started,
                light_on_dark=test_set.light_on_dark,
            )
        )

    def check_ranges(self, request: CheckRanges) -> Iterator[None]:
        """Predict the test set (at most ``request.limit`` images, every class kept) under each
        range in turn, one range per step."""
        if not self._require_model(request, "check the input ranges"):
            return
        from visualizer.inspection.model import to_model_input

        started = time.perf_counter()
        test_set = _test_images(self.loaded.report, request.folder, request.limit, spread=True, run=self._run(request))
        predictions = []
        for done, input_range in enumerate(request.ranges, 1):
            batch = to_model_input(test_set.images, self.loaded.report, input_range)
            predictions.append(np.argmax(self._reader.logits(batch), axis=1))
            self._send(RangeCheckProgress(request.generation, done, len(request.ranges)))
            yield
        self._send(
            RangesChecked(
                generation=request.generation,
                ranges=tuple(request.ranges),
                predictions=np.asarray(predictions, np.int64).reshape(len(request.ranges), len(test_set.images)),
                labels=test_set.labels,
                class_names=test_set.class_names,
                seconds=time.perf_counter() - started,
            )
        )

    def top_images(self, request: TopImages) -> Iterator[None]:
        """Find each filter's top images step by step, like an evaluation."""
        if not self._require_model(request, "find a filter's top images"):
            return
        from visualizer.inspection.model import to_model_input

        started = time.perf_counter()
        report, input_range = self.loaded.report, self._input_range
        test_set = _test_images(report, request.folder, request.limit, run=self._run(request))
        tops = yield from self._filters.top_images(
            request.layer,
            test_set,
            lambda images: to_model_input(images, report, input_range),
            lambda done, total: self._send(TopImagesProgress(request.generation, done, total)),
            key=(request.folder, request.run_test, request.limit, input_range, tuple(self._randomiser.randomised)),
        )
        self._send(TopImagesFound(request.generation, tops, time.perf_counter() - started))

    def make_picture(self, request: MakePicture) -> Iterator[None]:
        """Activation maximisation step by step; closing it (a Stop) sends the last step as stopped."""
        if not self._require_model(request, "make a filter's picture"):
            return
        input_range = self._input_range or self.loaded.report.input_range or (0.0, 1.0)
        last, sent_at = None, 0.0

        def reply(step: PictureStep, **done) -> PictureProgress:
            return PictureProgress(request.generation, request.layer, request.filter_index, step, **done)

        try:
            for last in self._filters.picture_steps(request.layer, request.filter_index, input_range, request.steps):
                if last.step < last.steps and time.perf_counter() - sent_at >= PICTURE_REPLY_INTERVAL_S:
                    self._send(reply(last))
                    sent_at = time.perf_counter()
                yield
        except GeneratorExit:
            if last is not None:
                self._send(reply(last, stopped=True))
            raise
        if last is not None:
            self._send(reply(last, finished=True))

    def randomise(self, request: Randomise) -> None:
        if self._require_model(request, "randomise its weights"):
            self._randomiser.randomise_next()
            self._send_randomisation()

    def restore(self, request: Restore) -> None:
        if self._require_model(request, "restore its weights"):
            self._randomiser.restore()
            self._send_randomisation()

    def _send_randomisation(self) -> None:
        done = tuple(reversed(self._randomiser.randomised))
        self._send(Randomised(done=done, next_layer=self._randomiser.next_layer))

    def _run(self, request: Evaluate | CheckRanges | TopImages):
        """The settings of the recorded run whose test part ``request`` asks for, or None when it
        asks for another test set; ValueError, in words, when the open model holds no such run."""
        if not request.run_test:
            return None
        if self.loaded.run_config is None:
            raise ValueError(f"{self.loaded.report.model_name} holds no recorded run that names its data.")
        return self.loaded.run_config

    def _require_model(self, request, what: str) -> bool:
        """True when a model is open; else the request is answered with Failed, named by its type as
        every Failed is (the window matches on it), and ``what`` it asked for said in words."""
        if self.loaded is None:
            self._send(Failed(type(request).__name__, f"Open a model first, to {what}."))
            return False
        return True


def warm_up_keras() -> None:
    """Import Keras and open a small CNN of the seed's layer kinds once, through the same steps as a
    user's model (load, rebuild, each compiled call), then forget it: most of a first open is
    Keras's own start, which a process started ahead does while nobody waits. Any failure is left
    for the user's model to meet and say in words."""
    import tempfile
    from pathlib import Path

    try:
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input((8, 8, 1)),
            layers.Conv2D(2, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ])
        with tempfile.TemporaryDirectory(prefix="cnn-visualizer-warm-") as folder:
            path = Path(folder) / "warm-up.keras"
            model.save(path)
            ModelSession(lambda _reply: None).open(OpenModel(str(path)))
        keras.backend.clear_session()  # the user's model starts with Keras's names and state afresh
    except Exception:
        log.warning("warming up Keras failed; the first model opened will take longer", exc_info=True)


def _warm_up(loaded, reader, saliency) -> None:
    """Run each compiled call once on a blank picture: the first call traces and compiles (a few
    hundred ms), and the user's first stroke should not be the one that waits for it."""
    blank = np.zeros(loaded.report.input_shape, dtype=np.float32)
    reader.activations(blank)
    if saliency.target is not None:
        saliency.grad_cam(blank, 0)
    saliency.pixel_gradient(blank, 0)


def _summaries(loaded) -> Iterator[LayerSummary]:
    seen: set[int] = set()
    for call in loaded.calls:
        layer = call.layer
        first_call = id(layer) not in seen  # a shared layer's weights are counted once
        seen.add(id(layer))
        parameters = int(layer.count_params()) if first_call and layer.weights else 0
        yield LayerSummary(call.label, type(layer).__name__, tuple(call.output.shape[1:]), parameters)


def _conv_kernels(loaded) -> Iterator[KernelInfo]:
    for call in loaded.calls:
        layer = call.layer
        if type(layer).__name__ != "Conv2D" or getattr(layer, "groups", 1) != 1:
            continue
        config = layer.get_config()
        weights = layer.get_weights()
        yield KernelInfo(
            layer=call.label,
            kernel=np.asarray(weights[0], dtype=np.float64),
            bias=np.asarray(weights[1], dtype=np.float64) if len(weights) > 1 else None,
            activation=str(config.get("activation", "linear")),
            padding=str(config.get("padding", "valid")),
            strides=tuple(config.get("strides", (1, 1))),
            dilation=tuple(config.get("dilation_rate", (1, 1))),
        )


class LabelledImages(NamedTuple):
    images: np.ndarray  # uint8
    labels: np.ndarray
    class_names: tuple[str, ...]
    source: str  # in words
    light_on_dark: bool  # grey pictures light on dark, as Fashion-MNIST's (shown inverted)


def _test_images(
    report: LoaderReport, folder: str | None, limit: int | None, data_dir: str | None = None, spread: bool = False,
    run: TrainConfig | None = None,
) -> LabelledImages:
    """The test set asked for: the test part of the recorded ``run``, the folder's images, or
    Fashion-MNIST's test split (from ``data_dir``, by default the usual place); its first ``limit``
    images, or with ``spread`` at most ``limit`` taken from every class in turn."""
    light_on_dark = False
    if run is not None:
        return _run_test_part(run, report, limit, spread)
    if folder is not None:
        from visualizer.inspection.evaluation import DEFAULT_MAX_IMAGES, load_image_folder

        found = load_image_folder(folder, max_images=limit if spread and limit else DEFAULT_MAX_IMAGES)
        images, labels, names, source = found.images, found.labels, found.class_names, found.source
    else:
        from visualizer.training.data import load_fashion_mnist

        misfit = report.fashion_mnist_misfit()
        if misfit:
            raise ValueError(misfit)
        data = load_fashion_mnist(data_dir)
        images, labels, names, source = data.test_images, data.test_labels.astype(np.int64), data.class_names, data.source
        light_on_dark = True  # the app's own Fashion-MNIST: garments bright on black
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return LabelledImages(images, labels, tuple(names), source, light_on_dark)


def _run_test_part(run: TrainConfig, report: LoaderReport, limit: int | None, spread: bool) -> LabelledImages:
    """The test part of the data the recorded run trained on, read and split again as the run did
    (at the network's input size where the run chose a folder's size from its pictures)."""
    from visualizer.training.data import DataError, stratified_subset
    from visualizer.training.datasets import load_test_part

    if run.dataset == "folder" and not Path(run.data_dir).expanduser().is_dir():
        raise DataError(f"the folder of pictures it trained on, {run.data_dir}, has gone (moved, renamed or deleted).")
    data = load_test_part(run, image_size=report.image_size)
    images, labels = data.test_images, data.test_labels.astype(np.int64)
    if limit is not None and limit < len(labels):
        if spread:
            images, labels = stratified_subset(images, labels, limit, seed=None)
        else:
            images, labels = images[:limit], labels[:limit]
    light_on_dark = report.run_data is not None and report.run_data.light_on_dark
    return LabelledImages(images, labels, tuple(data.class_names), f"the run's own test part of {data.source}", light_on_dark)
