"""Reading what was remembered between runs, and handing each page its own part of it.

The main window owns one QSettings (none in tests and screenshots). A page that declares
`RemembersSettings` gets it opened on its own group, ``pages/<name>``, when the page is first
built and again when the window closes. What is read back may be anything: written by another
version, edited by hand, or cut short. So values are read with a default and checked, and a page
that fails to take its settings back keeps its defaults rather than failing to open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QWidget

from visualizer.ui.page_contract import RemembersSettings

log = logging.getLogger(__name__)


def read_number(settings: QSettings, key: str) -> float | None:
    """The number stored under ``key``, or None when there is none or it is not a finite number."""
    value = settings.value(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < float("inf") else None


def read_text(settings: QSettings, key: str) -> str | None:
    value = settings.value(key)
    return value if isinstance(value, str) else None


def read_text_list(settings: QSettings, key: str) -> list[str]:
    """A list of strings; an INI file gives back a one-item list as a plain string."""
    value = settings.value(key)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str) and item]
    return []


@contextmanager
def page_group(settings: QSettings, page_name: str) -> Iterator[QSettings]:
    settings.beginGroup(f"pages/{page_name}")
    try:
        yield settings
    finally:
        settings.endGroup()


def restore_page(page: QWidget, page_name: str, settings: QSettings | None) -> None:
    """Give a page that remembers settings what it saved last time."""
    if settings is None or not isinstance(page, RemembersSettings):
        return
    with page_group(settings, page_name):
        try:
            page.restore_settings(settings)
        except Exception:  # unreadable settings must not keep a page from opening
            log.exception("the %s page could not take back its settings; it keeps its defaults", page_name)


def save_pages(pages: Mapping[str, QWidget], settings: QSettings | None) -> None:
    """Let every page built so far that remembers settings write them into its group."""
    if settings is None:
        return
    for page_name, page in pages.items():
        if isinstance(page, RemembersSettings):
            with page_group(settings, page_name):
                page.save_settings(settings)
