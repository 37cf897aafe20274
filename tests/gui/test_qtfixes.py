"""Signals emitted from Python must not eat references to True (PySide6 6.12.0 bug)."""

import sys

from PySide6.QtCore import QObject, Signal

import colorstudio.gui  # noqa: F401  (applies the fix)


class _Emitter(QObject):
    ping = Signal()
    flag = Signal(bool)


def test_emit_keeps_the_refcount_of_true():
    e = _Emitter()
    e.flag.connect(lambda b: None)
    before = sys.getrefcount(True)
    for _ in range(500):
        e.ping.emit()
        e.flag.emit(True)
    assert sys.getrefcount(True) >= before


def test_qt_binding_keeps_none_alive_across_void_calls(qtbot):
    """PySide6 6.12.0 dropped a reference to None on every void method call (QPainter.setPen,
    drawLine...): a live training plot then crashed the app within minutes ("deallocating
    None").  pyproject pins PySide6 below 6.12; this catches a binding with that bug."""
    import sys

    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QImage, QPainter

    img = QImage(8, 8, QImage.Format.Format_RGB32)
    p = QPainter(img)
    try:
        before = sys.getrefcount(None)
        for _ in range(500):
            p.drawLine(QPointF(0, 0), QPointF(1, 1))
            p.translate(0, 0)
        assert sys.getrefcount(None) >= before - 10
    finally:
        p.end()
