"""The Colorize tab's jobs: what runs in its workers (reading, loading a model, the
network, full-resolution composing, display conversion, writing) and what they return.

Plain functions and generators over core; every ``yield`` is a point where a newer
request may cancel the job (see :class:`~colorstudio.gui.workers.LatestRunner`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QImage

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import display_pyramid, to_qimage


@dataclass
class OpenedImage:
    path: Path | None
    image: np.ndarray
    display: list[QImage]     # pyramid for the view, built in the worker
    token: int
    colour: bool = False      # the file had colours (shown, and colorized, by lightness)


@dataclass
class RunOutput:
    """A result ready to show: the pipeline's Colorized plus its display image."""

    colorized: Any            # core.colorize.pipeline.Colorized
    display: list[QImage]     # pyramid for the view: [full, 1/2, 1/4, ...]
    model: str
    device: str
    kind: str                 # 'run' (network) or 'compose' (saturation only)
    token: int                # which opened image it belongs to
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    guess: QImage | None = None   # where the model guesses (guess_overlay), when asked for

    @property
    def qimage(self) -> QImage:
        """The full-size display image (8 bits per channel)."""
        return self.display[0]


@dataclass
class LoadedModel:
    model: str
    device: str


@dataclass
class CompareFinished:
    """The end of a compare job (every model of it has answered)."""

    token: int


def describe_image(img: np.ndarray) -> str:
    """'1024×768 · 16-bit RGBA' for the status bar."""
    h, w = img.shape[:2]
    ch = 1 if img.ndim == 2 else img.shape[2]
    kind = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}.get(ch, f"{ch} channels")
    depth = {np.dtype(np.uint8): "8-bit", np.dtype(np.uint16): "16-bit"}.get(img.dtype, "float")
    return f"{w}×{h} · {depth} {kind}"


def has_colour(img: np.ndarray) -> bool:
    """True when an RGB(A) image is not gray (R, G and B differ somewhere)."""
    if img.ndim != 3 or img.shape[2] < 3:
        return False
    step = max(1, int(np.sqrt(img.shape[0] * img.shape[1] / 250_000)))  # sample big images
    rgb = img[::step, ::step, :3]
    return bool(np.any(rgb[..., 0] != rgb[..., 1]) or np.any(rgb[..., 1] != rgb[..., 2]))


def opened(path: Path | None, img: np.ndarray, token: int) -> OpenedImage:
    """The input as the model sees it: colour photos are shown by their lightness only
    (exactly the output at zero saturation), so the comparison is honest."""
    colour = has_colour(img)
    shown = img
    if colour:
        from colorstudio.core.colorize import pipeline

        shown = pipeline.compose(img, np.zeros((1, 1, 2), np.float32), 1.0)
    return OpenedImage(path, img, display_pyramid(shown), token, colour)


def read_job(path: Path, token: int) -> OpenedImage:
    from colorstudio.core.io.imageio import read_image

    return opened(path, read_image(path), token)


def wrap_job(image: np.ndarray, name: str, token: int) -> OpenedImage:
    return opened(None, image, token)


def load_job(cache: PredictorCache, name: str, device: str) -> LoadedModel:
    return LoadedModel(name, cache.get(name, device).device_name)


GUESS_RGB = (255, 40, 190)   # the tint of "the model guesses here": a colour no photo area keeps
GUESS_ALPHA = 130


def guess_overlay(confidence: np.ndarray) -> QImage:
    """The model's confidence (h, w; 0 guessing .. 1 sure) as a translucent tint where it guesses."""
    h, w = confidence.shape
    arr = np.empty((h, w, 4), np.uint8)
    arr[..., :3] = GUESS_RGB
    arr[..., 3] = np.clip((1.0 - confidence) * GUESS_ALPHA + 0.5, 0, 255).astype(np.uint8)
    return to_qimage(arr)


@dataclass(frozen=True)
class RepairRequest:
    """Mend the photo before colouring: with the user's own ``mask`` (H, W) when there is one,
    else with what the ``detector`` (a restore model's cache key) finds."""

    detector: str | None
    mask: np.ndarray | None = None


_MEMO = None   # the network's last answer (pipeline.NetworkMemo): a hint edit redoes only the hint step


@dataclass
class Suggested:
    """The likely colours at ``point``: [(rgb, probability)], or a ``note`` why there are none."""

    point: tuple[float, float]
    swatches: list
    note: str = ""
    token: int = 0


_DIST: tuple = ((), (), None)   # (the picture and the model, by identity; settings; Distribution)


def suggest_job(cache: PredictorCache, name: str, device: str, image: np.ndarray, size: int, denoise: str,
                point: tuple[float, float], token: int, k: int = 6):
    """Generator: the model's most likely colours at ``point`` (``core.colorize.suggest``);
    the photo's colour distribution is computed once and kept for the next points."""
    global _DIST
    from colorstudio.core.colorize import suggest

    pred = cache.get(name, device)
    yield "suggesting"
    held, key = (image, pred), (size, denoise)
    same = len(_DIST[0]) == 2 and all(a is b for a, b in zip(held, _DIST[0])) and _DIST[1] == key
    try:
        dist = _DIST[2] if same else suggest.colour_distribution(pred, image, size or None, (), denoise)
    except suggest.NoColourDistribution:
        return Suggested(point, [], "No suggested colours: this model gives one colour per pixel, "
                                    "not a distribution (the default effnet-unet does).", token)
    _DIST = (held, key, dist)
    yield "suggesting"
    found = suggest.suggest_from(dist, point, suggest.lightness_at(image, point), k)
    return Suggested(point, [(s.rgb, s.probability) for s in found], "", token)


def forget_network() -> None:
    """The next run runs the network even for the same image and settings ("Run again")."""
    if _MEMO is not None:
        _MEMO.put((), (), None)


def run_job(cache: PredictorCache, name: str, device: str, image: np.ndarray, size: int,
         saturation: float, hints: list, token: int, denoise: str = "off", hint_reach: float | None = None,
         guessing: bool = False, repair: RepairRequest | None = None, gray: np.ndarray | None = None,
         protect: np.ndarray | None = None):
    """Generator: every yield is a point where a newer request may cancel this one.  ``gray``:
    where the user erased the colour (the gray brush); ``protect``: where the hints change
    nothing (the protect brush)."""
    from colorstudio.core.colorize import pipeline

    t0 = time.perf_counter()
    yield "loading model"
    pred = cache.get(name, device)
    repairer = None
    if repair is not None and repair.mask is None and repair.detector:
        repairer = cache.get(repair.detector, device)
    t_load = time.perf_counter() - t0
    yield "colorizing"
    global _MEMO
    if _MEMO is None:
        _MEMO = pipeline.NetworkMemo()
    res = pipeline.colorize(image, pred, size or None, saturation, hints, denoise=denoise,
                            hint_reach=pipeline.HINT_REACH if hint_reach is None else hint_reach,
                            repairer=repairer, repair_mask=None if repair is None else repair.mask, memo=_MEMO,
                            gray_mask=gray, protect_mask=protect)
    yield "display"
    q = display_pyramid(res.rgb)
    timings = dict(res.timings)
    if t_load > 0.05:
        timings["load"] = t_load
    guess = None
    if guessing:
        yield "confidence"
        seen = res.mended if res.mended is not None else image
        conf = pipeline.confidence_map(pred, seen, size or None, hints, denoise)
        guess = None if conf is None else guess_overlay(conf)
    return RunOutput(res, q, name, pred.device_name, "run", token, time.perf_counter() - t0, timings, guess)


def compose_job(colorized, image: np.ndarray, saturation, model: str, device: str, token: int,
                gray: np.ndarray | None = None):
    """The last run's colour composed again (a new saturation, balance or gray mask): no network."""
    from colorstudio.core.colorize import pipeline

    t0 = time.perf_counter()
    mended = colorized.mended   # a repaired run: its saturation is the mended photo's, not the damaged one's
    rgb = pipeline.compose(image if mended is None else mended, colorized.ab_small, saturation, gray=gray)
    yield "display"
    q = display_pyramid(rgb)
    dt = time.perf_counter() - t0
    out = pipeline.Colorized(rgb, colorized.ab_small, {"compose": dt}, None, colorized.repair, mended,
                             getattr(colorized, "hint_weights", None))
    return RunOutput(out, q, model, device, "compose", token, dt, {"compose": dt})


def write_job(path: Path, rgb: np.ndarray, protect: list[Path], source: Path | None = None) -> Path:
    """Write ``rgb``; ``source`` (the opened file) lends it its DPI, EXIF and ICC profile."""
    from colorstudio.core.io.image_meta import read_meta
    from colorstudio.core.io.imageio import write_image

    return write_image(path, rgb, protect=protect, meta=read_meta(source) if source else None)


def write_mask_job(hints_path: Path, mask: np.ndarray) -> Path:
    """The damage mask beside the hint file at ``hints_path`` (``core.restore.maskfile``)."""
    from colorstudio.core.restore.maskfile import mask_path, write_mask

    return write_mask(mask_path(hints_path), mask)


def forget_mask_job(hints_path: Path) -> Path | None:
    """Hints saved without a mask: the older mask file beside them goes (``maskfile.forget_beside``)."""
    from colorstudio.core.restore.maskfile import forget_beside

    return forget_beside(hints_path)


def read_mask_job(hints_path: Path, shape: tuple[int, int], token: int) -> tuple[Path, np.ndarray | None, int]:
    """(its path, the damage mask saved with the hints at ``hints_path`` or None, ``token``);
    MaskFileError for one that is unreadable or not of ``shape``."""
    from colorstudio.core.restore.maskfile import mask_path, read_beside

    return mask_path(hints_path), read_beside(hints_path, shape), token


def write_colour_masks_job(hints_path: Path, masks: dict) -> tuple[list[Path], list[Path]]:
    """The gray and protect masks beside the hint file at ``hints_path``, an unpainted one's old
    file removed: (written, removed) (``core.colorize.hintfile.write_masks``)."""
    from colorstudio.core.colorize.hintfile import write_masks

    return write_masks(hints_path, masks)


def read_colour_masks_job(hints_path: Path, shape: tuple[int, int], token: int) -> tuple[dict, int]:
    """(the gray and protect masks saved with the hints at ``hints_path``, by kind, ``token``);
    MaskFileError for one that is unreadable or not of ``shape``."""
    from colorstudio.core.colorize.hintfile import read_masks

    return read_masks(hints_path, shape), token


def write_view_job(path: Path, view: str, image: np.ndarray, rgb: np.ndarray, ab_small: np.ndarray,
                   saturation: float, position: float, protect: list[Path], source: Path | None = None,
                   gray: np.ndarray | None = None) -> Path:
    """The result (``view`` 'result') or one of ``core.colorize.views.EXTRA_VIEWS``, at full
    resolution (``gray``: the erased region, neutral in the colour layer too)."""
    if view != "result":
        from colorstudio.core.colorize.views import extra_view

        rgb = extra_view(view, image, rgb, ab_small, saturation, position, gray=gray)
    return write_job(path, rgb, protect, source)


@dataclass
class CompareJob:
    """One model of a compare request: its cache key, render size, and whether hints apply."""

    key: str
    size: int | None
    hints: bool


def run_many(cache: PredictorCache, jobs: list[CompareJob], device: str, image: np.ndarray,
             saturation: float, hints: list, token: int, denoise: str = "off", hint_reach: float | None = None,
             repair: RepairRequest | None = None, gray: np.ndarray | None = None,
             protect: np.ndarray | None = None):
    """Generator: each model in turn; yields ``('loading', key, i, n)`` while a model
    loads (seconds, once: the grid says so instead of a silent "colorizing"),
    ``('running', key)``, then ``('done', key, RunOutput)`` or ``('failed', key,
    message)``, so the grid fills as results come and one model's failure leaves the
    others.  Every setting that changes a result applies to every tile as to the single result:
    saturation, hints and their reach, the gray and protect brushes, the scan cleaning (``denoise``)
    and the repair (done once, before the first model: every tile colours the same mended photo).  Returns
    :class:`CompareFinished`."""
    from colorstudio.core.colorize import pipeline
    from colorstudio.core.restore import repair as restore
    from colorstudio.gui.workers import error_message

    if repair is not None:
        try:
            runner = cache.get(repair.detector, device) if repair.mask is None and repair.detector else None
            if runner is not None or repair.mask is not None:
                image, _ = restore.repair_image(runner, image, mask=repair.mask)
        except Exception as exc:  # noqa: BLE001 -- every tile says why
            for job in jobs:
                yield ("failed", job.key, f"repair: {error_message(exc)}", token)
            return CompareFinished(token)

    for i, job in enumerate(jobs, start=1):
        t0 = time.perf_counter()
        try:
            if cache.cached(job.key, device) is None:
                yield ("loading", job.key, i, len(jobs))
            pred = cache.get(job.key, device)
            t_load = time.perf_counter() - t0
            yield ("running", job.key)
            res = pipeline.colorize(image, pred, job.size, saturation, hints if job.hints else [], denoise=denoise,
                                    hint_reach=pipeline.HINT_REACH if hint_reach is None else hint_reach,
                                    gray_mask=gray, protect_mask=protect)
            q = display_pyramid(res.rgb)
        except Exception as exc:  # noqa: BLE001 -- reported in the model's cell
            yield ("failed", job.key, error_message(exc), token)
            continue
        timings = dict(res.timings)
        if t_load > 0.05:
            timings["load"] = t_load
        seconds = res.timings.get("total", time.perf_counter() - t0)
        yield ("done", job.key, RunOutput(res, q, job.key, pred.device_name, "run", token, seconds, timings))
    return CompareFinished(token)
