"""The Train tab's log pane: the trainer's output and the run's events, each said once.

The trainer logs an event both to its stderr and to its metrics.jsonl (which the
dashboard shows as ``[kind] message``); a line already shown the other way is not
shown again.  Names in lines are made safe for a log (``core.messages.shown``).
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from colorstudio.core.messages import shown

MAX_LINES = 5000


class RunLog(QPlainTextEdit):
    """Read-only, fixed-width, the last :data:`MAX_LINES` lines."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Trainer output appears here.")

    def add(self, line: str) -> None:
        """One line of the trainer's output, unless its metrics already showed it."""
        if line.startswith("20") and " trainer: " in line:  # the trainer's own log line (stderr) ...
            said = line.split(" trainer: ", 1)[1]
            if any(r.startswith("[") and r.endswith(said) for r in self.recent_lines()):
                return  # ... of what its metrics already showed (the start line)
        self.appendPlainText(shown(line, "log"))

    def add_event(self, kind: str, message: str) -> bool:
        """A run event from its metrics, unless the trainer's output already showed it
        (then False: it was said)."""
        if message and any(line.endswith(message) for line in self.recent_lines()):
            return False  # the trainer's own output already showed it (the start line)
        self.add(f"[{kind}] {message}".rstrip())
        return True

    def recent_lines(self, n: int = 20) -> list[str]:
        return self.toPlainText().splitlines()[-n:]
