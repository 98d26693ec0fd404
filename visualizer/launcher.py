"""`cnn-visualizer install-launcher`: put the app in the user's application menu.

A system-wide or `pip install --user` install copies the desktop entry and the icons to
/usr/share or ~/.local/share, where desktops look. A virtual environment (or a conda one, or pipx)
puts them under its own share/, which no desktop reads; this command writes them where the
freedesktop specifications say a user's own launchers go, $XDG_DATA_HOME (by default
~/.local/share): applications/cnn-visualizer.desktop and icons/hicolor/…/cnn-visualizer.png|svg.
The entry's Exec names what ran the command by its absolute path (the `cnn-visualizer` script, or
this Python with `-m visualizer`), so the menu starts this copy of the app even though its bin/ is
not on the desktop's PATH. `--remove` takes them away.

Qt-free: it copies files and writes text.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from visualizer.fileio import WriteError, copy_atomically, write_text_atomically
from visualizer.resources import APP_ID, ICON_SIZES, desktop_entry_path, icon_png_path, icon_svg_path

# Characters that make a desktop entry's Exec argument need quotes (Desktop Entry spec, "The Exec key").
_RESERVED = re.compile(r"""[\s"'\\><~|&;$*?#()`]""")


def data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset, empty or relative (as the XDG Base
    Directory spec asks)."""
    chosen = os.environ.get("XDG_DATA_HOME", "")
    return Path(chosen) if chosen and os.path.isabs(chosen) else Path.home() / ".local" / "share"


def launcher_files(home: Path) -> dict[Path, Path]:
    """Each file the launcher consists of, as {where it is installed under ``home``: the shipped file}."""
    icons = home / "icons" / "hicolor"
    files = {home / "applications" / f"{APP_ID}.desktop": desktop_entry_path()}
    files.update({icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png": icon_png_path(size) for size in ICON_SIZES})
    files[icons / "scalable" / "apps" / f"{APP_ID}.svg"] = icon_svg_path()
    return files


def command_line() -> tuple[list[str], Path | None]:
    """How a launcher starts this copy of the app, with absolute paths, and the folder to start it
    in (None: any). Run as the `cnn-visualizer` script, that script. Run as `python -m visualizer`
    (a checkout, perhaps never installed), this Python with `-m visualizer` in the folder above this
    package: a `cnn-visualizer` on PATH or beside this Python may belong to another copy."""
    running = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if running is not None and running.name == APP_ID and running.is_file() and os.access(running, os.X_OK):
        return [os.path.abspath(running)], None
    package_parent = Path(__file__).resolve().parent.parent
    return [os.path.abspath(sys.executable), "-m", "visualizer"], package_parent


def exec_value(arguments: list[str]) -> str:
    """The Exec key's value for ``arguments``: quoted where the spec asks, `%` doubled, then
    escaped as a desktop entry string (a backslash written twice)."""
    quoted = []
    for argument in arguments:
        if _RESERVED.search(argument):
            argument = '"' + re.sub(r'(["`$\\])', r"\\\1", argument) + '"'
        quoted.append(argument.replace("%", "%%"))
    return " ".join(quoted).replace("\\", "\\\\")


def desktop_entry_text(arguments: list[str], folder: Path | None) -> str:
    """The shipped desktop entry with its Exec replaced by ``arguments``, started in ``folder``
    (the Path key) when one is given."""
    text = desktop_entry_path().read_text(encoding="utf-8")
    line = f"Exec={exec_value(arguments)}"
    if folder is not None:
        line += "\nPath=" + str(folder).replace("\\", "\\\\")
    replaced, count = re.subn(r"^Exec=.*$", lambda _match: line, text, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"{desktop_entry_path()} has {count} Exec lines, not one")
    return replaced


def install(home: Path) -> list[Path]:
    """Write the desktop entry and the icons under ``home``; the paths written."""
    files = launcher_files(home)
    missing = [str(source) for source in files.values() if not source.is_file()]
    if missing:
        raise WriteError("This install of CNN Visualizer lacks its launcher files: " + ", ".join(missing) + ".")
    entry_text = desktop_entry_text(*command_line())
    written = []
    for target, source in files.items():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(f"Cannot create the folder {target.parent}: {error.strerror or error}.") from None
        if target.suffix == ".desktop":
            written.append(write_text_atomically(target, entry_text))
        else:
            written.append(copy_atomically(source, target))
    return written


def remove(home: Path) -> list[Path]:
    """Delete what `install` wrote under ``home``; the paths deleted. The folders stay: other
    apps' launchers and icons share them."""
    removed = []
    for target in launcher_files(home):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise WriteError(f"Cannot remove {target}: {error.strerror or error}.") from None
        removed.append(target)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{APP_ID} install-launcher",
        description="Add CNN Visualizer to your application menu: write its desktop entry and icons to "
        "$XDG_DATA_HOME (by default ~/.local/share), with this install's executable in the entry.",
    )
    parser.add_argument("--remove", action="store_true", help="take the desktop entry and the icons away again")
    args = parser.parse_args(argv)
    home = data_home()
    try:
        paths = remove(home) if args.remove else install(home)
    except (WriteError, ValueError) as error:
        print(f"{APP_ID}: {error}", file=sys.stderr)
        return 1
    verb = "removed" if args.remove else "wrote"
    for path in paths:
        print(f"{verb} {path}")
    if args.remove:
        print("CNN Visualizer is no longer in your application menu." if paths else f"No launcher of CNN Visualizer in {home}.")
    else:
        print("CNN Visualizer is in your application menu now, under Education or Science; if it does not show "
              "at once, log out and back in.")
    return 0
