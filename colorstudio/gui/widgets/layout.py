"""The tabs' shared layout: a scrolling side panel of controls beside a main view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget


def side_panel(content: QWidget, min_width: int) -> QScrollArea:
    """``content`` in a vertical scroll area (no horizontal bar, no frame)."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setMinimumWidth(min_width)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
