"""The event loop keeps ticking while inference runs; the window shows without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from PySide6.QtCore import QTimer

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.colorize.page import ColorizePage
from guitest_helpers import gray_image, tiny_loader

@pytest.mark.slow
def test_event_loop_ticks_during_inference(qtbot, entries):
    """The network runs off the GUI thread, and the GUI thread's timer keeps firing while
    it runs -- checked by where and when the forward passes ran, not by how long a tick
    took (a loaded machine stretches every gap; issue 20, item 6)."""
    import threading

    # A bigger (still random) net and a 1-megapixel image: ~0.5-1 s of work per run.
    cache = PredictorCache(loader=lambda n, d: tiny_loader(n, d, base=16, depth=3))
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.set_entries(*entries, model="unet-gan")
    qtbot.waitUntil(lambda: cache.cached("unet-gan", page.picker.device()) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not page.runner.is_busy(), timeout=20000)
    page.controls.set_render_size(768)
    pred = cache.cached("unet-gan", page.picker.device())
    runs: list[tuple[int, float, float]] = []        # (thread, start, end) of each network run
    inner = pred.predict_ab

    def timed(x):
        t0 = time.perf_counter()
        try:
            return inner(x)
        finally:
            runs.append((threading.get_ident(), t0, time.perf_counter()))

    pred.predict_ab = timed
    stamps: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start()
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.set_image(gray_image(1024, 1024))
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.rerun()
    timer.stop()
    page.shutdown()
    assert runs, "the network never ran"
    assert all(tid != threading.main_thread().ident for tid, _, _ in runs), "inference ran on the GUI thread"
    during = [t for t in stamps if any(a < t < b for _, a, b in runs)]
    print(f"{len(runs)} runs, {sum(b - a for _, a, b in runs):.2f} s of network, {len(during)} ticks during them")
    assert during, "the event loop did not tick while the network ran"


@pytest.mark.slow
def test_window_shows_without_importing_torch(tmp_path):
    code = textwrap.dedent("""
        import os, sys, time
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        t0 = time.perf_counter()
        from PySide6.QtCore import QSettings
        from colorstudio.gui.app import make_app
        app = make_app(["colorstudio"])
        from colorstudio.gui.main_window import MainWindow
        w = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat))
        w.show()
        app.processEvents()
        print("torch" in sys.modules, round(time.perf_counter() - t0, 2))
    """)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.ini")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    torch_loaded, seconds = out.stdout.split()
    assert torch_loaded == "False"


def test_command_line_arguments():
    from colorstudio.gui.app import parse_args

    assert parse_args(["photo.png"]).images == ["photo.png"]
    assert parse_args(["a.png", "b.png"]).images == ["a.png", "b.png"]
    assert parse_args([]).images == []
