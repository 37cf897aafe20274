"""Colorize and translate images of any size, one at a time or as a batch.

Colorize: lightness L of the input -> resized to the net's render size -> predicted
ab (small) -> the hint step (``core.colorize.hints``) -> bilinear upsampling to full size ->
recombined with the full-resolution L (``core.colorize.recombine``: every detail of the
original kept exactly) -> optional saturation -> RGB in the input's bit depth.  The hint and
recombination names are this module's too: every front end calls them through it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import protect as protection
from colorstudio.core.colorize.hints import (HINT_CAST, HINT_CAST_MIN, HINT_L_SIGMA, HINT_REACH,  # noqa: F401
                                             HINT_REACH_RANGE, Hint, HintReach, hint_weights, hinted_ab,
                                             propagate_hints, rasterize_hints, stamp_hints)
from colorstudio.core.colorize.recombine import DEFAULT_STRIP_ROWS, _split_alpha, compose, lightness  # noqa: F401
from colorstudio.core.restore import repair
from colorstudio.core.restore.repair import Repair



@dataclass
class Colorized:
    """Result of :func:`colorize`; ``ab_small`` lets saturation edits skip the network."""

    rgb: np.ndarray            # H x W x 3 (x4 with alpha), input's dtype
    ab_small: np.ndarray       # h x w x 2, Lab units, before saturation
    timings: dict[str, float] = field(default_factory=dict)
    note: str | None = None    # e.g. a device fallback the user must see
    repair: Repair | None = None   # the damage mended first (mask, probability), when asked
    mended: np.ndarray | None = None   # the input as it was coloured, when repaired: what a new
                                       # saturation is composed over (not the damaged original)
    hint_weights: np.ndarray | None = None   # (K, h, w) float16: where each hint's colour went
                                             # (propagate_hints), for the reach overlay


def net_size(shape: tuple[int, int], size: int, fixed: bool) -> tuple[int, int]:
    """(h, w) the net runs at: ``size`` square for fixed-size nets, else the long side
    scaled to ``size`` keeping the aspect ratio, rounded to a multiple of 32."""
    if fixed:
        return size, size
    h, w = shape
    s = size / max(h, w)
    r = lambda v: max(32, int(round(v * s / 32)) * 32)  # noqa: E731
    return r(h), r(w)


# Denoising of what the network sees (never of the result's lightness, which keeps every
# grain of the scan): non-local means of this strength (0-255 units) on the lightness at
# twice the network's size; "strong" adds a 3x3 median first, which takes out dust and
# hairline scratches -- so grain and dust do not become speckles of colour.
DENOISE = {"off": 0.0, "light": 5.0, "strong": 9.0}


def _denoised_l(img: np.ndarray, hw: tuple[int, int], mode: str) -> np.ndarray:
    h = DENOISE[mode]
    mid = (min(img.shape[0], 2 * hw[0]), min(img.shape[1], 2 * hw[1]))
    L = color.luminance(_split_alpha(cv2.resize(img, (mid[1], mid[0]), interpolation=cv2.INTER_AREA))[0])
    g8 = color.l_to_u8(L)
    if mode == "strong":
        g8 = cv2.medianBlur(g8, 3)
    g8 = cv2.fastNlMeansDenoising(g8, None, h, 5, 15)
    small = cv2.resize(color.u8_to_l(g8), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return small


def net_input_l(img: np.ndarray, hw: tuple[int, int], denoise: str = "off") -> np.ndarray:
    """Normalised lightness (1, 1, h, w) of ``img`` (gray, RGB or RGBA: the alpha is not
    looked at) resized (area) to ``hw``, denoised
    (:data:`DENOISE`) when asked."""
    if denoise not in DENOISE:
        raise ValueError(f"denoise must be one of {', '.join(DENOISE)}, not {denoise!r}")
    if DENOISE[denoise]:
        return color.normalize_l(_denoised_l(img, hw, denoise))[None, None].astype(np.float32)
    # The whole image resized, alpha and all, then the alpha dropped: resizing an RGBA image's
    # RGB view would make OpenCV copy the full-size view first.
    small, _ = _split_alpha(cv2.resize(img, (hw[1], hw[0]), interpolation=cv2.INTER_AREA))
    return color.normalize_l(color.luminance(small))[None, None].astype(np.float32)


def default_size(predictor) -> int:
    """A predictor's render size when the caller names none: its weights' own, else its family's."""
    spec = predictor.spec
    return int(getattr(predictor, "render_size", None) or (spec.input_size if spec else 256))


def net_input(predictor, image: np.ndarray, size: int | None = None,
              hints: Sequence[Hint] = (), denoise: str = "off") -> np.ndarray:
    """What the colorizer's network takes for ``image`` at render ``size``: (1, C, h, w)
    float32 -- the normalised L, then the hint planes for models that take hints."""
    spec = predictor.spec
    size = int(size or default_size(predictor))
    hw = net_size(image.shape[:2], size, bool(spec and spec.fixed_size))
    x = net_input_l(image, hw, denoise)
    if predictor.hint_planes:   # other colorizers take hints after the network (propagate_hints)
        x = np.concatenate([x, rasterize_hints(hints, hw)[None]], 1)
    return x


def confidence_map(predictor, image: np.ndarray, size: int | None = None, hints: Sequence[Hint] = (),
                   denoise: str = "off") -> np.ndarray | None:
    """Where the colorizer is sure of its colour and where it guesses (and so keeps the
    colour muted; a hint helps most there): (h, w) float32 at the network's bin-head
    resolution, 0 (guessing) .. 1 (sure); None for a model that cannot say."""
    return predictor.confidence(net_input(predictor, image, size, hints, denoise))


def ab_from_output(y: np.ndarray) -> np.ndarray:
    """The network's normalised ab (1, 2, h, w) -> (h, w, 2) float32 in Lab units."""
    return np.ascontiguousarray(color.denormalize_ab(y[0]).transpose(1, 2, 0), dtype=np.float32)


def predict_ab(predictor, image: np.ndarray, size: int | None = None,
               hints: Sequence[Hint] = (), denoise: str = "off", hint_reach: float = HINT_REACH) -> np.ndarray:
    """The network's ab for ``image`` at render ``size``: (h, w, 2) float32, Lab units;
    with hints, pulled to them over their regions (:func:`propagate_hints`, ``hint_reach``
    for hints without their own)."""
    x = net_input(predictor, image, size, hints, denoise)
    return hinted_ab(ab_from_output(predictor.predict_ab(x)), x, hints, hint_reach)


@dataclass
class NetworkMemo:
    """The network's no-hint answer for the last picture, so that a hint edit redoes only the
    hint step and the compose (a colorizer without hint planes does not see the hints; one with
    them runs again with the hints, and this answer is what a protected region keeps): the app
    passes one per view; a new picture, model, size, cleaning or repair runs the network."""

    held: tuple = ()                     # the picture, the network and the detector, by identity
    key: tuple = ()                      # the settings
    value: tuple | None = None           # (net input, network ab, mended image, repair)

    def get(self, held: tuple, key: tuple) -> tuple | None:
        same = len(held) == len(self.held) and all(a is b for a, b in zip(held, self.held))
        return self.value if same and key == self.key else None

    def put(self, held: tuple, key: tuple, value: tuple) -> None:
        self.held, self.key, self.value = held, key, value


def colorize(image: np.ndarray, predictor, size: int | None = None, saturation: float | color.Look = 1.0,
             hints: Sequence[Hint] = (), strip_rows: int = DEFAULT_STRIP_ROWS, denoise: str = "off",
             hint_reach: float = HINT_REACH, repairer=None, repair_mask: np.ndarray | None = None,
             memo: NetworkMemo | None = None, gray_mask: np.ndarray | None = None,
             protect_mask: np.ndarray | None = None, frame: bool = False) -> Colorized:
    """Colorize a gray (or colour: its lightness is used) image of any size and depth;
    ``denoise`` cleans what the network sees of a grainy or dusty scan (:data:`DENOISE`).

    ``repairer`` (a ``damage-unet`` runner) or ``repair_mask`` (the restorer's own, (H, W)):
    the scan's scratches, cracks and dust are filled first (``core.restore.repair``), and --
    the one exception to "the result keeps the input's lightness" -- the result's lightness
    is the repaired one.  ``memo``: the network's last answer for this very ``image`` is
    reused when only the hints (or saturation) changed.  ``gray_mask`` (H, W): where the
    user erased the colour.  ``protect_mask`` (H, W): where the hints change nothing -- the
    model's own no-hint colour is kept there (:func:`hinted_ab`); a network that takes hints
    then also runs without them, once per picture with a ``memo``.  ``frame``: the image is a
    frame of a shot (its hints carried from keyframes): the hints do not refit its palette, as
    the batch colours a shot's frames (a palette fitted frame by frame flickers)."""
    if image.size == 0:
        raise ValueError("the image is empty")
    protect = protection.checked(protect_mask, image.shape[:2])
    protect = protect if hints else None   # no hint: nothing to protect from
    t0 = time.perf_counter()
    before = predictor.fallback
    # A user's mask may change in place (the brush): with one, the network always runs.
    memo = memo if repair_mask is None else None
    hinted_net = bool(predictor.hint_planes and hints)   # the network itself sees the hints
    plain = None
    if hinted_net and protect is None:
        mended = None
        if repairer is not None or repair_mask is not None:
            image, mended = repair.repair_image(repairer, image, mask=repair_mask)
        x = net_input(predictor, image, size, hints, denoise)
        ab0 = ab_from_output(predictor.predict_ab(x))
    else:   # the network's no-hint answer: kept in the memo across hint edits
        held, key = (image, predictor, repairer), (size, denoise)
        kept = memo.get(held, key) if memo is not None else None
        if kept is not None:
            x, plain, image, mended = kept
        else:
            mended = None
            if repairer is not None or repair_mask is not None:
                image, mended = repair.repair_image(repairer, image, mask=repair_mask)
            x = net_input(predictor, image, size, (), denoise)
            plain = ab_from_output(predictor.predict_ab(x))
            if memo is not None:
                memo.put(held, key, (x, plain, image, mended))
        ab0 = plain
        if hinted_net:   # and a region protected: the hinted answer beside the kept no-hint one
            x = np.concatenate([x[:, :1], rasterize_hints(hints, x.shape[2:4])[None]], 1)
            ab0 = ab_from_output(predictor.predict_ab(x))
    weights = hint_weights(ab0, x[0, 0], hints, hint_reach, protect=protect) if hints else None
    ab_small = hinted_ab(ab0, x, hints, hint_reach, weights=weights, protect=protect, plain=plain, refit=not frame)
    t1 = time.perf_counter()
    rgb = compose(image, ab_small, saturation, strip_rows, gray=gray_mask)
    t2 = time.perf_counter()
    note = str(predictor.fallback) if predictor.fallback is not before else None
    return Colorized(rgb, ab_small, {"predict": t1 - t0, "compose": t2 - t1, "total": t2 - t0}, note, mended,
                     image if mended is not None else None,
                     None if weights is None else weights.shown.astype(np.float16))


def translate_input(labels: np.ndarray, predictor, size: int | None = None) -> np.ndarray:
    """Facade label map (RGB, any size) -> the translator's input (1, 3, size, size) in [-1, 1]."""
    size = int(size or default_size(predictor))
    img, _ = _split_alpha(labels)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, 2)
    small = cv2.resize(color.to_float01(img), (size, size), interpolation=cv2.INTER_NEAREST)
    return color.normalize_rgb(small.transpose(2, 0, 1)[None])


def translate_output(y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The translator's output (1, 3, s, s) in [-1, 1] -> uint8 RGB photo of ``shape[:2]``."""
    rgb = color.denormalize_rgb(y[0].transpose(1, 2, 0))
    H, W = shape[:2]
    if (H, W) != rgb.shape[:2]:
        rgb = cv2.resize(rgb, (W, H), interpolation=cv2.INTER_CUBIC)
    return color.from_float01(rgb, np.uint8)


def translate(labels: np.ndarray, predictor, size: int | None = None) -> np.ndarray:
    """Facade label map (RGB, any size) -> generated photo (uint8 RGB, same size)."""
    return translate_output(predictor.run(translate_input(labels, predictor, size)), labels.shape)
