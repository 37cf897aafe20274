"""A view of one image scaled to fit, aspect kept (the facade photo, training samples)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


def fit_rect(image: QSize, area: QRect) -> QRectF:
    """The largest rectangle of ``image``'s aspect ratio centred in ``area``."""
    if image.isEmpty() or area.isEmpty():
        return QRectF()
    s = min(area.width() / image.width(), area.height() / image.height())
    w, h = image.width() * s, image.height() * s
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


class ImageView(QWidget):
    """Shows one image scaled to fit, aspect kept (the generated photo)."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._img: QImage | None = None
        self.placeholder = placeholder
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_array(self, rgb: np.ndarray | None) -> None:
        if rgb is None:
            self._img = None
        else:
            rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
            h, w = rgb.shape[:2]
            self._img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def paintEvent(self, _ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(110))
        if self._img is None:
            p.setPen(self.palette().color(self.foregroundRole()))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(fit_rect(self._img.size(), self.rect().adjusted(4, 4, -4, -4)), self._img)
        p.end()
