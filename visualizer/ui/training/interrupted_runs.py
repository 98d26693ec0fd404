"""The training page's runs cut off by a crash or a kill: found in the autosave folder
(training/saved_runs.py) when the page opens, offered in the banner, then resumed or discarded. A
part that TrainingController owns: it finds and reads the run; the controller trains it on."""

from __future__ import annotations

import logging
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from visualizer.training import saved_runs
from visualizer.training.config import TrainConfig
from visualizer.training.recording import model_title

if TYPE_CHECKING:
    from visualizer.ui.training.view import TrainingView

log = logging.getLogger(__name__)


class RunResumer(Protocol):
    """What InterruptedRuns asks of the controller that owns it."""

    @property
    def training(self) -> bool: ...  # a run is under way: nothing is offered or resumed meanwhile
    def resume_run(self, config: TrainConfig, title: str, so_far: tuple[list, list]) -> None: ...
    def log(self, text: str) -> None: ...  # a line in the run's log


class InterruptedRuns:
    """Offers the run found cut off under ``autosave_root`` (None: autosave is off) in ``view``'s banner."""

    def __init__(self, view: TrainingView, resumer: RunResumer, autosave_root: Path | None) -> None:
        self._view = view
        self._resumer = resumer
        self._root = autosave_root
        self.offered: saved_runs.SavedRun | None = None  # offered for resuming in the banner

    def offer(self) -> None:
        """Look for a run that a crash or a kill cut off, and offer to resume or discard it."""
        if self._root is None or self._resumer.training:
            return
        self.offered = saved_runs.find_interrupted(self._root)
        if self.offered is None:
            return
        saved = self.offered
        self._resumer.log(f"Found an interrupted run in {saved.folder}")
        self._view.show_banner(
            "info",
            f"The last run ({saved.describe()}) was cut off after epoch {saved.epochs_done}. Resume it "
            f"for its remaining {saved.config.epochs - saved.epochs_done} epoch(s), or discard it?",
            action="Resume",
            second_action="Discard",
        )

    def resume(self) -> None:
        """Train the offered run on from its last saved epoch, with its settings and curves."""
        saved, self.offered = self.offered, None
        if saved is None or self._resumer.training:
            return
        self._view.hide_banner()
        try:
            batches, epochs = saved.history()
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.exception("could not read the autosaved run in %s", saved.folder)
            self._view.show_banner(
                "error", f"The interrupted run cannot be resumed: its files in {saved.folder} are "
                f"unreadable ({error}). Discard it and train again.", details=traceback.format_exc(),
            )
            return
        config = replace(saved.config, resume_from=str(saved.folder))
        title = f"{model_title(config)} (resumed)"
        self._resumer.log(f"Resuming the run in {saved.folder} after epoch {saved.epochs_done}")
        self._resumer.resume_run(config, title, (batches, epochs))

    def discard(self) -> None:
        saved, self.offered = self.offered, None
        self._view.hide_banner()
        if saved is not None:
            saved_runs.discard(saved)
            self._resumer.log(f"Discarded the interrupted run in {saved.folder}")
