"""Saliency: Grad-CAM equal to a GradientTape reference, pixel gradients of the logit (never of the
softmax), SmoothGrad, channels-first models, and each installed Keras backend's gradient code."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from tests.inspection.tiny_models import conv_stack, gradient_check, images, predict_or_skip, save
from tests.training.tiny import BACKENDS, backend_installed, run_python
from visualizer.inspection.gradients import gradients_for
from visualizer.inspection.loader import load_classifier
from visualizer.inspection.saliency import GRAD_CAM, SMOOTHGRAD, Saliency


@pytest.fixture(scope="module")
def confident_cnn(tmp_path_factory):
    """A tiny CNN with a softmax in its last Dense layer, scaled up so that it is very confident."""
    model = conv_stack()
    kernel, bias = model.get_layer("output").get_weights()
    model.get_layer("output").set_weights([kernel * 40.0, bias])
    return load_classifier(save(model, tmp_path_factory.mktemp("cnn"), "cnn.keras"))


def _call(loaded, label):
    return next(call for call in loaded.calls if call.label == label)


def reference_grad_cam(loaded, label, image, class_index, channels_first=False):
    """Grad-CAM as the paper defines it, with TensorFlow's own gradient of the class's logit."""
    model = keras.Model(loaded.input, [_call(loaded, label).output, loaded.logits])
    with tf.GradientTape() as tape:
        maps, logits = model(tf.constant(image[np.newaxis]), training=False)
        score = logits[:, class_index]
    grads = tape.gradient(score, maps)[0].numpy()
    maps = maps[0].numpy()
    if channels_first:
        maps, grads = np.moveaxis(maps, 0, -1), np.moveaxis(grads, 0, -1)
    return np.maximum((maps * grads.mean(axis=(0, 1))).sum(axis=-1), 0.0)


def _tape_gradient(model, image, class_index):
    """TensorFlow's own gradient of ``model``'s output for ``class_index`` with respect to the image."""
    x = tf.constant(image[np.newaxis])
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x, training=False)[:, class_index]
    return tape.gradient(score, x).numpy()[0]


@pytest.mark.parametrize("label", ["conv2", "conv1"])
def test_grad_cam_equals_a_gradient_tape_reference_for_every_class(confident_cnn, label):
    saliency = Saliency(confident_cnn, layer=label)
    image = images((28, 28, 1), count=1, seed=3)[0]
    for class_index in (0, 4, 9):
        result = saliency.grad_cam(image, class_index)
        expected = reference_grad_cam(confident_cnn, label, image, class_index)
        assert result.raw.shape == expected.shape
        np.testing.assert_allclose(result.raw, expected, rtol=1e-4, atol=1e-6 * max(1.0, expected.max()))
        assert (result.kind, result.layer, result.class_index) == (GRAD_CAM, label, class_index)
        assert result.values.shape == (28, 28) and 0.0 <= result.values.min() and result.values.max() <= 1.0


def test_grad_cam_uses_the_last_spatial_conv_layer_by_default(confident_cnn):
    assert Saliency(confident_cnn).layer == "conv2"


def test_the_pixel_gradient_is_the_logits_gradient_not_the_softmaxs(confident_cnn):
    saliency = Saliency(confident_cnn)
    image = images((28, 28, 1), count=1, seed=4)[0]
    result = saliency.pixel_gradient(image, 2)
    through_logit = np.abs(_tape_gradient(keras.Model(confident_cnn.input, confident_cnn.logits), image, 2))[..., 0]
    np.testing.assert_allclose(result.raw, through_logit, rtol=1e-4, atol=1e-7)
    through_softmax = np.abs(_tape_gradient(confident_cnn.model, image, 2))[..., 0]
    assert through_softmax.max() < 1e-3 * through_logit.max()  # what the softmax would have shown


def test_smoothgrad_averages_noisy_copies_and_without_noise_is_the_gradient(confident_cnn):
    saliency = Saliency(confident_cnn)
    image = images((28, 28, 1), count=1, seed=5)[0]
    plain = saliency.pixel_gradient(image, 1)
    still = saliency.pixel_gradient(image, 1, smooth_samples=4, noise=0.0)
    np.testing.assert_allclose(still.raw, plain.raw, rtol=1e-5, atol=1e-7)
    smooth = saliency.pixel_gradient(image, 1, smooth_samples=8, noise=0.2)
    assert smooth.kind == SMOOTHGRAD and smooth.values.shape == (28, 28)
    assert not np.allclose(smooth.raw, plain.raw)


def test_grad_cam_on_a_channels_first_model_has_the_images_shape(tmp_path):
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input((3, 12, 16)),
            layers.Conv2D(4, 3, activation="relu", data_format="channels_first", name="conv"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    image = images((3, 12, 16), count=1)[0]
    predict_or_skip(model, image[None])
    loaded = load_classifier(save(model, tmp_path, "first.keras"))
    result = Saliency(loaded).grad_cam(image, 1)
    expected = reference_grad_cam(loaded, "conv", image, 1, channels_first=True)
    assert result.raw.shape == (10, 14)
    np.testing.assert_allclose(result.raw, expected, rtol=1e-4, atol=1e-7)
    assert result.values.shape == (12, 16)
    assert Saliency(loaded).pixel_gradient(image, 1).values.shape == (12, 16)


def test_a_model_without_conv_layers_has_gradients_but_no_grad_cam(tmp_path):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10)])
    loaded = load_classifier(save(model, tmp_path, "fc.keras"))
    saliency = Saliency(loaded)
    assert saliency.layer is None
    assert saliency.pixel_gradient(np.zeros((28, 28), np.float32), 3).values.shape == (28, 28)
    with pytest.raises(ValueError, match="conv layer"):
        saliency.grad_cam(np.zeros((28, 28), np.float32), 3)
    with pytest.raises(ValueError, match="outside"):
        saliency.pixel_gradient(np.zeros((28, 28), np.float32), 10)


def test_the_gradient_code_follows_the_keras_backend_and_the_current_weights(confident_cnn):
    model = keras.Model(confident_cnn.input, confident_cnn.logits)
    gradients = gradients_for(model)
    image = images((28, 28, 1), count=1, seed=6)[0]
    (logits,), (grad,) = gradients([image[np.newaxis]], 5)
    np.testing.assert_allclose(grad[0], _tape_gradient(model, image, 5), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(logits, model.predict(image[np.newaxis], verbose=0), rtol=1e-5, atol=1e-5)
    output = model.get_layer("output")
    kernel, bias = output.get_weights()
    try:
        output.set_weights([kernel * 2.0, bias])  # the compiled gradient must read the new weights
        np.testing.assert_allclose(gradients([image[np.newaxis]], 5)[1][0], grad * 2.0, rtol=1e-4, atol=1e-7)
    finally:
        output.set_weights([kernel, bias])
    with pytest.raises(ValueError, match="numpy"):
        gradients_for(model, "numpy")


def test_the_tensorflow_gradient_agrees_with_finite_differences():
    report = gradient_check()
    assert report["backend"] == "tensorflow"
    _assert_gradient_check(report)


@pytest.mark.slow
@pytest.mark.parametrize("backend", [backend for backend in BACKENDS if backend != "tensorflow"])
def test_saliency_works_on_every_other_installed_backend(backend):
    if not backend_installed(backend):
        pytest.skip(f"the {backend} backend is not installed")
    # A fresh interpreter: the backend is fixed when Keras is first imported.
    code = "import json; from tests.inspection.tiny_models import gradient_check; print(json.dumps(gradient_check()))"
    completed = run_python(code, backend=backend)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend
    _assert_gradient_check(report)


def _assert_gradient_check(report):
    assert report["cam"] == [3, 3]
    for analytic, numeric in report["rows"]:
        assert analytic == pytest.approx(numeric, rel=0.05, abs=1e-3)


@pytest.mark.slow
def test_saliency_works_in_a_fresh_process_on_a_model_with_a_layer_named_add(tmp_path):
    """MobileNet's residual layers are named "add", "add_1"…; the saliency graph's own addition must
    not take one of those names, which it would in a fresh process where no "add" was made yet."""
    inputs = keras.Input((12, 12, 1))
    features = layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    merged = layers.Add(name="add")([features, layers.Conv2D(2, 1, name="skip")(inputs)])
    outputs = layers.Dense(3, name="output")(layers.Flatten()(merged))
    path = tmp_path / "residual.keras"
    keras.Model(inputs, outputs, name="residual").save(path)
    script = (
        "import numpy as np\n"
        "from visualizer.inspection.loader import load_classifier\n"
        "from visualizer.inspection.saliency import Saliency\n"
        f"loaded = load_classifier({str(path)!r})\n"
        "cam = Saliency(loaded).grad_cam(np.ones((12, 12, 1), np.float32), 1)\n"
        "print(cam.values.shape)\n"
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(12, 12)" in result.stdout
