"""The Kernels tab: a colour network's first layer is drawn as colour pictures."""

import numpy as np


def test_the_kernels_tab_draws_a_colour_networks_first_layer_in_colour(qtbot):
    from visualizer.training.events import LayerKernels, ProbeSnapshot
    from visualizer.ui.training.tabs.snapshots import KernelsTab

    rng = np.random.default_rng(0)
    snapshot = ProbeSnapshot(
        epoch=1, batch=3, probe_index=0, image=rng.random((8, 8, 3), dtype=np.float32), label=0, feature_maps=(),
        kernels=(LayerKernels("conv1", rng.normal(size=(3, 3, 3, 4)).astype(np.float32)),
                 LayerKernels("conv2", rng.normal(size=(3, 3, 4, 2)).astype(np.float32))),
        probabilities=np.array([0.5, 0.5], np.float32), end_of_epoch=False,
    )
    tab = KernelsTab()
    qtbot.addWidget(tab)
    tab.show_snapshot(snapshot)
    first, second = tab.kernels_view.layer_images()
    tile = first[:8, :8, :3].astype(int)  # the first filter, magnified to 8 x 8 pixels
    assert np.abs(tile[..., 0] - tile[..., 1]).max() > 20  # colour, not grey
    assert "colour tile per filter" in tab.kernels_view.layer_titles()[0]
    assert "rows: filters" in tab.kernels_view.layer_titles()[1]
