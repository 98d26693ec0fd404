"""PNG and GIF export: right content, right frame count, atomic writes, the page put back."""

import os
import stat

import pytest
from PIL import Image
from PyQt6.QtWidgets import QLabel, QWidget

from visualizer.ui.kit import export
from visualizer.ui.kit.export import ExportCancelled, ExportError, frame_indices, save_png, save_step_animation


class CountingPage(QLabel):
    """A minimal step-through: shows its step number, in a colour that changes per step."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self._steps = steps
        self._step = 0
        self.visited: list[int] = []
        self.resize(120, 60)
        self.set_step(0)

    def step_count(self) -> int:
        return self._steps

    def current_step(self) -> int:
        return self._step

    def set_step(self, index: int) -> None:
        self._step = index
        self.visited.append(index)
        self.setText(f"step {index}")
        shade = (index * 37) % 256
        self.setStyleSheet(f"background: rgb({shade}, 80, {255 - shade});")


@pytest.fixture
def page(qtbot):
    widget = CountingPage(12)
    qtbot.addWidget(widget)
    widget.set_step(5)
    widget.visited.clear()
    return widget


def _leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_save_png_writes_the_widget_size(qtbot, tmp_path):
    widget = QLabel("hello")
    qtbot.addWidget(widget)
    widget.resize(150, 70)
    path = save_png(widget, tmp_path / "view.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (150 * widget.devicePixelRatio(), 70 * widget.devicePixelRatio())
    assert _leftovers(tmp_path) == []


def test_exported_files_are_readable_by_others_as_any_saved_file(qtbot, tmp_path):
    """PNG and GIF exports get the same ordinary mode as every other file the app writes."""
    widget = QLabel("x")
    qtbot.addWidget(widget)
    old = os.umask(0o022)
    try:
        path = save_png(widget, tmp_path / "view.png")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_save_png_into_a_missing_folder_says_so(qtbot, tmp_path):
    widget = QLabel("x")
    qtbot.addWidget(widget)
    with pytest.raises(ExportError, match="does not exist"):
        save_png(widget, tmp_path / "missing" / "view.png")


def test_frame_indices_keep_all_or_spread_evenly():
    assert frame_indices(5, 400) == [0, 1, 2, 3, 4]
    spread = frame_indices(1000, 400)
    assert len(spread) == 400 and spread[0] == 0 and spread[-1] == 999
    assert all(b > a for a, b in zip(spread, spread[1:]))
    assert frame_indices(0, 400) == []


def test_gif_has_one_frame_per_step_and_the_page_is_put_back(page, tmp_path):
    path = tmp_path / "steps.gif"
    written = save_step_animation(page, path, fps=5)
    assert written == 12
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 12
        assert gif.info["duration"] == 200
    assert page.current_step() == 5
    assert page.visited[:12] == list(range(12)) and page.visited[-1] == 5
    assert _leftovers(tmp_path) == []


def test_gif_subsamples_long_step_throughs(qtbot, tmp_path):
    long_page = CountingPage(50)
    qtbot.addWidget(long_page)
    written = save_step_animation(long_page, tmp_path / "long.gif", max_frames=10)
    assert written == 10
    with Image.open(tmp_path / "long.gif") as gif:
        assert gif.n_frames == 10


def test_wide_frames_are_scaled_down(qtbot, tmp_path):
    wide = CountingPage(3)
    qtbot.addWidget(wide)
    wide.resize(500, 100)
    save_step_animation(wide, tmp_path / "wide.gif", max_width=250)
    with Image.open(tmp_path / "wide.gif") as gif:
        assert gif.size[0] == 250


def test_cancelling_writes_nothing_and_restores_the_step(page, tmp_path):
    path = tmp_path / "cancelled.gif"
    calls = []

    def progress(done, total):
        calls.append((done, total))
        return done < 4

    with pytest.raises(ExportCancelled):
        save_step_animation(page, path, progress=progress)
    assert not path.exists() and _leftovers(tmp_path) == []
    assert page.current_step() == 5
    assert calls[0] == (0, 12)


def test_a_failing_write_leaves_no_partial_file_and_keeps_the_old_one(page, tmp_path, monkeypatch):
    path = tmp_path / "kept.gif"
    path.write_bytes(b"the previous export")

    def failing_save(self, fp, *args, **kwargs):
        with open(fp, "wb") as handle:
            handle.write(b"GIF89a half")  # a partial file, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(ExportError, match="kept.gif"):
        save_step_animation(page, path)
    assert path.read_bytes() == b"the previous export"
    assert _leftovers(tmp_path) == []


def test_pages_without_steps_are_refused(qtbot, tmp_path):
    plain = QWidget()
    qtbot.addWidget(plain)
    with pytest.raises(ValueError, match="no steps"):
        save_step_animation(plain, tmp_path / "none.gif")


def test_progress_dialog_version_returns_frame_count(page, tmp_path, qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    assert export.save_step_animation_with_progress(parent, page, str(tmp_path / "p.gif"), max_frames=6) == 6


def test_frames_keep_their_colours_whatever_the_line_padding(qtbot):
    from PyQt6.QtGui import QColor, QImage

    image = QImage(5, 3, QImage.Format.Format_RGB32)  # 5 pixels of RGB888 pad each line to 16 bytes
    for x in range(5):
        for y in range(3):
            image.setPixelColor(x, y, QColor(10 * x, 50 * y, 200))
    frame = export._qimage_to_pil(image)
    assert frame.size == (5, 3)
    assert [frame.getpixel((x, y)) for x, y in ((0, 0), (4, 0), (2, 2), (4, 2))] == [
        (0, 0, 200), (40, 0, 200), (20, 100, 200), (40, 100, 200)
    ]
