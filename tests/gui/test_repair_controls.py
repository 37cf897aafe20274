"""Issue 31, item 4: the restorer in control -- "Repair damage" in the Colorize and Batch tabs,
the damage mask shown over the input, corrected with an undoable brush, and saved and loaded
with the photo's hints."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.colorize.damage_mask import MASK_ALPHA, OVERLAY_LAYER, paint_segment
from guitest_helpers import drag, gray_image, shown_colorize_page, tiny_loader

RUN_TIMEOUT = 30000
H, W = 96, 128
SCRATCH_COL = 100     # the stub detector's one scratch: a column of the photo


class ScratchDetector:
    """A damage detector that finds one vertical scratch (a column), so the tests know the
    mask; ``calls`` counts its tiles."""

    def __init__(self):
        self.calls = 0

    def run(self, x):
        self.calls += 1
        logits = np.full(x.shape, -20.0, np.float32)
        logits[..., SCRATCH_COL] = 20.0
        return logits


def _about_the_mask(text: str, level: str) -> bool:
    return "damage mask" in text.lower()


def _trained(entries, trained: bool = True):
    """The model list with damage-unet's weights installed (or, ``trained`` False, without)."""
    items, devices = entries
    return [dataclasses.replace(e, trained=trained) if e.name == "damage-unet" else e for e in items], devices


def _cache(detector=None):
    return PredictorCache(loader=lambda n, d: detector if n == "damage-unet" and detector is not None
                          else tiny_loader(n, d))


def _open_repaired(qtbot, page):
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT):
        page.set_image(gray_image(H, W))
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        page.controls.repair_box.setChecked(True)
    return b.args[0]


def _at(page, x: float, y: float) -> QPointF:
    """Widget position of photo pixel (x, y) on the input canvas."""
    canvas = page.compare.left
    img = canvas.image()
    return canvas.to_widget(QPointF(x * img.width() / W, y * img.height() / H))


def test_without_trained_weights_the_options_are_off_and_say_why(qtbot, cache, entries):
    from colorstudio.gui.tabs.batch.page import BatchPanel

    entries = _trained(entries, False)
    page = shown_colorize_page(qtbot, cache, entries)
    c = page.controls
    assert not c.repair_box.isEnabled() and "No trained damage detector" in c.repair_box.toolTip()
    assert not c.mask_box.isEnabled() and not c.brush_button.isEnabled() and not c.repairing()
    panel = BatchPanel(cache)
    qtbot.addWidget(panel)
    panel.set_entries(*entries, model="unet-gan")
    assert not panel.repair.isEnabled() and "No trained damage detector" in panel.repair.toolTip()
    panel.set_entries(*_trained(entries), model="unet-gan")
    assert panel.repair.isEnabled() and "Mend" in panel.repair.toolTip()
    page.shutdown()


def test_repair_with_a_random_weight_detector_keeps_its_mask(qtbot, entries):
    """An injected random-weight damage-unet (the registry's, untrained): the run mends first,
    the page keeps the full-resolution mask, and the result is the mended photo coloured."""
    page = shown_colorize_page(qtbot, _cache(), _trained(entries))
    c = page.controls
    assert c.repair_box.isEnabled() and "Mend" in c.repair_box.toolTip()
    assert c.mask_box.isEnabled() is False     # only while repairing
    out = _open_repaired(qtbot, page)
    assert c.mask_box.isEnabled() and c.brush_button.isEnabled()
    rep = out.colorized.repair
    assert rep is not None and rep.prob is not None          # the detector's, not a given mask
    mask = page.repair_mask()
    assert mask is not None and mask.dtype == bool and mask.shape == (H, W)
    np.testing.assert_array_equal(mask, rep.mask)
    assert out.colorized.rgb.shape[:2] == (H, W) and out.colorized.mended is not None
    assert page.compare.right.image() is not None
    # a saturation change re-composes over the mended photo, not the damaged one
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        c.set_saturation(0.5)
    assert b.args[0].kind == "compose" and b.args[0].colorized.mended is out.colorized.mended
    page.shutdown()


def test_the_mask_overlay_toggles(qtbot, entries):
    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    _open_repaired(qtbot, page)
    left = page.compare.left
    assert left.overlay(OVERLAY_LAYER) is None
    page.controls.mask_box.setChecked(True)
    ov = left.overlay(OVERLAY_LAYER)
    assert ov is not None and (ov.width(), ov.height()) == (W, H)
    assert ov.pixelColor(SCRATCH_COL, 40).alpha() == MASK_ALPHA and ov.pixelColor(10, 40).alpha() == 0
    assert ov.pixelColor(SCRATCH_COL, 40).red() > 200
    assert left.overlay() is None          # the guess overlay's layer is its own
    left.grab()                             # paints with the tint
    page.controls.mask_box.setChecked(False)
    assert left.overlay(OVERLAY_LAYER) is None
    page.controls.mask_box.setChecked(True)
    page.controls.repair_box.setChecked(False)   # no repair: no mask shown
    assert left.overlay(OVERLAY_LAYER) is None
    page.shutdown()


def test_a_brush_stroke_adds_to_the_mask_undo_removes_it_and_the_repair_follows(qtbot, entries):
    det = ScratchDetector()
    page = shown_colorize_page(qtbot, _cache(det), _trained(entries))
    _open_repaired(qtbot, page)
    detected = page.repair_mask().copy()
    assert detected[:, SCRATCH_COL].all() and detected.sum() == H * 3   # the column, dilated by 1
    page.controls.brush_size.setValue(6)
    page.controls.brush_button.setChecked(True)
    canvas, stack = page.compare.left, page.undo_stack()
    assert canvas.tool is page.brush and page.controls.mask_box.isChecked()
    n0 = stack.count()
    hint_reruns = []
    page.hints_editor.hintsChanged.connect(lambda: hint_reruns.append(1))
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:   # debounced, in the worker
        drag(canvas, _at(page, 20, 30), _at(page, 60, 30))
        painted = page.repair_mask().copy()
        assert stack.count() == n0 + 1
        assert painted.sum() > detected.sum() and painted[30, 20:60].all() and painted[detected].all()
        assert not page.hints_editor.hints()     # a mask edit is no hint
    rep = b.args[0].colorized.repair
    assert rep.prob is None                     # mended with the user's own mask, not detected again
    assert not hint_reruns                      # the shared undo stack did not ask for a hints rerun
    np.testing.assert_array_equal(rep.mask, painted)
    calls = det.calls
    # erase with the right button (and Alt+drag) takes pixels away
    drag(canvas, _at(page, SCRATCH_COL, 5), _at(page, SCRATCH_COL, 15), Qt.MouseButton.RightButton)
    assert not page.repair_mask()[7:13, SCRATCH_COL].any() and stack.count() == n0 + 2
    stack.undo()
    np.testing.assert_array_equal(page.repair_mask(), painted)
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as b:
        stack.undo()                            # back to the detector's mask
    np.testing.assert_array_equal(page.repair_mask(), detected)
    # the detector's answer again: this photo's, kept with the network's (pipeline.NetworkMemo), not rerun
    assert b.args[0].colorized.repair.prob is not None and det.calls == calls
    page.shutdown()


def test_alt_drag_erases(qtbot, entries):
    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    _open_repaired(qtbot, page)
    page.controls.brush_button.setChecked(True)
    canvas = page.compare.left
    a, b = _at(page, SCRATCH_COL, 40), _at(page, SCRATCH_COL, 50)
    alt = Qt.KeyboardModifier.AltModifier
    for kind, pos, buttons in ((QEvent.Type.MouseButtonPress, a, Qt.MouseButton.LeftButton),
                               (QEvent.Type.MouseMove, b, Qt.MouseButton.LeftButton),
                               (QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton)):
        QApplication.sendEvent(canvas, QMouseEvent(kind, pos, canvas.mapToGlobal(pos), Qt.MouseButton.LeftButton,
                                                   buttons, alt))
    assert not page.repair_mask()[42:48, SCRATCH_COL].any()
    page.shutdown()


def test_a_stroke_outside_the_photo_changes_nothing(qtbot, entries):
    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    _open_repaired(qtbot, page)
    page.controls.brush_button.setChecked(True)
    canvas, stack = page.compare.left, page.undo_stack()
    before, n0 = page.repair_mask().copy(), stack.count()
    drag(canvas, _at(page, -60, -40), _at(page, -20, -50))       # wholly outside: nothing, no error
    drag(canvas, _at(page, W + 30, 10), _at(page, W + 60, 80))
    np.testing.assert_array_equal(page.repair_mask(), before)
    assert stack.count() == n0
    drag(canvas, _at(page, -30, 10), _at(page, 10, 10))          # half outside: clipped
    assert page.repair_mask()[10, 0:8].all() and stack.count() == n0 + 1
    page.shutdown()


def test_paint_segment_clips_and_reports_its_box():
    m = np.zeros((10, 10), bool)
    assert paint_segment(m, (-20, -20), (-15, -5), 2, True) is None and not m.any()
    box = paint_segment(m, (-3, 5.5), (2.5, 5.5), 1, True)
    assert box is not None and m[5, 0:3].all() and not m[:, 4:].any()
    n = m.sum()
    assert paint_segment(m, (0.5, 0.5), (0.5, 0.5), 0.1, True) is not None
    assert m[0, 0] and m.sum() == n + 1          # a tiny brush still marks the pixel under it


def test_the_mask_is_saved_and_loaded_with_the_hints(qtbot, entries, tmp_path):
    from colorstudio.core.restore.maskfile import read_mask

    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    _open_repaired(qtbot, page)
    page.controls.brush_button.setChecked(True)
    drag(page.compare.left, _at(page, 20, 30), _at(page, 60, 30))
    saved = page.repair_mask().copy()
    editor = page.hints_editor
    assert editor.save_button.isEnabled()      # a mask alone is worth saving
    hints = tmp_path / "photo.json"
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about_the_mask) as m:
        editor.save_to(str(hints))
    assert m.args[1] == "info"
    beside = tmp_path / "photo.repair-mask.png"
    np.testing.assert_array_equal(read_mask(beside, (H, W)), saved)
    # the mask changes; loading the hints brings the saved one back, as one undoable edit
    drag(page.compare.left, _at(page, 20, 70), _at(page, 60, 70))
    changed = page.repair_mask().copy()
    assert not np.array_equal(changed, saved)
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about_the_mask) as m:
        editor.load_from(str(hints))
    assert m.args[1] == "info" and "photo.repair-mask.png" in m.args[0]
    np.testing.assert_array_equal(page.repair_mask(), saved)
    page.undo_stack().undo()
    np.testing.assert_array_equal(page.repair_mask(), changed)
    page.shutdown()


@pytest.mark.parametrize("bad", ["size", "unreadable"])
def test_a_bad_mask_file_is_one_line_and_loses_nothing(qtbot, entries, tmp_path, bad):
    from colorstudio.core.colorize.hintfile import write_points
    from colorstudio.core.restore.maskfile import write_mask

    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    _open_repaired(qtbot, page)
    current = page.repair_mask().copy()
    n0 = page.undo_stack().count()
    hints = tmp_path / "other.json"
    write_points(hints, [(0.5, 0.5, (200, 40, 40))])
    if bad == "size":
        write_mask(tmp_path / "other.repair-mask.png", np.ones((40, 50), bool))
    else:
        (tmp_path / "other.repair-mask.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with qtbot.waitSignal(page.message, timeout=RUN_TIMEOUT, check_params_cb=_about_the_mask) as m:
        page.hints_editor.load_from(str(hints))
    text, level = m.args
    assert level == "warning" and "\n" not in text and "other.repair-mask.png" in text
    if bad == "size":
        assert "50x40" in text
    np.testing.assert_array_equal(page.repair_mask(), current)
    assert len(page.hints_editor.model) == 1 and page.undo_stack().count() == n0 + 1   # the hints did load
    page.shutdown()


def test_batch_passes_the_detector_as_the_repairer(qtbot, entries, tmp_path):
    from colorstudio.core.io.imageio import write_image
    from colorstudio.gui.tabs.batch.page import BatchPanel

    det = ScratchDetector()
    panel = BatchPanel(_cache(det))
    qtbot.addWidget(panel)
    panel.set_entries(*_trained(entries), model="unet-gan")
    src = tmp_path / "in"
    src.mkdir()
    write_image(src / "a.png", gray_image(H, W))
    panel.add_inputs([src / "a.png"])
    panel.set_output_dir(tmp_path / "out")
    panel.repair.setChecked(True)
    with qtbot.waitSignal(panel.runFinished, timeout=RUN_TIMEOUT) as b:
        assert panel.start() is not None
    assert b.args[0]["done"] == 1 and det.calls >= 1
    panel.repair.setChecked(False)
    calls = det.calls
    panel.overwrite.setChecked(True)
    with qtbot.waitSignal(panel.runFinished, timeout=RUN_TIMEOUT):
        panel.start()
    assert det.calls == calls                 # off: the photos are coloured as they are
    panel.shutdown()


def test_the_compare_grid_colours_the_mended_photo():
    """Every setting that changes the single result applies to every compare tile: the repair
    too (once, before the first model)."""
    from colorstudio.gui.tabs.colorize.jobs import CompareJob, RepairRequest, run_many

    detector = ScratchDetector()
    img = gray_image(H, W)
    img[:, SCRATCH_COL] = 255
    events = list(run_many(_cache(detector), [CompareJob("unet-gan", 64, False), CompareJob("unet-hints", 64, True)],
                           "cpu", img, 1.0, [], 7, repair=RepairRequest("damage-unet")))
    done = [e for e in events if e[0] == "done"]
    assert len(done) == 2 and detector.calls >= 1
    for _, _, out in done:
        assert out.colorized.rgb[:, SCRATCH_COL].mean() < 250      # the white scratch is filled in every tile


def test_hints_saved_without_a_mask_forget_an_older_mask_file(qtbot, entries, tmp_path):
    from colorstudio.core.restore.maskfile import mask_path, write_mask

    page = shown_colorize_page(qtbot, _cache(ScratchDetector()), _trained(entries))
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT):
        page.set_image(gray_image(H, W))
    hints = tmp_path / "photo.json"
    old = write_mask(mask_path(hints), np.ones((H, W), bool))
    page.hints_editor.model.add(0.5, 0.5, (200, 40, 40))
    w = page.masks.save_beside(str(hints))
    assert w is not None
    qtbot.waitUntil(lambda: not old.exists(), timeout=RUN_TIMEOUT)
    page.shutdown()


def test_gray_brush_erases_the_colour_without_a_network_run(qtbot, cache, entries):
    """Issue 35, item 3: the gray brush takes the colour away where it is painted (the
    result keeps the photo's lightness there), re-composing only; undo gives it back."""
    from colorstudio.core import color

    page = shown_colorize_page(qtbot, cache, entries, model="unet-gan")
    with qtbot.waitSignal(page.resultReady, timeout=30000) as first:
        page.set_image(np.tile(np.linspace(40, 220, 64, dtype=np.uint8), (48, 1)))
    before = first.args[0].colorized.rgb
    runs = page.network_runs
    page.controls.gray_button.setChecked(True)
    assert page.compare.left.tool is page.gray_brush and not page.controls.brushing()
    with qtbot.waitSignal(page.resultReady, timeout=30000) as b:
        page.gray.begin((48, 64), 10.0, 24.0, True, 6.0)
        page.gray.extend(30.0, 24.0, 6.0)
        page.gray.end()
    out = b.args[0]
    assert out.kind == "compose" and page.network_runs == runs
    lab = color.rgb_to_lab(out.colorized.rgb)
    assert np.abs(lab[22:27, 12:28, 1:]).max() < 1.0               # gray where painted
    np.testing.assert_array_equal(out.colorized.rgb[:, 45:], before[:, 45:])   # the rest as it was
    with qtbot.waitSignal(page.resultReady, timeout=30000) as b:
        page.hints_editor.model.undo_stack.undo()
    np.testing.assert_array_equal(b.args[0].colorized.rgb, before)
    page.controls.brush_button.setChecked(True)                       # one brush at a time
    assert not page.controls.gray_brushing()
    page.shutdown()
