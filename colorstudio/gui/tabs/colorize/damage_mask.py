"""The open photo's damage mask: what the detector found, corrected by hand with a brush.

Why the user edits it: a detector misses a faint crack or takes a wire or a catch-light
for a scratch, and a fill is only as good as its mask.  :class:`DamageMask` keeps the mask
at the photo's full resolution (bool, (H, W)); every hand edit -- a brush stroke, a mask
file loaded -- is a command on the page's undo stack (the one the hint edits use, so
Ctrl+Z undoes them in the order they were made), stored as the changed rectangle only, so
a stroke on a 100-megapixel scan costs its bounding box, not the scan.  Once edited, the
mask is the restorer's own: the page passes it to the pipeline instead of detecting again.

:class:`MaskBrush` is the input canvas's tool that paints it: drag adds, right-drag or
Alt+drag erases, in the photo's pixels (the canvas may show a reduced copy); whatever falls
outside the photo is clipped.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QUndoCommand, QUndoStack

from colorstudio.gui.qimage import to_qimage

MASK_RGB = (255, 30, 30)      # the tint of "damaged": red, unlike the guess overlay's magenta
MASK_ALPHA = 150
OVERLAY_MAX_SIDE = 2048        # the tint is drawn from at most this many pixels a side
OVERLAY_LAYER = "damage"       # the canvas overlay layer (the guess overlay is the default one)
MIN_RADIUS = 0.71              # a brush always covers the pixel under the pointer

Box = tuple[int, int, int, int]   # y0, y1, x0, x1
Point = tuple[float, float]       # x, y in photo pixels


def _reach(shape: tuple[int, ...], p0: Point, p1: Point, radius: float) -> Box | None:
    """The box of ``shape`` that a segment of ``radius`` may touch, or None (wholly outside)."""
    h, w = shape[:2]
    (ax, ay), (bx, by) = p0, p1
    x0, x1 = max(0, math.floor(min(ax, bx) - radius)), min(w, math.ceil(max(ax, bx) + radius) + 1)
    y0, y1 = max(0, math.floor(min(ay, by) - radius)), min(h, math.ceil(max(ay, by) + radius) + 1)
    return None if x0 >= x1 or y0 >= y1 else (y0, y1, x0, x1)


def paint_segment(mask: np.ndarray, p0: Point, p1: Point, radius: float, value: bool) -> Box | None:
    """Set every pixel of ``mask`` whose centre lies within ``radius`` px of the segment
    ``p0``-``p1`` ((x, y) in pixels, pixel i spanning [i, i + 1)) to ``value``; the parts
    outside the mask are clipped.  Returns the box it covers, or None when it misses."""
    r = max(float(radius), MIN_RADIUS)
    box = _reach(mask.shape, p0, p1, r)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    (ax, ay), (bx, by) = p0, p1
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    dx, dy = bx - ax, by - ay
    n2 = dx * dx + dy * dy
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / n2, 0.0, 1.0) if n2 > 0 else 0.0
    hit = (xs - (ax + t * dx)) ** 2 + (ys - (ay + t * dy)) ** 2 <= r * r
    if not hit.any():
        return None
    mask[y0:y1, x0:x1][hit] = value
    return box


class DamageMask(QObject):
    """The photo's damage mask and its hand edits; see the module docstring."""

    changed = Signal()     # pixels changed (a live stroke too): redraw the tint
    edited = Signal()      # a hand edit was done, undone or redone: mend again with this mask

    def __init__(self, undo_stack: QUndoStack, parent: QObject | None = None,
                 rgb: tuple[int, int, int] = MASK_RGB, noun: str = "the damage mask"):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.rgb, self.noun = rgb, noun   # the tint, and what the undo history calls it (the gray brush's too)
        self.mask: np.ndarray | None = None
        self.by_hand = False            # edited (or loaded): the restorer's own, not the detector's
        self._stroke: list[tuple[Box, np.ndarray]] | None = None
        self._last: Point | None = None
        self._value = True
        self._tint: np.ndarray | None = None   # RGBA of the overlay, one pixel per _step x _step block
        self._step = 1
        self._overlay: QImage | None = None

    # state ---------------------------------------------------------------------------
    def reset(self) -> None:
        """No mask (another photo was opened; the page clears the undo stack with its hints)."""
        self.mask, self.by_hand, self._stroke, self._last = None, False, None, None
        self._retint()

    def set_detected(self, mask: np.ndarray) -> None:
        """The detector's mask of the photo, kept unless the user's own replaced it."""
        if self.by_hand or self._stroke is not None:
            return   # the user's own, or a stroke under way (that makes it the user's own)
        self.mask = np.asarray(mask, bool).copy()
        self._retint()

    def user_mask(self) -> np.ndarray | None:
        """The mask to mend with instead of detecting (a copy: strokes go on while a worker
        reads it), or None while the detector's is the one."""
        return None if not self.by_hand or self.mask is None else self.mask.copy()

    def pixels(self) -> int:
        """How many pixels are marked damaged."""
        return 0 if self.mask is None else int(np.count_nonzero(self.mask))

    def load(self, mask: np.ndarray, text: str | None = None) -> None:
        """Replace the mask by ``mask`` (of the photo's size) as one undoable edit."""
        text = text or f"load {self.noun}"
        if self.stroking():
            self.end()   # a stroke under way is finished first: its undo must see the mask it painted
        mask = np.asarray(mask, bool)
        empty = self.mask is None or self.mask.shape != mask.shape
        before = np.zeros_like(mask) if empty else self.mask.copy()
        self.undo_stack.push(_MaskEdit(self, text, (0, mask.shape[0], 0, mask.shape[1]), before, mask.copy(),
                                       self.by_hand, empty, mask.shape))

    # strokes -------------------------------------------------------------------------
    def begin(self, shape: tuple[int, int], x: float, y: float, value: bool, radius: float) -> None:
        """A stroke starts at (x, y) (photo pixels): ``value`` True adds damage, False erases."""
        if self.mask is None or self.mask.shape != tuple(shape):
            self.mask = np.zeros(shape, bool)
            self._retint()
        self._stroke, self._value, self._last = [], bool(value), (x, y)
        self._paint((x, y), (x, y), radius)

    def extend(self, x: float, y: float, radius: float) -> None:
        """The stroke goes on to (x, y), drawn at once (the tint follows the pointer)."""
        if self._stroke is None or self._last is None:
            return
        self._paint(self._last, (x, y), radius)
        self._last = (x, y)

    def end(self) -> bool:
        """The stroke is over: one undoable edit when it changed a pixel (False when not)."""
        stroke, self._stroke, self._last = self._stroke, None, None
        if not stroke or self.mask is None:
            return False
        y0, y1 = min(b[0] for b, _ in stroke), max(b[1] for b, _ in stroke)
        x0, x1 = min(b[2] for b, _ in stroke), max(b[3] for b, _ in stroke)
        after = self.mask[y0:y1, x0:x1].copy()
        before = after.copy()
        for (sy0, sy1, sx0, sx1), old in reversed(stroke):   # back to before the first segment
            before[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = old
        if np.array_equal(before, after):
            return False
        text = f"paint {self.noun}" if self._value else f"erase from {self.noun}"
        self.undo_stack.push(_MaskEdit(self, text, (y0, y1, x0, x1), before, after, self.by_hand, False,
                                       self.mask.shape))
        return True

    def stroking(self) -> bool:
        return self._stroke is not None

    def _paint(self, p0: Point, p1: Point, radius: float) -> None:
        reach = _reach(self.mask.shape, p0, p1, max(float(radius), MIN_RADIUS))
        if reach is None:
            return   # wholly outside the photo: clipped to nothing
        y0, y1, x0, x1 = reach
        old = self.mask[y0:y1, x0:x1].copy()   # what the segment may change: the stroke's undo
        box = paint_segment(self.mask, p0, p1, radius, self._value)
        if box is not None:
            self._stroke.append((reach, old))
            self._retint(box)

    def _apply(self, box: Box, pixels: np.ndarray, by_hand: bool, shape: tuple[int, int],
               clear: bool = False) -> None:
        """A command's state: ``pixels`` in ``box`` (or no mask at all, ``clear``)."""
        if clear:
            self.mask = None
        else:
            if self.mask is None or self.mask.shape != tuple(shape):
                self.mask = np.zeros(shape, bool)
            y0, y1, x0, x1 = box
            self.mask[y0:y1, x0:x1] = pixels
        self.by_hand = by_hand
        self._retint(None if clear else box)
        self.edited.emit()

    # the tint ------------------------------------------------------------------------
    def overlay(self) -> QImage | None:
        """The mask as a translucent red tint (at most OVERLAY_MAX_SIDE px a side: a block is
        tinted wherever any of its pixels is damaged, so a hairline never disappears), or None."""
        if self._tint is None:
            return None
        if self._overlay is None:
            self._overlay = to_qimage(self._tint)
        return self._overlay

    def _retint(self, box: Box | None = None) -> None:
        """Rebuild the tint: all of it, or the blocks under ``box``."""
        m = self.mask
        self._overlay = None
        if m is None:
            self._tint = None
            self.changed.emit()
            return
        h, w = m.shape
        step = max(1, math.ceil(max(h, w) / OVERLAY_MAX_SIDE))
        size = (math.ceil(h / step), math.ceil(w / step))
        if box is None or self._tint is None or step != self._step or self._tint.shape[:2] != size:
            self._step = step
            self._tint = np.zeros((*size, 4), np.uint8)
            self._tint[..., :3] = self.rgb
            box = (0, h, 0, w)
        y0, y1, x0, x1 = box
        ty0, ty1, tx0, tx1 = y0 // step, math.ceil(y1 / step), x0 // step, math.ceil(x1 / step)
        part = m[ty0 * step:min(h, ty1 * step), tx0 * step:min(w, tx1 * step)]
        if step > 1:
            part = np.logical_or.reduceat(part, np.arange(0, part.shape[0], step), axis=0)
            part = np.logical_or.reduceat(part, np.arange(0, part.shape[1], step), axis=1)
        self._tint[ty0:ty1, tx0:tx1, 3] = np.where(part, MASK_ALPHA, 0)
        self.changed.emit()


class _MaskEdit(QUndoCommand):
    """One hand edit of the mask: the rectangle ``box`` before and after it."""

    hints_unchanged = True   # the hints editor reruns on its own commands only (HintsEditor._announce)

    def __init__(self, mask: DamageMask, text: str, box: Box, before: np.ndarray, after: np.ndarray,
                 was_by_hand: bool, was_empty: bool, shape: tuple[int, int]):
        super().__init__(text)
        self.mask, self.box, self.before, self.after = mask, box, before, after
        self.was_by_hand, self.was_empty, self.shape = was_by_hand, was_empty, tuple(shape)

    def redo(self) -> None:
        self.mask._apply(self.box, self.after, True, self.shape)

    def undo(self) -> None:
        self.mask._apply(self.box, self.before, self.was_by_hand, self.shape, clear=self.was_empty)


class MaskBrush:
    """Input-canvas tool: drag paints damage, right-drag or Alt+drag erases (the middle
    button still pans).  ``shape``: () -> the photo's (H, W) or None; ``size``: () -> the
    brush's diameter in the photo's pixels."""

    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, damage: DamageMask, shape: Callable[[], tuple[int, int] | None],
                 size: Callable[[], float]):
        self.damage = damage
        self._shape, self._size = shape, size
        self._hover: QPointF | None = None

    def _to_photo(self, canvas, pos: QPointF) -> Point | None:
        """Canvas image coordinates (its shown copy may be reduced) -> photo pixels."""
        img, shape = canvas.image(), self._shape()
        if img is None or shape is None or img.width() <= 0 or img.height() <= 0:
            return None
        return pos.x() * shape[1] / img.width(), pos.y() * shape[0] / img.height()

    def press(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        p = self._to_photo(canvas, pos)
        if p is None:
            return False
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        add = event.button() == Qt.MouseButton.LeftButton and not alt
        self.damage.begin(self._shape()[:2], p[0], p[1], add, self._size() / 2)
        return True

    def move(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        self._hover = QPointF(pos)
        if self.damage.stroking():
            p = self._to_photo(canvas, pos)
            if p is not None:
                self.damage.extend(p[0], p[1], self._size() / 2)
        canvas.update()
        return self.damage.stroking()

    def release(self, canvas, event: QMouseEvent, pos: QPointF) -> bool:
        if not self.damage.stroking():
            return False
        p = self._to_photo(canvas, pos)
        if p is not None:
            self.damage.extend(p[0], p[1], self._size() / 2)
        self.damage.end()
        return True

    def paint(self, painter: QPainter, canvas) -> None:
        """The brush's outline under the pointer, at the view's zoom."""
        img, shape = canvas.image(), self._shape()
        if self._hover is None or img is None or shape is None:
            return
        c = canvas.to_widget(self._hover)
        r = self._size() / 2 * img.width() / max(1, shape[1]) * canvas.scale()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 180), 3))
        painter.drawEllipse(c, r, r)
        painter.setPen(QPen(QColor(*self.damage.rgb), 1.5))
        painter.drawEllipse(c, r, r)
