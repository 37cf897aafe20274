"""Issue 32, item 2: the wheel over a control of a scrolled side panel scrolls the panel,
unless the control has the focus."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QSlider, QVBoxLayout, QWidget

from colorstudio.gui import wheel_guard


def _wheel(widget, notches: int = -1) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_the_wheel_scrolls_the_panel_not_the_control_under_it(qtbot):
    wheel_guard.install()
    area = QScrollArea()
    panel = QWidget()
    lay = QVBoxLayout(panel)
    combo = QComboBox()
    combo.addItems(["effnet-unet", "unet-hints", "zhang-bins"])
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, 200)
    slider.setValue(169)
    lay.addWidget(combo)
    lay.addWidget(slider)
    lay.addSpacing(2000)                      # a panel taller than its window
    area.setWidget(panel)
    area.resize(300, 300)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    bar = area.verticalScrollBar()
    assert bar.value() == 0
    _wheel(combo)
    _wheel(slider)
    assert combo.currentIndex() == 0 and slider.value() == 169
    assert bar.value() > 0                    # the panel scrolled instead
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    _wheel(slider)
    assert slider.value() != 169              # a control the user chose takes the wheel
