"""The event loop keeps ticking while inference runs; the window shows without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
from PySide6.QtCore import QTimer

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.widgets.colorize_page import ColorizePage
from guitest_helpers import gray_image, tiny_loader

MAX_GAP_S = 0.2


def test_event_loop_ticks_during_inference(qtbot, entries):
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

    stamps: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start()
    t0 = time.perf_counter()
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.set_image(gray_image(1024, 1024))
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.rerun()
    busy = time.perf_counter() - t0
    timer.stop()
    gaps = np.diff([t0] + stamps)
    print(f"busy {busy:.2f} s, {len(stamps)} ticks, max gap {gaps.max() * 1000:.0f} ms")
    assert busy > 0.3, "the work was too short to tell anything"
    assert len(stamps) > busy / 0.05
    assert gaps.max() < MAX_GAP_S, f"event loop stalled for {gaps.max() * 1000:.0f} ms"
    page.shutdown()


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
