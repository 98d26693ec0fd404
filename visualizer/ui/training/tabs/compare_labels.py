"""Names for runs shown side by side: each run's title plus the settings in which it differs from
the others ("CNN — 5 epochs, kernel 3" beside "CNN — 5 epochs, kernel 2").

No Qt here: the rule is plain text from plain settings, tested on its own.
"""

from __future__ import annotations

import html
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence

from visualizer.training.config import OPTIMIZER_TITLES, TrainConfig
from visualizer.training.layer_list import row_title
from visualizer.training.recording import RunRecording


def _numbers(values) -> str:
    return ", ".join(str(value) for value in values)


def _kernels(config: TrainConfig) -> str:
    sizes = [block.kernel_size for block in config.conv_blocks]
    return f"kernel {sizes[0]}" if len(set(sizes)) == 1 else f"kernels {_numbers(sizes)}"


def _limit(count: int | None, what: str) -> str:
    return f"all {what}" if count is None else f"{count:,} {what}"


def _is_cnn(config: TrainConfig) -> bool:
    return config.model == "cnn"


def _is_fc(config: TrainConfig) -> bool:
    return config.model == "fc"


def _is_own(config: TrainConfig) -> bool:
    return config.model == "layers"


def _own_layers(config: TrainConfig) -> str:
    return "layers " + " | ".join(row_title(spec) for spec in config.layers)


def _always(_config: TrainConfig) -> bool:
    return True


# Each setting a run's name may mention: when it applies to a run, and how it reads. A setting is
# named when the runs it applies to do not all read the same (an FC run has no kernels, so
# "kernel 3" beside an FC run alone says nothing). The network and the epochs are in the title.
SETTINGS: tuple[tuple[Callable[[TrainConfig], bool], Callable[[TrainConfig], str]], ...] = (
    (_is_cnn, lambda c: f"{len(c.conv_blocks)} conv block{'s' if len(c.conv_blocks) != 1 else ''}"),
    (_is_cnn, lambda c: f"filters {_numbers(block.filters for block in c.conv_blocks)}"),
    (_is_cnn, _kernels),
    (_is_cnn, lambda c: f"conv dropout {c.conv_dropout:g}"),
    (_is_cnn, lambda c: f"dense {c.dense_units}"),
    (_is_cnn, lambda c: f"dense dropout {c.dense_dropout:g}"),
    (_is_fc, lambda c: f"hidden {c.fc_units}"),
    (_is_own, _own_layers),
    (_always, lambda c: OPTIMIZER_TITLES[c.optimizer]),
    (_always, lambda c: f"learning rate {c.learning_rate:g}"),
    (_always, lambda c: f"batch {c.batch_size}"),
    (_always, lambda c: _limit(c.train_limit, "training images")),
    (_always, lambda c: _limit(c.test_limit, "test images")),
    (_always, lambda c: "no seed" if c.seed is None else f"seed {c.seed}"),
)


def differing_settings(configs: Sequence[TrainConfig | None]) -> list[list[str]]:
    """For each config, the settings (as they read) that do not read the same in every config
    they apply to; in the order of SETTINGS. None (a script's run) has no settings to compare."""
    parts: list[list[str]] = [[] for _ in configs]
    for applies, describe in SETTINGS:
        readings = [describe(config) if config is not None and applies(config) else None for config in configs]
        if len({reading for reading in readings if reading is not None}) > 1:
            for index, reading in enumerate(readings):
                if reading is not None:
                    parts[index].append(reading)
    return parts


def run_labels(recordings: Sequence[RunRecording]) -> list[str]:
    """Each run's title, then what differs from the other runs (a part the title already says is
    left out); runs that still read the same are numbered: "CNN — 5 epochs (2)"."""
    labels = []
    for recording, parts in zip(recordings, differing_settings([r.config for r in recordings])):
        extra = [part for part in parts if part not in recording.title]
        labels.append(", ".join([recording.title, *extra]))
    counts = Counter(labels)
    seen: Counter[str] = Counter()
    numbered = []
    for label in labels:
        seen[label] += 1
        numbered.append(f"{label} ({seen[label]})" if counts[label] > 1 else label)
    return numbered


LEGEND_LINE_CHARS = 36  # a longer line would push a plot's legend out of it at 1280x720


def legend_text(label: str) -> str:
    """``label`` for a plot's legend (rich text): broken into lines of at most LEGEND_LINE_CHARS,
    nothing left out, so that the settings that tell runs apart stay in sight."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(label, LEGEND_LINE_CHARS)) or html.escape(label)
