"""A network of the user's own layers: its settings, the Keras model built from it, a recorded
run's copy of it, its .keras file, and one real epoch of training on it."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.training.tiny import tiny_config
from visualizer.training.architecture import as_layer_list
from visualizer.training.config import TrainConfig
from visualizer.training.layer_list import LayerSpec, work_out
from visualizer.training.network_file import NetworkFileError, read_network_file, save_network_file
from visualizer.training.saved_runs import config_from_dict, config_to_dict

# Keras's own saving of a TensorFlow model warns about numpy's copy keyword, inside Keras.
KERAS_SAVE_WARNING = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"

SMALL = (
    LayerSpec("conv", filters=4, kernel=(3, 3), stride=(2, 2), padding="same"),
    LayerSpec("batchnorm"),
    LayerSpec("pool", mode="average", size=(2, 2), stride=None),
    LayerSpec("conv", filters=6, kernel=(2, 3), dilation=(2, 1), activation="tanh"),
    LayerSpec("global_pool", mode="max"),
    LayerSpec("dropout", rate=0.2),
    LayerSpec("dense", units=12, activation="gelu"),
)


def test_a_layer_list_is_checked_against_the_data_sets_picture():
    assert TrainConfig(model="layers", layers=SMALL).layers == SMALL
    with pytest.raises(ValueError, match="at least one layer"):
        TrainConfig(model="layers")
    collapsing = (LayerSpec("conv", kernel=(30, 30)), LayerSpec("flatten"))
    with pytest.raises(ValueError, match="layer 1: .*does not fit"):
        TrainConfig(model="layers", layers=collapsing)  # 28x28 Fashion-MNIST
    with pytest.raises(ValueError, match="output layer needs a flat list"):
        TrainConfig(model="layers", layers=SMALL[:4])
    # A folder's pictures are sized when the run reads them: the run checks it then.
    assert TrainConfig(model="layers", layers=collapsing, dataset="folder", data_dir="/pictures").layers == collapsing


def test_the_seeds_networks_read_as_layer_lists():
    cnn = as_layer_list(TrainConfig())
    assert [spec.kind for spec in cnn] == ["conv", "pool", "conv", "pool", "dropout", "flatten", "dense", "dropout"]
    assert (cnn[0].filters, cnn[0].kernel, cnn[0].padding, cnn[4].rate, cnn[6].units) == (64, (2, 2), "same", 0.3, 256)
    assert [spec.kind for spec in as_layer_list(TrainConfig(model="fc"))] == ["flatten", "dense"]
    worked = work_out(cnn, (28, 28, 1))
    assert worked.problem is None and worked.rows[-1].shape == (256,)


def test_the_model_is_the_list_then_the_output_layer_with_the_shapes_worked_out():
    from visualizer.training.models import build_model

    model = build_model(TrainConfig(model="layers", layers=SMALL), (32, 32, 3), 7)
    worked = work_out(SMALL, (32, 32, 3))
    assert [layer.name for layer in model.layers] == [
        "conv1", "batchnorm1", "pool1", "conv2", "global_pool1", "dropout1", "dense1", "output"]
    for layer, row in zip(model.layers, worked.rows):
        assert tuple(layer.output.shape[1:]) == row.shape and layer.count_params() == row.params
    assert model.output_shape == (None, 7) and model.layers[-1].get_config()["activation"] == "softmax"
    assert model.count_params() == worked.total_params + 12 * 7 + 7


def test_a_list_that_does_not_fit_a_folders_pictures_is_refused_in_words_when_built():
    from visualizer.training.models import build_model

    config = TrainConfig(model="layers", layers=(LayerSpec("conv", kernel=(9, 9)), LayerSpec("flatten")),
                         dataset="folder", data_dir="/pictures")
    with pytest.raises(ValueError, match=r"Layer 1 of your network does not fit pictures of 8x8x3.*out = floor"):
        build_model(config, (8, 8, 3), 2)


def test_a_recorded_runs_settings_keep_the_list_and_old_recordings_still_load():
    config = TrainConfig(model="layers", layers=SMALL, dataset="cifar10")
    assert config_from_dict(json.loads(json.dumps(config_to_dict(config)))) == config
    old = config_to_dict(TrainConfig())
    del old["layers"]  # written before own layer lists
    assert config_from_dict(json.loads(json.dumps(old))) == TrainConfig()


@pytest.mark.filterwarnings(KERAS_SAVE_WARNING)
def test_save_network_then_open_network_gives_the_same_rows(tmp_path):
    import keras

    path = tmp_path / "mine.keras"
    save_network_file(SMALL, (28, 28, 1), 10, path)
    assert read_network_file(path) == SMALL
    model = keras.models.load_model(path)  # a plain Keras file, untrained and uncompiled
    assert model.output_shape == (None, 10) and not model.compiled
    assert [p.name for p in tmp_path.iterdir()] == ["mine.keras"]  # no temporary file left


@pytest.mark.filterwarnings(KERAS_SAVE_WARNING)
def test_a_functional_chain_opens_and_a_network_the_list_cannot_show_is_named(tmp_path):
    import keras

    image = keras.Input((16, 16, 1))
    hidden = keras.layers.Conv2D(3, 3, name="c")(image)
    flat = keras.layers.Flatten()(hidden)
    chain = keras.Model(image, keras.layers.Dense(4, activation="softmax")(flat))
    chain.save(tmp_path / "chain.keras")
    assert [spec.kind for spec in read_network_file(tmp_path / "chain.keras")] == ["conv", "flatten"]

    odd = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(3, 3),
                            keras.layers.SeparableConv2D(3, 3, name="separable"), keras.layers.Flatten(),
                            keras.layers.Dense(2)])
    odd.save(tmp_path / "odd.keras")
    with pytest.raises(NetworkFileError, match="'separable' is a SeparableConv2D"):
        read_network_file(tmp_path / "odd.keras")
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(NetworkFileError, match="cannot be read as a .keras file"):
        read_network_file(tmp_path / "text.keras")
    with zipfile.ZipFile(tmp_path / "no-output.keras", "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "Flatten", "config": {"name": "f"}}]}}))
    with pytest.raises(NetworkFileError, match="does not end in a Dense output layer"):
        read_network_file(tmp_path / "no-output.keras")


def test_a_layer_list_trains_an_epoch_through_the_real_run(tmp_path):
    from visualizer.training.events import ProbeSnapshot, RunFinished, RunStarted
    from visualizer.training.run import run

    layers = (LayerSpec("conv", filters=4, kernel=(3, 3), stride=(2, 2)), LayerSpec("pool", mode="average", stride=None),
              LayerSpec("flatten"), LayerSpec("dense", units=8))
    events: list = []
    result = run(tiny_config(model="layers", layers=layers), events.append, save_to=tmp_path / "own.keras")
    assert isinstance(result, RunFinished), getattr(result, "traceback", result)
    started = next(event for event in events if isinstance(event, RunStarted))
    assert started.model_name == "own_layers" and "conv1" in started.model_summary
    snapshot = next(event for event in reversed(events) if isinstance(event, ProbeSnapshot))
    assert [maps.name for maps in snapshot.feature_maps] == ["conv1", "pool1"]
    assert [kernels.name for kernels in snapshot.kernels] == ["conv1"]
    assert snapshot.feature_maps[0].maps.shape == (13, 13, 4)
