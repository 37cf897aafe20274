"""Compare view: both sides share zoom and pan; the wiper splits before/after."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from colorstudio.gui.widgets.compare_view import CompareView
from guitest_helpers import drag, solid, wheel


@pytest.fixture
def view(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    v.resize(820, 400)
    v.set_input(solid(400, 200, "#ff0000"))
    v.set_output(solid(400, 200, "#0000ff"))
    v.show()
    qtbot.waitExposed(v)
    return v


def test_zoom_one_side_and_the_other_follows(view):
    left, right = view.left, view.right
    assert left.size() == right.size()
    s0 = left.scale()
    pos = QPointF(left.width() * 0.3, left.height() * 0.4)
    img_pt = left.to_image(pos)
    wheel(left, pos, 2)
    assert left.scale() == pytest.approx(s0 * 1.25 ** 2)
    assert right.scale() == pytest.approx(left.scale())
    assert right.image_transform() == left.image_transform()
    # zoom is anchored at the cursor
    assert left.to_image(pos).x() == pytest.approx(img_pt.x(), abs=1e-6)
    # pan the right side: the left one moves too
    c0 = view.viewport.center()
    drag(right, QPointF(200, 200), QPointF(150, 180))
    c1 = view.viewport.center()
    assert c1 != c0
    assert left.image_transform() == right.image_transform()
    # the mapping of the drag: the image moved by the drag distance
    assert (c0.x() - c1.x()) * right.scale() == pytest.approx(-50, abs=1e-6)


def test_fit_and_actual_size(view):
    view.zoom_100()
    assert view.zoom_percent() == pytest.approx(100)
    view.zoom_by(2.0)
    assert view.zoom_percent() == pytest.approx(200)
    view.fit()
    c = view.left
    assert c.scale() == pytest.approx(min(c.width() / 400, c.height() / 200))
    # a new image of the same size keeps the zoom; another size refits
    view.zoom_100()
    view.set_input(solid(400, 200, "#00ff00"))
    assert not view.viewport.is_fit
    view.set_input(solid(300, 300, "#00ff00"))
    assert view.viewport.is_fit


def test_wiper_shows_before_left_and_after_right(qtbot, view):
    view.set_mode(CompareView.WIPER)
    w = view.wiper
    assert view.active_canvas() is w and w.isVisible()
    x_div = w.divider_x()
    drag(w, QPointF(x_div, w.height() / 2), QPointF(w.width() * 0.25, w.height() / 2))
    assert w.position == pytest.approx(0.25, abs=0.01)
    img = w.grab().toImage()
    y = int(w.height() * 0.75)
    cx = w.width() // 2  # the image is centred when fitted
    assert img.pixelColor(int(w.width() * 0.25) - 20, y).red() > 200        # before: input (red)
    assert img.pixelColor(cx + 20, y).blue() > 200                           # after: output (blue)
    # away from the divider, a drag pans instead of moving the divider (zoomed in: there
    # is room to pan; an image smaller than the canvas stays centred)
    view.viewport.set_scale(4.0)
    c0 = view.viewport.center()
    drag(w, QPointF(w.width() * 0.7, 100), QPointF(w.width() * 0.7 - 30, 100))
    assert view.viewport.center().x() == pytest.approx(c0.x() + 30 / 4.0)
    assert w.position == pytest.approx(0.25, abs=0.01)
    view.set_mode(CompareView.SIDE)
    assert view.left.isVisible() and view.right.isVisible()


def test_pan_stops_at_the_image_edge(view):
    c = view.left
    view.viewport.set_scale(4.0)                 # 1600x800 image pixels on a ~400 px canvas
    drag(c, QPointF(100, 100), QPointF(100 + 5000, 100 + 5000))  # far past the top-left corner
    top_left = c.to_widget(QPointF(0, 0))
    assert top_left.x() == pytest.approx(0, abs=1) and top_left.y() == pytest.approx(0, abs=1)
    drag(c, QPointF(300, 300), QPointF(300 - 9000, 300 - 9000))
    br = c.to_widget(QPointF(400, 200))
    assert br.x() == pytest.approx(c.width(), abs=1) and br.y() == pytest.approx(c.height(), abs=1)
    view.viewport.set_scale(0.25)                # smaller than the canvas: centred, no drifting
    drag(c, QPointF(100, 100), QPointF(300, 300))
    mid = c.to_widget(QPointF(200, 100))
    assert mid.x() == pytest.approx(c.width() / 2, abs=1) and mid.y() == pytest.approx(c.height() / 2, abs=1)


def test_zoom_percent_follows_a_mode_switch(qtbot, view):
    seen = []
    view.zoomChanged.connect(lambda: seen.append(view.zoom_percent()))
    side = view.zoom_percent()
    view.set_mode(view.WIPER)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == pytest.approx(view.zoom_percent()), timeout=2000)
    assert view.zoom_percent() > side * 1.5        # the wiper is twice as wide: fit zooms in
    assert seen[-1] == pytest.approx(view.zoom_percent())


def test_a_grid_caption_too_long_for_its_cell_is_elided_whole_in_its_tooltip(qtbot):
    """Issue 32, item 13: "effnet-unet · 0.42 s · cpu (2 threa" was cut off at the cell's edge."""
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from colorstudio.gui.widgets.canvas import LABEL_MARGIN, LABEL_PAD, Viewport
    from colorstudio.gui.widgets.compare_grid import CompareGrid

    grid = CompareGrid(Viewport())
    qtbot.addWidget(grid)
    grid.set_models([(f"m{i}", f"effnet-unet-{i}") for i in range(6)])
    grid.resize(600, 400)          # 3 x 3 cells of about 200 px
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_input(solid(64, 48, "#808080"))
    grid.set_result("m0", solid(64, 48, "#ff0000"), 0.42, "cpu (2 threads)")
    cell = grid.cells["m0"]
    shown = cell.caption_shown()
    assert shown == "effnet-unet-0 · 0.42 s …"      # whole parts dropped: the time stays
    assert cell.fontMetrics().horizontalAdvance(shown) + LABEL_PAD <= cell.width() - 2 * LABEL_MARGIN
    QApplication.sendEvent(cell, QHelpEvent(QEvent.Type.ToolTip, QPoint(10, 10), cell.mapToGlobal(QPoint(10, 10))))
    assert "cpu (2 threads)" in QToolTip.text()
    grid.resize(2400, 1400)        # room enough: the whole caption, no tooltip of its own
    qtbot.waitUntil(lambda: cell.caption_shown() == cell.caption)
