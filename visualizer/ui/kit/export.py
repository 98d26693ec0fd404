"""Saving what is on screen: one view as a PNG, or a whole step-through as an animated GIF.

Files are written with `visualizer.fileio.replace_atomically`, so a failed or cancelled export
never leaves a half-written file under the name the user chose.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget
from pyqtgraph.functions import ndarray_from_qimage

from visualizer.fileio import WriteError, replace_atomically
from visualizer.ui.page_contract import Animatable

DEFAULT_FPS = 4.0
DEFAULT_MAX_FRAMES = 400
# Frames wider than this are scaled down. A page of a 1280-wide window fits, so text stays crisp;
# every frame is held in memory until the file is written (about 0.7 MB per 1040x680 frame).
DEFAULT_MAX_WIDTH = 1280

# Called with (frames done, frames in all); returning False cancels the export.
ProgressCallback = Callable[[int, int], bool]


# The file could not be written; the message names it and says why.
ExportError = WriteError


class ExportCancelled(Exception):
    """The user cancelled an animation export; nothing was written."""


def write_png(widget: QWidget, path: str | os.PathLike[str]) -> None:
    """Write how ``widget`` looks now as a PNG file straight to ``path`` (a temporary file of an
    atomic write: `save_png`, or the kit's save_file helper)."""
    if not widget.grab().save(str(path), "PNG"):
        raise ExportError("Qt could not write the PNG image.")


def save_png(widget: QWidget, path: str | os.PathLike[str]) -> Path:
    """Save how ``widget`` looks now as a PNG file."""
    pixmap = widget.grab()

    def write(temporary: Path) -> None:
        if not pixmap.save(str(temporary), "PNG"):
            raise ExportError(f"Could not write the PNG image {path}.")

    return replace_atomically(path, write)


def frame_indices(step_count: int, max_frames: int) -> list[int]:
    """The steps to show: all of them, or ``max_frames`` spread evenly from first to last."""
    if step_count <= 0:
        return []
    if max_frames < 2:
        raise ValueError("an animation needs at least 2 frames")
    if step_count <= max_frames:
        return list(range(step_count))
    return sorted({int(i) for i in np.round(np.linspace(0, step_count - 1, max_frames))})


def _qimage_to_pil(image: QImage) -> Image.Image:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    # The array views the image's memory (without the padding at the end of each line): copy it
    # before the image goes.
    return Image.fromarray(ndarray_from_qimage(image).copy())


def grab_frame(widget: QWidget, max_width: int | None = DEFAULT_MAX_WIDTH) -> Image.Image:
    """The widget as it looks now, as a palette image ready for a GIF."""
    frame = _qimage_to_pil(widget.grab().toImage())
    if max_width is not None and frame.width > max_width:
        height = max(1, round(frame.height * max_width / frame.width))
        frame = frame.resize((max_width, height), Image.Resampling.LANCZOS)
    # No dithering: interface colours are flat and dither noise would make the GIF larger.
    # Fast octree is about five times quicker than median cut and looks the same on flat colours.
    return frame.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def save_step_animation(
    page: Animatable,
    path: str | os.PathLike[str],
    fps: float = DEFAULT_FPS,
    max_frames: int = DEFAULT_MAX_FRAMES,
    progress: ProgressCallback | None = None,
    max_width: int | None = DEFAULT_MAX_WIDTH,
) -> int:
    """Step ``page`` through its steps and save the views as a looping animated GIF.

    The page is a QWidget that is `Animatable`; it is put back on the step it showed before.
    Returns the number of frames written. Raises ExportCancelled when ``progress`` returns False,
    ExportError when the file cannot be written.
    """
    if not isinstance(page, Animatable):
        raise ValueError("this page has no steps to animate")  # noqa: TRY004 - callers catch ValueError
    if fps <= 0:
        raise ValueError("fps must be positive")
    indices = frame_indices(int(page.step_count()), max_frames)
    if not indices:
        raise ValueError("this page has no steps to animate")
    original_step = page.current_step()
    frames: list[Image.Image] = []
    try:
        for done, index in enumerate(indices):
            if progress is not None and not progress(done, len(indices)):
                raise ExportCancelled()
            page.set_step(index)
            QApplication.processEvents()  # let the page finish any deferred layout or repaint
            frames.append(grab_frame(page, max_width))
    finally:
        page.set_step(original_step)
    if progress is not None and not progress(len(indices), len(indices)):
        raise ExportCancelled()

    def write(temporary: Path) -> None:
        try:
            frames[0].save(
                temporary,
                format="GIF",
                save_all=True,
                append_images=frames[1:],
                duration=round(1000 / fps),
                loop=0,
            )
        except OSError as error:
            raise ExportError(f"Could not write the animation {path}: {error}.") from None

    replace_atomically(path, write)
    return len(frames)


def save_step_animation_with_progress(parent: QWidget, page: Animatable, path: str, **options) -> int | None:
    """save_step_animation with a progress dialog that can cancel it; None when cancelled."""
    dialog = QProgressDialog("Recording the steps…", "Cancel", 0, 1, parent)
    dialog.setWindowTitle("Export animation")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)

    def report(done: int, total: int) -> bool:
        dialog.setMaximum(total)
        dialog.setValue(done)
        if done == total:
            dialog.setLabelText("Writing the GIF file…")
        return not dialog.wasCanceled()

    try:
        return save_step_animation(page, path, progress=report, **options)
    except ExportCancelled:
        return None
    finally:
        dialog.close()


def save_view_as_png(parent: QWidget, widget: QWidget, path: str) -> str:
    """File > Save view as PNG: the status-bar text, or "" after warning why it failed."""
    try:
        save_png(widget, path)
    except ExportError as error:
        QMessageBox.warning(parent, "Save failed", str(error))
        return ""
    return f"Saved {path}"


def export_steps_as_gif(parent: QWidget, page: Animatable, path: str) -> str:
    """File > Export step-through as GIF: the status-bar text, or "" after warning why it failed."""
    try:
        frames = save_step_animation_with_progress(parent, page, path)
    except (ExportError, ValueError) as error:
        QMessageBox.warning(parent, "Export failed", str(error))
        return ""
    if frames is None:
        return "Export cancelled; no file was written."
    return f"Saved {frames} frames to {path}"
