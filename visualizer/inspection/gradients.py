"""One small interface for the saliency maps' gradients, with one implementation per Keras backend.

``gradients(model, inputs, class_index)`` runs ``model`` on ``inputs`` (numpy arrays, one per
model input) and returns ``(outputs, input_gradients)`` as numpy arrays: every output of the
model, and the gradient of ``sum(outputs[0][:, class_index])`` with respect to each input. The
first output must be the logits: the gradient is never taken through the softmax. Images in a
batch do not interact in inference mode, so the sum gives each image its own gradient.

``gradient_function()`` picks the implementation for ``keras.backend.backend()``: TensorFlow's
GradientTape, ``jax.grad`` over the model's stateless call, or PyTorch's autograd.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

GradientFunction = Callable[[object, list, int], tuple[list[np.ndarray], list[np.ndarray]]]


def tensorflow_gradients(model, inputs: list, class_index: int):
    import tensorflow as tf

    tensors = [tf.convert_to_tensor(value) for value in inputs]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        outputs = _as_list(model(_single_or_list(tensors), training=False))
        score = tf.reduce_sum(outputs[0][:, class_index])
    grads = tape.gradient(score, tensors)
    return [output.numpy() for output in outputs], [grad.numpy() for grad in grads]


def jax_gradients(model, inputs: list, class_index: int):
    import jax
    import jax.numpy as jnp

    trainable = [variable.value for variable in model.trainable_variables]
    non_trainable = [variable.value for variable in model.non_trainable_variables]

    def score(values):
        outputs, _ = model.stateless_call(trainable, non_trainable, _single_or_list(values), training=False)
        outputs = _as_list(outputs)
        return jnp.sum(outputs[0][:, class_index]), outputs

    grads, outputs = jax.grad(score, has_aux=True)([jnp.asarray(value) for value in inputs])
    return [np.asarray(output) for output in outputs], [np.asarray(grad) for grad in grads]


def torch_gradients(model, inputs: list, class_index: int):
    import keras

    tensors = [keras.ops.convert_to_tensor(value).detach().requires_grad_(True) for value in inputs]
    outputs = _as_list(model(_single_or_list(tensors), training=False))
    outputs[0][:, class_index].sum().backward()
    return (
        [output.detach().cpu().numpy() for output in outputs],
        [tensor.grad.detach().cpu().numpy() for tensor in tensors],
    )


_BY_BACKEND: dict[str, GradientFunction] = {
    "tensorflow": tensorflow_gradients,
    "jax": jax_gradients,
    "torch": torch_gradients,
}


def gradient_function(backend: str | None = None) -> GradientFunction:
    """The gradient implementation for ``backend`` (by default Keras's current one)."""
    if backend is None:
        import keras

        backend = keras.backend.backend()
    try:
        return _BY_BACKEND[backend]
    except KeyError:
        raise ValueError(f"saliency maps need gradients, which the {backend} backend does not give") from None


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _single_or_list(values: list):
    """A one-input model is called with its tensor, not a list of one (Keras warns on the latter)."""
    return values[0] if len(values) == 1 else values
