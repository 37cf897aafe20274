"""The hint editor's canvas tools: :class:`HintsTool` edits the hints on the input
canvas, :class:`EyedropperTool` picks a colour from the result.

Tools are what an :class:`~colorstudio.gui.widgets.canvas.ImageCanvas` calls with its
mouse and key events; these two act through the
:class:`~colorstudio.gui.widgets.hints_editor.HintsEditor` they are given (its model, its
colour), so every edit stays one undoable command.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from colorstudio.gui.widgets.hints_model import HintPoint, HintsModel


class HintsTool:
    """Canvas tool: left-click adds (or selects), drag moves, right-click deletes,
    double-click recolours, Delete removes the selected point."""

    RADIUS = 7
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, editor: QWidget):
        self.editor = editor
        self._drag: tuple[int, HintPoint] | None = None

    @property
    def model(self) -> HintsModel:
        return self.editor.model

    def _frac(self, canvas, pos: QPointF) -> tuple[float, float] | None:
        img = canvas.image()
        if img is None:
            return None
        return pos.x() / img.width(), pos.y() / img.height()

    def hit(self, canvas, widget_pos: QPointF) -> int | None:
        img = canvas.image()
        if img is None:
            return None
        best, best_d = None, (self.RADIUS + 4) ** 2
        for hid, p in self.model.points.items():
            w = canvas.to_widget(QPointF(p.x * img.width(), p.y * img.height()))
            d = (w.x() - widget_pos.x()) ** 2 + (w.y() - widget_pos.y()) ** 2
            if d <= best_d:
                best, best_d = hid, d
        return best

    def press(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        if not self.editor.isEnabled():
            return False
        hid = self.hit(canvas, event.position())
        if event.button() == Qt.MouseButton.RightButton:
            if hid is not None:
                self.model.delete(hid)
                return True
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if hid is not None:
            self.model.select(hid)
            self._drag = (hid, self.model.points[hid])
            return True
        frac = self._frac(canvas, pos)
        if frac is None or not (0 <= frac[0] <= 1 and 0 <= frac[1] <= 1):
            return False  # outside the image: let the view pan
        self.model.add(frac[0], frac[1], self.editor.current_rgb())
        self.model.select(None)   # a new hint is not "the selected one": the next colour picked is the next hint's
        return True

    def move(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        if self._drag is None:
            return False
        frac = self._frac(canvas, pos)
        if frac is not None:
            self.model.set_live(self._drag[0], *frac)
        return True

    def release(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        if self._drag is None:
            return False
        hid, old = self._drag
        self._drag = None
        frac = self._frac(canvas, pos)
        if frac is not None and hid in self.model.points:
            self.model.move(hid, frac[0], frac[1], old=old)
        return True

    def double_click(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        hid = self.hit(canvas, event.position())
        if hid is None:
            return False
        self.model.select(hid)
        self.editor.choose_color()
        return True

    def key(self, canvas, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.model.selected:
            self.model.delete(self.model.selected)
            return True
        return False

    def paint(self, painter: QPainter, canvas) -> None:
        img = canvas.image()
        if img is None or not self.editor.isEnabled():
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        reach_map = self.editor.reach_map() if self.editor.show_reach.isChecked() else None
        if reach_map is not None:
            # Where each hint's colour went in the last result (its weights, tinted by the
            # leading hint's colour): the reach the user sees is the reach that was applied.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            rect = QRectF(canvas.to_widget(QPointF(0, 0)), canvas.to_widget(QPointF(img.width(), img.height())))
            painter.drawImage(rect, reach_map)
        for hid, p in self.model.points.items():
            c = canvas.to_widget(QPointF(p.x * img.width(), p.y * img.height()))
            r = self.RADIUS + (3 if hid == self.model.selected else 0)
            painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
            painter.setBrush(QColor(*p.rgb))
            painter.drawEllipse(c, r, r)
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(c, r, r)
            if self.editor.show_reach.isChecked() and reach_map is None:
                # Before a result says where the colour went: the reach on flat ground, in
                # image pixels at the view's zoom (edges stop a hint sooner).
                reach_px = self.editor.reach() * max(img.width(), img.height())
                edge = canvas.to_widget(QPointF(p.x * img.width() + reach_px, p.y * img.height()))
                rr = abs(edge.x() - c.x())
                pen = QPen(QColor(*p.rgb), 1.5, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawEllipse(c, rr, rr)


class EyedropperTool:
    """Result-canvas tool: a click takes that pixel's colour for the hints."""

    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, editor: QWidget):
        self.editor = editor

    def press(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        img = canvas.image()
        if img is None or event.button() != Qt.MouseButton.LeftButton:
            return False
        x, y = int(pos.x()), int(pos.y())
        if not (0 <= x < img.width() and 0 <= y < img.height()):
            return False
        c = img.pixelColor(x, y)
        self.editor.pick_color((c.red(), c.green(), c.blue()))
        return True
