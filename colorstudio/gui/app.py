"""Entry point of the desktop app: ``colorstudio [IMAGE ...]``.

Start-up order matters for how fast the window appears: Qt and the window first (no
torch: importing it takes seconds), then -- once the event loop runs -- the model
registry is listed and the default model loaded in worker threads, and the image
given on the command line is opened.  When the window closes the process ends at once,
waiting only for a user's file still being written (:func:`end_process`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import NoReturn, Sequence

import shiboken6
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from colorstudio import __version__
from colorstudio.gui import gc_guard

ORG = APP = "ColorStudio"
WRITE_GRACE_S = 60.0   # the longest quitting waits for an export still being written


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


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Show the window, then load models and the optional image in the background; the
    process ends when the window closes (:func:`end_process`)."""
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
    end_process(app, win, code)


def end_process(app: QApplication, win: QWidget, code: int) -> NoReturn:
    """End the process promptly once the window has closed (issue 32, item 14).

    The window cancelled its work without waiting for it.  What may still run cannot be
    stopped midway -- the model list importing torch, a model's warm-up, a prediction --
    and letting the interpreter finish would wait for it (the thread pools join at exit,
    an import holds its lock) and then tear torch down: 5-8 s on two busy cores.  So only a
    user's file still being written is waited for; then, when no thread is left, Qt is shut
    down properly (it hands the clipboard to the desktop's clipboard manager), and the
    process ends without the interpreter's teardown.  The settings are already synced;
    files are written atomically, so a dropped batch frame leaves no half file (its stale
    temporary file is cleaned by the next run)."""
    from colorstudio.gui.workers import wait_for_writes

    if not wait_for_writes(WRITE_GRACE_S):
        print("colorstudio: a file was still being written when the app quit; it was not finished",
              file=sys.stderr)
    if not _threads_running(win):
        shiboken6.delete(app)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):   # closed or absent (a windowed build)
            pass
    logging.shutdown()
    os._exit(code)


def _threads_running(win: QWidget) -> bool:
    """Whether a pool thread still runs (Qt's teardown would wait for it)."""
    pools = [QThreadPool.globalInstance(), *win.findChildren(QThreadPool)]
    return any(pool.activeThreadCount() for pool in pools)


if __name__ == "__main__":  # pragma: no cover  (also the frozen build's entry point)
    import multiprocessing

    from colorstudio.frozen import run_module_if_asked

    multiprocessing.freeze_support()   # frozen builds: data-loader workers on spawn platforms
    run_module_if_asked()              # frozen builds: ``-m trainer ...`` from the Train tab
    sys.exit(main())
