"""A frames folder put back together as a video: the frames in number order (gaps refused, or
held), muxed with the source's audio and its frame times (``colorstudio-cli assemble``, and a
Dask run's last step).  The ranges that wrote the frames are :mod:`colorstudio.core.batch.shards`'."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from colorstudio.core.batch import frames as video_frames
from colorstudio.core.batch import ranges
from colorstudio.core.errors import UserError
from colorstudio.core.io import imageio, video_io

DEFAULT_FPS = 24.0     # a frames folder assembled with no source and no --fps: film's rate


class AssembleError(UserError, ValueError):
    """A frames folder that cannot be assembled as asked (missing, empty, gaps)."""


@dataclass
class Assembly:
    """What :func:`assemble` did."""

    path: Path
    frames: int = 0
    missing: list[tuple[int, int]] = field(default_factory=list)   # gaps held over (--allow-gaps)
    fps: float = DEFAULT_FPS
    audio: bool = False
    skipped: bool = False   # the video was there already


_TRAILING_NUMBER = re.compile(r"(\d+)$")


def numbered_frames(folder: str | os.PathLike) -> tuple[list[tuple[int, Path]], bool]:
    """A folder's frames by number, and whether they are a video's (``frame_000001.png``
    ..., numbered from 1 like the source's frames); else its images, numbered by the number
    that ends each name (``shot.1001.png``) or, when not every name has one, in order from 1."""
    folder = Path(folder)
    own = video_frames.frame_files(folder)
    if own:
        return [(int(_TRAILING_NUMBER.search(p.stem).group(1)), p) for p in own], True
    files = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                    and imageio.is_image_file(p)), key=imageio.natural_key)
    found = [_TRAILING_NUMBER.search(p.stem) for p in files]
    numbers = [int(m.group(1)) for m in found if m]
    if len(numbers) == len(files) and len(set(numbers)) == len(numbers):
        return sorted(zip(numbers, files)), False
    return list(enumerate(files, 1)), False


def gaps(numbers: Sequence[int], first: int, last: int) -> list[tuple[int, int]]:
    """The runs of numbers from ``first`` to ``last`` that ``numbers`` lacks."""
    have = set(numbers)
    return ranges.runs(n for n in range(first, last + 1) if n not in have)


def assemble(folder: str | os.PathLike, out: str | os.PathLike, *, audio_from: str | os.PathLike | None = None,
             fps: float | None = None, allow_gaps: bool = False, overwrite: bool = False) -> Assembly:
    """Mux a frames folder into ``out`` (``.mp4`` or ``.avi``), in frame order.

    ``audio_from``: the source video -- its audio is copied, its frame rate and (for a
    variable rate) each frame's time are kept, and its frame count says which frames a
    video's frames folder should hold.  Missing frames are an :class:`AssembleError`
    unless ``allow_gaps`` (then the frame before a gap is held through it, so the audio
    stays in sync in ``.mp4``).  An existing ``out`` is kept unless ``overwrite``.
    """
    folder, out = Path(folder), Path(out)
    if out.suffix.lower() not in video_frames.WRITABLE_VIDEO:
        raise AssembleError(f"{out.name}: videos are written as {', '.join(sorted(video_frames.WRITABLE_VIDEO))}")
    if not folder.is_dir():
        raise AssembleError(f"{folder}: not a folder of frames")
    seq, own = numbered_frames(folder)
    if not seq:
        raise AssembleError(f"{folder}: no frames in this folder")
    source = _source(audio_from, out)
    numbers = [n for n, _ in seq]
    base = 1 if own else numbers[0]
    last = max(numbers[-1], len(source.times) if source and own else 0)
    missing = gaps(numbers, base, last)
    if missing and not allow_gaps:
        n = sum(b - a + 1 for a, b in missing)
        raise AssembleError(f"{folder.name}: {n} frame{'s' if n != 1 else ''} missing "
                            f"({ranges.describe_runs(missing)}); colour them first, or --allow-gaps to hold "
                            "the frame before each gap")
    rate = fps or (source.fps if source and source.fps > 0 else DEFAULT_FPS)
    result = Assembly(out, len(seq), missing, rate, bool(source and source.audio))
    if out.exists() and not overwrite:
        result.skipped = True
        return result
    times = _times(numbers, rate, source.times if source and own else [], base)
    video_frames.write_video((imageio.read_image(p) for _, p in seq), out, rate,
                             audio_from=source.path if result.audio else None, times=times)
    return result


@dataclass(frozen=True)
class _Source:
    path: Path
    fps: float
    audio: str
    times: list[float]


def _source(audio_from: str | os.PathLike | None, out: Path) -> _Source | None:
    """The source video's rate, audio and frame times (checked before anything is written)."""
    if audio_from is None:
        return None
    path = Path(audio_from)
    if out.exists() and os.path.abspath(out) == os.path.abspath(path):
        raise AssembleError(f"{out}: the output would overwrite the source video")
    try:
        info = video_frames.video_info(path)
        times = video_io.frame_times(path)
    except video_io.VideoError as exc:
        raise AssembleError(str(exc)) from None
    return _Source(path, info.fps, info.audio, times)


def _times(numbers: Sequence[int], fps: float, source_times: Sequence[float], base: int) -> list[float] | None:
    """Each frame's time, or None when the plain rate says it (no gap, constant rate):
    a frame's own time in a variable-rate source, else its number's place at ``fps``."""
    plain = numbers[0] == base and numbers[-1] - numbers[0] + 1 == len(numbers)
    vfr = len(source_times) >= numbers[-1] and not video_io.is_constant_rate(list(source_times))
    if plain and not vfr:
        return None
    if vfr:
        return [float(source_times[n - 1]) for n in numbers]
    return [(n - base) / fps for n in numbers]
