"""The mouse wheel scrolls a side panel; it changes a control only when the user chose it.

Qt gives a wheel event to whatever control is under the pointer, focused or not, so a user
scrolling the Colorize panel switched the model (one notch over the Model box) and moved
Saturation 169% -> 145%.  The rule of every settings panel in desktop tools: a control in a
scroll area takes the wheel only when it has the keyboard focus (clicked or tabbed to); else
the wheel scrolls the area.  One application-wide event filter applies it to every spin box,
combo box and slider, today's and tomorrow's.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollArea, QWidget

_VALUE_WIDGETS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


def _scroll_area(w: QWidget) -> QScrollArea | None:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QScrollArea):
            return p
        p = p.parentWidget()
    return None


class WheelGuard(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 -- Qt's name
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, _VALUE_WIDGETS):
            return False
        if isinstance(obj, QAbstractSlider) and obj.parentWidget() is not None \
                and isinstance(obj.parentWidget().parentWidget(), QScrollArea):
            return False   # a scroll area's own scroll bar
        if obj.hasFocus():
            return False
        area = _scroll_area(obj)
        if area is None:
            return False
        if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)   # the wheel must not focus it either
        QCoreApplication.sendEvent(area.verticalScrollBar(), event)
        return True


_guard: WheelGuard | None = None


def install(app: QApplication | None = None) -> None:
    """Install the guard on the application (once)."""
    global _guard
    app = app or QApplication.instance()
    if app is None or _guard is not None:
        return
    _guard = WheelGuard(app)
    app.installEventFilter(_guard)
