""""Rest of the network": the seed notebook's CNN end to end, one stage at a time.

The diagram shows every stage with its output shape; picking one explains it in plain words next
to a small worked example computed with the numpy ops (ReLU, pooling, dropout, flatten, one dense
unit, softmax). No model is loaded: the stages follow from a TrainConfig (the seed notebook's by
default) by the same layer list the training page builds its Keras model from, and the numbers in
the examples are made up so each step can be followed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.imagefile import MIN_SIDE
from visualizer.training.architecture import INPUT_SHAPE, Layer, network_layers
from visualizer.training.config import TrainConfig
from visualizer.ui.demos.base import StepPage
from visualizer.ui.demos.network_examples import (
    DenseExample,
    DropoutExample,
    Example,
    FlattenExample,
    InputExample,
    PoolExample,
    ReluExample,
    SoftmaxExample,
)
from visualizer.ui.kit.network_diagram import Block, NetworkDiagram, format_shape

SEED_NOTE = (
    "The notebook says the flattened layer has 1567 nodes, but 7 × 7 × 32 = 1568: "
    "the app shows 1568."
)
PLAY_INTERVAL_MS = 4000  # play walks through the stages slowly enough to talk over each one
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six")


# -- the stages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One step of the network as the diagram shows it."""

    kind: str  # input, conv, pool, dropout, flatten, dense, softmax
    name: str  # short label under the diagram block
    heading: str  # the full name above the explanation
    shape: tuple[int, ...]  # output shape of one image, without the batch axis
    params: int  # learned numbers (weights and biases)
    params_text: str  # how the learned numbers add up, in words
    keras: str  # the notebook's line of Keras
    text: str  # plain-words explanation (rich text)
    rate: float = 0.0  # dropout rate

    def block(self) -> Block:
        return Block(self.name, self.heading, self.shape, dashed=self.kind == "dropout")


def _input_stage() -> Stage:
    rows, cols, _ = INPUT_SHAPE
    return Stage(
        "input", "Input", "Input picture", INPUT_SHAPE, 0, "none",
        f"input_shape={INPUT_SHAPE}",
        f"A {rows} × {cols} grayscale picture: {rows * cols} numbers between 0 (black) and 1 (white). "
        "The last axis is the colour channel, and gray has only one. "
        f"Open or draw your own picture from the File menu: it is shrunk to {rows} × {cols} like "
        "Fashion-MNIST.",
    )


def _conv_stage(layer: Layer, number: int) -> Stage:
    filters, side, channels = layer.units, layer.window, layer.input_shape[2]
    kernel = f"{side} × {side}" if channels == 1 else f"{side} × {side} × {channels}"
    if number == 1:
        text = (
            f"Each of the {filters} filters slides its own {side} × {side} kernel over the picture and "
            f"makes one feature map; <i>{layer.padding}</i> padding keeps them {format_shape(layer.shape[:2])}. "
            "Then <b>ReLU</b> replaces every negative number by 0 and keeps the rest: "
            "a map only says where its pattern <i>is</i>, never where it is not."
        )
    else:
        text = (
            f"The {ORDINALS[number - 1]} convolution looks at all {channels} maps at once: each of its "
            f"{filters} filters is {kernel}, so it combines the patterns found so far into larger ones. "
            "ReLU again turns every negative number into 0."
        )
    return Stage(
        "conv", "Conv + ReLU", f"Convolution: {filters} filters of {kernel}, then ReLU", layer.shape,
        layer.params, f"{side} × {side} × {channels} × {filters} weights + {filters} biases = {layer.params:,}",
        f"Conv2D(filters={filters}, kernel_size={side}, padding='{layer.padding}', activation='{layer.activation}')",
        text,
    )


def _pool_stage(layer: Layer, number: int) -> Stage:
    window = f"{layer.window} × {layer.window}"
    if number == 1:  # the architecture's pools are 2 × 2 with stride 2: each halves the maps
        text = (
            f"Each {window} window of every feature map is replaced by its largest number, "
            "so the maps shrink to half the height and half the width (a quarter of the numbers). "
            "The strongest response in each neighbourhood survives; its exact position does not."
        )
    else:
        text = (
            f"Halves the maps again: {format_shape(layer.input_shape[:2])} becomes "
            f"{format_shape(layer.shape[:2])}, keeping the largest number of each {window} window."
        )
    return Stage(
        "pool", "Max pool", f"Max pooling {window}", layer.shape, 0, "none (pooling has no weights)",
        f"MaxPooling2D(pool_size={layer.window})", text,
    )


def _dropout_stage(layer: Layer, number: int) -> Stage:
    rate = layer.rate
    scale = 1.0 / (1.0 - rate)
    if number == 1:
        text = (
            f"While training, each number is switched off (set to 0) with probability {rate:g}, a new "
            "random choice for every image. The network cannot rely on any single unit, which "
            f"helps it generalise. The numbers kept are multiplied by 1 / (1 − {rate:g}) ≈ {scale:.2f} so the "
            "total stays the same on average. When testing or predicting, nothing is dropped "
            "and nothing is scaled."
        )
    else:
        share, scaling = (
            ("Half", "doubled (1 / (1 − 0.5) = 2)") if rate == 0.5
            else (f"{rate:.0%}", f"multiplied by 1 / (1 − {rate:g}) = {scale:.3g}")
        )
        text = (
            f"{share} of the {math.prod(layer.shape):,} units are switched off at random for each training "
            f"image; the others are {scaling}. At test time all units are used, unscaled."
        )
    return Stage(
        "dropout", f"Dropout {rate:.0%}", f"Dropout, rate {rate:g}", layer.shape, 0, "none",
        f"Dropout({rate:g})", text, rate=rate,
    )


def _flatten_stage(layer: Layer) -> Stage:
    flat = layer.shape[0]
    text = (
        f"The {format_shape(layer.input_shape)} block is unrolled into one long vector of "
        f"{flat:,} numbers, so a dense layer can take it. Nothing is computed: the numbers are "
        "only put in a row, channels first changing fastest, then columns, then rows. "
        "Click a cell of the vector to see where it came from."
    )
    if layer == _layer_of_kind(network_layers(TrainConfig()), "flatten"):  # the notebook's own flatten
        text += "<br><small>" + SEED_NOTE + "</small>"
    return Stage("flatten", "Flatten", "Flatten", layer.shape, 0, "none", "Flatten()", text)


def _dense_stage(layer: Layer, most_params: bool) -> Stage:
    units, inputs = layer.units, layer.input_shape[0]
    params_text = f"{inputs:,} × {units} weights + {units} biases = {layer.params:,}"
    keras = f"Dense({units}, activation='{layer.activation}')"
    if layer.activation == "softmax":  # the softmax is a stage of its own: this one gives the scores
        return Stage(
            "dense", "Dense", f"Dense, {units} units: one score per class", layer.shape, layer.params,
            params_text, keras,
            f"Ten units, one per kind of clothing. Each makes a weighted sum of the {inputs:,} numbers "
            "plus a bias: a score called a <i>logit</i>. A higher score means the network is more "
            "sure of that class; here the scores can be any number, negative too.",
        )
    text = (
        f"Every one of the {units} units looks at all {inputs:,} numbers: it multiplies each by its "
        "own weight, adds them up, adds a bias, and applies ReLU."
    )
    if most_params:
        text += " This is where most of the network's learned numbers are."
    return Stage(
        "dense", "Dense + ReLU", f"Dense (fully connected), {units} units, then ReLU", layer.shape,
        layer.params, params_text, keras, text,
    )


def _softmax_stage(shape: tuple[int, ...]) -> Stage:
    return Stage(
        "softmax", "Softmax", "Softmax: scores become probabilities", shape, 0,
        "none (it is the activation of the last Dense layer)",
        "activation='softmax'",
        "Softmax turns the ten scores into probabilities: take e<sup>score</sup> of each "
        "(always positive), then divide by their sum, so the ten add up to exactly 1. "
        "The order is kept: the highest score gets the highest probability. "
        "The predicted class is the one with the longest bar.",
    )


def _layer_of_kind(layers: tuple[Layer, ...], kind: str) -> Layer | None:
    return next((layer for layer in layers if layer.kind == kind), None)


def build_stages(config: TrainConfig | None = None) -> tuple[Stage, ...]:
    """The network ``config`` describes (the seed notebook's by default), stage by stage: the input,
    each layer, and the last layer's softmax as a stage of its own."""
    layers = network_layers(config or TrainConfig())
    most = max(layer.params for layer in layers)
    stages = [_input_stage()]
    seen: dict[str, int] = {}  # layers of each kind so far
    for layer in layers:
        number = seen[layer.kind] = seen.get(layer.kind, 0) + 1
        if layer.kind == "conv":
            stages.append(_conv_stage(layer, number))
        elif layer.kind == "pool":
            stages.append(_pool_stage(layer, number))
        elif layer.kind == "dropout":
            stages.append(_dropout_stage(layer, number))
        elif layer.kind == "flatten":
            stages.append(_flatten_stage(layer))
        else:
            stages.append(_dense_stage(layer, layer.params == most))
    stages.append(_softmax_stage(layers[-1].shape))
    return tuple(stages)


def total_params(stages: tuple[Stage, ...]) -> int:
    return sum(stage.params for stage in stages)


def _learned_layers_text(stages: tuple[Stage, ...]) -> str:
    """'Weights and biases of the two convolutions and the two dense layers'."""
    parts = []
    for kind, noun in (("conv", "convolution"), ("dense", "dense layer")):
        count = sum(stage.kind == kind for stage in stages)
        if count:
            word = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
            parts.append(f"the {word} {noun}{'' if count == 1 else 's'}")
    return "Weights and biases of " + " and ".join(parts)


def _explanation_html(stage: Stage) -> str:
    numbers = f" = {math.prod(stage.shape):,} numbers" if len(stage.shape) > 1 else " numbers"
    return (
        f"<h3 style='margin-bottom:4px'>{stage.heading}</h3>"
        f"<p>Output: <b>{format_shape(stage.shape)}</b>{numbers}"
        f"<br>Learned numbers: {stage.params_text}</p>"
        f"<p>{stage.text}</p>"
        f"<p>Keras: <code>{stage.keras}</code></p>"
    )


# -- the page --------------------------------------------------------------------------------------
class NetworkPage(StepPage):
    """The whole network as a clickable diagram; one stage explained at a time.

    Stages work as steps, so the window's Space, ← → and Home keys move through them and the
    step-through can be exported as an animation. The step controls are not shown: the diagram is
    the page's scrubber.
    """

    title = "Rest of the network"
    input_image_mode = "gray"

    def __init__(self, parent: QWidget | None = None, *, config: TrainConfig | None = None) -> None:
        super().__init__(parent)
        self._config = config or TrainConfig()
        self.stages: tuple[Stage, ...] = ()
        self._examples: dict[int, tuple[Stage, Example]] = {}  # made when first shown

        # <big> rather than a fixed font, so the heading grows with zoom and presentation mode.
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)  # a narrow window wraps the title rather than refusing to shrink
        self.total = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.total)

        self.diagram = NetworkDiagram(())
        self.diagram.stageClicked.connect(self.set_step)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.examples = QStackedWidget()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.diagram)
        layout.addLayout(self._body(), 1)
        self.controls.setParent(self)
        self.controls.hide()
        self.controls.set_fixed_play_interval(PLAY_INTERVAL_MS)
        self._recompute()
        self.set_step(0)

    def _body(self) -> QHBoxLayout:
        """The explanation, scrollable, beside the worked example."""
        scroll = QScrollArea()
        scroll.setWidget(self.explanation)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(220)
        body = QHBoxLayout()
        body.addWidget(scroll, 4)
        body.addSpacing(12)
        body.addWidget(self.examples, 5)
        return body

    # -- the network ---------------------------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """Show the network ``config`` describes, staying on the same stage where it still exists."""
        self._config = config
        self._recompute()

    def current_stage(self) -> Stage:
        return self.stages[self.current_step()]

    def current_example(self) -> QWidget:
        return self.examples.currentWidget()

    # -- steps ---------------------------------------------------------------------------------------
    def _compute(self) -> int:
        self.stages = build_stages(self._config)
        network = "CNN" if self._config.model == "cnn" else "fully connected network"
        self.heading.setText(f"<big><b>{self.title}</b>: the notebook's {network} from picture to prediction</big>")
        self.total.setText(f"{total_params(self.stages):,} learned numbers")
        self.total.setToolTip(_learned_layers_text(self.stages))
        self.diagram.set_blocks(tuple(stage.block() for stage in self.stages))
        self._drop_stale_examples()
        return len(self.stages)

    def _problem_label(self) -> QLabel:
        return self.explanation

    def _show_step(self) -> None:
        index = self.current_step()
        self.diagram.set_current(index)
        self.explanation.setText(_explanation_html(self.stages[index]))
        self.examples.setCurrentWidget(self._example_for(index))

    def is_playing(self) -> bool:
        return self.controls.is_playing()

    def hideEvent(self, event) -> None:
        if self.controls.is_playing():
            self.controls.pause()  # another page is shown: do not keep moving unseen
        super().hideEvent(event)

    # -- input picture -------------------------------------------------------------------------------
    def set_input_image(self, pixels: np.ndarray, title: str) -> None:
        """Show a picture of the user's as the network's input, shrunk to 28 × 28 gray."""
        pixels = np.asarray(pixels, dtype=np.float64)
        if pixels.ndim not in (2, 3) or min(pixels.shape[:2]) < MIN_SIDE:
            raise ValueError(f"expected a picture of at least 3 × 3 pixels, got an array of shape {pixels.shape}")
        self.set_step(0)
        self._example_for(0).set_picture(pixels, title)

    # -- worked examples -----------------------------------------------------------------------------
    def _example_for(self, index: int) -> Example:
        """The worked example of a stage, made the first time it is needed."""
        if index not in self._examples:
            example = self._new_example(index)
            self._examples[index] = (self.stages[index], example)
            self.examples.addWidget(example)
        return self._examples[index][1]

    def _new_example(self, index: int) -> Example:
        stage = self.stages[index]
        seed = 1000 + index  # each stage its own numbers, the same every run
        if stage.kind == "input":
            return InputExample(seed)
        if stage.kind == "conv":
            return ReluExample(seed)
        if stage.kind == "pool":
            return PoolExample(seed)
        if stage.kind == "dropout":
            return DropoutExample(stage.rate, seed)
        if stage.kind == "flatten":
            return FlattenExample(self.stages[index - 1].shape, seed)
        if stage.kind == "dense":
            last = index + 1 < len(self.stages) and self.stages[index + 1].kind == "softmax"
            return DenseExample(not last, seed)
        return SoftmaxExample(seed)

    def _drop_stale_examples(self) -> None:
        """Forget the examples of stages the network no longer has (an input picture stays)."""
        for index, (stage, example) in list(self._examples.items()):
            if index >= len(self.stages) or self.stages[index] != stage:
                del self._examples[index]
                self.examples.removeWidget(example)
                example.deleteLater()
