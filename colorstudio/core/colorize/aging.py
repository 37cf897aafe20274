"""What time and old film do to a photo's gray: the damage a restorer's scans carry.

Pure functions over a lightness plane ``L`` (H, W) float32 in [0, 100], each drawing its
strength from a numpy Generator, so a trainer (random per sample) and a benchmark (fixed
seed per file: the "aged" held-out groups) make the same kinds of damage:

* :func:`film_gray` -- the gray an old emulsion records: orthochromatic and early
  panchromatic films weight red, green and blue unlike the eye (red lips print dark,
  blue skies pale), and sepia or selenium toning bends the tone curve;
* :func:`fade` -- lifted blacks, dulled whites, a gamma shift;
* :func:`grain` -- film grain: noise that is spatially correlated;
* :func:`blur` -- soft focus, motion or a poor scan;
* :func:`jpeg` -- block artefacts of a web-shared scan;
* :func:`scratches` -- bright hairline scratches, dust and dark specks.

:func:`age` applies a random subset of them.  The colour target of an aged photo stays
the clean photo's ab: a colorizer trained on these learns to colour through the damage.
"""

from __future__ import annotations

import cv2
import numpy as np

from colorstudio.core import color

EFFECTS = ("film_gray", "fade", "grain", "blur", "jpeg", "scratches")


def film_gray(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """L (H, W) of the gray an old film would record of ``rgb`` (float [0, 1] or uint8):
    random positive channel weights around orthochromatic..panchromatic, then a toning
    curve."""
    rgb = color.to_float01(rgb)
    ortho = rng.uniform(0.0, 1.0)   # 0: panchromatic (eye-like), 1: orthochromatic (blind to red)
    w = (1 - ortho) * np.array([0.30, 0.59, 0.11]) + ortho * np.array([0.05, 0.55, 0.40])
    w = np.clip(w * rng.uniform(0.85, 1.15, 3), 0.01, None)
    g = np.clip(rgb @ (w / w.sum()).astype(np.float32), 0.0, 1.0)
    L = color.luminance(g.astype(np.float32))
    return _curve(L, rng.uniform(0.85, 1.2))


def _curve(L: np.ndarray, gamma: float) -> np.ndarray:
    return (100.0 * np.power(np.clip(L, 0.0, 100.0) / 100.0, gamma)).astype(np.float32)


def fade(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contrast lost to age: blacks lifted to 5-30, whites down to 70-95, a gamma of 0.8-1.25."""
    lo, hi = rng.uniform(5.0, 30.0), rng.uniform(70.0, 95.0)
    return (lo + (hi - lo) * _curve(L, rng.uniform(0.8, 1.25)) / 100.0).astype(np.float32)


def grain(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Film grain: Gaussian noise of 1.5-7 L units, blurred to clumps of 0.4-1.2 px."""
    n = rng.standard_normal(L.shape).astype(np.float32)
    s = rng.uniform(0.4, 1.2)
    n = cv2.GaussianBlur(n, (0, 0), s)
    n *= rng.uniform(1.5, 7.0) / max(1e-6, float(n.std()))
    return np.clip(L + n, 0.0, 100.0).astype(np.float32)


def blur(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Soft focus: a Gaussian of 0.5-1.6 px."""
    return cv2.GaussianBlur(L.astype(np.float32), (0, 0), rng.uniform(0.5, 1.6))


def jpeg(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A gray 8-bit JPEG round trip at quality 25-75."""
    g8 = color.l_to_u8(L)
    ok, buf = cv2.imencode(".jpg", g8, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 76))])
    if not ok:
        return L
    return color.u8_to_l(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))


def scratches(L: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """1-5 hairline scratches (bright, mostly along the long side, slightly curved) and
    dust: 5-40 specks, bright or dark, 1-2 px."""
    h, w = L.shape
    out = L.astype(np.float32, copy=True)
    mark = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 6))):
        vertical = rng.random() < 0.7
        a, b = (w, h) if vertical else (h, w)
        start, drift = rng.uniform(0, a), rng.uniform(-0.15, 0.15) * a
        t = np.linspace(0, 1, 24)
        across = start + drift * t + rng.uniform(-2, 2) * np.sin(t * rng.uniform(1, 6))
        along = rng.uniform(0, 0.3) * b + t * rng.uniform(0.4, 1.0) * b
        pts = np.stack([across, along] if vertical else [along, across], 1).round().astype(np.int32)
        cv2.polylines(mark, [pts], False, float(rng.uniform(0.5, 1.0)), 1, cv2.LINE_AA)
    for _ in range(int(rng.integers(5, 41))):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(mark, c, int(rng.integers(0, 2)), float(rng.choice([-1.0, 1.0])), -1, cv2.LINE_AA)
    bright, dark = np.clip(mark, 0, 1), np.clip(-mark, 0, 1)
    out += bright * (100.0 - out) * 0.85
    out -= dark * out * 0.85
    return out


def age(rgb: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """L (H, W) float32 of ``rgb`` aged by a random subset of the effects (each with
    probability ``0.5 * strength``, film gray and fade a little more often)."""
    p = float(np.clip(strength, 0.0, 1.0))
    L = film_gray(rgb, rng) if rng.random() < 0.7 * p else color.luminance(color.to_float01(rgb))
    L = L.astype(np.float32)
    if rng.random() < 0.6 * p:
        L = fade(L, rng)
    if rng.random() < 0.4 * p:
        L = blur(L, rng)
    if rng.random() < 0.5 * p:
        L = grain(L, rng)
    if rng.random() < 0.35 * p:
        L = scratches(L, rng)
    if rng.random() < 0.35 * p:
        L = jpeg(L, rng)
    return np.clip(L, 0.0, 100.0).astype(np.float32)
