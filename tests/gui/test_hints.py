"""Colour hints: click adds, drag moves, right-click deletes, undo/redo; they reach the model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt

from colorstudio.gui.tabs.colorize.page import ColorizePage
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.hints_editor import HintsEditor
from guitest_helpers import gray_image
from guitest_helpers import drag, mouse, solid


@pytest.fixture
def setup(qtbot):
    view = CompareView()
    editor = HintsEditor()
    qtbot.addWidget(view)
    qtbot.addWidget(editor)
    view.resize(800, 400)
    view.set_input(solid(400, 200, "#808080"))
    view.set_output(solid(400, 200, "#20c040"))
    view.show()
    qtbot.waitExposed(view)
    editor.set_available(True, "")
    view.left.set_tool(editor.tool)
    return view, editor


def click(widget, pos: QPointF, button=Qt.MouseButton.LeftButton) -> None:
    mouse(widget, QEvent.Type.MouseButtonPress, pos, button)
    mouse(widget, QEvent.Type.MouseButtonRelease, pos, button)


def test_add_move_delete_with_undo_redo(setup):
    view, editor = setup
    canvas, model, stack = view.left, editor.model, editor.model.undo_stack
    changes = []
    editor.hintsChanged.connect(lambda: changes.append(len(model)))
    p = canvas.to_widget(QPointF(100, 50))           # image pixel (100, 50) of 400 x 200
    editor.set_current_rgb((200, 30, 30))
    click(canvas, p)
    assert len(model) == 1
    (hid, pt), = model.points.items()
    assert (pt.x, pt.y, pt.rgb) == (pytest.approx(0.25), pytest.approx(0.25), (200, 30, 30))
    # drag the point: one undoable move, live updates in between
    q = canvas.to_widget(QPointF(300, 150))
    drag(canvas, p, q)
    assert (model.points[hid].x, model.points[hid].y) == (pytest.approx(0.75), pytest.approx(0.75))
    assert stack.count() == 2
    # a second point: not selected, so a colour picked now is the next hint's (issue 32, item 5)
    click(canvas, canvas.to_widget(QPointF(20, 180)))
    assert len(model) == 2 and model.selected is None
    before = {h: p.rgb for h, p in model.points.items()}
    editor.pick_color((10, 20, 120))
    assert {h: p.rgb for h, p in model.points.items()} == before and editor.current_rgb() == (10, 20, 120)
    # clicking the point selects it; then the eyedropper recolours it
    click(canvas, canvas.to_widget(QPointF(20, 180)))
    assert model.selected is not None
    view.right.set_tool(editor.eyedropper)
    click(view.right, view.right.to_widget(QPointF(10, 10)))
    assert model.points[model.selected].rgb == (32, 192, 64)
    # right-click deletes
    click(canvas, canvas.to_widget(QPointF(20, 180)), Qt.MouseButton.RightButton)
    assert len(model) == 1
    stack.undo()   # undelete
    assert len(model) == 2
    stack.undo()   # un-recolour
    stack.undo()   # un-add
    assert len(model) == 1
    stack.undo()   # un-move
    assert model.points[hid].x == pytest.approx(0.25)
    stack.undo()   # un-add
    assert len(model) == 0 and not stack.canUndo()
    stack.redo()
    stack.redo()
    assert model.points[hid].x == pytest.approx(0.75)
    assert changes  # every step announced a rerun
    h = model.hints()[0]
    assert h.a > 20 and abs(h.b) < 60  # red-ish: positive a


def test_click_outside_the_image_pans_instead(setup):
    view, editor = setup
    view.zoom_100()
    canvas = view.left
    outside = canvas.to_widget(QPointF(-30, 100))
    c0 = view.viewport.center()
    drag(canvas, outside, outside + QPointF(-20, 0))
    assert len(editor.model) == 0 and view.viewport.center() != c0


def test_every_colorizer_takes_hints(qtbot, cache, entries):
    """The hint tools are on for a colorizer without hint planes too (the hint step after the
    network steers it); switching models keeps them on."""
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.set_entries(*entries, "unet-gan")
    assert page.hints_editor.isEnabled() and page.compare.left.tool is page.hints_editor.tool
    page.picker.set_model("unet-hints")
    assert page.hints_editor.isEnabled() and page.compare.left.tool is page.hints_editor.tool
    page.shutdown()



def test_hints_reach_the_network(qtbot, cache, entries):
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    page.set_entries(*entries, "unet-hints")
    with qtbot.waitSignal(page.resultReady, timeout=20000) as b:
        page.set_image(gray_image(96, 128))
    before = b.args[0].colorized.rgb
    with qtbot.waitSignal(page.resultReady, timeout=20000) as b:
        page.hints_editor.model.add(0.5, 0.5, (0, 60, 255))
    after = b.args[0]
    assert after.kind == "run" and not np.array_equal(after.colorized.rgb, before)
    with qtbot.waitSignal(page.resultReady, timeout=20000) as b:
        page.hints_editor.model.undo_stack.undo()
    assert np.array_equal(b.args[0].colorized.rgb, before)  # deterministic model, same input
    page.shutdown()


def test_save_and_load_hints_share_the_cli_format(setup, tmp_path, monkeypatch):
    from colorstudio.core.colorize.hintfile import read_points

    view, editor = setup
    model = editor.model
    model.add(0.25, 0.5, (200, 30, 30))
    model.add(0.75, 0.1, (30, 30, 200))
    assert editor.save_button.isEnabled()
    path = tmp_path / "h.json"
    editor.save_to(str(path))
    assert read_points(path) == [(0.25, 0.5, (200, 30, 30)), (0.75, 0.1, (30, 30, 200))]
    model.clear()
    assert len(model) == 0 and not editor.save_button.isEnabled()
    assert editor.load_from(str(path)) == 2
    assert model.points_list() == read_points(path)
    model.undo_stack.undo()  # loading is one undoable edit
    assert len(model) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    warned = []
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warned.append(a[2])))
    editor.load_dialog()
    assert warned and "expected an object" in warned[0] and len(model) == 0  # nothing lost


def test_hints_from_a_reference_photo_are_editable_hints(qtbot, cache, entries, tmp_path):
    """The same picture coloured elsewhere gives hints by position; they are one undoable edit."""
    from colorstudio.core import color
    from colorstudio.core.io.imageio import write_image

    ref = np.zeros((60, 80, 3), np.uint8)
    ref[:, :40] = (200, 40, 40)
    ref[:, 40:] = (40, 60, 200)
    path = write_image(tmp_path / "ref.png", ref)
    gray = color.from_float01(color.luminance(ref) / 100, np.uint8)
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.set_entries(*entries, "unet-hints")
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.set_image(gray)
    messages = []
    page.message.connect(lambda t, lv: messages.append(t))
    with qtbot.waitSignal(page.hints_editor.model.changed, timeout=10000):
        page.hint_sources.from_reference(str(path))
    pts = page.hints_editor.model.points_list()
    assert len(pts) >= 4 and any("same picture" in m for m in messages)
    assert all((rgb[0] > rgb[2]) == (x < 0.5) for x, y, rgb in pts), "red on the left, blue on the right"
    page.hints_editor.model.undo_stack.undo()
    assert len(page.hints_editor.model) == 0
    page.shutdown()


def test_hint_reach_is_shown_and_limits_the_spread(qtbot, cache, entries):
    """Issue 19, item 14: each hint's reach drawn on demand; lowering it keeps a hint's
    colour off the neighbouring region."""
    import numpy as np

    from colorstudio.core.colorize import pipeline

    # the propagation itself: a smaller reach moves far pixels less
    ab = np.zeros((64, 64, 2), np.float32)
    l_norm = np.zeros((64, 64), np.float32)
    h = pipeline.Hint(0.25, 0.5, 40.0, 0.0)
    wide = pipeline.propagate_hints(ab, l_norm, [h], reach=0.3)
    narrow = pipeline.propagate_hints(ab, l_norm, [h], reach=0.05)
    assert wide[32, 48, 0] > 5 > 0.01 > narrow[32, 48, 0] >= 0
    per_hint = pipeline.propagate_hints(ab, l_norm, [pipeline.Hint(0.25, 0.5, 40.0, 0.0, reach=0.05)], reach=0.3)
    np.testing.assert_allclose(per_hint, narrow)        # a hint's own reach wins
    # the panel: the slider reaches the pipeline, the circles are drawn
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.set_entries(*entries, model="unet-hints")
    seen = []
    real = pipeline.propagate_hints
    import colorstudio.core.colorize.hints as pl   # where the hint step calls it

    def spy(ab, l_norm, hints, reach=pl.HINT_REACH, l_sigma=pl.HINT_L_SIGMA, weights=None, **kw):
        seen.append(reach)
        return real(ab, l_norm, hints, reach, l_sigma, weights, **kw)

    pl.propagate_hints = spy
    try:
        with qtbot.waitSignal(page.resultReady, timeout=30000):
            page.set_image(gray_image(48, 64))
        page.hints_editor.model.add(0.5, 0.5, (200, 40, 40))
        qtbot.waitSignal(page.resultReady, timeout=30000).wait()
        with qtbot.waitSignal(page.resultReady, timeout=30000):
            page.hints_editor.set_reach(0.05)
        assert seen and seen[-1] == pytest.approx(0.05)
    finally:
        pl.propagate_hints = real
    page.hints_editor.show_reach.setChecked(True)
    page.show()
    qtbot.waitExposed(page)
    page.compare.left.repaint()                            # paints the dashed reach circles without error
    page.shutdown()


def test_selected_hint_shows_the_models_likely_colours(qtbot, cache, entries):
    """Issue 35, item 2 in the app: selecting a hint shows the model's most likely colours at
    its point (3-6 swatches, most probable first); one click gives the hint that colour; a
    model without a colour distribution says why there are none."""
    page = ColorizePage(cache, samples=[])
    qtbot.addWidget(page)
    page.set_entries(*entries, "zhang-bins")
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.set_image(gray_image(48, 64))
    ed = page.hints_editor
    with qtbot.waitSignal(page.suggester.result, timeout=30000):
        hid = ed.model.add(0.4, 0.5, (10, 10, 10))
    swatches = ed.suggestions()
    assert 3 <= len(swatches) <= 6 and all("likely here" in tip for _, tip in swatches)
    probs = [float(tip.split("·")[1].split("%")[0]) for _, tip in swatches]
    assert probs == sorted(probs, reverse=True)
    ed.swatches[0].click()
    assert ed.model.points[hid].rgb == tuple(swatches[0][0])       # the hint took the first swatch
    with qtbot.waitSignal(page.suggester.result, timeout=30000):
        page.picker.set_model("unet-gan")
    assert not ed.suggestions() and "one colour per pixel" in ed.palette_note.text()
    page.shutdown()
