"""The Shot tab's jobs (worker threads): decode a shot, carry its keyframe hints and
colorize the frame in view (or the frames ahead of the playhead), derive hints from a
reference still."""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from PySide6.QtGui import QImage

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import build_pyramid, to_qimage
from colorstudio.gui.reference_jobs import content_features

PREVIEW_SIDE = 480      # frames are kept at this long side for scrubbing (full size in Batch)
MAX_FRAMES = 900        # ~390 MB of previews; longer videos: split them into shots


@dataclass
class ShotData:
    """A decoded shot: preview frames, their work-size lightness, where they came from."""

    source: Path                       # the video file or the folder of frames
    files: list[Path]                  # the frame files ([] for a video)
    frames: list[np.ndarray]           # uint8 RGB previews
    lightness: list[np.ndarray]        # uint8 L at core.batch.shot.work_size (what the hints follow)
    fps: float = 0.0
    full_size: tuple[int, int] = (0, 0)    # (h, w) of the real frames

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class FrameResult:
    index: int
    display: list[QImage]              # pyramid of the colorized preview
    carried: list                      # the (x, y, rgb) hints this frame got (carried + its own)
    seconds: float
    device: str
    token: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    epoch: int = 0                     # the panel's colour epoch it was made in (its cache's key)


def _preview(img: np.ndarray) -> np.ndarray:
    import cv2

    from colorstudio.core.colorize.contact_sheet import to_rgb8

    rgb = to_rgb8(img)
    s = min(1.0, PREVIEW_SIDE / max(rgb.shape[:2]))
    if s < 1.0:
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * s), round(rgb.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return rgb


def open_shot(path: Path):
    """Generator: decode a video or a folder of frames; yields (done, total) and returns
    :class:`ShotData`.  Raises ValueError (one line) for what is not a shot."""
    from colorstudio.core.batch import frames as vid
    from colorstudio.core.batch import shot
    from colorstudio.core.batch import collect_inputs
    from colorstudio.core.io.imageio import read_image

    path = Path(path)
    files: list[Path] = []
    fps, total = 0.0, 0
    if path.is_file() and vid.is_video_file(path):
        info = vid.video_info(path)
        fps, total = info.fps, info.frame_count
        source = vid.iter_frames(path)
    elif path.is_dir():
        problems: list[str] = []
        files = collect_inputs([path], problems)
        if not files:
            raise ValueError(f"{path.name}: no image frames in this folder")
        total = len(files)
        source = (read_image(f) for f in files)
    else:
        raise ValueError(f"{path.name}: open a video file or a folder of frames")
    if total > MAX_FRAMES:
        raise ValueError(f"{path.name} has {total} frames; the shot view takes up to {MAX_FRAMES} "
                         "(split the video into shots, or colorize it in the Batch tab)")
    out = ShotData(path, files, [], [], fps)
    hw = None
    for i, img in enumerate(source):
        if i >= MAX_FRAMES:
            raise ValueError(f"{path.name} has more than {MAX_FRAMES} frames: split it into shots")
        if hw is None:
            out.full_size = img.shape[:2]
            hw = shot.work_size(*img.shape[:2])
        elif img.shape[:2] != out.full_size:
            raise ValueError(f"frame {i + 1} is {img.shape[1]}×{img.shape[0]}, the first "
                             f"{out.full_size[1]}×{out.full_size[0]}: the frames of a shot share one size")
        out.frames.append(_preview(img))
        out.lightness.append(shot.small_lightness(img, hw))
        yield (i + 1, total)
    if not out.frames:
        raise ValueError(f"{path.name}: no readable frames")
    return out


def keyframes_key(keyframes: dict[int, list]) -> tuple:
    """A canonical, hashable form of a shot's keyframes (frames without hints dropped)."""
    return tuple(sorted((int(k), tuple((float(x), float(y), tuple(int(c) for c in rgb)) for x, y, rgb in pts))
                        for k, pts in keyframes.items() if pts))


class PlanMemo:
    """The carried-hint plan of the last (shot, keyframes): optical flow over the whole shot
    costs as much as a frame's colour (a long shot: far more), so viewing or playing a
    frame reuses it and only a new shot or a keyframe edit carries the hints again.

    Thread-safe (the frame-in-view and the play-ahead workers share it); the shot is held
    weakly, so a closed shot's frames are not kept alive here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shot: weakref.ref | None = None
        self._key: tuple = ()
        self._plan: list[list[Any]] = []
        self.computed = 0                  # how many times the hints were carried (tests)

    def plan(self, data: ShotData, keyframes: dict[int, list]) -> list[list[Any]]:
        """Every frame's (x, y, rgb) hints; carried once per (shot, keyframes)."""
        from colorstudio.core.batch import shot

        key = keyframes_key(keyframes)
        with self._lock:            # a second asker waits for the first one's plan
            if self._shot is not None and self._shot() is data and self._key == key:
                return self._plan
            plan = shot.carry_hints(data.lightness, keyframes) if key else [[] for _ in data.frames]
            self.computed += 1
            self._shot, self._key, self._plan = weakref.ref(data), key, plan
            return plan

    def clear(self) -> None:
        with self._lock:
            self._shot, self._key, self._plan = None, (), []


plans = PlanMemo()


def _colour(pred, data: ShotData, plan: list[list[Any]], index: int, saturation: float,
            t0: float, t_plan: float, token: int, epoch: int) -> FrameResult:
    from colorstudio.core.colorize import pipeline
    from colorstudio.core.colorize.hintfile import to_hints

    res = pipeline.colorize(data.frames[index], pred, None, saturation, to_hints(plan[index]), frame=True)
    timings = dict(res.timings, plan=t_plan)
    return FrameResult(index, build_pyramid(to_qimage(res.rgb)), plan[index], time.perf_counter() - t0,
                       pred.device_name, token, timings, epoch)


def view_frame(cache: PredictorCache, key: str, device: str, data: ShotData, index: int,
               keyframes: dict[int, list], saturation: float, token: int, epoch: int = 0):
    """Generator: the keyframe hints carried over the shot (:data:`plans`), then frame
    ``index`` (its preview) colorized with the hints it gets."""
    t0 = time.perf_counter()
    plan = plans.plan(data, keyframes)
    t_plan = time.perf_counter() - t0
    yield "colorizing"
    pred = cache.get(key, device)
    res = _colour(pred, data, plan, index, saturation, t0, t_plan, token, epoch)
    yield "display"
    return res


def colour_ahead(cache: PredictorCache, key: str, device: str, data: ShotData, indices: Sequence[int],
                 keyframes: dict[int, list], saturation: float, epoch: int) -> Iterator[FrameResult]:
    """Generator: frames ``indices`` colorized in order, each yielded as it is done (the
    frames ahead of the playhead; cancelling stops it after the frame in hand)."""
    plan = plans.plan(data, keyframes)
    pred = cache.get(key, device)
    for i in indices:
        yield _colour(pred, data, plan, i, saturation, time.perf_counter(), 0.0, 0, epoch)


def full_plan(data: ShotData, keyframes: dict[int, list]) -> list[list[Any]]:
    """Every frame's pipeline hints (for colorizing the whole shot at full size)."""
    from colorstudio.core.batch import shot

    return shot.frame_hints(plans.plan(data, keyframes))


def shot_reference_job(data: ShotData, index: int, path: Path):
    """Hints from a reference still for the shot: when it is a coloured frame of this shot
    (its lightness matches one frame within ``reference.SAME_PICTURE_L``), hints by
    position on that frame; otherwise hints matched by content on frame ``index``.
    Returns (frame index, ``core.colorize.reference.ReferenceHints``)."""
    from colorstudio.core import color
    from colorstudio.core.colorize import reference
    from colorstudio.core.batch import shot
    from colorstudio.core.io.imageio import read_image

    ref = read_image(path)
    if ref.ndim != 3 or ref.shape[2] < 3:
        raise ValueError("the reference must be a colour picture")
    hw = data.lightness[0].shape
    L_ref = shot.small_lightness(ref, hw)
    errs = [color.mean_l_difference_u8(L, L_ref) for L in data.lightness]
    best = int(np.argmin(errs))
    same_ratio = abs(ref.shape[0] / ref.shape[1] - data.full_size[0] / data.full_size[1]) < 0.02
    at = best if same_ratio and errs[best] < reference.SAME_PICTURE_L else index
    res = reference.match_reference(data.frames[at], ref, features=content_features())
    if at != index or res.how == "same picture":
        res.how = f"frame {at + 1} of the shot, by position"
    return at, res
