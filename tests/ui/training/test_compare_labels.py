"""Names of compared runs: the title, then only the settings that set a run apart."""

from __future__ import annotations

from visualizer.training.config import ConvBlock, TrainConfig
from visualizer.ui.training.tabs.compare_labels import differing_settings, run_labels


class Titled:
    """What run_labels reads of a recording: its settings and its title."""

    def __init__(self, title: str, **settings) -> None:
        self.title = title
        self.config = TrainConfig(**settings)


def labels(*runs: Titled) -> list[str]:
    return run_labels(runs)


KERNEL_3 = (ConvBlock(64, 3), ConvBlock(32, 3))


def test_one_run_is_named_by_its_title_alone():
    assert labels(Titled("CNN — 5 epochs", learning_rate=0.01)) == ["CNN — 5 epochs"]
    assert labels() == []


def test_the_fully_connected_network_against_the_cnn_needs_only_the_titles():
    assert labels(Titled("Fully connected — 5 epochs", model="fc"), Titled("CNN — 5 epochs")) == [
        "Fully connected — 5 epochs",
        "CNN — 5 epochs",
    ]


def test_kernel_sizes_that_differ_are_named():
    assert labels(Titled("CNN — 5 epochs", conv_blocks=KERNEL_3), Titled("CNN — 5 epochs")) == [
        "CNN — 5 epochs, kernel 3",
        "CNN — 5 epochs, kernel 2",
    ]


def test_a_kernel_size_per_block_is_listed_when_the_blocks_differ():
    mixed = (ConvBlock(64, 3), ConvBlock(32, 2))
    assert labels(Titled("CNN", conv_blocks=mixed), Titled("CNN")) == ["CNN, kernels 3, 2", "CNN, kernel 2"]


def test_learning_rates_that_differ_are_named_as_people_write_them():
    assert labels(Titled("CNN — 5 epochs"), Titled("CNN — 5 epochs", learning_rate=1e-2)) == [
        "CNN — 5 epochs, learning rate 0.001",
        "CNN — 5 epochs, learning rate 0.01",
    ]


def test_a_setting_only_one_kind_of_network_has_is_named_only_where_it_differs_among_those():
    # The FC run has no kernels, so it is not called "kernel 2"; the two CNNs are told apart.
    named = labels(Titled("Fully connected", model="fc"), Titled("CNN", conv_blocks=KERNEL_3), Titled("CNN"))
    assert named == ["Fully connected", "CNN, kernel 3", "CNN, kernel 2"]
    # A single CNN beside an FC run: its kernel size tells nothing, so it is not mentioned.
    assert labels(Titled("Fully connected", model="fc"), Titled("CNN", conv_blocks=KERNEL_3)) == [
        "Fully connected",
        "CNN",
    ]


def test_several_differences_are_all_named_in_a_fixed_order():
    named = labels(
        Titled("CNN", optimizer="sgd", learning_rate=0.01, batch_size=64),
        Titled("CNN"),
    )
    assert named == ["CNN, SGD, learning rate 0.01, batch 64", "CNN, Adam, learning rate 0.001, batch 32"]


def test_a_difference_the_title_already_says_is_not_repeated():
    named = labels(Titled("CNN — 1 epoch, 2,000 training images", train_limit=2000), Titled("CNN — 1 epoch"))
    assert named == ["CNN — 1 epoch, 2,000 training images", "CNN — 1 epoch, all training images"]


def test_runs_that_read_the_same_are_numbered():
    assert labels(Titled("CNN"), Titled("CNN"), Titled("CNN", learning_rate=0.01)) == [
        "CNN, learning rate 0.001 (1)",
        "CNN, learning rate 0.001 (2)",
        "CNN, learning rate 0.01",
    ]


def test_seeds_tell_otherwise_equal_runs_apart():
    assert labels(Titled("CNN", seed=1), Titled("CNN", seed=2), Titled("CNN")) == [
        "CNN, seed 1",
        "CNN, seed 2",
        "CNN, no seed",
    ]


def test_differing_settings_lists_each_runs_readings():
    configs = [TrainConfig(conv_blocks=(ConvBlock(64, 2),)), TrainConfig(), TrainConfig(model="fc", fc_units=64)]
    assert differing_settings(configs) == [
        ["1 conv block", "filters 64"],
        ["2 conv blocks", "filters 64, 32"],
        [],
    ]


def test_own_layer_lists_that_differ_are_named_by_their_rows():
    from visualizer.training.layer_list import LayerSpec

    small = (LayerSpec("conv", filters=8, kernel=(3, 3)), LayerSpec("flatten"))
    wide = (LayerSpec("conv", filters=16, kernel=(3, 3)), LayerSpec("flatten"))
    assert labels(Titled("Own layers — 1 epoch", model="layers", layers=small),
                  Titled("Own layers — 1 epoch", model="layers", layers=wide),
                  Titled("CNN — 1 epoch")) == [
        "Own layers — 1 epoch, layers Conv2D 8, 3×3, valid, relu | Flatten",
        "Own layers — 1 epoch, layers Conv2D 16, 3×3, valid, relu | Flatten",
        "CNN — 1 epoch",
    ]
