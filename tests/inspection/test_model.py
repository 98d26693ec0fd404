"""What the model sees and says: preprocessing to the exact model input, batched probabilities
equal to model.predict, and activations equal to Keras's own layer outputs on the flat graph."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import layers

from tests.inspection.test_loader import shared_layer_model
from tests.inspection.tiny_models import REPO_ROOT, conv_stack, images, predict_or_skip, save
from visualizer.inspection.loader import load_classifier
from visualizer.inspection.model import ModelReader, preprocess, softmax, to_model_input

UNIT = (0.0, 1.0)


@pytest.fixture(scope="module")
def tiny_cnn(tmp_path_factory):
    model = conv_stack()
    return model, load_classifier(save(model, tmp_path_factory.mktemp("cnn"), "cnn.keras"))


def test_importing_the_inspection_core_loads_neither_keras_nor_qt():
    code = (
        "import sys, visualizer.inspection.loader, visualizer.inspection.model, visualizer.inspection.saliency;"
        "bad = [m for m in ('tensorflow', 'keras', 'jax', 'torch', 'PyQt6', 'pyqtgraph') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_picture_of_the_right_size_is_only_scaled(tiny_cnn):
    _, loaded = tiny_cnn
    picture = np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)
    seen = preprocess(picture, loaded.report, UNIT)
    assert seen.model_input.shape == (28, 28, 1) and seen.model_input.dtype == np.float32
    np.testing.assert_array_equal(seen.model_input[..., 0], picture.astype(np.float32) / 255)
    np.testing.assert_array_equal(seen.shown, seen.model_input[..., 0])
    scaled = preprocess(picture, loaded.report, input_range=(-1.0, 1.0)).model_input
    np.testing.assert_allclose(scaled[..., 0], picture / 127.5 - 1.0, atol=1e-6)


def test_a_colour_photo_is_resized_and_turned_grey(tiny_cnn):
    _, loaded = tiny_cnn
    photo = np.zeros((60, 90, 4), dtype=np.uint8)
    photo[..., 0] = 255  # pure red, opaque
    photo[..., 3] = 255
    seen = preprocess(photo, loaded.report, UNIT)
    assert seen.model_input.shape == (28, 28, 1)
    np.testing.assert_allclose(seen.model_input, 0.299, atol=1e-5)  # red's luma
    grey_and_alpha = np.stack([np.full((28, 28), 51, np.uint8), np.zeros((28, 28), np.uint8)], axis=-1)
    np.testing.assert_allclose(preprocess(grey_and_alpha, loaded.report, UNIT).model_input, 0.2, atol=1e-6)


def test_layouts_channels_first_and_no_channel_axis(tmp_path):
    keras.utils.set_random_seed(6)
    first = keras.Sequential(
        [keras.Input((3, 8, 10)), layers.Conv2D(2, 3, data_format="channels_first"), layers.Flatten(), layers.Dense(3)]
    )
    predict_or_skip(first, np.zeros((1, 3, 8, 10), np.float32))
    report = load_classifier(save(first, tmp_path, "first.keras")).report
    grey = np.linspace(0, 1, 8 * 10, dtype=np.float32).reshape(8, 10)
    seen = preprocess(grey, report, input_range=(0.0, 255.0))
    assert seen.model_input.shape == (3, 8, 10)
    for channel in seen.model_input:
        np.testing.assert_allclose(channel, grey * 255, rtol=1e-6)
    assert seen.shown.shape == (8, 10, 3)
    flat = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(3)])
    report = load_classifier(save(flat, tmp_path, "flat.keras")).report
    assert to_model_input(np.zeros((5, 28, 28, 3), np.uint8), report, (0.0, 1.0)).shape == (5, 28, 28)
    with pytest.raises(ValueError, match="choose one"):
        preprocess(grey, report)


def test_probabilities_equal_model_predict_on_the_same_input(tiny_cnn):
    model, loaded = tiny_cnn
    reader = ModelReader(loaded, batch_size=16)
    pictures = np.random.default_rng(2).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    batch = to_model_input(pictures, loaded.report, UNIT)
    np.testing.assert_array_equal(batch[3], preprocess(pictures[3], loaded.report, UNIT).model_input)
    probabilities = reader.probabilities(batch)
    np.testing.assert_allclose(probabilities, model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)


def test_a_logits_model_gets_probabilities_too(tmp_path):
    model = conv_stack(input_shape=(16, 16, 3), classes=4, final_activation=None)
    reader = ModelReader(load_classifier(save(model, tmp_path, "logits.keras")))
    batch = images((16, 16, 3), count=6)
    logits = model.predict(batch, verbose=0)
    np.testing.assert_allclose(reader.logits(batch), logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(reader.probabilities(batch), softmax(logits), rtol=1e-5, atol=1e-6)


def test_many_images_go_through_in_batches_of_batch_size(tiny_cnn, monkeypatch):
    _, loaded = tiny_cnn
    reader = ModelReader(loaded, batch_size=32)
    sizes = []
    run = reader._run
    monkeypatch.setattr(reader, "_run", lambda model, batch: sizes.append(len(batch)) or run(model, batch))
    assert reader.probabilities(images((28, 28, 1), count=70)).shape == (70, 10)
    assert sizes == [32, 32, 6]


def test_activations_equal_each_layers_output_on_the_flat_graph(tiny_cnn):
    model, loaded = tiny_cnn
    reader = ModelReader(loaded)
    image = images((28, 28, 1), count=1)[0]
    activations = reader.activations(image)
    assert [layer.label for layer in activations.layers] == ["conv1", "pool1", "conv2", "output"]
    assert [layer.kind for layer in activations.layers] == ["conv", "pooling", "conv", "dense"]
    for call, activation in zip(reader.activation_calls, activations.layers):
        expected = keras.Model(loaded.input, call.layer.output).predict(image[np.newaxis], verbose=0)[0]
        np.testing.assert_allclose(activation.values, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(activations.probabilities, model.predict(image[np.newaxis], verbose=0)[0], rtol=1e-5, atol=1e-6)


def test_each_call_of_a_shared_layer_has_its_own_activations(tmp_path):
    loaded = load_classifier(save(shared_layer_model(), tmp_path, "shared.keras"))
    reader = ModelReader(loaded)
    values = {layer.label: layer.values for layer in reader.activations(images((8, 8, 1), count=1)[0]).layers}
    first, second = values["shared"], values["shared (call 2)"]
    assert not np.allclose(first, second)
    shared = next(call.layer for call in loaded.calls if call.label == "shared")
    np.testing.assert_allclose(second, keras.ops.convert_to_numpy(shared(first[np.newaxis]))[0], rtol=1e-5, atol=1e-6)
