"""The full-resolution recombination: the input's own lightness (every detail, its bit depth)
+ the network's small ab, upsampled -> RGB, in strips of rows on a small thread pool, so a
100-megapixel scan needs little more memory than its input and output."""

from __future__ import annotations

import os
import threading

import cv2
import numpy as np

from colorstudio.core import color

DEFAULT_STRIP_ROWS = 1024


def _split_alpha(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if img.ndim == 3 and img.shape[2] == 4:
        return img[:, :, :3], img[:, :, 3]
    if img.ndim == 3 and img.shape[2] == 2:  # gray + alpha
        return img[:, :, 0], img[:, :, 1]
    return img, None


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
    if alpha is not None:   # as it is where the dtype is the same: no full-size temporary
        out[:, :, 3] = alpha if alpha.dtype == dtype else color.from_float01(color.to_float01(alpha), dtype)
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
