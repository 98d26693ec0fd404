"""One small interface for the inspector's gradients, with one implementation per Keras backend.

``gradients_for(model)`` returns a function ``gradients(inputs, class_index)`` that runs ``model``
on ``inputs`` (numpy arrays, one per model input) and returns ``(outputs, input_gradients)`` as
numpy arrays: every output of the model, and the gradient of ``sum(outputs[0][:, class_index])``
with respect to each input. The first output is a table of scores, one column per index: for
saliency maps the logits (the gradient is never taken through the softmax), for activation
maximisation each filter's mean activation (inspection/filters.py). Images in a batch do not
interact in inference mode, so the sum gives each image its own gradient. The function is compiled
once per model (a tf.function, jax.jit) and reads the model's weights at each call, so it follows
any change to them.

The implementation follows ``keras.backend.backend()``: TensorFlow's GradientTape, ``jax.grad``
over the model's stateless call, or PyTorch's autograd.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from visualizer.training.tensors import to_numpy

Gradients = Callable[[list, int], tuple[list[np.ndarray], list[np.ndarray]]]


def tensorflow_gradients(model) -> Gradients:
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(tensors, class_index):
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            outputs = _as_list(model(_single_or_list(tensors), training=False))
            score = tf.reduce_sum(tf.gather(outputs[0], class_index, axis=1))
        return outputs, tape.gradient(score, tensors)

    def gradients(inputs: list, class_index: int):
        outputs, grads = step([tf.convert_to_tensor(value) for value in inputs], tf.constant(class_index))
        return [to_numpy(output) for output in outputs], [to_numpy(grad) for grad in grads]

    return gradients


def jax_gradients(model) -> Gradients:
    import jax
    import jax.numpy as jnp

    def score(values, trainable, non_trainable, class_index):
        outputs, _ = model.stateless_call(trainable, non_trainable, _single_or_list(values), training=False)
        outputs = _as_list(outputs)
        return jnp.sum(jnp.take(outputs[0], class_index, axis=1)), outputs

    step = jax.jit(jax.grad(score, has_aux=True))

    def gradients(inputs: list, class_index: int):
        trainable = [variable.value for variable in model.trainable_variables]
        non_trainable = [variable.value for variable in model.non_trainable_variables]
        grads, outputs = step([jnp.asarray(value) for value in inputs], trainable, non_trainable, class_index)
        return [to_numpy(output) for output in outputs], [to_numpy(grad) for grad in grads]

    return gradients


def torch_gradients(model) -> Gradients:
    import keras

    def gradients(inputs: list, class_index: int):
        tensors = [keras.ops.convert_to_tensor(value).detach().requires_grad_(True) for value in inputs]
        outputs = _as_list(model(_single_or_list(tensors), training=False))
        outputs[0][:, class_index].sum().backward()
        return (
            [to_numpy(output) for output in outputs],
            [to_numpy(tensor.grad) for tensor in tensors],
        )

    return gradients


_BY_BACKEND: dict[str, Callable[[object], Gradients]] = {
    "tensorflow": tensorflow_gradients,
    "jax": jax_gradients,
    "torch": torch_gradients,
}


def gradients_for(model, backend: str | None = None) -> Gradients:
    """The gradient function of ``model`` for ``backend`` (by default Keras's current one)."""
    if backend is None:
        import keras

        backend = keras.backend.backend()
    if backend not in _BY_BACKEND:
        raise ValueError(f"saliency maps and filter pictures need gradients, which the {backend} backend does not give")
    return _BY_BACKEND[backend](model)


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _single_or_list(values: list):
    """A one-input model is called with its tensor, not a list of one (Keras warns on the latter)."""
    return values[0] if len(values) == 1 else values
