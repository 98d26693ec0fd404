"""Light and dark: the palette the app gets, and plots that follow it.

Each test that changes the application's palette or style puts them back, so the tests after it
see the app as it was.
"""

import numpy as np
import pytest
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

from visualizer.ui.inspector.layer_views import DenseBars
from visualizer.ui.inspector.saliency_overlay import SaliencyOverlay
from visualizer.ui.inspector.thumbnails import RIGHT_COLOUR, caption_colour
from visualizer.ui.kit import theme
from visualizer.ui.kit.mosaic_view import MosaicView
from visualizer.ui.kit.probe_view import ProbeImageView
from visualizer.ui.training.tabs.curves import CurvePlot


@pytest.fixture
def app_as_found(qapp):
    """Hands the application over and restores its palette and style afterwards."""
    palette, style = QPalette(QApplication.palette()), qapp.style().name()
    yield qapp
    qapp.setStyle(style)
    QApplication.setPalette(palette)


@pytest.fixture
def dark(app_as_found):
    QApplication.setPalette(theme.dark_palette())
    return app_as_found


def _plot_views(keep):
    """Every kind of plot the app builds, each with the view that paints its background."""
    curve = keep(CurvePlot("loss", "Loss"))
    probe = keep(ProbeImageView())
    mosaic = keep(MosaicView(columns=2))
    bars = keep(DenseBars())
    saliency = keep(SaliencyOverlay("Grad-CAM"))
    return {"curves": curve, "probe": probe, "mosaic": mosaic, "dense bars": bars.plot, "saliency": saliency.view}


def test_the_default_palette_is_light_and_plots_stay_white(keep):
    assert not theme.is_dark()
    for name, view in _plot_views(keep).items():
        assert view.backgroundBrush().color() == QColor("white"), name
    assert theme.plot_text_colour() == QColor("black")


def test_on_a_dark_palette_every_plot_is_dark_with_light_text(dark, keep):
    assert theme.is_dark()
    for name, view in _plot_views(keep).items():
        assert view.backgroundBrush().color().lightness() < 60, name
    assert theme.plot_text_colour().lightness() > 200


def test_mosaic_titles_take_the_text_colour_of_the_palette(dark, keep):
    mosaic = keep(MosaicView(columns=1))
    mosaic.show_layers([("conv1", "conv1 4×4×2", np.zeros((4, 4, 4), np.uint8))])
    assert QColor(mosaic._titles[0].opts["color"]).lightness() > 200


def test_text_colours_stay_as_chosen_on_light_and_lighten_on_dark(app_as_found):
    red = QColor(0xA0, 0, 0)
    assert theme.readable_text_colour(red) == red
    assert caption_colour(right=True) == RIGHT_COLOUR
    QApplication.setPalette(theme.dark_palette())
    assert theme.readable_text_colour(red).lightness() > red.lightness()
    assert caption_colour(right=True).lightness() > RIGHT_COLOUR.lightness()
    assert theme.error_text_colour().lightness() > red.lightness()


def test_apply_theme_forces_dark_or_light_and_system_leaves_the_palette(app_as_found):
    before = QApplication.palette().color(QPalette.ColorRole.Window)
    theme.apply_theme(app_as_found, "system")
    assert QApplication.palette().color(QPalette.ColorRole.Window) == before
    theme.apply_theme(app_as_found, "dark")
    assert theme.is_dark()
    assert app_as_found.style().name().lower() == "fusion"
    theme.apply_theme(app_as_found, "light")
    assert not theme.is_dark()
    with pytest.raises(ValueError, match="light"):
        theme.apply_theme(app_as_found, "purple")


def test_the_dark_palette_keeps_disabled_text_readable_but_dimmer():
    palette = theme.dark_palette()
    window = palette.color(QPalette.ColorRole.Window).lightness()
    active = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).lightness()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).lightness()
    assert window + 60 < disabled < active


def test_a_banner_keeps_dark_text_on_its_light_background_on_a_dark_palette(dark, keep, qtbot):
    from visualizer.ui.kit.banner import Banner

    banner = keep(Banner())
    banner.show_message("info", "Evaluated 10 images")
    qtbot.waitExposed(banner)
    assert banner.message.palette().color(QPalette.ColorRole.WindowText).lightness() < 60
