"""Issue 35, item 3: the protect brush (the hints change nothing where it paints: the model's
own colour is kept there) and the colour masks -- gray and protect -- saved and loaded with
the hints."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from colorstudio.gui.tabs.colorize.damage_mask import MASK_ALPHA
from colorstudio.gui.tabs.colorize.masks import PROTECT_LAYER, PROTECT_RGB
from guitest_helpers import drag, gray_image, shown_colorize_page

RUN_TIMEOUT = 30000
H, W = 96, 128
INSIDE = (slice(30, 66), slice(92, 108))   # well inside the stroke below (x 80-120, y 0-96)


def _at(page, x: float, y: float) -> QPointF:
    """Widget position of photo pixel (x, y) on the input canvas."""
    canvas = page.compare.left
    img = canvas.image()
    return canvas.to_widget(QPointF(x * img.width() / W, y * img.height() / H))


def _open_with_a_hint(qtbot, page):
    """The photo's no-hint result, then its result with a green hint left of the middle."""
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as plain:
        page.set_image(gray_image(H, W))
    page.hints_editor.set_reach(0.5)
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as hinted:
        page.hints_editor.model.add(0.6, 0.5, (40, 200, 40))
    return plain.args[0].colorized.rgb, hinted.args[0].colorized.rgb


def _paint_protect(qtbot, page):
    """A 40 px protect stroke down the right part of the photo (x 80-120), waited for."""
    page.controls.protect_size.setValue(40)
    page.controls.protect_button.setChecked(True)
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        drag(page.compare.left, _at(page, 100, 2), _at(page, 100, 94))
    return b.args[0]


@pytest.mark.parametrize("model, runs", [("unet-gan", 0), ("unet-hints", 1)])
def test_the_protect_brush_keeps_the_models_colour_undo_and_clear(qtbot, cache, entries, model, runs):
    """Painted, the region is exactly the no-hint result and the reach overlay is empty there;
    a network that does not see the hints is not run again, one that does runs once (its
    no-hint answer is kept); undo and clear give the hint its way back."""
    page = shown_colorize_page(qtbot, cache, entries, model)
    plain, free = _open_with_a_hint(qtbot, page)
    assert np.abs(free[INSIDE].astype(int) - plain[INSIDE].astype(int)).max() > 3   # the hint reaches it
    controls, canvas, stack = page.controls, page.compare.left, page.undo_stack()
    net = cache.get(model, page.device())
    calls, n0 = net.calls, stack.count()
    controls.gray_button.setChecked(True)
    controls.protect_button.setChecked(True)       # one brush at a time
    assert not controls.gray_brushing() and not controls.brushing() and canvas.tool is page.masks.protect_brush
    out = _paint_protect(qtbot, page)
    guard = page.masks.protect_mask()
    assert stack.count() == n0 + 1 and guard[:, 82:118].all() and not guard[:, :78].any()
    assert net.calls == calls + runs
    np.testing.assert_array_equal(out.colorized.rgb[INSIDE], plain[INSIDE])
    w = out.colorized.hint_weights[0].astype(np.float32)
    gy, gx = w.shape[0] / H, w.shape[1] / W
    assert w[int(30 * gy):int(66 * gy), int(92 * gx):int(108 * gx)].max() == 0.0
    tint = canvas.overlay(PROTECT_LAYER)            # amber over the input while the brush is out
    assert tint is not None and tint.pixelColor(100, 48).alpha() == MASK_ALPHA
    assert tint.pixelColor(100, 48).red() == PROTECT_RGB[0] and tint.pixelColor(10, 48).alpha() == 0
    assert page.hints_editor.save_button.isEnabled()
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        stack.undo()
    assert page.masks.protect_mask() is None
    np.testing.assert_array_equal(b.args[0].colorized.rgb, free)
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT):
        stack.redo()
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        controls.protect_clear.click()              # one undoable edit
    assert page.masks.protect_mask() is None and stack.count() == n0 + 2
    np.testing.assert_array_equal(b.args[0].colorized.rgb, free)
    stack.undo()
    np.testing.assert_array_equal(page.masks.protect_mask(), guard)
    controls.protect_button.setChecked(False)
    assert canvas.overlay(PROTECT_LAYER) is None and canvas.tool is page.hints_editor.tool
    page.shutdown()


def _about(words: str):
    return lambda text, level: words in text


def test_the_colour_masks_are_saved_and_loaded_with_the_hints(qtbot, cache, entries, tmp_path):
    from colorstudio.core.colorize.hintfile import read_masks, write_masks, write_points

    page = shown_colorize_page(qtbot, cache, entries, "unet-gan")
    _open_with_a_hint(qtbot, page)
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT):
        page.gray.begin((H, W), 10.0, 10.0, True, 6.0)
        page.gray.extend(40.0, 10.0, 6.0)
        page.gray.end()
    _paint_protect(qtbot, page)
    gray, guard = page.gray_mask(), page.masks.protect_mask()
    editor, stack = page.hints_editor, page.undo_stack()
    hints = tmp_path / "photo.json"
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about("Saved beside")) as m:
        editor.save_to(str(hints))
    assert m.args[1] == "info" and "photo.gray-mask.png" in m.args[0] and "photo.protect-mask.png" in m.args[0]
    saved = read_masks(hints, (H, W))
    np.testing.assert_array_equal(saved["gray"], gray)
    np.testing.assert_array_equal(saved["protect"], guard)
    # both change; loading the hints brings the saved masks back, each an undoable edit
    page.masks.clear_gray()
    page.masks.clear_protect()
    assert page.gray_mask() is None and page.masks.protect_mask() is None
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about("Loaded the gray and protect")):
        editor.load_from(str(hints))
    np.testing.assert_array_equal(page.gray_mask(), gray)
    np.testing.assert_array_equal(page.masks.protect_mask(), guard)
    stack.undo()
    assert page.masks.protect_mask() is None
    stack.redo()
    # hints saved without masks: loading them clears the painted ones (none saved is none painted)
    bare = tmp_path / "bare.json"
    write_points(bare, [(0.5, 0.5, (200, 40, 40))])
    editor.load_from(str(bare))
    qtbot.waitUntil(lambda: page.gray_mask() is None and page.masks.protect_mask() is None, timeout=RUN_TIMEOUT)
    # saving them now takes the old mask files away (they would come back with these hints)
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about("no colour masks")):
        editor.save_to(str(hints))
    assert read_masks(hints) == {}
    # a mask of another size: one line, and the current masks stay
    stack.undo()
    stack.undo()
    n = stack.index()
    wrong = tmp_path / "wrong.json"
    write_points(wrong, [(0.5, 0.5, (200, 40, 40))])
    write_masks(wrong, {"protect": np.ones((40, 50), bool)})
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about("not loaded")) as m:
        editor.load_from(str(wrong))
    text, level = m.args
    assert level == "warning" and "\n" not in text and "wrong.protect-mask.png" in text and "50x40" in text
    np.testing.assert_array_equal(page.gray_mask(), gray)
    np.testing.assert_array_equal(page.masks.protect_mask(), guard)
    assert stack.index() == n + 1                   # the hints did load
    page.shutdown()
