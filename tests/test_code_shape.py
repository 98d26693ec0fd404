"""The shape the code keeps: runnable on the oldest Python the package declares, and in units small
enough to hold one job each (a module over 600 lines, a class over 450 or a function over 80 has
always turned out to hold two)."""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "visualizer"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 450
MAX_FUNCTION_LINES = 80


def _too_long() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE.parent)
        if (lines := source.count("\n")) > MAX_MODULE_LINES:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                limit = MAX_CLASS_LINES
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                limit = MAX_FUNCTION_LINES
            else:
                continue
            if (length := node.end_lineno - node.lineno + 1) > limit:
                found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_class_or_function_is_over_its_size():
    assert _too_long() == []


def test_the_package_runs_on_python_3_10():
    """pyproject.toml says requires-python >= 3.10: no name that only 3.11 or later has."""
    vermin = shutil.which("vermin") or pytest.skip("vermin is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [vermin, "-t=3.10-", "--no-tips", "--violations", "--eval-annotations", str(PACKAGE)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
