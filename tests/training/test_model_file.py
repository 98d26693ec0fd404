"""A network the user saved from Keras, trained by the app: files it cannot read and networks that do
not fit the data are refused in words; the rest compile with the run's settings and train with
probes, recordings and autosave as the app's own networks do."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from tests.training.test_image_folder import write_pictures
from tests.training.tiny import tiny_config
from visualizer.training import saved_runs
from visualizer.training.config import TrainConfig
from visualizer.training.events import EpochEnd, ProbeSnapshot, RunFailed, RunFinished
from visualizer.training.model_file import (
    check_model_file,
    compile_for_run,
    gives_probabilities,
    load_model_file,
)
from visualizer.training.probes import Probe
from visualizer.training.recording_file import read_recording
from visualizer.training.run import run

FASHION = (28, 28, 1)


def grey_softmax_sequential() -> keras.Model:
    """Seed-like, with names of its own and saved uncompiled."""
    return keras.Sequential(
        [
            keras.Input(FASHION),
            layers.Conv2D(4, 3, activation="relu", name="edges"),
            layers.MaxPooling2D(2, name="shrink"),
            layers.Flatten(name="unroll"),
            layers.Dense(10, activation="softmax", name="scores"),
        ],
        name="my_grey_net",
    )


def colour_logits_functional(side: int = 16, classes: int = 3) -> keras.Model:
    """A functional network holding a nested Sequential, ending in logits (no softmax)."""
    features = keras.Sequential(
        [keras.Input((side, side, 3)), layers.Conv2D(4, 3, padding="same", name="inner_conv"),
         layers.AveragePooling2D(2, name="inner_pool")],
        name="features",
    )
    image = keras.Input((side, side, 3), name="picture")
    x = features(image)
    x = layers.Conv2D(6, 3, activation="relu", name="outer_conv")(x)
    x = layers.GlobalAveragePooling2D(name="average")(x)
    x = layers.Dropout(0.1, name="drop")(x)
    logits = layers.Dense(classes, name="logits")(x)
    return keras.Model(image, logits, name="my_colour_net")


def save(model: keras.Model, path: Path) -> Path:
    model.save(path)
    return path


def test_the_config_needs_the_file_and_keeps_it_through_json():
    with pytest.raises(ValueError, match="needs its .keras file"):
        TrainConfig(model="file")
    config = TrainConfig(model="file", model_file="/somewhere/net.keras", dataset="cifar10")
    assert saved_runs.config_from_dict(saved_runs.config_to_dict(config)) == config


@pytest.mark.parametrize(
    "make_output, probabilities",
    [
        (lambda x: layers.Dense(10, activation="softmax")(x), True),
        (lambda x: layers.Activation("softmax")(layers.Dense(10)(x)), True),
        (lambda x: layers.Softmax()(layers.Dense(10)(x)), True),
        (lambda x: keras.ops.softmax(layers.Dense(10)(x)), True),
        (lambda x: layers.Dropout(0.5)(layers.Dense(10, activation="softmax")(x)), True),
        (lambda x: layers.Dense(10)(x), False),
        (lambda x: layers.Dense(10, activation="log_softmax")(x), False),
        (lambda x: layers.Dense(10, activation="relu")(x), False),
    ],
)
def test_softmax_outputs_are_told_from_logits(make_output, probabilities):
    image = keras.Input(FASHION)
    model = keras.Model(image, make_output(layers.Flatten()(image)))
    assert gives_probabilities(model) is probabilities


def test_a_nested_model_ending_in_softmax_gives_probabilities():
    head = keras.Sequential([keras.Input((16,)), layers.Dense(10, activation="softmax")])
    image = keras.Input(FASHION)
    model = keras.Model(image, head(layers.Dense(16)(layers.Flatten()(image))))
    assert gives_probabilities(model)


def test_a_file_saved_compiled_is_compiled_again_with_the_runs_settings(tmp_path):
    model = grey_softmax_sequential()
    model.compile(keras.optimizers.SGD(0.5), "mse")
    path = save(model, tmp_path / "compiled.keras")
    loaded = load_model_file(path)
    assert not loaded.compiled, "read uncompiled"
    compile_for_run(loaded, TrainConfig(model="file", model_file=str(path), optimizer="rmsprop", learning_rate=0.02))
    assert type(loaded.optimizer).__name__ == "RMSprop"
    assert float(keras.ops.convert_to_numpy(loaded.optimizer.learning_rate)) == pytest.approx(0.02)
    assert loaded.loss.get_config()["from_logits"] is False
    logits = load_model_file(save(colour_logits_functional(), tmp_path / "logits.keras"))
    compile_for_run(logits, TrainConfig(model="file", model_file="logits.keras"))
    assert type(logits.optimizer).__name__ == "Adam" and logits.loss.get_config()["from_logits"] is True


def test_a_grey_softmax_file_trains_with_probes_and_its_recording_keeps_the_file(tmp_path):
    path = save(grey_softmax_sequential(), tmp_path / "grey.keras")
    config = tiny_config(model="file", model_file=str(path))
    events = []
    result = run(config, events.append, save_to=tmp_path / "trained.keras", autosave_to=tmp_path / "autosave")
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    assert 0.0 <= result.train_accuracy <= 1.0 and 0.0 <= result.test_accuracy <= 1.0
    snapshots = [event for event in events if isinstance(event, ProbeSnapshot)]
    assert [maps.name for maps in snapshots[-1].feature_maps] == ["edges", "shrink"]
    assert [kernels.name for kernels in snapshots[-1].kernels] == ["edges"]
    assert snapshots[-1].probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    recording = read_recording(result.model_path)
    assert recording.config.model_file == str(path) and recording.title.startswith("grey.keras — 1 epoch")
    # Autosaved and resumed: the run's settings keep the file, and the run trains on from its epoch.
    saved = saved_runs.read_run(saved_runs.run_folders(tmp_path / "autosave")[0])
    assert saved.config == config and saved.describe().startswith("a grey.keras run of 1 epochs")
    path.unlink()  # a resumed run trains the autosaved network, not the file's
    resumed = run(replace(config, epochs=2, resume_from=str(saved.folder)), events.append)
    assert isinstance(resumed, RunFinished), getattr(resumed, "traceback", resumed)
    assert resumed.epochs_completed == 2 and read_recording(resumed.model_path).config.model_file == str(path)


def test_a_colour_functional_file_with_logits_trains_on_a_folder(tmp_path):
    pictures = write_pictures(tmp_path / "pictures")
    path = save(colour_logits_functional(side=16, classes=3), tmp_path / "colour.keras")
    config = tiny_config(model="file", model_file=str(path), dataset="folder", data_dir=str(pictures),
                         image_size=(16, 16), train_limit=None, test_limit=None, batch_size=4)
    events = []
    result = run(config, events.append, save_to=tmp_path / "trained.keras")
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    [epoch] = [event for event in events if isinstance(event, EpochEnd)]
    assert 0.0 <= epoch.accuracy <= 1.0 and 0.0 <= epoch.val_accuracy <= 1.0, "the metric is named accuracy"
    snapshot = [event for event in events if isinstance(event, ProbeSnapshot)][-1]
    assert [(maps.name, maps.maps.shape) for maps in snapshot.feature_maps] == [
        ("inner_conv", (16, 16, 4)), ("inner_pool", (8, 8, 4)), ("outer_conv", (6, 6, 6)),
    ]
    assert [(kernels.name, kernels.kernels.shape) for kernels in snapshot.kernels] == [
        ("inner_conv", (3, 3, 3, 4)), ("outer_conv", (3, 3, 4, 6)),
    ]
    assert snapshot.image.shape == (16, 16, 3)
    assert snapshot.probabilities.shape == (3,) and np.all(snapshot.probabilities >= 0)
    assert snapshot.probabilities.sum() == pytest.approx(1.0, abs=1e-5), "logits are shown as probabilities"


def test_probe_values_of_a_nested_model_are_its_layers_outputs(tmp_path):
    model = colour_logits_functional()
    image = np.random.default_rng(0).random((16, 16, 3), dtype=np.float32)
    snapshot = Probe(model).snapshot(image, 0, probe_index=0, epoch=0, batch=0)
    inner_conv = model.get_layer("features").get_layer("inner_conv")
    expected = keras.ops.convert_to_numpy(inner_conv(image[np.newaxis]))[0]
    np.testing.assert_allclose(snapshot.feature_maps[0].maps, expected, rtol=1e-5, atol=1e-6)
    logits = keras.ops.convert_to_numpy(model(image[np.newaxis]))[0]
    expected_probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(snapshot.probabilities, expected_probabilities, rtol=1e-5)


def test_a_network_without_convolutions_has_no_maps_and_a_prediction():
    model = keras.Sequential([keras.Input(FASHION), layers.Flatten(name="a"), layers.Dense(10, name="b")])
    snapshot = Probe(model).snapshot(np.zeros(FASHION, np.float32), 0, probe_index=0, epoch=0, batch=0)
    assert snapshot.feature_maps == () and snapshot.kernels == ()
    assert snapshot.probabilities.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    "model, data, words",
    [
        (lambda: keras.Sequential([keras.Input((64, 64, 1)), layers.Flatten(), layers.Dense(10)]), (FASHION, 10),
         "takes 64x64 pictures with 1 channel, but the pictures of Fashion-MNIST are 28x28 pictures with 1 channel: "
         "change its Input to shape (28, 28, 1)."),
        (lambda: keras.Sequential([keras.Input((28, 28, 3)), layers.Flatten(), layers.Dense(10)]), (FASHION, 10),
         "change its Input to shape (28, 28, 1), or train it on colour pictures."),
        (lambda: keras.Sequential([keras.Input(FASHION), layers.Flatten(), layers.Dense(5, activation="softmax")]),
         (FASHION, 10),
         "gives 5 numbers, but Fashion-MNIST has 10 classes: end it with Dense(10, activation='softmax')."),
        (lambda: keras.Sequential([keras.Input(FASHION), layers.Flatten(), layers.Dense(5)]), (FASHION, 10),
         "end it with Dense(10)."),
        (lambda: keras.Sequential([keras.Input((784,)), layers.Dense(10)]), (FASHION, 10),
         "not pictures (height, width, channels): start it with Input(shape=(28, 28, 1))"),
        (lambda: keras.Sequential([keras.Input(FASHION, batch_size=32), layers.Flatten(), layers.Dense(10)]),
         (FASHION, 10), "takes batches of exactly 32 pictures"),
        (lambda: keras.Sequential([keras.Input(FASHION, dtype="uint8"), layers.Flatten(), layers.Dense(10)]),
         (FASHION, 10), "takes uint8 pictures, but the app gives it float32 pictures in [0, 1]: give its Input dtype="),
        (lambda: keras.Sequential([keras.Input(FASHION), layers.Conv2D(10, 3)]), (FASHION, 10),
         "gives one number per class: end it with Flatten() or GlobalAveragePooling2D() and Dense(10)."),
    ],
)
def test_a_network_that_does_not_fit_the_data_is_refused_saying_what_to_change(tmp_path, model, data, words):
    path = save(model(), tmp_path / "net.keras")
    problem = check_model_file(path, *data, data_title="Fashion-MNIST")
    assert problem is not None and words in problem and "net.keras" in problem


def test_a_folder_network_of_another_size_is_told_it_may_resize_and_any_size_fits(tmp_path):
    fixed = save(keras.Sequential([keras.Input((64, 64, 3)), layers.Flatten(), layers.Dense(4)]), tmp_path / "a.keras")
    problem = check_model_file(fixed, (32, 32, 3), 4, data_title="the folder pets", resizable=True)
    assert "change its Input to shape (32, 32, 3) or resize the pictures to 64x64 (--image-size 64x64)." in problem
    any_size = keras.Sequential([keras.Input((None, None, 3)), layers.GlobalAveragePooling2D(), layers.Dense(4)])
    assert check_model_file(save(any_size, tmp_path / "b.keras"), (32, 32, 3), 4) is None
    assert check_model_file(save(any_size, tmp_path / "c.keras"), (32, 32, 1), 4) is not None


def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda folder: folder / "missing.keras", "There is no file"),
        (lambda folder: folder, "is a folder, not a .keras file"),
        (lambda folder: _write_bytes(folder / "noise.keras", b"\x00not a zip" * 50), "may be damaged"),
        (lambda folder: _write_zip(folder / "empty.keras", {"metadata.json": b"{}"}), "holding config.json"),
        (lambda folder: _write_zip(folder / "bad.keras", {"config.json": b"{not json"}), "may be damaged"),
        (lambda folder: _write_bytes(folder / "old.h5", b"\x89HDF\r\n\x1a\n" + bytes(100)), "older HDF5 format"),
        (lambda folder: _write_bytes(folder / "net.onnx", b"whatever"), "is not a .keras file"),
    ],
)
def test_files_that_are_not_keras_networks_are_refused_in_words(tmp_path, make, words):
    problem = check_model_file(make(tmp_path), FASHION, 10)
    assert problem is not None and words in problem


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_weights_that_keras_cannot_read_are_refused_in_words(tmp_path):
    path = save(grey_softmax_sequential(), tmp_path / "net.keras")
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(broken, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            copy.writestr(info, data[: len(data) // 3] if info.filename.endswith(".h5") else data)
    problem = check_model_file(broken, FASHION, 10)
    assert problem is not None and problem.startswith("Keras could not read the network in broken.keras: ")


def test_a_lambda_layer_is_refused_without_running_its_code(tmp_path, monkeypatch):
    marker = tmp_path / "code-ran"
    monkeypatch.setenv("CODE_RAN_MARKER", str(marker))
    model = keras.Sequential([
        keras.Input(FASHION),
        layers.Lambda(lambda t: (open(__import__("os").environ["CODE_RAN_MARKER"], "w").close(), t)[1], name="sneaky"),
        layers.Flatten(),
        layers.Dense(10),
    ])
    path = save(model, tmp_path / "lambda.keras")
    marker.unlink()  # building the model above ran it once, here, on purpose
    problem = check_model_file(path, FASHION, 10)
    assert "holds a Lambda layer ('sneaky')" in problem and "never runs" in problem
    assert not marker.exists()
    keras.saving.load_model(path, safe_mode=False)  # the check above would have seen code that ran
    assert marker.exists()


def test_a_custom_layer_is_refused_naming_its_class(tmp_path):
    class Doubler(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    model = keras.Sequential([keras.Input(FASHION), Doubler(name="twice"), layers.Flatten(), layers.Dense(10)])
    problem = check_model_file(save(model, tmp_path / "custom.keras"), FASHION, 10)
    assert "uses a class or function that Keras does not know: Doubler." in problem
    assert "cannot run custom layers (or activations) it does not know" in problem


def test_a_custom_activation_is_refused_naming_its_function(tmp_path):
    def doubled_relu(x):
        return keras.ops.relu(x) * 2

    model = keras.Sequential([keras.Input(FASHION), layers.Flatten(), layers.Dense(10, activation=doubled_relu)])
    problem = check_model_file(save(model, tmp_path / "custom.keras"), FASHION, 10)
    assert "that Keras does not know: doubled_relu()." in problem


def test_a_run_of_a_file_that_does_not_fit_fails_in_words(tmp_path):
    path = save(colour_logits_functional(side=32, classes=10), tmp_path / "cifar_net.keras")
    result = run(tiny_config(model="file", model_file=str(path)), lambda event: None)
    assert isinstance(result, RunFailed)
    assert result.message.startswith("The network in cifar_net.keras takes 32x32 pictures with 3 channels, but the "
                                     "pictures of Fashion-MNIST are 28x28 pictures with 1 channel")
