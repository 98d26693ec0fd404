"""Plot axes write plain numbers: during the first epoch the curves' axis must not read
"epoch (x0.001)" with ticks up to 500, nor a histogram of small activations "activation (x0.001)"."""

import numpy as np

from visualizer.training.events import BatchEnd
from visualizer.training.history import RunHistory
from visualizer.ui.inspector.layer_views import LayerHistogram
from visualizer.ui.training.tabs.curves import CurvePlot


def test_the_first_epochs_curve_axis_counts_epochs_done_in_fractions(keep, qtbot):
    plot = keep(CurvePlot("loss", "Loss"))
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    history = RunHistory()
    for batch in range(1, 31):  # the first 30 of 100 batches: 0.01 to 0.3 epochs done
        history.add_batch(BatchEnd(1, batch, 100, 2.0 / batch, 0.1, 100.0, float(batch)))
    plot.show_history(history, epochs=5)
    plot.getPlotItem().vb.autoRange()
    qtbot.wait(20)
    axis = plot.getPlotItem().getAxis("bottom")
    assert "epochs done" in axis.labelString()
    assert "x0.001" not in axis.labelString() and "(m)" not in axis.labelString()
    assert axis.autoSIPrefixScale == 1.0
    assert max(axis.range) < 1  # ticks read 0.1, 0.2, ... of the first epoch, not 100, 200


def test_a_histogram_of_small_activations_keeps_its_numbers(keep, qtbot):
    histogram = keep(LayerHistogram())
    histogram.resize(400, 300)
    histogram.show()
    qtbot.waitExposed(histogram)
    histogram.set_activations("conv", np.linspace(0, 0.002, 200))
    qtbot.wait(20)
    axis = histogram.plot.getPlotItem().getAxis("bottom")
    assert axis.autoSIPrefixScale == 1.0
    assert "x0.001" not in axis.labelString() and "(m)" not in axis.labelString()
