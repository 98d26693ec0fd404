"""The inspector's model, served from a child process: the window sends requests, the child answers.

Requests and replies are small frozen dataclasses of plain values and numpy arrays; no Keras object
ever crosses to the window. The child reads every request that has arrived before it works, and of
several pictures to explain it explains only the newest (a drawing stroke sends one per mouse move:
the last one wins). Evaluating a whole test set runs one batch at a time, and between batches the
child answers the other requests, so drawing stays live while the test set is evaluated. A
filter's top images and its picture (inspection/filters.py) are made in steps the same way; the
picture's steps end at once when a StopPicture arrives.

A model that fails to open leaves the open one in place. Neither Qt nor (at import) Keras is
imported here.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from visualizer.childprocess import ChildProcess, Outbox, prepare_child, spawn_context
from visualizer.inspection.filters import PICTURE_STEPS, FilterTops, PictureStep
from visualizer.inspection.report import LoaderReport

log = logging.getLogger(__name__)

EVALUATION_BATCH = 500  # images per step of an evaluation; a step takes about 50 ms for the seed CNN
PICTURE_REPLY_INTERVAL_S = 0.1  # a picture in the making is sent no more often than this
SMOOTHGRAD_SAMPLES = 16


# -- requests (window -> child) ---------------------------------------------------------------------
@dataclass(frozen=True)
class OpenModel:
    path: str
    unsafe: bool = False  # load a model holding Python code (only after the user agreed)


@dataclass(frozen=True)
class SetInputRange:
    """The pixel range the model expects, when the model does not say (None: the report's own)."""

    input_range: tuple[float, float] | None


@dataclass(frozen=True)
class Explain:
    """One picture: its probabilities, every layer's output and the saliency maps for a class."""

    generation: int
    image: np.ndarray  # (H, W) or (H, W, C), any size; uint8 or floats in [0, 1]
    class_index: int | None = None  # None: the predicted class
    smooth: bool = False  # SmoothGrad instead of the plain pixel gradient


@dataclass(frozen=True)
class Evaluate:
    """Every image of a test set: Fashion-MNIST's test split, or a folder of class sub-folders."""

    generation: int
    data_dir: str | None = None
    folder: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class TopImages:
    """The test images that excite each filter of conv layer ``layer`` most: Fashion-MNIST's test
    split, or the first ``limit`` images of a folder of class sub-folders."""

    generation: int
    layer: str
    folder: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class MakePicture:
    """A picture made by gradient ascent on filter ``filter_index`` of ``layer``'s mean activation."""

    generation: int
    layer: str
    filter_index: int
    steps: int = PICTURE_STEPS


@dataclass(frozen=True)
class StopPicture:
    """End the picture being made after the step in progress."""


@dataclass(frozen=True)
class Randomise:
    """Re-initialise the highest layer with trained weights that is not random yet."""


@dataclass(frozen=True)
class Restore:
    """Put every trained weight back."""


# -- replies (child -> window) ----------------------------------------------------------------------
@dataclass(frozen=True)
class LayerSummary:
    label: str
    kind: str  # the layer's class name: Conv2D, MaxPooling2D, Dense…
    output_shape: tuple  # without the batch axis
    parameters: int


@dataclass(frozen=True)
class KernelInfo:
    """A conv layer's learned kernels: shown beside its maps, and stepped through on the
    Convolution page."""

    layer: str
    kernel: np.ndarray  # (kh, kw, C_in, C_out)
    bias: np.ndarray | None  # (C_out,)
    activation: str
    padding: str
    strides: tuple[int, int]
    dilation: tuple[int, int]


@dataclass(frozen=True)
class ModelOpened:
    report: LoaderReport
    layers: tuple[LayerSummary, ...]
    conv_kernels: tuple[KernelInfo, ...]  # every Conv2D layer's, in the order the graph calls them
    randomisable: tuple[str, ...]  # layers with trained weights, from the input up
    seconds: float


@dataclass(frozen=True)
class OpenFailed:
    path: str
    message: str
    unsafe: bool  # True when the model holds Python code and may be opened only if the user agrees


@dataclass(frozen=True)
class LayerOutput:
    label: str
    kind: str  # "conv", "pool" or "dense"
    values: np.ndarray  # batch axis dropped


@dataclass(frozen=True)
class Explained:
    generation: int
    shown: np.ndarray  # the picture as the model sees it (resized, channels converted), in [0, 1]
    model_input: np.ndarray  # exactly what the model is given
    probabilities: np.ndarray
    class_index: int  # the class the maps explain
    layers: tuple[LayerOutput, ...]
    grad_cam: np.ndarray | None  # (H, W) in [0, 1] at the model's input size; None without a conv layer
    gradient: np.ndarray  # (H, W) in [0, 1]
    seconds: float


@dataclass(frozen=True)
class EvaluationProgress:
    generation: int
    done: int
    total: int


@dataclass(frozen=True)
class Evaluated:
    generation: int
    images: np.ndarray  # (N, H, W) or (N, H, W, 3) uint8, for display
    labels: np.ndarray  # (N,) int, -1 where unknown
    probabilities: np.ndarray  # (N, K)
    class_names: tuple[str, ...]  # of the labels (the data's own names)
    source: str
    seconds: float


@dataclass(frozen=True)
class TopImagesProgress(EvaluationProgress):
    """How far a TopImages search has gone through the test set."""


@dataclass(frozen=True)
class TopImagesFound:
    generation: int
    tops: FilterTops
    seconds: float


@dataclass(frozen=True)
class PictureProgress:
    """A step of a filter's picture; ``finished`` on the last, ``stopped`` when a Stop ended it."""

    generation: int
    layer: str
    filter_index: int
    step: PictureStep
    finished: bool = False
    stopped: bool = False


@dataclass(frozen=True)
class Randomised:
    done: tuple[str, ...]  # the layers random now, top first
    next_layer: str | None


@dataclass(frozen=True)
class Failed:
    """A request could not be done; ``message`` says why in words."""

    request: str
    message: str
    details: str = ""


class _Session:
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
        from visualizer.inspection.model import preprocess

        if not self._require_model("explain a picture"):
            return
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
        from visualizer.inspection.model import to_model_input

        if not self._require_model("evaluate a test set"):
            return
        started = time.perf_counter()
        images, labels, names, source = _test_images(self.loaded.report, request.folder, request.limit, request.data_dir)
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
                labels=labels,
                probabilities=probabilities,
                class_names=names,
                source=source,
                seconds=time.perf_counter() - started,
            )
        )

    def top_images(self, request: TopImages) -> Iterator[None]:
        """Find each filter's top images step by step, like an evaluation."""
        from visualizer.inspection.model import to_model_input

        if not self._require_model("find a filter's top images"):
            return
        started = time.perf_counter()
        report, input_range = self.loaded.report, self._input_range
        test_set = _test_images(report, request.folder, request.limit)
        tops = yield from self._filters.top_images(
            request.layer,
            test_set,
            lambda images: to_model_input(images, report, input_range),
            lambda done, total: self._send(TopImagesProgress(request.generation, done, total)),
            key=(request.folder, request.limit, input_range, tuple(self._randomiser.randomised)),
        )
        self._send(TopImagesFound(request.generation, tops, time.perf_counter() - started))

    def make_picture(self, request: MakePicture) -> Iterator[None]:
        """Activation maximisation step by step; closing it (a Stop) sends the last step as stopped."""
        if not self._require_model("make a filter's picture"):
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

    def randomise(self, _request: Randomise) -> None:
        if self._require_model("randomise its weights"):
            self._randomiser.randomise_next()
            self._send_randomisation()

    def restore(self, _request: Restore) -> None:
        if self._require_model("restore its weights"):
            self._randomiser.restore()
            self._send_randomisation()

    def _send_randomisation(self) -> None:
        done = tuple(reversed(self._randomiser.randomised))
        self._send(Randomised(done=done, next_layer=self._randomiser.next_layer))

    def _require_model(self, what: str) -> bool:
        if self.loaded is None:
            self._send(Failed(what, f"Open a model first, to {what}."))
            return False
        return True


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


def _test_images(report: LoaderReport, folder: str | None, limit: int | None, data_dir: str | None = None):
    """(images uint8, labels, class names, source in words) of the test set asked for: the folder's
    images, or Fashion-MNIST's test split (from ``data_dir``, by default the usual place)."""
    if folder is not None:
        from visualizer.inspection.evaluation import load_image_folder

        found = load_image_folder(folder)
        images, labels, names, source = found.images, found.labels, found.class_names, found.source
    else:
        from visualizer.training.data import load_fashion_mnist

        misfit = report.fashion_mnist_misfit()
        if misfit:
            raise ValueError(misfit)
        data = load_fashion_mnist(data_dir)
        images, labels, names, source = data.test_images, data.test_labels.astype(np.int64), data.class_names, data.source
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels, tuple(names), source


# -- the child's loop -------------------------------------------------------------------------------
_HANDLERS = {
    OpenModel: "open",
    SetInputRange: "set_input_range",
    Explain: "explain",
    Randomise: "randomise",
    Restore: "restore",
}
# Requests worked on in steps, between which the other requests are answered: one of each kind at
# a time, a newer one replacing the one in progress.
_STEPWISE = {Evaluate: "evaluate", TopImages: "top_images", MakePicture: "make_picture"}
# Requests that change the weights or how the pixels are scaled: a search for top images under way
# would go on with the new ones and mix the two, so it is closed (the window forgets the top images
# and asks again). An evaluation goes on: the window waits for its answer.
_OUTDATING_TOP_IMAGES = (Randomise, Restore, SetInputRange)


def _newest_explain_only(requests: deque) -> deque:
    """The requests in order, with every Explain but the last dropped: its answer would be stale."""
    last_explain = max((i for i, request in enumerate(requests) if isinstance(request, Explain)), default=-1)
    return deque(r for i, r in enumerate(requests) if not isinstance(r, Explain) or i == last_explain)


def _serve(connection, requests, backend: str | None) -> None:
    prepare_child(backend)
    outbox = Outbox(connection)
    session = _Session(outbox.put)
    pending: deque = deque()
    jobs: dict[type, Iterator[None]] = {}  # the stepwise work in progress, taken in turns
    try:
        while True:
            # Block for the next request only when nothing else is left to do.
            if not pending and not jobs:
                requests.poll(None)
            while requests.poll():
                pending.append(requests.recv())
            pending = _newest_explain_only(pending)
            if pending:
                _take(outbox, session, pending.popleft(), jobs)
            elif jobs:
                kind, job = next(iter(jobs.items()))
                del jobs[kind]  # put back at the end when it has more to do: the jobs take turns
                if _advance(outbox, kind.__name__, job):
                    jobs[kind] = job
    except (EOFError, OSError):
        pass  # the window has gone
    finally:
        outbox.close()


def _take(outbox: Outbox, session: _Session, request, jobs: dict) -> None:
    """Answer ``request`` now, or start (or stop) the stepwise work it asks for."""
    if type(request) in _STEPWISE:
        _close(jobs.pop(type(request), None))
        jobs[type(request)] = getattr(session, _STEPWISE[type(request)])(request)
    elif isinstance(request, StopPicture):
        _close(jobs.pop(MakePicture, None))
    elif isinstance(request, _OUTDATING_TOP_IMAGES):
        _close(jobs.pop(TopImages, None))
        _answer(outbox, request, getattr(session, _HANDLERS[type(request)]))
    elif isinstance(request, OpenModel):
        for job in jobs.values():  # a new model: the old one's work is of no use
            _close(job)
        jobs.clear()
        _answer(outbox, request, session.open)
    else:
        _answer(outbox, request, getattr(session, _HANDLERS[type(request)]))


def _close(job: Iterator[None] | None) -> None:
    if job is not None:
        job.close()


def _answer(outbox: Outbox, request, handler) -> None:
    try:
        handler(request)
    except Exception as error:  # a request that fails must not end the model process
        log.exception("request %s failed", type(request).__name__)
        outbox.put(Failed(type(request).__name__, _in_words(error), traceback.format_exc()))


def _advance(outbox: Outbox, request: str, job: Iterator[None]) -> bool:
    """One step of ``job``; False when it has finished or failed (the failure is sent)."""
    try:
        next(job)
        return True
    except StopIteration:
        return False
    except Exception as error:
        log.exception("%s failed", request)
        outbox.put(Failed(request, _in_words(error), traceback.format_exc()))
        return False


def _in_words(error: Exception) -> str:
    if isinstance(error, MemoryError):
        return "The model process ran out of memory; close other programs or use a smaller test set."
    return str(error) or type(error).__name__


class ModelServer:
    """The window's end: start the child, send requests, poll replies. Qt-free; the page's client
    wraps it with a timer. ``backend`` is set as KERAS_BACKEND in the child."""

    def __init__(self, backend: str | None = None) -> None:
        receiver, self._requests = spawn_context().Pipe(duplex=False)
        self._child = ChildProcess(_serve, (receiver, backend), "cnn-visualizer-model")
        self._child_requests = receiver
        self.started = False

    def start(self) -> None:
        self._child.start()
        self._child_requests.close()  # the child's end; only the child reads it
        self.started = True

    def send(self, request) -> None:
        if not self.started:
            self.start()
        self._requests.send(request)

    def poll(self, max_replies: int | None = None) -> tuple[list, bool]:
        """(replies that have arrived, whether the child has died)."""
        return self._child.receive(max_replies)

    def died_message(self) -> str:
        return (
            f"The model process ended unexpectedly ({self._child.exit_description()}). It may have run "
            "out of memory; open the model again to go on."
        )

    def is_alive(self) -> bool:
        return self._child.is_alive()

    def shutdown(self) -> None:
        """End the child now (the window closes or a new process replaces it)."""
        self._requests.close()
        if self.started:
            self._child.terminate()
