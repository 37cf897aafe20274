"""What the Batch tab's form asks of an image sequence and of a Dask scheduler, checked in a
moment on the GUI thread before anything runs (no frame is decoded here: the worker plans the
rest with the core, as the CLI does).

Also how frame files picked or dropped are recognised as one numbered sequence
(``shot.1001.exr`` ... -> ``shot.####.exr``), so the tab can offer the sequence.  Every rule
of what a pattern names is ``core.io.sequence``'s; the checks are the core's own (the
messages the CLI prints); nothing here imports Qt.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from colorstudio.core.batch import find_sequence, ranges
from colorstudio.core.errors import UserError
from colorstudio.core.io import sequence
from colorstudio.core.io.formats import sequence_format
from colorstudio.core.io.sequence import ImageSequence

_LAST_NUMBER = re.compile(r"(\d+)(\D*)$")
# A Dask scheduler's address: PROTOCOL://HOST:PORT (tcp, tls, ucx, ws...) or HOST:PORT.
_ADDRESS = re.compile(r"([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:.]+\]|[^\s/:\[\]]+):\d{1,5}")


class SchedulerAddressError(UserError, ValueError):
    """Text in the scheduler field that is no scheduler's address."""


@dataclass(frozen=True)
class SequenceAsk:
    """An image sequence's run as the form asks it, its names checked: the pattern (absolute:
    one path for every Dask worker), the range by the sequence's own numbers (None: all), the
    colour spaces as the config names them (None: the CLI's defaults) and the output format."""

    pattern: str
    frames: ranges.FrameSpan | None
    space_in: str | None
    space_out: str | None
    fmt: str


def is_pattern(text: str | os.PathLike) -> bool:
    """The input names frames by a pattern (``core.io.sequence.is_pattern``)."""
    return sequence.is_pattern(text)


def find(text: str | os.PathLike) -> ImageSequence:
    """The frames of a pattern on disk, as the CLI finds them (``core.batch.find_sequence``: an
    absolute pattern); a ``SequenceError`` in one line when it names nothing."""
    return find_sequence(text)


def sequence_of(paths: Sequence[str | os.PathLike]) -> ImageSequence | None:
    """The numbered sequence all of ``paths`` are frames of -- files of a sequence format
    (EXR, DPX, TIFF, PNG) in one folder whose names differ only by their last number -- or
    None.  The field's width is the name's own (``shot.1001.exr`` -> ``shot.####.exr``),
    else unpadded (``#``) where that names more of the folder's frames; a sequence of one
    frame is none."""
    files = [Path(p) for p in paths]
    if not files or not all(f.is_file() and sequence_format(f.suffix) is not None for f in files):
        return None
    best: ImageSequence | None = None
    for pattern in _candidates(files[0]):
        try:
            seq = sequence.find(pattern)
        except (sequence.SequenceError, OSError):
            continue
        names = {p.name for p in seq.paths}
        if all(f.parent == seq.pattern.folder and f.name in names for f in files) and \
                len(seq) > 1 and (best is None or len(seq) > len(best)):
            best = seq
    return best


def _candidates(path: Path) -> list[Path]:
    """The patterns a frame file's name may be one of: its last number as a padded field, and
    as an unpadded one when it has no leading zero."""
    m = _LAST_NUMBER.search(path.name)
    if m is None or any(c in path.name for c in "#@%"):
        return []
    head, digits, tail = path.name[:m.start()], m.group(1), m.group(2)
    out = [path.parent / f"{head}{'#' * len(digits)}{tail}"]
    if len(digits) > 1 and digits[0] != "0":
        out.append(path.parent / f"{head}#{tail}")
    return out


def check_sequence(pattern: str | ImageSequence, frames: str, space_in: str | None, space_out: str | None,
                   fmt: str) -> tuple[SequenceAsk, ImageSequence]:
    """The form's sequence checked as the CLI checks ``colorize PATTERN --frames A-B
    --colorspace-in/-out NAME --format FMT`` before any work -- a pattern that matches
    nothing, a range outside the sequence (or wholly in a gap), the ``vfx`` extra missing,
    an unknown colour space -- each a ``UserError`` in the core's one line.  The first frame
    is not read here (the worker settles the defaults from it).  ``pattern``: its text, or the
    sequence already found (``core.batch.route``)."""
    from colorstudio.core.batch import sequences
    from colorstudio.core.color import spaces
    from colorstudio.core.io import vfx

    seq = pattern if isinstance(pattern, ImageSequence) else find(pattern)
    span = ranges.parse_frames(frames, lowest=0) if frames.strip() else None
    if span is not None:
        ranges.resolve_numbers(span, seq.numbers)
    out = sequence_format(fmt) or sequence_format(seq.pattern.suffix)   # the Format box offers exr dpx tif png
    sequences.require(seq)
    if out.vfx:
        vfx.require(f"{out.name.upper()} frames")
    names = [spaces.canonical(s) if s and s.strip() else None for s in (space_in, space_out)]
    return SequenceAsk(str(seq.pattern), span, names[0], names[1], out.name), seq


def check_scheduler(text: str) -> str | None:
    """The scheduler field: None when empty (the run stays on this machine), else the address
    (``tcp://HOST:PORT``; ``HOST:PORT`` as Dask takes it); a :class:`SchedulerAddressError`
    for text that is no address.  Whether it answers is found when the run connects."""
    address = text.strip()
    if not address:
        return None
    if not _ADDRESS.fullmatch(address):
        raise SchedulerAddressError(f"{address[:60]!r} is not a Dask scheduler's address: give tcp://HOST:PORT "
                                    "(e.g. tcp://10.0.0.5:8786), or leave the field empty to run here")
    return address


def sentence(line: str) -> str:
    """A core message as a sentence for the message bar: a leading lower-case word capitalised
    (a file name or a quoted text stays as it is), a full stop at the end."""
    if re.match(r"[a-z]+[ ,:;]", line):
        line = line[0].upper() + line[1:]
    return line if line.endswith((".", "!", "?")) else line + "."


def gaps_text(seq: ImageSequence) -> str:
    """The numbers missing between the first frame and the last, as runs (``1004-1005, 1010``), or ''."""
    missing = ranges.runs(seq.missing())
    if not missing:
        return ""
    n = sum(b - a + 1 for a, b in missing)
    return f"{n} missing: {ranges.describe_runs(missing)}"
