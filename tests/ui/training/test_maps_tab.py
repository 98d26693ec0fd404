"""The Feature maps tab's Layers menu: untick a layer and its maps go, tick it and they come back;
the choice holds for the snapshots that follow."""

from __future__ import annotations

from tests.ui.training.training_script import snapshot
from visualizer.ui.training.tabs.snapshots import FeatureMapsTab


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
