"""The application menu's launcher: the desktop entry and icons shipped in resources/, what
`cnn-visualizer install-launcher` writes to $XDG_DATA_HOME and takes away, and what a wheel installs
under share/."""

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visualizer import launcher
from visualizer.resources import APP_ID, ICON_SIZES, desktop_entry_path, icon_png_path, icon_svg_path
from visualizer.ui.main_window import APP_NAME

ROOT = Path(__file__).resolve().parents[1]


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # desktop entry keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _exec_arguments(value: str) -> list[str]:
    """The Exec key's arguments as the Desktop Entry spec reads them: the string escape undone, then
    spaces split arguments outside double quotes, inside which a backslash keeps the next character."""
    text = value.replace("\\\\", "\\").replace("%%", "%")
    arguments, current, quoted, index = [], "", False, 0
    while index < len(text):
        char = text[index]
        if quoted and char == "\\":
            index += 1
            current += text[index]
        elif char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            arguments.append(current)
            current = ""
        else:
            current += char
        index += 1
    return [*arguments, current]


def _installed(home: Path) -> list[Path]:
    return sorted(path for path in home.rglob("*") if path.is_file())


def test_the_desktop_entry_has_what_a_menu_needs():
    entry = _entry(desktop_entry_path())
    assert entry["Type"] == "Application"
    assert entry["Name"] == APP_NAME
    assert entry["GenericName"] and entry["Comment"]
    assert entry["Exec"] == "cnn-visualizer"
    assert entry["Icon"] == APP_ID == icon_svg_path().stem
    assert entry["Terminal"] == "false"
    assert {"Education", "Science"} <= set(entry["Categories"].split(";"))
    # The window's WM_CLASS class on X11 is the application's name (app.py sets it to APP_NAME).
    assert entry["StartupWMClass"] == APP_NAME


def test_the_desktop_entry_passes_desktop_file_validate():
    validate = shutil.which("desktop-file-validate") or pytest.skip("desktop-file-validate is not installed (desktop-file-utils)")
    result = subprocess.run([validate, str(desktop_entry_path())], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout + result.stderr


@pytest.mark.parametrize("size", ICON_SIZES)
def test_each_png_is_the_icon_at_its_size_with_transparent_corners(size):
    with Image.open(icon_png_path(size)) as image:
        assert image.format == "PNG" and image.size == (size, size)
        pixels = np.asarray(image.convert("RGBA"))
    assert pixels[0, 0, 3] == 0 and pixels[-1, -1, 3] == 0, "the tile's corners are rounded off"
    assert pixels[size // 2, size // 2, 3] == 255
    assert len(np.unique(pixels.reshape(-1, 4), axis=0)) > 8, "drawn, not one flat colour"


def test_the_pngs_are_rendered_from_the_svg_as_it_is_now(qapp):
    """tests/tools/render_icons.py was run after the SVG last changed."""
    from PyQt6.QtSvg import QSvgRenderer

    from tests.tools.render_icons import render

    renderer = QSvgRenderer(str(icon_svg_path()))
    assert renderer.isValid()
    for size in ICON_SIZES:
        fresh = render(renderer, size)
        fresh_pixels = np.frombuffer(fresh.convertToFormat(fresh.Format.Format_RGBA8888).constBits().asstring(size * size * 4), np.uint8)
        with Image.open(icon_png_path(size)) as image:
            stored = np.asarray(image.convert("RGBA"), np.uint8).reshape(-1)
        difference = np.abs(fresh_pixels.astype(int) - stored.astype(int)).mean()
        assert difference < 2.0, f"{size} px: {difference:.1f} levels off the SVG"


def test_install_launcher_writes_the_entry_and_icons_and_remove_takes_them_away(tmp_path, monkeypatch, capsys):
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))

    assert launcher.main([]) == 0
    written = capsys.readouterr().out
    entry_path = home / "applications" / f"{APP_ID}.desktop"
    icons = home / "icons" / "hicolor"
    expected = sorted([entry_path, icons / "scalable" / "apps" / f"{APP_ID}.svg"]
                      + [icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png" for size in ICON_SIZES])
    assert _installed(home) == expected
    for path in expected:
        assert f"wrote {path}" in written
    for size in ICON_SIZES:
        assert (icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png").read_bytes() == icon_png_path(size).read_bytes()
    entry = _entry(entry_path)
    arguments = _exec_arguments(entry["Exec"])
    assert os.path.isabs(arguments[0]) and os.access(arguments[0], os.X_OK)
    assert entry["Icon"] == APP_ID and entry["Name"] == APP_NAME
    assert not list(home.rglob(".*.part*")), "no temporary file left behind"

    assert launcher.main(["--remove"]) == 0
    removed = capsys.readouterr().out
    assert _installed(home) == []
    for path in expected:
        assert f"removed {path}" in removed
    assert launcher.main(["--remove"]) == 0
    assert "No launcher" in capsys.readouterr().out


def test_the_installed_entry_starts_this_install(tmp_path):
    """Through the real command line: the Exec it writes runs the app (here its --help)."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "visualizer", "install-launcher"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "application menu" in result.stdout
    entry = _entry(tmp_path / "data" / "applications" / f"{APP_ID}.desktop")
    assert entry["Path"] == str(ROOT)  # `python -m visualizer` finds this checkout's package there
    validate = shutil.which("desktop-file-validate")
    if validate:
        checked = subprocess.run([validate, str(tmp_path / "data" / "applications" / f"{APP_ID}.desktop")],
                                 capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    started = subprocess.run([*_exec_arguments(entry["Exec"]), "--help"], cwd=entry["Path"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert started.returncode == 0, started.stderr
    assert "install-launcher" in started.stdout


def test_exec_quotes_a_path_with_spaces_and_special_characters():
    value = launcher.exec_value(["/home/ann lee/my $env/bin/python", "-m", "visualizer"])
    assert _exec_arguments(value) == ["/home/ann lee/my $env/bin/python", "-m", "visualizer"]
    assert value.startswith('"/home/ann lee/my \\\\$env/bin/python"')
    assert launcher.exec_value(["/opt/100%/cnn-visualizer"]) == "/opt/100%%/cnn-visualizer"


def test_run_as_the_cnn_visualizer_script_the_entry_names_that_script(tmp_path, monkeypatch):
    script = tmp_path / "my env" / "bin" / APP_ID
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(script), "install-launcher"])
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert launcher.main([]) == 0
    entry = _entry(tmp_path / "data" / "applications" / f"{APP_ID}.desktop")
    assert _exec_arguments(entry["Exec"]) == [str(script)]
    assert "Path" not in entry


def test_without_xdg_data_home_it_uses_local_share(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert launcher.data_home() == tmp_path / ".local" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")  # the spec says to ignore a relative path
    assert launcher.data_home() == tmp_path / ".local" / "share"


def test_a_folder_that_cannot_be_made_fails_with_words(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert launcher.main([]) == 1
    assert "Cannot create the folder" in capsys.readouterr().err
    assert blocker.read_text() == "a file where the folder should be"


@pytest.mark.slow
def test_a_wheel_installs_the_entry_and_icons_under_share(tmp_path):
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("visualizer", "resources"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "wheel")],
        cwd=source, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        data = {name.split(".data/data/", 1)[1] for name in archive.namelist() if ".data/data/" in name}
    assert "share/applications/cnn-visualizer.desktop" in data
    assert "share/icons/hicolor/scalable/apps/cnn-visualizer.svg" in data
    for size in ICON_SIZES:
        assert f"share/icons/hicolor/{size}x{size}/apps/cnn-visualizer.png" in data
        # and where visualizer/resources.py finds them for the window
        assert f"share/cnn-visualizer/resources/icons/hicolor/{size}x{size}/apps/cnn-visualizer.png" in data
    assert "share/cnn-visualizer/resources/cnn-visualizer.desktop" in data
