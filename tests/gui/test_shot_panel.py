"""Shot tab: open frames, hints on a keyframe follow the motion to other frames, save/load, to Batch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.io.imageio import write_image
from colorstudio.gui.tabs.shot.page import ShotPanel

RED = (220, 40, 40)


@pytest.fixture
def shot_dir(tmp_path):
    """12 frames of a 4 px/frame pan over a texture (the content moves left)."""
    import cv2

    rng = np.random.default_rng(0)
    tex = np.zeros((200, 400), np.float32)
    for s in (3, 9, 27):
        tex += cv2.GaussianBlur(rng.random((200, 400)).astype(np.float32), (0, 0), s) * s
    tex = ((tex - tex.min()) / (tex.max() - tex.min()) * 255).astype(np.uint8)
    d = tmp_path / "shot"
    for t in range(12):
        write_image(d / f"f{t + 1:03d}.png", tex[20:140, 10 + 4 * t:10 + 4 * t + 160])
    return d


@pytest.fixture
def panel(qtbot, cache, entries, shot_dir):
    p = ShotPanel(cache)
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    p.set_entries(*entries, model="unet-hints")
    assert p.picker.model_name() == "unet-hints"
    assert all(p.picker.entry(k).hints for k in [e.name for e in p.picker.entries()])
    with qtbot.waitSignal(p.frameShown, timeout=30000):
        p.open_path(shot_dir)
    yield p
    p.shutdown()


def test_a_keyframe_hint_is_carried_and_steers_other_frames(qtbot, panel):
    assert len(panel.data) == 12 and panel.slider.maximum() == 11
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.5, 0.5, RED)          # a hint on frame 1
    assert panel.keyframes == {0: [(0.5, 0.5, RED)]}
    assert panel.keys_list.count() == 1
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(11)
    assert len(panel.hints_editor.model) == 0, "frame 12 has no hints of its own"
    (x, y, rgb), = panel.carried
    assert rgb == RED and abs(x * 160 - (80 - 44)) < 2 and abs(y - 0.5) * 120 < 2   # moved 44 px left
    # the result shows the hint's colour where the carried hint landed
    img = panel.result.display[0]
    px = img.pixelColor(round(x * img.width()), round(y * img.height()))
    want = color.rgb_to_lab(np.array([[RED]], np.float32) / 255)[0, 0, 1:]
    got = color.rgb_to_lab(np.array([[[px.red(), px.green(), px.blue()]]], np.float32) / 255)[0, 0, 1:]
    assert np.linalg.norm(got - want) < 10
    assert "carried from keyframes" in panel.frame_info.text()


def test_save_load_and_send_to_batch(qtbot, panel, tmp_path):
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.3, 0.4, RED)
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(6)
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.7, 0.6, (30, 60, 200))
    path = tmp_path / "shot.json"
    panel.save_shot(path)
    assert sorted(json.loads(path.read_text())["frames"]) == ["1", "7"]
    panel.keyframes = {}
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        assert panel.load_shot(path) == 2
    assert sorted(panel.keyframes) == [0, 6]
    got = []
    panel.shotReady.connect(lambda src, plan, model: got.append((src, plan, model)))
    with qtbot.waitSignal(panel.shotReady, timeout=10000):
        panel.send_to_batch()                        # every frame's hints, carried in a worker
    (src, plan, model), = got
    assert src == panel.data.source and len(plan) == 12 and model == "unet-hints"
    assert all(plan[t] for t in (0, 6, 11))


def test_a_coloured_frame_of_the_shot_gives_hints_on_that_frame(qtbot, panel, shot_dir, tmp_path):
    from colorstudio.core.io.imageio import read_image

    frame8 = read_image(sorted(shot_dir.glob("*.png"))[7])
    L = color.luminance(frame8)
    lab = np.dstack([L, np.full_like(L, 30.0), np.full_like(L, 20.0)]).astype(np.float32)
    coloured = color.from_float01(np.clip(color.lab_to_rgb(lab), 0, 1), np.uint8)
    ref = write_image(tmp_path / "coloured_frame8.png", coloured)
    assert panel.index == 0
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_from_reference(str(ref))
    assert panel.index == 7 and 7 in panel.keyframes
    pts = panel.keyframes[7]
    assert len(pts) >= 4
    for _, _, rgb in pts:
        ab = color.rgb_to_lab(np.array([[rgb]], np.float32) / 255)[0, 0, 1:]
        assert np.linalg.norm(ab - (30, 20)) < 8, rgb


def test_keyframes_are_marked_on_the_slider_and_reachable(qtbot, panel):
    """Issue 19, item 17: diamonds on the scrubber where hints were placed; prev/next keyframe."""
    assert panel.slider.marks() == () and not panel.next_key.isEnabled()
    for k in (2, 7):
        panel.go_to(k)
        panel.hints_editor.model.add(40, 40, RED)
    assert panel.slider.marks() == (2, 7)
    # the marks sit where the handle sits on those frames, left to right
    x2, x7 = panel.slider.mark_x(2), panel.slider.mark_x(7)
    assert 0 < x2 < x7 < panel.slider.width()
    panel.go_to(0)
    assert panel.next_key.isEnabled() and not panel.prev_key.isEnabled()
    panel.next_key.click()
    assert panel.index == 2
    panel.next_key.click()
    assert panel.index == 7 and not panel.next_key.isEnabled()
    panel.prev_key.click()
    assert panel.index == 2
    img = panel.slider.grab().toImage()        # painted: a key-coloured pixel under frame 2
    y = panel.slider.height() - 5
    found = any(img.pixelColor(int(x2) + dx, y).red() > 200 and img.pixelColor(int(x2) + dx, y).blue() < 80
                for dx in (-1, 0, 1))
    assert found


@pytest.mark.slow
def test_playback_shows_every_frame_in_colour_and_stops_at_the_end(qtbot, panel):
    shown = []
    panel.frameShown.connect(shown.append)
    panel.go_to(8)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.index == 8, timeout=20000)
    panel.play_button.click()
    assert panel.playing()
    qtbot.waitUntil(lambda: not panel.playing(), timeout=30000)
    assert panel.index == 11
    assert [i for i in shown if i > 8] == [9, 10, 11]     # each frame's colour was shown, in order
    panel.play_button.click()                             # at the end: plays again from the start
    assert panel.playing() and panel.index == 0
    panel.play_button.click()
    assert not panel.playing()
    i = panel.index
    qtbot.wait(300)
    assert panel.index == i                               # paused stays put


# ---------------------------------------------------------------- issue 32, item 7: playback in colour
def _calls(panel) -> int:
    return panel.cache.cached(panel.model_name(), panel.picker.device()).calls


def _slow(panel, seconds: float) -> None:
    """Each network run takes at least ``seconds`` (the runs are still counted)."""
    import time

    pred = panel.cache.cached(panel.model_name(), panel.picker.device())
    inner = pred.predict_ab
    pred.predict_ab = lambda x: (time.sleep(seconds), inner(x))[1]


def test_playback_shows_only_coloured_frames_at_the_rate_colour_keeps_up(qtbot, panel):
    """Every frame shown while playing has its colour; the frame-in-view worker stays idle
    ("colorizing…" never shows); slower colour than the shot's rate is said so."""
    panel.data.fps = 60.0
    _slow(panel, 0.04)                               # colour: 25 fps at most, slower than the shot
    seen = []

    def shown(i):
        res = panel.result
        seen.append((i, res is not None and res.index == i and i in panel.coloured_frames(),
                     panel.compare.right.busy_text, panel.frame_info.text()))

    busy = []
    panel.runner.busy.connect(busy.append)
    panel.frameShown.connect(shown)
    panel.play_button.click()
    qtbot.waitUntil(lambda: not panel.playing(), timeout=30000)
    assert [i for i, *_ in seen] == list(range(1, 12))        # every frame, in order
    assert all(ok and not text for _, ok, text, _ in seen)     # each in colour, none "colorizing…"
    assert True not in busy                                    # the frame in view was never asked for
    info = [t for *_, t in seen if "playing at" in t]
    assert info and all("the shot is 60 fps" in t for t in info)
    assert any("colour keeps up at" in t for t in info), info[-1]


def test_playing_again_takes_every_frame_from_the_cache(qtbot, panel):
    panel.data.fps = 60.0
    panel.play_button.click()
    qtbot.waitUntil(lambda: not panel.playing(), timeout=30000)
    assert sorted(panel.coloured_frames()) == list(range(12))
    calls = _calls(panel)
    panel.play_button.click()                                  # at the end: again from the start
    qtbot.waitUntil(lambda: not panel.playing(), timeout=30000)
    assert panel.index == 11 and _calls(panel) == calls        # no network run at all


def test_a_frame_seen_once_is_shown_again_from_the_cache(qtbot, panel):
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(5)
    calls = _calls(panel)
    shown = []
    panel.frameShown.connect(shown.append)
    panel.go_to(0)                                             # seen when the shot opened
    assert shown == [0] and panel.result.index == 0            # at once, not after a worker
    assert "coloured before" in panel.frame_info.text()
    panel.go_to(5)
    assert shown == [0, 5] and _calls(panel) == calls
    assert not panel.compare.right.busy_text


def test_a_keyframe_edit_clears_the_cache(qtbot, panel):
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(3)
    assert set(panel.coloured_frames()) == {0, 3}
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.5, 0.5, RED)            # a keyframe on frame 4
    assert panel.coloured_frames() == [3]                      # only the new colour of this frame
    calls = _calls(panel)
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(0)                                         # coloured before the edit: again
    assert _calls(panel) == calls + 1 and panel.carried        # with the hint carried to it


def test_a_model_change_clears_the_cache(qtbot, panel):
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(2)
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.picker.model_box.setCurrentIndex(panel.picker.model_box.findData("unet-gan"))
    assert panel.model_name() == "unet-gan" and panel.coloured_frames() == [2]
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.go_to(0)
    assert _calls(panel) == 2                                  # the new model coloured both


def test_the_carried_hint_plan_is_reused_until_a_keyframe_edit(qtbot, panel, monkeypatch):
    from colorstudio.core.batch import shot

    carried = []
    real = shot.carry_hints
    monkeypatch.setattr(shot, "carry_hints", lambda L, k, *a: carried.append(dict(k)) or real(L, k, *a))
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.5, 0.5, RED)
    assert len(carried) == 1
    for i in (4, 7, 9):
        with qtbot.waitSignal(panel.frameShown, timeout=30000):
            panel.go_to(i)
    assert len(carried) == 1                                   # three frames, one carry
    with qtbot.waitSignal(panel.shotReady, timeout=10000):
        panel.send_to_batch()                                  # the full plan: the same carry
    assert len(carried) == 1
    with qtbot.waitSignal(panel.frameShown, timeout=30000):
        panel.hints_editor.model.add(0.2, 0.3, (30, 60, 200))  # a second keyframe, on frame 10
    assert len(carried) == 2 and sorted(carried[-1]) == [0, 9]


def test_pausing_stops_colouring_ahead(qtbot, panel):
    panel.data.fps = 1.0                                       # the playhead barely moves
    _slow(panel, 0.05)
    panel.play_button.click()
    qtbot.waitUntil(lambda: len(panel.coloured_frames()) >= 3, timeout=30000)
    panel.play_button.click()
    assert not panel.playing()
    qtbot.waitUntil(lambda: not panel.ahead.is_busy(), timeout=10000)
    n = len(panel.coloured_frames())
    qtbot.wait(300)
    assert len(panel.coloured_frames()) == n < 12
