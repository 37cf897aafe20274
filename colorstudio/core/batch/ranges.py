"""Frame ranges and shards of a shot: which frames one machine colours, and which frames
before them it must compute (not write) so that temporal smoothing runs on unbroken.

Frames are numbered from 1, as a frames folder (``frame_000001.png``) and shot files
number them -- an image sequence's (``shot.####.exr``) by the numbers in its file names,
gaps and all (:func:`resolve_numbers`); ranges here are 0-based Python ranges of frame
indices.

* A **frame range** is ``A-B`` (both included), ``A-`` (to the end) or ``A``.
* A **shard** ``I/N`` is the I-th of N contiguous ranges.  Each boundary between two
  shards starts at the equal split, moved to the nearest shot cut within a window around
  it (:data:`SEARCH_SHARE` of a shard, at most :data:`SEARCH_MAX` frames each side), so a
  shard holds whole shots where it can.  A boundary depends only on the frames in its own
  window, and the windows never overlap: each shard scans the lightness of two windows and
  finds the same boundaries as every other shard, with no talk between them.
* The **overlap**: with temporal smoothing, each frame's colour depends on the frames
  before it.  A range is preceded by up to :func:`overlap_frames` frames that are computed
  and not written -- or fewer, back to a clear cut, where the smoother restarts anyway --
  so the frames at a boundary come out as in one run over the whole shot.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from typing import Collection, Iterable, Mapping, Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.batch.shot import CUT_THRESHOLD
from colorstudio.core.environment import shard_pair
from colorstudio.core.errors import UserError

SEARCH_SHARE = 0.25    # a boundary may move this share of a shard to reach a cut (windows never meet)
SEARCH_MAX = 240       # ... and at most this many frames (10 s at 24 fps): the scan stays cheap
OVERLAP_MIN = 24       # frames computed before a range with smoothing on (one second of film)
OVERLAP_MAX = 1000     # a strength near 1 would otherwise ask for the whole shot
PAST_WEIGHT_LEFT = 0.002   # what may remain of the frames before the overlap: x 128 ab < 0.3 ab
SURE_CUT = 1.5         # x the cut threshold: a cut the smoother sees too, at any working size


class RangeError(UserError, ValueError):
    """A frame range or shard that does not fit the command line or the shot."""


@dataclass(frozen=True)
class FrameSpan:
    """Frames ``first`` to ``last`` as the user numbers them (from 1; ``last`` None: to the end)."""

    first: int
    last: int | None = None

    def __str__(self) -> str:
        return f"{self.first}-{'' if self.last is None else self.last}"

    def resolve(self, count: int) -> range:
        """The 0-based frame indices of this span in a shot of ``count`` frames; a span
        that reaches past the shot is refused (a wrong shot, not a short one)."""
        last = count if self.last is None else self.last
        if self.first < 1:
            raise RangeError(f"frames are numbered from 1, not {self.first}")
        if self.first > count or last > count:
            raise RangeError(f"frames {self} are outside the shot: it has frames 1-{count}")
        return range(self.first - 1, last)


def resolve_numbers(span: FrameSpan, numbers: Sequence[int]) -> range:
    """The 0-based indices of the frames numbered within ``span`` among ``numbers`` (an image
    sequence's, ascending, with gaps); a span that reaches outside the sequence, or whose
    frames are all missing, is refused."""
    first, last = numbers[0], numbers[-1]
    hi = last if span.last is None else span.last
    if span.first < first or span.first > last or hi > last:
        raise RangeError(f"frames {span} are outside the sequence: it has frames {first}-{last}")
    lo_i, hi_i = bisect.bisect_left(numbers, span.first), bisect.bisect_right(numbers, hi)
    if lo_i >= hi_i:
        raise RangeError(f"frames {span} are all missing from the sequence (it has frames {first}-{last} "
                         "with gaps)")
    return range(lo_i, hi_i)


def parse_frames(text: str, lowest: int = 1) -> FrameSpan:
    """``"A-B"``, ``"A-"`` or ``"A"`` (A <= B, from ``lowest``: 1, or 0 where an image
    sequence may start at frame 0) -> a :class:`FrameSpan`."""
    m = re.fullmatch(r"\s*(\d+)\s*(-\s*(\d*))?\s*", text)
    if not m:
        raise RangeError(f"{text[:40]!r} is not a frame range: use A-B, A- (to the end) or A, numbered from 1")
    first = int(m.group(1))
    last = int(m.group(3)) if m.group(3) else (None if m.group(2) else first)
    if first < lowest:
        raise RangeError(f"frames are numbered from {lowest}, not {first}")
    if last is not None and last < first:
        raise RangeError(f"frame range {first}-{last} ends before it starts")
    return FrameSpan(first, last)


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N), shard I of N with I from 1."""
    try:
        return shard_pair(text)
    except ValueError as exc:
        raise RangeError(str(exc)) from None


# ------------------------------------------------------------------------ shard plans

def search_radius(count: int, shards: int) -> int:
    """How far (frames) a boundary may move from the equal split to reach a cut."""
    return min(SEARCH_MAX, int(count // shards * SEARCH_SHARE))


def even_boundary(count: int, shards: int, k: int) -> int:
    """Where shard ``k + 1`` would start with equal shares (0 <= k <= shards)."""
    return k * count // shards


def boundary(count: int, shards: int, k: int, cuts: Collection[int]) -> int:
    """Where shard ``k + 1`` starts: the cut (a frame that starts a shot) nearest to the
    equal split within :func:`search_radius`, the earlier of two as near; else the split."""
    e = even_boundary(count, shards, k)
    if k <= 0 or k >= shards:
        return e
    r = search_radius(count, shards)
    near = [c for c in cuts if abs(c - e) <= r and 0 < c < count]
    return min(near, key=lambda c: (abs(c - e), c)) if near else e


def shard_range(count: int, shards: int, index: int, cuts: Collection[int]) -> range:
    """The 0-based frames of shard ``index`` (from 1) of ``shards`` over ``count`` frames;
    ``cuts`` need only hold the cuts inside this shard's two windows
    (:func:`shard_scan`).  Empty when the shot has fewer frames than shards."""
    if not 1 <= index <= shards:
        raise RangeError(f"shard {index}/{shards} is out of range: I goes from 1 to N")
    return range(boundary(count, shards, index - 1, cuts), boundary(count, shards, index, cuts))


def plan_shards(count: int, shards: int, cuts: Collection[int]) -> list[range]:
    """Every shard's frames: contiguous, in order, together the whole shot."""
    return [shard_range(count, shards, i, cuts) for i in range(1, shards + 1)]


def _window(count: int, shards: int, k: int, before: int = 0) -> range:
    """Frames whose lightness decides boundary ``k`` (and ``before`` more, for the overlap)."""
    if k <= 0 or k >= shards:
        return range(0)
    e, r = even_boundary(count, shards, k), search_radius(count, shards)
    return range(max(0, e - r - 1 - before), min(count, e + r + 1))


def shard_scan(count: int, shards: int, index: int, overlap: int = 0) -> list[int]:
    """The frames a shard reads (at a small size) to find its range and its overlap: its
    two boundaries' windows, the first one widened by ``overlap`` frames."""
    frames = set(_window(count, shards, index - 1, overlap)) | set(_window(count, shards, index))
    return sorted(frames)


def overlap_scan(start: int, overlap: int) -> list[int]:
    """The frames whose lightness says where the overlap before ``start`` may stop."""
    return list(range(max(0, start - overlap), start + 1)) if start > 0 and overlap > 0 else []


def find_cuts(lightness: Mapping[int, np.ndarray | None], threshold: float = CUT_THRESHOLD) -> set[int]:
    """The frames that start a shot among those scanned: the lightness (uint8, from
    ``shot.small_lightness``) jumps by more than ``threshold`` from the frame before.
    After an unreadable frame (None) the sequence starts afresh too: the batch fails that
    frame and the smoother forgets the past there; so it does where the frame size changes."""
    cuts = set()
    for t, cur in lightness.items():
        if t - 1 not in lightness or cur is None:
            continue
        prev = lightness[t - 1]
        if prev is None or prev.shape != cur.shape or color.mean_l_difference_u8(prev, cur) > threshold:
            cuts.add(t)
    return cuts


def sure_cuts(lightness: Mapping[int, np.ndarray | None]) -> set[int]:
    """Cuts clear enough that the smoother, which tests its own smaller lightness, surely
    restarts there too (:data:`SURE_CUT`): where an overlap may stop."""
    return find_cuts(lightness, CUT_THRESHOLD * SURE_CUT)


# ---------------------------------------------------------------------------- overlap

def overlap_frames(strength: float) -> int:
    """Frames computed before a range with smoothing ``strength`` (0: none).

    The smoother carries at most ``strength`` of the past into each frame, so after K
    frames what a different start left is below ``strength ** K``; K is chosen so that is
    under :data:`PAST_WEIGHT_LEFT` (far below one 8-bit step), and never under
    :data:`OVERLAP_MIN`.
    """
    if strength <= 0:
        return 0
    k = math.ceil(math.log(PAST_WEIGHT_LEFT) / math.log(strength))
    return min(OVERLAP_MAX, max(OVERLAP_MIN, k))


def overlap_start(start: int, overlap: int, cuts: Collection[int]) -> int:
    """Where the computing starts for a range starting at ``start``: ``overlap`` frames
    before it, or later at the last (sure) cut in between -- from a cut the smoother
    starts afresh in one run as well, so the frames before it do not matter."""
    if start <= 0 or overlap <= 0:
        return start
    lo = max(0, start - overlap)
    return max((c for c in cuts if lo < c <= start), default=lo)


# ---------------------------------------------------------------------------- reports

def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted numbers -> runs of consecutive ones, (first, last): [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def describe_runs(spans: list[tuple[int, int]], most: int = 6) -> str:
    """Runs as a user reads them: ``11-20, 35, 41-42`` (the first ``most``, then how many more)."""
    shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:most]]
    more = len(spans) - most
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
