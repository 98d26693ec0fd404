"""A network trained from its .keras file as it is: one the layer list cannot show as rows (it
branches, or holds layers the list does not know), chosen with "Open network…".

The window never imports Keras for it: the file's config.json names its layers (network_file.py)
and model_file.file_problem refuses, without Keras, a file that could not be trained at all (a
Lambda layer, custom classes, not a .keras archive). Whether the network fits the data (its input
size and its number of outputs) is checked by the run, which refuses a misfit in words that the
page shows.
"""

from __future__ import annotations

import html
from pathlib import Path

from PyQt6.QtWidgets import QMessageBox, QWidget

from visualizer.training.model_file import file_problem
from visualizer.training.network_file import layer_count

FILE = "file"  # the network's kind, as TrainConfig.model names it


def entry_title(path: str) -> str:
    """The Network menu's entry for the file."""
    return f"From file: {Path(path).name}"


def note_html(path: str) -> str:
    """What the form shows instead of the rows: the file, its layer count and what happens at Train."""
    file = Path(path)
    name = html.escape(file.name)
    if not file.is_file():
        return (f"<b>{name}</b> is not on this computer ({html.escape(str(file))}). Open the network again with "
                "Open network…, or choose another network above.")
    count = layer_count(file)
    layers = f"{count} layer{'' if count == 1 else 's'}" if count is not None else "its layers"
    return (f"<b>The network in {name}</b>: {layers}, trained as it is, from the weights saved in the file "
            f"({html.escape(str(file.parent))}).<br>When Train starts, the app checks that it takes the data's "
            "pictures and gives one output per class, and says what to change if not. Choose another network "
            "above to go back to a list of layers.")


def ask_to_train_file(parent: QWidget, path: str, why_not_rows: str) -> tuple[bool, str]:
    """Offer to train the network in ``path`` as it is, since it cannot be shown as rows
    (``why_not_rows``). (accepted, what to say under the list)."""
    name = Path(path).name
    cannot = file_problem(path)
    if cannot is not None:
        return False, f"{why_not_rows} Nor can it be trained as it is: {cannot}"
    answer = QMessageBox.question(
        parent, "Train the network as it is?",
        f"{why_not_rows}\n\nTrain the network in {name} as it is instead? The Network menu then shows it "
        "as its file, and the app checks that it fits the data when Train starts.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False, why_not_rows
    return True, f"The network in {name} is trained as it is, from its file."
