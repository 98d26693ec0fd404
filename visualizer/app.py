"""Entry point: `cnn-visualizer` / `python -m visualizer`.

`cnn-visualizer train ...` runs headless training without importing Qt, so it works on machines
without a display or Qt installed. `cnn-visualizer bench ...` measures the app's speed (with an
offscreen QApplication of its own). `cnn-visualizer connection SERVER` prints the SSH tunnel that lets
a script on SERVER reach the window open here. `cnn-visualizer install-launcher` puts the app in the
user's application menu (visualizer/launcher.py). Everything else starts the GUI; this is the only module that
creates the window's QApplication.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

_LAUNCH_TIME = time.perf_counter()


def build_parser() -> argparse.ArgumentParser:
    from visualizer.ui.kit.theme import THEMES
    from visualizer.ui.pages import PAGES

    page_lines = "\n".join(f"  {spec.name:<14} {spec.title} ({spec.section})" for spec in PAGES)
    parser = argparse.ArgumentParser(
        prog="cnn-visualizer",
        description="Watch convolutional neural networks work.\n\n"
        "Run `cnn-visualizer train --help` for headless training and "
        "`cnn-visualizer bench --help` for the speed figures. "
        "`cnn-visualizer connection SERVER` prints how a script on SERVER reaches this window (SSH). "
        "`cnn-visualizer install-launcher` adds the app to your application menu.",
        epilog=f"pages:\n{page_lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--page", metavar="NAME", help="page to open first (see the list below)")
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the page offscreen to a PNG and exit",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        default="1280x720",
        help="window size for --screenshot (default 1280x720)",
    )
    parser.add_argument("--data", metavar="DIR", help="folder holding the Fashion-MNIST files")
    parser.add_argument(
        "--open", metavar="MODEL", help="open a trained model (.keras or .h5) in the model inspector"
    )
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="with --open: allow a model holding Python code (a Lambda layer), which can run any "
        "code when it is loaded; only for models from a source you trust",
    )
    parser.add_argument("--fullscreen", action="store_true", help="start full screen")
    parser.add_argument(
        "--theme",
        choices=THEMES,
        default="system",
        help="light or dark colours; 'system' (the default) follows the desktop's colour scheme",
    )
    parser.add_argument(
        "--report-startup",
        action="store_true",
        help="print the time from launch to the window being shown",
    )
    # Used by the start-up benchmark: quit as soon as the window is on screen.
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)
    return parser


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--size must look like 1280x720, not {text!r}") from None
    if width < 320 or height < 240:
        raise SystemExit("--size must be at least 320x240")
    # Qt crashes (segmentation fault) painting a window tens of thousands of pixels wide; 8K is
    # more than any projector or screen in a classroom.
    if width > 7680 or height > 4320:
        raise SystemExit("--size must be at most 7680x4320")
    return width, height


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        from visualizer.training.cli import main as train_main

        return train_main(argv[1:])
    if argv and argv[0] == "bench":
        from visualizer.bench.cli import main as bench_main

        return bench_main(argv[1:])
    if argv and argv[0] == "connection":
        from visualizer.training.stream.remote import main as connection_main

        return connection_main(argv[1:])
    if argv and argv[0] == "install-launcher":
        from visualizer.launcher import main as launcher_main

        return launcher_main(argv[1:])

    args = build_parser().parse_args(argv)
    from visualizer.ui.pages import find_page

    if args.page is not None:
        try:
            find_page(args.page)
        except KeyError as error:
            print(f"cnn-visualizer: {error.args[0]}", file=sys.stderr)
            return 2
    if args.unsafe and not args.open:
        print("cnn-visualizer: --unsafe goes with --open MODEL", file=sys.stderr)
        return 2
    if args.open and not Path(args.open).is_file():
        print(f"cnn-visualizer: cannot open {args.open}: there is no such file", file=sys.stderr)
        return 1
    if args.data:
        from visualizer.training.data import use_data_folder_from_flag

        use_data_folder_from_flag(args.data)
    if args.screenshot:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return _run_gui(args)


def _check_screenshot_path(path: str) -> str | None:
    """Why a screenshot cannot be written to ``path``, or None when it can be tried."""
    from pathlib import Path

    target = Path(path)
    if target.suffix.lower() != ".png":
        return f"the screenshot file must end in .png, not {target.name!r}"
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        return f"cannot write {path}: the folder {folder} does not exist"
    if target.is_dir():
        return f"cannot write {path}: it is a folder"
    return None


def _missing_display() -> str | None:
    """Why no window can be opened here, or None. On Linux without a display Qt would abort with
    a message about platform plugins that tells a user nothing about what to do."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
        "Run it from a desktop session; without one, `--screenshot FILE.png` still renders a "
        "page and `cnn-visualizer train` trains without a window."
    )


def _settle(app, seconds: float = 0.3) -> None:
    """Run the event loop briefly so pages finish deferred layout, data loading and painting."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _open_and_wait(app, window, args: argparse.Namespace, timeout_s: float = 300.0) -> str | None:
    """Open --open's model for a screenshot and wait until the page has drawn it; why it could not
    be opened, in words, or None."""
    page = window.inspect_model(args.open, unsafe=args.unsafe, may_ask=False)
    if args.page:
        window.show_page(args.page)
    deadline = time.perf_counter() + timeout_s
    while page.is_busy():
        if time.perf_counter() > deadline:
            return f"the model {args.open} took more than {timeout_s:.0f} s to open"
        app.processEvents()
        time.sleep(0.01)
    return page.failure()


def _application(theme: str):
    """The window's QApplication, named, with the app's icon and colours."""
    from PyQt6.QtWidgets import QApplication

    from visualizer.resources import APP_ID
    from visualizer.ui.kit.theme import apply_theme
    from visualizer.ui.main_window import APP_NAME
    from visualizer.ui.shell.app_icon import app_icon
    from visualizer.ui.shell.qt_options import prepare_qt

    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # On X11 the window's WM_CLASS class is the application name (the desktop entry's
    # StartupWMClass), on Wayland its app id is the desktop file's name: either way the desktop
    # matches the window to the launcher and shows the launcher's icon for it.
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    apply_theme(app, theme)
    return app


def _run_gui(args: argparse.Namespace) -> int:
    if args.screenshot:
        problem = _check_screenshot_path(args.screenshot)
        if problem:
            print(f"cnn-visualizer: {problem}", file=sys.stderr)
            return 1
        size = _parse_size(args.size)
    else:
        problem = _missing_display()
        if problem:
            print(f"cnn-visualizer: {problem}", file=sys.stderr)
            return 1

    from PyQt6.QtCore import QSettings, QTimer

    from visualizer.ui.main_window import MainWindow

    app = _application(args.theme)

    if args.screenshot:
        # A screenshot shows exactly what was asked for: no remembered page, size or zoom.
        window = MainWindow(first_page=args.page)
        window.resize(*size)
        window.show()
        if args.open:
            problem = _open_and_wait(app, window, args)
            if problem:
                window.close()
                print(f"cnn-visualizer: {problem}", file=sys.stderr)
                return 1
        _settle(app)
        if (window.width(), window.height()) != size:
            print(
                f"cnn-visualizer: this page needs at least {window.width()}x{window.height()}; "
                f"the screenshot has that size instead of {size[0]}x{size[1]}",
                file=sys.stderr,
            )
        from visualizer.ui.kit.export import ExportError

        try:
            window.save_screenshot(args.screenshot)
        except ExportError as error:
            print(f"cnn-visualizer: {error}", file=sys.stderr)
            return 1
        finally:
            window.close()
        print(args.screenshot)
        return 0

    window = MainWindow(first_page=args.page, settings=QSettings())
    if args.open:
        window.inspect_model(args.open, unsafe=args.unsafe, may_ask=False)
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    if args.report_startup or args.quit_after_show:

        def report() -> None:
            if args.report_startup:
                shown = time.perf_counter() - _LAUNCH_TIME
                loaded = "yes" if "tensorflow" in sys.modules else "no"
                print(
                    f"startup: window shown after {shown * 1000:.0f} ms; tensorflow imported: {loaded}",
                    flush=True,
                )
            if args.quit_after_show:
                app.quit()

        QTimer.singleShot(0, report)
    return app.exec()
