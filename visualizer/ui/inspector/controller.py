"""The inspector's state and decisions, with no widget: which model is open, which picture is
shown and why, what the test set said, what each conv filter looks for. It talks to the page only
through InspectorView (view.py) and to the model process only through the ModelClient (link.py),
and it connects the signals of both itself, in ``_connect``: it is tested with mocks of both."""

from __future__ import annotations

import logging

import numpy as np

from visualizer.inspection import protocol as replies
from visualizer.inspection.report import INPUT_RANGES
from visualizer.ui.inspector.class_names import ClassNames, choose_class_names, labels_by_name, remember_typed_names
from visualizer.ui.inspector.test_sets import TestSet, default_test_set, light_on_dark, run_test_fallback
from visualizer.ui.inspector.view import InspectorView, Picture
from visualizer.ui.page_contract import LearnedKernel

log = logging.getLogger(__name__)

DEFAULT_INPUT_RANGE = "[0, 1]"
RANGE_CHECK_NEEDS = "Needs a labelled test set: open a folder of class sub-folders on the Test set tab."
NOT_STEPPABLE = (
    "Only the first conv layer's one-channel kernels can be stepped through: "
    "it is the only layer that sees the picture itself."
)

class InspectorController:
    """``rng`` picks the random test image (tests pass a seeded one)."""

    def __init__(self, view: InspectorView, client, rng: np.random.Generator | None = None) -> None:
        self.view = view
        self.client = client
        self.rng = rng or np.random.default_rng()
        self.opened: replies.ModelOpened | None = None
        self.path: str | None = None
        self.picture: Picture | None = None
        self.explained: replies.Explained | None = None
        self.evaluation = None
        self.class_choice: int | None = None  # None: explain the predicted class
        self.smooth = False
        self.opening: str | None = None  # the path being opened now
        self.failure: str | None = None  # why the last model could not be opened, in words
        self.may_ask = True  # False: a model holding Python code is refused, not asked about
        self.evaluating = False
        self.explaining = False  # a picture was sent and its answer has not come back yet
        self.test_set = TestSet()  # what the test set tab shows, or is about to
        self.run_test_problem: str | None = None  # why the recorded run's test part cannot be read again
        self.top_images: dict = {}  # layer -> FilterTops of the open model on the test set
        self.finding_layer: str | None = None  # the layer whose top images are being searched for
        self.searches: set[int] = set()  # the TopImages requests still wanted: only their replies are kept
        self.picture_generation: int | None = None  # the filter picture whose steps are shown
        self.picture_running = False
        self.evaluated: replies.Evaluated | None = None  # the test set's answer, as the model process sent it
        self.typed_names: dict[str, tuple[str, ...]] = {}  # model path -> the class names the user gave
        self.class_names: ClassNames | None = None  # the names every tab uses for the open model's classes
        self.input_range: str | None = None  # the range chosen for a model that does not say its own
        self.range_check: int | None = None  # the CheckRanges whose answer is awaited
        # Every reply the model process sends, by its type; a reply of another type is a bug there.
        self._reply_handlers = {
            replies.ModelOpened: self._on_model_opened,
            replies.OpenFailed: self._on_open_failed,
            replies.Explained: self._on_explained,
            replies.EvaluationProgress: self._on_evaluation_progress,
            replies.Evaluated: self._on_evaluated,
            replies.Randomised: self._on_randomised,
            replies.TopImagesProgress: self._on_top_images_progress,
            replies.TopImagesFound: self._on_top_images_found,
            replies.PictureProgress: self._on_picture_progress,
            replies.RangeCheckProgress: self._on_range_check_progress,
            replies.RangesChecked: self._on_ranges_checked,
            replies.Failed: self._on_failed,
        }
        # What stops waiting when a request of each type fails (Failed.request names the type).
        self._failure_handlers = {
            replies.OpenModel.__name__: self._stop_opening,
            replies.Explain.__name__: self._stop_explaining,
            replies.Evaluate.__name__: self._stop_evaluating,
            replies.TopImages.__name__: self._stop_finding_top_images,
            replies.MakePicture.__name__: self._stop_filter_picture_steps,
            replies.CheckRanges.__name__: self._stop_range_check,
            **{kind.__name__: _nothing_waits for kind in (replies.SetInputRange, replies.StopPicture, replies.Randomise, replies.Restore)},
        }
        self._connect()

    def _connect(self) -> None:
        """Every signal this controller answers, of the page and of the model client, in one place."""
        view, client = self.view, self.client
        view.modelOpenRequested.connect(self._on_view_model_open_requested)
        view.inputRangeChosen.connect(self._on_view_input_range_chosen)
        view.imageOpened.connect(self._on_view_image_opened)
        view.pictureDrawn.connect(self._on_view_picture_drawn)
        view.testImageChosen.connect(self._on_view_test_image_chosen)
        view.randomTestImageRequested.connect(self._on_view_random_test_image_requested)
        view.classChosen.connect(self._on_view_class_chosen)
        view.smoothGradChanged.connect(self._on_view_smooth_grad_changed)
        view.randomiseRequested.connect(self._on_view_randomise_requested)
        view.restoreRequested.connect(self._on_view_restore_requested)
        view.evaluateRequested.connect(self._on_view_evaluate_requested)
        view.topImagesRequested.connect(self._on_view_top_images_requested)
        view.filterPictureRequested.connect(self._on_view_filter_picture_requested)
        view.filterPictureStopRequested.connect(self._on_view_filter_picture_stop_requested)
        view.kernelStepThroughRequested.connect(self._on_view_kernel_step_through_requested)
        view.prestartDue.connect(self._on_view_prestart_due)
        view.classNamesTyped.connect(self._on_view_class_names_typed)
        view.rangeCheckRequested.connect(self._on_view_range_check_requested)
        client.replied.connect(self._on_client_replied)
        client.died.connect(self._on_client_died)

    # -- what the user asks for -------------------------------------------------------------------
    def _on_view_model_open_requested(self, path: str, unsafe: bool = False, may_ask: bool = True) -> None:
        self.opening, self.failure, self.may_ask = str(path), None, may_ask
        self.view.show_status(f"Opening {path}…")
        self.client.open_model(str(path), unsafe=unsafe)

    def _on_view_input_range_chosen(self, name: str) -> None:
        self.input_range = name
        self.client.set_input_range(INPUT_RANGES[name])
        self._explain_again()
        self._forget_top_images()  # found with the pixels scaled the other way
        if self.evaluating:
            self._evaluate_again()
        elif self.evaluation is not None:
            self._evaluate(self.test_set)  # the test set shown was scaled the other way

    def _on_view_image_opened(self, pixels: np.ndarray, title: str) -> None:
        self._show_picture(Picture(np.asarray(pixels), title))

    def _on_view_picture_drawn(self, pixels: np.ndarray) -> None:
        self._show_picture(Picture(pixels, "Your drawing", drawn=True, light_on_dark=self.data_light_on_dark()))

    def _on_view_test_image_chosen(self, index: int) -> None:
        evaluation = self.evaluation
        if evaluation is None or not 0 <= index < len(evaluation.labels):
            return
        label = int(evaluation.labels[index])
        self._show_picture(Picture(
            evaluation.images[index], f"Test image #{index}", label if label >= 0 else None, index,
            light_on_dark=evaluation.light_on_dark,
        ))

    def _on_view_random_test_image_requested(self) -> None:
        if self.evaluation is not None and len(self.evaluation.labels):
            self._on_view_test_image_chosen(int(self.rng.integers(len(self.evaluation.labels))))

    def _on_view_class_chosen(self, class_index: int | None) -> None:
        self.class_choice = class_index
        self._explain_again()

    def _on_view_smooth_grad_changed(self, smooth: bool) -> None:
        self.smooth = smooth
        self._explain_again()

    def _on_view_randomise_requested(self) -> None:
        self.client.randomise()

    def _on_view_restore_requested(self) -> None:
        self.client.restore()

    def _on_view_evaluate_requested(self, folder: str | None) -> None:
        if self.opened is None:
            self.view.show_error("Open a model first, then evaluate it on a test set.")
            return
        self._evaluate(TestSet(folder) if folder is not None else default_test_set(self.opened.report, self.run_test_problem).test_set)

    def _on_view_top_images_requested(self, layer: str) -> None:
        """Show ``layer``'s filters' top images: at once when known, else once they are found."""
        if self.opened is None:
            return
        if layer in self.top_images:
            self.view.show_top_images(self.top_images[layer])
            return
        misfit = self.opened.report.fashion_mnist_misfit()
        if misfit and self.test_set.built_in:
            self.view.show_filters_unavailable(f"Needs the test set: {misfit} (on the Test set tab)")
            return
        if layer != self.finding_layer:
            self.finding_layer = layer
            self.view.show_top_images_progress(layer, 0, 0)
            self.searches.add(self.client.top_images(layer, **self.test_set.request()))

    def _on_view_filter_picture_requested(self, layer: str, filter_index: int) -> None:
        if self.opened is None:
            return
        self.picture_running = True
        self.picture_generation = self.client.make_picture(layer, filter_index)

    def _on_view_filter_picture_stop_requested(self) -> None:
        """Stop the picture being made; its last step still arrives and is shown."""
        if self.picture_running:
            self.client.stop_picture()
            self._stop_filter_picture_steps()

    def _on_view_kernel_step_through_requested(self, layer: str, channel: int) -> None:
        learned = self.learned_kernel(layer, channel)
        if learned is None:
            self.view.show_error(NOT_STEPPABLE)
        else:
            self.view.offer_learned_kernel(learned)

    def _on_view_prestart_due(self) -> None:
        """Most of a first open is the model process importing Keras: done now, while the user
        looks for a file, opening the model takes a fraction of it."""
        self.client.prestart()

    def _on_view_class_names_typed(self, text: str) -> None:
        """Keep the names the user gave for the open model (none: forget them), or say why not."""
        if self.opened is None or self.path is None:
            self.view.show_class_names_refused("Open a model first, then give its class names.")
            return
        try:
            remember_typed_names(self.typed_names, self.path, text, self.opened.report.class_count)
        except ValueError as error:
            self.view.show_class_names_refused(str(error))
            return
        self._name_classes()

    def _on_view_range_check_requested(self) -> None:
        evaluation = self.evaluation
        if self.opened is None or evaluation is None or evaluation.known_count == 0:
            self.view.show_error("Open a labelled test set first (a folder of class sub-folders, on the Test set tab).")
            return
        self.range_check = self.client.check_ranges(tuple(INPUT_RANGES.values()), **self.test_set.request())
        self.view.show_range_check_progress(0, len(INPUT_RANGES))

    def _show_picture(self, picture: Picture) -> None:
        self.picture = picture
        self._explain_again()

    def _evaluate(self, test_set: TestSet) -> None:
        self.evaluating = True
        self.view.show_progress(0, 0)
        self.client.evaluate(**test_set.request())
        if test_set != self.test_set:
            self.test_set = test_set
            self._forget_top_images()

    # -- what the model process says ----------------------------------------------------------------
    def _on_client_replied(self, reply) -> None:
        handler = self._reply_handlers.get(type(reply))
        if handler is None:
            log.warning("ignoring a reply of type %s", type(reply).__name__)
            return
        handler(reply)

    def _on_client_died(self, message: str) -> None:
        self.opened = None
        self.searches.clear()
        self._stop_waiting(message)
        self.failure = message
        self.view.show_error(message)

    def _on_model_opened(self, opened: replies.ModelOpened) -> None:
        self.opened, self.path, self.opening = opened, self.opening, None
        self.evaluation = self.evaluated = self.explained = self.class_choice = None
        self.top_images, self.finding_layer, self.test_set, self.run_test_problem = {}, None, TestSet(), None
        self.searches.clear()
        self.picture_generation, self.picture_running = None, False
        self.input_range, self.range_check = None, None
        if self.picture is not None and self.picture.drawn:
            self.picture = None  # drawn for the model before: the new one starts from its own picture
        self.view.show_model(opened)
        report = opened.report
        self.view.show_status(f"Opened {report.model_name} in {opened.seconds:.1f} s.")
        self._name_classes()
        self._show_canvas()
        self.view.set_range_check_available(False, RANGE_CHECK_NEEDS)
        if report.input_range is None:
            # The model does not say: ask, and meanwhile use the commonest choice so it works at once.
            self.input_range = DEFAULT_INPUT_RANGE
            self.view.ask_input_range(tuple(INPUT_RANGES), DEFAULT_INPUT_RANGE)
            self.client.set_input_range(INPUT_RANGES[DEFAULT_INPUT_RANGE])
        self._evaluate_default_test_set()

    def _evaluate_default_test_set(self) -> None:
        """Evaluate the model's default test set (its first image becomes the picture), or explain a sample."""
        default = default_test_set(self.opened.report, self.run_test_problem)
        self.view.show_default_test_set(default.title, default.tip, default.available)
        if default.available:
            self._evaluate(default.test_set)
        else:
            self.test_set = default.test_set
            if self.picture is None:
                self.picture = self.view.sample_picture(rgb=self.opened.report.channels == 3)
        if self.picture is not None:
            self._explain_again()

    def _on_open_failed(self, failed: replies.OpenFailed) -> None:
        path, self.opening = failed.path, None
        if failed.unsafe and self.may_ask and self.view.confirm_unsafe(failed.message):
            self._on_view_model_open_requested(path, unsafe=True)
            return
        self.failure = failed.message
        still = f" {self.opened.report.model_name} stays open." if self.opened is not None else ""
        self.view.show_error(as_sentence(failed.message) + still)

    def _on_explained(self, explained: replies.Explained) -> None:
        self.explaining = False
        if self.picture is None or self.opened is None:
            return
        self.explained = explained
        self.view.show_explanation(explained, self.picture, self.opened)

    def _on_evaluation_progress(self, progress: replies.EvaluationProgress) -> None:
        self.view.show_progress(progress.done, progress.total)

    def _on_evaluated(self, evaluated: replies.Evaluated) -> None:
        self.evaluating = False
        self.evaluated = evaluated
        said = f"Evaluated {len(evaluated.labels):,} images from {evaluated.source} in {evaluated.seconds:.1f} s."
        if self.run_test_problem is None or not self.test_set.built_in or self.opened is None:
            self.view.show_status(said)
        else:  # the run's own test part could not be read: that stays in view
            self.view.show_warning(f"{run_test_fallback(self.run_test_problem, self.opened.report)} {said}")
        self._name_classes()
        self._show_canvas()
        if self.opened is not None and self.opened.report.input_range is None:
            labelled = self.evaluation is not None and self.evaluation.known_count > 0
            self.view.set_range_check_available(labelled, "" if labelled else RANGE_CHECK_NEEDS)
        if self.picture is None and len(evaluated.labels):
            self._on_view_test_image_chosen(0)

    def _name_classes(self) -> None:
        """Name the model's classes, show the test set under them; warn when a folder's order looks wrong."""
        if self.opened is None:
            return
        evaluated = self.evaluated
        self.class_names = choose_class_names(
            self.opened.report,
            self.typed_names.get(self.path or ""),
            evaluated.class_names if evaluated is not None else None,
            from_folder=self.test_set.folder is not None,
        )
        self.view.show_class_names(self.class_names.names, self.class_names.source)
        if evaluated is None:
            return
        self.evaluation = named_evaluation(evaluated, self.class_names.names)
        self.view.show_evaluation(self.evaluation)
        doubt = self.evaluation.order_doubt() if self.class_names.from_test_folder else None
        if doubt:
            self.view.show_warning(doubt)

    def data_light_on_dark(self) -> bool:
        """Whether the model's data is light on dark, so that drawings are shown inverted (test_sets.light_on_dark)."""
        if self.evaluation is not None:
            return self.evaluation.light_on_dark
        return self.opened is not None and light_on_dark(self.opened.report, self.test_set)

    def _show_canvas(self) -> None:
        report = self.opened.report if self.opened is not None else None
        if report is not None:
            height, width = report.image_size
            self.view.set_canvas(height, width, report.channels, self.data_light_on_dark())

    def _on_range_check_progress(self, progress: replies.RangeCheckProgress) -> None:
        if progress.generation == self.range_check:
            self.view.show_range_check_progress(progress.done, progress.total)

    def _on_ranges_checked(self, checked: replies.RangesChecked) -> None:
        """Show each range's accuracy and choose the best one (the user may still choose another)."""
        if checked.generation != self.range_check or self.class_names is None:
            return
        self._stop_range_check()
        accuracies, count = range_accuracies(checked, self.class_names.names)
        best = max(accuracies, key=lambda pair: pair[1])[0]  # ties: the first, [0, 1]
        self.view.show_range_check(accuracies, best, count)
        if best != self.input_range and best in INPUT_RANGES:
            self.view.ask_input_range(tuple(INPUT_RANGES), best)
            self._on_view_input_range_chosen(best)

    def _on_randomised(self, randomised: replies.Randomised) -> None:
        self.view.show_randomisation(randomised.done, randomised.next_layer)
        self._explain_again()  # the maps must be seen to change
        self._forget_top_images()  # found with the weights as they were
        self._evaluate_again()

    def _forget_top_images(self) -> None:
        self.top_images, self.finding_layer = {}, None
        self.searches.clear()
        self.view.show_top_images_outdated()

    def _evaluate_again(self) -> None:
        """The model process closes an evaluation under way when the weights or the pixel scale
        change, as it does a search for top images: ask again, or it never answers."""
        if self.evaluating:
            self.client.evaluate(**self.test_set.request())

    def _on_top_images_progress(self, progress: replies.TopImagesProgress) -> None:
        if progress.generation in self.searches:
            self.view.show_top_images_progress(self.finding_layer, progress.done, progress.total)

    def _on_top_images_found(self, found: replies.TopImagesFound) -> None:
        if found.generation not in self.searches:
            return  # a search no longer wanted: found with other weights, pixels, test set or model
        self.searches.discard(found.generation)
        self.top_images[found.tops.layer] = found.tops
        if found.tops.layer == self.finding_layer:
            self.finding_layer = None
        self.view.show_top_images(found.tops)

    def _on_picture_progress(self, progress: replies.PictureProgress) -> None:
        if progress.generation != self.picture_generation:
            return  # a picture no longer asked for
        if progress.finished or progress.stopped:
            self.picture_running = False
        self.view.show_filter_picture(progress, self.picture_running)

    def _on_failed(self, failed: replies.Failed) -> None:
        if failed.request == replies.Evaluate.__name__ and self.test_set.run and self.opened is not None:
            # The recorded run's test part could not be read again: say so, and use the next default.
            self._stop_evaluating()
            self.run_test_problem = failed.message
            self.view.show_warning(run_test_fallback(failed.message, self.opened.report))
            self._evaluate_default_test_set()
            return
        stop = self._failure_handlers.get(failed.request)
        if stop is None:
            # Not a request type's name: which request failed is unknown, so nothing may go on
            # waiting for an answer that will not come.
            log.warning("a failure of an unknown request %r", failed.request)
            stop = self._stop_waiting
        stop(failed.message)
        self.view.show_error(failed.message, failed.details)

    # -- no longer waiting ---------------------------------------------------------------------------
    def _stop_waiting(self, message: str = "") -> None:
        """Nothing asked of the model process is waited for any more (it ended, or something failed)."""
        self._stop_opening(message)
        self._stop_explaining()
        self._stop_evaluating()
        self._stop_finding_top_images(message)
        self._stop_filter_picture_steps()
        self._stop_range_check()

    def _stop_opening(self, message: str = "") -> None:
        if self.opening is not None:
            self.opening = None
            self.failure = message or self.failure

    def _stop_explaining(self, _message: str = "") -> None:
        self.explaining = False

    def _stop_evaluating(self, _message: str = "") -> None:
        if self.evaluating:
            self.evaluating = False
            self.view.show_progress(0, 0)  # the progress bar goes and Evaluate can be pressed again

    def _stop_finding_top_images(self, message: str = "") -> None:
        if self.finding_layer is not None:
            self.finding_layer = None
            self.view.show_filters_unavailable(message)

    def _stop_filter_picture_steps(self, _message: str = "") -> None:
        if self.picture_running:
            self.picture_running = False
            self.view.show_filter_picture(None, False)

    def _stop_range_check(self, _message: str = "") -> None:
        if self.range_check is not None:
            self.range_check = None
            self.view.show_range_check_progress(0, 0)

    def learned_kernel(self, layer: str, channel: int) -> LearnedKernel | None:
        """The first conv layer's kernel for ``channel`` on the model's picture, or None (see learned_kernel)."""
        return learned_kernel(self.opened, self.explained, self.picture, layer, channel)

    def settled(self) -> bool:
        """True when nothing asked of the model process is still on its way (a screenshot waits for this)."""
        return (
            self.opening is None and not self.evaluating and not self.explaining and self.finding_layer is None
            and self.range_check is None
        )

    def _explain_again(self) -> None:
        if self.picture is not None and self.opened is not None:
            self.explaining = True
            self.client.explain(self.picture.pixels, self.class_choice, self.smooth)


def as_sentence(text: str) -> str:
    """``text`` ending in a full stop (or its own ? or !), so that another sentence can follow."""
    text = text.rstrip()
    return text if not text or text[-1] in ".?!" else text + "."


def _nothing_waits(_message: str) -> None:
    """A request whose failure leaves nothing waiting: the message is all there is to show."""


def named_evaluation(evaluated: replies.Evaluated, names: tuple[str, ...]):
    """The test set's answers with the model's class names, its labels numbered as the model's classes."""
    from visualizer.inspection.evaluation import Evaluation

    return Evaluation(
        images=evaluated.images,
        labels=labels_by_name(evaluated.labels, evaluated.class_names, names),
        probabilities=evaluated.probabilities,
        class_names=names,
        source=evaluated.source,
        light_on_dark=evaluated.light_on_dark,
    )


def range_accuracies(checked: replies.RangesChecked, model_names: tuple[str, ...]) -> tuple[tuple[tuple[str, float], ...], int]:
    """Each checked range by its name with the fraction of the labelled images the model got right
    under it, and how many labelled images there were."""
    labels = labels_by_name(checked.labels, checked.class_names, model_names)
    known = labels >= 0
    by_range = {value: name for name, value in INPUT_RANGES.items()}
    accuracies = tuple(
        (by_range.get(tuple(value), str(value)), float(np.mean(predicted[known] == labels[known])) if known.any() else 0.0)
        for value, predicted in zip(checked.ranges, checked.predictions)
    )
    return accuracies, int(known.sum())


def learned_kernel(
    opened: replies.ModelOpened | None, explained: replies.Explained | None, picture: Picture | None,
    layer: str, channel: int,
) -> LearnedKernel | None:
    """The first conv layer's kernel for ``channel`` on ``explained``'s model input; None when
    there is no such thing to step through (not the first conv layer, or not one channel)."""
    kernels = opened.conv_kernels if opened is not None else ()
    if not kernels or kernels[0].layer != layer or explained is None or picture is None:
        return None
    info = kernels[0]
    image = np.squeeze(explained.model_input)
    if info.kernel.shape[2] != 1 or image.ndim != 2:
        return None
    bias = 0.0 if info.bias is None else float(info.bias[channel])
    note = (
        f"<b>Learned kernel</b> of {layer}, map {channel}. The model then adds its bias ({bias:+.4f}) to "
        f"each sum and applies {info.activation}"
        + (
            f"; its padding '{info.padding}' adds a border of sums over zeros that this page leaves out."
            if info.padding != "valid"
            else "."
        )
    )
    return LearnedKernel(image, info.kernel[:, :, 0, channel], f"{layer} map {channel}: {picture.title}", note)
