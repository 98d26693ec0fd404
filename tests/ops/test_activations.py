"""relu, softmax, dropout and flatten against keras.ops, keras.random.dropout and keras.layers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.ops import activations

from . import keras_reference as ref
from .configs import values

keras = ref.keras


@st.composite
def arrays(draw, max_dims=3, min_side=1):
    shape = tuple(draw(st.integers(min_side, 6)) for _ in range(draw(st.integers(1, max_dims))))
    return values(draw, shape)


@st.composite
def blocks(draw):
    """A (rows, cols, channels) block, as a conv or pooling layer hands to Flatten."""
    return values(draw, (draw(st.integers(1, 7)), draw(st.integers(1, 7)), draw(st.integers(1, 5))))


def _keras(tensor) -> np.ndarray:
    return np.asarray(tensor, dtype=np.float64)


@settings(max_examples=100, deadline=None)
@given(arrays())
def test_relu_equals_keras(x):
    # max(x, 0) of float32 values rounds nothing: exact equality.
    np.testing.assert_array_equal(activations.relu(x), _keras(keras.ops.relu(x.astype(np.float32))))


@settings(max_examples=100, deadline=None)
@given(arrays(max_dims=2, min_side=2), st.sampled_from([1.0, 30.0, 1000.0]))
def test_softmax_equals_keras_on_every_axis(x, scale):
    logits = ref.as_float32(x * scale)
    for axis in range(-logits.ndim, 0):
        ours = activations.softmax(logits, axis=axis)
        theirs = _keras(keras.ops.softmax(logits.astype(np.float32), axis=axis))
        ref.assert_close_float32(ours, theirs, ours)
        np.testing.assert_allclose(ours.sum(axis=axis), 1.0)


@pytest.mark.parametrize(
    "logits",
    [[1000.0, 1000.0], [1e4, 0.0, -1e4], [-1e5, -1e5 + 1, -1e5 + 2], [88.0, 89.0, 90.0, 710.0]],
)
def test_softmax_of_large_logits_is_finite_and_equals_keras(logits):
    logits = np.array(logits)
    ours = activations.softmax(logits)
    assert np.isfinite(ours).all() and ours.sum() == pytest.approx(1.0)
    theirs = _keras(keras.ops.softmax(logits.astype(np.float32)))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.argmax(ours) == np.argmax(logits)


@settings(max_examples=60, deadline=None)
@given(arrays(), st.sampled_from([0.1, 0.3, 0.5, 0.8]), st.integers(0, 2**31 - 1))
def test_dropout_scales_what_keras_keeps_as_keras_does(x, rate, seed):
    positive = ref.as_float32(np.abs(x) + 0.5)  # no zeros, so Keras's zeros are exactly its dropped units
    theirs = _keras(keras.random.dropout(positive.astype(np.float32), rate, seed=seed))
    kept = theirs != 0
    ref.assert_close_float32(activations.apply_dropout(positive, kept, rate), theirs, theirs)


@settings(max_examples=30, deadline=None)
@given(arrays(), st.sampled_from([0.0, 0.3, 0.5]))
def test_dropout_at_inference_passes_values_through_like_keras(x, rate):
    layer = keras.layers.Dropout(rate)
    theirs = _keras(layer(x.astype(np.float32), training=False))
    out, kept = activations.dropout(x, rate, np.random.default_rng(0), training=False)
    np.testing.assert_array_equal(out, theirs)
    assert kept.all()


def test_dropout_in_training_keeps_one_minus_rate_and_keeps_the_mean():
    rng = np.random.default_rng(0)
    ones = np.ones(100_000)
    out, kept = activations.dropout(ones, 0.3, rng)
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_array_equal(out[kept], 1 / 0.7)
    np.testing.assert_array_equal(out[~kept], 0.0)
    keras_out = _keras(keras.random.dropout(ones.astype(np.float32), 0.3, seed=1))
    assert (keras_out != 0).mean() == pytest.approx(0.7, abs=0.01)


def test_dropout_masks_differ_between_draws_and_follow_the_generator():
    masks = {activations.dropout_mask((4, 4), 0.5, np.random.default_rng(seed)).tobytes() for seed in range(5)}
    assert len(masks) > 1
    first = activations.dropout_mask((4, 4), 0.5, np.random.default_rng(7))
    np.testing.assert_array_equal(first, activations.dropout_mask((4, 4), 0.5, np.random.default_rng(7)))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rejects_rates_outside_0_to_1(rate):
    with pytest.raises(ValueError, match="dropout rate"):
        activations.dropout(np.ones(3), rate, np.random.default_rng(0))
    with pytest.raises(ValueError, match="dropout rate"):
        activations.dropout(np.ones(3), rate, np.random.default_rng(0), training=False)


@settings(max_examples=60, deadline=None)
@given(blocks())
def test_flatten_order_equals_keras_flatten_on_channels_last(block):
    theirs = _keras(keras.layers.Flatten(data_format="channels_last")(block[None].astype(np.float32)))[0]
    np.testing.assert_array_equal(activations.flatten(block), theirs)
    for row, col, channel in np.ndindex(block.shape):
        position = activations.flatten_index(row, col, channel, block.shape)
        assert theirs[position] == block[row, col, channel]
        assert activations.unflatten_index(position, block.shape) == (row, col, channel)


def test_flatten_index_of_the_seed_networks_last_value():
    assert activations.flatten_index(6, 6, 31, (7, 7, 32)) == 1567  # the last of 7 x 7 x 32 = 1568
    assert activations.unflatten_index(5, (2, 2, 3)) == (0, 1, 2)
