"""A shot's frame scrubber: a slider that marks its keyframes, as editors' timelines do."""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

KEY_COLOUR = QColor(255, 196, 0)


class FrameSlider(QSlider):
    """Horizontal slider over frame indices; :meth:`set_marks` draws a diamond under each
    keyframe (where hints were placed), at the exact place the handle takes on that frame."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._marks: tuple[int, ...] = ()
        self.setMinimumHeight(26)

    def set_marks(self, frames: Iterable[int]) -> None:
        self._marks = tuple(sorted(set(int(f) for f in frames)))
        self.update()

    def marks(self) -> tuple[int, ...]:
        return self._marks

    def mark_x(self, frame: int) -> float:
        """The x (widget pixels) of the handle's centre when it shows ``frame``."""
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
        span = max(1, groove.width() - handle.width())
        pos = QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), frame, span, opt.upsideDown)
        return groove.x() + pos + handle.width() / 2

    def neighbour_mark(self, frame: int, step: int) -> int | None:
        """The next keyframe after ``frame`` (``step`` > 0) or before it, else None."""
        later = [m for m in self._marks if (m > frame if step > 0 else m < frame)]
        return (min(later) if step > 0 else max(later)) if later else None

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._marks or self.maximum() <= self.minimum():
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor(40, 40, 40))
        p.setBrush(KEY_COLOUR)
        r = 4.0
        y = self.height() - r - 1
        for m in self._marks:
            x = self.mark_x(m)
            p.drawPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]))
        p.end()

