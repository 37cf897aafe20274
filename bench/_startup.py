"""Child of the start-up benchmark: run the app's real entry point, report the first paint.

Does what the ``colorstudio`` launcher does (``colorstudio.gui.app:main``) and prints
``SHOWN <unix time>`` when the main window paints for the first time (the moment a
user sees it), plus ``TORCH <seconds>`` if torch was already imported by then (it
should load only after the window is up).  Then it exits at once.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMainWindow

    import colorstudio.gui.app as app_mod

    class Probe(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt name)
            if ev.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow) and obj.isVisible():
                print(f"SHOWN {time.time():.6f}", flush=True)
                print(f"TORCH_LOADED {'torch' in sys.modules}", flush=True)
                os._exit(0)
            return False

    probe = Probe()
    make_app = app_mod.make_app

    def make_app_with_probe(*a, **k):
        app = make_app(*a, **k)
        app.installEventFilter(probe)
        return app

    app_mod.make_app = make_app_with_probe
    app_mod.main([])
    print("NOT SHOWN: the event loop ended before the window painted", flush=True)
    os._exit(1)


if __name__ == "__main__":
    main()
