"""Input and output side by side with one shared zoom/pan, a before/after wiper, or a
grid of several models' results (:mod:`compare_grid`); all three draw through one
:class:`~colorstudio.gui.widgets.canvas.Viewport`, so switching keeps the zoom.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSplitter, QStackedLayout, QVBoxLayout, QWidget

from colorstudio.gui.widgets.canvas import Displayable, ImageCanvas, Viewport, _Pyramid
from colorstudio.gui.widgets.compare_grid import CompareGrid

__all__ = ["CompareView", "Displayable", "ImageCanvas", "Viewport", "WiperCanvas"]


class WiperCanvas(ImageCanvas):
    """Before (left of the divider) and after (right of it) in one view; drag the divider."""

    GRAB = 8  # pixels either side of the divider that grab it

    def __init__(self, viewport: Viewport, parent: QWidget | None = None):
        super().__init__(viewport, "", parent)
        self._after: _Pyramid | None = None
        self.position = 0.5  # divider, as a fraction of the widget width
        self._dragging_divider = False

    def set_after(self, image: Displayable) -> None:
        self._after = _Pyramid.make(image)
        self.update()

    def divider_x(self) -> float:
        return self.position * self.width()

    def set_position(self, fraction: float) -> None:
        self.position = min(1.0, max(0.0, fraction))
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        self._background(painter)
        x = self.divider_x()
        if self._pyr is not None:
            self._draw(painter, self._pyr, QRectF(0, 0, x, self.height()))
        if self._after is not None:
            self._draw(painter, self._after, QRectF(x, 0, self.width() - x, self.height()))
        elif self._pyr is not None:
            self._draw(painter, self._pyr, QRectF(x, 0, self.width() - x, self.height()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.setPen(QPen(QColor(0, 0, 0, 120), 1))
        painter.drawEllipse(QPointF(x, self.height() / 2), 9, 9)
        self._label(painter, "before", QPointF(max(8, x - 8), 8), right=True)
        self._label(painter, "after" if self._after is not None else "after (pending)",
                    QPointF(min(self.width() - 8, x + 8), 8))
        if self.busy_text:
            self._label(painter, self.busy_text, QPointF(self.width() - 8, self.height() - 34),
                        right=True)
        painter.end()

    def _near_divider(self, pos: QPointF) -> bool:
        return abs(pos.x() - self.divider_x()) <= self.GRAB

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._near_divider(event.position()):
            self._dragging_divider = True
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging_divider:
            self.set_position(event.position().x() / max(1, self.width()))
            return
        if self._drag_from is None:
            near = self._near_divider(event.position())
            self.setCursor(QCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.ArrowCursor))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging_divider:
            self._dragging_divider = False
            return
        super().mouseReleaseEvent(event)


class CompareView(QWidget):
    """Input | output, or a before/after wiper; an optional placeholder when empty."""

    modeChanged = Signal(str)
    zoomChanged = Signal()   # the zoom shown changed: viewport, mode or canvas size

    SIDE, WIPER, GRID = "side", "wiper", "grid"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewport = Viewport(self)
        self.left = ImageCanvas(self.viewport, "input")
        self.right = ImageCanvas(self.viewport, "result")
        self.wiper = WiperCanvas(self.viewport)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(4)
        self._stack = QStackedLayout()
        self._placeholder = QWidget()
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self.splitter)
        self._stack.addWidget(self.wiper)
        self.grid = CompareGrid(self.viewport)
        self._stack.addWidget(self.grid)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self._stack)
        self._mode = self.SIDE
        self._has_input = False
        self.viewport.changed.connect(self.zoomChanged)
        for c in (self.left, self.wiper, self.grid.input_cell):
            c.resized.connect(lambda c=c: c is self.active_canvas() and self.zoomChanged.emit())
        self.modeChanged.connect(lambda _m: self.zoomChanged.emit())
        self.setToolTip("Wheel: zoom at the cursor · drag: pan · Ctrl+0: fit · Ctrl+1: 100%")

    # content -----------------------------------------------------------------------
    def set_placeholder(self, widget: QWidget) -> None:
        """Shown while there is no input (e.g. 'drop an image' and sample buttons)."""
        self._stack.replaceWidget(self._placeholder, widget)
        self._placeholder.deleteLater()
        self._placeholder = widget
        self._refresh_page()

    def set_input(self, image: Displayable) -> None:
        """The input: a QImage or its prebuilt pyramid (see ``qimage.build_pyramid``)."""
        pyr = _Pyramid.make(image)
        self._has_input = pyr is not None
        if pyr is not None:
            self.viewport.set_image_size(pyr.image.size())
        self.left.set_image(image)
        self.wiper.set_image(image)
        self.grid.set_input(image)
        self._refresh_page()

    def set_output(self, image: Displayable) -> None:
        self.right.set_image(image)
        self.wiper.set_after(image)

    def set_overlay(self, overlay: QImage | None, layer: str = "") -> None:
        """Drawn over the input of the side-by-side view (None: none), where hints are placed;
        the result stays as it is, to be judged.  ``layer``: see ``ImageCanvas.set_overlay``."""
        self.left.set_overlay(overlay, layer)

    def set_busy(self, text: str) -> None:
        """A small caption on the result ('colorizing…'); empty to clear."""
        self.right.busy_text = text
        self.wiper.busy_text = text
        self.right.update()
        self.wiper.update()

    # view --------------------------------------------------------------------------
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in (self.SIDE, self.WIPER, self.GRID):
            raise ValueError(f"unknown compare mode {mode!r}")
        if mode != self._mode:
            self._mode = mode
            self._refresh_page()
            self.modeChanged.emit(mode)

    def _refresh_page(self) -> None:
        if not self._has_input:
            self._stack.setCurrentWidget(self._placeholder)
        else:
            self._stack.setCurrentWidget({self.SIDE: self.splitter, self.WIPER: self.wiper,
                                          self.GRID: self.grid}[self._mode])

    def active_canvas(self) -> ImageCanvas:
        return {self.SIDE: self.left, self.WIPER: self.wiper, self.GRID: self.grid.input_cell}[self._mode]

    def fit(self) -> None:
        self.viewport.fit()

    def zoom_100(self) -> None:
        self.viewport.set_scale(1.0)

    def zoom_by(self, factor: float) -> None:
        c = self.active_canvas()
        self.viewport.zoom_at(factor, QPointF(c.width() / 2, c.height() / 2), c.size())

    def zoom_percent(self) -> float:
        return 100.0 * self.viewport.scale(self.active_canvas().size())
