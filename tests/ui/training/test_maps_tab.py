"""The Feature maps tab's Layers menu (untick a layer and its maps go, tick it and they come back;
the choice holds for the snapshots that follow), and pictures that never re-lay out the page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PyQt6.QtCore import QEvent, QObject
from PyQt6.QtWidgets import QApplication, QVBoxLayout, QWidget

from tests.ui.training.training_script import snapshot
from visualizer.ui.training.tabs.snapshots import FeatureMapsTab, KernelsTab


def _titles(tab: FeatureMapsTab) -> list[str]:
    return [title.split()[0] for title in tab.maps_view.layer_titles()]


def _action(tab: FeatureMapsTab, name: str):
    return next(action for action in tab.layers_menu.actions() if action.text() == name)


def test_unticked_layers_are_not_drawn_until_ticked_again(qtbot):
    tab = FeatureMapsTab()
    qtbot.addWidget(tab)
    assert not tab.layers_button.isEnabled(), "nothing to choose before the first snapshot"
    tab.show_snapshot(snapshot(1, 1))
    assert tab.layers_button.isEnabled()
    assert [action.text() for action in tab.layers_menu.actions()] == [
        "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    assert all(action.isChecked() for action in tab.layers_menu.actions())

    _action(tab, "max_pooling2d").trigger()  # as a click on the ticked entry does
    assert _titles(tab) == ["conv2d", "conv2d_1", "max_pooling2d_1"]
    tab.show_snapshot(snapshot(1, 2))  # the next picture keeps the choice
    assert _titles(tab) == ["conv2d", "conv2d_1", "max_pooling2d_1"]
    assert not _action(tab, "max_pooling2d").isChecked()

    for name in ("conv2d", "conv2d_1", "max_pooling2d_1"):
        _action(tab, name).trigger()
    assert _titles(tab) == []
    assert "Every layer is hidden" in tab.maps_caption.text()

    _action(tab, "conv2d_1").trigger()
    assert _titles(tab) == ["conv2d_1"]
    assert tab.maps_view.layer_images()[0].shape[:2] == (59, 119)  # 32 maps of 14x14, tiled


def test_a_run_that_sends_more_layers_than_it_shows_offers_the_rest_unticked(qtbot):
    tab = FeatureMapsTab()
    qtbot.addWidget(tab)
    tab.set_shown_layers(("conv2d", "max_pooling2d_1"))  # as a script's RunStarted asks
    tab.show_snapshot(snapshot(1, 1))
    assert _titles(tab) == ["conv2d", "max_pooling2d_1"]
    assert [action.isChecked() for action in tab.layers_menu.actions()] == [True, False, False, True]

    _action(tab, "conv2d_1").trigger()  # ticked: shown from now on
    _action(tab, "conv2d").trigger()  # unticked
    assert _titles(tab) == ["conv2d_1", "max_pooling2d_1"]
    tab.show_snapshot(snapshot(1, 2))
    assert _titles(tab) == ["conv2d_1", "max_pooling2d_1"]

    tab.set_shown_layers(())  # the next run (the app's own) shows all it sends, less the user's choices
    tab.show_snapshot(snapshot(1, 3))
    assert _titles(tab) == ["max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    assert [action.isChecked() for action in tab.layers_menu.actions()] == [False, True, True, True]


class _LayoutRequests(QObject):
    """Counts the LayoutRequest events a widget gets: each makes Qt lay out its children again."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_new_pictures_and_their_captions_never_lay_out_the_page_again(qtbot):
    """At 20 pictures a second, a caption that asked for a new layout each time cost as much as
    the pictures (see LiveLine and ProbeView)."""
    page = QWidget()
    maps, kernels = FeatureMapsTab(), KernelsTab()
    layout = QVBoxLayout(page)
    layout.addWidget(maps)
    layout.addWidget(kernels)
    qtbot.addWidget(page)
    page.resize(1280, 1400)
    page.show()
    maps.show_snapshot(snapshot(1, 1))
    kernels.show_snapshot(snapshot(1, 1))
    qtbot.wait(50)  # the first pictures may size the views
    watcher = _LayoutRequests()
    for widget in (page, maps, kernels, maps.probe_view):
        widget.installEventFilter(watcher)
    for batch in range(2, 12):
        maps.show_snapshot(snapshot(1, batch, fill=batch))
        kernels.show_snapshot(snapshot(1, batch, fill=batch))
        QApplication.processEvents()
    assert "batch 11" in maps.probe_view.caption.text() and "batch 11" in kernels.kernels_when.text()
    assert watcher.count == 0


def test_the_same_probe_image_is_not_drawn_again_but_a_new_one_is(qtbot, monkeypatch):
    tab = FeatureMapsTab()
    qtbot.addWidget(tab)
    image_item = tab.probe_view.image_view.image
    drawn = []
    monkeypatch.setattr(image_item, "setImage", lambda image, **kwargs: drawn.append(np.array(image)))
    first = snapshot(1, 1)
    for batch in (1, 2, 3):
        tab.show_snapshot(replace(first, batch=batch))  # the same probe, new weights
    assert len(drawn) == 1
    tab.show_snapshot(replace(first, batch=4, image=np.flipud(first.image), probe_index=5))
    assert len(drawn) == 2 and np.allclose(drawn[1], 1.0 - np.flipud(first.image))  # ink on paper
    assert "82%" in tab.probe_view.caption.text(), "the caption follows every snapshot"


def test_the_colour_table_is_read_as_a_run_starts_not_at_its_first_picture(qtbot):
    from visualizer.ui.kit import colormaps

    tab = FeatureMapsTab()
    qtbot.addWidget(tab)
    colormaps.rgba_lookup_table.cache_clear()
    colormaps.lookup_table.cache_clear()
    tab.set_shown_layers(("conv2d",))  # as the run's RunStarted arrives
    assert colormaps.rgba_lookup_table.cache_info().currsize == 1
    tab.show_snapshot(snapshot(1, 1))
    assert colormaps.rgba_lookup_table.cache_info().misses == 1, "the first picture read it again"
