"""Garbage is collected on the GUI thread only (colorstudio.gui.gc_guard)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from colorstudio.gui import gc_guard


class _Cyclic(QObject):
    def __init__(self):
        super().__init__()
        self.me = self   # only the cyclic collector can free it


def test_qt_garbage_made_in_a_worker_is_freed_on_the_gui_thread(qapp):
    guard = gc_guard.install(qapp)
    assert not gc.isenabled()
    freed_in: list[int] = []

    def worker() -> None:
        obj = _Cyclic()
        weakref.finalize(obj, lambda: freed_in.append(threading.get_ident()))
        del obj
        junk = [[i] for i in range(200_000)]   # would start an automatic collection here
        del junk

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert freed_in == [], "collected in the worker thread"
    saved, guard.thresholds = guard.thresholds, (0, 0, 0)   # collect now, whatever the counts say
    try:
        guard.check()
    finally:
        guard.thresholds = saved
    assert freed_in == [threading.get_ident()]


def test_install_is_idempotent_and_stop_gives_collection_back(qapp):
    a = gc_guard.install(qapp)
    assert gc_guard.install(qapp) is a and gc_guard.installed() is a
    a.stop()
    assert gc.isenabled()
    a.timer.start()
    gc.disable()   # the session's guard stays in force for the other tests
