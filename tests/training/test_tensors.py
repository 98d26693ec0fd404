"""The one way results leave Keras: tensors to numpy, and one compiled call of a model."""

import numpy as np

from visualizer.training.tensors import compiled_call, to_numpy


def test_tensors_and_variables_of_the_backend_become_numpy():
    import keras

    tensor = keras.ops.convert_to_tensor(np.arange(6, dtype="float32").reshape(2, 3))
    variable = keras.Variable(np.full((2, 2), 3.0, "float32"))
    assert isinstance(to_numpy(tensor), np.ndarray) and to_numpy(tensor).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert isinstance(to_numpy(variable), np.ndarray) and to_numpy(variable).tolist() == [[3, 3], [3, 3]]
    assert to_numpy([1.5, 2.5]).tolist() == [1.5, 2.5]


def test_a_compiled_call_gives_every_output_as_numpy_and_one_output_as_a_list():
    import keras

    image = keras.Input((4,))
    doubled = keras.layers.Rescaling(2.0)(image)
    negated = keras.layers.Rescaling(-1.0)(image)
    batch = np.arange(8, dtype="float32").reshape(2, 4)
    backend = keras.backend.backend()
    both = compiled_call(keras.Model(image, [doubled, negated]), batch, backend)
    assert [type(output) for output in both] == [np.ndarray, np.ndarray]
    np.testing.assert_allclose(both[0], batch * 2)
    np.testing.assert_allclose(both[1], -batch)
    (single,) = compiled_call(keras.Model(image, doubled), batch, backend)
    np.testing.assert_allclose(single, batch * 2)
