"""FiltersTab: what each conv filter of the open model looks for.

Pick a conv layer; its filters are a grid of tiles, each the patch of the test image that excites
the filter most. Pick one (click, or the arrow keys): the nine test images that excite it most
are shown in a 3x3 grid with the patch its largest value sees outlined, beside the nine patches
enlarged, each captioned with the activation and the image's true class. "Make its picture"
grows a picture by gradient ascent on the filter's mean activation, step by step, with a Stop.

The tab asks for a layer's top images with ``layerChosen`` when it is in view and has none; the
search and the picture run in the model process, and the page hands their results over.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QIcon, QPainter, QPen
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.imagefile import to_uint8
from visualizer.inspection.filters import FilterTops
from visualizer.inspection.protocol import PictureProgress
from visualizer.ui.kit.compact import fitting_combo
from visualizer.ui.kit.plain import push_button, scroll_area, wrapping_label
from visualizer.ui.kit.thumbnails import icon_list, thumbnail

OUTLINE_COLOUR = QColor("#e8590c")  # the patch's outline: orange, seen on ink and on white
TILE_EM = 6.5  # a top image's side, in lines of text
FILTER_TILE_EM = 2.6  # a filter's tile in the layer's grid
FILTER_GRID_COLUMNS = 3
OPEN_A_MODEL = "<b>Open a model</b> to see what its conv filters look for."
SEARCHING = "Finding the test images that excite each filter most…"
NEVER_FIRES = (
    "<b>This filter never fires on the test set</b>: its map is zero or less, or the same everywhere, on every "
    "image, so no image and no patch excites it more than another."
)
NO_CONV_LAYER = (
    "<b>This model has no conv layer.</b> Only conv layers have filters that slide over the picture; "
    "a dense layer's units each see the whole picture at once."
)


def crop(image: np.ndarray, box) -> np.ndarray:
    top, left, bottom, right = (int(v) for v in box)
    return image[top:bottom, left:right]


def picture_box(tops: FilterTops, filter_index: int, rank: int) -> tuple[int, int, int, int]:
    """The box of a top image's patch in the picture as stored, which may be larger or smaller
    than the model's input the box was found in (a folder's pictures are kept at their own size)."""
    top, left, bottom, right = (int(v) for v in tops.boxes[filter_index, rank])
    rows, cols = tops.picture_size[0] / tops.image_size[0], tops.picture_size[1] / tops.image_size[1]
    return round(top * rows), round(left * cols), round(bottom * rows), round(right * cols)


class PatchTile(QWidget):
    """One picture with an optional outlined box, and a caption under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_index: int | None = None
        self.outline = QRect()  # the outline drawn, in the picture's pixels on screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)

    def show_image(
        self, image: np.ndarray, side: int, caption: str, tip: str, box=None, index: int | None = None,
        light_on_dark: bool = False,
    ) -> None:
        pixmap = thumbnail(image, side, light_on_dark)
        self.outline = QRect()
        if box is not None:
            scale = pixmap.width() / image.shape[1]
            top, left, bottom, right = (int(v) for v in box)
            self.outline = QRect(round(left * scale), round(top * scale), round((right - left) * scale), round((bottom - top) * scale))
            painter = QPainter(pixmap)
            painter.setPen(QPen(OUTLINE_COLOUR, 2))
            painter.drawRect(self.outline.adjusted(1, 1, -1, -1))
            painter.end()
        self.image_index = index
        self.picture.setPixmap(pixmap)
        self.picture.setMinimumSize(side, side)
        self.caption.setText(caption)
        self.setToolTip(tip)

    def clear(self) -> None:
        self.image_index, self.outline = None, QRect()
        self.picture.clear()
        self.caption.clear()
        self.setToolTip("")


def _tile_grid(tiles: list[PatchTile], title: str) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    heading = QLabel(f"<b>{title}</b>")
    layout.addWidget(heading)
    grid = QGridLayout()
    grid.setSpacing(2)
    for place, tile in enumerate(tiles):
        grid.addWidget(tile, place // 3, place % 3)
    layout.addLayout(grid)
    layout.addStretch(1)
    return box


class FiltersTab(QWidget):
    """Emits ``layerChosen(layer)`` (its top images are wanted), ``pictureRequested(layer, filter)``
    and ``stopRequested()``."""

    layerChosen = pyqtSignal(str)
    pictureRequested = pyqtSignal(str, int)
    stopRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tops: FilterTops | None = None
        self._unavailable: str | None = None
        self._picture_filter: int | None = None
        self.layer_box = fitting_combo()
        self.layer_box.setToolTip("The conv layer whose filters are shown")
        self.layer_box.currentIndexChanged.connect(self._on_layer_box_changed)
        self.layer_info = wrapping_label("")
        self.search_progress = QProgressBar()
        self.search_progress.setFormat("Searching the test set: %v of %m images")
        self.search_progress.hide()
        self.filter_grid = self._make_filter_grid()
        self.previous_button = push_button("◀", "The previous filter (←)", lambda: self.step_filter(-1))
        self.next_button = push_button("▶", "The next filter (→)", lambda: self.step_filter(1))
        self.filter_title = QLabel()
        self.image_tiles = [PatchTile() for _ in range(9)]
        self.patch_tiles = [PatchTile() for _ in range(9)]
        self.silent_label = wrapping_label(NEVER_FIRES)
        self.silent_label.setTextFormat(Qt.TextFormat.RichText)
        self.silent_label.hide()
        self.picture_button = push_button(
            "Make its picture",
            "Grow a picture, from grey, that makes this filter's mean activation as large as it can (gradient ascent)",
            self._on_picture_button_clicked,
        )
        self.stop_button = push_button("Stop", "Stop making the picture", self._on_stop_button_clicked)
        self.stop_button.setEnabled(False)
        self.picture_progress = QProgressBar()
        self.picture_progress.setFormat("Step %v of %m")
        self.picture_progress.hide()
        self.picture_tile = PatchTile()
        self.empty_label = wrapping_label(OPEN_A_MODEL)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self._content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box)
        top.addWidget(self.layer_info, 1)
        layout.addLayout(top)
        layout.addWidget(self.search_progress)
        layout.addWidget(self.stack, 1)
        self.set_layers(None)

    def _make_filter_grid(self) -> QListWidget:
        grid = icon_list(QListView.SelectionMode.SingleSelection)
        grid.setToolTip("Each filter's tile is the patch that excites it most; pick one")
        grid.currentRowChanged.connect(self._on_filter_grid_row_changed)
        side = self._side(FILTER_TILE_EM)
        grid.setMinimumWidth(FILTER_GRID_COLUMNS * (side + 12) + grid.verticalScrollBar().sizeHint().width() + 8)
        return grid

    def _content(self) -> QWidget:
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(4, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(self.previous_button)
        header.addWidget(self.filter_title, 1)
        header.addWidget(self.next_button)
        column.addLayout(header)
        self.top_grids = QWidget()
        grids = QHBoxLayout(self.top_grids)
        grids.setContentsMargins(0, 0, 0, 0)
        grids.addWidget(_tile_grid(self.image_tiles, "The test images that excite it most"))
        grids.addSpacing(self.fontMetrics().height())
        grids.addWidget(_tile_grid(self.patch_tiles, "The outlined patches, enlarged"))
        grids.addStretch(1)
        column.addWidget(self.top_grids)
        column.addWidget(self.silent_label)
        picture_row = QHBoxLayout()
        buttons = QVBoxLayout()
        buttons.addWidget(self.picture_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.picture_progress)
        buttons.addStretch(1)
        picture_row.addLayout(buttons)
        picture_row.addWidget(self.picture_tile)
        picture_row.addStretch(1)
        column.addLayout(picture_row)
        column.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.filter_grid)
        splitter.addWidget(scroll_area(right))  # presentation mode's larger type may not fit
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1, 1000])  # the filters' grid as narrow as it may be: three tiles wide
        return splitter

    # -- setters -------------------------------------------------------------------------------
    def set_layers(self, layers: tuple[str, ...] | None, chosen: str | None = None) -> None:
        """The open model's conv layers (None: no model is open), ``chosen`` the one shown first."""
        self._tops, self._unavailable, self._picture_filter = None, None, None
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(list(layers or ()))
        if chosen in (layers or ()):
            self.layer_box.setCurrentText(chosen)
        self.layer_box.blockSignals(False)
        self.layer_box.setEnabled(bool(layers))
        self.search_progress.hide()
        self._show_empty(OPEN_A_MODEL if layers is None else NO_CONV_LAYER if not layers else SEARCHING)
        self._ask_if_needed()

    def layer(self) -> str | None:
        return self.layer_box.currentText() or None

    def set_unavailable(self, text: str) -> None:
        """Top images cannot be found: say why, in words, instead of the filters."""
        self._unavailable = text
        self.search_progress.hide()
        self._show_empty(f"<b>{text}</b>")

    def forget(self) -> None:
        """The top images shown are no longer right (new weights, another test set)."""
        self._tops, self._unavailable = None, None
        if self.layer() is not None:
            self._show_empty(SEARCHING)
        self._ask_if_needed()

    def set_progress(self, layer: str, done: int, total: int) -> None:
        if layer != self.layer():
            return
        self.search_progress.setVisible(done < total or total == 0)
        self.search_progress.setMaximum(total)
        self.search_progress.setValue(done)

    def set_top_images(self, tops: FilterTops) -> None:
        if tops.layer != self.layer():
            return
        self._tops, self._unavailable = tops, None
        self.search_progress.hide()
        field = "the whole picture" if tops.field is None else "{}x{} pixels".format(*tops.field.size)
        self.layer_info.setText(
            f"{tops.filter_count} filters · each value of a {tops.map_size[0]}x{tops.map_size[1]} map sees {field} of the picture"
        )
        self.layer_info.setToolTip(f"Top images from {tops.source}")
        side = self._side(FILTER_TILE_EM, tops.picture_size)
        self.filter_grid.blockSignals(True)
        self.filter_grid.clear()
        self.filter_grid.setIconSize(QSize(side, side))
        self.filter_grid.setGridSize(QSize(side + 12, side + self.fontMetrics().height() + 8))
        for index in range(tops.filter_count):
            patch = crop(tops.image(index, 0), picture_box(tops, index, 0))
            item = QListWidgetItem(QIcon(thumbnail(patch, side, tops.light_on_dark)), str(index))
            item.setToolTip(f"Filter {index}: largest activation {tops.values[index, 0]:.3g}")
            self.filter_grid.addItem(item)
        self.filter_grid.blockSignals(False)
        self.stack.setCurrentIndex(1)
        self.choose_filter(0)

    def choose_filter(self, index: int) -> None:
        if self._tops is None or not 0 <= index < self._tops.filter_count:
            return
        if self.filter_grid.currentRow() != index:
            self.filter_grid.setCurrentRow(index)  # shows it, through the slot
            return
        self._show_filter(index)

    def step_filter(self, step: int) -> None:
        if self._tops is not None:
            self.choose_filter((self.current_filter() + step) % self._tops.filter_count)

    def current_filter(self) -> int:
        return max(0, self.filter_grid.currentRow())

    def set_picture(self, progress: PictureProgress | None, running: bool) -> None:
        """A step of the filter's picture (None: only whether one is being made has changed)."""
        self.picture_button.setEnabled(not running and self._tops is not None)
        self.stop_button.setEnabled(running)
        if progress is None or self._tops is None or progress.layer != self._tops.layer:
            self.picture_progress.setVisible(running)
            return
        step = progress.step
        self._picture_filter = progress.filter_index
        self.picture_progress.setVisible(running)
        self.picture_progress.setMaximum(step.steps)
        self.picture_progress.setValue(step.step)
        state = "stopped at" if progress.stopped else "step" if running else "after"
        caption = (
            f"Filter {progress.filter_index}, {state} {step.step} of {step.steps}\n"
            f"mean activation {step.start_activation:.3g} → {step.activation:.3g}"
        )
        if step.gave_up:
            caption += f"\n{step.gave_up}"
        self.picture_tile.show_image(
            to_uint8(step.picture),
            self._side(TILE_EM, step.picture.shape[:2]),
            caption,
            "Grown from grey by gradient ascent on the filter's mean activation over its whole map",
            light_on_dark=self._tops is not None and self._tops.light_on_dark,  # drawn as the test pictures are
        )

    # -- drawing -------------------------------------------------------------------------------
    def _side(self, em: float, image_size=None) -> int:
        side = int(self.fontMetrics().height() * em)
        if image_size is not None and max(image_size) < side:
            side = max(image_size) * (side // max(image_size))  # whole magnification: sharp pixels
        return side

    def _show_empty(self, text: str | None) -> None:
        self.filter_grid.clear()
        self.layer_info.setText("")
        for tile in (*self.image_tiles, *self.patch_tiles, self.picture_tile):
            tile.clear()
        if text is not None:
            self.empty_label.setText(text)
            self.stack.setCurrentIndex(0)

    def _show_filter(self, index: int) -> None:
        tops = self._tops
        self.filter_title.setText(f"<b>Filter {index}</b> of {tops.filter_count} in {tops.layer}")
        side = self._side(TILE_EM, tops.picture_size)
        fires = tops.fires(index)
        self.top_grids.setVisible(fires)
        self.silent_label.setVisible(not fires)
        count = tops.values.shape[1] if fires else 0  # a test set of fewer than nine images has fewer top images
        for image_tile, patch_tile in zip(self.image_tiles[count:], self.patch_tiles[count:]):
            image_tile.clear()
            patch_tile.clear()
        for rank, (image_tile, patch_tile) in enumerate(zip(self.image_tiles[:count], self.patch_tiles[:count])):
            image, value, test_index = tops.image(index, rank), float(tops.values[index, rank]), int(tops.indices[index, rank])
            label = int(tops.labels[index, rank])
            truth = tops.class_names[label] if 0 <= label < len(tops.class_names) else "class unknown"
            top, left, bottom, right = (int(v) for v in tops.boxes[index, rank])
            box = picture_box(tops, index, rank)
            row, col = (int(v) for v in tops.positions[index, rank])
            seen = (
                "only padding, no pixel of the picture"
                if bottom <= top or right <= left
                else f"rows {top}–{bottom - 1} and columns {left}–{right - 1} of the picture"
            )
            tip = (
                f"Test image #{test_index} ({truth}): filter {index}'s largest value, {value:.4g}, is at row {row}, "
                f"column {col} of its map, which sees {seen}"
            )
            caption = f"{value:.3g}\n{truth}"
            image_tile.show_image(image, side, caption, tip, box, test_index, tops.light_on_dark)
            patch_tile.show_image(crop(image, box), side, caption, tip, None, test_index, tops.light_on_dark)
        if self._picture_filter != index:
            self.picture_tile.clear()
        self.picture_button.setEnabled(not self.stop_button.isEnabled())

    # -- slots ---------------------------------------------------------------------------------
    def _ask_if_needed(self) -> None:
        if self.isVisible() and self._tops is None and self._unavailable is None and self.layer() is not None:
            self.layerChosen.emit(self.layer())

    def _on_layer_box_changed(self, _index: int) -> None:
        self._tops, self._unavailable = None, None
        self._show_empty(SEARCHING)
        self._ask_if_needed()

    def _on_filter_grid_row_changed(self, row: int) -> None:
        if self._tops is not None and row >= 0:
            if self.stop_button.isEnabled() and row != self._picture_filter:
                self.stopRequested.emit()
            self._show_filter(row)

    def _on_picture_button_clicked(self) -> None:
        if self._tops is not None:
            self._picture_filter = self.current_filter()
            self.picture_button.setEnabled(False)
            self.stop_button.setEnabled(True)
            self.pictureRequested.emit(self._tops.layer, self.current_filter())

    def _on_stop_button_clicked(self) -> None:
        self.stopRequested.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._ask_if_needed()

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}
        if event.key() in steps and self._tops is not None:
            self.step_filter(steps[event.key()])
            return
        super().keyPressEvent(event)
