"""What a batch's inputs are -- photos, videos, or one image sequence -- by one rule, so that
``colorstudio-cli colorize`` and the Batch tab route the same inputs the same way.

The rule (:func:`route`):

- an input that names frames by a pattern (``shot.####.exr``, ``%04d``, ``@``:
  ``core.io.sequence``) is an image sequence, a shot of its own: it must be the only input
  (:class:`SequenceNotAloneError`), and a pattern that names no frame is a ``SequenceError``;
- other inputs go through :func:`~colorstudio.core.batch.inputs.collect_inputs`: a folder gives
  its image files in natural order, a file named is kept whatever its suffix (the batch says
  why a bad one fails), and a named path that gives nothing -- missing, a broken link, a folder
  without images -- is a problem (one line), not an error, so the rest still run;
- of those files each with a video suffix is a video, coloured as a shot of its own, one after
  another after the photos; the rest are photos, coloured as one batch -- the frames of one
  shot, in order, when a shot file's keyframes are carried over them (``keyframes``);
- a run of one shot (a frame range, a shard, a Dask run, each frame's own hints: ``one_shot``)
  takes one video alone, or photos only (:class:`OneShotError`).

Nothing is decoded here; each front end says the problems and refusals its own way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from colorstudio.core.batch.inputs import collect_inputs
from colorstudio.core.batch.sequences import SequenceColour
from colorstudio.core.batch.shards import Shot
from colorstudio.core.errors import UserError
from colorstudio.core.io import sequence
from colorstudio.core.io.formats import is_video_file
from colorstudio.core.io.sequence import ImageSequence

ONE_SHOT = "one shot: one video, or the frames of a folder or list"


class RoutingError(UserError, ValueError):
    """Inputs that cannot run together as one batch."""


class SequenceNotAloneError(RoutingError):
    """An image sequence's pattern given with other inputs."""


class OneShotError(RoutingError):
    """A run of one shot given several videos, or a video with other inputs; its text is
    :data:`ONE_SHOT`, for the front end to say who asks (``--frames ... take`` + it)."""


@dataclass(frozen=True)
class Route:
    """A batch's inputs, routed.  ``files``: the photos and videos in the order given, folders
    expanded -- the order their outputs are named in (``core.batch.outputs.plan``);
    ``sequence``: the image sequence when the input is a pattern (``files`` is then empty);
    ``problems``: one line per named path that gave nothing; ``photo_shot``: the photos are the
    frames of one shot, in order (keyframe hints are carried over them)."""

    files: tuple[Path, ...] = ()
    sequence: ImageSequence | None = None
    problems: tuple[str, ...] = ()
    photo_shot: bool = False

    @property
    def photos(self) -> list[Path]:
        return [p for p in self.files if not is_video_file(p)]

    @property
    def videos(self) -> list[Path]:
        return [p for p in self.files if is_video_file(p)]

    @property
    def empty(self) -> bool:
        """Nothing to colour: no photo, no video, no sequence."""
        return not self.files and self.sequence is None

    def one_shot(self) -> Route:
        """This route, when it is one shot (a sequence, one video alone, or photos only); else
        a :class:`OneShotError`."""
        if self.videos and len(self.files) > 1:
            raise OneShotError(ONE_SHOT)
        return self

    def shot(self, colour: SequenceColour | None = None) -> Shot:
        """The one shot these inputs are (:meth:`one_shot`): the sequence (``colour``: its colour
        spaces and format as settled by ``core.batch.sequences.plan_colour``; None: its
        defaults), the video, or the photos as frames in order."""
        self.one_shot()
        if self.sequence is not None:
            return Shot(sequence=self.sequence, colour=colour)
        videos = self.videos
        return Shot(video=videos[0]) if videos else Shot(files=self.files)


def find_sequence(pattern: str | os.PathLike) -> ImageSequence:
    """The frames on disk of ``pattern`` (``~`` expanded, made absolute: one path for every
    Dask worker); a ``SequenceError`` in one line when it names none."""
    return sequence.find(os.path.abspath(os.path.expanduser(str(pattern))))


def named_sequence(inputs: Sequence[str | os.PathLike]) -> ImageSequence | None:
    """The image sequence the inputs name, or None when no input is a pattern: the pattern half
    of :func:`route`, which lists no folder but the sequence's.  A pattern with other inputs is
    a :class:`SequenceNotAloneError`, one that names no frame a ``SequenceError``."""
    patterns = [p for p in inputs if sequence.is_pattern(p)]
    if not patterns:
        return None
    if len(inputs) > 1:
        raise SequenceNotAloneError("an image sequence is one shot: give its pattern alone "
                                    "(e.g. 'shot.####.exr', quoted)")
    return find_sequence(patterns[0])


def route(inputs: Iterable[str | os.PathLike], *, keyframes: bool = False, one_shot: bool = False) -> Route:
    """The user's inputs (files, folders, video files, or one sequence pattern) routed by the
    one rule of this module.  ``keyframes``: a shot file's keyframe hints come with them (the
    photos are then frames of one shot); ``one_shot``: the run colours one shot -- a frame
    range or a shard, a Dask run, each frame's own hints -- so the inputs must be one
    (:meth:`Route.one_shot`).  Raises a :class:`RoutingError` or ``SequenceError`` (both
    ``UserError``: one line); an input that gives nothing is one of ``problems`` instead."""
    inputs = list(inputs)
    seq = named_sequence(inputs)
    if seq is not None:
        return Route(sequence=seq, photo_shot=True)
    problems: list[str] = []
    files = collect_inputs(inputs, problems)
    found = Route(tuple(files), None, tuple(problems), photo_shot=keyframes or one_shot)
    return found.one_shot() if one_shot else found
