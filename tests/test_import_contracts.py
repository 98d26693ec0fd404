"""The layer rules: ops has no Qt or TensorFlow, training has no Qt, and the app's start-up
path imports no TensorFlow. Checked by import-linter (static) and by a real start (dynamic)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower(), result.stdout


def test_importing_the_package_loads_neither_qt_nor_tensorflow():
    code = (
        "import sys, visualizer, visualizer.ops, visualizer.training.data;"
        "bad = [m for m in ('tensorflow', 'keras', 'PyQt6', 'pyqtgraph') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_opening_the_first_page_imports_no_tensorflow(tmp_path):
    shot = tmp_path / "first.png"
    code = (
        "import sys; from visualizer.app import main;"
        f"rc = main(['--screenshot', {str(shot)!r}]);"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules];"
        "print('loaded:', bad); sys.exit(rc or (1 if bad else 0))"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert shot.stat().st_size > 1000
