"""FacadePanel with a tiny random-weight pix2pix-facades: a stroke regenerates the photo."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt

from colorstudio.gui.tabs.facades.page import FacadePanel

LEFT = Qt.MouseButton.LeftButton


def tiny_translator(weights=True):
    """pix2pix-facades with random weights, small enough for tests (ignores ``weights``)."""
    import torch

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    torch.manual_seed(0)
    return Predictor(create("pix2pix-facades", weights=False, ngf=4, num_downs=5), device="cpu")


@pytest.fixture
def panel(qtbot, settings):
    p = FacadePanel(loader=tiny_translator, settings=settings)
    qtbot.addWidget(p)
    yield p
    p.shutdown()


def test_stroke_regenerates_the_photo(panel, qtbot):
    panel.resize(1000, 500)
    with qtbot.waitSignal(panel.photoChanged, timeout=20000):
        panel.show()                       # the first look loads the model and generates
    first = panel.photo().copy()
    assert first.shape == (256, 256, 3) and first.dtype == np.uint8
    assert panel.message_bar.level == "warning"        # random weights are announced
    canvas = panel.painter
    panel.set_tool("rectangle")
    panel.class_list.setCurrentRow(3)                 # door
    a, b = canvas.to_widget(40, 60).toPoint(), canvas.to_widget(200, 240).toPoint()
    with qtbot.waitSignal(panel.photoChanged, timeout=20000):
        qtbot.mousePress(canvas, LEFT, pos=a)
        qtbot.mouseMove(canvas, b)
        qtbot.mouseRelease(canvas, LEFT, pos=b)
    assert (canvas.labels[60:241, 40:201] == 3).all()
    second = panel.photo()
    assert np.abs(second.astype(int) - first.astype(int)).mean() > 1.0
    assert "generated in" in panel.status.text()
    with qtbot.waitSignal(panel.photoChanged, timeout=20000):
        panel.painter.undo()              # undo regenerates too
    np.testing.assert_array_equal(panel.photo(), first)


def test_model_errors_become_messages(qtbot, settings):
    def broken(weights):
        raise RuntimeError("bad checkpoint: missing keys")

    p = FacadePanel(loader=broken, settings=settings)
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.message, timeout=10000) as sig:   # to the window's message strip too
        p.regenerate()
    assert "bad checkpoint" in sig.args[0] and sig.args[1] == "error"
    assert p.message_bar.level == "error" and "bad checkpoint" in p.message_bar.message()
    assert p.load(__file__) is False                # not an image: a message, no exception
    assert "cannot load" in p.message_bar.message()
    p.shutdown()


def test_random_layout_button_and_seed(panel):
    seed = panel.seed_spin.value()
    panel.random_button.click()
    from colorstudio.gui.tabs.facades.label_painter import random_layout

    np.testing.assert_array_equal(panel.painter.labels, random_layout(seed))
    assert panel.seed_spin.value() == seed + 1
    assert panel.painter.can_undo()


@pytest.mark.slow
def test_constructing_the_widgets_does_not_import_torch():
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from colorstudio.gui.tabs.facades.page import FacadePanel\n"
            "from colorstudio.gui.tabs.train.page import TrainingDashboard\n"
            "f, d = FacadePanel(), TrainingDashboard()\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "assert 'trainer' not in sys.modules, 'trainer imported'\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": os.environ.get("HOME", "/tmp")}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]



def test_ctrl_shift_s_saves_the_labels(panel, qtbot, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (asked.append(a[1]), ("", ""))[1]))
    with qtbot.waitSignal(panel.photoChanged, timeout=20000):
        panel.show()
    panel.painter.setFocus()
    qtbot.keyClick(panel.painter, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert asked == ["Save label map"]
