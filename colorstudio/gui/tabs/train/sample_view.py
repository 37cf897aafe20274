"""The newest sample predictions of a training run (RUN/samples/latest.png), live."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from colorstudio.gui.widgets.image_view import ImageView


class SampleView(QWidget):
    """RUN/samples/latest.png, reloaded when its time stamp or size changes.

    A half-written PNG fails to load: the previous image stays and the next check
    retries, so a trainer that writes in place never makes the view flicker.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        self._stamp: tuple[float, int] | None = None
        self.view = ImageView("Sample predictions appear here after the first epoch "
                              "(or sample interval).")
        self.caption = QLabel("Latest samples")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.caption)
        lay.addWidget(self.view, 1)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self.check)
        self.watcher.directoryChanged.connect(self.check)
        self.loads = 0

    def set_path(self, path: Path | None) -> None:
        for paths in (self.watcher.files(), self.watcher.directories()):
            if paths:
                self.watcher.removePaths(paths)
        self.path, self._stamp = path, None
        self.view.set_array(None)
        self.caption.setText("Latest samples")
        self.check()

    def check(self) -> None:
        p = self.path
        if p is None:
            return
        if p.parent.is_dir() and str(p.parent) not in self.watcher.directories():
            self.watcher.addPath(str(p.parent))
        try:
            st = p.stat()
        except OSError:
            return
        if str(p) not in self.watcher.files():
            self.watcher.addPath(str(p))
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return
        img = QImage(str(p))
        if img.isNull():
            return  # being written: try again at the next change or tick
        self._stamp = stamp
        self.loads += 1
        self.view._img = img.convertToFormat(QImage.Format.Format_RGB888)
        self.view.update()
        self.caption.setText(f"Latest samples — {p.parent.parent.name}, "
                             f"{time.strftime('%H:%M:%S', time.localtime(st.st_mtime))}")

    def has_image(self) -> bool:
        return self.view._img is not None
