"""Reading results out of Keras on any backend: tensors to numpy, and one compiled call of a model.

Shared by training (the probe) and inspection (the model reader, the loader, saliency); inspection
sits above training, so this module is here.
"""

from __future__ import annotations

import numpy as np


def to_numpy(value) -> np.ndarray:
    """A backend tensor or variable as numpy. Each backend's own method is used because
    np.array() and keras.ops.convert_to_numpy() on TensorFlow variables and PyTorch tensors warn
    about NumPy 2's copy keyword."""
    if hasattr(value, "detach"):  # PyTorch: cut from the graph, and off the GPU
        value = value.detach().cpu()
    if hasattr(value, "numpy"):  # TensorFlow, PyTorch and Keras variables
        return value.numpy()
    return np.asarray(value)  # JAX and NumPy


def compiled_call(model, batch: np.ndarray, backend: str) -> list[np.ndarray]:
    """``model``'s outputs for ``batch`` from the backend's fastest call, as a list of numpy arrays.

    ``model.predict`` is never used: it builds a data pipeline on every call (tens of ms).
    ``predict_on_batch`` runs the backend's compiled predict step; PyTorch runs eagerly anyway, and
    its predict_on_batch only adds bookkeeping (about 13 ms), so there the model is called directly.
    ``backend`` is ``keras.backend.backend()``, read once by the caller.
    """
    if backend == "torch":
        import torch

        with torch.no_grad():
            outputs = model(batch, training=False)
    else:
        outputs = model.predict_on_batch(batch)
    return outputs_to_numpy(outputs)


def outputs_to_numpy(outputs) -> list[np.ndarray]:
    """A model's outputs as a list of numpy arrays: a model with one output gives it bare."""
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [to_numpy(output) for output in outputs]
