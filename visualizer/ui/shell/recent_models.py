"""File > Open recent: the model files opened last, newest first.

The list lives in the window's QSettings, so it survives a restart; without settings (tests,
screenshots) it lasts as long as the window. A file that is no longer there (deleted, or on a
USB stick that is not plugged in) stays in the list but cannot be chosen until it is back.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QSettings, pyqtSignal
from PyQt6.QtWidgets import QMenu, QWidget

from visualizer.ui.kit.stored_settings import read_text_list

MAX_RECENT = 8
RECENT_KEY = "recent_models"


class RecentModels:
    """The paths of the last MAX_RECENT model files opened, newest first, each once."""

    def __init__(self, settings: QSettings | None) -> None:
        self._settings = settings
        self._paths: list[str] = []  # used when there are no settings

    def paths(self) -> list[str]:
        if self._settings is None:
            return list(self._paths)
        return read_text_list(self._settings, RECENT_KEY)[:MAX_RECENT]

    def add(self, path: str) -> None:
        absolute = str(Path(path).expanduser().absolute())
        self._store([absolute, *(known for known in self.paths() if known != absolute)][:MAX_RECENT])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[str]) -> None:
        if self._settings is None:
            self._paths = paths
        else:
            self._settings.setValue(RECENT_KEY, paths)


class RecentModelsMenu(QMenu):
    """Refills itself each time it opens, so a file that came back or went away shows as it is."""

    modelChosen = pyqtSignal(str)

    def __init__(self, recent: RecentModels, parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.recent = recent
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.refill)
        self.refill()

    def refill(self) -> None:
        self.clear()
        paths = self.recent.paths()
        if not paths:
            self.addAction("No models opened yet").setEnabled(False)
        for number, path in enumerate(paths, start=1):
            self._add_path(number, path)
        self.addSeparator()
        clear = self.addAction("Clear recent")
        clear.setToolTip("Forget the models opened so far (the files stay where they are)")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self._on_clear)

    def _add_path(self, number: int, path: str) -> None:
        place = Path(path)
        present = place.is_file()
        shown = f"{place.name}  ({place.parent})" + ("" if present else " — not found")
        # "&1" .. "&8" make the number the menu key; a "&" in the path itself must stay text.
        action = self.addAction(f"&{number} " + shown.replace("&", "&&"))
        action.setToolTip(path if present else f"{path} is not there any more (moved, deleted or on a drive not connected)")
        action.setEnabled(present)
        action.triggered.connect(lambda _checked=False, chosen=path: self.modelChosen.emit(chosen))

    def add(self, path: str) -> None:
        self.recent.add(path)
        self.refill()

    def _on_clear(self) -> None:
        self.recent.clear()
        self.refill()
