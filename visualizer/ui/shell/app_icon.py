"""The app's icon for its windows, from the PNGs rendered from resources/icons' SVG.

The PNGs rather than the SVG: they need no SVG plugin, and the 16 and 32 px ones are the sizes
title bars and task bars ask for.
"""

from __future__ import annotations

from PyQt6.QtCore import QSize
from PyQt6.QtGui import QIcon

from visualizer.resources import ICON_SIZES, icon_png_path


def app_icon() -> QIcon:
    """Every size of the icon that is present; a null icon when none is (a broken install), which
    Qt shows as its own default."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_png_path(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
