"""A canvas for painting CMP facade label maps (the input of pix2pix-facades).

The map is an (H, W) array of class ids (colours come from ``core.color.palette`` only);
tools: brush, rectangle, flood fill, eraser; every edit is undoable.  A seeded
"random layout" gives students a plausible facade to start from.  The numpy parts
(``random_layout``, ``read_label_map``, ``save_label_map``) live in
:mod:`colorstudio.core.colorize.label_maps` and work without a window.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from colorstudio.core.colorize.label_maps import (DEFAULT_SIZE, class_id, label_map_from_image,  # noqa: F401
                                         random_layout, read_label_map, save_label_map)
from colorstudio.core.color.palette import CLASSES, COLORS, NUM_CLASSES, labels_to_rgb
from colorstudio.gui.widgets.image_view import fit_rect

TOOLS = ("brush", "rectangle", "fill", "eraser")
MAX_UNDO = 100


# --------------------------------------------------------------------------- the canvas
class LabelPainter(QWidget):
    """Paints class ids with the mouse.  ``changed`` fires once per finished edit."""

    changed = Signal()
    undoAvailable = Signal(bool)
    redoAvailable = Signal(bool)
    classPicked = Signal(int)     # right click: the class under the cursor
    hovered = Signal(str)         # "window at 120, 40" (empty when outside)

    def __init__(self, parent: QWidget | None = None, size: tuple[int, int] = DEFAULT_SIZE):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._labels = np.zeros(size, np.uint8)
        self._qimage: QImage | None = None
        self.tool = "brush"
        self.current_class = class_id("window")
        self.eraser_class = class_id("background")
        self.brush_size = 9
        self._undo: list[np.ndarray] = []
        self._redo: list[np.ndarray] = []
        self._stroke_before: np.ndarray | None = None
        self._last: tuple[int, int] | None = None
        self._rect_start: tuple[int, int] | None = None
        self._hover: QPointF | None = None

    # ---- state
    @property
    def labels(self) -> np.ndarray:
        """The current map (H, W) of class ids; a view: copy before keeping it."""
        return self._labels

    def label_rgb(self) -> np.ndarray:
        return labels_to_rgb(self._labels)

    def set_labels(self, ids: np.ndarray, undoable: bool = True) -> None:
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.size == 0:
            raise ValueError(f"a label map must be a non-empty 2-D array of class ids, got shape {ids.shape}")
        if ids.min() < 0 or ids.max() >= NUM_CLASSES:
            raise ValueError(f"class ids must be in 0..{NUM_CLASSES - 1}")
        if undoable:
            self._push_undo(self._labels.copy())
        else:
            self._undo.clear()
            self._redo.clear()
            self._emit_undo_state()
        self._labels = ids.astype(np.uint8, copy=True)
        self._refresh()
        self.changed.emit()

    def random_layout(self, seed: int) -> None:
        """Replace the map with :func:`random_layout` (undoable)."""
        self.set_labels(random_layout(seed, self._labels.shape))

    def load(self, path: str | os.PathLike) -> None:
        """Load a label map image (snapped to the palette); raises with a clear message."""
        self.set_labels(read_label_map(path))

    def save(self, path: str | os.PathLike) -> Path:
        return save_label_map(path, self._labels)

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")
        self.tool = tool
        self.update()

    def set_class(self, cls: int | str) -> None:
        self.current_class = class_id(cls) if isinstance(cls, str) else int(cls)
        if not 0 <= self.current_class < NUM_CLASSES:
            raise ValueError(f"class ids must be in 0..{NUM_CLASSES - 1}")

    def set_eraser_class(self, cls: int | str) -> None:
        self.eraser_class = class_id(cls) if isinstance(cls, str) else int(cls)

    def set_brush_size(self, size: int) -> None:
        self.brush_size = int(max(1, min(128, size)))
        self.update()

    # ---- undo / redo
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self._labels)
            self._labels = self._undo.pop()
            self._after_history()

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self._labels)
            self._labels = self._redo.pop()
            self._after_history()

    def _after_history(self) -> None:
        self._refresh()
        self._emit_undo_state()
        self.changed.emit()

    def _push_undo(self, before: np.ndarray) -> None:
        self._undo.append(before)
        del self._undo[:-MAX_UNDO]
        self._redo.clear()
        self._emit_undo_state()

    def _emit_undo_state(self) -> None:
        self.undoAvailable.emit(bool(self._undo))
        self.redoAvailable.emit(bool(self._redo))

    # ---- editing operations (image coordinates; also used by the mouse handlers)
    def paint_line(self, p0: tuple[int, int], p1: tuple[int, int], cls: int) -> None:
        """Brush from p0 to p1 (x, y) with the current size (no undo entry by itself)."""
        size = self.brush_size
        if size <= 1:
            cv2.line(self._labels, p0, p1, int(cls), 1, cv2.LINE_8)
        else:
            r = size // 2
            cv2.circle(self._labels, p0, r, int(cls), -1, cv2.LINE_8)
            cv2.circle(self._labels, p1, r, int(cls), -1, cv2.LINE_8)
            cv2.line(self._labels, p0, p1, int(cls), 2 * r + 1, cv2.LINE_8)
        self._refresh()

    def fill_rect(self, p0: tuple[int, int], p1: tuple[int, int], cls: int) -> bool:
        """Fill the rectangle spanned by two corners (inclusive), as one undoable edit."""
        h, w = self._labels.shape
        x0, x1 = sorted((p0[0], p1[0]))
        y0, y1 = sorted((p0[1], p1[1]))
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(w - 1, x1), min(h - 1, y1)
        if x1 < x0 or y1 < y0:
            return False
        return self._apply(lambda a: a.__setitem__((slice(y0, y1 + 1), slice(x0, x1 + 1)), cls))

    def flood_fill(self, p: tuple[int, int], cls: int) -> bool:
        """Fill the 4-connected region of the class under ``p`` with ``cls`` (undoable)."""
        h, w = self._labels.shape
        if not (0 <= p[0] < w and 0 <= p[1] < h) or self._labels[p[1], p[0]] == cls:
            return False
        mask = np.zeros((h + 2, w + 2), np.uint8)
        return self._apply(lambda a: cv2.floodFill(a, mask, p, int(cls), 0, 0, 4))

    def _apply(self, fn) -> bool:
        before = self._labels.copy()
        fn(self._labels)
        if np.array_equal(before, self._labels):
            return False
        self._push_undo(before)
        self._refresh()
        self.changed.emit()
        return True

    # ---- display
    def _refresh(self) -> None:
        self._qimage = None
        self.update()

    def image_rect(self) -> QRectF:
        h, w = self._labels.shape
        return fit_rect(QSize(w, h), self.rect().adjusted(4, 4, -4, -4))

    def to_image(self, pos: QPointF) -> tuple[int, int]:
        """Widget position -> (x, y) label pixel (may lie outside the map)."""
        r = self.image_rect()
        h, w = self._labels.shape
        if r.isEmpty():
            return -1, -1
        return (int(np.floor((pos.x() - r.x()) * w / r.width())),
                int(np.floor((pos.y() - r.y()) * h / r.height())))

    def to_widget(self, x: float, y: float) -> QPointF:
        """Centre of label pixel (x, y) in widget coordinates (for tests and overlays)."""
        r = self.image_rect()
        h, w = self._labels.shape
        return QPointF(r.x() + (x + 0.5) * r.width() / w, r.y() + (y + 0.5) * r.height() / h)

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(110))
        if self._qimage is None:
            rgb = np.ascontiguousarray(labels_to_rgb(self._labels))
            h, w = rgb.shape[:2]
            self._qimage = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        r = self.image_rect()
        p.drawImage(r, self._qimage)
        scale = r.width() / max(1, self._labels.shape[1])
        if self._rect_start is not None and self._hover is not None:
            a = self.to_widget(*self._rect_start)
            b = self._hover
            col = QColor(*(int(v) for v in COLORS[self.current_class]))
            p.setPen(QPen(QColor("white"), 1, Qt.PenStyle.DashLine))
            col.setAlpha(140)
            p.setBrush(col)
            p.drawRect(QRectF(a, b).normalized())
        elif self._hover is not None and self.tool in ("brush", "eraser") and r.contains(self._hover):
            d = max(1.0, self.brush_size * scale)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(0, 0, 0, 200), 2))
            p.drawEllipse(self._hover, d / 2, d / 2)
            p.setPen(QPen(QColor(255, 255, 255, 230), 1))
            p.drawEllipse(self._hover, d / 2, d / 2)
        p.end()

    # ---- mouse
    def _clamped(self, pt: tuple[int, int]) -> tuple[int, int]:
        h, w = self._labels.shape
        return int(np.clip(pt[0], 0, w - 1)), int(np.clip(pt[1], 0, h - 1))

    def _inside(self, pt: tuple[int, int]) -> bool:
        h, w = self._labels.shape
        return 0 <= pt[0] < w and 0 <= pt[1] < h

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        pt = self.to_image(ev.position())
        if ev.button() == Qt.MouseButton.RightButton:
            if self._inside(pt):
                self.classPicked.emit(int(self._labels[pt[1], pt[0]]))
            return
        if ev.button() != Qt.MouseButton.LeftButton or not self._inside(pt):
            return
        if self.tool in ("brush", "eraser"):
            self._stroke_before = self._labels.copy()
            self._last = pt
            self.paint_line(pt, pt, self._stroke_class())
        elif self.tool == "rectangle":
            self._rect_start = pt
            self._hover = ev.position()
            self.update()
        elif self.tool == "fill":
            self.flood_fill(pt, self.current_class)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        self._hover = ev.position()
        pt = self.to_image(ev.position())
        if self._inside(pt):
            self.hovered.emit(f"{CLASSES[self._labels[pt[1], pt[0]]]} at {pt[0]}, {pt[1]}")
        else:
            self.hovered.emit("")
        if self._stroke_before is not None and self._last is not None:
            # Off-canvas segments are clipped by OpenCV; the stroke continues on return.
            self.paint_line(self._last, pt, self._stroke_class())
            self._last = pt
        else:
            self.update()

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if self._stroke_before is not None:
            before, self._stroke_before, self._last = self._stroke_before, None, None
            if not np.array_equal(before, self._labels):
                self._push_undo(before)
                self.changed.emit()
        elif self._rect_start is not None:
            start, self._rect_start = self._rect_start, None
            self.fill_rect(start, self._clamped(self.to_image(ev.position())), self.current_class)
            self.update()

    def leaveEvent(self, _ev) -> None:
        self._hover = None
        self.hovered.emit("")
        self.update()

    def _stroke_class(self) -> int:
        return self.eraser_class if self.tool == "eraser" else self.current_class
