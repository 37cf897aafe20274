"""The tabs' shared layout: a scrolling side panel of controls beside a main view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget


class _SidePanel(QScrollArea):
    """A vertical scroll area never narrower than what its controls need: with the
    horizontal bar off, a narrower one cut the controls at its right edge (a model's name,
    the Weights… button, the hints' "Show reach")."""

    def __init__(self, min_width: int):
        super().__init__()
        self._min_width = min_width

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        w = self.widget()
        need = (w.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                if w is not None else 0)
        return QSize(max(self._min_width, need), hint.height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint().expandedTo(super().sizeHint())


def side_panel(content: QWidget, min_width: int) -> QScrollArea:
    """``content`` in a vertical scroll area (no horizontal bar, no frame), at least as wide
    as the content needs."""
    scroll = _SidePanel(min_width)
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(scroll.minimumSizeHint().width())
    return scroll


def side_by_side(owner: QWidget, side: QWidget, view: QWidget, sizes: tuple[int, int]) -> QSplitter:
    """Fill ``owner`` with ``side`` | ``view`` in a splitter (the view takes the stretch)."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(side)
    split.addWidget(view)
    split.setStretchFactor(0, 0)
    split.setStretchFactor(1, 1)
    split.setSizes(list(sizes))
    split.setChildrenCollapsible(False)
    lay = QVBoxLayout(owner)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(split)
    return split
