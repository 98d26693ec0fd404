"""The one module that knows where the bundled resources live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_SOURCE_RESOURCES = Path(__file__).resolve().parent.parent / "resources"  # a checkout, or `pip install -e`
_INSTALLED_RESOURCES = Path(sys.prefix) / "share" / "cnn-visualizer" / "resources"  # `pip install .`

RESOURCES_DIR = _SOURCE_RESOURCES if _SOURCE_RESOURCES.is_dir() else _INSTALLED_RESOURCES


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/, e.g. resource_path("images", "camera.png")."""
    return RESOURCES_DIR.joinpath(*parts)


RECORDED_RUN_ENV = "CNN_VISUALIZER_RECORDED_RUN"
RECORDED_RUN = ("recorded", "seed-cnn.keras")  # the seed's CNN, 5 epochs on the full Fashion-MNIST


def recorded_run_path() -> Path | None:
    """The recorded run the training page shows before the first run: the bundled one, or the
    .keras file that CNN_VISUALIZER_RECORDED_RUN names; None when that variable is set but empty
    (tests that want a blank page) or the file is missing."""
    chosen = os.environ.get(RECORDED_RUN_ENV)
    path = resource_path(*RECORDED_RUN) if chosen is None else Path(chosen) if chosen else None
    return path if path is not None and path.is_file() else None


# The app's icon, laid out under resources/icons/ as the freedesktop icon theme lays it out, so that
# the same tree is copied to share/icons/ by the install and by `cnn-visualizer install-launcher`.
APP_ID = "cnn-visualizer"  # the icon's, the desktop entry's and the Wayland app id's name
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def icon_svg_path() -> Path:
    return resource_path("icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg")


def icon_png_path(size: int) -> Path:
    return resource_path("icons", "hicolor", f"{size}x{size}", "apps", f"{APP_ID}.png")


def desktop_entry_path() -> Path:
    """The desktop entry (the application menu's launcher) as shipped: Exec names the command."""
    return resource_path(f"{APP_ID}.desktop")
