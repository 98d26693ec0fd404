from PyQt6.QtWidgets import QLabel, QTabWidget

from visualizer.ui.kit.lazy_tabs import LazyTabs


def test_only_the_tab_in_view_is_drawn_and_each_other_when_opened_once(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    first, second, eager = QLabel("1"), QLabel("2"), QLabel("3")
    for tab in (first, second, eager):
        tabs.addTab(tab, tab.text())
    drawn = []
    lazy = LazyTabs(tabs, drawn.append)
    lazy.add(first)
    lazy.add(second)

    lazy.mark_stale()
    assert drawn == [first]
    tabs.setCurrentWidget(second)
    tabs.setCurrentWidget(first)
    tabs.setCurrentWidget(second)
    assert drawn == [first, second]  # each drawn once for one content
    tabs.setCurrentWidget(eager)
    lazy.mark_stale()
    assert drawn == [first, second]  # the tab in view is not lazy: the page draws it itself
    lazy.forget()
    tabs.setCurrentWidget(first)
    assert drawn == [first, second]
