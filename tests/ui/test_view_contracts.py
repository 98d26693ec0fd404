"""Both heavy pages keep their view contract: the page implements every signal (with the same
argument types) and every setter (with the same parameters) that its ``typing.Protocol`` declares,
so a member the page lacks fails here instead of silently doing nothing. (That each controller
connects every signal its view declares is tested beside the controller.)"""

import inspect

import pytest
from PyQt6.QtCore import pyqtSignal


def _training():
    from visualizer.ui.training.page import TrainingPage
    from visualizer.ui.training.view import TrainingView

    return TrainingView, lambda: TrainingPage(process_factory=lambda config: None), TrainingPage.shutdown


def _inspector():
    from visualizer.ui.inspector.page import InspectorPage
    from visualizer.ui.inspector.view import InspectorView

    return InspectorView, InspectorPage, InspectorPage.shutdown


PAGES = {"training": _training, "inspector": _inspector}


def _argument_types(signal: pyqtSignal) -> list[str]:
    """A signal's argument types: its signatures with the name (given only in a QObject class) left out."""
    return [signature.split("(")[-1] for signature in signal.signatures]


def _declared(view) -> tuple[dict, dict]:
    signals = {name: member for name, member in vars(view).items() if isinstance(member, pyqtSignal)}
    setters = {
        name: member for name, member in vars(view).items() if inspect.isfunction(member) and not name.startswith("_")
    }
    return signals, setters


@pytest.mark.parametrize("which", PAGES)
def test_the_page_implements_every_member_of_its_view(keep, which):
    view, make_page, shutdown = PAGES[which]()
    page = keep(make_page(), before_close=shutdown)
    signals, setters = _declared(view)
    assert signals and setters
    for name, declared in signals.items():
        implemented = getattr(type(page), name, None)
        assert isinstance(implemented, pyqtSignal), name
        assert _argument_types(implemented) == _argument_types(declared), name
    for name, declared in setters.items():
        implemented = getattr(page, name)
        assert callable(implemented), name
        assert list(inspect.signature(implemented).parameters) == list(inspect.signature(declared).parameters)[1:], name
