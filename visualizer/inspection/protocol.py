"""What the inspector's window and its model process say to each other: requests (window -> child)
and replies (child -> window), small frozen dataclasses of plain values and numpy arrays. No Keras
object ever crosses to the window. A request that cannot be done is answered with Failed, whose
``request`` is always the request's type name ("Explain"), so the window knows what to stop
waiting for.

This module is what both ends import; it imports neither Qt nor Keras, nor the machinery that
makes the replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from visualizer.inspection.report import LoaderReport

if TYPE_CHECKING:  # made in the child by inspection/filters.py, which uses PICTURE_STEPS from here
    from visualizer.inspection.filters import FilterTops, PictureStep

PICTURE_STEPS = 96  # gradient-ascent steps of a filter's picture, unless the request says otherwise


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
    """Every image of a test set: Fashion-MNIST's test split, a folder of class sub-folders, or
    (``run_test``) the test part of the run recorded in the model's file, split as the run split it."""

    generation: int
    data_dir: str | None = None
    folder: str | None = None
    limit: int | None = None
    run_test: bool = False


@dataclass(frozen=True)
class CheckRanges:
    """The test set (a folder of class sub-folders, or Fashion-MNIST's test split) predicted under
    each input range, at most ``limit`` images spread over the classes: which range makes the
    model right most often?"""

    generation: int
    ranges: tuple[tuple[float, float], ...]
    folder: str | None = None
    limit: int = 500
    run_test: bool = False  # the recorded run's own test part, as in Evaluate


@dataclass(frozen=True)
class TopImages:
    """The test images that excite each filter of conv layer ``layer`` most: Fashion-MNIST's test
    split, or the first ``limit`` images of a folder of class sub-folders."""

    generation: int
    layer: str
    folder: str | None = None
    limit: int | None = None
    run_test: bool = False  # the recorded run's own test part, as in Evaluate


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
    # The data's own convention: grey pictures light on dark (Fashion-MNIST's), which the window
    # shows inverted, as dark ink on white paper; photographs are shown as they are.
    light_on_dark: bool = False


@dataclass(frozen=True)
class RangeCheckProgress(EvaluationProgress):
    """How far a CheckRanges has gone: ``done`` of ``total`` ranges."""


@dataclass(frozen=True)
class RangesChecked:
    """The predicted class of each checked image under each range of the request, in its order."""

    generation: int
    ranges: tuple[tuple[float, float], ...]
    predictions: np.ndarray  # (R, N) int
    labels: np.ndarray  # (N,) the data's own class numbers, -1 where unknown
    class_names: tuple[str, ...]  # of the labels (the data's own names)
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

    request: str  # the request's type name: "Explain", "Evaluate", "OpenModel"…
    message: str
    details: str = ""
