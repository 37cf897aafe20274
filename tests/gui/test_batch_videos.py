"""The Batch tab routes its inputs as the CLI does (core.batch.route): several videos in one
run, one after another, and photos beside them."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from colorstudio.core.io.imageio import write_image
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.batch import launch
from colorstudio.gui.tabs.batch.jobs import batch_job
from colorstudio.gui.tabs.batch.page import BatchPanel
from guitest_helpers import gray_image, tiny_loader


def _video(path, frames: int, fps: float = 12.0):
    wr = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(frames):
        wr.write(cv2.cvtColor(np.roll(gray_image(), 4 * i, axis=1), cv2.COLOR_GRAY2BGR))
    wr.release()
    return path


def _frames_of(path) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()


def test_the_batch_job_writes_every_video_one_after_another(tmp_path):
    a, b = _video(tmp_path / "a.avi", 4), _video(tmp_path / "b.avi", 3)
    out = tmp_path / "out"
    items = list(batch_job(PredictorCache(loader=tiny_loader), "unet-gan", "cpu", [a, b], out, "avi", 0, 1.0,
                           0.0, [], False, threading.Event()))
    videos = [it[1] for it in items if it[0] == "event" and it[1].kind == "video"]
    assert [(ev.status, ev.dst.name) for ev in videos] == [("done", "a.avi"), ("done", "b.avi")]
    assert _frames_of(out / "a.avi") == 4 and _frames_of(out / "b.avi") == 3
    assert len(list((out / "a_frames").glob("frame_*.png"))) == 4
    assert len(list((out / "b_frames").glob("frame_*.png"))) == 3
    assert ("log", "video 2 of 2: b.avi") in items


def test_the_batch_tab_colours_two_videos_and_a_photo_in_one_run(qtbot, entries, tmp_path):
    a, b = _video(tmp_path / "a.avi", 4), _video(tmp_path / "b.mp4", 3)
    photo = tmp_path / "still.png"
    write_image(photo, gray_image())
    p = BatchPanel(PredictorCache(loader=tiny_loader))
    qtbot.addWidget(p)
    p.set_entries(*entries, model="unet-gan")
    p.add_inputs([a, b])
    assert [p.fmt.itemText(i) for i in range(p.fmt.count())] == ["mp4", "avi"]   # every input a video
    p.add_inputs([photo])
    assert "png" in [p.fmt.itemText(i) for i in range(p.fmt.count())]   # photos too: their formats
    p.set_format("png")
    p.set_output_dir(tmp_path / "out")
    with qtbot.waitSignal(p.runFinished, timeout=60000) as done:
        assert p.start() is not None
    counts = done.args[0]
    assert counts["failed"] == 0 and counts["done"] == 1 + 4 + 3
    out = tmp_path / "out"
    assert (out / "still.png").is_file()
    assert _frames_of(out / "a.avi") == 4 and _frames_of(out / "b.mp4") == 3   # each keeps its container
    assert p.video_counts == {"done": 2} and "videos 2 written" in p.rate.text()
    p.shutdown()


@pytest.mark.parametrize("what", ["two videos", "a video and a photo"])
def test_a_scheduler_takes_one_shot_as_the_clis_dask_executor(tmp_path, what):
    a = _video(tmp_path / "a.avi", 2)
    other = _video(tmp_path / "b.avi", 2) if what == "two videos" else tmp_path / "still.png"
    if what != "two videos":
        write_image(other, gray_image())
    form = launch.Form([a, other], str(tmp_path / "out"), "avi", "unet-gan", scheduler="tcp://127.0.0.1:8786")
    message = launch.plan(form, None, threading.Event(), lambda *a: pytest.fail("no model before the check"))
    assert isinstance(message, str) and "one shot: one video, or the frames of a folder or list" in message
