"""A non-modal message strip (info / warning / error) instead of blocking dialogs.

It floats over the top edge of the widget it is placed on (:meth:`MessageBar.float_over`)
instead of taking a row of its layout: a message that comes or goes never moves the page's
controls under the pointer (a row that opened and closed made three clicks miss)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
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
        self._host: QObject | None = None
        self.hide()

    def float_over(self, host) -> "MessageBar":
        """Float over the top of ``host`` (a QWidget), across its width, above its children."""
        self.setParent(host)
        self._host = host
        host.installEventFilter(self)
        self._place()
        return self

    def _place(self) -> None:
        host = self._host
        if host is None:
            return
        m = 6
        w = max(120, host.width() - 2 * m)
        self.setGeometry(m, m, w, self.heightForWidth(w) if self.hasHeightForWidth() else self.sizeHint().height())
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 -- Qt's name
        if obj is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def show_message(self, text: str, level: str = "info") -> None:
        ic, fg, bg = _LEVELS.get(level, _LEVELS["info"])
        self.level = level
        self.icon.setPixmap(icon(ic, fg).pixmap(18, 18))
        self.text.setText(text)
        if self._host is not None:   # floating over the page: an opaque ground, the tint mixed into it
            base, tint = self.palette().color(QPalette.ColorRole.Window), QColor(fg)
            k = 0.16
            bg = QColor(round(base.red() * (1 - k) + tint.red() * k), round(base.green() * (1 - k) + tint.green() * k),
                        round(base.blue() * (1 - k) + tint.blue() * k)).name()
        self.setStyleSheet(f"MessageBar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}")
        self.show()
        self._place()
        self._timer.stop()
        if level == "info" and self.info_timeout_ms > 0:
            self._timer.start(self.info_timeout_ms)

    def message(self) -> str:
        return self.text.text() if not self.isHidden() else ""

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()
        self.dismissed.emit()
