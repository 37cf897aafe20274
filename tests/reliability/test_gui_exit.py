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


@pytest.mark.parametrize("delay_ms", [150, 900])
def test_closing_while_models_load_exits_quietly(tmp_path, delay_ms):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(delay_ms)], capture_output=True, text=True,
                       env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "Signal source has been deleted" not in p.stderr, p.stderr
