"""Animations: video files in and out, and temporal smoothing of colours.

A video is colorized frame by frame into a folder of PNGs (``<name>_frames/``) and
then assembled into a video at the same frame rate -- so an interrupted run resumes
(frames already written are skipped) and the frames stay available for editing.
PyAV reads and writes the video (:mod:`colorstudio.core.io.video_io`); the source's audio
track is copied into the output.

Per-frame predictions flicker: ``smooth`` > 0 blends each frame's colours with the
previous frame's, following the motion (:mod:`colorstudio.core.colorize.smoothing`).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from colorstudio.core.io import imageio
from colorstudio.core.io.atomic import atomic_write, clean_stale
from colorstudio.core.batch.engine import BatchEvent, Cancel, Job, is_cancelled, run_batch
from colorstudio.core.batch.stages import ColorizeStage
# The format table's names, where callers have always found them (the table: core.io.formats).
from colorstudio.core.io.formats import VIDEO_EXTENSIONS, WRITABLE_VIDEO, is_video_file  # noqa: F401
from colorstudio.core.io import video_io
from colorstudio.core.messages import one_line
from colorstudio.core.io.video_io import VideoError
from colorstudio.core.colorize.pipeline import Hint

FRAME_PATTERN = "frame_{:06d}.png"


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int   # from the container; can be an estimate
    audio: str = ""    # the first audio track's codec ('' when none): copied to the output


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path}: file not found")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty")


def video_info(path: str | os.PathLike) -> VideoInfo:
    """Size, frame rate, (container's) frame count and audio codec of a video file."""
    path = Path(path)
    _check_file(path)
    p = video_io.probe(path)
    return VideoInfo(p.width, p.height, p.fps, p.frame_count, p.audio)


def iter_frames(path: str | os.PathLike) -> Iterator[np.ndarray]:
    """The frames of a video as RGB uint8 arrays, in order."""
    path = Path(path)
    _check_file(path)
    return video_io.iter_frames(path)


def write_video(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: float,
                audio_from: str | os.PathLike | None = None, times: Sequence[float] | None = None) -> Path:
    """Write RGB frames as ``.mp4`` (H.264) or ``.avi`` (Motion-JPEG), atomically, with
    the audio track of ``audio_from`` copied.

    The frame size is taken from the first frame; later frames of another size are
    resized (a video has one size).  Returns the path; raises VideoError when nothing
    could be written.
    """
    path = Path(path)
    if path.suffix.lower() not in WRITABLE_VIDEO:
        raise VideoError(f"{path.name}: videos are written as {', '.join(sorted(WRITABLE_VIDEO))}")
    return atomic_write(path, lambda tmp: video_io.write_video(frames, tmp, fps, audio_from, times=times),
                        suffix=path.suffix)


def prefetched(it: Iterator, depth: int = 4) -> Iterator:
    """Run ``it`` in a background thread, ``depth`` items ahead (video decoding)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((done, None))
        except BaseException as exc:  # noqa: BLE001 -- handed to the consumer
            q.put((done, exc))

    t = threading.Thread(target=work, name="colorstudio-video-read", daemon=True)
    t.start()
    try:
        while True:
            item, exc = q.get()
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        t.join(timeout=5)
        close = getattr(it, "close", None)
        if close is not None and not t.is_alive():
            close()


def triples(frames: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray | None, np.ndarray, np.ndarray | None]]:
    """(previous, frame, next) for each of ``frames`` (None before the first and after the
    last): a frame's raw neighbours for its repair, one frame read ahead.  A read error
    comes after the last frame read is yielded, as without the look-ahead."""
    it = iter(frames)
    try:
        prev, cur = None, next(it, None)
        while cur is not None:
            try:
                nxt = next(it, None)
            except Exception:
                yield prev, cur, None
                raise
            yield prev, cur, nxt
            prev, cur = cur, nxt
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


# ------------------------------------------------------------------- video colorization

def video_outputs(src: str | os.PathLike, out: str | os.PathLike) -> tuple[Path, Path]:
    """(output video, frames folder) for ``src``: ``out`` is a video file path or a
    folder (then ``<out>/<stem>.mp4``, ``.avi`` for AVI inputs)."""
    src, out = Path(src), Path(out)
    if imageio.is_image_file(out) and not out.is_dir():
        raise VideoError(f"{out}: a video's output is a folder or a video file "
                         f"({', '.join(sorted(WRITABLE_VIDEO))}), not an image file")
    if is_video_file(out) and not out.is_dir():
        video = out
    else:
        video = out / (src.stem + (".avi" if src.suffix.lower() == ".avi" else ".mp4"))
    return video, video.with_name(video.stem + "_frames")


def short_of(declared: int) -> int:
    """Fewer decoded frames than this means a damaged video: containers that estimate
    their count (from duration x rate) may be off by a frame or two, truncation is not."""
    return int(declared * 0.98) - 1 if declared > 0 else 0


def frame_files(folder: str | os.PathLike) -> list[Path]:
    """The colorized frames of a frames folder, in order."""
    return sorted(Path(folder).glob("frame_*.png"), key=imageio.natural_key)


def colorize_video(src: str | os.PathLike, out: str | os.PathLike, predictor, *,
                   size: int | None = None, saturation: float = 1.0, smooth: float = 0.0,
                   hints: Sequence[Hint] = (), overwrite: bool = False, cancel: Cancel = None,
                   workers: int = 2, frame_hints: Sequence[Sequence[Hint]] | None = None,
                   denoise: str = "off", repairer=None) -> Iterator[BatchEvent]:
    """Colorize a video: frames -> ``<name>_frames/frame_000001.png`` ... -> the video.

    Yields one event per frame (``total``: the frames) and a last one, ``kind='video'``,
    for the assembled video (``dst`` is the video file; index 0 of 1, apart from the
    frames' count).  A rerun skips frames already written (unless ``overwrite``);
    an existing output video is skipped as a whole.  Failures and cancellation leave
    the frames for the next run and do not assemble the video.  ``frame_hints``: each
    frame's own hints (a shot's plan from ``core.batch.shot``), instead of ``hints`` for all.
    ``repairer`` (a ``damage-unet`` runner): each frame's scratches and dust are mended first --
    what only that frame shows from its raw neighbouring frames (``core.restore.temporal``),
    the rest spatially.
    """
    src = Path(src)
    video, frames_dir = video_outputs(src, out)
    if video.exists() and os.path.abspath(video) == os.path.abspath(src):
        raise VideoError(f"{video}: the output would overwrite the input video")
    info = video_info(src)
    stage = ColorizeStage(predictor, size, saturation, hints, smooth, denoise=denoise,
                          repairer=repairer, frames=True)  # validates arguments
    return _colorize_video(src, video, frames_dir, info, stage, overwrite, cancel, workers, frame_hints)


def _colorize_video(src: Path, video: Path, frames_dir: Path, info: VideoInfo, stage: ColorizeStage,
                    overwrite: bool, cancel: Cancel, workers: int,
                    frame_hints: Sequence[Sequence[Hint]] | None = None) -> Iterator[BatchEvent]:
    if video.exists() and not overwrite:
        yield BatchEvent(0, 1, src, video, "skipped", done_count=1, eta_s=0.0, kind="video")
        return
    for folder in (video.parent, frames_dir):
        clean_stale(folder, keep=(src,))  # what a killed run was writing

    temporal = stage.repairer is not None   # one-frame dust filled from the raw neighbours first

    def jobs() -> Iterator[Job]:
        for i, (prev, frame, nxt) in enumerate(triples(prefetched(iter_frames(src)))):
            dst = frames_dir / FRAME_PATTERN.format(i + 1)
            skip = dst.exists() and not overwrite
            job = Job(i, src, dst, None if skip else (lambda f=frame: f))
            if temporal and not skip:
                job.neighbours = lambda p=prev, n=nxt: (p, n)
            if frame_hints is not None:
                job.hints = tuple(frame_hints[i]) if i < len(frame_hints) else ()
            yield job

    t0 = time.perf_counter()
    failed, n, last = 0, 0, None
    for ev in run_batch(jobs(), info.frame_count, stage, protect=(src,), cancel=cancel, workers=workers):
        failed += ev.status == "failed"
        n = max(n, ev.index + 1)  # frames of this video (events may come out of order)
        last = ev
        yield ev
    if last is None:
        if not is_cancelled(cancel):
            yield BatchEvent(0, 1, src, video, "failed", "the video has no readable frames", 1, kind="video")
        return
    if failed or is_cancelled(cancel):
        return
    if n < short_of(info.frame_count):
        yield BatchEvent(0, 1, src, video, "failed",
                         f"only {n} of the {info.frame_count} frames the file declares could be decoded "
                         f"(truncated or damaged video); the {n} colorized frames are in {frames_dir.name}/",
                         1, time.perf_counter() - t0, kind="video")
        return
    files = [frames_dir / FRAME_PATTERN.format(i + 1) for i in range(n)]
    try:
        times = video_io.frame_times(src)   # a variable-frame-rate source keeps each frame's time
        times = times if len(times) == n and not video_io.is_constant_rate(times) else None
        write_video((imageio.read_image(f) for f in files), video, info.fps, audio_from=src if info.audio else None,
                    times=times)
    except (OSError, ValueError) as exc:
        yield BatchEvent(0, 1, src, video, "failed", one_line(exc), 1, time.perf_counter() - t0, kind="video")
        return
    yield BatchEvent(0, 1, src, video, "done", None, 1, time.perf_counter() - t0, last.items_per_s, 0.0,
                     odd_size_note(info.width, info.height), kind="video")


def odd_size_note(width: int, height: int) -> str | None:
    """What the user must know when a video's side is odd: 4:2:0 video (what every player
    plays) needs even sides, so the last row or column is repeated -- the frames folder keeps
    the exact size."""
    if width % 2 == 0 and height % 2 == 0:
        return None
    return (f"the video is {width + width % 2}x{height + height % 2}, not {width}x{height}: H.264 and "
            f"Motion-JPEG need even sides (its last {'column' if width % 2 else 'row'}"
            f"{' and row' if width % 2 and height % 2 else ''} repeated); the frames keep {width}x{height}")
