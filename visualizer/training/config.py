"""What a training run is asked to do: plain, immutable, picklable settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from visualizer.training.layer_list import LayerSpec, work_out_network

# Each optimizer's name in the settings, with its title, which is also its Keras class name.
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW"}
OPTIMIZERS = tuple(OPTIMIZER_TITLES)
# Each network's name in the settings, with its title in the menu and its short title in results.
MODEL_TITLES = {
    "cnn": ("CNN (the seed's)", "CNN"),
    "fc": ("Fully connected (seed's baseline)", "Fully connected"),
    "layers": ("Your own layers", "Own layers"),
}
# "file": a network saved from Keras (model_file.py), named after its file (recording.model_title).
# It has no title here because the form lists these titles as its menu of networks, and picking
# "file" there would leave the run without its file.
MODEL_KINDS = (*MODEL_TITLES, "file")
# The data sets a run can train on (datasets.py), and "folder": the class sub-folders in data_dir.
# Feature-map pictures a run takes a second (live_callback.ProbeSchedule): at least 20 are drawn a
# second, and the training page draws nearly every one it is sent (it reads and may draw one every
# 30 ms), so none is taken in vain.
PICTURES_PER_SECOND = 24.0
DATASET_KEYS = ("fashion-mnist", "mnist", "cifar10", "folder")
# The picture (height, width, channels) each named data set gives the network; a folder's is
# known only once its pictures are read.
DATASET_INPUT_SHAPES = {"fashion-mnist": (28, 28, 1), "mnist": (28, 28, 1), "cifar10": (32, 32, 3)}


@dataclass(frozen=True)
class ConvBlock:
    """One Conv2D(filters, kernel_size, padding="same", relu) followed by MaxPooling2D(2)."""

    filters: int = 64
    kernel_size: int = 2


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one run. The defaults are exactly the seed notebook's CNN and training."""

    model: str = "cnn"  # "cnn" (the seed's CNN), "fc" (its fully connected baseline), "layers" (``layers``)
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 0.001
    optimizer: str = "adam"
    conv_blocks: tuple[ConvBlock, ...] = field(
        default_factory=lambda: (ConvBlock(64, 2), ConvBlock(32, 2))
    )
    conv_dropout: float = 0.3  # after the last pooling layer
    dense_units: int = 256
    dense_dropout: float = 0.5
    fc_units: int = 128  # hidden layer of the fully connected baseline
    # model "layers": the user's own list; the app appends the output layer, Dense(classes, softmax)
    layers: tuple[LayerSpec, ...] = ()
    dataset: str = "fashion-mnist"  # one of DATASET_KEYS
    data_dir: str | None = None  # a folder holding the data set (for "folder": the class sub-folders)
    image_size: tuple[int, int] | None = None  # (height, width) for a folder's pictures; None: chosen from them
    allow_download: bool = True
    train_limit: int | None = None  # use only the first N training images (stratified)
    test_limit: int | None = None
    probe_index: int = 0  # test image whose feature maps are shown
    # Feature-map snapshots per second, on average (between batches: see live_callback.ProbeSchedule).
    probe_rate_hz: float = PICTURES_PER_SECOND
    seed: int | None = None
    resume_from: str | None = None  # an autosaved run's folder: train on from its last epoch
    model_file: str | None = None  # for model="file": the .keras file holding the network (model_file.py)

    def __post_init__(self) -> None:
        problems = []
        if self.model not in MODEL_KINDS:
            problems.append(f"model must be one of {MODEL_KINDS}, not {self.model!r}")
        if self.model == "file" and not self.model_file:
            problems.append("a network from a file needs its .keras file (model_file)")
        if self.dataset not in DATASET_KEYS:
            problems.append(f"dataset must be one of {DATASET_KEYS}, not {self.dataset!r}")
        if self.dataset == "folder" and not self.data_dir:
            problems.append("a folder of class sub-folders needs its folder (data_dir)")
        if self.image_size is not None and (len(self.image_size) != 2 or min(self.image_size) < 1):
            problems.append(f"the image size must be a height and a width of at least 1, not {self.image_size}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if self.epochs < 1:
            problems.append("epochs must be at least 1")
        if self.batch_size < 1:
            problems.append("batch size must be at least 1")
        if not self.learning_rate > 0:
            problems.append("learning rate must be positive")
        if self.model == "cnn" and not 1 <= len(self.conv_blocks) <= 4:
            problems.append("a CNN needs between 1 and 4 conv blocks (28x28 halves at each block)")
        for block in self.conv_blocks:
            if block.filters < 1 or block.kernel_size < 1:
                problems.append("each conv block needs at least 1 filter and a kernel of at least 1")
        for name in ("conv_dropout", "dense_dropout"):
            rate = getattr(self, name)
            if not 0.0 <= rate < 1.0:
                problems.append(f"{name.replace('_', ' ')} must be in [0, 1), not {rate}")
        if self.train_limit is not None and self.train_limit < 1:
            problems.append("the training-image limit must be at least 1")
        if self.test_limit is not None and self.test_limit < 1:
            problems.append("the test-image limit must be at least 1")
        # Keras seeds NumPy's legacy generator, which takes only 32-bit unsigned seeds.
        if self.seed is not None and not 0 <= self.seed < 2**32:
            problems.append("the seed must be between 0 and 4294967295")
        if self.probe_index < 0:
            problems.append("the probe image index must be 0 or more")
        if self.probe_rate_hz <= 0:
            problems.append("the probe rate must be positive")
        if self.model == "layers":
            problems += self._layer_list_problems()
        if problems:
            raise ValueError("; ".join(problems))

    def _layer_list_problems(self) -> list[str]:
        """Why the own layer list cannot make a network for this data, where its picture is known."""
        if not self.layers:
            return ["your own network needs at least one layer"]
        input_shape = DATASET_INPUT_SHAPES.get(self.dataset)
        if input_shape is None:  # a folder: checked when its pictures are read (models.build_model)
            return []
        problem = work_out_network(self.layers, input_shape).problem
        return [] if problem is None else [f"layer {problem.index + 1}: {problem.message}"]
