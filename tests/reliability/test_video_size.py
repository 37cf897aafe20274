"""Issue 33, class 10: an odd-sized video's size change is said, not silent."""

from __future__ import annotations

import numpy as np


def _tiny():
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")


def test_an_odd_sized_video_says_its_size_changed(tmp_path):
    """Issue 33, class 10: a 1919x1079 input became a 1920x1080 video without a word."""
    from colorstudio.core.batch import frames

    import av

    src = tmp_path / "odd.avi"
    with av.open(str(src), "w") as c:   # 4:4:4 Motion-JPEG keeps an odd size (our writer makes it even)
        s = c.add_stream("mjpeg", rate=12)
        s.width, s.height, s.pix_fmt = 47, 35, "yuvj444p"
        for i in range(3):
            for packet in s.encode(av.VideoFrame.from_ndarray(np.full((35, 47, 3), 90 + 10 * i, np.uint8),
                                                                format="rgb24")):
                c.mux(packet)
        for packet in s.encode():
            c.mux(packet)
    events = list(frames.colorize_video(src, tmp_path / "out" / "odd.avi", _tiny(), size=32))
    video = events[-1]
    assert video.kind == "video" and video.status == "done"
    assert video.note and "not 47x35" in video.note and "the frames keep 47x35" in video.note
    assert frames.odd_size_note(1919, 1079).startswith("the video is 1920x1080, not 1919x1079")
    assert frames.odd_size_note(1920, 1080) is None
