"""View > Quiz mode: the window's switch for the quiz session, kept in step with every page's
Quiz button."""

from __future__ import annotations

from PyQt6.QtGui import QAction

from visualizer.ui.quiz.session import session

# Beside F5 (presentation mode); no other action or page button uses it.
QUIZ_SHORTCUT = "F6"
QUIZ_TIP = "Ask the class a question before each step is drawn (and in the inspector, before the model's bars)"


def add_quiz_action(menu, add_action) -> QAction:
    """Add the checkable Quiz mode item with ``add_action(menu, text, slot, shortcut, tip)``."""
    action = add_action(menu, "Quiz mode", session().set_enabled, QUIZ_SHORTCUT, QUIZ_TIP)
    action.setCheckable(True)
    action.setChecked(session().is_enabled())
    session().enabledChanged.connect(action.setChecked)
    return action
