"""What a conv filter looks for: the test images that excite it most, and a picture made for it.

Top images: every test image goes through the model up to the chosen conv layer, a batch at a
time; each filter's largest value over its map, and where it is, is kept for the nine images with
the largest maxima (ties: the earlier image first). The patch of a top image is the part of the
input that position sees: its receptive field (inspection/receptive_field.py), clipped at the
borders. All filters of a layer come from one pass, and a layer's answer is kept for the next time.

Activation maximisation: from a grey picture with a little noise, in the model's input range,
gradient ascent on the filter's mean activation. Each step follows the gradient scaled to unit
size, shifts the picture first by up to an eighth of the filter's field (jitter: a filter that sees
16 pixels or more is not fitted to one pixel grid; one that sees a few pixels wants exactly
those), pulls it gently back to grey (L2), blurs it lightly now and then and clips it to the input
range. A
filter silent on the picture (a ReLU below zero everywhere) gives no gradient: the picture is
shaken with noise until the filter answers. The
gradient comes from the backend's gradient function (inspection/gradients.py) over a model whose
first output is every filter's mean activation, so "class index" there means "filter" here.

Both are generators that yield between steps, so the model process answers other requests in
between. Keras is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from visualizer.inspection.gradients import gradients_for
from visualizer.inspection.model import _as_shown as as_shown
from visualizer.inspection.protocol import PICTURE_STEPS
from visualizer.inspection.receptive_field import ReceptiveField, receptive_field

TOP_COUNT = 9  # images per filter: a 3x3 grid
SEARCH_BATCH = 200  # test images per step of the search
STEP_SIZE = 0.04  # of the input range, per step, along the unit-size gradient
DECAY = 0.002  # the pull back to grey, per step
JITTER_PER_FIELD = 1 / 8  # the most the picture is shifted before each gradient, of the field's side
BLUR_EVERY = 4  # steps between two light blurs
BLUR_WEIGHT = 0.5  # of the blurred picture in the mix
START_NOISE = 0.2  # of the input range: enough that most positions of most filters answer at once
SHAKE = 0.2  # noise added, of the input range, while the filter is silent and so has no gradient
SILENT_STEPS = 24  # steps in a row without a gradient after which the picture is given up
NO_GRADIENT = f"Stopped: the filter stayed silent,\nwith no gradient, for {SILENT_STEPS} steps"


def map_maxima(maps: np.ndarray, channels_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(maxima (B, C), positions (B, C, 2) as (row, column)) of a batch of maps (B, H, W, C), or
    (B, C, H, W) when ``channels_first``; the first largest value in row order."""
    maps = np.asarray(maps)
    if channels_first:
        maps = np.moveaxis(maps, 1, -1)
    count, _, width, channels = maps.shape
    flat = maps.reshape(count, -1, channels)
    where = flat.argmax(axis=1)
    maxima = np.take_along_axis(flat, where[:, np.newaxis, :], axis=1)[:, 0, :]
    return maxima, np.stack(np.divmod(where, width), axis=-1)


class TopTracker:
    """The ``count`` largest maxima of each of ``channels`` filters over batches seen in order."""

    def __init__(self, channels: int, count: int = TOP_COUNT) -> None:
        self.count = count
        self.values = np.zeros((channels, 0), np.float32)
        self.indices = np.zeros((channels, 0), np.int64)
        self.positions = np.zeros((channels, 0, 2), np.int64)

    def add(self, maxima: np.ndarray, positions: np.ndarray, first_index: int) -> None:
        """One batch: ``maxima`` (B, C) and ``positions`` (B, C, 2) of images ``first_index``..."""
        batch = len(maxima)
        values = np.concatenate([self.values, np.asarray(maxima, np.float32).T], axis=1)
        indices = np.concatenate([self.indices, np.broadcast_to(first_index + np.arange(batch), (len(values), batch))], axis=1)
        places = np.concatenate([self.positions, np.swapaxes(positions, 0, 1)], axis=1)
        # Stable: of equal maxima the earlier image stays first (those kept so far came earlier).
        order = np.argsort(-values, axis=1, kind="stable")[:, : self.count]
        self.values = np.take_along_axis(values, order, axis=1)
        self.indices = np.take_along_axis(indices, order, axis=1)
        self.positions = np.take_along_axis(places, order[..., np.newaxis], axis=1)


@dataclass(frozen=True, eq=False)
class FilterTops:
    """The top images of every filter of one conv layer. C filters, k images each, best first.

    values: (C, k) each image's largest activation; indices: (C, k) its place in the test set;
    positions: (C, k, 2) where the largest value is in the layer's map (row, column); boxes:
    (C, k, 4) the patch that position sees, (top, left, bottom, right) in the model's input
    pixels, bottom and right exclusive; labels: (C, k), -1 where unknown. ``images`` holds each
    distinct top image once, (U, H, W[, 3]) uint8 for display (a layer of 512 filters must not
    send 4,608 pictures where a few hundred differ), ``rows`` (C, k) says which is which.
    ``field`` is None when the layer sees the whole picture. ``lowest``: (C,) the smallest value
    anywhere in each filter's maps over the test set (None: not known).
    """

    layer: str
    values: np.ndarray
    indices: np.ndarray
    positions: np.ndarray
    boxes: np.ndarray
    images: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    image_size: tuple[int, int]  # the model's input size, in which boxes are given
    field: ReceptiveField | None
    map_size: tuple[int, int]
    source: str
    lowest: np.ndarray | None = None
    light_on_dark: bool = False  # the test set's grey pictures are light on dark (shown inverted)

    @property
    def filter_count(self) -> int:
        return len(self.values)

    @property
    def picture_size(self) -> tuple[int, int]:
        """(height, width) of the pictures for display."""
        return tuple(self.images.shape[1:3])

    def fires(self, filter_index: int) -> bool:
        """Whether the filter answers anything on the test set: its largest value is above zero and
        above its smallest (a constant map picks out no image and no place: its "top images" would
        be the first ones, at the map's first position)."""
        largest = float(self.values[filter_index, 0]) if self.values.shape[1] else 0.0
        return largest > 0 and (self.lowest is None or largest > float(self.lowest[filter_index]))

    def image(self, filter_index: int, rank: int) -> np.ndarray:
        """The ``rank``-th top image of filter ``filter_index``, for display."""
        return self.images[self.rows[filter_index, rank]]


@dataclass(frozen=True)
class PictureStep:
    """One step of activation maximisation: the picture for display ((H, W) or (H, W, 3) in
    [0, 1]) and the filter's mean activation on it; ``gave_up`` says why the picture stopped
    before its last step ("" when it did not)."""

    step: int
    steps: int
    picture: np.ndarray
    activation: float
    start_activation: float
    gave_up: str = ""


def patch_boxes(field: ReceptiveField | None, positions: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """(…, 4) boxes of the input that map ``positions`` (…, 2) see; the whole image without a field."""
    positions = np.asarray(positions, np.int64)
    boxes = np.zeros((*positions.shape[:-1], 4), np.int64)
    boxes[...] = (0, 0, image_size[0], image_size[1])
    if field is not None:
        for where in np.ndindex(positions.shape[:-1]):
            boxes[where] = field.box(int(positions[where][0]), int(positions[where][1]), image_size)
    return boxes


class FilterStudy:
    """Top images and pictures for the conv layers of one LoadedModel, from the model's thread.

    ``run(model, batch)`` returns a compiled model's outputs on a batch as numpy arrays.
    """

    def __init__(self, loaded, run: Callable) -> None:
        self._loaded = loaded
        self._run = run
        self._map_models: dict[str, object] = {}
        self._gradients: dict[str, Callable] = {}
        self._tops: dict[tuple, FilterTops] = {}

    def _call(self, label: str):
        for call in self._loaded.calls:
            if call.label == label and len(tuple(call.output.shape)) == 4:
                return call
        raise ValueError(f"the model has no conv layer named {label!r} with a map")

    def _channels_first(self, label: str) -> bool:
        return getattr(self._call(label).layer, "data_format", "channels_last") == "channels_first"

    def _map_model(self, label: str):
        if label not in self._map_models:
            import keras

            model = keras.Model(self._loaded.input, self._call(label).output, name="filter_maps")
            model.compile(jit_compile=False)
            self._map_models[label] = model
        return self._map_models[label]

    def top_images(self, label: str, test_set, to_input: Callable, on_progress: Callable, key=()) -> Iterator[None]:
        """Search ``test_set`` = (images uint8, labels, class names, source, light on dark) for ``label``'s top
        images, ``SEARCH_BATCH`` at a time, calling ``on_progress(done, total)`` after each and
        yielding; returns the FilterTops (``result = yield from ...``). ``key`` tells test sets
        and input ranges apart in the cache."""
        cache_key = (label, *key)
        if cache_key in self._tops:
            return self._tops[cache_key]
        images, labels, names, source, light_on_dark = test_set
        model, first = self._map_model(label), self._channels_first(label)
        tracker, lowest, total = None, None, len(images)
        for start in range(0, total, SEARCH_BATCH):
            maps = self._run(model, to_input(images[start : start + SEARCH_BATCH]))[0]
            maxima, positions = map_maxima(maps, first)
            tracker = tracker or TopTracker(maxima.shape[1])
            tracker.add(maxima, positions, start)
            smallest = np.asarray(maps).min(axis=(0, 2, 3) if first else (0, 1, 2))
            lowest = smallest if lowest is None else np.minimum(lowest, smallest)
            on_progress(min(total, start + SEARCH_BATCH), total)
            yield
        if tracker is None:
            raise ValueError("the test set holds no images")
        shape = tuple(self._call(label).output.shape)
        field = receptive_field(self._loaded.flat, label)
        image_size = tuple(self._loaded.report.image_size)
        distinct, rows = np.unique(tracker.indices, return_inverse=True)
        tops = FilterTops(
            layer=label,
            values=tracker.values,
            indices=tracker.indices,
            positions=tracker.positions,
            boxes=patch_boxes(field, tracker.positions, image_size),
            images=np.asarray(images)[distinct],
            rows=rows.reshape(tracker.indices.shape),
            labels=np.asarray(labels)[tracker.indices],
            class_names=tuple(names),
            image_size=image_size,
            field=field,
            map_size=tuple(shape[2:4] if first else shape[1:3]),
            source=source,
            lowest=lowest,
            light_on_dark=light_on_dark,
        )
        self._tops[cache_key] = tops
        return tops

    def _gradient(self, label: str) -> Callable:
        """The gradient function of a model whose first output is each filter's mean activation."""
        if label not in self._gradients:
            import keras

            call = self._call(label)
            taken = {other.layer.name for other in self._loaded.calls}
            name = next(f"filter_means_{n}" for n in range(len(taken) + 1) if f"filter_means_{n}" not in taken)
            data_format = getattr(call.layer, "data_format", "channels_last")
            means = keras.layers.GlobalAveragePooling2D(data_format=data_format, name=name)(call.output)
            self._gradients[label] = gradients_for(keras.Model(self._loaded.input, means, name="filter_means"))
        return self._gradients[label]

    def picture_steps(
        self, label: str, filter_index: int, input_range: tuple[float, float], steps: int = PICTURE_STEPS, seed: int = 0
    ) -> Iterator[PictureStep]:
        """Activation maximisation for filter ``filter_index`` of ``label``, one PictureStep per step."""
        report = self._loaded.report
        low, high = float(input_range[0]), float(input_range[1])
        gradient = self._gradient(label)
        rng = np.random.default_rng(seed)
        grey = (low + high) / 2
        shape = tuple(report.input_shape)
        picture = (grey + rng.normal(0.0, START_NOISE * (high - low), shape)).clip(low, high).astype(np.float32)
        spatial = (1, 2) if report.channel_axis == "first" else (0, 1)
        field = receptive_field(self._loaded.flat, label)
        jitter = int(min(field.size if field is not None else report.image_size) * JITTER_PER_FIELD)

        def activation(values: np.ndarray) -> float:
            (means, *_), _ = gradient([values[np.newaxis]], filter_index)
            return float(means[0, filter_index])

        start_activation = activation(picture)
        silent = 0  # steps in a row without a gradient
        for step in range(1, steps + 1):
            shift = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, 2))
            _, (grads, *_) = gradient([np.roll(picture, shift, axis=spatial)[np.newaxis]], filter_index)
            grad = np.roll(grads[0], tuple(-s for s in shift), axis=spatial)
            size = float(np.sqrt(np.mean(grad**2)))
            silent = 0 if size > 0 else silent + 1
            if size > 0:
                picture = picture + STEP_SIZE * (high - low) * grad / size - DECAY * (picture - grey)
            else:  # the filter is silent on this picture (a ReLU below zero everywhere): no gradient
                picture = picture + rng.normal(0.0, SHAKE * (high - low), shape)
            if step % BLUR_EVERY == 0:
                picture = (1 - BLUR_WEIGHT) * picture + BLUR_WEIGHT * _blur(picture, spatial)
            picture = picture.clip(low, high).astype(np.float32)
            gave_up = NO_GRADIENT if silent >= SILENT_STEPS and step < steps else ""
            yield PictureStep(step, steps, as_shown(picture, report, (low, high)), activation(picture), start_activation, gave_up)
            if gave_up:
                return


def _blur(picture: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
    """A light (1, 2, 1) / 4 blur along both spatial axes, the border repeated."""
    for axis in axes:
        pad = [(1, 1) if current == axis else (0, 0) for current in range(picture.ndim)]
        padded = np.moveaxis(np.pad(picture, pad, mode="edge"), axis, 0)
        picture = np.moveaxis((padded[:-2] + 2 * padded[1:-1] + padded[2:]) / 4, 0, axis)
    return picture
