"""Colorize and translate images of any size, one at a time or as a batch.

Colorize: lightness L of the input -> resized to the net's render size -> predicted
ab (small) -> bilinear upsampling to full size -> recombined with the full-resolution
L (so every detail of the original is kept exactly) -> optional saturation -> RGB in
the input's bit depth.  The full-resolution work runs in strips of rows, so a
100-megapixel scan needs little more memory than its input and output.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import hint_spread
from colorstudio.core.colorize.edges import guided_upsample
from colorstudio.core.restore import repair
from colorstudio.core.restore.repair import Repair

DEFAULT_STRIP_ROWS = 1024


@dataclass(frozen=True)
class Hint:
    """A user colour hint: position as fractions of width/height, colour as Lab ab;
    ``reach``: how far it pulls the colours around it, as a fraction of the long side
    (None: the caller's, by default :data:`HINT_REACH`)."""

    x: float
    y: float
    a: float
    b: float
    reach: float | None = None

    @classmethod
    def from_rgb(cls, x: float, y: float, rgb: Sequence[float], reach: float | None = None) -> "Hint":
        """rgb as 0-255 ints or 0-1 floats."""
        arr = np.asarray(rgb, np.float32).reshape(1, 1, 3)
        if arr.max() > 1.0:
            arr = arr / 255.0
        lab = color.rgb_to_lab(arr)[0, 0]
        return cls(float(x), float(y), float(lab[1]), float(lab[2]), reach)


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


def _split_alpha(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if img.ndim == 3 and img.shape[2] == 4:
        return img[:, :, :3], img[:, :, 3]
    if img.ndim == 3 and img.shape[2] == 2:  # gray + alpha
        return img[:, :, 0], img[:, :, 1]
    return img, None


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
    L = color.luminance(cv2.resize(img, (mid[1], mid[0]), interpolation=cv2.INTER_AREA))
    g8 = color.l_to_u8(L)
    if mode == "strong":
        g8 = cv2.medianBlur(g8, 3)
    g8 = cv2.fastNlMeansDenoising(g8, None, h, 5, 15)
    small = cv2.resize(color.u8_to_l(g8), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return small


def net_input_l(img: np.ndarray, hw: tuple[int, int], denoise: str = "off") -> np.ndarray:
    """Normalised lightness (1, 1, h, w) of ``img`` resized (area) to ``hw``, denoised
    (:data:`DENOISE`) when asked."""
    if denoise not in DENOISE:
        raise ValueError(f"denoise must be one of {', '.join(DENOISE)}, not {denoise!r}")
    if DENOISE[denoise]:
        return color.normalize_l(_denoised_l(img, hw, denoise))[None, None].astype(np.float32)
    small = cv2.resize(img, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return color.normalize_l(color.luminance(small))[None, None].astype(np.float32)


def rasterize_hints(hints: Iterable[Hint], hw: tuple[int, int], radius: int = 1) -> np.ndarray:
    """Hints -> (3, h, w): ab_norm at each hint (a (2r+1)^2 patch), then a 0/1 mask."""
    h, w = hw
    out = np.zeros((3, h, w), np.float32)
    for hint in hints:
        cx = int(np.clip(round(hint.x * w - 0.5), 0, w - 1))
        cy = int(np.clip(round(hint.y * h - 0.5), 0, h - 1))
        ys, xs = slice(max(0, cy - radius), cy + radius + 1), slice(max(0, cx - radius), cx + radius + 1)
        out[0, ys, xs] = color.normalize_ab(hint.a)
        out[1, ys, xs] = color.normalize_ab(hint.b)
        out[2, ys, xs] = 1.0
    return out


def net_input(predictor, image: np.ndarray, size: int | None = None,
              hints: Sequence[Hint] = (), denoise: str = "off") -> np.ndarray:
    """What the colorizer's network takes for ``image`` at render ``size``: (1, C, h, w)
    float32 -- the normalised L, then the hint planes for models that take hints."""
    spec = predictor.spec
    size = int(size or (spec.input_size if spec else 256))
    img, _ = _split_alpha(image)
    hw = net_size(img.shape[:2], size, bool(spec and spec.fixed_size))
    x = net_input_l(img, hw, denoise)
    if predictor.hint_planes:   # other colorizers take hints after the network (propagate_hints)
        x = np.concatenate([x, rasterize_hints(hints, hw)[None]], 1)
    return x


HINT_REACH = 0.3       # of the long side: how far a hint pulls the colours around it (flat ground)
HINT_REACH_RANGE = (0.01, 0.5)
HINT_L_SIGMA = 100.0   # L units: the lightness step that stops a hint (the domain transform's range)
HINT_CAST = 1.0        # how much hints that agree on a shift move the rest of the picture
HINT_CAST_MIN = 5      # hints it takes to say the whole palette is off (fewer colour things, not a cast)


def hint_weights(ab: np.ndarray, l_norm: np.ndarray, hints: Sequence[Hint], reach: float = HINT_REACH,
                 l_sigma: float = HINT_L_SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """Where each hint's colour goes on the network's grid: (its (y, x) cells (K, 2), its
    weights (K, h, w) in [0, 1]) -- what :func:`propagate_hints` applies and the hint
    editor's reach overlay shows."""
    h, w = ab.shape[:2]
    L = color.denormalize_l(np.asarray(l_norm, np.float32))
    if L.shape != (h, w):
        L = cv2.resize(L, (w, h), interpolation=cv2.INTER_AREA)
    pts = np.array([[int(np.clip(round(t.y * h - 0.5), 0, h - 1)), int(np.clip(round(t.x * w - 0.5), 0, w - 1))]
                    for t in hints], np.int64).reshape(-1, 2)
    sig = np.array([max(1.0, (t.reach if t.reach is not None else reach) * max(h, w)) for t in hints], np.float32)
    return pts, hint_spread.reach_weights(pts, L, ab, sig, l_sigma=l_sigma)


def propagate_hints(ab: np.ndarray, l_norm: np.ndarray, hints: Sequence[Hint],
                    reach: float = HINT_REACH, l_sigma: float = HINT_L_SIGMA,
                    weights: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Pull the predicted ab (h, w, 2) to each hint's colour over the thing it is put on
    (``l_norm``: the network's (h, w) lightness input).

    Any colorizer takes hints through this step: each hint's residual (its colour minus
    the prediction at it) is added with an edge-aware weight (:func:`hint_spread.reach_weights`:
    1 at the hint, falling with the distance along the image and faster across edges of the
    lightness and of the network's own colour), so a hint spreads over its region and stops
    where the network sees another thing.  Where several hints reach a pixel, the nearest
    and most alike leads (weights to the 4th power, averaged).  Several hints that agree on
    one shift (the whole palette is off) move the rest of the picture by as much as they
    agree (five or more: a few hints on warm things -- hair, skin, a coat -- are not a cast).
    ``weights``: :func:`hint_weights` of these inputs, when the caller has them.
    """
    if not hints:
        return ab
    pts, wts = weights if weights is not None else hint_weights(ab, l_norm, hints, reach, l_sigma)
    resid = np.array([[t.a, t.b] for t in hints], np.float32) - ab[pts[:, 0], pts[:, 1]]
    mix = wts ** 4   # where hints overlap, the nearest and most alike one leads
    num = np.tensordot(mix, resid, axes=(0, 0))
    den = mix.sum(0)
    wmax = wts.max(0)
    out = ab + num * (wmax / np.maximum(den, 1e-30))[:, :, None]
    if len(hints) >= HINT_CAST_MIN and HINT_CAST:
        # Several hints that agree on a shift (the picture's palette is off, not one thing's
        # colour) shift the rest of the picture too, as far as they agree.
        med = np.median(resid, 0)
        spread = np.median(np.linalg.norm(resid - med, axis=1))
        agree = float(np.clip(1.0 - spread / max(1e-6, float(np.linalg.norm(med))), 0.0, 1.0))
        out += (HINT_CAST * agree * (1.0 - wmax))[:, :, None] * med
    return stamp_hints(out.astype(np.float32, copy=False), hints)   # the dots: exactly their colour


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


def hinted_ab(ab: np.ndarray, x: np.ndarray, hints: Sequence[Hint], reach: float = HINT_REACH,
              edges: bool = True, weights: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The network's ab for input ``x`` finished as every caller (single image, batch,
    video) finishes it: the hints made to land, then (``edges``) upsampled to the input's
    size along the edges of its lightness (:func:`edges.guided_upsample`)."""
    if hints:
        l_norm = x[0, 0]
        if l_norm.shape != ab.shape[:2]:
            l_norm = cv2.resize(l_norm, (ab.shape[1], ab.shape[0]), interpolation=cv2.INTER_AREA)
        ab = propagate_hints(ab, l_norm, hints, reach, weights=weights)
    ab_h = ab.shape[0]
    if edges and x.shape[2:4] != ab.shape[:2]:
        ab = guided_upsample(ab, color.denormalize_l(x[0, 0]))
        if hints:   # the upsampling's windows must not blur the dots away: the same dot, on this grid
            stamp_hints(ab, hints, radius=max(1, round(1.5 * x.shape[2] / max(1, ab_h))))
    return ab


def stamp_hints(ab: np.ndarray, hints: Sequence[Hint], radius: int = 1) -> np.ndarray:
    """The dot each hint puts down ((2 radius + 1)^2 cells of ``ab``, (h, w, 2)) set to exactly
    its colour, in place: a hint always lands where it is put."""
    h, w = ab.shape[:2]
    r = int(radius)
    for t in hints:
        cy = int(np.clip(round(t.y * h - 0.5), 0, h - 1))
        cx = int(np.clip(round(t.x * w - 0.5), 0, w - 1))
        ab[max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1] = (t.a, t.b)
    return ab


def _linear_weights(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of bilinear resizing (half-pixel centres, edge clamp)."""
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    pos = np.clip(pos, 0, n_in - 1)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (pos - i0).astype(np.float32)


_STRIP_PIXELS = 1 << 21   # at most ~2 MP per strip: ~60 MB of float temporaries at any width
_PARALLEL_PIXELS = 1 << 20
_LUTS: dict[str, np.ndarray] = {}
_POOL = None
_POOL_LOCK = threading.Lock()


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _pool():
    """A small shared thread pool: numpy and OpenCV release the GIL on big arrays."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(_workers(), thread_name_prefix="compose")
        return _POOL


def _gray_lut(dtype: np.dtype) -> np.ndarray:
    """L of every uint8/uint16 gray value, computed by color.luminance itself (so exact)."""
    key = np.dtype(dtype).str
    lut = _LUTS.get(key)
    if lut is None:
        n = 256 if dtype == np.uint8 else 65536
        lut = _LUTS[key] = color.luminance(np.arange(n, dtype=dtype)[None])[0]
    return lut


def lightness(img: np.ndarray) -> np.ndarray:
    """L of a gray, gray+alpha, RGB or RGBA image, exactly as ``color.luminance`` computes
    it; 8/16-bit grays go through a lookup table (20x faster than the formula)."""
    img, _ = _split_alpha(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2 and img.dtype in (np.uint8, np.uint16):
        lut = _gray_lut(img.dtype)
        return cv2.LUT(np.ascontiguousarray(img), lut) if img.dtype == np.uint8 else lut[img]
    return color.luminance(img)


def _store(rgb: np.ndarray, dst: np.ndarray) -> None:
    """``dst[...] = color.from_float01(rgb, dst.dtype)`` without the temporaries (same
    values) for ``rgb`` in [0, 1] (``color.lab_to_rgb`` clips), which it overwrites."""
    if dst.dtype == np.uint8 or dst.dtype == np.uint16:
        np.multiply(rgb, np.float32(255.0 if dst.dtype == np.uint8 else 65535.0), out=rgb)
        np.add(rgb, np.float32(0.5), out=rgb)
    dst[...] = rgb  # float -> int truncation, as astype() does


def _compose_strip(img, L, abw, y0, y1, wy, r0, r1, dst) -> None:
    """Rows r0:r1: vertical ab lerp, merge with L, Lab -> RGB -> dst.

    Every output row is computed exactly as a*(1-w) + b*w from its two source rows, so
    the strip height never changes a pixel.
    """
    n, W = r1 - r0, abw.shape[1]
    flat = abw.reshape(abw.shape[0], W * 2)  # long contiguous rows: fast numpy loops
    i0, i1, w = y0[r0:r1], y1[r0:r1], wy[r0:r1, None]
    starts = np.flatnonzero(np.r_[True, (i0[1:] != i0[:-1]) | (i1[1:] != i1[:-1])])
    if n >= 8 * len(starts):
        # Large upscaling: rows sharing a pair of source rows form long runs, one
        # broadcast per run (no gathered copies of the source rows).
        ab = np.empty((n, W * 2), np.float32)
        tmp = np.empty((n, W * 2), np.float32)
        for s0, s1 in zip(starts, np.r_[starts[1:], n]):
            np.multiply(flat[i0[s0]][None], 1 - w[s0:s1], out=ab[s0:s1])
            np.multiply(flat[i1[s0]][None], w[s0:s1], out=tmp[s0:s1])
            np.add(ab[s0:s1], tmp[s0:s1], out=ab[s0:s1])
    else:  # short runs: gather the source rows, three passes over the strip
        ab = flat[i0]
        ab *= 1 - w
        tmp = flat[i1]
        tmp *= w
        ab += tmp
    del tmp
    Ls = lightness(img[r0:r1]) if L is None else np.ascontiguousarray(L[r0:r1], dtype=np.float32)
    lab = cv2.merge([Ls, ab.reshape(n, W, 2)])
    del ab
    _store(color.lab_to_rgb(lab, out=lab), dst)


def compose(image: np.ndarray, ab_small: np.ndarray, saturation: float | color.Look = 1.0,
            strip_rows: int = DEFAULT_STRIP_ROWS, out: np.ndarray | None = None,
            lightness_full: np.ndarray | None = None, gray: np.ndarray | None = None) -> np.ndarray:
    """Full-resolution L of ``image`` + upsampled ``ab_small`` -> RGB in the input's dtype.

    Works in strips of at most ``strip_rows`` rows (fewer for wide images, ~2 MP per
    strip), several in parallel; the result does not depend on the strip height (the
    upsampling is separable and computed exactly per row).  ``lightness_full``: the
    image's L (from :func:`lightness`) when the caller keeps it, e.g. across
    interactive saturation edits of a colour image.  ``saturation``: a factor, or a
    :class:`~colorstudio.core.color.Look` (saturation and colour balance).  ``gray``: (H, W)
    bool, where the user erased the colour (the result is the input's lightness there).
    """
    img, alpha = _split_alpha(image)
    H, W = img.shape[:2]
    hs, ws = ab_small.shape[:2]
    if lightness_full is not None and lightness_full.shape != (H, W):
        raise ValueError(f"lightness_full has shape {lightness_full.shape}, the image is {(H, W)}")
    ab = color.apply_saturation(ab_small.astype(np.float32, copy=False), saturation)
    # Horizontal pass once on the small rows (h_s x W x 2), vertical lerp per strip.
    x0, x1, wx = _linear_weights(W, ws)
    # Gather (a, b) pairs as one 8-byte item, weigh with per-value weights: the same
    # a*(1-w) + b*w per value as a plain broadcast, without numpy's 2-long inner loops.
    pairs = np.ascontiguousarray(ab).view(np.float64)[:, :, 0]
    g0, g1 = np.empty((hs, W), np.float64), np.empty((hs, W), np.float64)
    np.take(pairs, x0, axis=1, out=g0, mode="clip")
    np.take(pairs, x1, axis=1, out=g1, mode="clip")
    wx2 = np.repeat(wx, 2)[None]
    abw = (g0.view(np.float32) * (1 - wx2) + g1.view(np.float32) * wx2).reshape(hs, W, 2)
    y0, y1, wy = _linear_weights(H, hs)
    dtype = img.dtype if img.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
    channels = 4 if alpha is not None else 3
    if out is None:
        out = np.empty((H, W, channels), dtype)
    rows = max(1, min(int(strip_rows), _STRIP_PIXELS // max(1, W)))
    # Threads pay off from about a megapixel; smaller images (frames) run in one go.
    workers = _workers() if H * W >= _PARALLEL_PIXELS else 1
    if workers > 1:  # at least two strips per worker, so the threads share the work evenly
        rows = min(rows, max(16, -(-H // (2 * workers))))
    bounds = [(r0, min(H, r0 + rows)) for r0 in range(0, H, rows)]

    def job(b):
        _compose_strip(img, lightness_full, abw, y0, y1, wy, b[0], b[1], out[b[0]:b[1], :, :3])

    if workers > 1 and len(bounds) > 1:
        for _ in _pool().map(job, bounds):
            pass
    else:
        for b in bounds:
            job(b)
    if gray is not None:
        _keep_gray(out, img, lightness_full, gray)
    if alpha is not None:
        out[:, :, 3] = alpha.astype(dtype) if alpha.dtype == dtype else color.from_float01(
            color.to_float01(alpha), dtype)
    return out


def _keep_gray(out: np.ndarray, img: np.ndarray, lightness_full: np.ndarray | None, gray: np.ndarray) -> None:
    """The pixels of ``gray`` (H, W) set to the input's lightness without colour, within the
    mask's bounding box only (a few strokes on a big scan cost their box)."""
    gray = np.asarray(gray, bool)
    if gray.shape != out.shape[:2]:
        raise ValueError(f"the gray mask is {gray.shape[1]}x{gray.shape[0]} px, the image "
                         f"{out.shape[1]}x{out.shape[0]}: it must be of the image's size")
    rows, cols = np.nonzero(gray.any(1))[0], np.nonzero(gray.any(0))[0]
    if not rows.size:
        return
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    part = img[y0:y1, x0:x1]
    lf = None if lightness_full is None else lightness_full[y0:y1, x0:x1]
    plain = compose(part, np.zeros((1, 1, 2), np.float32), 1.0, lightness_full=lf)
    m = gray[y0:y1, x0:x1]
    out[y0:y1, x0:x1, :3][m] = plain[m]


@dataclass
class NetworkMemo:
    """The network's answer for the last picture, so that a hint edit redoes only the hint
    step and the compose (a colorizer without hint planes does not see the hints): the app
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
             memo: NetworkMemo | None = None, gray_mask: np.ndarray | None = None) -> Colorized:
    """Colorize a gray (or colour: its lightness is used) image of any size and depth;
    ``denoise`` cleans what the network sees of a grainy or dusty scan (:data:`DENOISE`).

    ``repairer`` (a ``damage-unet`` runner) or ``repair_mask`` (the restorer's own, (H, W)):
    the scan's scratches, cracks and dust are filled first (``core.restore.repair``), and --
    the one exception to "the result keeps the input's lightness" -- the result's lightness
    is the repaired one.  ``memo``: the network's last answer for this very ``image`` is
    reused when only the hints (or saturation) changed.  ``gray_mask`` (H, W): where the
    user erased the colour."""
    if image.size == 0:
        raise ValueError("the image is empty")
    t0 = time.perf_counter()
    before = predictor.fallback
    # A user's mask may change in place (the brush): with one, the network always runs.
    memo = memo if repair_mask is None and not predictor.hint_planes else None
    held, key = (image, predictor, repairer), (size, denoise)
    kept = memo.get(held, key) if memo is not None else None
    if kept is not None:
        x, ab0, image, mended = kept
    else:
        mended = None
        if repairer is not None or repair_mask is not None:
            image, mended = repair.repair_image(repairer, image, mask=repair_mask)
        x = net_input(predictor, image, size, hints, denoise)
        ab0 = ab_from_output(predictor.predict_ab(x))
        if memo is not None:
            memo.put(held, key, (x, ab0, image, mended))
    weights = hint_weights(ab0, x[0, 0], hints, hint_reach) if hints else None
    ab_small = hinted_ab(ab0, x, hints, hint_reach, weights=weights)
    t1 = time.perf_counter()
    rgb = compose(image, ab_small, saturation, strip_rows, gray=gray_mask)
    t2 = time.perf_counter()
    note = str(predictor.fallback) if predictor.fallback is not before else None
    return Colorized(rgb, ab_small, {"predict": t1 - t0, "compose": t2 - t1, "total": t2 - t0}, note, mended,
                     image if mended is not None else None,
                     None if weights is None else weights[1].astype(np.float16))


def translate_input(labels: np.ndarray, predictor, size: int | None = None) -> np.ndarray:
    """Facade label map (RGB, any size) -> the translator's input (1, 3, size, size) in [-1, 1]."""
    spec = predictor.spec
    size = int(size or (spec.input_size if spec else 256))
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
