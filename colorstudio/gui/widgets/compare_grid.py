"""Several models' results on one photo, in a grid that zooms and pans as one.

Every cell draws through the compare view's shared :class:`Viewport`, so a wheel or a
drag in any cell moves them all (and the side-by-side view stays where the grid left
it).  The first cell is the input; each further cell is one model, captioned with its
name and time.  A click (a press and release without dragging) on a model's cell picks
it: ``picked(key)``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QWidget

from colorstudio.gui.widgets.canvas import Displayable, ImageCanvas, Viewport
from colorstudio.gui.plaintext import tooltip

CLICK_SLOP = 4.0   # pixels a press may move and still be a click


class GridCell(ImageCanvas):
    """One image of the grid; a click emits ``clicked`` with the cell's key."""

    clicked = Signal(str)

    def __init__(self, viewport: Viewport, key: str, caption: str, parent: QWidget | None = None):
        super().__init__(viewport, caption, parent)
        self.key = key
        self.selected = False
        self._press: QPointF | None = None
        self.setMinimumSize(80, 80)

    def set_selected(self, on: bool) -> None:
        self.selected = on
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        super().mouseReleaseEvent(event)
        if (press is not None and event.button() == Qt.MouseButton.LeftButton and self.key
                and self.image() is not None
                and (event.position() - press).manhattanLength() <= CLICK_SLOP):
            self.clicked.emit(self.key)

    def _paint_overlay(self, painter: QPainter) -> None:
        super()._paint_overlay(painter)
        if self.selected:
            painter.setPen(QPen(QColor(80, 160, 255), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))


class CompareGrid(QWidget):
    """The input plus up to :attr:`MAX_MODELS` results; see the module docstring."""

    picked = Signal(str)
    MAX_MODELS = 6

    def __init__(self, viewport: Viewport, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewport = viewport
        self.input_cell = GridCell(viewport, "", "input")
        self.cells: dict[str, GridCell] = {}
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(3)
        self._relayout()
        self.setToolTip("Wheel: zoom all · drag: pan all · click a result to make it the result")

    # cells -------------------------------------------------------------------------
    def set_models(self, models: list[tuple[str, str]]) -> None:
        """``[(key, label), ...]``: one cell per model, in this order (results cleared)."""
        if len(models) > self.MAX_MODELS:
            raise ValueError(f"at most {self.MAX_MODELS} models can be compared, got {len(models)}")
        for cell in self.cells.values():
            self._layout.removeWidget(cell)
            cell.deleteLater()
        self.cells = {}
        for key, label in models:
            cell = GridCell(self.viewport, key, label)
            cell.label = label
            cell.busy_text = "waiting…"
            cell.clicked.connect(self.picked)
            self.cells[key] = cell
        self._relayout()

    def keys(self) -> list[str]:
        return list(self.cells)

    def _relayout(self) -> None:
        widgets = [self.input_cell, *self.cells.values()]
        cols = max(1, math.ceil(math.sqrt(len(widgets))))
        if len(widgets) == 2:
            cols = 2
        for i, w in enumerate(widgets):
            self._layout.addWidget(w, i // cols, i % cols)
        for c in range(self._layout.columnCount()):
            self._layout.setColumnStretch(c, 1 if c < cols else 0)
        rows = math.ceil(len(widgets) / cols)
        for r in range(self._layout.rowCount()):
            self._layout.setRowStretch(r, 1 if r < rows else 0)

    # content -----------------------------------------------------------------------
    def set_input(self, image: Displayable) -> None:
        self.input_cell.set_image(image)

    def clear_results(self, text: str = "waiting…") -> None:
        for cell in self.cells.values():
            cell.set_image(None)
            cell.caption = cell.label
            cell.busy_text = text
            cell.set_selected(False)

    def set_pending(self, key: str, text: str) -> None:
        cell = self.cells.get(key)
        if cell is not None:
            cell.busy_text = text
            cell.update()

    def set_result(self, key: str, image: Displayable, seconds: float, device: str = "",
                   load_seconds: float | None = None) -> None:
        """``seconds``: the run; ``load_seconds``: loading the model first (said apart)."""
        cell = self.cells.get(key)
        if cell is None:
            return
        load = f" (+ {load_seconds:.1f} s loading)" if load_seconds else ""
        cell.caption = f"{cell.label} · {seconds:.2f} s{load}" + (f" · {device}" if device else "")
        cell.busy_text = ""
        cell.set_image(image)

    def set_failed(self, key: str, message: str) -> None:
        cell = self.cells.get(key)
        if cell is not None:
            cell.set_image(None)
            cell.caption = cell.label
            cell.busy_text = f"failed: {message}"
            cell.setToolTip(tooltip(message))
            cell.update()

    def set_selected(self, key: str | None) -> None:
        for k, cell in self.cells.items():
            cell.set_selected(k == key)

    def caption(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell.caption if cell is not None else ""
