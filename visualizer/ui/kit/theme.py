"""Light or dark: the app's palette, and the colours its plots take from it.

The app follows the system's colour scheme ("system"): on a dark desktop Qt hands it a dark
palette. ``--theme light`` or ``--theme dark`` forces one, whatever the desktop says (useful on a
projector, and for screenshots). Plots are drawn by pyqtgraph, which does not follow the palette,
so every plot takes its background and text colour from `plot_background` and `plot_text_colour`
when it is built; on a light palette they are white and black as before.
"""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
LIGHT_BACKGROUND = QColor("white")
LIGHT_TEXT = QColor("black")

# A dark palette for every role Qt's widgets paint with; the disabled group keeps text readable
# but visibly dimmer.
_DARK_ROLES = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1e1e",
    QPalette.ColorRole.AlternateBase: "#2f2f2f",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#4a4a4a",
    QPalette.ColorRole.Midlight: "#3f3f3f",
    QPalette.ColorRole.Mid: "#303030",
    QPalette.ColorRole.Dark: "#1a1a1a",
    QPalette.ColorRole.Shadow: "#0a0a0a",
    QPalette.ColorRole.Highlight: "#3d7fc9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.LinkVisited: "#c39bff",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#8a8a8a",
    QPalette.ColorRole.Text: "#8a8a8a",
    QPalette.ColorRole.ButtonText: "#8a8a8a",
    QPalette.ColorRole.Base: "#262626",
    QPalette.ColorRole.Highlight: "#4a4a4a",
    QPalette.ColorRole.HighlightedText: "#b0b0b0",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK_ROLES.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette (the application's by default) puts light text on a dark window."""
    if palette is None:
        palette = QApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def apply_theme(app: QApplication, theme: str) -> None:
    """Give ``app`` the palette of ``theme`` (one of THEMES); "system" leaves the one Qt chose
    from the desktop. Call it before any window is built: plots read their colours once."""
    if theme not in THEMES:
        raise ValueError(f"the theme must be one of {', '.join(THEMES)}, not {theme!r}")
    if theme == "system":
        return
    # Fusion draws every widget from the palette alone; native styles may ignore parts of it.
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())


def plot_background() -> QColor:
    """A plot's background: white on a light palette, the palette's base colour on a dark one."""
    if is_dark():
        return QApplication.palette().color(QPalette.ColorRole.Base)
    return QColor(LIGHT_BACKGROUND)


def plot_text_colour() -> QColor:
    """Titles and labels drawn inside a plot: black on light, the palette's text on dark."""
    if is_dark():
        return QApplication.palette().color(QPalette.ColorRole.Text)
    return QColor(LIGHT_TEXT)


def muted_text_colour() -> QColor:
    """Secondary text painted on the window (a shape under its name): dark gray on light,
    light gray on dark."""
    return QColor(176, 176, 176) if is_dark() else QColor(80, 80, 80)


def accent_text_colour(accent: QColor) -> QColor:
    """Text in an accent colour, shaded to stand out from the window: darker on a light palette,
    lighter on a dark one."""
    return accent.lighter(180) if is_dark() else accent.darker(130)


def readable_text_colour(colour: QColor) -> QColor:
    """A colour chosen for text on a light window (red for an error, blue for right), lightened
    on a dark palette so it can still be read there."""
    return colour.lighter(170) if is_dark() else QColor(colour)


def error_text_colour() -> QColor:
    """Short messages about a choice that cannot be used (a picture, a kernel), dark red on light."""
    return readable_text_colour(QColor(0xA0, 0, 0))
