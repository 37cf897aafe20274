"""Follow a run's metrics.jsonl as it grows (the records come from core.io.runs' reader).

Reading is incremental (from the last byte offset); a partial last line is kept until
its newline arrives, malformed lines are skipped.  A QFileSystemWatcher gives prompt
updates, a QTimer polls as a fallback (watchers miss events on some file systems and
cannot watch a file that does not exist yet).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from colorstudio.core.io.runs import MetricsReader


class MetricsTail(QObject):
    """Follows RUN/metrics.jsonl; emits ``records(list[dict])`` as complete lines arrive."""

    records = Signal(list)
    reset = Signal()   # the file was replaced: drop what was shown

    def __init__(self, path: str | os.PathLike, interval_ms: int = 500,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.reader = MetricsReader(path)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self.poll)
        self.watcher.directoryChanged.connect(self.poll)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    @property
    def path(self) -> Path:
        return self.reader.path

    def set_path(self, path: str | os.PathLike) -> None:
        """Follow another file (from its beginning); stops following the previous one."""
        self.stop()
        self.reader = MetricsReader(path)

    def start(self) -> None:
        self._watch()
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        """Stop following (a last poll picks up the final lines)."""
        if self.timer.isActive():
            self.poll()
        self.timer.stop()
        for paths in (self.watcher.files(), self.watcher.directories()):
            if paths:
                self.watcher.removePaths(paths)

    def _watch(self) -> None:
        # The file may not exist yet: watch the nearest existing folder until it does.
        p = self.path
        if p.is_file() and str(p) not in self.watcher.files():
            self.watcher.addPath(str(p))
        d = p.parent
        while not d.is_dir() and d != d.parent:
            d = d.parent
        if d.is_dir() and str(d) not in self.watcher.directories():
            self.watcher.addPath(str(d))

    def poll(self) -> None:
        if self.timer.isActive() and str(self.path) not in self.watcher.files():
            self._watch()
        recs = self.reader.read_new()
        if self.reader.reset:
            self.reset.emit()
        if recs:
            self.records.emit(recs)
