"""The model-randomisation sanity check: top-down re-initialisation changes the model and its
Grad-CAM map, one layer per step, and restore brings the trained model back exactly."""

from __future__ import annotations

import numpy as np

from tests.inspection.tiny_models import conv_stack, images, save
from visualizer.inspection.loader import load_classifier
from visualizer.inspection.model import ModelReader
from visualizer.inspection.randomise import WeightRandomiser
from visualizer.inspection.saliency import Saliency


def test_layers_are_randomised_top_down_and_restored_exactly(tmp_path):
    model = conv_stack()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images((28, 28, 1), count=32), np.arange(32) % 10, epochs=3, verbose=0)
    loaded = load_classifier(save(model, tmp_path, "trained.keras"))
    reader, saliency, randomiser = ModelReader(loaded), Saliency(loaded), WeightRandomiser(loaded)
    image = images((28, 28, 1), count=1, seed=9)[0]
    trained_probabilities = reader.probabilities(image[np.newaxis])
    trained_map = saliency.grad_cam(image, 3).raw
    assert randomiser.layer_names == ("conv1", "conv2", "output")

    assert randomiser.randomise_next() == "output"
    assert not np.allclose(reader.probabilities(image[np.newaxis]), trained_probabilities)
    assert not np.allclose(saliency.grad_cam(image, 3).raw, trained_map)
    conv1_before = loaded.model.get_layer("conv1").get_weights()[0].copy()
    assert randomiser.randomise_next() == "conv2"
    np.testing.assert_array_equal(loaded.model.get_layer("conv1").get_weights()[0], conv1_before)  # one layer per step
    assert randomiser.randomise_next() == "conv1"
    assert randomiser.randomise_next() is None and randomiser.next_layer is None
    assert randomiser.randomised == ["output", "conv2", "conv1"]

    randomiser.restore()
    assert randomiser.randomised == [] and randomiser.next_layer == "output"
    np.testing.assert_array_equal(reader.probabilities(image[np.newaxis]), trained_probabilities)
    np.testing.assert_array_equal(saliency.grad_cam(image, 3).raw, trained_map)
