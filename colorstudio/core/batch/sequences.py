"""Image sequences in a batch: ``shot.####.exr`` coloured frame by frame, each written back in
its own precision and in the colour space asked for.

A sequence is one shot (:class:`colorstudio.core.batch.shards.Shot`): its frames run through
:class:`SequenceStage` -- the network and the temporal smoother see each frame's
display-referred lightness (``core.color.scene.FrameColour.prepare``), the result is the
frame's own values plus the colour (``FrameColour.finish``), written by ``core.io.vfx`` as the
output format (EXR half or float, DPX 10-bit, TIFF or PNG 16-bit) in the output colour space.
Gaps in the numbering are kept: each output frame has its input's number
(``core.batch.outputs.plan_sequence``).  OpenImageIO and OpenColorIO are the ``vfx`` extra.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.batch import ranges
from colorstudio.core.batch.engine import Job
from colorstudio.core.batch.stages import ColorizeStage
from colorstudio.core.color import spaces
from colorstudio.core.color.scene import FrameColour, Prepared
from colorstudio.core.colorize.pipeline import Hint
from colorstudio.core.inference.predictor import Runner
from colorstudio.core.io import imageio, vfx
from colorstudio.core.io.formats import sequence_format
from colorstudio.core.io.sequence import ImageSequence
from colorstudio.core.errors import UserError


class SequenceSettingError(UserError, ValueError):
    """An output format or a combination of options an image sequence cannot take."""


@dataclass(frozen=True)
class SequenceColour:
    """How one sequence's frames are read and written: the colour spaces (the config's names)
    and the output format (``exr dpx tif png``).  Picklable: a Dask task carries it."""

    space_in: str
    space_out: str
    fmt: str

    def frame_colour(self) -> FrameColour:
        """The conversions, built once per process (tables included)."""
        with _LOCK:
            fc = _COLOURS.get((self.space_in, self.space_out))
            if fc is None:
                fc = _COLOURS[(self.space_in, self.space_out)] = FrameColour(self.space_in, self.space_out)
            return fc


_LOCK = threading.Lock()
_COLOURS: dict[tuple[str, str], FrameColour] = {}


def require(seq: ImageSequence) -> None:
    """The ``vfx`` extra, or :class:`spaces.VfxMissing` in one line: every sequence is colour
    managed (OpenColorIO); EXR and DPX are read through OpenImageIO."""
    name = seq.pattern.name
    spaces.require(f"image sequences ({name})")
    if sequence_format(seq.pattern.suffix).vfx:
        vfx.require(f"{seq.pattern.suffix.lstrip('.').upper()} sequences ({name})")


class KeyframeError(UserError, ValueError):
    """A shot file's keyframe that is not a frame of the image sequence."""


def keyframes_by_number(seq: ImageSequence, keyframes: dict[int, Sequence]) -> dict[int, Sequence]:
    """A shot file's keyframes (``{frame - 1: hints}``, as read) -> by the sequence's position.

    An image sequence's frames are named by their numbers (``shot.1001.exr`` ...), and so are
    its keyframes in a shot file: ``"1001"`` is the frame numbered 1001, whatever comes before
    it (the numbering may start anywhere and have gaps)."""
    at = {n: i for i, n in enumerate(seq.numbers)}
    bad = sorted(k + 1 for k in keyframes if k + 1 not in at)
    if bad:
        gaps = ", with gaps" if len(seq.numbers) < seq.last - seq.first + 1 else ""
        raise KeyframeError(f"the hints' keyframe {bad[0]} is not a frame of {seq.pattern.name} "
                            f"(frames {seq.first}-{seq.last}{gaps})")
    return {at[k + 1]: pts for k, pts in keyframes.items()}


def plan_colour(seq: ImageSequence, space_in: str | None = None, space_out: str | None = None,
                fmt: str | None = None) -> SequenceColour:
    """The colour spaces and output format of ``seq``: each as given (checked), else its
    default -- the input space as the first frame's file says (``spaces.default_space``);
    the output format the input's; the output space the input's when the format is the same,
    else the output format's (``spaces.default_output_space``).  Reads the first frame."""
    source = sequence_format(seq.pattern.suffix)
    if source is None:
        raise SequenceSettingError(f"{seq.pattern.name}: an image sequence is EXR, DPX, TIFF or PNG frames")
    out = sequence_format(fmt) if fmt else source
    if out is None:
        raise SequenceSettingError(f"an image sequence is written as exr, dpx, tif or png, not {fmt!r}")
    require(seq)
    if out.vfx:
        vfx.require(f"{out.name.upper()} frames")
    if space_in:
        space_in = spaces.canonical(space_in)
    else:
        first = vfx.read_frame(seq.paths[0])
        space_in = spaces.default_space(source.name, first.colorspace, first.transfer)
    if space_out:
        space_out = spaces.canonical(space_out)
    else:
        space_out = space_in if out.name == source.name else spaces.default_output_space(out.name)
    return SequenceColour(space_in, space_out, out.name)


def gap_warning(seq: ImageSequence) -> str | None:
    """One line naming the numbers missing between the first frame and the last, or None."""
    missing = ranges.runs(seq.missing())
    if not missing:
        return None
    n = sum(b - a + 1 for a, b in missing)
    return (f"{seq.pattern.name}: {n} frame{'s' if n != 1 else ''} missing ({ranges.describe_runs(missing)}); "
            "the others keep their numbers")


def describe(seq: ImageSequence, colour: SequenceColour) -> str:
    """One line for the user before a run (the CLI's and the app's):
    ``shot.####.dpx: 24 frames (1001-1024), ADX10 -> ACEScg, written as EXR``."""
    n = len(seq)
    return (f"{seq.pattern.name}: {n} frame{'s' if n != 1 else ''} ({seq.first}-{seq.last}), "
            f"{colour.space_in} -> {colour.space_out}, written as {colour.fmt.upper()}")


@dataclass
class Loaded:
    """What a job's ``load`` leaves for its write: the frame's file facts and its prepared values."""

    frame: vfx.Frame
    prepared: Prepared


def read_prepared(path: Path, colour: SequenceColour,
                  max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Loaded:
    """Read a frame and prepare it (``FrameColour.prepare``); its pixels are then dropped."""
    frame = vfx.read_frame(path, max_pixels)
    prepared = colour.frame_colour().prepare(lambda: frame.pixels, frame.codes, frame.code_kind, frame.gray)
    frame.release()   # the prepared base holds what is kept
    return Loaded(frame, prepared)


def small_lightness(path: Path, colour: SequenceColour,
                    hw_of: Callable[[int, int], tuple[int, int]]) -> np.ndarray | None:
    """A frame's uint8 lightness (``color.l_to_u8``) at ``hw_of(h, w)``: what a shard's plan
    compares to find cuts; None when the frame cannot be read."""
    try:
        frame = vfx.read_frame(path)
    except (imageio.ImageReadError, OSError):
        return None
    L = colour.frame_colour().small_lightness(lambda: frame.pixels, hw_of(*frame.shape), frame.codes,
                                              frame.code_kind)
    return color.l_to_u8(L)


class SequenceStage(ColorizeStage):
    """:class:`ColorizeStage` for a sequence's frames: the network and the smoother see each
    frame's display gray; the result is recombined with the frame's own values and written in
    its precision and the output space (``colour``)."""

    def __init__(self, predictor: Runner, colour: SequenceColour, size: int | None = None,
                 saturation: float | color.Look = 1.0, hints: Sequence[Hint] = (), smooth: float = 0.0,
                 denoise: str = "off", max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS):
        super().__init__(predictor, size, saturation, hints, smooth, (), denoise, None, frames=True)
        self.colour = colour
        self.frames = colour.frame_colour()
        self.max_pixels = max_pixels

    def load(self, job: Job) -> np.ndarray:
        """``Job.load``: the frame read and prepared; returns what the network sees."""
        job.frame = read_prepared(job.src, self.colour, self.max_pixels)
        return job.frame.prepared.gray

    def display(self, path: Path) -> np.ndarray | None:
        """A frame before a range, as the network sees it (a shard's overlap); None if unreadable."""
        try:
            return read_prepared(path, self.colour, self.max_pixels).prepared.gray
        except (imageio.ImageReadError, OSError):
            return None

    def ordered(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        if self.smoother is not None and self._prime_from is not None:
            # Resuming: the smoother continues from the last frame written, seen as display sRGB.
            try:
                last = vfx.read_frame(self._prime_from, self.max_pixels)
                self.smoother.prime(self.frames.display(last.pixels, ab.shape[:2]), ab.shape[:2])
            except (imageio.ImageReadError, OSError):
                self.smoother.reset()
            self._prime_from = None
        return super().ordered(image, ab)

    def finish_job(self, job: Job, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        return self.frames.finish(job.frame.prepared, color.apply_saturation(ab, self.saturation))

    def write(self, job: Job, pixels: np.ndarray, quality: int, protect: Sequence[Path]) -> None:
        frame = job.frame.frame
        job.frame = None   # the prepared frame is no longer needed: its memory goes now
        fmt, space = self.colour.fmt, self.colour.space_out
        vfx.write_frame(job.dst, pixels, depth=vfx.output_depth(fmt, frame.depth), alpha=frame.alpha,
                        colorspace=space, transfer=spaces.dpx_transfer(space) if fmt == "dpx" else "",
                        attributes=frame.attributes, protect=protect)
