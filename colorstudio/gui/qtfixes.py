"""Work-arounds for bugs of the installed Qt binding, applied once when colorstudio.gui loads.

PySide6 6.12.0 (CPython < 3.12): ``SignalInstance.emit`` returns ``True`` without a new
reference, so every ``signal.emit(...)`` made from Python takes one reference from the
``True`` singleton.  A session that emits a few thousand signals (progress of a batch,
lines of a training log) then frees ``True`` and the interpreter aborts with
"bool_dealloc: deallocating True or False".  The fix is detected, not assumed: a probe
emit measures the reference count, and only a leaking binding gets the compensating
wrapper (on CPython >= 3.12 ``True`` is immortal and nothing is patched).
"""

from __future__ import annotations

import ctypes
import sys

_applied = False


def emit_leaks_true() -> bool:
    """True when ``emit`` drops a reference to the bool it returns (the 6.12.0 bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def apply() -> bool:
    """Install the emit wrapper if this binding needs it; returns whether it did."""
    global _applied
    if _applied:
        return True
    from PySide6.QtCore import SignalInstance

    if not emit_leaks_true():
        return False
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    for _ in range(4):          # give back what the probe took
        incref(True)
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        if result is True or result is False:
            incref(result)      # the reference the binding forgot to add
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit
    _applied = True
    return True
