"""The one module that knows where the bundled resources live."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/, e.g. resource_path("images", "camera.png")."""
    return RESOURCES_DIR.joinpath(*parts)
