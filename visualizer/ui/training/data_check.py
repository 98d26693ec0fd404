"""The data folder the form offers, checked as it is chosen and again at Train.

A folder without Fashion-MNIST is named in the red banner at once, rather than by a run that fails
after Train has already put the previous run away; Train is refused while it is chosen, so the
previous run, and its model not saved yet, stays on the page with Save model and Inspect. The banner
goes once the form's data is usable again.
"""

from __future__ import annotations

from visualizer.training.data import folder_problem
from visualizer.ui.training.view import TrainingView


class DataFolderCheck:
    """Says what is wrong with the chosen folder in ``view``'s banner, and takes its word back."""

    def __init__(self, view: TrainingView) -> None:
        self._view = view
        self._checked: str | None = None  # the folder checked last, so that other settings do not re-check it
        self.problem: str | None = None  # what the banner says is wrong with it; None: nothing

    def follow(self, data_dir: str | None) -> None:
        """The form's data is now ``data_dir`` (None: searched for, or downloaded)."""
        if data_dir != self._checked:
            self.check(data_dir)

    def check(self, data_dir: str | None) -> str | None:
        """Look at the folder now (it may have changed since it was chosen); what is wrong, or None."""
        self._checked = data_dir
        problem = folder_problem(data_dir) if data_dir is not None else None
        if problem is not None:
            self._view.show_banner("error", problem)
        elif self.problem is not None:
            self._view.hide_banner()
        self.problem = problem
        return problem
