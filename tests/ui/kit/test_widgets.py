"""The shared demo widgets on their own: grid geometry and signals, kernel editing, step controls,
colour maps."""

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from tests.ui.helpers import cell_centre, click_cell, hover_cell
from visualizer.ui.kit import colormaps, kernel_presets
from visualizer.ui.kit.grid_view import GridView, format_value
from visualizer.ui.kit.kernel_editor import KernelEditor
from visualizer.ui.kit.step_controls import StepControls


@pytest.fixture
def grid(qtbot):
    view = GridView()
    qtbot.addWidget(view)
    view.set_data(np.arange(12.0).reshape(3, 4) - 5, cmap=colormaps.DIVERGING)
    view.resize(300, 260)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_grid_maps_points_to_cells_and_emits_clicks_and_hovers(grid, qtbot):
    for row, col in [(0, 0), (2, 3), (1, 2)]:
        rect = grid.cell_rect(row, col)
        assert grid.cell_at(rect.center()) == (row, col)
    with qtbot.waitSignal(grid.cellClicked) as clicked:
        click_cell(qtbot, grid, 2, 1)
    assert clicked.args == [2, 1]
    with qtbot.waitSignal(grid.cellHovered) as hovered:
        hover_cell(qtbot, grid, 0, 3)
    assert hovered.args == [0, 3]
    assert grid.readout() == "cell row 0, col 3: -2"
    with qtbot.waitSignal(grid.cellClicked, timeout=200, raising=False) as outside:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))  # the caption margin
    assert not outside.signal_triggered


def test_grid_keeps_square_cells_and_refuses_wrong_masks(grid):
    rect = grid.cell_rect(1, 1)
    assert rect.width() == rect.height()
    assert grid.levels() == (-6.0, 6.0)  # diverging: symmetric about zero
    with pytest.raises(ValueError, match="does not match"):
        grid.set_shaded(np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="2-D"):
        grid.set_data(np.zeros((2, 2, 2, 2)))


def test_grid_renders_a_large_picture_quickly_and_pending_cells_empty(qtbot):
    view = GridView()
    qtbot.addWidget(view)
    view.set_data(np.random.default_rng(0).random((256, 256)))
    pending = np.zeros((256, 256), bool)
    pending[128:] = True
    view.set_pending(pending)
    view.resize(300, 300)
    image = view.grab().toImage()
    bottom = image.pixelColor(150, int(view.cell_rect(250, 128).center().y()))
    assert (bottom.red(), bottom.green(), bottom.blue()) == (238, 238, 238)


def test_a_grid_much_larger_than_its_area_is_averaged_not_aliased(qtbot):
    # A zero-inserted input (stride 2: one real cell, then a zero, in both directions) shown at
    # about half size, as the transposed page shows a photo's, must look evenly dim, not like a
    # moire of bright squares.
    view = GridView()
    qtbot.addWidget(view)
    spread = np.zeros((401, 401))
    spread[::2, ::2] = 1.0
    view.set_data(spread, levels=(0.0, 1.0))
    view.resize(250, 250)  # about 210 pixels of grid
    image = view.grab().toImage()
    area = view.cell_rect(0, 0).united(view.cell_rect(400, 400))
    greens = [
        image.pixelColor(int(area.left() + area.width() * fx), int(area.top() + area.height() * fy)).green()
        for fx in np.linspace(0.1, 0.9, 9)
        for fy in np.linspace(0.1, 0.9, 9)
    ]
    assert max(greens) - min(greens) <= 12, greens


def test_values_print_as_the_arithmetic_writes_them():
    assert format_value(1 / 9) == "0.111"
    assert format_value(-0.0) == "0"
    assert format_value(12.0) == "12"
    assert format_value(-np.inf) == "−∞"


def test_kernel_editor_presets_sizes_and_edits(qtbot):
    editor = KernelEditor(preset=kernel_presets.IDENTITY)
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.kernelChanged):
        editor.set_preset(kernel_presets.SOBEL_X)
    np.testing.assert_array_equal(editor.kernel(), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    editor.set_kernel_size(4, 2)  # Sobel has no 4x2 form: back to identity
    assert editor.preset() == kernel_presets.IDENTITY
    assert editor.kernel().shape == (4, 2) and editor.kernel().sum() == 1
    assert kernel_presets.SOBEL_X not in [editor.preset_box.itemText(i) for i in range(editor.preset_box.count())]
    editor.set_preset(kernel_presets.GAUSSIAN)
    assert editor.kernel().sum() == pytest.approx(1)
    with qtbot.waitSignal(editor.kernelChanged):
        editor.set_weight(3, 1, -2.5)
    assert editor.kernel()[3, 1] == -2.5 and editor.preset() == kernel_presets.CUSTOM
    editor.set_kernel_size(5, 3)  # an edited kernel keeps its corner
    assert editor.kernel()[3, 1] == -2.5 and editor.kernel().shape == (5, 3)


def test_every_preset_exists_at_the_sizes_it_is_offered():
    for rows in range(1, 8):
        for cols in range(1, 8):
            for name in kernel_presets.preset_names(rows, cols):
                assert kernel_presets.make_kernel(name, rows, cols).shape == (rows, cols)
    with pytest.raises(ValueError, match="only as 3x3"):
        kernel_presets.make_kernel(kernel_presets.SHARPEN, 5, 5)


def test_step_controls_play_stops_at_the_end(qtbot):
    controls = StepControls()
    qtbot.addWidget(controls)
    position = {"index": 0}

    def on_step(index):
        position["index"] = max(0, min(index, 4))
        controls.set_position(position["index"], 5)

    controls.stepRequested.connect(on_step)
    controls.set_position(0, 5)
    controls.speed.setValue(60)
    controls.play()
    qtbot.waitUntil(lambda: not controls.is_playing(), timeout=2000)
    assert position["index"] == 4
    assert not controls.forward_button.isEnabled()
    controls.scrubber.setValue(2)
    assert position["index"] == 2


def test_colour_maps_and_text_contrast():
    assert colormaps.lookup_table(colormaps.DIVERGING)[128].tolist() == pytest.approx([247, 247, 247], abs=3)
    rgb = colormaps.map_to_rgb(np.array([[-1.0, 0.0, 1.0]]), colormaps.DIVERGING, (-1, 1))
    assert rgb[0, 0, 2] > rgb[0, 0, 0] and rgb[0, 2, 0] > rgb[0, 2, 2]  # negative blue, positive red
    dark_text = colormaps.text_colour_for(colormaps.map_to_rgb(np.array([[0.0, 1.0]]), colormaps.SEQUENTIAL, (0, 1)))
    assert dark_text.tolist() == [[False, True]]  # white on viridis purple, black on its yellow
    assert colormaps.range_levels(np.array([1.0, -np.inf, 3.0])) == (1.0, 3.0)


def test_typed_weights_accept_fractions_and_refuse_words():
    from visualizer.ui.kit.kernel_editor import parse_weight

    assert parse_weight("1/9") == pytest.approx(1 / 9)
    assert parse_weight(" −2 ") == -2
    assert parse_weight("0,5") == 0.5
    for text in ("abc", "1/0", "inf", "", "1e300", "-2e6"):
        with pytest.raises(ValueError):
            parse_weight(text)


def test_grid_colours_reach_the_screen_unchanged_at_odd_widths(qtbot):
    view = GridView()
    qtbot.addWidget(view)
    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[..., 0] = np.arange(5) * 50
    rgb[..., 1] = (np.arange(3) * 100)[:, None]
    rgb[..., 2] = 77
    view.set_data(np.zeros((3, 5)), rgb=rgb, show_values=False)
    view.resize(157, 131)
    image = view.grab().toImage()
    for row, col in ((0, 0), (0, 4), (2, 1), (1, 3)):
        colour = image.pixelColor(cell_centre(view, row, col))
        assert (colour.red(), colour.green(), colour.blue()) == tuple(rgb[row, col])
