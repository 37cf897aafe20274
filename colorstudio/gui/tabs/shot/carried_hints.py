"""The Shot tab's input-canvas tool: the hint editor's own, plus a ring where each hint
carried from a keyframe landed on the frame in view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget


class CarriedHintsTool:
    """The hint editor's tool ``inner``, plus rings where hints carried from keyframes
    landed (the ShotPanel ``panel``'s ``carried`` hints after the frame's own)."""

    RING = 9

    def __init__(self, inner: Any, panel: QWidget):
        self.inner, self.panel = inner, panel
        self.cursor = inner.cursor

    def __getattr__(self, name: str) -> Any:          # press / move / release / double_click / key
        return getattr(self.inner, name)

    def paint(self, painter: QPainter, canvas) -> None:
        img = canvas.image()
        if img is not None:
            own = self.panel.keyframes.get(self.panel.index, [])
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for x, y, rgb in self.panel.carried[len(own):]:      # the frame's own come first
                c = canvas.to_widget(QPointF(x * img.width(), y * img.height()))
                painter.setPen(QPen(QColor(0, 0, 0, 180), 4))
                painter.drawEllipse(c, self.RING, self.RING)
                painter.setPen(QPen(QColor(*rgb), 2.5))
                painter.drawEllipse(c, self.RING, self.RING)
        self.inner.paint(painter, canvas)
