"""The main window driven offscreen with a tiny random-weight model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QMessageBox

from colorstudio.gui.main_window import MainWindow
from guitest_helpers import gray_image

RUN_TIMEOUT = 20000


@pytest.fixture
def win(qtbot, settings, cache, entries):
    settings.setValue("model/name", "unet-gan")
    w = MainWindow(settings, cache)
    qtbot.addWidget(w)
    w._on_entries(entries)
    w.show()
    yield w
    w.colorize.shutdown()
    w.batch.shutdown()
    w.facades.shutdown()


def _open(qtbot, win, path):
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT) as blocker:
        win.open_path(path)
    return blocker.args[0]


def test_open_runs_model_and_output_differs(qtbot, win, gray_png):
    out = _open(qtbot, win, gray_png)
    rgb = out.colorized.rgb
    src = gray_image()
    assert rgb.shape == src.shape + (3,) and rgb.dtype == np.uint8
    # The input is gray (R == G == B); a colorized output is not.
    assert np.abs(rgb[..., 0].astype(int) - rgb[..., 2].astype(int)).max() > 0
    # Lightness is kept from the input (except where a random net's colour leaves the
    # sRGB gamut and gets clipped).
    from colorstudio.core import color

    assert np.median(np.abs(color.luminance(rgb) - color.luminance(src))) < 3.0
    st = win.colorize.status()
    assert st["size"].startswith("64×48") and st["model"] == "unet-gan"
    assert st["device"].startswith("cpu") and st["time"].endswith(("s", ")"))
    assert win.chrome.status_labels["model"].text().strip() == "unet-gan"
    assert win.recent_files()[0] == str(gray_png)
    assert win.chrome.act_export.isEnabled() and win.chrome.act_copy.isEnabled()
    assert "gray.png" in win.windowTitle()
    win.tabs.setCurrentWidget(win.batch)           # issue 32, item 13: another tab, another title
    assert "gray.png" not in win.windowTitle() and win.windowTitle().startswith("Batch")
    win.tabs.setCurrentWidget(win.colorize)
    assert "gray.png" in win.windowTitle()


def test_unreadable_file_gives_a_message_not_a_dialog(qtbot, win, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    with qtbot.waitSignal(win.colorize.message, timeout=5000) as blocker:
        win.open_path(bad)
    text, level = blocker.args
    assert level == "error" and "Cannot open" in text and "notes.png" in text
    assert win.messages.message() == text
    with qtbot.waitSignal(win.colorize.message, timeout=5000) as blocker:
        win.open_path(tmp_path / "missing.png")
    assert "not found" in blocker.args[0]
    assert win.colorize.image is None


def test_saturation_recomposes_without_network(qtbot, win, gray_png):
    first = _open(qtbot, win, gray_png)
    pred = win.cache.cached("unet-gan", win.colorize.picker.device())
    calls = pred.calls
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT) as blocker:
        win.colorize.controls.set_saturation(0.0)
    out = blocker.args[0]
    assert out.kind == "compose" and pred.calls == calls
    assert out.colorized.ab_small is first.colorized.ab_small
    rgb = out.colorized.rgb.astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 2]).max() <= 1  # no chroma left
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT) as blocker:
        win.colorize.controls.set_saturation(1.0)
    assert np.array_equal(blocker.args[0].colorized.rgb, first.colorized.rgb)
    assert pred.calls == calls and win.colorize.network_runs == 1


def test_second_request_supersedes_first(qtbot, win, gray_png):
    _open(qtbot, win, gray_png)
    runs = win.colorize.network_runs
    got = []
    win.colorize.resultReady.connect(got.append)
    for size in (64, 96, 128):
        win.colorize.controls.set_render_size(size)
    qtbot.waitUntil(lambda: not win.colorize.runner.is_busy(), timeout=RUN_TIMEOUT)
    assert got and got[-1].colorized.ab_small.shape[1] == 128  # long side 64 -> 128 px render
    assert win.colorize.network_runs - runs <= 2  # the middle request was dropped or superseded


def test_export_keeps_16_bit_and_copy(qtbot, win, tmp_path):
    from colorstudio.core.io.imageio import read_image, write_image

    p = tmp_path / "deep.png"
    write_image(p, gray_image(dtype=np.uint16))
    out = _open(qtbot, win, p)
    assert out.colorized.rgb.dtype == np.uint16
    for name, dtype in (("out.png", np.uint16), ("out.tif", np.uint16), ("out.jpg", np.uint8)):
        w = win.colorize.export(tmp_path / name)
        qtbot.waitUntil(w.done.is_set, timeout=10000)
        back = read_image(tmp_path / name)
        assert back.dtype == dtype and back.shape == (48, 64, 3)
    assert np.array_equal(read_image(tmp_path / "out.png"), out.colorized.rgb)


def test_export_keeps_the_scans_dpi(qtbot, win, tmp_path):
    """Issue 19, item 19: the exported result keeps the opened file's resolution (DPI)."""
    from PIL import Image

    p = tmp_path / "scan.tif"
    Image.fromarray(gray_image()).save(p, dpi=(1200, 1200))
    _open(qtbot, win, p)
    w = win.colorize.export(tmp_path / "out.jpg")
    qtbot.waitUntil(w.done.is_set, timeout=10000)
    with Image.open(tmp_path / "out.jpg") as im:
        assert im.info["dpi"] == (1200, 1200)
    # never overwrite the original
    with qtbot.waitSignal(win.colorize.message, timeout=10000,
                          check_params_cb=lambda text, level: level == "error") as blocker:
        win.colorize.export(p)
    assert blocker.args[1] == "error" and "overwrite" in blocker.args[0]
    assert win.colorize.copy_result()
    assert not QGuiApplication.clipboard().image().isNull()


def test_drop_file_opens_and_folder_goes_to_batch(qtbot, win, gray_png, tmp_path):
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(gray_png))])
    ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT):
        win.dropEvent(ev)
    win.drop_paths([tmp_path])
    assert win.tabs.currentWidget() is win.batch and tmp_path in win.batch.input_paths()


def test_close_asks_while_training_runs(qtbot, win, monkeypatch):
    stopped = []
    monkeypatch.setattr(win.dashboard, "is_busy", lambda: True)
    monkeypatch.setattr(win.dashboard, "stop", lambda: stopped.append(True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert not win.close()
    assert win.isVisible() and not stopped
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert win.close()
    assert stopped == [True]


def test_settings_remember_model_and_recent(qtbot, win, settings, cache, entries, gray_png):
    _open(qtbot, win, gray_png)
    win.colorize.picker.set_model("unet-hints")
    win.colorize.controls.set_saturation(1.3)
    win.save_settings()
    w2 = MainWindow(settings, cache)
    qtbot.addWidget(w2)
    w2._on_entries(entries)
    assert w2.colorize.picker.model_name() == "unet-hints"
    assert w2.colorize.controls.saturation() == pytest.approx(1.3)
    assert w2.recent_files()[0] == str(gray_png)
    w2.colorize.shutdown()


def test_shortcuts_are_bound(win):
    keys = {a.text().replace("&", ""): [k.toString() for k in a.shortcuts()] for a in win.actions()}
    assert "Ctrl+O" in keys["Open…"]
    assert {"Ctrl+S", "Ctrl+E"} <= set(keys["Export…"])
    assert "Ctrl+C" in keys["Copy result"]
    assert "Ctrl+0" in keys["Fit to window"] and "Ctrl+1" in keys["Actual size (100%)"]
    assert "F5" in keys["Run again"]
    assert "Ctrl+Z" in [k.toString() for k in win.chrome.act_undo.shortcuts()]
    assert "Ctrl+Shift+Z" in [k.toString() for k in win.chrome.act_redo.shortcuts()]
    assert all(a.toolTip() for a in win.chrome.toolbar.actions() if not a.isSeparator())


def test_device_fallback_note_is_shown(qtbot, win, gray_png):
    from colorstudio.core.inference.devices import FallbackNote

    _open(qtbot, win, gray_png)
    pred = win.cache.cached("unet-gan", win.colorize.picker.device())
    inner = pred.predict_ab

    def oom_then_cpu(x):
        pred.fallback = FallbackNote("cuda:0 (test GPU)", "cpu (1 threads)", "CUDA out of memory")
        return inner(x)

    pred.predict_ab = oom_then_cpu
    msgs = []
    win.colorize.message.connect(lambda t, lvl: msgs.append((t, lvl)))
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT):
        win.chrome.act_rerun.trigger()
    assert any("ran out of memory" in t and "cpu" in t and lvl == "warning" for t, lvl in msgs)
    assert "ran out of memory" in win.messages.message()


def test_bad_checkpoint_is_a_message(qtbot, settings, entries, gray_png):
    from colorstudio.core.io.checkpoint import CheckpointError
    from colorstudio.gui.predictors import PredictorCache

    def broken(name, device):
        raise CheckpointError("unet-gan.safetensors: missing keys enc.0.weight\nand more")

    w = MainWindow(settings, PredictorCache(loader=broken))
    qtbot.addWidget(w)
    w._on_entries(entries)
    with qtbot.waitSignal(w.colorize.message, timeout=RUN_TIMEOUT,
                          check_params_cb=lambda t, lvl: lvl == "error") as b:
        w.open_path(gray_png)
    assert b.args[0] == "Colorizing failed: unet-gan.safetensors: missing keys enc.0.weight"
    assert w.colorize.output is None and w.isEnabled()
    w.colorize.shutdown()


def test_colorize_shortcuts_yield_to_other_tabs(win):
    win.tabs.setCurrentWidget(win.batch)  # (the Facades tab would load its model)
    assert win.chrome.act_undo.shortcuts() == [] and win.chrome.act_wiper.shortcuts() == []
    win.tabs.setCurrentWidget(win.colorize)
    assert "Ctrl+Z" in [k.toString() for k in win.chrome.act_undo.shortcuts()]
    assert [k.toString() for k in win.chrome.act_wiper.shortcuts()] == ["W"]


def test_ctrl_s_on_the_facades_tab_saves_its_photo(win, monkeypatch):
    calls = []
    monkeypatch.setattr(win.facades, "save_photo_dialog", lambda: calls.append("facade photo"))
    win.tabs.setCurrentWidget(win.facades)
    assert win.chrome.act_export.isEnabled() and "Ctrl+S" in [k.toString() for k in win.chrome.act_export.shortcuts()]
    win.chrome.act_export.trigger()
    assert calls == ["facade photo"]


def test_messages_belong_to_their_tab_and_clear_when_stale(win):
    win.colorize.message.emit("perceptual has no trained weights yet: its colours are random.", "warning")
    assert "no trained weights" in win.messages.message()
    win.tabs.setCurrentWidget(win.dashboard)
    assert win.messages.message() == ""              # not shown on the Train tab
    win.batch.message.emit("Batch finished: 3 failed.", "warning")
    assert win.messages.message() == ""              # the batch's message waits for its tab
    win.tabs.setCurrentWidget(win.batch)
    assert win.messages.message() == "Batch finished: 3 failed."
    win.tabs.setCurrentWidget(win.colorize)
    assert "no trained weights" in win.messages.message()  # back on its tab
    win.colorize.messageCleared.emit()               # a trained model's result arrived
    assert win.messages.message() == ""
    win.tabs.setCurrentWidget(win.batch)
    win.messages.dismiss()                           # dismissed by the user: gone for good
    win.tabs.setCurrentWidget(win.colorize)
    win.tabs.setCurrentWidget(win.batch)
    assert win.messages.message() == ""
    long = "x" * 200
    win.show_message(long, "warning")
    assert win.statusBar().currentMessage() != long  # the status bar would cut it
    win.show_message("Batch: 3 of 72 frames", "info", win.batch)
    assert win.statusBar().currentMessage() == "Batch: 3 of 72 frames"
    win.tabs.setCurrentWidget(win.colorize)             # a tab's status line leaves with it
    assert win.statusBar().currentMessage() == ""


def test_a_stale_info_note_leaves_the_strip_and_the_status_bar(win):
    """The compare grid's "Loading model i of n" is an info note: when the loading ends it
    must go at once, not linger over the finished grid until it fades."""
    win.tabs.setCurrentWidget(win.colorize)
    win.colorize.message.emit("Loading model 5 of 6 for the grid…", "info")
    assert win.messages.message().startswith("Loading model 5")
    assert win.statusBar().currentMessage().startswith("Loading model 5")
    win.colorize.messageCleared.emit()
    assert win.messages.message() == "" and win.statusBar().currentMessage() == ""
    win.messages.show_message("Exported result.png", "info")   # not the page's note: it stays
    win.colorize.messageCleared.emit()
    assert win.messages.message() == "Exported result.png"


@pytest.mark.slow
def test_a_finished_training_run_joins_colorize_batch_and_compare(qtbot, win, tmp_path):
    """When the Train tab's run ends, the model lists are read again and its weights are
    there (named by the run), in Colorize, Batch and the compare list."""
    import json

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    run = tmp_path / "runs" / "my-portraits"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"recipe": "unet-gan", "family": "unet-gan"}))
    (run / "metrics.jsonl").write_text(json.dumps({"kind": "event", "event": "end", "message": "ok"}) + "\n")
    m = create("unet-gan", weights=False, base=8, depth=2)
    save_weights(run / "model.safetensors", m.state_dict(), {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    win.dashboard.runs_edit.setText(str(tmp_path / "runs"))
    win.dashboard.run_dir = run          # the run the Train tab followed (issue 32, item 1)
    before = win.colorize.model_name()
    win.dashboard.runFinished.emit(run, 0)
    key = f"unet-gan@{run / 'model.safetensors'}"
    qtbot.waitUntil(lambda: win.colorize.picker.entry(key) is not None, timeout=30000)
    assert win.batch.picker.entry(key) is not None
    items = [win.colorize.checklist.list.item(i).text() for i in range(win.colorize.checklist.list.count())]
    assert "my-portraits (your run)" in items
    assert win.colorize.model_name() == before, "a finished run is offered, never switched to"
    assert win.settings.value("model/name") in (None, before)


def test_shortcuts_help_names_actions_plainly_and_lists_mouse_and_painter_keys(win):
    """Issue 19, item 10: no 'Undo hint load hints'; Del, right-click, wheel and B/R/F/E are there."""
    from PySide6.QtGui import QUndoCommand

    from colorstudio.gui.window_chrome import shortcuts_html

    win.colorize.hints_editor.model.undo_stack.push(QUndoCommand("load hints"))
    assert "load hints" in win.chrome.act_undo.text()          # what Qt shows in the Edit menu
    html = shortcuts_html(win.actions())
    assert "load hints" not in html and "Undo the last hint edit" in html
    for words in ("Del / Backspace", "Right-click", "Wheel", "<b>B</b></td><td>brush", "<b>E</b></td><td>eraser"):
        assert words in html, words


def _finished_run(folder):
    """A run folder as the trainer leaves it: metrics with an end, a checkpoint-less export."""
    import json

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    folder.mkdir(parents=True)
    m = create("unet-gan", weights=False, base=8, depth=2)
    w = save_weights(folder / "model.safetensors", m.state_dict(), {"family": "unet-gan",
                                                                    "config": {"base": 8, "depth": 2}})
    (folder / "config.json").write_text(json.dumps({"recipe": "unet-gan", "family": "unet-gan",
                                                    "task": "colorize"}))
    (folder / "metrics.jsonl").write_text(json.dumps({"kind": "event", "event": "end", "time": 1, "wall": 1,
                                                      "message": "done"}) + "\n")
    return w


def test_use_a_run_in_colorize_picks_it_and_shows_the_tab(qtbot, win, tmp_path):
    """Issue 19, item 7: a run's model is one click from the Colorize tab, and picked there."""
    runs = tmp_path / "runs"
    w = _finished_run(runs / "my-run")
    win.dashboard.runs_edit.setText(str(runs))
    win.dashboard.refresh_runs()
    win.tabs.setCurrentWidget(win.dashboard)
    win.dashboard.runs_list.setCurrentRow(0)
    assert win.dashboard.use_button.isEnabled()
    assert "no checkpoint" in win.dashboard.runs_list.item(0).text()     # stopped before one: said so
    win.dashboard.use_button.click()
    qtbot.waitUntil(lambda: (win.colorize.model_name() or "").endswith(f"@{w}"), timeout=60000)
    assert win.tabs.currentWidget() is win.colorize


def test_the_hand_over_to_colorize_opens_exactly_that_runs_weights(qtbot, win, tmp_path):
    """Issue 34, item 2: the Train tab names the run (its folder), and the window opens that
    run's exported weights in Colorize -- the same file however its path is spelt (here
    through a link to the runs folder), never another run's."""
    runs = tmp_path / "runs"
    mine = _finished_run(runs / "my-run")
    _finished_run(runs / "my-run-2")
    link = tmp_path / "runs-link"
    try:
        link.symlink_to(runs, target_is_directory=True)
    except OSError:
        pytest.skip("no symbolic links here")
    win.dashboard.runs_edit.setText(str(runs))
    win.dashboard.refresh_runs()
    rows = {win.dashboard.runs_list.item(i).data(Qt.ItemDataRole.UserRole): i
            for i in range(win.dashboard.runs_list.count())}
    win.dashboard.runs_list.setCurrentRow(rows[str(runs / "my-run")])
    with qtbot.waitSignal(win.dashboard.useRequested) as sig:
        win.dashboard.use_button.click()
    assert sig.args == [runs / "my-run"]                      # the run itself, not a weights path to match
    qtbot.waitUntil(lambda: win.colorize.model_name() == f"unet-gan@{mine}", timeout=60000)
    win.tabs.setCurrentWidget(win.dashboard)
    win.colorize.picker.set_model("unet-gan")
    win.dashboard.useRequested.emit(link / "my-run")          # spelt through the link: the same file
    qtbot.waitUntil(lambda: win.colorize.model_name() == f"unet-gan@{mine}", timeout=60000)
    assert win.tabs.currentWidget() is win.colorize


def test_run_entry_matches_the_file_not_the_spelling(tmp_path):
    from colorstudio.gui.main_window import run_entry
    from colorstudio.models.catalogue import ModelEntry

    def entry(weights, origin="run"):
        return ModelEntry(f"unet-gan@{weights}", "colorize", True, "", "", 256, True, False, origin=origin,
                          weights=weights)

    a, b = tmp_path / "runs" / "a" / "model.safetensors", tmp_path / "runs" / "b" / "model.safetensors"
    entries = [entry(b), entry(a, origin="file"), entry(a)]
    assert run_entry(entries, tmp_path / "runs" / "b" / ".." / "a" / "model.safetensors") is entries[2]
    assert run_entry(entries, b) is entries[0]
    assert run_entry(entries, tmp_path / "runs" / "c" / "model.safetensors") is None
    # the entry's weights field says where its file is, not its name
    renamed = ModelEntry("unet-gan@elsewhere", "colorize", True, "", "", 256, True, False, origin="run",
                         weights=tmp_path / "runs" / "c" / "model.safetensors")
    assert run_entry([renamed], tmp_path / "runs" / "c" / "model.safetensors") is renamed


@pytest.mark.slow
@pytest.mark.parametrize("view,width", [("before-after", 2 * 64 + 4), ("wiper", 64), ("colour-layer", 64)])
def test_export_the_views_a_restorer_needs(qtbot, win, gray_png, tmp_path, view, width):
    """Issue 19, item 18: before/after, the wiper view, the colour layer, at full size."""
    from colorstudio.core.io.imageio import read_image

    _open(qtbot, win, gray_png)
    assert all(a.isEnabled() for a in win.chrome.act_export_views.values())
    dst = tmp_path / f"x_{view}.png"
    w = win.colorize.export(dst, view)
    qtbot.waitUntil(lambda: w.done.is_set(), timeout=20000)
    img = read_image(dst)
    assert img.shape[:2] == (48, width)


def test_a_16_bit_result_saved_as_jpeg_says_8_bits_with_saved(qtbot, win, tmp_path):
    """Issue 19, item 13: the 8-bit note is part of the 'Saved' message, not replaced by it."""
    from colorstudio.core.io.imageio import write_image

    src = write_image(tmp_path / "g16.png", (gray_image().astype(np.uint16) * 257))
    _open(qtbot, win, src)
    with qtbot.waitSignal(win.colorize.message, timeout=20000,
                          check_params_cb=lambda text, *_: text.startswith("Saved")) as sig:
        win.colorize.export(tmp_path / "out.jpg")
    assert "8 bits" in sig.args[0]


def test_clean_scan_reruns_with_the_denoised_input(qtbot, win, gray_png, monkeypatch):
    """Issue 19, item 19: the Clean scan control reaches the pipeline."""
    from colorstudio.core.colorize import pipeline

    _open(qtbot, win, gray_png)
    seen = []
    real = pipeline.net_input_l
    monkeypatch.setattr(pipeline, "net_input_l", lambda img, hw, denoise="off": (seen.append(denoise),
                                                                                   real(img, hw, denoise))[1])
    with qtbot.waitSignal(win.colorize.resultReady, timeout=RUN_TIMEOUT):
        win.colorize.controls.set_denoise("strong")
    assert seen and seen[-1] == "strong"


def test_show_where_the_model_guesses(qtbot, settings, entries, gray_png):
    """Issue 30: the Colorize tab tints where the default colorizer guesses (and mutes) its colour."""
    from colorstudio.gui.predictors import PredictorCache
    from guitest_helpers import tiny_loader

    settings.setValue("model/name", "effnet-unet")
    w = MainWindow(settings, PredictorCache(loader=lambda name, device: tiny_loader(name, device, bins_head=True)))
    qtbot.addWidget(w)
    w._on_entries(entries)
    w.show()
    try:
        _open(qtbot, w, gray_png)
        assert w.colorize.compare.left.overlay() is None
        with qtbot.waitSignal(w.colorize.resultReady, timeout=RUN_TIMEOUT) as blocker:
            w.colorize.controls.guess_box.setChecked(True)
        out = blocker.args[0]
        ov = w.colorize.compare.left.overlay()
        assert ov is not None and ov is out.guess and w.colorize.compare.right.overlay() is None
        assert (ov.width(), ov.height()) == (64, 48)   # the bin head's cells of the 256x192 render
        from colorstudio.core.colorize import pipeline
        from colorstudio.gui.tabs.colorize.jobs import GUESS_ALPHA

        conf = pipeline.confidence_map(w.colorize.cache.get("effnet-unet", "cpu"), gray_image())
        alpha = np.array([[ov.pixelColor(x, y).alpha() for x in range(64)] for y in range(48)])
        np.testing.assert_allclose(alpha, (1 - conf) * GUESS_ALPHA, atol=1.0)
        w.colorize.controls.guess_box.setChecked(False)
        assert w.colorize.compare.left.overlay() is None
        w.colorize.compare.left.grab()   # paints with and without the overlay
    finally:
        w.colorize.shutdown()
        w.batch.shutdown()
        w.facades.shutdown()


def test_messages_never_move_the_controls(qtbot, win):
    """Issue 32, item 4: a banner pushed the page down and pulled it back, so buttons moved
    under the pointer.  Messages float over the top of the page (below the tab bar), the Train
    and Facades tabs."""
    from PySide6.QtCore import QPoint

    targets = [win.colorize.controls.guess_box, win.dashboard.start_button, win.dashboard.use_button]
    for t in targets:
        win.tabs.setCurrentWidget(win.colorize if t is win.colorize.controls.guess_box else win.dashboard)
        qtbot.waitUntil(lambda: not win.dashboard.lister.is_running(), timeout=60000)   # its recipes' text in
        qtbot.wait(10)
        before = t.mapTo(win, QPoint(0, 0))
        win.show_message("a long message " * 12, "warning")
        win.dashboard.message_bar.show_message("training finished: runs/x -- 'Use in Colorize' ...", "info")
        qtbot.wait(10)
        assert t.mapTo(win, QPoint(0, 0)) == before, t
        assert win.messages.isVisible() and win.messages.geometry().top() < 20
        win.messages.dismiss()
        win.dashboard.message_bar.dismiss()
        qtbot.wait(10)
        assert t.mapTo(win, QPoint(0, 0)) == before


def test_the_message_strip_covers_no_tab(qtbot, win):
    """Issue 34: the window's message strip floated over the top of the window, across the
    tab bar; it floats below the bar now, over the shown page -- still moving none of its
    controls -- and on top of that page after a tab change."""
    from PySide6.QtCore import QPoint, QRect

    def rect(w):
        return QRect(w.mapTo(win, QPoint(0, 0)), w.size())

    def on_top(w):
        hit = win.childAt(rect(w).center())
        return hit is w or w.isAncestorOf(hit)

    bar = win.tabs.tabBar()
    for page in win.pages():
        win.tabs.setCurrentWidget(page)
        qtbot.wait(10)
        win.show_message(f"a long message on {page.objectName() or type(page).__name__} " * 6, "warning")
        qtbot.wait(10)
        assert win.messages.isVisible() and on_top(win.messages), page
        assert not rect(win.messages).intersects(rect(bar)), (rect(win.messages), rect(bar))
        assert rect(win.messages).top() > rect(bar).bottom() and rect(win.messages).bottom() < win.height() // 2
    win.tabs.setCurrentWidget(win.batch)              # away and back: the page is raised, then the strip
    win.tabs.setCurrentWidget(win.pages()[-1])
    qtbot.wait(10)
    assert win.messages.isVisible() and on_top(win.messages)
    assert not rect(win.messages).intersects(rect(bar))


def test_colour_balance_recomposes_and_travels_with_the_hints(qtbot, win, gray_png, tmp_path):
    """Issue 35, item 3: temperature and tint move the colour in Lab without a network run,
    and a hint file saved with them brings them back."""
    from colorstudio.core import color

    first = _open(qtbot, win, gray_png)
    page = win.colorize
    pred = win.cache.cached("unet-gan", page.picker.device())
    calls = pred.calls
    with qtbot.waitSignal(page.resultReady, timeout=RUN_TIMEOUT) as blocker:
        page.controls.set_balance(25, 0)
    out = blocker.args[0]
    assert out.kind == "compose" and pred.calls == calls
    db = color.rgb_to_lab(out.colorized.rgb)[..., 2] - color.rgb_to_lab(first.colorized.rgb)[..., 2]
    assert 15 < float(np.median(db)) < 30                      # warmer: b up by about 25
    page.hints_editor.model.add(0.5, 0.5, (200, 40, 40))
    path = tmp_path / "h.json"
    page.hints_editor.save_to(str(path))
    page.controls.set_balance(0, 0)
    page.hints_editor.load_from(str(path))
    assert page.controls.balance() == (25.0, 0.0)
