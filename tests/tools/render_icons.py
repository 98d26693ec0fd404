"""Render the app's icon, resources/icons/hicolor/scalable/apps/cnn-visualizer.svg, to the PNG sizes
that desktops look up (resources/icons/hicolor/<N>x<N>/apps/cnn-visualizer.png).

The PNGs are committed; run this after changing the SVG:

    QT_QPA_PLATFORM=offscreen python3 -m tests.tools.render_icons
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import Qt  # noqa: E402  (Qt reads the platform when it is first loaded)
from PyQt6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PyQt6.QtSvg import QSvgRenderer  # noqa: E402

from visualizer.fileio import replace_atomically  # noqa: E402
from visualizer.resources import ICON_SIZES, icon_png_path, icon_svg_path  # noqa: E402


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(icon_svg_path()))
    if not renderer.isValid():
        print(f"cannot read {icon_svg_path()}", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        target = icon_png_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        image = render(renderer, size)

        def save(temporary, image=image):
            if not image.save(str(temporary), "PNG"):
                raise OSError(f"Qt could not write {temporary}")

        replace_atomically(target, save)
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
