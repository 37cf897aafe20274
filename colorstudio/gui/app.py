"""Entry point of the desktop app: ``colorstudio [IMAGE ...]``.

Start-up order matters for how fast the window appears: Qt and the window first (no
torch: importing it takes seconds), then -- once the event loop runs -- the model
registry is listed and the default model loaded in worker threads, and the image
given on the command line is opened.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from colorstudio import __version__
from colorstudio.gui import gc_guard

ORG = APP = "ColorStudio"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorstudio",
                                description="ColorStudio: colorize photos and frames, train models.")
    p.add_argument("images", nargs="*", metavar="IMAGE",
                   help="an image to open at start (several files or a folder: the Batch tab)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p.parse_args(list(argv))


def make_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with names (for QSettings), icon and the system's light/dark look."""
    from colorstudio.gui.theme import apply_theme
    from colorstudio.paths import resource_dir

    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("colorstudio")
    logo = resource_dir("icons", "colorstudio.svg")
    if logo.is_file():
        app.setWindowIcon(QIcon(str(logo)))
    apply_theme(app)
    gc_guard.install(app)   # collections on this thread only (see gc_guard: a deadlock otherwise)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Show the window, then load models and the optional image in the background."""
    qt_argv = list(sys.argv if argv is None else [sys.argv[0] if sys.argv else "colorstudio", *argv])
    app = make_app(qt_argv)
    args = parse_args(app.arguments()[1:])  # Qt removed its own options (-platform, ...)

    from colorstudio.gui.main_window import MainWindow

    win = MainWindow()
    win.show()
    QTimer.singleShot(0, win.start_loading)
    if args.images:
        from pathlib import Path

        QTimer.singleShot(0, lambda: win.drop_paths([Path(p) for p in args.images], follow_tab=False))
    code = app.exec()
    finish_background_work(win)
    return code


def finish_background_work(win, timeout_ms: int = 20000) -> None:
    """Let the workers still running (a model list importing torch, a prediction) end
    before the interpreter shuts down under them -- which is what printed "can't register
    atexit after shutdown" and "Signal source has been deleted" at exit.  The window is
    already gone; results are dropped."""
    from PySide6.QtCore import QThreadPool

    pools = [QThreadPool.globalInstance(), *win.findChildren(QThreadPool)]
    for pool in pools:
        pool.waitForDone(timeout_ms)


if __name__ == "__main__":  # pragma: no cover  (also the frozen build's entry point)
    import multiprocessing

    from colorstudio.frozen import run_module_if_asked

    multiprocessing.freeze_support()   # frozen builds: data-loader workers on spawn platforms
    run_module_if_asked()              # frozen builds: ``-m trainer ...`` from the Train tab
    sys.exit(main())
