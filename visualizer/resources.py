"""The one module that knows where the bundled resources live."""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_RESOURCES = Path(__file__).resolve().parent.parent / "resources"  # a checkout, or `pip install -e`
_INSTALLED_RESOURCES = Path(sys.prefix) / "share" / "cnn-visualizer" / "resources"  # `pip install .`

RESOURCES_DIR = _SOURCE_RESOURCES if _SOURCE_RESOURCES.is_dir() else _INSTALLED_RESOURCES


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/, e.g. resource_path("images", "camera.png")."""
    return RESOURCES_DIR.joinpath(*parts)
