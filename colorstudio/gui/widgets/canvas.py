"""Image canvases that draw through a shared zoom/pan: the compare view's and the grid's.

Every canvas draws through one :class:`Viewport` (scale + centre in image pixels), so
zooming or panning one moves the others by construction, not by echoing signals.  Large
images are drawn from a half-size pyramid built in a worker, so fit-to-window views of
big scans look smooth and repaint fast.

Canvases accept a *tool* (hint editing, eyedropper): an object with optional
``press/move/release(canvas, event, image_pos) -> bool``, ``paint(painter, canvas)`` and
``cursor`` attribute; a tool that returns True consumes the event, otherwise the mouse
pans.
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Union

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QFontMetrics, QHelpEvent, QImage, QMouseEvent, QPainter,
                           QPalette, QTransform, QWheelEvent)
from PySide6.QtWidgets import QToolTip, QWidget

from colorstudio.gui.plaintext import tooltip
from colorstudio.gui.qimage import display_format

LABEL_MARGIN = 8    # a label's distance from the canvas's edges
LABEL_PAD = 14      # the pill's padding around its text (both sides together)


class Viewport(QObject):
    """Zoom and pan shared by every canvas showing the same image geometry."""

    changed = Signal()
    MIN_SCALE, MAX_SCALE = 1 / 64, 64.0

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.image_size = QSize()
        self._fit = True
        self._scale = 1.0
        self._center = QPointF()
        self._widget = QSize()   # the canvas size last drawn or used: pan limits depend on it

    # state -------------------------------------------------------------------------
    def set_image_size(self, size: QSize) -> None:
        """New geometry: a different size refits; the same size keeps zoom and pan."""
        if size != self.image_size:
            self.image_size = QSize(size)
            self._fit = True
            self._center = QPointF(size.width() / 2, size.height() / 2)
            self.changed.emit()

    @property
    def is_fit(self) -> bool:
        return self._fit

    def fit_scale(self, widget: QSize) -> float:
        iw, ih = self.image_size.width(), self.image_size.height()
        if iw <= 0 or ih <= 0 or widget.width() <= 0 or widget.height() <= 0:
            return 1.0
        return min(widget.width() / iw, widget.height() / ih, 16.0)

    def scale(self, widget: QSize) -> float:
        return self.fit_scale(widget) if self._fit else self._scale

    def center(self) -> QPointF:
        if self._fit:
            return QPointF(self.image_size.width() / 2, self.image_size.height() / 2)
        return QPointF(self._center)

    def transform(self, widget: QSize) -> QTransform:
        """Image pixels -> widget pixels."""
        if widget != self._widget:
            self._widget = QSize(widget)
            if not self._fit:
                self._center = self._clamp(self._center)
        s, c = self.scale(widget), self.center()
        t = QTransform()
        t.translate(widget.width() / 2, widget.height() / 2)
        t.scale(s, s)
        t.translate(-c.x(), -c.y())
        return t

    # actions -----------------------------------------------------------------------
    def fit(self) -> None:
        self._fit = True
        self.changed.emit()

    def set_scale(self, scale: float, center: QPointF | None = None) -> None:
        self._scale = float(min(self.MAX_SCALE, max(self.MIN_SCALE, scale)))
        self._center = self._clamp(center if center is not None else self.center())
        self._fit = False
        self.changed.emit()

    def zoom_at(self, factor: float, widget_pos: QPointF, widget: QSize) -> None:
        """Zoom by ``factor`` keeping the image point under ``widget_pos`` in place."""
        self._widget = QSize(widget)
        s0 = self.scale(widget)
        s1 = float(min(self.MAX_SCALE, max(self.MIN_SCALE, s0 * factor)))
        c0 = self.center()
        half = QPointF(widget.width() / 2, widget.height() / 2)
        img_pt = (widget_pos - half) / s0 + c0
        self.set_scale(s1, img_pt - (widget_pos - half) / s1)

    def pan(self, delta: QPointF, widget: QSize) -> None:
        """Move the view by ``delta`` widget pixels."""
        self._widget = QSize(widget)
        s = self.scale(widget)
        self.set_scale(s, self.center() - delta / s)

    def _clamp(self, c: QPointF) -> QPointF:
        """Keep the image on screen: an image larger than the canvas always covers it (no
        blank band past its edge); a smaller one stays centred on that axis."""
        iw, ih = self.image_size.width(), self.image_size.height()
        s = self._scale
        out = []
        for v, size, view in ((c.x(), iw, self._widget.width()), (c.y(), ih, self._widget.height())):
            half = view / (2 * s) if view > 0 else 0.0
            if view > 0 and 2 * half >= size:
                out.append(size / 2)           # the whole axis fits: centred
            else:
                out.append(min(max(v, half), size - half))
        return QPointF(*out)


Displayable = Union[QImage, Sequence[QImage], None]


class _Pyramid:
    """Half-size levels of an image (level i ~ 1/2**i), drawn without QPixmap copies.

    Levels come prebuilt from a worker (``qimage.build_pyramid``); missing ones are
    made on demand from the nearest finer level (small images, tests).
    """

    def __init__(self, levels: Sequence[QImage]):
        # A lone image is converted once for fast scaled drawing (small images, tests); a
        # prebuilt pyramid's level 0 may be a view over a 100-megapixel array, drawn as it
        # is: converting it here would copy it on the GUI thread.
        self.levels: dict[int, QImage] = ({0: display_format(levels[0])} if len(levels) == 1
                                          else dict(enumerate(levels)))
        self.image = self.levels[0]

    @staticmethod
    def make(image: Displayable) -> "_Pyramid | None":
        if image is None:
            return None
        levels = [image] if isinstance(image, QImage) else list(image)
        if not levels or levels[0].isNull():
            return None
        return _Pyramid(levels)

    def for_scale(self, scale: float) -> tuple[QImage, float]:
        """(image, its size relative to the full image) for drawing at ``scale``."""
        level = 0
        if scale < 0.5:
            level = min(int(math.floor(math.log2(1.0 / scale))), 10)
            while level and min(self.image.width(), self.image.height()) >> level < 8:
                level -= 1
        if level not in self.levels:
            src = max(k for k in self.levels if k < level)
            img = self.levels[src]
            f = 1 << (level - src)
            self.levels[level] = img.scaled(max(1, img.width() // f), max(1, img.height() // f),
                                            Qt.AspectRatioMode.IgnoreAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)
        img = self.levels[level]
        return img, img.width() / max(1, self.image.width())


def fit_text(metrics: QFontMetrics, text: str, width: float) -> str:
    """``text`` shortened to fit a label pill ``width`` pixels wide: whole " · " parts
    dropped from its end first ("effnet-unet · 0.42 s …" keeps the time where the device
    does not fit), else elided within its first part."""
    room = max(0, int(width) - LABEL_PAD)
    if metrics.horizontalAdvance(text) <= room:
        return text
    parts = text.split(" · ")
    while len(parts) > 1:
        parts.pop()
        short = " · ".join(parts) + " …"
        if metrics.horizontalAdvance(short) <= room:
            return short
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)


class ImageCanvas(QWidget):
    """Draws one image through a shared :class:`Viewport`; wheel zooms, drag pans."""

    resized = Signal()

    def __init__(self, viewport: Viewport, caption: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.viewport = viewport
        self.caption = caption
        self.busy_text = ""
        self.tool: Any = None
        self._pyr: _Pyramid | None = None
        self._overlays: dict[str, QImage] = {}   # by layer, drawn in the order first set
        self._drag_from: QPointF | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(120, 120)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        viewport.changed.connect(self.update)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()  # a fitted view's zoom depends on the canvas size

    # image -------------------------------------------------------------------------
    def set_image(self, image: Displayable) -> None:
        """A QImage, or its pyramid ``[full, 1/2, ...]`` from ``qimage.build_pyramid``."""
        self._pyr = _Pyramid.make(image)
        self.update()

    def image(self) -> QImage | None:
        return self._pyr.image if self._pyr else None

    def set_overlay(self, overlay: QImage | None, layer: str = "") -> None:
        """A translucent image drawn over the whole image, stretched to its size (e.g. where
        the model guesses, at the network's resolution); None removes it.  Overlays of
        different ``layer``s stack (where the model guesses and the damage mask may both be
        shown), each replaced only by its own layer's next one."""
        if overlay is None:
            self._overlays.pop(layer, None)
        else:
            self._overlays[layer] = overlay
        self.update()

    def overlay(self, layer: str = "") -> QImage | None:
        return self._overlays.get(layer)

    def set_tool(self, tool: Any) -> None:
        self.tool = tool
        self.unsetCursor() if tool is None or not getattr(tool, "cursor", None) else \
            self.setCursor(tool.cursor)
        self.update()

    # geometry ----------------------------------------------------------------------
    def image_transform(self) -> QTransform:
        return self.viewport.transform(self.size())

    def to_image(self, p: QPointF) -> QPointF:
        inv, ok = self.image_transform().inverted()
        return inv.map(QPointF(p))

    def to_widget(self, p: QPointF) -> QPointF:
        return self.image_transform().map(QPointF(p))

    def scale(self) -> float:
        return self.viewport.scale(self.size())

    # painting ----------------------------------------------------------------------
    def _background(self, painter: QPainter) -> None:
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), bg.darker(108) if bg.lightness() > 128 else bg.lighter(90))

    def _draw(self, painter: QPainter, pyr: _Pyramid, clip: QRectF | None = None) -> None:
        s = self.scale()
        img, rel = pyr.for_scale(s)
        painter.save()
        if clip is not None:
            painter.setClipRect(clip)
        t = self.image_transform()
        painter.setTransform(QTransform().scale(1 / rel, 1 / rel) * t)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, s / rel < 2.0)
        painter.drawImage(0, 0, img)
        painter.restore()

    def caption_shown(self) -> str:
        """The caption as drawn: elided to the canvas's width (a small grid cell would cut
        "… · cpu (2 threads)" off at its edge); the whole caption is the cell's tooltip."""
        return fit_text(self.fontMetrics(), self.caption, self.width() - 2 * LABEL_MARGIN)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.caption and self.caption_shown() != self.caption:
            help_event: QHelpEvent = event   # type: ignore[assignment]  (Qt's tooltip event)
            QToolTip.showText(help_event.globalPos(), tooltip(self.caption), self)
            return True
        return super().event(event)

    def _label(self, painter: QPainter, text: str, pos: QPointF, right: bool = False) -> None:
        """A white-on-dark pill at ``pos`` (its right end there when ``right``), its text
        elided so that the pill stays inside the canvas."""
        room = (pos.x() if right else self.width() - pos.x()) - LABEL_MARGIN
        text = fit_text(painter.fontMetrics(), text, room)
        if not text:
            return
        fm = painter.fontMetrics()
        w, h = fm.horizontalAdvance(text) + LABEL_PAD, fm.height() + 6
        r = QRectF(pos.x() - (w if right else 0), pos.y(), w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawRoundedRect(r, 5, 5)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        self._background(painter)
        if self._pyr is not None:
            self._draw(painter, self._pyr)
            for overlay in self._overlays.values():
                self._draw_overlay(painter, overlay)
        elif self.busy_text or self.caption:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            margin = LABEL_MARGIN
            painter.drawText(QRectF(self.rect()).adjusted(margin, margin, -margin, -margin),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.busy_text or "no result yet")
        self._paint_overlay(painter)
        painter.end()

    def _draw_overlay(self, painter: QPainter, overlay: QImage) -> None:
        painter.save()
        painter.setTransform(self.image_transform())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        size = self._pyr.image.size()
        painter.drawImage(QRectF(0, 0, size.width(), size.height()), overlay)
        painter.restore()

    def _paint_overlay(self, painter: QPainter) -> None:
        if self.tool is not None and hasattr(self.tool, "paint"):
            painter.save()
            self.tool.paint(painter, self)
            painter.restore()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._label(painter, self.caption, QPointF(8, 8))
        if self.busy_text and self._pyr is not None:
            self._label(painter, self.busy_text, QPointF(self.width() - 8, 8), right=True)

    # interaction -------------------------------------------------------------------
    def _tool_call(self, name: str, event: QMouseEvent) -> bool:
        fn = getattr(self.tool, name, None) if self.tool is not None else None
        if fn is None or self._pyr is None:
            return False
        return bool(fn(self, event, self.to_image(event.position())))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        if event.button() == Qt.MouseButton.LeftButton and self._tool_call("press", event):
            return
        if event.button() == Qt.MouseButton.RightButton and self._tool_call("press", event):
            return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.viewport.pan(delta, self.size())
            return
        self._tool_call("move", event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.set_tool(self.tool)  # restores the tool's cursor
            return
        self._tool_call("release", event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not self._tool_call("double_click", event):
            super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps and self._pyr is not None:
            self.viewport.zoom_at(1.25 ** steps, event.position(), self.size())
            event.accept()

    def keyPressEvent(self, event) -> None:
        fn = getattr(self.tool, "key", None) if self.tool is not None else None
        if fn is None or not fn(self, event):
            super().keyPressEvent(event)
