"""The model-randomisation sanity check (Adebayo et al. 2018): re-initialise the weights one layer at
a time from the top down, watch the saliency map change, and restore the trained weights.

A saliency method that explains the model must change when the model's weights do; one whose map
survives randomisation shows the image, not the model. Every compiled call over the flat graph
(ModelReader, Saliency) shares these layers' weights, so it sees each step at once.
"""

from __future__ import annotations

import numpy as np


class WeightRandomiser:
    """Holds a copy of a LoadedModel's trained weights and re-initialises its layers top down.

    Layers with trainable weights are taken in the order the graph first calls them (all their
    weights, BatchNormalization's moving statistics too, are re-initialised); ``randomise_next``
    takes the highest one not yet randomised. ``restore`` puts every trained weight back.
    """

    def __init__(self, loaded) -> None:
        layers, inputs = [], {}
        for call in loaded.calls:
            if call.layer.trainable_weights and id(call.layer) not in inputs:
                layers.append(call.layer)
                inputs[id(call.layer)] = call.inputs[0]
        self._layers = layers
        self._input_shapes = {key: tuple(tensor.shape) for key, tensor in inputs.items()}
        self._trained = [[_numpy(weight) for weight in layer.weights] for layer in layers]
        self.randomised: list[str] = []

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Every layer that holds trainable weights, from the input up."""
        return tuple(layer.name for layer in self._layers)

    @property
    def next_layer(self) -> str | None:
        """The layer the next step will randomise, or None when all are randomised."""
        remaining = len(self._layers) - len(self.randomised)
        return self._layers[remaining - 1].name if remaining > 0 else None

    def randomise_next(self) -> str | None:
        """Re-initialise the highest trained layer with its own initialisers, as a fresh layer of
        the same configuration would be, and return its name (None when none is left)."""
        name = self.next_layer
        if name is None:
            return None
        layer = self._layers[len(self._layers) - len(self.randomised) - 1]
        fresh = type(layer).from_config(layer.get_config())
        fresh.build(self._input_shapes[id(layer)])
        if [tuple(weight.shape) for weight in fresh.weights] != [tuple(weight.shape) for weight in layer.weights]:
            raise ValueError(f"layer {name} does not rebuild with the same weights, so it cannot be randomised")
        for target, source in zip(layer.weights, fresh.weights):
            target.assign(source)
        self.randomised.append(name)
        return name

    def restore(self) -> None:
        """Put every layer's trained weights back."""
        for layer, weights in zip(self._layers, self._trained):
            for variable, value in zip(layer.weights, weights):
                variable.assign(value)
        self.randomised.clear()


def _numpy(variable) -> np.ndarray:
    from visualizer.training.tensors import to_numpy

    return np.array(to_numpy(variable), copy=True)
