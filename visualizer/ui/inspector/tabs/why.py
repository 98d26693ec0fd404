"""The inspector's "Why" tab: which pixels made the model say what it says, and a check that the
maps explain the model rather than the picture.

Two maps over the image: Grad-CAM on a conv layer and the pixel gradient (SmoothGrad optional),
for the predicted class or any class picked; the heat map's opacity is adjustable. The sanity
check of Adebayo et al. (2018) is one click per layer: a map that does not change when the
weights are randomised is not explaining the model.

A dumb view: it shows what it is given and asks for new maps through its signals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from visualizer.ui.inspector.saliency_overlay import DEFAULT_OPACITY, HEAT_LEGEND, SaliencyOverlay
from visualizer.ui.kit.compact import fitting_combo
from visualizer.ui.kit.export import write_png
from visualizer.ui.kit.plain import push_button, scroll_area, wrapping_label
from visualizer.ui.kit.save_file import save_to_chosen_file

PREDICTED = -1  # the class picker's "the predicted class" entry

HOW_TEXT = (
    "<b>How the maps are made.</b> Both ask: which pixels, changed a little, would change the "
    "model's score for this class the most? The score is the <i>logit</i>, the number before the "
    "softmax. Through the softmax a confident model's gradient is almost zero, and once scaled to "
    "fill the colours that noise would look as bright as a real signal. "
    "<b>Grad-CAM</b> weighs the feature maps of a conv layer by how much the score depends on "
    "them: coarse, but about the model's own features. The <b>pixel gradient</b> is sharp but "
    "noisy; <b>SmoothGrad</b> averages it over noisy copies of the image."
)
SANITY_TEXT = (
    "A map should explain the model, not the picture. Adebayo and colleagues (\u201cSanity Checks "
    "for Saliency Maps\u201d, 2018) randomised a trained network's weights one layer at a time from "
    "the top: a method whose map hardly changes is showing the image's edges, not what the model "
    "learned. Randomise layer after layer and watch the maps change; Restore brings the trained "
    "weights back. Guided Backprop is not offered here because it fails this check."
)


def class_name_list(names: Sequence[str], count: int) -> tuple[str, ...]:
    """The class names, or "class 0" ... when they do not match the ``count`` classes."""
    names = tuple(names)
    return names if len(names) == count else tuple(f"class {i}" for i in range(count))


def randomisation_text(done: Sequence[str], next_layer: str | None) -> str:
    """Which layers are random now and which one the next click takes, in words."""
    if not done:
        if next_layer is None:
            return "This model has no layer with weights to randomise."
        return f"All weights are the trained ones. Next to randomise: {next_layer}."
    random = f"Random: {', '.join(done)}"
    return f"{random} \u2014 next: {next_layer}" if next_layer else f"{random} \u2014 every layer is random now."


class WhyTab(QWidget):
    """Grad-CAM and the pixel gradient over the image, a class picker and the sanity check."""

    classChosen = pyqtSignal(int)  # a class index, or PREDICTED (-1) for the model's choice
    smoothGradChanged = pyqtSignal(bool)
    randomiseRequested = pyqtSignal()
    restoreRequested = pyqtSignal()
    saveReported = pyqtSignal(str, str, str)  # kind ("info" or "error"), text, details: for the page's banner

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: tuple[str, ...] = ()
        self._predicted: int | None = None
        self.grad_cam_view = SaliencyOverlay()
        self.gradient_view = SaliencyOverlay()
        self.subject = wrapping_label()
        self.maps_panel = self._build_maps_panel()
        explanation = scroll_area(self._build_explanation(), sideways=False)
        explanation.setMinimumWidth(explanation.fontMetrics().averageCharWidth() * 30)
        body = QHBoxLayout()
        body.addWidget(self.maps_panel, 3)
        body.addWidget(explanation, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_controls())
        layout.addLayout(body, 1)
        self.set_gradcam_layer(None)
        self.set_randomisation([], None)
        self._update_gradient_title()

    # -- building ----------------------------------------------------------------------------------
    def _build_controls(self) -> QHBoxLayout:
        self.class_picker = fitting_combo()
        self.class_picker.setToolTip("Which class the maps explain")
        self.class_picker.addItem("the predicted class", PREDICTED)
        self.class_picker.currentIndexChanged.connect(self._on_class_picker_changed)
        self.smooth_grad = QCheckBox("SmoothGrad")
        self.smooth_grad.setToolTip("Average the pixel gradient over noisy copies of the image: less speckle")
        self.smooth_grad.toggled.connect(self._on_smooth_grad_toggled)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(DEFAULT_OPACITY * 100))
        self.opacity_slider.setToolTip("How strongly the heat map covers the image")
        self.opacity_slider.valueChanged.connect(self._on_opacity_slider_changed)
        self.opacity_label = QLabel()
        self._on_opacity_slider_changed(self.opacity_slider.value())
        self.save_button = push_button("Save as PNG…", "Save both maps as a PNG image", self._on_save_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel("Explain:"))
        row.addWidget(self.class_picker, 1)
        row.addWidget(self.smooth_grad)
        row.addWidget(self.opacity_label)
        row.addWidget(self.opacity_slider, 1)
        self.opacity_slider.setMinimumWidth(self.opacity_slider.fontMetrics().averageCharWidth() * 10)
        row.addWidget(self.save_button)
        return row

    def _build_maps_panel(self) -> QWidget:
        panel = QWidget()
        panel.setAutoFillBackground(True)
        maps = QHBoxLayout()
        maps.addWidget(self.grad_cam_view)
        maps.addWidget(self.gradient_view)
        layout = QVBoxLayout(panel)
        layout.addWidget(self.subject)
        layout.addLayout(maps, 1)
        legend = QLabel(f"Heat map: {HEAT_LEGEND}.")
        legend.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(legend)
        return panel

    def _build_explanation(self) -> QWidget:
        self.randomisation_status = wrapping_label()
        self.randomise_button = push_button(
            "Randomise the next layer",
            "Replace the trained weights of the next layer, from the top down, with random ones",
            self.randomiseRequested.emit,
        )
        self.restore_button = push_button(
            "Restore the trained weights", "Put every trained weight back", self.restoreRequested.emit
        )
        check = QGroupBox("Sanity check")
        check_layout = QVBoxLayout(check)
        check_layout.addWidget(self.randomisation_status)
        check_layout.addWidget(self.randomise_button)
        check_layout.addWidget(self.restore_button)
        check_layout.addWidget(wrapping_label(SANITY_TEXT))
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.addWidget(check)
        layout.addWidget(wrapping_label(HOW_TEXT))
        layout.addStretch(1)
        return column

    # -- setters -----------------------------------------------------------------------------------
    def set_class_names(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        chosen = self.chosen_class()
        with signals_blocked(self.class_picker):
            while self.class_picker.count() > 1:
                self.class_picker.removeItem(1)
            for index, name in enumerate(self._names):
                self.class_picker.addItem(name, index)
            kept = self.class_picker.findData(chosen)
            self.class_picker.setCurrentIndex(max(0, kept))
        self._update_predicted_entry()

    def set_gradcam_layer(self, name: str | None) -> None:
        """The conv layer Grad-CAM works on (None: the model has none, so no Grad-CAM)."""
        title = f"Grad-CAM on layer <b>{name}</b>" if name else "Grad-CAM: the model has no conv layer"
        self.grad_cam_view.set_title(title)

    def show_maps(
        self,
        image: np.ndarray,
        grad_cam: np.ndarray | None,
        gradient: np.ndarray | None,
        class_index: int,
        probabilities: np.ndarray,
    ) -> None:
        """The image with both maps (each (H, W) in [0, 1], or None when not computed) for
        ``class_index``, and the model's probabilities for the image."""
        probabilities = np.asarray(probabilities, dtype=np.float64)
        names = class_name_list(self._names, probabilities.size)
        self._predicted = int(np.argmax(probabilities))
        for view, values in ((self.grad_cam_view, grad_cam), (self.gradient_view, gradient)):
            view.set_image(image)
            view.set_heat(values)
        predicted = names[self._predicted]
        self.subject.setText(
            f"Explaining <b>{names[class_index]}</b> ({probabilities[class_index]:.1%}). "
            f"The model's choice: <b>{predicted}</b> ({probabilities[self._predicted]:.1%})."
        )
        self._update_predicted_entry()
        self._update_gradient_title()

    def set_randomisation(self, done: Sequence[str], next_layer: str | None) -> None:
        """The layers randomised so far (top first) and the one the next click would take."""
        self.randomisation_status.setText(randomisation_text(done, next_layer))
        self.randomise_button.setEnabled(next_layer is not None)
        self.restore_button.setEnabled(bool(done))

    def chosen_class(self) -> int:
        return int(self.class_picker.currentData())

    def opacity(self) -> float:
        return self.grad_cam_view.opacity()

    # -- internal ----------------------------------------------------------------------------------
    def _update_predicted_entry(self) -> None:
        text = "the predicted class"
        if self._predicted is not None:
            count = max(len(self._names), self._predicted + 1)
            text += f" ({class_name_list(self._names, count)[self._predicted]})"
        self.class_picker.setItemText(0, text)

    def _update_gradient_title(self) -> None:
        if self.smooth_grad.isChecked():
            self.gradient_view.set_title("<b>SmoothGrad</b>: the pixel gradient averaged over noisy copies")
        else:
            self.gradient_view.set_title("<b>Pixel gradient</b> of the class's logit")

    def _on_class_picker_changed(self, _index: int) -> None:
        self.classChosen.emit(self.chosen_class())

    def _on_smooth_grad_toggled(self, on: bool) -> None:
        self.smoothGradChanged.emit(on)

    def _on_opacity_slider_changed(self, percent: int) -> None:
        self.opacity_label.setText(f"Opacity {percent} %")
        for view in (self.grad_cam_view, self.gradient_view):
            view.set_opacity(percent / 100)

    def _on_save_clicked(self) -> None:
        save_to_chosen_file(
            self, lambda kind, text, details="": self.saveReported.emit(kind, text, details),
            title="Save the maps as PNG", name="why.png", file_filter="PNG images (*.png)", suffix=".png",
            what="the maps", write=lambda temporary: write_png(self.maps_panel, temporary),
        )
