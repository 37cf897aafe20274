"""Helpers shared by the GUI tests: tiny models, test images, synthetic mouse input."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

TINY = dict(base=8, depth=2)


def tiny_loader(name: str, device: str = "auto", delay: float = 0.0, **config):
    """A random-weight model of the registered family ``name``, small enough for tests
    (the TINY sizes the family's factory takes)."""
    import inspect

    import torch

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create, spec

    params = inspect.signature(spec(name).factory).parameters
    cfg = {k: v for k, v in {**TINY, **config}.items() if k in params}
    torch.manual_seed(0)  # the same random net every run: reproducible tests
    pred = Predictor(create(name, weights=False, **cfg), device="cpu")
    pred.calls = 0
    inner = pred.predict_ab

    def counted(x):
        pred.calls += 1
        if delay:
            time.sleep(delay)
        return inner(x)

    pred.predict_ab = counted
    # One path to the network whatever the backend: the batch engine calls run_stream, which
    # under ONNX Runtime bypassed predict_ab (no delay, no count) and raced the tests.
    pred.streams = lambda method="forward": 1
    pred.run_stream = lambda x, method="forward": pred.predict_ab(x) if method == "predict_ab" else pred.run(x, method)
    return pred


def gray_image(h: int = 48, w: int = 64, dtype=np.uint8) -> np.ndarray:
    """A gray gradient with a square: enough structure for a network to react to."""
    y, x = np.mgrid[0:h, 0:w]
    v = (x / max(1, w - 1) * 0.6 + y / max(1, h - 1) * 0.3)
    v[h // 4: h // 2, w // 4: w // 2] = 0.95
    top = 255 if dtype == np.uint8 else 65535
    return (v * top).astype(dtype)


def solid(w: int, h: int, color: str) -> QImage:
    img = QImage(w, h, QImage.Format.Format_RGB888)
    img.fill(QColor(color))
    return img


def wheel(widget, pos: QPointF, steps: int) -> None:
    ev = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def mouse(widget, kind, pos: QPointF, button=Qt.MouseButton.LeftButton) -> None:
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    ev = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def drag(widget, a: QPointF, b: QPointF, button=Qt.MouseButton.LeftButton) -> None:
    mouse(widget, QEvent.Type.MouseButtonPress, a, button)
    mouse(widget, QEvent.Type.MouseMove, (a + b) / 2, button)
    mouse(widget, QEvent.Type.MouseMove, b, button)
    mouse(widget, QEvent.Type.MouseButtonRelease, b, button)


def shown_colorize_page(qtbot, cache, entries, model: str = "unet-hints"):
    """A Colorize page shown at 1000x600 (exposed, so brushes and overlays paint) on ``model``."""
    from colorstudio.gui.tabs.colorize.page import ColorizePage

    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    page.set_entries(*entries, model)
    return page
