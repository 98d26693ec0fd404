"""Why the model says what it says: Grad-CAM on a conv layer and pixel gradient maps (SmoothGrad
as an option), for any class, always computed from the logits, never through the softmax.

Through the softmax, a confident model's gradient is tiny (3e-10 against 4.2 through the logit
was measured) and after normalisation looks just as bright, so noise would be shown as signal.
Guided Backprop and its relatives are left out on purpose: they fail the model-randomisation
sanity check (Adebayo et al. 2018).

One keras.Model over the flat graph takes (image, perturbation), where the perturbation is added
to the Grad-CAM layer's output, and returns (logits, that layer's output). Its gradient with
respect to the perturbation is the gradient with respect to the layer's output, and with respect
to the image the pixel gradient: one call of the backend's gradient (inspection/gradients.py)
gives both, the same way on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer.inspection.gradients import gradients_for
from visualizer.inspection.graph import LayerCall, graph_with_perturbation
from visualizer.inspection.model import resize

GRAD_CAM = "grad-cam"
GRADIENT = "gradient"
SMOOTHGRAD = "smoothgrad"


@dataclass(frozen=True)
class SaliencyMap:
    """A map over the model's image: ``values`` is (height, width) in [0, 1] at the image's size.

    ``raw`` is the map before normalisation: for Grad-CAM at the layer's own resolution, for
    gradient maps the largest absolute gradient over the channels per pixel. ``logits`` are the
    model's logits for the image, from the same call.
    """

    kind: str
    class_index: int
    layer: str | None
    values: np.ndarray
    raw: np.ndarray
    logits: np.ndarray


class Saliency:
    """Grad-CAM and gradient maps for one LoadedModel. Use it from the thread that loaded it.

    ``layer`` names the conv layer call for Grad-CAM; by default the report's saliency layer,
    the last conv layer whose output is still a map larger than 1x1.
    """

    def __init__(self, loaded, layer: str | None = None) -> None:
        self._report = loaded.report
        label = layer or loaded.report.saliency_layer
        self.target: LayerCall | None = None
        if label is not None:
            matches = [call for call in loaded.calls if call.label == label]
            if not matches:
                raise ValueError(f"the model has no layer call named {label!r}")
            self.target = matches[0]
        logits_label = next((call.label for call in reversed(loaded.calls) if call.output is loaded.logits), None)
        if logits_label is None:
            raise ValueError("the model's logits are not the output of a layer, so they cannot be read")
        if self.target is None:
            import keras

            self._model = keras.Model(loaded.input, loaded.logits, name="saliency")
        else:
            target_label = self.target.label
            self._model = graph_with_perturbation(
                loaded.flat, self.target, lambda calls: [calls[logits_label], calls[target_label]]
            )
        self._gradients = gradients_for(self._model)

    @property
    def layer(self) -> str | None:
        return None if self.target is None else self.target.label

    def grad_cam(self, model_input: np.ndarray, class_index: int) -> SaliencyMap:
        """Grad-CAM for ``class_index`` on one model input: the layer's channels weighted by the
        mean gradient of the class's logit over each channel, summed, and only the positive part.
        """
        if self.target is None:
            raise ValueError("Grad-CAM needs a conv layer with a spatial map, and this model has none")
        (logits, feature_maps), (_, feature_grads) = self._run(np.asarray(model_input)[np.newaxis], class_index)
        maps, grads = feature_maps[0], feature_grads[0]
        if getattr(self.target.layer, "data_format", "channels_last") == "channels_first":
            maps, grads = np.moveaxis(maps, 0, -1), np.moveaxis(grads, 0, -1)
        weights = grads.mean(axis=(0, 1))
        raw = np.maximum((maps * weights).sum(axis=-1), 0.0).astype(np.float32)
        values = resize(_normalised(raw)[..., np.newaxis], self._report.image_size)[..., 0]
        return SaliencyMap(GRAD_CAM, class_index, self.layer, _normalised(values), raw, logits[0])

    def pixel_gradient(
        self, model_input: np.ndarray, class_index: int, smooth_samples: int = 0, noise: float = 0.15, seed: int = 0
    ) -> SaliencyMap:
        """How much each pixel moves the class's logit: the absolute gradient, largest over the
        channels. With ``smooth_samples`` > 0 it is SmoothGrad: the gradient averaged over that
        many copies with Gaussian noise of ``noise`` times the input's spread, in one call."""
        image = np.asarray(model_input, dtype=np.float32)
        batch = image[np.newaxis]
        if smooth_samples > 0:
            spread = float(image.max() - image.min()) or 1.0
            noisy = np.random.default_rng(seed).normal(0.0, noise * spread, (smooth_samples, *image.shape))
            batch = (image + noisy).astype(np.float32)
        (logits, *_), (image_grads, *_) = self._run(batch, class_index)
        gradient = image_grads.mean(axis=0)
        axis = self._report.channel_axis
        raw = np.abs(gradient).max(axis=-1 if axis == "last" else 0) if axis != "none" else np.abs(gradient)
        kind = SMOOTHGRAD if smooth_samples > 0 else GRADIENT
        return SaliencyMap(kind, class_index, None, _normalised(raw), raw.astype(np.float32), logits[0])

    def _run(self, batch: np.ndarray, class_index: int):
        class_count = self._report.class_count
        if not 0 <= class_index < class_count:
            raise ValueError(f"class index {class_index} is outside 0..{class_count - 1}")
        inputs = [batch.astype(np.float32)]
        if self.target is not None:
            inputs.append(np.zeros((len(batch), *tuple(self.target.output.shape[1:])), np.float32))
        return self._gradients(inputs, class_index)


def _normalised(values: np.ndarray) -> np.ndarray:
    """``values`` scaled into [0, 1] by their largest value; an all-zero map stays zero."""
    values = np.maximum(np.asarray(values, dtype=np.float32), 0.0)
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values
