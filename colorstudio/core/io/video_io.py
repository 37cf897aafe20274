"""Video files through PyAV (FFmpeg inside its wheel): probe, decode, encode with the
source's audio track copied.

OpenCV's VideoCapture/VideoWriter (the earlier path) drop the audio and write MPEG-4
part 2; here the picture is H.264 (``.mp4``, CRF 18) or Motion-JPEG (``.avi``) and the
audio packets of the source are copied unchanged, interleaved with the frames by time
(transcoded to AAC / PCM only when the container cannot hold the source's codec).
bench/video_io.py compares both paths' speed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from colorstudio.core.errors import UserError

ENCODERS = {".mp4": ("libx264", "yuv420p"), ".avi": ("mjpeg", "yuvj420p")}   # = formats.WRITABLE_VIDEO
AUDIO_FALLBACK = {".mp4": "aac", ".avi": "pcm_s16le"}


class VideoError(UserError, ValueError):
    """A video that cannot be opened, decoded or written: one line for the user."""


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    fps: float
    frame_count: int       # from the container (or duration x rate): can be an estimate
    audio: str             # the first audio track's codec, '' when there is none
    rotation: int = 0      # display rotation, degrees counterclockwise (a phone's portrait video: 90
                           # or 270); width and height are the upright picture's


def _turns(rotation: float | None) -> int:
    """Quarter turns counterclockwise (np.rot90's k) that make a stored frame upright."""
    return int(round((rotation or 0) / 90.0)) % 4


def _open(path: Path):
    import av

    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise VideoError(f"{path.name}: not a readable video file ({exc.__class__.__name__})") from None


def probe(path: str | os.PathLike) -> Probe:
    """Size, frame rate, frame count and audio codec of a video file."""
    import av

    path = Path(path)
    with _open(path) as c:
        if not c.streams.video:
            raise VideoError(f"{path.name}: has no video stream")
        v = c.streams.video[0]
        fps = float(v.average_rate or v.guessed_rate or 0.0)
        n = int(v.frames or 0)
        if n <= 0 and v.duration and v.time_base and fps:
            n = int(round(float(v.duration * v.time_base) * fps))
        elif n <= 0 and c.duration and fps:
            n = int(round(c.duration / 1e6 * fps))
        audio = c.streams.audio[0].codec_context.name if c.streams.audio else ""
        w, h = int(v.codec_context.width), int(v.codec_context.height)
        turns = 0
        try:   # the display matrix travels with the frames: read the first one
            first = next(iter(c.decode(v)), None)
            turns = _turns(getattr(first, "rotation", 0)) if first is not None else 0
        except av.FFmpegError:
            pass
        if turns % 2:
            w, h = h, w
        return Probe(w, h, fps, max(0, n), audio, 90 * turns)


def frame_times(path: str | os.PathLike) -> list[float]:
    """Each frame's presentation time in seconds from the first (packets only, nothing
    decoded): what a variable-frame-rate video must keep."""
    import av

    path = Path(path)
    with _open(path) as c:
        if not c.streams.video:
            raise VideoError(f"{path.name}: has no video stream")
        v = c.streams.video[0]
        try:
            pts = sorted(float(p.pts * p.time_base) for p in c.demux(v) if p.pts is not None and p.size)
        except av.FFmpegError:
            pts = []
    return [t - pts[0] for t in pts] if pts else []


def is_constant_rate(times: list[float], tolerance: float = 0.05) -> bool:
    """True when the frames are evenly spaced (within ``tolerance`` of the median step)."""
    if len(times) < 3:
        return True
    steps = np.diff(np.asarray(times, np.float64))
    med = float(np.median(steps))
    return med > 0 and bool(np.all(np.abs(steps - med) <= tolerance * med))


def iter_frames(path: str | os.PathLike) -> Iterator[np.ndarray]:
    """The frames of a video as RGB uint8 arrays, in order (decoding stops quietly at a
    damaged tail: the caller compares the count with :func:`probe`'s)."""
    import av
    import cv2

    path = Path(path)
    with _open(path) as c:
        if not c.streams.video:
            raise VideoError(f"{path.name}: has no video stream")
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in c.decode(stream):
                if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
                    # OpenCV's conversion: 2x faster than FFmpeg's to rgb24 here (bench/video_io)
                    rgb = cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420)
                else:
                    rgb = frame.to_ndarray(format="rgb24")
                turns = _turns(getattr(frame, "rotation", 0))
                # Upright, as players show it: the network sees faces the right way up, and
                # the output needs no rotation flag.
                yield np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
        except av.FFmpegError:
            return


def _even(frame: np.ndarray) -> np.ndarray:
    """4:2:0 video needs even sides: repeat the last row/column when one is odd."""
    h, w = frame.shape[:2]
    if h % 2 or w % 2:
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return frame


def _rgb8(frame: np.ndarray) -> np.ndarray:
    from colorstudio.core import color

    if frame.dtype != np.uint8:
        frame = color.from_float01(color.to_float01(frame), np.uint8)
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, 2)
    return np.ascontiguousarray(frame[:, :, :3])


def write_video(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: float,
                audio_from: str | os.PathLike | None = None, crf: int = 18,
                times: Sequence[float] | None = None) -> tuple[Path, str]:
    """Encode RGB ``frames`` to ``path`` (``.mp4``: H.264, ``.avi``: Motion-JPEG) and copy
    the audio of ``audio_from``.  Frames of another size than the first are resized.
    ``times``: each frame's time in seconds (a variable-frame-rate source keeps its
    timing in ``.mp4``; AVI has one rate only, so there ``fps`` is used).

    Writes ``path`` directly: callers write to a temporary name and rename.  Returns
    (path, what happened to the audio: 'copied CODEC', 'transcoded CODEC -> X' or '').
    """
    import av
    import cv2

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ENCODERS:
        raise VideoError(f"{path.name}: videos are written as {', '.join(sorted(ENCODERS))}")
    codec, pix = ENCODERS[suffix]
    rate = Fraction(fps).limit_denominator(1001) if fps and fps > 0 else Fraction(25)
    if suffix != ".mp4":
        times = None
    tb = Fraction(1, 90000) if times else Fraction(1, 1) / rate   # 90 kHz: the MPEG clock
    src = _open(Path(audio_from)) if audio_from is not None else None
    audio_note = ""
    try:
        in_audio = src.streams.audio[0] if src is not None and src.streams.audio else None
        with av.open(str(path), "w", format="mp4" if suffix == ".mp4" else "avi") as out:
            vs = None
            a_out, a_iter, a_transcode, resampler = None, None, False, None
            pending = None          # the next audio packet, waiting for its time to come
            size = None
            for i, frame in enumerate(frames):
                rgb = _even(_rgb8(frame))
                if vs is None:
                    size = (rgb.shape[1], rgb.shape[0])
                    vs = out.add_stream(codec, rate=rate)
                    vs.width, vs.height, vs.pix_fmt = size[0], size[1], pix
                    vs.codec_context.time_base = tb
                    if codec == "libx264":
                        vs.options = {"crf": str(crf), "preset": "veryfast"}
                    else:
                        vs.options = {"q:v": "3"}
                    if in_audio is not None:
                        a_out, a_transcode, audio_note = _audio_stream(out, in_audio, suffix)
                        a_iter = src.demux(in_audio) if not a_transcode else src.decode(in_audio)
                        if a_transcode:
                            resampler = av.AudioResampler(format=a_out.format.name, layout=a_out.layout.name,
                                                          rate=a_out.rate)
                elif (rgb.shape[1], rgb.shape[0]) != size:
                    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                t = times[i] if times is not None and i < len(times) else None
                vf.pts = round(t / tb) if t is not None else (i if not times else round((i / rate) / tb))
                vf.time_base = tb
                for packet in vs.encode(vf):
                    out.mux(packet)
                if a_iter is not None:      # audio up to this frame's time, interleaved
                    nxt = times[i + 1] if times is not None and i + 1 < len(times) else None
                    now = float(nxt) if nxt is not None else float((t if t is not None else i / rate) + 1 / rate)
                    pending, a_iter = _mux_audio(out, a_out, a_iter, pending, now, a_transcode, resampler)
            if vs is None:
                raise VideoError(f"{path.name}: no frames to write")
            for packet in vs.encode():
                out.mux(packet)
            if a_iter is not None:
                _mux_audio(out, a_out, a_iter, pending, float("inf"), a_transcode, resampler)
                if a_transcode:
                    for packet in a_out.encode(None):
                        out.mux(packet)
    except av.FFmpegError as exc:
        raise VideoError(f"{path.name}: cannot write the video ({exc})") from None
    finally:
        if src is not None:
            src.close()
    return path, audio_note


def _audio_stream(out, in_audio, suffix: str):
    """(output audio stream, transcode?, note): the source's codec copied when the
    container takes it, else re-encoded."""
    name = in_audio.codec_context.name
    copyable = {".mp4": {"aac", "mp3", "ac3", "eac3", "opus", "alac"},
                ".avi": {"mp3", "ac3", "pcm_s16le", "pcm_u8", "mp2"}}[suffix]
    if name in copyable:
        return out.add_stream_from_template(in_audio), False, f"copied {name}"
    target = AUDIO_FALLBACK[suffix]
    rate = in_audio.codec_context.sample_rate or 48000
    a = out.add_stream(target, rate=rate)
    a.layout = in_audio.codec_context.layout.name if in_audio.codec_context.layout else "stereo"
    return a, True, f"transcoded {name} -> {target}"


def _mux_audio(out, a_out, items, pending, until: float, transcode: bool, resampler):
    """Mux source audio (packets, or decoded frames when transcoding) up to time ``until``."""
    it = iter(items)
    while True:
        item = pending if pending is not None else next(it, None)
        pending = None
        if item is None:
            return None, it
        t = item.pts * item.time_base if item.pts is not None and item.time_base is not None else None
        if t is not None and float(t) > until:
            return item, it
        if transcode:
            for fr in resampler.resample(item):
                fr.pts = None
                for packet in a_out.encode(fr):
                    out.mux(packet)
        else:
            if item.dts is None:      # the demuxer's flush packet
                continue
            item.stream = a_out
            out.mux(item)
