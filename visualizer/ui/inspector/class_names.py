"""Which names the inspector gives a model's classes, with no widget.

In order: the names the user typed for this model (kept per model file in the app's settings, as
the model's folder may be read-only), the names stored with the model (a labels.txt beside it, or
the run this app recorded in it), the test data's own names (a test folder's sorted sub-folder
names, as keras.utils.image_dataset_from_directory numbers them), a guess from the model's shape
(Fashion-MNIST's), else "class 0", "class 1", ...
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from visualizer.inspection.report import LoaderReport

TYPED_NAMES_KEY = "typed_class_names"  # in the inspector page's settings group: JSON {model path: [names]}
MAX_MODELS_REMEMBERED = 100


@dataclass(frozen=True)
class ClassNames:
    names: tuple[str, ...]
    source: str  # where they came from, in words
    from_test_folder: bool = False  # the sorted sub-folder names of a test folder: their order is a guess


def parse_typed_names(text: str, count: int) -> tuple[str, ...]:
    """The names in ``text``, one a line or separated by commas, or ValueError saying in words
    why they cannot be this model's ``count`` class names."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    parts = lines if len(lines) > 1 else [part.strip() for part in re.split(r"[,;\t]", text.strip())]
    names = tuple(part for part in parts if part)
    if len(names) != count:
        given = "no names" if not names else f"{len(names)} name{'s' if len(names) != 1 else ''}"
        raise ValueError(
            f"This model has {count} outputs, so it needs exactly {count} names, in the order of its outputs; "
            f"you gave {given}. Put one name a line, or separate them with commas."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"Each class needs its own name; given more than once: {', '.join(repeated)}.")
    return names


def remember_typed_names(typed: dict[str, tuple[str, ...]], path: str, text: str, count: int) -> None:
    """Keep in ``typed`` the names in ``text`` for the model at ``path`` (no text: forget its names),
    the newest last so that the oldest are the first forgotten; ValueError, in words, when they
    cannot be the model's ``count`` class names (``typed`` is then left as it was)."""
    names = parse_typed_names(text, count) if text.strip() else None
    typed.pop(path, None)
    if names is not None:
        typed[path] = names


def choose_class_names(
    report: LoaderReport, typed: tuple[str, ...] | None, data_names: tuple[str, ...] | None, from_folder: bool
) -> ClassNames:
    """The names to show for the model's classes (see the module's docstring for the order);
    ``data_names`` are the test set's own names (None: no test set yet)."""
    count = report.class_count
    if typed is not None and len(typed) == count:
        return ClassNames(typed, "the names you gave")
    if report.class_names_stored:
        return ClassNames(report.class_names, report.class_names_source)
    if data_names is not None and len(data_names) == count:
        if from_folder:
            return ClassNames(tuple(data_names), "the test folder's sub-folders, in sorted order", from_test_folder=True)
        return ClassNames(tuple(data_names), "the test set")
    return ClassNames(report.class_names, report.class_names_source)


def labels_by_name(labels: np.ndarray, data_names: tuple[str, ...], model_names: tuple[str, ...]) -> np.ndarray:
    """The labels as the model's class numbers: matched by name when every class of the data is
    one of the model's (a folder per class named like the model's labels), else kept as they are
    (the classes in sorted folder order, as Keras's image_dataset_from_directory numbers them)."""
    labels = np.asarray(labels, dtype=np.int64)
    if tuple(data_names) == tuple(model_names) or not set(data_names) <= set(model_names):
        return labels
    index = np.array([model_names.index(name) for name in data_names])
    return np.where(labels >= 0, index[np.clip(labels, 0, None)], -1)


def read_typed_names(stored: object) -> dict[str, tuple[str, ...]]:
    """The typed names kept in the settings (a JSON text), or none when it is missing or damaged."""
    if not isinstance(stored, str):
        return {}
    try:
        values = json.loads(stored)
    except ValueError:
        return {}
    if not isinstance(values, dict):
        return {}
    return {
        path: tuple(names)
        for path, names in values.items()
        if isinstance(path, str) and isinstance(names, list) and names and all(isinstance(name, str) for name in names)
    }


def write_typed_names(typed: dict[str, tuple[str, ...]]) -> str:
    """The typed names as a JSON text for the settings, the newest MAX_MODELS_REMEMBERED models."""
    kept = list(typed.items())[-MAX_MODELS_REMEMBERED:]
    return json.dumps({path: list(names) for path, names in kept}, ensure_ascii=False)
