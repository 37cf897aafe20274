"""A non-modal message strip (info / warning / error) instead of blocking dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from colorstudio.gui.theme import icon

_LEVELS = {  # icon, border/text colour, background
    "info": ("mdi6.information", "#2f6fd0", "rgba(47,111,208,0.14)"),
    "warning": ("mdi6.alert", "#b57b00", "rgba(230,160,0,0.18)"),
    "error": ("mdi6.alert-circle", "#c62828", "rgba(220,50,50,0.16)"),
}


class MessageBar(QFrame):
    """Shows one message at a time; info messages fade out by themselves."""

    dismissed = Signal()

    def __init__(self, parent=None, info_timeout_ms: int = 6000):
        super().__init__(parent)
        self.info_timeout_ms = info_timeout_ms
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setAutoRaise(True)
        self.close_button.setIcon(icon("mdi6.close"))
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.level = ""
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        ic, fg, bg = _LEVELS.get(level, _LEVELS["info"])
        self.level = level
        self.icon.setPixmap(icon(ic, fg).pixmap(18, 18))
        self.text.setText(text)
        self.setStyleSheet(f"MessageBar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}")
        self.show()
        self._timer.stop()
        if level == "info" and self.info_timeout_ms > 0:
            self._timer.start(self.info_timeout_ms)

    def message(self) -> str:
        return self.text.text() if not self.isHidden() else ""

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()
        self.dismissed.emit()
