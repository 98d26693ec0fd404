"""What the window's Qt and pyqtgraph are told before the first widget is made."""

from __future__ import annotations

import os


def prepare_qt() -> None:
    """Call before the window paints anything (in practice, before the QApplication is made):
    Qt reads QT_NO_GUI_THREADPOOL once, at its first large paint, and pyqtgraph's options hold for
    the items made after them.

    Qt's raster painting splits a large fill or image over a pool of threads of its own. While a
    run trains, every core is TensorFlow's: drawing 20 pictures a second, those threads woke about
    900 times a second on the cores training used (the window's threads ran 170 times a second
    without them, for the same CPU time), and each wake-up stalls a TensorFlow operation there.
    So the window paints on its own thread. A user's own QT_NO_GUI_THREADPOOL is kept."""
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
