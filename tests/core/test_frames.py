import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.batch import frames
from colorstudio.core.batch.frames import VideoError
from colorstudio.core.colorize.smoothing import TemporalSmoother
from colorstudio.core.io.imageio import read_image, write_image


def _scene(t: int, h: int = 64, w: int = 80, speed: int = 2):
    """Frame t of a textured scene moving right by ``speed`` px/frame, with its true ab."""
    r = np.random.default_rng(0)
    big_w = w + speed * 40
    yy, xx = np.mgrid[0:h, 0:big_w].astype(np.float32)
    tex = 0.5 + 0.2 * np.sin(xx * 0.3) * np.cos(yy * 0.25) + 0.15 * np.sin(xx * 0.07 + yy * 0.11)
    tex = np.clip(tex + 0.05 * r.standard_normal(tex.shape).astype(np.float32), 0, 1)
    a = 30 * np.sin(xx * 0.05)
    b = 25 * np.cos(yy * 0.08 + xx * 0.03)
    x0 = speed * (40 - t)  # content moves right as t grows
    sl = slice(x0, x0 + w)
    gray = (tex[:, sl] * 255).astype(np.uint8)
    return gray, np.stack([a[:, sl], b[:, sl]], -1).astype(np.float32)


def test_smoother_reduces_flicker_on_moving_noisy_sequence():
    rng = np.random.default_rng(1)
    sm = TemporalSmoother(0.7)
    raw_err, sm_err, raw_flicker, sm_flicker = [], [], [], []
    prev_raw = prev_sm = None
    for t in range(16):
        gray, ab_true = _scene(t)
        pred = ab_true + rng.normal(0, 8, ab_true.shape).astype(np.float32)
        out = sm.update(gray, pred)
        assert out.shape == pred.shape and out.dtype == np.float32
        inner = (slice(4, -4), slice(8, -8))
        if t >= 3:  # after the smoother warmed up
            raw_err.append(np.abs(pred - ab_true)[inner].mean())
            sm_err.append(np.abs(out - ab_true)[inner].mean())
            # flicker: change at the same scene point between consecutive frames
            raw_flicker.append(np.abs(pred[:, 2:] - prev_raw[:, :-2])[inner].mean())
            sm_flicker.append(np.abs(out[:, 2:] - prev_sm[:, :-2])[inner].mean())
        prev_raw, prev_sm = pred, out
    assert np.mean(sm_flicker) < 0.6 * np.mean(raw_flicker)
    assert np.mean(sm_err) < 0.8 * np.mean(raw_err)


def test_smoother_resets_at_scene_cut_and_strength_zero():
    sm = TemporalSmoother(0.9)
    dark = np.full((32, 32), 20, np.uint8)
    bright = np.full((32, 32), 230, np.uint8)
    sm.update(dark, np.full((32, 32, 2), 40, np.float32))
    out = sm.update(bright, np.full((32, 32, 2), -40, np.float32))
    np.testing.assert_allclose(out, -40)  # a cut: the past is not blended in
    off = TemporalSmoother(0.0)
    off.update(dark, np.full((32, 32, 2), 40, np.float32))
    np.testing.assert_allclose(off.update(dark, np.zeros((32, 32, 2), np.float32)), 0)
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            TemporalSmoother(bad)


def _flicker(paths):
    abs_ = [color.rgb_to_lab(read_image(p))[..., 1:] for p in paths]
    return float(np.mean([np.abs(a - b).mean() for a, b in zip(abs_, abs_[1:])]))


def test_frame_folder_smoothing_through_colorize_files(tmp_path, fake_predictor):
    from colorstudio.core import batch

    gray = np.full((40, 40), 120, np.uint8)
    gray[10:30, 10:30] = 90
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", gray) for i in range(8)]
    res = {}
    for s in (0.0, 0.8):
        out = tmp_path / f"out{s}"
        evs = list(batch.colorize_files(srcs, out, fake_predictor(ab=(10, 20), noise=10, seed=3),
                                        size=32, smooth=s))
        assert all(e.status == "done" for e in evs)
        res[s] = _flicker([e.dst for e in evs])
    assert res[0.8] < 0.5 * res[0.0]


def test_smoothing_resumes_from_existing_frames(tmp_path, fake_predictor):
    from colorstudio.core import batch

    gray = np.full((40, 40), 120, np.uint8)
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", gray) for i in range(6)]
    out = tmp_path / "out"
    gen = batch.colorize_files(srcs, out, fake_predictor(ab=(30, 0)), size=32, smooth=0.9)
    next(gen), next(gen)
    gen.close()
    n_done = len(list(out.glob("*.png")))
    # The rest comes from a different (noisy, shifted) prediction; primed from the last
    # written frame, the first new frame stays close to the old colours.
    evs = list(batch.colorize_files(srcs, out, fake_predictor(ab=(-30, 0)), size=32, smooth=0.9))
    first_new = next(e for e in evs if e.status == "done")
    a_new = color.rgb_to_lab(read_image(first_new.dst))[..., 1].mean()
    assert sum(e.status == "skipped" for e in evs) == n_done
    assert a_new > 10  # mostly the previous frames' +30, not the new -30


def _make_video(path, n=6, w=48, h=32, fps=12.0):
    import cv2

    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG" if path.suffix == ".avi" else "mp4v"),
                         fps, (w, h))
    assert vw.isOpened()
    for i in range(n):
        f = np.full((h, w, 3), 60 + 20 * i, np.uint8)
        f[:, (i * 4) % w:(i * 4) % w + 8] = 200
        vw.write(f)
    vw.release()
    return path


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_video_round_trip_resume(tmp_path, tiny_predictor, suffix):
    src = _make_video(tmp_path / f"clip{suffix}")
    info = frames.video_info(src)
    assert (info.width, info.height, info.frame_count) == (48, 32, 6) and info.fps == pytest.approx(12.0)
    assert len(list(frames.iter_frames(src))) == 6

    out = tmp_path / "out"
    evs = list(frames.colorize_video(src, out, tiny_predictor, size=32, smooth=0.5))
    assert [e.status for e in evs] == ["done"] * 7
    video = out / f"clip{suffix}"
    assert [e.kind for e in evs] == ["item"] * 6 + ["video"]     # the video is not a seventh frame
    assert max(e.done_count for e in evs[:-1]) == evs[0].total == 6
    assert evs[-1].dst == video and (evs[-1].index, evs[-1].total) == (0, 1)
    vi = frames.video_info(video)
    assert (vi.width, vi.height, vi.frame_count) == (48, 32, 6) and vi.fps == pytest.approx(12.0)
    assert len(frames.frame_files(out / "clip_frames")) == 6

    # rerun: the whole video is skipped; without the video, frames are skipped and it is reassembled
    assert [e.status for e in frames.colorize_video(src, out, tiny_predictor, size=32)] == ["skipped"]
    video.unlink()
    (out / "clip_frames" / "frame_000004.png").unlink()
    evs = list(frames.colorize_video(src, out, tiny_predictor, size=32))
    assert [e.status for e in evs].count("skipped") == 5 and evs[-1].status == "done" and video.exists()


def test_video_to_named_file_and_cancel(tmp_path, fake_predictor):
    src = _make_video(tmp_path / "c.mp4", n=8)
    target = tmp_path / "res" / "named.avi"
    v, fdir = frames.video_outputs(src, target)
    assert v == target and fdir == tmp_path / "res" / "named_frames"
    seen = []
    for e in frames.colorize_video(src, target, fake_predictor(), size=32, cancel=lambda: len(seen) >= 2):
        seen.append(e)
    assert 1 <= len(seen) < 8 and not target.exists()  # cancelled: no video assembled
    evs = list(frames.colorize_video(src, target, fake_predictor(), size=32))
    assert evs[-1].status == "done" and target.exists()


def test_video_errors(tmp_path, fake_predictor):
    with pytest.raises(VideoError, match="not found"):
        frames.video_info(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"definitely not a video" * 10)
    with pytest.raises(VideoError, match="not a readable video"):
        frames.video_info(bad)
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        list(frames.colorize_video(tmp_path / "empty.mp4", tmp_path / "o", fake_predictor()))
    with pytest.raises(VideoError, match="no frames"):
        frames.write_video([], tmp_path / "x.mp4", 10)
    assert frames.is_video_file("a.MP4") and not frames.is_video_file("a.png")
    src = _make_video(tmp_path / "v.mp4", n=2)
    with pytest.raises(VideoError, match="not an image file"):
        frames.colorize_video(src, tmp_path / "out" / "v.png", fake_predictor())


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_audio_is_copied_and_a_killed_run_resumes_without_lost_or_doubled_frames(tmp_path, fake_predictor,
                                                                                 suffix, clip_with_audio):
    import av

    src = clip_with_audio(tmp_path / "talk.mp4", [np.full((32, 48), 40 + 8 * i, np.uint8) for i in range(20)], 10)
    info = frames.video_info(src)
    assert info.audio == "aac" and info.frame_count == 20
    target = tmp_path / "out" / f"talk{suffix}"
    seen = []
    for e in frames.colorize_video(src, target, fake_predictor(), size=32, cancel=lambda: len(seen) >= 7):
        seen.append(e)
    assert not target.exists()
    written = frames.frame_files(tmp_path / "out" / "talk_frames")
    assert 1 <= len(written) < 20
    evs = list(frames.colorize_video(src, target, fake_predictor(), size=32))
    assert [e.status for e in evs].count("skipped") == len(written)
    assert evs[-1].status == "done" and evs[-1].dst == target
    assert len(frames.frame_files(tmp_path / "out" / "talk_frames")) == 20
    out = frames.video_info(target)
    assert out.frame_count == 20 and out.audio == ("aac" if suffix == ".mp4" else "pcm_s16le")
    with av.open(str(target)) as c:
        rate = c.streams.audio[0].codec_context.sample_rate
        seconds = sum(f.samples for f in c.decode(audio=0)) / rate
    assert seconds == pytest.approx(2.0, abs=0.1), "the whole soundtrack, once"
    with av.open(str(target)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 20


def _make_av_video(path, times, w=64, h=32, rotation=None, marker=True):
    """H.264 with given frame times (s) and an optional display rotation (degrees ccw);
    each frame has a bright corner at the top left of the STORED picture."""
    from fractions import Fraction

    import av

    tb = Fraction(1, 1000)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.time_base = tb
        if rotation is not None:
            s.set_display_rotation(rotation)
        for i, t in enumerate(times):
            img = np.full((h, w, 3), 40 + (i * 3) % 150, np.uint8)
            if marker:
                img[:8, :8] = 250
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts, f.time_base = round(t * 1000), tb
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def test_rotated_phone_video_is_colorized_upright_and_plays_as_the_input(tmp_path, fake_predictor):
    """Issue 21, item 7: a portrait video (display rotation 90) comes out portrait."""
    from colorstudio.core.io import video_io

    src = _make_av_video(tmp_path / "phone.mp4", [i / 25 for i in range(6)], rotation=90)
    info = frames.video_info(src)
    assert (info.width, info.height) == (32, 64)           # upright: portrait
    first = next(iter(frames.iter_frames(src)))
    assert first.shape[:2] == (64, 32)
    assert first[-8:, :8].mean() > 200                    # 90° ccw: the stored top-left is bottom-left
    evs = list(frames.colorize_video(src, tmp_path / "out", fake_predictor(), size=32))
    assert evs[-1].status == "done"
    p = video_io.probe(tmp_path / "out" / "phone.mp4")
    assert (p.width, p.height, p.rotation) == (32, 64, 0)   # upright pixels, no flag needed


def test_variable_frame_rate_keeps_each_frames_time(tmp_path, fake_predictor):
    """Issue 21, item 8: 50 frames at 25 fps then 10 at 5 fps keep their timestamps."""
    from colorstudio.core.io import video_io

    times = [i / 25 for i in range(50)] + [2.0 + i / 5 for i in range(10)]
    src = _make_av_video(tmp_path / "vfr.mp4", times, marker=False)
    assert not video_io.is_constant_rate(video_io.frame_times(src))
    evs = list(frames.colorize_video(src, tmp_path / "out", fake_predictor(), size=32))
    assert evs[-1].status == "done"
    got = video_io.frame_times(tmp_path / "out" / "vfr.mp4")
    assert len(got) == 60
    np.testing.assert_allclose(got, times, atol=0.002)     # frame 50 stays at 2.0 s, the last at 3.8 s
    assert video_io.is_constant_rate(video_io.frame_times(_make_av_video(tmp_path / "cfr.mp4",
                                                                         [i / 25 for i in range(20)])))
