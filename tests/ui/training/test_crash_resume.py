"""The app killed hard while it trains: its training process ends within 2 s instead of training on
alone, and the next start offers to resume from the last finished epoch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED_FASHION_MNIST
from visualizer.training.saved_runs import process_alive  # an unreaped (zombie) child counts as gone

ROOT = Path(__file__).resolve().parents[3]

KILLED_APP = """
import json, multiprocessing, os, signal, sys, time
from pathlib import Path
from PyQt6.QtWidgets import QApplication

def main():
    app = QApplication(sys.argv[:1])
    from visualizer.ui.training.page import TrainingPage
    page = TrainingPage()
    page.show()
    page.settings.train_limit.setValue(1000)
    page.settings.test_limit.setValue(200)
    page.run_panel.train_button.click()
    root = Path(os.environ["CNN_VISUALIZER_AUTOSAVE"])
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
        runs = list(root.glob("*/run.json"))
        if runs and json.loads(runs[0].read_text()).get("epochs_done", 0) >= 1:
            break
    print("training process", *[child.pid for child in multiprocessing.active_children()], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as a crash would

if __name__ == "__main__":
    main()
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_hard_killed_app_leaves_no_training_process_and_offers_to_resume(qtbot, tmp_path, monkeypatch):
    autosave = tmp_path / "autosave"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CNN_VISUALIZER_AUTOSAVE": str(autosave),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    if SHARED_FASHION_MNIST.is_dir():
        env["CNN_VISUALIZER_DATA"] = str(SHARED_FASHION_MNIST)
    script = tmp_path / "killed_app.py"
    script.write_text(KILLED_APP)
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == -9, result.stderr[-2000:]
    children = [int(pid) for pid in result.stdout.split("training process", 1)[1].split()]
    assert children, result.stdout
    killed_at = time.monotonic()
    while any(process_alive(pid) for pid in children) and time.monotonic() - killed_at < 5:
        time.sleep(0.05)
    assert not any(process_alive(pid) for pid in children), "the training process outlived the app"
    assert time.monotonic() - killed_at < 2.0
    [run_file] = autosave.glob("*/run.json")
    saved = json.loads(run_file.read_text())
    assert saved["status"] == "running" and saved["epochs_done"] >= 1

    monkeypatch.setenv("CNN_VISUALIZER_AUTOSAVE", str(autosave))
    from visualizer.ui.training.page import TrainingPage

    page = TrainingPage()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert page.banner.isVisible() and "cut off after epoch" in page.banner.message.text()
    assert page.banner.action.text() == "Resume"
    page.shutdown()
