"""load_classifier: every model shape and structure the inspector must open, the loader report,
and every kind of bad file, each with a small model built and saved here."""

from __future__ import annotations

import time
import zipfile

import keras
import numpy as np
import pytest
from keras import layers

from tests.inspection.tiny_models import conv_stack, images, predict_or_skip, save
from visualizer.inspection.loader import (
    ModelFileError,
    UnsafeModelError,
    load_classifier,
)
from visualizer.inspection.model import ModelReader, preprocess
from visualizer.inspection.report import LOGITS, PROBABILITIES
from visualizer.inspection.saliency import Saliency
from visualizer.training.config import ConvBlock, TrainConfig
from visualizer.training.data import CLASS_NAMES
from visualizer.training.models import build_model


def _flat_output(loaded, batch):
    return keras.ops.convert_to_numpy(loaded.model(batch, training=False))


def _logits(loaded, batch):
    return keras.ops.convert_to_numpy(keras.Model(loaded.input, loaded.logits)(batch, training=False))


def test_the_apps_own_cnn_opens_with_its_names_range_and_layers(tmp_path):
    config = TrainConfig(conv_blocks=(ConvBlock(filters=4), ConvBlock(filters=4)), dense_units=8)
    path = save(build_model(config), tmp_path, "seed.keras")
    report = load_classifier(path).report
    assert report.input_shape == (28, 28, 1)
    assert (report.image_size, report.channels, report.channel_axis) == ((28, 28), 1, "last")
    assert report.input_range == (0.0, 1.0)
    assert report.output_kind == PROBABILITIES
    assert report.class_names == tuple(CLASS_NAMES)
    assert report.conv_layers == ("conv1", "conv2")
    assert report.saliency_layer == "conv2"
    assert "output" in " ".join(report.notes)  # its softmax was split off the Dense layer "output"
    assert any("28x28 grayscale" in line for line in report.lines())


def test_a_sequential_called_on_one_image_takes_any_batch_size(tmp_path):
    model = keras.Sequential([layers.Conv2D(2, 3, activation="relu"), layers.Flatten(), layers.Dense(3, activation="softmax")])
    batch = images((12, 12, 1), count=3)
    model(batch[:1])  # builds it for a batch of exactly one image
    path = save(model, tmp_path, "no_input.keras")
    loaded = load_classifier(path)
    assert loaded.input.shape[0] is None
    np.testing.assert_allclose(_flat_output(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)
    assert loaded.report.class_names == ("class 0", "class 1", "class 2")


@pytest.mark.filterwarnings("ignore:You are saving a model that has not yet been built")
def test_a_sequential_with_no_inputs_at_all_is_built_from_its_first_layers_shape(tmp_path):
    conv, dense = layers.Conv2D(2, 3, name="conv"), layers.Dense(3, name="dense")
    conv.build((None, 12, 12, 1))
    dense.build((None, 200))
    model = keras.Sequential([conv, layers.Flatten(), dense])
    path = save(model, tmp_path, "no_inputs.keras")
    assert not keras.saving.load_model(path).built  # Keras itself gives it no inputs
    loaded = load_classifier(path)
    assert loaded.report.input_shape == (12, 12, 1)
    batch = images((12, 12, 1), count=3)
    np.testing.assert_allclose(_logits(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:You are saving a model that has not yet been built")
def test_a_model_saved_before_it_was_built_is_refused(tmp_path):
    conv = layers.Conv2D(2, 3, name="conv")
    conv.build((None, 12, 12, 1))
    model = keras.Sequential([conv, layers.Flatten(), layers.Dense(3, name="never_built")])
    _assert_refused(save(model, tmp_path, "half_built.keras"), "never_built", "never built")


def test_a_nested_model_is_flattened_and_computes_the_same_output(tmp_path):
    inner = conv_stack(final_activation=None, name="inner")
    model = keras.Sequential([inner, layers.Softmax(name="probabilities")], name="outer")
    path = save(model, tmp_path, "nested.keras")
    loaded = load_classifier(path)
    batch = images((28, 28, 1))
    assert [call.label for call in loaded.calls] == ["conv1", "pool1", "conv2", "flatten", "output", "probabilities"]
    np.testing.assert_allclose(_flat_output(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_logits(loaded, batch), inner.predict(batch, verbose=0), rtol=1e-5, atol=1e-5)
    assert loaded.report.output_kind == PROBABILITIES
    assert loaded.report.softmax_layer == "probabilities"
    assert any("inner" in note for note in loaded.report.notes)


@pytest.mark.parametrize(
    "head, kind, softmax_layer",
    [
        ([layers.Dense(5, activation="softmax", name="output")], PROBABILITIES, "output_softmax"),
        ([layers.Dense(5, name="output"), layers.Activation("softmax", name="act")], PROBABILITIES, "act"),
        ([layers.Dense(5, name="output"), layers.Softmax(name="soft")], PROBABILITIES, "soft"),
        ([layers.Dense(5, name="output")], LOGITS, None),
    ],
    ids=["dense-softmax", "activation-layer", "softmax-layer", "logits"],
)
def test_probabilities_or_logits_are_detected_and_the_logits_kept(tmp_path, head, kind, softmax_layer):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(2, 3), layers.Flatten(), *head])
    path = save(model, tmp_path, "head.keras")
    loaded = load_classifier(path)
    assert (loaded.report.output_kind, loaded.report.softmax_layer) == (kind, softmax_layer)
    said = "\n".join(loaded.report.lines())
    assert ("outputs logits" in said) == (kind == LOGITS) and "10x10 3 channels" in said
    batch = images((10, 10, 3))
    expected = model.predict(batch, verbose=0)
    logits = _logits(loaded, batch)
    if kind == LOGITS:
        np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)
    else:
        assert not np.allclose(logits.sum(axis=1), 1.0)  # really the logits, not probabilities
        np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(logits)), expected, rtol=1e-5, atol=1e-6)


def test_a_channels_first_model_is_read_as_channels_first(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((3, 12, 16)),
            layers.Conv2D(2, 3, data_format="channels_first", name="conv"),
            layers.MaxPooling2D(2, data_format="channels_first", name="pool"),
            layers.Flatten(),
            layers.Dense(4, activation="softmax"),
        ]
    )
    batch = images((3, 12, 16))
    expected = predict_or_skip(model, batch)
    loaded = load_classifier(save(model, tmp_path, "first.keras"))
    report = loaded.report
    assert (report.image_size, report.channels, report.channel_axis) == ((12, 16), 3, "first")
    assert report.saliency_layer == "conv"
    np.testing.assert_allclose(_flat_output(loaded, batch), expected, rtol=1e-5, atol=1e-6)


def shared_layer_model():
    """One Dense layer called twice, so Keras's ``layer.output`` would give only its first call."""
    keras.utils.set_random_seed(4)
    image = keras.Input((8, 8, 1), name="picture")
    features = layers.Flatten()(layers.Conv2D(2, 3, activation="relu", name="conv")(image))
    hidden = layers.Dense(6, activation="relu", name="squeeze")(features)
    shared = layers.Dense(6, activation="tanh", name="shared")
    scores = layers.Dense(3, name="scores")(shared(shared(hidden)))
    return keras.Model(image, layers.Softmax(name="soft")(scores), name="shared_model")


def test_a_layer_called_twice_has_both_calls_in_the_flat_graph(tmp_path):
    model = shared_layer_model()
    loaded = load_classifier(save(model, tmp_path, "shared.keras"))
    labels = [call.label for call in loaded.calls]
    assert "shared" in labels and "shared (call 2)" in labels
    first, second = (call for call in loaded.calls if call.label.startswith("shared"))
    assert first.layer is second.layer and first.output is not second.output
    batch = images((8, 8, 1))
    np.testing.assert_allclose(_flat_output(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "shape, size, channels, axis",
    [
        ((28, 28), (28, 28), 1, "none"),
        ((28, 28, 1), (28, 28), 1, "last"),
        ((32, 32, 3), (32, 32), 3, "last"),
    ],
)
def test_image_inputs_with_and_without_a_channel_axis(tmp_path, shape, size, channels, axis):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input(shape), layers.Flatten(), layers.Dense(10, activation="softmax")])
    report = load_classifier(save(model, tmp_path, "plain.keras")).report
    assert (report.input_shape, report.image_size, report.channels, report.channel_axis) == (shape, size, channels, axis)
    assert report.input_range is None and "choose one" in report.scaling
    expected_names = tuple(CLASS_NAMES) if channels == 1 else tuple(f"class {index}" for index in range(10))
    assert report.class_names == expected_names


def test_labels_txt_beside_the_model_names_the_classes(tmp_path):
    path = save(conv_stack(input_shape=(16, 16, 3), classes=3), tmp_path, "pets.keras")
    (tmp_path / "labels.txt").write_text("0 cat\n1 dog\n2 fish\n")  # Teachable Machine's lines
    report = load_classifier(path).report
    assert report.class_names == ("cat", "dog", "fish")
    assert report.class_names_source == "labels.txt"
    (tmp_path / "labels.txt").write_text("cat\ndog\n")
    report = load_classifier(path).report
    assert report.class_names == ("class 0", "class 1", "class 2")
    assert any("2 names for 3 classes" in note for note in report.notes)


def test_the_tutorial_pattern_with_augmentation_rescaling_and_an_adapted_normalization(tmp_path):
    keras.utils.set_random_seed(8)
    augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)], name="augment")
    normalization = layers.Normalization(name="normalise")
    normalization.adapt(images((16, 16, 3), count=20) * 3.0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)), augmentation, layers.Rescaling(1 / 255), normalization,
            layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(4),
        ],
        name="tutorial",
    )
    loaded = load_classifier(save(model, tmp_path, "tutorial.keras"))
    assert loaded.report.input_range == (0.0, 255.0)
    batch = images((16, 16, 3)) * 255
    np.testing.assert_allclose(_logits(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-5)


def test_a_legacy_h5_model_opens_nested_too(tmp_path):
    model = keras.Sequential([conv_stack(final_activation=None, name="inner"), layers.Softmax(name="soft")], name="outer")
    loaded = load_classifier(save(model, tmp_path, "legacy.h5"))
    assert loaded.report.file_format == "h5"
    batch = images((28, 28, 1))
    np.testing.assert_allclose(_flat_output(loaded, batch), model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_mobilenet_v3_small_opens_with_its_rescaling_and_batch_norm(tmp_path):
    started = time.perf_counter()
    model = keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))
    loaded = load_classifier(save(model, tmp_path, "mobilenet.keras"))
    report = loaded.report
    assert (report.image_size, report.channels) == ((224, 224), 3)
    assert report.input_range == (0.0, 255.0) and "inside the model" in report.scaling
    assert report.output_kind == PROBABILITIES
    assert report.class_count == 1000
    assert report.saliency_layer is not None and report.saliency_layer != report.conv_layers[-1]  # not the 1x1 head
    batch = images((224, 224, 3), count=2) * 255
    np.testing.assert_allclose(_flat_output(loaded, batch), model.predict(batch, verbose=0), rtol=1e-4, atol=1e-6)
    picture = (images((300, 400, 3), count=1)[0] * 255).astype(np.uint8)
    seen = preprocess(picture, report).model_input
    assert seen.shape == (224, 224, 3) and seen.max() > 1.0  # [0, 255], as its Rescaling layer expects
    activations = ModelReader(loaded).activations(seen)
    np.testing.assert_allclose(activations.probabilities, model.predict(seen[np.newaxis], verbose=0)[0], rtol=1e-4, atol=1e-7)
    cam = Saliency(loaded).grad_cam(seen, int(activations.probabilities.argmax()))
    assert cam.values.shape == (224, 224) and cam.layer == report.saliency_layer
    assert time.perf_counter() - started < 30


# --- files that hold no usable model ------------------------------------------------------------


def _assert_refused(path, *words):
    with pytest.raises(ModelFileError) as caught:
        load_classifier(path)
    message = str(caught.value)
    assert message.startswith(path.name + ": "), message
    assert "Traceback" not in message
    for word in words:
        assert word in message, message
    return caught.value


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")
    _assert_refused(path, "empty")


def test_a_truncated_keras_file_is_called_cut_short_not_missing(tmp_path):
    whole = save(conv_stack(), tmp_path, "whole.keras").read_bytes()
    path = tmp_path / "half.keras"
    path.write_bytes(whole[: len(whole) // 2])
    error = _assert_refused(path, "cut short")
    assert "not found" not in str(error).lower()


def test_a_truncated_h5_file_is_called_cut_short(tmp_path):
    whole = save(conv_stack(), tmp_path, "whole.h5").read_bytes()
    path = tmp_path / "half.h5"
    path.write_bytes(whole[: len(whole) // 2])
    _assert_refused(path, "cut short")


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.keras"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _assert_refused(path, "not a Keras model file")


def test_a_zip_that_is_not_a_keras_model_is_refused(tmp_path):
    path = tmp_path / "photos.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.txt", "not a model")
    _assert_refused(path, "zip archive", "config.json")


def test_a_text_file_renamed_keras_is_refused(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("model = Sequential([...])\n")
    _assert_refused(path, "text file")


def test_an_h5_file_holding_only_weights_is_refused(tmp_path):
    path = tmp_path / "tiny.weights.h5"
    conv_stack().save_weights(path)
    _assert_refused(path, "only weights")


def test_an_h5_model_renamed_keras_is_told_to_be_renamed_back(tmp_path):
    path = tmp_path / "renamed.keras"
    save(conv_stack(), tmp_path, "legacy.h5").rename(path)
    _assert_refused(path, "legacy .h5 model", "rename it to end in .h5")


def test_a_missing_file_or_a_folder_is_refused(tmp_path):
    _assert_refused(tmp_path / "gone.keras", "no such file")
    (tmp_path / "folder.keras").mkdir()
    _assert_refused(tmp_path / "folder.keras", "folder")


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: keras.Sequential([keras.Input((10,)), layers.Dense(3, activation="softmax")]), ("not an image",)),
        (lambda: conv_stack(classes=1, final_activation=None), ("single number",)),
    ],
    ids=["vector-input", "regression"],
)
def test_a_model_that_is_not_an_image_classifier_is_refused(tmp_path, build, words):
    _assert_refused(save(build(), tmp_path, "other.keras"), "not an image classifier", *words)


def test_a_model_with_a_layer_type_keras_does_not_know_is_refused(tmp_path):
    original = save(conv_stack(), tmp_path, "known.keras")
    path = tmp_path / "mystery.keras"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                data = data.replace(b'"class_name": "Flatten"', b'"class_name": "MysteryLayer"')
            target.writestr(item, data)
    _assert_refused(path, "does not know", "MysteryLayer")


def test_a_model_with_two_outputs_is_refused(tmp_path):
    image = keras.Input((8, 8, 1))
    features = layers.Flatten()(image)
    model = keras.Model(image, [layers.Dense(3)(features), layers.Dense(2)(features)])
    _assert_refused(save(model, tmp_path, "two.keras"), "2 outputs")


@keras.saving.register_keras_serializable(package="inspection_tests")
class SubclassedClassifier(keras.Model):
    """A model written as a Python class: Keras keeps no graph of its layers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(3)

    def call(self, inputs):
        return self.dense(self.flatten(inputs))


def test_a_subclassed_model_is_refused_in_words(tmp_path):
    model = SubclassedClassifier()
    model(images((8, 8, 1), count=1))
    _assert_refused(save(model, tmp_path, "subclassed.keras"), "subclassed model", "Sequential or Functional")


def _lambda_model():
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Lambda(lambda x: x * 2.0, name="double"), layers.Flatten(), layers.Dense(3)])


@pytest.mark.parametrize("name", ["lambda.keras", "lambda.h5"])
def test_a_lambda_model_is_loaded_only_when_unsafe_is_asked_for(tmp_path, name):
    path = save(_lambda_model(), tmp_path, name)
    with pytest.raises(UnsafeModelError) as caught:
        load_classifier(path)
    assert "arbitrary code" in str(caught.value) and "double" in str(caught.value)
    assert isinstance(caught.value, ModelFileError)
    loaded = load_classifier(path, unsafe=True)
    assert next(call.label for call in loaded.calls) == "double"


def test_a_long_list_of_conv_layers_is_told_by_its_count_and_ends():
    from visualizer.inspection.report import _conv_layers_line

    assert _conv_layers_line(()) == "conv layers: none"
    assert _conv_layers_line(("conv1", "conv2")) == "conv layers: conv1, conv2"
    names = tuple(f"c{i}" for i in range(30))
    assert _conv_layers_line(names) == "conv layers: 30: c0, c1, c2, c3, …, c29"
