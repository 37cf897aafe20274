"""Keyframe hints for a shot: colour a few frames, carry the hints through the others.

An animator places hints on any frames of a shot (keyframes).  :func:`carry_hints`
moves each keyframe's hints to the other frames by optical flow on the frames'
lightness -- forward and backward from the keyframe -- and drops a hint

* at a scene cut (the cut test of :class:`~colorstudio.core.colorize.smoothing.TemporalSmoother`),
* where the flow is unreliable: the forward-backward check fails (the point does not
  come back to where it started, e.g. it was occluded) or it leaves the frame,
* where the lightness under it changes too much from the keyframe's (another object
  moved in front).

A frame then gets the union of the hints carried to it (a keyframe: its own, then the
others'); where hints of two keyframes land on the same spot, the nearer keyframe's win
(the animator re-coloured it there).
Positions are fractions of the frame (as in hint files), so the plan does not depend
on the working size.

The flow is pyramidal Lucas-Kanade on the hint points, not the smoother's dense DIS
field: chained over 59 frames of a 2 px/frame pan, sampling DIS drifted 14 px off the
object, LK 0.3 px (``tests/core/test_shot.py`` holds the pan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import cv2
import numpy as np

from colorstudio.core import color

Point = tuple[float, float, tuple[int, int, int]]     # x, y (fractions), rgb 0-255

WORK_SIDE = 192            # long side of the lightness frames the flow runs on
CUT_THRESHOLD = 25.0       # mean |ΔL| (0-100) between frames that means a new shot
FB_TOLERANCE = 0.012       # forward-backward error allowed, as a fraction of the long side
L_TOLERANCE = 18.0         # |L under the hint - L at its keyframe| allowed (occlusion)
MERGE_RADIUS = 0.04        # hints of two keyframes closer than this (fraction) are one hint


def work_size(h: int, w: int, side: int = WORK_SIDE) -> tuple[int, int]:
    """(h, w) of the working lightness frames: long side ``side`` (never upscaled)."""
    s = min(1.0, side / max(h, w))
    return max(8, round(h * s)), max(8, round(w * s))


def small_lightness(frame: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """A frame (any layout and depth) -> uint8 lightness (``color.l_to_u8``) at ``hw``: what the
    flow runs on, kept as bytes so a long shot fits in memory (~37 KB a frame)."""
    img = frame
    if img.ndim == 3 and img.shape[2] in (2, 4):
        img = img[:, :, 0] if img.shape[2] == 2 else img[:, :, :3]
    small = cv2.resize(img, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return color.l_to_u8(color.luminance(small))


def is_cut(a: np.ndarray, b: np.ndarray, threshold: float = CUT_THRESHOLD) -> bool:
    """A scene cut between two uint8 lightness frames (mean |ΔL| in L units)."""
    return color.mean_l_difference_u8(a, b) > threshold


LK = dict(winSize=(21, 21), maxLevel=3,
          criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))


def _track(a: np.ndarray, b: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of frame ``a`` followed into frame ``b`` by pyramidal Lucas-Kanade, and
    whether each passed the forward-backward check (it comes back to where it started)."""
    nxt, ok1, _ = cv2.calcOpticalFlowPyrLK(a, b, pts, None, **LK)
    back, ok2, _ = cv2.calcOpticalFlowPyrLK(b, a, nxt, None, **LK)
    tol = FB_TOLERANCE * max(a.shape)
    fb = np.linalg.norm(back - pts, axis=-1).ravel()
    return nxt, (ok1.ravel() == 1) & (ok2.ravel() == 1) & (fb <= tol)


def _sample(field: np.ndarray, x: float, y: float) -> np.ndarray:
    """Bilinear sample of an (h, w, c) or (h, w) field at pixel (x, y)."""
    h, w = field.shape[:2]
    x = min(max(x, 0.0), w - 1.001)
    y = min(max(y, 0.0), h - 1.001)
    x0, y0 = int(x), int(y)
    fx, fy = x - x0, y - y0
    f = field.astype(np.float32, copy=False)
    top = f[y0, x0] * (1 - fx) + f[y0, x0 + 1] * fx
    bot = f[y0 + 1, x0] * (1 - fx) + f[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bot * fy


@dataclass
class _Track:
    key: int              # keyframe index
    x: float              # pixel position in the working frame
    y: float
    rgb: tuple[int, int, int]
    L0: float             # lightness (uint8 scale) under the hint at its keyframe


def _sweep(L: Sequence[np.ndarray], keyframes: dict[int, Sequence[Point]], order: range
           ) -> dict[int, list[tuple[int, float, float, tuple[int, int, int]]]]:
    """Carry every keyframe's hints along ``order`` (forward or backward in time).

    Returns frame -> [(keyframe, x_px, y_px, rgb)] for the frames reached by hints of
    other keyframes (a keyframe's own hints start there, exactly where they were put)."""
    h, w = L[0].shape
    tracks: list[_Track] = []
    out: dict[int, list] = {}
    prev = None
    for t in order:
        if prev is not None and tracks:
            if is_cut(L[prev], L[t]):
                tracks = []
            else:
                pts = np.array([[[tr.x, tr.y]] for tr in tracks], np.float32)
                nxt, ok = _track(L[prev], L[t], pts)
                kept = []
                for tr, (nx, ny), good in zip(tracks, nxt[:, 0], ok):
                    if not good or not (0 <= nx <= w - 1 and 0 <= ny <= h - 1):
                        continue              # lost, occluded, or left the frame
                    if abs(float(_sample(L[t], nx, ny)) - tr.L0) > L_TOLERANCE * color.U8_PER_L:
                        continue              # something else is under the hint now
                    tr.x, tr.y = float(nx), float(ny)
                    kept.append(tr)
                tracks = kept
            if tracks:
                out[t] = [(tr.key, tr.x, tr.y, tr.rgb) for tr in tracks]
        if t in keyframes:
            for x, y, rgb in keyframes[t]:
                px, py = x * (w - 1), y * (h - 1)
                tracks.append(_Track(t, px, py, tuple(rgb), float(_sample(L[t], px, py))))
        prev = t
    return out


def carry_hints(L: Sequence[np.ndarray], keyframes: dict[int, Sequence[Point]],
                still: Sequence[Point] = ()) -> list[list[Point]]:
    """Hints for every frame of a shot (see the module docstring).

    ``L``: the shot's frames as uint8 lightness of one size (:func:`small_lightness`);
    ``keyframes``: frame index (0-based) -> hints placed on it; ``still``: hints that
    apply, unmoved, to every frame (a plain still-hint file).  Returns, per frame, the
    list of (x, y, rgb) with x, y fractions of the frame.
    """
    n = len(L)
    if n == 0:
        return []
    bad = [k for k in keyframes if not 0 <= k < n]
    if bad:
        raise ValueError(f"keyframe {bad[0] + 1} is outside the shot of {n} frames")
    h, w = L[0].shape
    fwd = _sweep(L, keyframes, range(n))
    bwd = _sweep(L, keyframes, range(n - 1, -1, -1))
    radius = MERGE_RADIUS * max(h, w)
    plan: list[list[Point]] = []
    for t in range(n):
        # A keyframe's own hints first, exactly; then the others' carried ones, nearest
        # keyframe first, each spot hinted once (so a keyframe does not lose the colours
        # carried to its neighbours: no flicker at keyframes).
        chosen = [(x * (w - 1), y * (h - 1), tuple(rgb)) for x, y, rgb in keyframes.get(t, ())]
        cands = sorted(fwd.get(t, []) + bwd.get(t, []), key=lambda c: abs(c[0] - t))
        for _k, x, y, rgb in cands:
            if all(np.hypot(x - cx, y - cy) > radius for cx, cy, _ in chosen):
                chosen.append((x, y, rgb))
        pts = [(float(x / max(1, w - 1)), float(y / max(1, h - 1)), rgb) for x, y, rgb in chosen]
        plan.append(pts + [(x, y, tuple(rgb)) for x, y, rgb in still])
    return plan


def plan_frames(frames: Iterable[np.ndarray | None], keyframes: dict[int, Sequence[Point]],
                still: Sequence[Point] = ()) -> list[list[Point]]:
    """:func:`carry_hints` over decoded frames (any size; the first one fixes the work size).
    A frame that could not be read (None) is a black frame here: a cut, so no hint is carried
    through it, and the batch reports that frame itself -- one damaged frame does not stop
    the shot."""
    L: list[np.ndarray | None] = []
    hw = None
    for f in frames:
        if f is not None and hw is None:
            hw = work_size(*f.shape[:2])
        L.append(None if f is None else small_lightness(f, hw))
    if hw is None:
        return [[] for _ in L]
    black = np.zeros(hw, np.uint8)
    return carry_hints([black if x is None else x for x in L], keyframes, still)


def frame_hints(plan: Sequence[Sequence[Point]]) -> list[list]:
    """A plan's points -> each frame's pipeline hints (colour as Lab ab)."""
    from colorstudio.core.colorize.hintfile import to_hints

    return [to_hints(points) for points in plan]


def plan_files(files: Sequence, keyframes: dict[int, Sequence[Point]], still: Sequence[Point] = (),
               max_pixels: int | None = None) -> list[list]:
    """Each frame's hints for a folder of frames (the files in order): read once at the
    work size to follow the keyframes' hints, before the frames are colorized."""
    from colorstudio.core.io import imageio

    kw = {} if max_pixels is None else {"max_pixels": max_pixels}

    def read(f):
        try:
            return imageio.read_image(f, **kw)
        except (imageio.ImageReadError, OSError):
            return None   # the batch reports this frame; the others keep their hints

    return frame_hints(plan_frames((read(f) for f in files), keyframes, still))


def plan_video(path, keyframes: dict[int, Sequence[Point]], still: Sequence[Point] = ()) -> list[list]:
    """Each frame's hints for a video file (decoded once more, ahead of colorizing)."""
    from colorstudio.core.batch import frames

    return frame_hints(plan_frames(frames.iter_frames(path), keyframes, still))
