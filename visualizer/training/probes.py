"""Read what the network sees for one probe image: feature maps, kernels and its prediction.

The probe is a second keras.Model over the same layers (it shares the weights, so it always sees
the current ones) whose outputs are every conv and pooling layer's activations, the class
probabilities (a softmax of the output where the network ends in logits) and the conv kernels,
all from one compiled call. ``model.predict()`` would build a data pipeline on every call: about
37 ms against about 1 ms, enough to cut training speed to a quarter when probing 20 times a second.
"""

from __future__ import annotations

import numpy as np

from visualizer.ops.activations import softmax
from visualizer.training.events import LayerKernels, LayerMaps, ProbeSnapshot, frozen_float32
from visualizer.training.tensors import compiled_call, outputs_to_numpy


def conv_like_layers():
    """The Keras layer classes that slide a kernel over a picture."""
    from keras import layers

    return (layers.Conv2D, layers.SeparableConv2D, layers.DepthwiseConv2D, layers.Conv2DTranspose)


def probed_layers(model) -> list:
    """The layers whose outputs are pictures: every convolution (any kind) and 2-D pooling layer,
    in order, those of nested models (a Sequential inside a functional model) included."""
    return [layer for layer, _output in _image_outputs(model)]


def _image_outputs(model) -> list:
    """(layer, output) for every convolution and pooling layer of ``model`` whose output is a
    picture, each output a tensor of ``model``'s own graph. A nested model's layers belong to its
    own graph, so their outputs are taken through a model of that graph called on the tensor the
    nested model is given."""
    import keras
    from keras import layers

    image_layers = (*conv_like_layers(), layers.MaxPooling2D, layers.AveragePooling2D)
    found = []
    for layer in model.layers:
        if isinstance(layer, image_layers):
            if len(layer.output.shape) == 4:
                found.append((layer, layer.output))
        elif isinstance(layer, keras.Model) and not isinstance(layer.input, (list, tuple, dict)):
            inner = _image_outputs(layer)
            if inner:
                reader = keras.Model(layer.inputs, [output for _layer, output in inner])
                outputs = reader(layer.input)  # layer.input: the tensor it is given in ``model``'s graph
                outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
                found += [(inner_layer, output) for (inner_layer, _), output in zip(inner, outputs)]
    return found


# A script's snapshots hold every layer's maps while they come to at most this many values (2 MB as
# float16; the seed's CNN has 47,000), so the user can tick any layer under Layers in the window.
ALL_LAYERS_VALUES = 1_000_000


def layers_to_send(model) -> tuple[list[str], list[str]]:
    """(the layers whose maps a script's run sends, those the window shows first): every layer
    that makes pictures, default_layers shown first; only default_layers where all the maps would
    be over ALL_LAYERS_VALUES values, or of a size not known before the run."""
    outputs = _image_outputs(model)  # built once: a nested model's outputs take a model each
    probed = [layer for layer, _output in outputs]
    shown = _first_and_last(probed)
    sizes = [output.shape[1:] for _layer, output in outputs]
    if any(None in size for size in sizes) or sum(int(np.prod(size)) for size in sizes) > ALL_LAYERS_VALUES:
        return shown, shown
    return [layer.name for layer in probed], shown


def default_layers(model) -> list[str]:
    """The layers a script's run shows unless told otherwise: the first convolution (what the
    network sees first) and the last layer whose output is still a picture (what it sees last)."""
    return _first_and_last(probed_layers(model))


def _first_and_last(probed: list) -> list[str]:
    if not probed:
        return []
    first = next((layer for layer in probed if isinstance(layer, conv_like_layers())), probed[0])
    return list(dict.fromkeys([first.name, probed[-1].name]))


def _chosen(image_outputs: list, names) -> list:
    """The (layer, output) pairs of the layers named in ``names``, in the network's order;
    ValueError, in words, for a name that is not one of them."""
    by_name = {layer.name: layer for layer, _output in image_outputs}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        offered = ", ".join(by_name) or "none: the network has no convolution or pooling layer"
        raise ValueError(f"No picture-making layer named {', '.join(map(repr, unknown))}; the layers are: {offered}.")
    return [(layer, output) for layer, output in image_outputs if layer.name in set(names)]


def _kernel_output_layer():
    import keras

    class KernelOutput(keras.layers.Layer):
        """Outputs a conv layer's kernel, so that the probe's one compiled call returns the
        weights with the activations: two separate variable reads cost about as much again."""

        def __init__(self, conv, **kwargs):
            super().__init__(**kwargs)
            # Not tracked as a sublayer: the kernel already belongs to the model once.
            object.__setattr__(self, "_conv", conv)

        def call(self, image):
            return keras.ops.convert_to_tensor(self._conv.kernel)

        def compute_output_spec(self, image):
            kernel = self._conv.kernel
            return keras.KerasTensor(tuple(kernel.shape), dtype=kernel.dtype)

    return KernelOutput


def _compiled_tf_call(reader):
    import tensorflow as tf

    return tf.function(lambda images: reader(images, training=False), jit_compile=True)


class Probe:
    """Feature maps of every conv and pooling layer (or of those in ``layer_names``), copies of
    the Conv2D kernels among them, and the class probabilities, for one image at a time. Call it
    only on the thread that trains."""

    def __init__(self, model, layer_names=None):
        import keras

        self._backend = keras.backend.backend()
        from visualizer.training.model_file import gives_probabilities

        image_outputs = _image_outputs(model)
        if layer_names is not None:
            image_outputs = _chosen(image_outputs, layer_names)
        self._map_layers = [layer for layer, _output in image_outputs]
        self._conv_layers = [layer for layer in self._map_layers if isinstance(layer, keras.layers.Conv2D)]
        # A network that ends in logits (no softmax) is shown as probabilities all the same.
        self._softmax = not gives_probabilities(model)
        image = model.inputs[0]  # a tensor, not the list model.inputs, so calls take a plain array
        kernel_output = _kernel_output_layer()
        outputs = (
            [output for _layer, output in image_outputs]
            + [model.outputs[0]]
            # Numbered names: a model's own layers may be called anything, "conv1_kernel" included.
            + [kernel_output(conv, name=f"probe_kernel_{index}")(image) for index, conv in enumerate(self._conv_layers)]
        )
        self._reader = keras.Model(image, outputs, name=f"{model.name}_probe")
        # XLA fuses the probe's small ops into one call: on a CPU about 0.6 ms against 0.9 ms.
        self._reader.compile(jit_compile=self._backend in ("tensorflow", "jax"))
        # On TensorFlow, a compiled function of the reader itself: predict_on_batch's bookkeeping
        # cost about 0.35 ms a picture while training (2.2-2.3 against 1.9 ms, 25 pictures a
        # second: bench_live_cost's picture share).
        self._tf_call = _compiled_tf_call(self._reader) if self._backend == "tensorflow" else None

    def _read(self, batch: np.ndarray, compiled: bool = True) -> list[np.ndarray]:
        if not compiled:
            # Eager: no tracing or compiling, about 10-50 ms against about 250 ms for the first
            # compiled call, so the untrained network is shown before the compiling starts.
            return outputs_to_numpy(self._reader(batch, training=False))
        if self._tf_call is not None:
            return outputs_to_numpy(self._tf_call(batch))
        return compiled_call(self._reader, batch, self._backend)

    def snapshot(
        self,
        image: np.ndarray,
        label: int,
        *,
        probe_index: int,
        epoch: int,
        batch: int,
        end_of_epoch: bool = False,
        steps_per_epoch: int = 0,
        compiled: bool = True,
    ) -> ProbeSnapshot:
        """Everything the app shows about ``image``, an (H, W, C) float32 array as the model takes it
        (the app's own runs: (28, 28, 1) in [0, 1]); a grey image is kept as (H, W).
        ``compiled=False`` reads it eagerly, for a first snapshot that must not wait for compiling."""
        outputs = self._read(image[np.newaxis], compiled)
        maps = outputs[: len(self._map_layers)]
        probabilities = outputs[len(self._map_layers)]
        if self._softmax:
            probabilities = softmax(probabilities)
        kernels = outputs[len(self._map_layers) + 1 :]
        return ProbeSnapshot(
            epoch=epoch,
            batch=batch,
            probe_index=probe_index,
            image=frozen_float32(image[..., 0] if image.shape[-1] == 1 else image),
            label=int(label),
            feature_maps=tuple(
                LayerMaps(layer.name, frozen_float32(activations[0]))
                for layer, activations in zip(self._map_layers, maps)
            ),
            kernels=tuple(
                LayerKernels(conv.name, frozen_float32(kernel)) for conv, kernel in zip(self._conv_layers, kernels)
            ),
            probabilities=frozen_float32(probabilities[0]),
            end_of_epoch=end_of_epoch,
            steps_per_epoch=steps_per_epoch,
        )

    def compile_now(self, image: np.ndarray) -> None:
        """Compile the probe's call (reading ``image``, an (H, W, C) array) so that no batch waits for it."""
        self._read(image[np.newaxis])
