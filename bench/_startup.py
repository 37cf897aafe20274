"""Child of the start-up benchmark: run the app's real entry point, report the first paint.

Does what the ``colorstudio`` launcher does (``colorstudio.gui.app:main``) and prints
``SHOWN <unix time>`` when the main window paints for the first time (the moment a
user sees it), and ``TORCH_LOADED True`` if torch had been imported before the window
was shown (it should load only afterwards, in the background).  Then it exits at once.
"""

from __future__ import annotations

import os
import sys
import time



def main() -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMainWindow

    import colorstudio.gui.app as app_mod

    class Probe(QObject):
        torch_at_show: bool | None = None

        def eventFilter(self, obj, ev):  # noqa: N802 (Qt name)
            if isinstance(obj, QMainWindow):
                if ev.type() == QEvent.Type.Show and self.torch_at_show is None:
                    # Before the event loop runs: background loading has not started yet.
                    self.torch_at_show = "torch" in sys.modules
                elif ev.type() == QEvent.Type.Paint and obj.isVisible():
                    print(f"SHOWN {time.time():.6f}", flush=True)
                    print(f"TORCH_LOADED {bool(self.torch_at_show)}", flush=True)
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
