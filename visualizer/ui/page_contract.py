"""What a page may offer the main window and the exporter, declared once.

A page is any QWidget. The window's menus and shortcuts, and the animation export, use the parts
below that a page provides; the checks are structural (``isinstance`` on these runtime-checkable
protocols), so a page need not inherit anything to take part:

- `Playable`: the Space shortcut plays or pauses it (the step pages, the network page, and the
  training page, which pauses its run);
- `Animatable`: a numbered step-through that can be recorded frame by frame as an animated GIF;
- `Steppable`: both, plus the arrow and Home keys (step back, step forward, back to the start);
- `TakesInputImage`: File > Open image and Draw image hand it a picture;
- `HasDrawingCanvas`: a canvas of its own, made for what the page shows (the inspector's takes the
  open network's input size and colour), which Draw image shows rather than the window's small
  grey 28x28 drawing dialog;
- `Titled`: its own title, the same words as its entry in `visualizer.ui.pages`;
- `OpensModels`: File > Open model and a model file dropped on the window open there;
- `OffersModels`: it makes trained models and asks, with its ``inspectRequested(path)`` signal,
  for one to be opened in the page that opens models;
- `OpensPages`: it asks, with its ``pageRequested(name)`` signal, for another page to be shown (a
  link to the concept page that explains a problem);
- `ShowsRecordedRuns`: a model file that holds a recorded run, opened anywhere, replays there too;
- `OffersLearnedKernels` / `StepsThroughKernels`: one page offers a trained model's kernel on a
  picture (``stepThroughRequested(LearnedKernel)``), the other steps through that convolution;
- `RemembersSettings`: it keeps its choices between runs, in its own group of the window's
  QSettings (see `visualizer.ui.kit.stored_settings`).

Every page can be saved as a PNG, so that needs no declaration here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from PyQt6.QtCore import QSettings


@runtime_checkable
class Titled(Protocol):
    title: str


@runtime_checkable
class Playable(Protocol):
    def toggle_play(self) -> None:
        """Start playing, or pause."""


@runtime_checkable
class Animatable(Protocol):
    """Steps numbered 0 .. step_count() - 1; what a GIF export walks through."""

    def step_count(self) -> int: ...

    def current_step(self) -> int: ...

    def set_step(self, index: int) -> None: ...


@runtime_checkable
class Steppable(Playable, Animatable, Protocol):
    def step(self, delta: int) -> None:
        """Move ``delta`` steps (negative: back), stopping at either end."""

    def reset(self) -> None:
        """Pause and go back to the first step."""


@runtime_checkable
class TakesInputImage(Protocol):
    input_image_mode: str  # "gray" or "rgb": the kind of array set_input_image wants now

    def set_input_image(self, pixels: np.ndarray, title: str) -> None:
        """Use ``pixels`` as the page's input; ValueError or TypeError says what it cannot take."""


@runtime_checkable
class HasDrawingCanvas(Protocol):
    def show_drawing_canvas(self) -> None: ...


@runtime_checkable
class OpensModels(Protocol):
    # pyqtSignal(str): the path of a model file once it has opened (File > Open recent offers
    # only these: a file that failed to open is not offered again)
    modelOpened: object

    def open_model(self, path: str, unsafe: bool = False, may_ask: bool = True) -> None:
        """Open the model file at ``path``; ``unsafe`` allows a model holding Python code, and
        ``may_ask`` lets the page ask the user about one (not from the command line)."""

    def is_busy(self) -> bool:
        """True while the page still waits for its model."""

    def failure(self) -> str | None:
        """Why the last model could not be opened, in words; None when it opened."""


@runtime_checkable
class OffersModels(Protocol):
    inspectRequested: object  # pyqtSignal(str): the path of a model file to inspect


@runtime_checkable
class OpensPages(Protocol):
    pageRequested: object  # pyqtSignal(str): the name of a page to show (as in visualizer.ui.pages)


@runtime_checkable
class ShowsRecordedRuns(Protocol):
    def open_recorded_run(self, path: str) -> str | None:
        """Show the run recorded in the .keras file at ``path``; why it cannot, in words, or None."""


@dataclass(frozen=True)
class LearnedKernel:
    """A trained conv layer's kernel for one output channel, on the picture the model was given."""

    image: np.ndarray  # (H, W), exactly the model's input
    kernel: np.ndarray  # (kh, kw)
    title: str  # for the picture, e.g. "conv1, map 5 (Test image #3)"
    note: str  # what the model adds after the sum (bias, activation, padding), in words


@runtime_checkable
class OffersLearnedKernels(Protocol):
    stepThroughRequested: object  # pyqtSignal(object) carrying a LearnedKernel


@runtime_checkable
class StepsThroughKernels(Protocol):
    def show_learned_kernel(self, learned: LearnedKernel) -> None:
        """Step through ``learned.kernel`` sliding over ``learned.image``."""


@runtime_checkable
class RemembersSettings(Protocol):
    def restore_settings(self, settings: QSettings) -> None:
        """Take back what save_settings wrote; a value missing or unreadable keeps its default."""

    def save_settings(self, settings: QSettings) -> None:
        """Write the choices to keep, as plain values (numbers and strings)."""
