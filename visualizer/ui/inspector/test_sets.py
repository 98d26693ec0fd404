"""Which test set the inspector evaluates on, with no widget.

Three kinds: a folder of class sub-folders the user chose; the test part of the run this app
recorded in the model's file (read again and split as the run split it: the same seed, the same
stratified split, the same test limit), which is the default for such a model; and else
Fashion-MNIST's test split, the default since the inspector began. When a run's test part cannot
be read again (its folder has gone, say), the default falls back to Fashion-MNIST's.
"""

from __future__ import annotations

from dataclasses import dataclass

from visualizer.inspection.report import LoaderReport

RUN_TEST_TITLE = "the run's test part"
BUILT_IN_TITLE = "the test set"
BUILT_IN_TIP = "Run the model on every image of Fashion-MNIST's test split (in the background)"


@dataclass(frozen=True)
class TestSet:
    """A test set: ``folder`` (a folder of class sub-folders), the recorded ``run``'s own test
    part, or neither: Fashion-MNIST's test split."""

    __test__ = False  # not a pytest test class, whatever its name

    folder: str | None = None
    run: bool = False

    @property
    def built_in(self) -> bool:
        return self.folder is None and not self.run

    def request(self) -> dict:
        """How the model client is asked for it (``folder=`` or ``run_test=``)."""
        return {"run_test": True} if self.run else {"folder": self.folder}


@dataclass(frozen=True)
class DefaultTestSet:
    """What Evaluate evaluates on for the open model, and how the Test set tab says so."""

    test_set: TestSet
    title: str  # the button reads "Evaluate " + title
    tip: str  # which images, in words; or why none can be evaluated
    available: bool


def default_test_set(report: LoaderReport, run_problem: str | None) -> DefaultTestSet:
    """The recorded run's own test part where the file names its data and it has not failed to be
    read (``run_problem``), else Fashion-MNIST's test split where it fits the model."""
    if report.run_data is not None and run_problem is None:
        tip = (
            f"Run the model on the test part of the data its run trained on, {report.run_data.words}, "
            "split off again as the run split it (the same seed and classes, in the background)"
        )
        return DefaultTestSet(TestSet(run=True), RUN_TEST_TITLE, tip, True)
    misfit = report.fashion_mnist_misfit()
    tip = run_test_fallback(run_problem, report) if run_problem is not None else misfit or BUILT_IN_TIP
    return DefaultTestSet(TestSet(), BUILT_IN_TITLE, tip, misfit is None)


def light_on_dark(report: LoaderReport, test_set: TestSet) -> bool:
    """Whether the test set's grey pictures are light on dark (Fashion-MNIST's and MNIST's), so
    that they, and drawings for the model, are shown inverted as dark ink on white."""
    if test_set.run:
        return report.run_data is not None and report.run_data.light_on_dark
    return test_set.built_in and report.fashion_mnist_misfit() is None


def run_test_fallback(message: str, report: LoaderReport) -> str:
    """Why the run's own test part is not evaluated, and what is done instead, in words."""
    text = message.rstrip()
    text = text if text.endswith((".", "?", "!")) else text + "."
    instead = report.fashion_mnist_misfit() or "Fashion-MNIST's test split is used instead."
    return f"The run's own test part cannot be read again: {text} {instead}"
