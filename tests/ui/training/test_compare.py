"""The training page's Compare runs tab, fed RunRecordings through the controller: the curves
overlaid (their data, colours, legend, hiding and removing runs) and the pictures side by side."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from tests.ui.training.training_script import CLASS_NAMES, STEPS, FakeTrainingProcess, scripted_run, snapshot
from visualizer.training.config import ConvBlock, TrainConfig
from visualizer.training.events import BatchEnd, EpochEnd, ProbeSnapshot, RunFinished, RunStarted
from visualizer.training.recording import RunRecording
from visualizer.ui.kit import colormaps
from visualizer.ui.kit.mosaic import colourise, feature_map_mosaic
from visualizer.ui.training.page import TrainingPage
from visualizer.ui.training.tabs.compare_curves import RUN_COLOURS, history_of
from visualizer.ui.training.tabs.compare_labels import LEGEND_LINE_CHARS
from visualizer.ui.training.tabs.compare_snapshots import KERNELS, MAPS, layer_picture


def make_recording(config: TrainConfig, title: str, *, epochs: int = 3, quality: float = 0.0, probe_index: int = 0) -> RunRecording:
    """A finished run of ``epochs`` epochs whose values improve with ``quality``; an FC run's
    snapshots hold no feature maps or kernels, as a real one's do."""
    started = RunStarted("tensorflow", "CPU", "", title, "", 1000, "bundled subset", 128, 32, epochs, STEPS, CLASS_NAMES)
    batches, epoch_ends, snapshots = [], [], []
    for epoch in range(1, epochs + 1):
        for batch in range(1, STEPS + 1):
            loss = 2.0 / (epoch + batch / STEPS) - quality
            batches.append(BatchEnd(epoch, batch, STEPS, loss, 1 - loss / 3, 250.0, epoch + batch * 0.1))
        epoch_ends.append(
            EpochEnd(
                epoch,
                1.0 / epoch - quality,
                0.6 + 0.05 * epoch + quality,
                1.1 / epoch - quality,
                0.55 + 0.05 * epoch + quality,
                epoch * 2.0,
            )
        )
        taken = snapshot(epoch, STEPS, end_of_epoch=True, probe_index=probe_index, fill=epoch + quality * 10)
        # Each map is drawn on its own scale: shift the maps so that each epoch's pictures differ.
        shifted = tuple(replace(layer, maps=np.roll(layer.maps, epoch, axis=0)) for layer in taken.feature_maps)
        taken = replace(taken, feature_maps=shifted)
        if config.model == "fc":
            taken = replace(taken, feature_maps=(), kernels=())
        snapshots.append(taken)
    finished = RunFinished(False, epochs, 0.4 - quality, 0.85 + quality, 0.45 - quality, 0.83 + quality, epochs * 2.0, None)
    return RunRecording(config, title, started, tuple(batches), tuple(epoch_ends), tuple(snapshots), finished)


def recording_from_events(config: TrainConfig, title: str, events: list) -> RunRecording:
    """A recording made the way a run's events arrive: the scripted run's chunks, in order."""

    def of(kind):
        return tuple(event for event in events if isinstance(event, kind))

    snapshots = tuple(s for s in of(ProbeSnapshot) if s.end_of_epoch)
    return RunRecording(config, title, of(RunStarted)[0], of(BatchEnd), of(EpochEnd), snapshots, of(RunFinished)[0])


FC = TrainConfig(model="fc")
CNN = TrainConfig()
CNN_KERNEL_3 = TrainConfig(conv_blocks=(ConvBlock(64, 3), ConvBlock(32, 3)))


@pytest.fixture
def page(qtbot, keep):
    page = keep(
        TrainingPage(process_factory=lambda config: FakeTrainingProcess(config, scripted_run())), before_close=TrainingPage.shutdown
    )
    page.resize(1280, 690)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.compare_tab)
    return page


def add(page, *recordings):
    for recording in recordings:
        page.controller.add_recording(recording)
    return page.compare_tab


def curves_of(plot, run):
    return plot.items[id(run)]


def test_runs_kept_while_another_tab_is_in_view_are_drawn_when_compare_runs_is_opened(page):
    """Its list and both plots take about 50 ms: not as a run ends, while the maps are drawn."""
    page.tabs.setCurrentWidget(page.maps_tab)
    tab = add(page, make_recording(CNN, "first"), make_recording(CNN_KERNEL_3, "second"))
    assert tab.runs == []
    page.tabs.setCurrentWidget(tab)
    assert [run.recording.title for run in tab.runs] == ["first", "second"]
    assert tab.run_list.count() == 2


def test_before_any_run_the_tab_says_what_it_will_show_and_how_to_fill_it(page):
    tab = page.compare_tab
    assert tab.stack.currentWidget() is tab.empty_label
    assert tab.empty_label.isVisible()
    assert "Train two runs, or open recorded runs, to compare them" in tab.empty_label.text()
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Compare runs"


def test_each_run_gets_its_curves_with_the_recordings_values_a_colour_and_a_legend_entry(page):
    fc, cnn = make_recording(FC, "Fully connected — 3 epochs"), make_recording(CNN, "CNN — 3 epochs", quality=0.1)
    tab = add(page, fc, cnn)
    assert tab.stack.currentIndex() == 1
    assert [run.recording for run in tab.runs] == [fc, cnn]
    assert [run.colour for run in tab.runs] == list(RUN_COLOURS[:2])
    for plot in tab.curves.plots:
        assert len(plot.items) == 2
        assert [label.text for _sample, label in plot.legend.items] == ["Fully connected — 3 epochs", "CNN — 3 epochs"]
        for run, recording in zip(tab.runs, (fc, cnn)):
            items = curves_of(plot, run)
            x, validation = items.validation.getData()
            _, train = items.train.getData()
            np.testing.assert_array_equal(x, [1, 2, 3])
            np.testing.assert_allclose(validation, [getattr(e, "val_" + plot.metric) for e in recording.epochs])
            np.testing.assert_allclose(train, [getattr(e, plot.metric) for e in recording.epochs])
            assert items.validation.opts["pen"].color().getRgb()[:3] == run.colour
            assert items.validation.isVisible() and items.train.isVisible()
    rows = [tab.run_list.item(row).text() for row in range(tab.run_list.count())]
    assert rows[1].startswith("CNN — 3 epochs") and "test accuracy 0.9300" in rows[1]


def test_the_labels_say_what_differs_between_the_runs(page):
    tab = add(page, make_recording(CNN, "CNN — 3 epochs"), make_recording(CNN_KERNEL_3, "CNN — 3 epochs"))
    assert [run.label for run in tab.runs] == ["CNN — 3 epochs, kernel 2", "CNN — 3 epochs, kernel 3"]
    tab = add(page, make_recording(replace(CNN, learning_rate=0.01), "CNN — 3 epochs"))
    assert [run.label for run in tab.runs] == [
        "CNN — 3 epochs, kernel 2, learning rate 0.001",
        "CNN — 3 epochs, kernel 3, learning rate 0.001",
        "CNN — 3 epochs, kernel 2, learning rate 0.01",
    ]
    legend = [label.text for _sample, label in tab.curves.accuracy_plot.legend.items]
    assert [text.replace("<br>", " ") for text in legend] == [run.label for run in tab.runs]  # whole, in lines
    assert all(len(line) <= LEGEND_LINE_CHARS for text in legend for line in text.split("<br>"))
    assert tab.snapshots.left.run_box.itemText(2) == tab.runs[2].label


def test_unticking_a_run_hides_its_curves_and_ticking_shows_them_again(page):
    tab = add(page, make_recording(FC, "Fully connected"), make_recording(CNN, "CNN"))
    fc_run, cnn_run = tab.runs
    tab.run_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    for plot in tab.curves.plots:
        assert not curves_of(plot, fc_run).validation.isVisible()
        assert not curves_of(plot, fc_run).train.isVisible()
        assert curves_of(plot, cnn_run).validation.isVisible()
    tab.run_list.item(0).setCheckState(Qt.CheckState.Checked)
    assert all(curves_of(plot, fc_run).validation.isVisible() for plot in tab.curves.plots)


def test_clicking_a_run_in_a_legend_hides_it_in_both_plots_and_unticks_it(page, qtbot):
    tab = add(page, make_recording(FC, "Fully connected"), make_recording(CNN, "CNN"))
    cnn_run = tab.runs[1]
    sample, _label = tab.curves.loss_plot.legend.items[1]
    qtbot.mouseClick(
        tab.curves.loss_plot.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tab.curves.loss_plot.mapFromScene(sample.sceneBoundingRect().center()),
    )
    assert not cnn_run.visible
    assert tab.run_list.item(1).checkState() == Qt.CheckState.Unchecked
    assert not any(curves_of(plot, cnn_run).validation.isVisible() for plot in tab.curves.plots)
    assert all(curves_of(plot, tab.runs[0]).validation.isVisible() for plot in tab.curves.plots)


def test_the_smoothed_batch_curves_are_the_live_pages_and_follow_the_checkbox_and_the_run(page):
    recording = make_recording(CNN, "CNN")
    tab = add(page, recording)
    run = tab.runs[0]
    items = curves_of(tab.curves.loss_plot, run)
    assert not items.batches.isVisible()
    tab.curves.batches_box.setChecked(True)
    assert items.batches.isVisible()
    x, smooth = items.batches.getData()
    expected = history_of(recording)
    np.testing.assert_allclose(x, expected.batch("x"))
    np.testing.assert_allclose(smooth, expected.batch("smooth_loss"))
    tab.run_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not items.batches.isVisible()


def test_removing_a_run_takes_it_out_and_the_others_keep_their_colours(page):
    first, second, third = (make_recording(CNN, f"CNN run {n}") for n in (1, 2, 3))
    tab = add(page, first, second)
    assert not tab.remove_button.isEnabled()
    tab.run_list.setCurrentRow(0)
    assert tab.remove_button.isEnabled()
    removed = tab.runs[0]
    plot_items = tab.curves.loss_plot.getPlotItem().listDataItems()
    tab.remove_button.click()
    assert [run.recording for run in tab.runs] == [second]
    assert tab.runs[0].colour == RUN_COLOURS[1]
    for plot in tab.curves.plots:
        assert id(removed) not in plot.items and len(plot.items) == 1
        assert len(plot.legend.items) == 1
    assert len(tab.curves.loss_plot.getPlotItem().listDataItems()) == len(plot_items) - 3
    # The controller still hands over every recording; a removed one stays out.
    tab = add(page, third)
    assert [run.recording for run in tab.runs] == [second, third]
    assert [run.colour for run in tab.runs] == list(RUN_COLOURS[1:3])
    for _ in range(2):
        tab.run_list.setCurrentRow(0)
        tab.remove_button.click()
    assert tab.stack.currentWidget() is tab.empty_label


def test_a_run_replaced_by_its_whole_recording_is_compared_once(page):
    """A script's run is kept when it goes quiet; if it sends again and ends, its whole recording
    takes that one's place among the controller's recordings, and in the tab."""
    quiet, other = make_recording(CNN, "train_a.py", epochs=1), make_recording(CNN_KERNEL_3, "notebook")
    tab = add(page, quiet, other)
    ended = make_recording(CNN, "train_a.py", epochs=3)
    page.controller.keep_for_comparing(ended, instead_of=quiet)
    assert [run.recording for run in tab.runs] == [other, ended]
    assert tab.run_list.count() == 2
    for plot in tab.curves.plots:
        assert len(plot.items) == 2 and len(plot.legend.items) == 2


def expected_maps(recording: RunRecording, epoch_index: int, layer: int = 0) -> np.ndarray:
    maps = recording.snapshots[epoch_index].feature_maps[layer].maps
    return colourise(feature_map_mosaic(maps), colormaps.rgba_lookup_table(colormaps.SEQUENTIAL))


def test_one_runs_first_and_last_epoch_are_side_by_side_with_their_predictions(page):
    recording = make_recording(CNN, "CNN — 3 epochs")
    tab = add(page, recording)
    compare = tab.snapshots
    assert compare.left.epoch_box.currentText() == "epoch 1"
    assert compare.right.epoch_box.currentText() == "epoch 3 (last)"
    assert compare.layer_box.currentData() == (MAPS, 0, "conv2d")
    np.testing.assert_array_equal(compare.left.mosaic.layer_images()[0], expected_maps(recording, 0))
    np.testing.assert_array_equal(compare.right.mosaic.layer_images()[0], expected_maps(recording, 2))
    assert not np.array_equal(expected_maps(recording, 0), expected_maps(recording, 2))
    np.testing.assert_array_equal(compare.left.bars.values(), recording.snapshots[0].probabilities)
    np.testing.assert_array_equal(compare.right.bars.values(), recording.snapshots[2].probabilities)
    assert "End of epoch 1" in compare.left.caption.text()
    assert "End of epoch 3" in compare.right.caption.text()
    assert compare.note.isHidden()
    assert not compare.two_runs_button.isEnabled()


def test_choosing_another_run_on_a_side_keeps_its_epoch_when_that_run_has_it(page):
    longer, shorter = make_recording(CNN, "CNN — 5 epochs", epochs=5), make_recording(CNN_KERNEL_3, "CNN — 3 epochs", epochs=3)
    compare = add(page, longer, shorter).snapshots
    compare.left.select(compare.left.runs[0], 2)  # the 5-epoch run at epoch 3
    assert compare.left.epoch_box.currentText() == "epoch 3"
    compare.left.run_box.setCurrentIndex(1)  # the 3-epoch run, whose epoch 3 is its last
    assert compare.left.epoch_box.currentText() == "epoch 3 (last)"


def test_a_kernel_layer_is_shown_from_both_epochs(page):
    recording = make_recording(CNN, "CNN")
    compare = add(page, recording).snapshots
    compare.layer_box.setCurrentIndex(compare.layer_box.findText("conv2d_1: kernels"))
    assert compare.layer_box.currentData() == (KERNELS, 1, "conv2d_1")
    for column, index in ((compare.left, 0), (compare.right, 2)):
        _name, _title, picture = layer_picture(recording.snapshots[index], KERNELS, 1)
        np.testing.assert_array_equal(column.mosaic.layer_images()[0], picture)
        assert column.mosaic.layer_titles()[0].startswith("conv2d_1  2×2×64×32")


def test_two_runs_last_epochs_side_by_side_and_different_probe_images_are_pointed_out(page):
    kernel_2 = make_recording(CNN, "CNN", quality=0.05)
    kernel_3 = make_recording(CNN_KERNEL_3, "CNN", quality=0.1, probe_index=7)
    compare = add(page, kernel_2).snapshots
    assert compare.left.run() is compare.right.run()  # one run: its epoch 1 against its last
    assert compare.note.isHidden()
    add(page, kernel_3)  # two runs: each one's last epoch
    assert compare.left.run().recording is kernel_2 and compare.right.run().recording is kernel_3
    np.testing.assert_array_equal(compare.left.mosaic.layer_images()[0], expected_maps(kernel_2, 2))
    np.testing.assert_array_equal(compare.right.mosaic.layer_images()[0], expected_maps(kernel_3, 2))
    assert compare.left.run_box.currentText() == "CNN, kernel 2" and compare.right.run_box.currentText() == "CNN, kernel 3"
    assert not compare.note.isHidden()
    assert "Different probe images" in compare.note.text() and "#0" in compare.note.text()
    assert "#7" in compare.note.text()


def test_a_fully_connected_run_says_it_has_no_feature_maps(page):
    cnn, fc = make_recording(CNN, "CNN"), make_recording(FC, "Fully connected")
    compare = add(page, fc).snapshots
    assert compare.layer_box.count() == 0
    assert compare.left.mosaic.layer_images() == []
    assert "no convolution layers" in compare.left.caption.text()
    add(page, cnn)
    compare.left.run_box.setCurrentIndex(1)
    compare.show_two_runs()
    assert compare.left.run().recording is cnn and compare.right.run().recording is fc
    assert compare.layer_box.count() > 0
    assert len(compare.left.mosaic.layer_images()) == 1
    assert compare.right.mosaic.layer_images() == []
    assert "no convolution layers" in compare.right.caption.text()


def test_by_default_a_cnn_beside_a_fully_connected_run_shows_the_cnns_first_and_last_epochs(page):
    cnn, fc = make_recording(CNN, "CNN"), make_recording(FC, "Fully connected")
    compare = add(page, cnn, fc).snapshots
    assert compare.left.run().recording is cnn and compare.right.run().recording is cnn
    assert compare.left.epoch_box.currentIndex() == 0
    assert compare.right.epoch_box.currentIndex() == compare.right.epoch_box.count() - 1 > 0
    assert len(compare.left.mosaic.layer_images()) == 1 and len(compare.right.mosaic.layer_images()) == 1


def test_a_recording_of_a_runs_events_is_compared_like_any_other(page):
    events = [event for chunk in scripted_run(epochs=2) for event in chunk]
    recording = recording_from_events(CNN, "CNN — 2 epochs", events)
    tab = add(page, recording, make_recording(replace(CNN, learning_rate=0.01), "CNN — 3 epochs"))
    assert tab.runs[0].label == "CNN — 2 epochs, learning rate 0.001"
    x, validation = curves_of(tab.curves.accuracy_plot, tab.runs[0]).validation.getData()
    np.testing.assert_array_equal(x, [1, 2])
    np.testing.assert_allclose(validation, [0.65, 0.75])
    compare = tab.snapshots
    compare.left.run_box.setCurrentIndex(0)
    compare.show_first_and_last()
    assert compare.right.epoch_box.currentText() == "epoch 2 (last)"
    np.testing.assert_array_equal(compare.right.mosaic.layer_images()[0], expected_maps(recording, 1))


def test_the_compare_tab_asks_no_more_room_than_the_other_tabs(page):
    add(page, make_recording(FC, "Fully connected"), make_recording(CNN, "CNN"), make_recording(CNN_KERNEL_3, "CNN"))
    others = [page.tabs.widget(i).minimumSizeHint() for i in range(page.tabs.count()) if page.tabs.widget(i) is not page.compare_tab]
    needed = page.compare_tab.minimumSizeHint()
    assert needed.width() <= max(size.width() for size in others)
    assert needed.height() <= max(size.height() for size in others)


@pytest.mark.slow
def test_two_real_tiny_runs_kernel_2_and_kernel_3_side_by_side(page, tmp_path):
    from tests.training.tiny import tiny_config
    from visualizer.training.run import run

    recordings = []
    for kernel in (2, 3):
        config = tiny_config(epochs=2, conv_blocks=(ConvBlock(8, kernel), ConvBlock(4, kernel)))
        events = []
        result = run(config, events.append, save_to=tmp_path / f"kernel-{kernel}.keras")
        assert isinstance(result, RunFinished), getattr(result, "message", "")
        recordings.append(recording_from_events(config, "CNN — 2 epochs, 64 training images", events))
    tab = add(page, *recordings)
    assert [run.label for run in tab.runs] == [
        "CNN — 2 epochs, 64 training images, kernel 2",
        "CNN — 2 epochs, 64 training images, kernel 3",
    ]
    for run_shown, recording in zip(tab.runs, recordings):
        _x, validation = curves_of(tab.curves.accuracy_plot, run_shown).validation.getData()
        np.testing.assert_allclose(validation, [epoch.val_accuracy for epoch in recording.epochs])
    compare = tab.snapshots
    assert compare.left.run().recording is recordings[0] and compare.right.run().recording is recordings[1]
    assert compare.note.isHidden()  # both used test image #0
    choices = [compare.layer_box.itemData(i) for i in range(compare.layer_box.count())]
    assert [(kind, position) for kind, position, _name in choices] == [(MAPS, i) for i in range(4)] + [
        (KERNELS, 0),
        (KERNELS, 1),
    ]
    compare.layer_box.setCurrentIndex(4)
    name = recordings[0].snapshots[0].kernels[0].name
    assert compare.left.mosaic.layer_titles()[0].startswith(f"{name}  2×2×1×8")
    assert compare.right.mosaic.layer_titles()[0].startswith(f"{name}  3×3×1×8")
    compare.left.run_box.setCurrentIndex(1)
    compare.show_first_and_last()
    compare.layer_box.setCurrentIndex(0)
    assert compare.layer_box.currentText() == f"{recordings[1].snapshots[0].feature_maps[0].name}: feature maps"
    for column, snapshot_index in ((compare.left, 0), (compare.right, 1)):
        np.testing.assert_array_equal(column.mosaic.layer_images()[0], expected_maps(recordings[1], snapshot_index))


def test_layers_are_matched_by_place_and_each_side_shows_its_own_layers_name(page):
    renamed = make_recording(CNN_KERNEL_3, "CNN")
    snapshots = tuple(
        replace(s, kernels=tuple(replace(layer, name=f"conv{i + 1}") for i, layer in enumerate(s.kernels))) for s in renamed.snapshots
    )
    renamed = replace(renamed, snapshots=snapshots)
    compare = add(page, make_recording(CNN, "CNN"), renamed).snapshots
    compare.layer_box.setCurrentIndex(compare.layer_box.findText("conv2d: kernels"))
    assert compare.left.mosaic.layer_titles()[0].startswith("conv2d  2×2×1×64")
    assert compare.right.mosaic.layer_titles()[0].startswith("conv1  2×2×1×64")


def test_a_run_stopped_before_its_first_epoch_ended_is_listed_without_pictures(page):
    stopped = make_recording(CNN, "CNN — 0 epochs (stopped early)")
    stopped = replace(stopped, epochs=(), snapshots=(), batches=stopped.batches[:2])
    tab = add(page, stopped)
    x, _ = curves_of(tab.curves.loss_plot, tab.runs[0]).validation.getData()
    assert x is None or len(x) == 0  # pyqtgraph keeps no arrays for an empty curve
    tab.curves.batches_box.setChecked(True)
    x, _ = curves_of(tab.curves.loss_plot, tab.runs[0]).batches.getData()
    assert len(x) == 2
    compare = tab.snapshots
    assert compare.layer_box.count() == 0 and compare.left.mosaic.layer_images() == []
    assert "no probe snapshot" in compare.left.caption.text()
    assert compare.left.bars.isHidden() and compare.left.probe.isHidden()
    add(page, make_recording(CNN, "CNN"))  # the usual pairing prefers the run with pictures
    assert not compare.left.bars.isHidden() and not compare.right.bars.isHidden()
    compare.left.run_box.setCurrentIndex(0)
    compare.show_two_runs()  # the stopped run beside the other: no pictures on the left
    assert compare.left.run().recording is stopped
    assert compare.left.bars.isHidden() and not compare.right.bars.isHidden()
    assert len(compare.right.mosaic.layer_images()) == 1


def contrast(colour, background) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_run_colours_read_on_the_light_and_the_dark_plot_background():
    from PyQt6.QtGui import QPalette

    from visualizer.ui.kit.theme import dark_palette

    dark = dark_palette().color(QPalette.ColorRole.Base).getRgb()[:3]
    for index, colour in enumerate(RUN_COLOURS):
        needed = 3.0 if index < 4 else 2.0  # the first four, the usual comparisons, stand out most
        assert contrast(colour, (255, 255, 255)) >= needed, colour
        assert contrast(colour, dark) >= needed, colour
    assert len(set(RUN_COLOURS)) == len(RUN_COLOURS)


def test_a_run_name_wider_than_the_list_is_cut_in_its_row_and_whole_in_its_tooltip(page):
    tab = add(page, make_recording(CNN, "homework.py — 1 epoch (stopped early), 36,000 training images " + "x" * 80))
    QApplication.processEvents()
    assert not tab.run_list.horizontalScrollBar().isVisible(), "no scroll bar over the one row"
    item = tab.run_list.item(0)
    assert item.toolTip() == item.text() and "x" * 80 in item.toolTip()
