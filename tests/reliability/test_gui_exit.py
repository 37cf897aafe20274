"""Closing the app while its models still load (issue 21, item 6): no traceback at exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r'''
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import colorstudio.gui.app as app_mod

delay = int(sys.argv[1])
exec_ = QApplication.exec
def closing_exec(self):
    QTimer.singleShot(delay, lambda: [w.close() for w in QApplication.topLevelWidgets()])
    return exec_()
QApplication.exec = closing_exec
sys.exit(app_mod.main([]))
'''


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [150, 900])
def test_closing_while_models_load_exits_quietly(tmp_path, delay_ms):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(delay_ms)], capture_output=True, text=True,
                       env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "Signal source has been deleted" not in p.stderr, p.stderr


COPY_SCRIPT = r'''
import sys
import numpy as np
from PySide6.QtWidgets import QApplication
from colorstudio.gui import gc_guard
from colorstudio.gui.tabs.colorize.jobs import RunOutput
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import display_pyramid
from colorstudio.gui.tabs.colorize.page import ColorizePage

app = QApplication([])
gc_guard.install(app)
page = ColorizePage(PredictorCache(loader=lambda n, d: None), samples=[])
rgb = np.full((600, 800, 3), (200, 120, 40), np.uint8)
page.output = RunOutput(None, display_pyramid(rgb), "m", "cpu", "run", 0, 0.0)
del rgb
assert page.copy_result()
print("copied")
'''


def test_a_result_left_on_the_clipboard_does_not_crash_the_exit(tmp_path):
    """The views are over numpy arrays; the clipboard outlives Python (a segfault at exit)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", COPY_SCRIPT], capture_output=True, text=True,
                       env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert p.returncode == 0 and "copied" in p.stdout, (p.returncode, p.stderr[-2000:])
