"""The window paints on its own thread: Qt's pool of painting threads would wake on the cores a
training run is using, hundreds of times a second while the feature maps are drawn."""

import os
import subprocess
import sys

import pytest

# Paints a large image scaled and a translucent fill, as the feature maps and the style do, and
# prints how many of Qt's pooled threads the process then has.
PAINT = """
import glob, sys
if sys.argv[1] == "app":
    from visualizer.ui.shell.qt_options import prepare_qt
    prepare_qt()
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtWidgets import QApplication
app = QApplication([])
target = QImage(1280, 720, QImage.Format.Format_ARGB32_Premultiplied)
source = QImage(640, 360, QImage.Format.Format_ARGB32_Premultiplied)
source.fill(QColor("teal"))
painter = QPainter(target)
painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
painter.drawImage(target.rect(), source)
painter.fillRect(target.rect(), QColor(10, 20, 30, 128))
painter.end()
names = [open(task + "/comm").read().strip() for task in glob.glob("/proc/self/task/*")]
print(sum(name.startswith("Thread (pooled)") for name in names))
"""


def pooled_threads_after_painting(setup: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([sys.executable, "-c", PAINT, setup], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads through /proc")
def test_the_app_paints_without_qts_thread_pool():
    assert pooled_threads_after_painting("app") == 0
    if pooled_threads_after_painting("plain") == 0:
        pytest.skip("this Qt paints these on the calling thread anyway")
