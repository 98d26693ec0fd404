"""The Help menu's two boxes: every keyboard shortcut that works now, and About.

About names the versions of everything the app runs on and the folders it uses. It reads them
without importing Keras or TensorFlow (the window opens without them, and a box must not take
seconds): versions come from the installed packages' metadata, the Keras backend from
KERAS_BACKEND or Keras's own keras.json.
"""

from __future__ import annotations

import html
import json
import os
import platform
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from PyQt6.QtCore import PYQT_VERSION_STR, Qt, qVersion
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from visualizer import __version__


def shortcut_rows(actions: Iterable[QAction], page: QWidget | None, page_title: str) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut, in the order given, then the page's
    buttons that have one (the training page's Train, Pause and Stop), named with `page_title`."""
    rows = []
    for action in actions:
        keys = ", ".join(sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in action.shortcuts())
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    for button in page.findChildren(QAbstractButton) if page is not None else []:
        if not button.shortcut().isEmpty():
            keys = button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            name = button.text().strip("▶❚■ ").replace("&", "")
            rows.append((keys, f"{name} ({page_title})"))
    return rows


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> None:
    table = "".join(
        f"<tr><td style='padding-right:16px'><b>{keys}</b></td><td>{text}</td></tr>" for keys, text in rows
    )
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table>{table}</table>")
    box.exec()


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def keras_backend() -> str:
    """The backend Keras will use, found as Keras finds it: KERAS_BACKEND, else the "backend" of
    keras.json in $KERAS_HOME or ~/.keras, else TensorFlow."""
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    folder = Path(os.environ["KERAS_HOME"]) if os.environ.get("KERAS_HOME") else Path.home() / ".keras"
    try:
        configured = json.loads((folder / "keras.json").read_text(encoding="utf-8")).get("backend")
    except (OSError, ValueError, AttributeError):
        configured = None
    return configured if isinstance(configured, str) and configured else "tensorflow"


# The package that provides each Keras backend, for its version.
_BACKEND_PACKAGES = {"jax": "jax", "torch": "torch", "numpy": "numpy", "openvino": "openvino"}


def version_rows() -> list[tuple[str, str]]:
    backend = keras_backend()
    rows = [
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PyQt6", PYQT_VERSION_STR),
        ("pyqtgraph", package_version("pyqtgraph")),
        ("NumPy", package_version("numpy")),
        ("Keras", package_version("keras")),
        ("Keras backend", backend),
        ("TensorFlow", package_version("tensorflow")),
    ]
    if backend in _BACKEND_PACKAGES and backend != "numpy":
        rows.append((_BACKEND_PACKAGES[backend], package_version(_BACKEND_PACKAGES[backend])))
    return rows


def autosave_folder() -> Path:
    """Where finished epochs of training runs are kept (the autosave's own answer)."""
    from visualizer.training.saved_runs import autosave_root

    return autosave_root()


def folder_rows() -> list[tuple[str, str]]:
    from visualizer.training.data import KERAS_CACHE_DIR, data_choices

    found = "<br>".join(html.escape(choice.title) for choice in data_choices())
    return [
        ("Training images", f"{found}<br>(a download is kept in {html.escape(str(KERAS_CACHE_DIR))})"),
        ("Autosaves", html.escape(str(autosave_folder()))),
        (
            "Trained models",
            "in a new folder cnn-visualizer-… under "
            f"{html.escape(tempfile.gettempdir())} until you save one with Save model… on the "
            "training page's Results tab",
        ),
    ]


def about_html(app_name: str) -> str:
    def table(rows: list[tuple[str, str]]) -> str:
        cells = "".join(
            f"<tr><td style='padding-right:12px; vertical-align:top'>{name}</td><td>{value}</td></tr>"
            for name, value in rows
        )
        return f"<table>{cells}</table>"

    return (
        f"<h3>{app_name} {__version__}</h3>"
        "<p>See convolutional neural networks work: concept demos, live training and a model inspector.</p>"
        f"<p><b>Versions</b></p>{table([(html.escape(name), html.escape(value)) for name, value in version_rows()])}"
        "<p><b>Device</b>: the Keras backend chooses it when a training run starts; the training "
        "page shows it in its Run box.</p>"
        f"<p><b>Folders</b></p>{table(folder_rows())}"
        "<p>Sample photographs: scikit-image's sample data (CC0 / public domain); "
        "Fashion-MNIST: Zalando Research (MIT licence).</p>"
    )


def show_about(parent: QWidget, app_name: str) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {app_name}")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html(app_name))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paths can be copied
    box.exec()
