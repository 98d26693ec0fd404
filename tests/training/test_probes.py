"""Probes read the true activations and weights, as frozen float32 copies, and follow training."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest

from visualizer.training.config import TrainConfig
from visualizer.training.models import build_model
from visualizer.training.probes import Probe


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28, 1), dtype=np.float32)


def _snapshot(probe: Probe, image: np.ndarray):
    return probe.snapshot(image, 3, probe_index=7, epoch=2, batch=5, end_of_epoch=True)


def test_snapshot_holds_every_conv_and_pooling_layer_and_the_kernels():
    model = build_model(TrainConfig())
    snapshot = _snapshot(Probe(model), _image())
    assert [(m.name, m.maps.shape) for m in snapshot.feature_maps] == [
        ("conv1", (28, 28, 64)),
        ("pool1", (14, 14, 64)),
        ("conv2", (14, 14, 32)),
        ("pool2", (7, 7, 32)),
    ]
    assert [(k.name, k.kernels.shape) for k in snapshot.kernels] == [
        ("conv1", (2, 2, 1, 64)),
        ("conv2", (2, 2, 64, 32)),
    ]
    assert (snapshot.epoch, snapshot.batch, snapshot.probe_index, snapshot.label) == (2, 5, 7, 3)
    assert snapshot.end_of_epoch
    assert snapshot.image.shape == (28, 28) and snapshot.probabilities.shape == (10,)
    arrays = [snapshot.image, snapshot.probabilities]
    arrays += [m.maps for m in snapshot.feature_maps] + [k.kernels for k in snapshot.kernels]
    for array in arrays:
        assert array.dtype == np.float32
        assert not array.flags.writeable


def test_snapshot_values_equal_the_layers_outputs_and_weights():
    model = build_model(TrainConfig())
    image = _image(1)
    snapshot = _snapshot(Probe(model), image)
    batch = image[np.newaxis]
    conv1 = keras.Model(model.inputs[0], model.get_layer("conv1").output)
    pool2 = keras.Model(model.inputs[0], model.get_layer("pool2").output)
    np.testing.assert_allclose(snapshot.feature_maps[0].maps, np.asarray(conv1(batch))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(snapshot.feature_maps[3].maps, np.asarray(pool2(batch))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(snapshot.kernels[1].kernels, model.get_layer("conv2").get_weights()[0])
    np.testing.assert_allclose(snapshot.probabilities, np.asarray(model(batch))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(snapshot.image, image[..., 0])


def test_probe_sees_new_weights_and_its_copies_do_not_change():
    model = build_model(TrainConfig())
    probe = Probe(model)
    before = _snapshot(probe, _image())
    conv1 = model.get_layer("conv1")
    kernel, bias = conv1.get_weights()
    conv1.set_weights([kernel * 2.0, bias + 1.0])
    after = _snapshot(probe, _image())
    np.testing.assert_allclose(after.kernels[0].kernels, kernel * 2.0)
    np.testing.assert_allclose(before.kernels[0].kernels, kernel)
    assert not np.allclose(after.feature_maps[0].maps, before.feature_maps[0].maps)


def test_fc_model_probe_has_no_maps_but_a_prediction():
    snapshot = _snapshot(Probe(build_model(TrainConfig(model="fc"))), _image())
    assert snapshot.feature_maps == () and snapshot.kernels == ()
    assert snapshot.probabilities.shape == (10,)
    assert abs(float(snapshot.probabilities.sum()) - 1.0) < 1e-5


def test_snapshot_pickles_small():
    snapshot = _snapshot(Probe(build_model(TrainConfig())), _image())
    payload = pickle.dumps(snapshot)
    assert len(payload) < 400_000
    copy = pickle.loads(payload)
    np.testing.assert_array_equal(copy.feature_maps[2].maps, snapshot.feature_maps[2].maps)


def _every_kind_of_conv():
    import keras

    image = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, name="plain")(image)
    x = keras.layers.SeparableConv2D(5, 3, name="separable")(x)
    x = keras.layers.DepthwiseConv2D(3, name="depthwise")(x)
    x = keras.layers.AveragePooling2D(2, name="pool")(x)
    x = keras.layers.Conv2DTranspose(2, 3, strides=2, name="transposed")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(image, keras.layers.Dense(3)(x))


def test_every_kind_of_convolution_is_probed_and_a_script_shows_the_first_and_last_by_default():
    from visualizer.training.probes import default_layers, probed_layers

    model = _every_kind_of_conv()
    assert [layer.name for layer in probed_layers(model)] == ["plain", "separable", "depthwise", "pool", "transposed"]
    assert default_layers(model) == ["plain", "transposed"]
    snapshot = Probe(model).snapshot(np.zeros((16, 16, 3), np.float32), 0, probe_index=0, epoch=0, batch=0)
    assert [(layer.name, layer.maps.shape) for layer in snapshot.feature_maps] == [
        ("plain", (14, 14, 4)), ("separable", (12, 12, 5)), ("depthwise", (10, 10, 5)), ("pool", (5, 5, 5)),
        ("transposed", (11, 11, 2)),
    ]
    assert [layer.name for layer in snapshot.kernels] == ["plain"]  # a Conv2D's kernel is one picture per filter


def test_a_script_sends_every_layer_showing_the_first_and_last_unless_the_maps_are_too_many(monkeypatch):
    from visualizer.training import probes

    model = _every_kind_of_conv()
    sent, shown = probes.layers_to_send(model)
    assert sent == ["plain", "separable", "depthwise", "pool", "transposed"] and shown == ["plain", "transposed"]
    values = 14 * 14 * 4 + 12 * 12 * 5 + 10 * 10 * 5 + 5 * 5 * 5 + 11 * 11 * 2
    monkeypatch.setattr(probes, "ALL_LAYERS_VALUES", values)
    assert probes.layers_to_send(model)[0] == sent
    monkeypatch.setattr(probes, "ALL_LAYERS_VALUES", values - 1)
    assert probes.layers_to_send(model) == (["plain", "transposed"], ["plain", "transposed"])


def test_chosen_layers_only_and_an_unknown_name_is_named_with_the_choices():
    model = _every_kind_of_conv()
    snapshot = Probe(model, ["pool", "plain"]).snapshot(np.zeros((16, 16, 3), np.float32), 0, probe_index=0, epoch=0, batch=0)
    assert [layer.name for layer in snapshot.feature_maps] == ["plain", "pool"]  # in the network's order
    with pytest.raises(ValueError, match="No picture-making layer named 'conv9'; the layers are: plain, separable"):
        Probe(model, ["conv9"])


def test_the_compiled_call_reads_what_the_eager_one_reads_and_follows_new_weights():
    model = build_model(TrainConfig())
    probe = Probe(model)
    image = _image(3)

    def read(compiled: bool):
        return probe.snapshot(image, 0, probe_index=0, epoch=1, batch=1, compiled=compiled)

    eager, compiled = read(False), read(True)
    for a, b in zip(eager.feature_maps, compiled.feature_maps, strict=True):
        np.testing.assert_allclose(a.maps, b.maps, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(eager.probabilities, compiled.probabilities, rtol=1e-4, atol=1e-6)
    conv = model.get_layer(probe._conv_layers[0].name)
    conv.kernel.assign(conv.kernel * 2.0)  # training moves the weights: the next picture shows them
    doubled = read(True)
    np.testing.assert_allclose(doubled.kernels[0].kernels, 2.0 * compiled.kernels[0].kernels, rtol=1e-5)
