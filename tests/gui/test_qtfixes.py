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
