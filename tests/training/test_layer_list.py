"""A layer list's shapes and parameter counts, worked out without Keras, equal Keras's own on
hundreds of random lists; a list that collapses the picture is explained in words."""

import numpy as np
import pytest

from visualizer.training.layer_list import WHY_SIZES_PAGE, LayerSpec, build_keras_layers, work_out

RANDOM_LISTS = 500


def _pair(rng, low, high):
    return (int(rng.integers(low, high + 1)), int(rng.integers(low, high + 1)))


def random_spec(rng, flat: bool) -> LayerSpec:
    picture_kinds = ["conv", "conv", "pool", "batchnorm", "dropout", "flatten", "global_pool", "dense"]
    kinds = ["dense", "dropout", "batchnorm"] if flat else picture_kinds
    kind = str(rng.choice(kinds))
    stride = _pair(rng, 1, 3)
    dilation = (1, 1) if max(stride) > 1 or rng.random() < 0.6 else _pair(rng, 1, 3)
    return LayerSpec(
        kind,
        filters=int(rng.integers(1, 9)),
        kernel=_pair(rng, 1, 5),
        stride=None if kind == "pool" and rng.random() < 0.5 else stride,
        padding=str(rng.choice(["valid", "same"])),
        dilation=dilation,
        activation=str(rng.choice(["relu", "linear", "tanh"])),
        mode=str(rng.choice(["max", "average"])),
        size=_pair(rng, 1, 3),
        rate=float(rng.choice([0.0, 0.25, 0.5])),
        units=int(rng.integers(1, 17)),
    )


def random_list(rng):
    input_shape = (*_pair(rng, 3, 20), int(rng.choice([1, 3])))
    specs, flat = [], False
    for _ in range(int(rng.integers(1, 7))):
        spec = random_spec(rng, flat)
        specs.append(spec)
        flat = flat or spec.kind in ("flatten", "global_pool")
    return input_shape, specs


def test_every_rows_shape_and_count_equal_keras_on_random_lists():
    rng = np.random.default_rng(16)
    checked_rows = refused = 0
    for _ in range(RANDOM_LISTS):
        input_shape, specs = random_list(rng)
        worked = work_out(specs, input_shape)
        shape = input_shape
        for row, layer in zip(worked.rows, build_keras_layers(specs[: len(worked.rows)])):
            layer.build((None, *shape))  # Keras's own figures, layer by layer, without tracing a model
            assert tuple(layer.compute_output_shape((None, *shape))[1:]) == row.shape, (input_shape, specs, row)
            assert layer.count_params() == row.params, (input_shape, specs, row)
            shape = row.shape
            checked_rows += 1
        if worked.problem is not None:
            refused += 1
            bad = build_keras_layers([specs[worked.problem.index]])[0]
            try:  # Keras refuses it too, or makes a picture with no cells
                out = bad.compute_output_shape((None, *shape))
            except Exception:  # noqa: BLE001 - Keras's own refusal, whatever its type
                continue
            assert min(out[1:]) <= 0, (shape, specs[worked.problem.index], out)
    assert checked_rows > 1000 and 10 < refused < RANDOM_LISTS / 2  # both kinds of list were tried


def test_a_layer_that_makes_the_picture_vanish_is_explained_with_its_formula():
    specs = [LayerSpec("conv", kernel=(3, 3)), LayerSpec("pool", size=(2, 2), stride=None), LayerSpec("conv", kernel=(5, 5))]
    worked = work_out(specs, (8, 8, 1))
    assert [row.shape for row in worked.rows] == [(6, 6, 32), (3, 3, 32)]
    problem = worked.problem
    assert problem.index == 2 and "does not fit" in problem.message
    assert problem.formula == "rows: out = floor((3 + 0 + 0 - 5) / 1) + 1 = -1; columns: out = floor((3 + 0 + 0 - 5) / 1) + 1 = -1"
    assert problem.page == WHY_SIZES_PAGE


@pytest.mark.parametrize("kind", ["conv", "pool", "global_pool"])
def test_a_picture_layer_after_flatten_says_to_move_it(kind):
    worked = work_out([LayerSpec("flatten"), LayerSpec(kind)], (28, 28, 1))
    assert worked.problem.index == 1
    assert "a flat list of 784 numbers" in worked.problem.message and "above Flatten" in worked.problem.message
