"""Batch panel: frames with cancel then resume (done frames skipped), pause, video."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.io.imageio import read_image, write_image
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.batch.page import BatchPanel, format_eta
from guitest_helpers import gray_image, tiny_loader


@pytest.fixture
def frames(tmp_path):
    d = tmp_path / "frames"
    d.mkdir()
    for i in range(6):
        img = np.roll(gray_image(), 3 * i, axis=1)
        write_image(d / f"f{i + 1}.png", img)
    return d


@pytest.fixture
def panel(qtbot, entries):
    # 0.15 s per frame (on every backend: tiny_loader routes run_stream through the delay),
    # slow enough to cancel in the middle of six frames
    cache = PredictorCache(loader=lambda n, d: tiny_loader(n, d, delay=0.15))
    p = BatchPanel(cache)
    qtbot.addWidget(p)
    p.set_entries(*entries, model="unet-gan")
    p.resize(1100, 700)
    p.show()
    yield p
    p.shutdown()


@pytest.mark.slow
def test_cancel_then_rerun_resumes(qtbot, panel, frames, tmp_path):
    out = tmp_path / "out"
    panel.add_inputs([frames])
    panel.set_output_dir(out)
    panel.set_format("png")
    events = []
    panel.eventReceived.connect(events.append)
    panel.eventReceived.connect(lambda ev: ev.status == "done" and panel.cancel())
    with qtbot.waitSignal(panel.runFinished, timeout=30000) as b:
        assert panel.start() is not None
        assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    first = b.args[0]
    assert first["cancelled"] and 1 <= first["done"] < 6
    written = sorted(p.name for p in out.glob("*.png"))
    assert len(written) == first["done"]
    assert panel.thumbs.count() >= 1 and panel.start_button.isEnabled()

    events.clear()
    panel.eventReceived.disconnect()
    panel.eventReceived.connect(events.append)
    with qtbot.waitSignal(panel.runFinished, timeout=30000) as b:
        panel.start()
    second = b.args[0]
    assert not second["cancelled"]
    assert second["skipped"] == first["done"] and second["done"] == 6 - first["done"]
    assert {e.dst.name for e in events if e.status == "skipped"} == set(written)
    assert len(list(out.glob("*.png"))) == 6
    assert panel.progress.value() == panel.progress.maximum() == 6
    assert "frames/s" in panel.rate.text() or "finished" in panel.rate.text()
    img = read_image(out / "f3.png")
    assert img.shape == (48, 64, 3) and np.abs(img[..., 0].astype(int) - img[..., 2]).max() > 0
    # issue 32, item 10: skipped frames are one count, not a line each; new inputs clear the last run
    log = panel.log.toPlainText()
    assert "skipped (exists)" not in log and f"{first['done']} skipped (already done)" in log
    assert panel.thumbs.count() >= 1
    panel.add_inputs([tmp_path])
    assert panel.thumbs.count() == 0 and panel.rate.text() == "idle" and panel.progress.value() == 0


@pytest.mark.slow
def test_pause_holds_the_batch(qtbot, panel, frames, tmp_path):
    panel.add_inputs([frames])
    panel.set_output_dir(tmp_path / "out")
    events = []
    panel.eventReceived.connect(events.append)
    panel.start()
    qtbot.waitUntil(lambda: len(events) >= 1, timeout=20000)
    panel.pause_button.setChecked(True)
    qtbot.wait(100)  # the frame in flight may still arrive
    n = len(events)
    qtbot.wait(600)
    assert len(events) <= n + 1 and len(events) < 6
    with qtbot.waitSignal(panel.runFinished, timeout=30000):
        panel.pause_button.setChecked(False)
    assert len(events) == 6


def test_invalid_form_gives_messages(qtbot, panel, tmp_path):
    with qtbot.waitSignal(panel.message) as b:
        assert panel.start() is None
    assert "Add frames" in b.args[0]
    panel.add_inputs([tmp_path / "a.mp4", tmp_path / "b.png"])
    panel.set_output_dir(tmp_path / "o")
    with qtbot.waitSignal(panel.message) as b:
        assert panel.start() is None
    assert "No image files or videos to colorize" in b.args[0] and "a.mp4" in b.args[0]   # routed as the CLI


def test_video_in_video_out(qtbot, entries, tmp_path):
    import cv2

    src = tmp_path / "clip.avi"
    wr = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"MJPG"), 12.0, (64, 48))
    for i in range(5):
        wr.write(cv2.cvtColor(np.roll(gray_image(), 4 * i, axis=1), cv2.COLOR_GRAY2BGR))
    wr.release()
    p = BatchPanel(PredictorCache(loader=tiny_loader))
    qtbot.addWidget(p)
    p.set_entries(*entries, model="unet-gan")
    p.add_inputs([src])
    assert [p.fmt.itemText(i) for i in range(p.fmt.count())] == ["mp4", "avi"]
    p.set_format("avi")
    p.smooth.setChecked(True)
    p.set_output_dir(tmp_path / "out")
    with qtbot.waitSignal(p.runFinished, timeout=30000) as b:
        p.start()
    assert b.args[0]["failed"] == 0
    video = tmp_path / "out" / "clip.avi"
    assert video.is_file()
    cap = cv2.VideoCapture(str(video))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0, abs=0.5)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    cap.release()
    assert len(list((tmp_path / "out" / "clip_frames").glob("frame_*.png"))) == 5
    p.shutdown()


def test_format_eta():
    assert format_eta(None) == "—"
    assert format_eta(65) == "1:05"
    assert format_eta(3725) == "1:02:05"


def test_output_folder_follows_new_inputs_until_the_user_picks_one(panel, frames, tmp_path):
    assert not panel.progress.isTextVisible()            # no "0 / 100" before any run
    clip_b = tmp_path / "clipB"
    clip_b.mkdir()
    panel.add_inputs([frames])
    assert panel.outdir.text() == str(frames / "colorized")
    panel.clear_inputs()
    panel.add_inputs([clip_b])
    assert panel.outdir.text() == str(clip_b / "colorized")  # not clip A's folder
    panel.set_output_dir(tmp_path / "mine")
    panel.clear_inputs()
    panel.add_inputs([frames])
    assert panel.outdir.text() == str(tmp_path / "mine")     # the user's choice stays


@pytest.mark.slow
def test_paused_status_shows_no_speed_and_cancel_counts_what_is_on_disk(qtbot, panel, frames, tmp_path):
    out = tmp_path / "out"
    panel.add_inputs([frames])
    panel.set_output_dir(out)
    panel.overwrite.setChecked(True)
    events = []
    panel.eventReceived.connect(events.append)
    panel.start()
    qtbot.waitUntil(lambda: len(events) >= 1, timeout=20000)
    panel.pause_button.setChecked(True)
    qtbot.wait(400)
    assert "paused" in panel.rate.text() and "frames/s" not in panel.rate.text() and "ETA" not in panel.rate.text()
    with qtbot.waitSignal(panel.message, timeout=30000) as msg:
        panel.cancel()
    res_done = panel.counts["done"]
    assert res_done == len(list(out.glob("*.png")))
    assert "Overwrite is on" in msg.args[0]  # a rerun would redo, not resume


def test_model_facts_stay_compact_in_the_batch_form(panel):
    text = panel.picker.card.text()
    assert "\n" not in text and "render" in text
    assert "Held-out" in panel.picker.card.toolTip() or panel.picker.card.toolTip()


def test_batch_tab_saturation_is_a_percent(qtbot):
    from colorstudio.gui.predictors import PredictorCache
    from colorstudio.gui.tabs.batch.page import BatchPanel

    panel = BatchPanel(PredictorCache())
    qtbot.addWidget(panel)
    assert panel.saturation.suffix() == "%" and panel.saturation.maximum() == 200 and panel.saturation.value() == 100


def test_an_unusable_output_folder_is_one_message_before_the_start(qtbot, tmp_path):
    """Issue 19, item 1: /proc/nope, a file, an input folder: refused up front, nothing runs."""
    from colorstudio.gui.predictors import PredictorCache
    from colorstudio.gui.tabs.batch.page import BatchPanel

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        (frames / f"{i}.png").write_bytes(b"x")
    panel = BatchPanel(PredictorCache())
    qtbot.addWidget(panel)
    file_out = tmp_path / "a-file"
    file_out.write_text("x")
    for out, words in (("/proc/nope", "output folder /proc/nope"), (str(file_out), "is a file"),
                       (str(frames), "also an input folder")):
        problem = panel.output_problem([frames], out)
        assert problem and words in problem and problem.count("\n") == 0, problem


def test_new_inputs_forget_the_last_runs_preview_even_after_a_resize(qtbot, panel, frames, tmp_path):
    """Issue 32, item 10: the last run's preview, thumbnails and "6 / 6" belong to other
    inputs; a resize used to redraw the old preview from the image it kept."""
    from PySide6.QtGui import QColor, QImage

    img = QImage(64, 48, QImage.Format.Format_RGB888)
    img.fill(QColor("red"))
    panel.results.add_frame(tmp_path / "old.png", img)
    panel.progress.setRange(0, 6)
    panel.progress.setValue(6)
    panel.progress.setTextVisible(True)
    panel.rate.setText("finished · 6 done, 0 skipped (already done), 0 failed")
    assert panel.thumbs.count() == 1 and not panel.preview.pixmap().isNull()
    panel.add_inputs([frames])
    assert panel.thumbs.count() == 0 and panel.rate.text() == "idle"
    assert panel.progress.value() == 0 and not panel.progress.isTextVisible()
    panel.resize(panel.width() + 40, panel.height() + 40)
    qtbot.wait(20)
    assert panel.preview.pixmap().isNull()


def test_the_views_and_the_grain_option_reach_the_batch_as_in_the_cli(qtbot, panel, frames, tmp_path):
    """Issue 32, item 9: Batch has the CLI's --denoise and --also."""
    from colorstudio.core.colorize.views import EXTRA_VIEWS
    from colorstudio.gui.tabs.batch.options import VIEW_LABELS

    assert {k for k, _ in VIEW_LABELS} == set(EXTRA_VIEWS)       # every view the CLI writes
    assert not panel.views["repair-mask"].isEnabled()             # only with the repair on
    panel.denoise.set_value("strong")
    panel.views["before-after"].setChecked(True)
    panel.views["colour-layer"].setChecked(True)
    assert panel.extra_views() == ("before-after", "colour-layer")
    out = tmp_path / "out"
    panel.add_inputs([frames])
    panel.set_output_dir(out)
    with qtbot.waitSignal(panel.runFinished, timeout=60000):
        panel.start()
    assert len(list(out.glob("*_before_after.png"))) == 6 and len(list(out.glob("*_colour.png"))) == 6


def test_the_colour_balance_reaches_the_batch_as_the_clis(qtbot, panel, frames, tmp_path):
    """Issue 35: the Batch tab has the Colorize tab's and the CLI's colour balance: a warmer
    temperature moves every result towards yellow (Lab b), a tint towards magenta (a)."""
    from colorstudio.core import color

    assert panel.temperature.minimum() == -40 and panel.temperature.maximum() == 40 and panel.tint.value() == 0
    means = {}
    for name, temp, tint in (("plain", 0, 0), ("warm", 25, 15)):
        panel.temperature.setValue(temp)
        panel.tint.setValue(tint)
        out = tmp_path / name
        panel.add_inputs([frames])
        panel.set_output_dir(out)
        with qtbot.waitSignal(panel.runFinished, timeout=60000):
            panel.start()
        lab = [color.rgb_to_lab(color.to_float01(read_image(p))) for p in sorted(out.glob("*.png"))]
        means[name] = np.mean([x.reshape(-1, 3).mean(0) for x in lab], 0)
    assert means["warm"][2] - means["plain"][2] > 10 and means["warm"][1] - means["plain"][1] > 5
