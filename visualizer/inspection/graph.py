"""A flat graph of any Keras model: every layer called once on a fresh input, nested models opened.

Keras cannot give the output of a layer inside a nested model (``Sequential([model, Softmax()])``
fails with "not connected to inputs"), a Sequential that was called on one image has its batch
size fixed at 1, and a layer called twice silently returns its first call's tensor from
``layer.output``. Replaying the model's layers on a fresh ``keras.Input`` with a batch size of
None solves all three: each call of each leaf layer becomes one tensor of one flat graph, recorded
in a LayerCall, so a shared layer's second call has its own entry.

Keras is imported inside the functions so that importing this module loads no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# Layers whose softmax activation is split off into a layer of its own, so that the logits
# before it can be read (saliency must be computed from the logits, never through the softmax).
_ACTIVATION_CARRIERS = ("Dense", "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D")


class GraphError(ValueError):
    """The model's layers cannot be replayed into one flat graph with one image input."""


@dataclass(frozen=True)
class LayerCall:
    """One call of one layer in the flat graph: the layer, what went in and what came out.

    ``label`` is the layer's name, with " (call 2)" and so on for the later calls of a shared layer.
    """

    layer: object
    inputs: tuple
    output: object
    label: str


@dataclass
class FlatGraph:
    """A flat keras.Model with the same output as the original model, and how it was built.

    ``calls`` lists every layer call in the order the graph runs them. ``split_softmax`` names the
    layers whose softmax activation became a separate Softmax layer (named ``<layer>_softmax``).
    """

    model: object
    calls: list[LayerCall]
    split_softmax: list[str] = field(default_factory=list)

    @property
    def input(self):
        return self.model.inputs[0]

    @property
    def output(self):
        return self.model.outputs[0]


def image_input_shape(model) -> tuple:
    """The shape of one input sample (batch axis dropped), for a model with exactly one input.

    A Sequential that was never given an ``Input`` has no ``inputs`` until built; its first
    layer's build shape says what it was built for.
    """
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        if len(inputs) != 1:
            raise GraphError(f"the model has {len(inputs)} inputs; an image classifier has one")
        return tuple(inputs[0].shape[1:])
    for layer in getattr(model, "layers", []):
        shapes = getattr(layer, "_build_shapes_dict", None) or {}
        if len(shapes) == 1:
            (shape,) = shapes.values()
            return tuple(shape[1:])
        break
    raise GraphError("the model was never built, so its input shape is unknown (it holds no weights)")


def replay(model, inputs, call: Callable):
    """Run ``model``'s graph on ``inputs``, calling ``call(layer, *args, **kwargs)`` for every leaf.

    Nested models are opened: their layers are replayed in place, so ``call`` only ever sees
    layers and operations that hold no other layers. Returns what the model would return.
    """
    import keras

    def run_operation(operation, *args, **kwargs):
        if isinstance(operation, keras.Model):
            return replay(operation, args[0] if len(args) == 1 else list(args), call)
        return call(operation, *args, **kwargs)

    if isinstance(model, keras.Sequential):
        tensor = inputs
        for layer in model.layers:
            tensor = run_operation(layer, tensor)
        return tensor
    if isinstance(model, keras.Model) and hasattr(model, "_run_through_graph"):
        # A Functional model: Keras's own walk of its nodes, with each operation swapped for ours.
        outputs = model._run_through_graph(
            inputs, operation_fn=lambda op: lambda *args, **kwargs: run_operation(op, *args, **kwargs)
        )
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]
        return outputs
    raise GraphError(
        f"{type(model).__name__} is a subclassed model: its layers cannot be read as a graph. "
        "Save it as a Sequential or Functional model."
    )


class _Cloner:
    """Calls a fresh copy of each leaf layer (one copy per layer, so shared layers stay shared),
    gives it the original's weights, and records every call."""

    def __init__(self, reserved_names: set[str]) -> None:
        self.calls: list[LayerCall] = []
        self.split_softmax: list[str] = []
        self._copies: dict[int, object] = {}
        self._call_counts: dict[int, int] = {}
        self._names = set(reserved_names)

    def __call__(self, layer, *args, **kwargs):
        import keras

        if not isinstance(layer, keras.layers.Layer):
            return layer(*args, **kwargs)  # a keras.ops operation: no weights, nothing to copy
        if not layer.built and _builds_weights(layer):
            raise GraphError(
                f"layer {layer.name} was never built, so it holds no trained weights "
                "(the model was saved before it was trained or called on data)"
            )
        copy, softmax = self._copy_of(layer)
        output = copy(*args, **kwargs)
        if not self._call_counts.get(id(layer)):
            _copy_weights(layer, copy)
        count = self._call_counts[id(layer)] = self._call_counts.get(id(layer), 0) + 1
        label = copy.name if count == 1 else f"{copy.name} (call {count})"
        self.calls.append(LayerCall(copy, tuple(args), output, label))
        if softmax is not None:
            logits = output
            output = softmax(logits)
            self.calls.append(LayerCall(softmax, (logits,), output, softmax.name))
        return output

    def _copy_of(self, layer):
        import keras

        if id(layer) in self._copies:
            return self._copies[id(layer)]
        config = layer.get_config()
        config["name"] = self._unique(layer.name)
        softmax = None
        if type(layer).__name__ in _ACTIVATION_CARRIERS and config.get("activation") == "softmax":
            config["activation"] = "linear"
            softmax = keras.layers.Softmax(name=self._unique(f"{config['name']}_softmax"))
            self.split_softmax.append(config["name"])
        if type(layer).__name__ == "Lambda":
            # Built from its function, not from its config: deserialising a Python function is
            # what safe mode refuses, and the caller has already agreed to load this model.
            copy = keras.layers.Lambda(
                layer.function, output_shape=layer._output_shape, mask=layer.mask, arguments=layer.arguments, name=config["name"]
            )
        else:
            copy = type(layer).from_config(config)
        self._copies[id(layer)] = (copy, softmax)
        return copy, softmax

    def _unique(self, name: str) -> str:
        candidate, number = name, 1
        while candidate in self._names:
            number += 1
            candidate = f"{name}_{number}"
        self._names.add(candidate)
        return candidate


def _builds_weights(layer) -> bool:
    """Whether ``layer`` creates weights when it is built (its class overrides Layer.build)."""
    import keras

    return type(layer).build is not keras.layers.Layer.build


def _copy_weights(original, copy) -> None:
    if len(original.weights) != len(copy.weights):
        raise GraphError(
            f"layer {original.name} ({type(original).__name__}) did not rebuild with the same weights "
            f"({len(copy.weights)} instead of {len(original.weights)})"
        )
    for target, source in zip(copy.weights, original.weights):
        if tuple(target.shape) != tuple(source.shape):
            raise GraphError(f"layer {original.name}'s weight {source.name} changed shape when rebuilt")
        target.assign(source)
    finalize_state = getattr(copy, "finalize_state", None)
    if callable(finalize_state):
        finalize_state()  # layers such as Normalization derive their state from the weights


def flatten(model) -> FlatGraph:
    """A flat copy of ``model`` on a fresh ``keras.Input`` with a batch size of None.

    Every leaf layer is copied with its weights, so the flat model is independent of ``model``
    (changing its weights leaves the original alone) and ``layer.output`` of each copied layer
    that is called once is its tensor in the flat graph. A softmax folded into a Dense or Conv
    layer is split into a Softmax layer after it; the output is numerically the same.
    """
    import keras

    shape = image_input_shape(model)
    image = keras.Input(shape=shape, batch_size=None, name="image")
    cloner = _Cloner(reserved_names={"image"})
    output = replay(model, image, cloner)
    if isinstance(output, (list, tuple, dict)):
        count = len(output)
        if count != 1:
            raise GraphError(f"the model has {count} outputs; an image classifier has one")
        output = next(iter(output.values())) if isinstance(output, dict) else output[0]
    flat = keras.Model(image, output, name=f"{model.name}_flat")
    return FlatGraph(flat, cloner.calls, cloner.split_softmax)


def graph_with_perturbation(flat: FlatGraph, target: LayerCall, outputs: Callable):
    """A keras.Model over ``flat``'s layers taking (image, perturbation), where the perturbation is
    added to ``target``'s output; it returns ``outputs(calls_by_label)`` for the replayed calls.

    The gradient with respect to the perturbation, at zero, is the gradient with respect to that
    layer's output: one functional model that every backend can differentiate the same way.
    """
    import keras

    image = keras.Input(shape=tuple(flat.input.shape[1:]), name="image")
    perturbation = keras.Input(shape=tuple(target.output.shape[1:]), name="perturbation")
    replayed: dict[str, object] = {}
    calls_seen: dict[int, int] = {}
    # A named layer, not keras.ops.add: in a fresh process the op would be named "add", the name
    # of MobileNet's first residual Add layer, and Keras refuses a model with a name twice.
    taken = {call.layer.name for call in flat.calls}
    name = next(f"saliency_perturbation_{n}" for n in range(len(taken) + 1) if f"saliency_perturbation_{n}" not in taken)
    add_perturbation = keras.layers.Add(name=name)

    def call(layer, *args, **kwargs):
        output = layer(*args, **kwargs)
        count = calls_seen[id(layer)] = calls_seen.get(id(layer), 0) + 1
        label = layer.name if count == 1 else f"{layer.name} (call {count})"
        if label == target.label:
            output = add_perturbation([output, perturbation])
        replayed[label] = output
        return output

    replay(flat.model, image, call)
    return keras.Model([image, perturbation], outputs(replayed), name=f"{flat.model.name}_probe_{target.label}")
