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
