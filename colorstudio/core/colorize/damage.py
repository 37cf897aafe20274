"""Synthetic damage of old prints at scan scale, with its exact mask: what the damage
detector (``damage-unet``) learns from and what the restoration benchmark scores against.

Pure functions over a lightness plane ``L`` (H, W) float32 in [0, 100]; each draws from a
numpy Generator, so a trainer (random per sample) and a benchmark (a fixed seed per file, a
different mix of kinds: :data:`HELD_OUT_MIX`) make the same kinds of damage.

Every kind paints an *alpha* (0..1, anti-aliased) and a *tone* (the L the damage shows:
paper white where the emulsion is gone, dark where dirt or a fold's shadow lies); the
damaged photo is ``L + alpha * (tone - L)``.  The mask is where alpha >= :data:`MASK_ALPHA`
and the lightness moved by at least :data:`MASK_DELTA`: the pixels whose lightness is the
damage's, not the photo's (a white scratch across a white sky is nothing to find or mend).

Kinds (widths in pixels of a scan, scaled by ``scale`` = the photo's short side / 512):

* :func:`scratches` -- long, nearly straight lines, 1-6 px, bright or dark, broken in places;
* :func:`cracks` -- branching networks of crazed emulsion, 1-3 px, mostly bright;
* :func:`folds` -- a crease across the print: a bright core 3-8 px with a shadow beside it;
* :func:`tears` -- a missing corner or a torn edge: paper or mount showing;
* :func:`dust` -- specks of many sizes (0.5-5 px), bright or dark, and fibres (short curls);
* :func:`stains` -- water or foxing stains: a soft blotch with a darker rim.  A stain moves
  the tone of a wide area without hiding what is under it, so it is drawn but left out of
  the mask: a fill would smear a wide area where a tone correction is the repair.

What is *not* damage is left to the photos and :mod:`core.colorize.aging` (grain, fading,
blur, JPEG), applied after the damage as a scan would: so grain, hair, wires, eyelashes and
catch-lights are negatives the detector sees in every sample.
"""

from __future__ import annotations

import copy
from typing import Callable, NamedTuple

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import aging

MASK_ALPHA = 0.3   # alpha from which a pixel counts as damaged (the detector's target) ...
MASK_DELTA = 4.0   # ... where it moved the lightness by at least this many L units

KINDS = ("scratches", "cracks", "folds", "tears", "dust", "stains")
# Relative frequency of each kind in a damaged sample: training, and the held-out benchmark
# (another mix: more cracks and folds, fewer specks, so a score is not the training mix's).
TRAIN_MIX = {"scratches": 0.6, "cracks": 0.35, "folds": 0.2, "tears": 0.1, "dust": 0.8, "stains": 0.2}
HELD_OUT_MIX = {"scratches": 0.5, "cracks": 0.5, "folds": 0.35, "tears": 0.15, "dust": 0.6, "stains": 0.25}


class Damage(NamedTuple):
    L: np.ndarray       # damaged lightness (H, W) float32 in [0, 100]
    mask: np.ndarray    # (H, W) bool: the damaged pixels
    alpha: np.ndarray   # (H, W) float32 0..1: how much of each pixel is the damage's
    under: np.ndarray   # (H, W) float32: the L the masked damage was drawn over (stains included)


class _Canvas:
    """Alpha and tone accumulated over the kinds; later strokes cover earlier ones."""

    def __init__(self, shape: tuple[int, int]):
        self.alpha = np.zeros(shape, np.float32)
        self.tone = np.zeros(shape, np.float32)

    def paint(self, alpha: np.ndarray, tone: np.ndarray | float) -> None:
        a = np.clip(alpha, 0.0, 1.0).astype(np.float32)
        self.tone = self.tone + a * (np.asarray(tone, np.float32) - self.tone)
        self.alpha = 1.0 - (1.0 - self.alpha) * (1.0 - a)


def _bright(rng: np.random.Generator) -> float:
    return float(rng.uniform(82.0, 100.0))


def _dark(rng: np.random.Generator) -> float:
    return float(rng.uniform(2.0, 25.0))


def _width(rng: np.random.Generator, lo: float, hi: float, scale: float) -> int:
    """A stroke width in pixels, drawn log-uniformly (thin ones are the common ones)."""
    return max(1, int(round(np.exp(rng.uniform(np.log(lo), np.log(hi))) * scale)))


def _stroke(shape: tuple[int, int], pts: np.ndarray, width: int, strength: float,
            rng: np.random.Generator, broken: float = 0.0) -> np.ndarray:
    """Alpha of an anti-aliased polyline; ``broken``: share of its segments left out, and
    its strength varying along the line (a real scratch fades in and out)."""
    a = np.zeros(shape, np.float32)
    p = np.round(pts * 16).astype(np.int32)    # 4 fractional bits: sub-pixel positions
    for i in range(len(p) - 1):
        if broken and rng.random() < broken:
            continue
        s = strength * float(rng.uniform(0.6, 1.0))
        cv2.line(a, tuple(p[i]), tuple(p[i + 1]), s, width, cv2.LINE_AA, shift=4)
    return a


def _curve(rng: np.random.Generator, start: np.ndarray, angle: float, length: float, n: int,
           wiggle: float) -> np.ndarray:
    """Points of a gently curving path: the heading drifts by ``wiggle`` radians per step."""
    step = length / max(1, n - 1)
    turns = np.cumsum(rng.normal(0.0, wiggle, n))
    heading = angle + turns
    d = np.stack([np.cos(heading), np.sin(heading)], 1) * step
    return start + np.concatenate([[[0.0, 0.0]], np.cumsum(d[:-1], 0)])


def scratches(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """1-6 long scratches along the film (mostly vertical), 1-6 px, bright or dark."""
    h, w = c.alpha.shape
    for _ in range(int(rng.integers(1, 7))):
        vertical = rng.random() < 0.65
        angle = (np.pi / 2 if vertical else 0.0) + rng.normal(0, 0.12) + (np.pi if rng.random() < 0.5 else 0)
        length = rng.uniform(0.25, 1.2) * (h if vertical else w)
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        pts = _curve(rng, start, angle, length, 30, 0.02)
        width = _width(rng, 1.0, 6.0, scale)
        a = _stroke(c.alpha.shape, pts, width, float(rng.uniform(0.6, 1.0)), rng, broken=rng.uniform(0, 0.15))
        if width > 1 and rng.random() < 0.7:
            a = cv2.GaussianBlur(a, (0, 0), 0.3 + 0.15 * width)
            a = np.clip(a * 1.4, 0, 1)
        c.paint(a, _bright(rng) if rng.random() < 0.7 else _dark(rng))


def cracks(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """A crazed emulsion: 1-4 networks of branching cracks, each a random walk that splits."""
    h, w = c.alpha.shape
    for _ in range(int(rng.integers(1, 5))):
        a = np.zeros(c.alpha.shape, np.float32)
        width = _width(rng, 1.0, 3.0, scale)
        reach = rng.uniform(0.15, 0.6) * min(h, w)
        todo = [(np.array([rng.uniform(0, w), rng.uniform(0, h)]), rng.uniform(0, 2 * np.pi), reach, 0)]
        drawn = 0
        while todo and drawn < 60:
            start, angle, length, depth = todo.pop()
            n = max(3, int(length / max(2.0, 4.0 * scale)))
            pts = _curve(rng, start, angle, length, n, 0.25)
            a = np.maximum(a, _stroke(a.shape, pts, max(1, width - (depth > 1)), 1.0, rng))
            drawn += 1
            for j in range(1, n - 1):
                if depth < 4 and rng.random() < 0.12:
                    todo.append((pts[j], angle + rng.choice([-1, 1]) * rng.uniform(0.5, 1.4),
                                 length * rng.uniform(0.3, 0.7), depth + 1))
        c.paint(a * float(rng.uniform(0.7, 1.0)), _bright(rng) if rng.random() < 0.8 else _dark(rng))


def folds(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """1-2 creases right across the print: a bright core (the cracked emulsion) and a soft
    shadow on one side."""
    h, w = c.alpha.shape
    for _ in range(int(rng.integers(1, 3))):
        if rng.random() < 0.5:   # across the width or the height, a little tilted
            p0, p1 = (np.array([-5.0, rng.uniform(0.1, 0.9) * h]), np.array([w + 5.0, rng.uniform(0.1, 0.9) * h]))
        else:
            p0, p1 = (np.array([rng.uniform(0.1, 0.9) * w, -5.0]), np.array([rng.uniform(0.1, 0.9) * w, h + 5.0]))
        t = np.linspace(0, 1, 40)[:, None]
        normal = np.array([-(p1 - p0)[1], (p1 - p0)[0]]) / np.linalg.norm(p1 - p0)
        pts = p0 + t * (p1 - p0) + normal * rng.normal(0, 1.5 * scale, (40, 1)).cumsum(0) * 0.3
        width = _width(rng, 3.0, 8.0, scale)
        shadow = _stroke(c.alpha.shape, pts + normal * width * 1.2, width * 2, 1.0, rng)
        c.paint(cv2.GaussianBlur(shadow, (0, 0), width * 0.6) * 0.45, _dark(rng) + 15.0)
        core = _stroke(c.alpha.shape, pts, width, 1.0, rng, broken=0.1)
        c.paint(cv2.GaussianBlur(core, (0, 0), 0.5), _bright(rng))


def tears(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """A missing corner or a bite out of an edge, with a ragged border: the mount (white or
    black) shows through."""
    h, w = c.alpha.shape
    a = np.zeros(c.alpha.shape, np.float32)
    corner = np.array([[0, 0], [w, 0], [w, h], [0, h]][int(rng.integers(0, 4))], np.float64)
    size = rng.uniform(0.08, 0.3) * min(h, w)
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    radii = size * (1 + np.cumsum(rng.normal(0, 0.06, 48)) * 0.5).clip(0.4, 1.8)
    poly = corner + np.stack([np.cos(angles) * radii, np.sin(angles) * radii], 1)
    cv2.fillPoly(a, [np.round(poly * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    c.paint(a, _bright(rng) if rng.random() < 0.6 else _dark(rng))


def dust(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """10-150 specks (radius 0.5-3.5 px, mostly small; irregular, bright or dark) and 0-6
    fibres (short dark curls)."""
    h, w = c.alpha.shape
    a_b, a_d = np.zeros(c.alpha.shape, np.float32), np.zeros(c.alpha.shape, np.float32)
    for _ in range(int(rng.integers(10, 151))):
        r = float(np.exp(rng.uniform(np.log(0.5), np.log(3.5)))) * scale
        centre = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        target = a_b if rng.random() < 0.55 else a_d
        if r < 1.0:
            cv2.circle(target, tuple(np.round(centre * 16).astype(int)), 8, float(rng.uniform(0.6, 1.0)),
                       -1, cv2.LINE_AA, shift=4)
            continue
        k = 9
        ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
        rad = r * rng.uniform(0.6, 1.3, k) * np.array([1.0, rng.uniform(0.5, 1.0)])[np.arange(k) % 2]
        poly = centre + np.stack([np.cos(ang) * rad, np.sin(ang) * rad], 1)
        cv2.fillPoly(target, [np.round(poly * 16).astype(np.int32)], float(rng.uniform(0.7, 1.0)),
                     cv2.LINE_AA, shift=4)
    for _ in range(int(rng.integers(0, 7))):
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        pts = _curve(rng, start, rng.uniform(0, 2 * np.pi), rng.uniform(8, 40) * scale, 12, 0.35)
        a_d = np.maximum(a_d, _stroke(a_d.shape, pts, max(1, int(round(scale))), 0.9, rng))
    c.paint(a_b, _bright(rng))
    c.paint(a_d, _dark(rng))


def stains(c: _Canvas, rng: np.random.Generator, scale: float) -> None:
    """1-2 stains: a soft blotch that darkens (or yellows: lightens) the print, with a rim."""
    h, w = c.alpha.shape
    for _ in range(int(rng.integers(1, 3))):
        blob = np.zeros(c.alpha.shape, np.float32)
        r = rng.uniform(0.06, 0.25) * min(h, w)
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (int(r), int(r * rng.uniform(0.5, 1.0)))
        cv2.ellipse(blob, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
        blob = cv2.GaussianBlur(blob, (0, 0), max(1.0, r * 0.15))
        rim = np.clip(blob * (1 - blob) * 4, 0, 1)
        strength = float(rng.uniform(0.35, 0.7))
        c.paint(blob * strength * 0.6 + rim * strength * 0.5, _dark(rng) + 25.0 if rng.random() < 0.7
                else _bright(rng) - 10.0)


_PAINTERS: dict[str, Callable[[_Canvas, np.random.Generator, float], None]] = {
    "scratches": scratches, "cracks": cracks, "folds": folds, "tears": tears, "dust": dust, "stains": stains}


def damage(L: np.ndarray, rng: np.random.Generator, mix: dict[str, float] | None = None,
           scale: float | None = None) -> Damage:
    """``L`` (H, W) in [0, 100] with damage drawn on it: each kind with its probability in
    ``mix`` (default :data:`TRAIN_MIX`; at least one kind), at ``scale`` (default: the
    short side / 512, so widths are those of a 512 px scan at least)."""
    L = np.asarray(L, np.float32)
    if L.ndim != 2 or min(L.shape) < 8:
        raise ValueError(f"damage needs a lightness plane (H, W) of at least 8 px, got shape {L.shape}")
    mix = TRAIN_MIX if mix is None else mix
    unknown = set(mix) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown damage kind(s) {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}")
    s = float(scale) if scale is not None else max(1.0, min(L.shape) / 512.0)
    chosen = [k for k in KINDS if rng.random() < mix.get(k, 0.0)]
    if not chosen and mix:
        chosen = [str(rng.choice([k for k in KINDS if mix.get(k, 0.0) > 0]))]
    if "stains" in chosen:   # tone damage under the rest, not in the mask (see the module's note)
        st = _Canvas(L.shape)
        stains(st, rng, s)
        L = L + st.alpha * (st.tone - L)
    c = _Canvas(L.shape)
    for k in chosen:
        if k != "stains":
            _PAINTERS[k](c, rng, s)
    out = np.clip(L + c.alpha * (c.tone - L), 0.0, 100.0).astype(np.float32)
    mask = (c.alpha >= MASK_ALPHA) & (np.abs(out - L) >= MASK_DELTA)
    return Damage(out, mask, c.alpha, L)


def scan(L: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """What a scan of the (damaged) print adds after the damage: grain, blur, JPEG, each with
    probability ``p`` (fading is the print's and comes before the damage)."""
    if rng.random() < p:
        L = aging.blur(L, rng)
    if rng.random() < p:
        L = aging.grain(L, rng)
    if rng.random() < p * 0.7:
        L = aging.jpeg(L, rng)
    return np.clip(L, 0.0, 100.0).astype(np.float32)


def scan_twins(damaged: np.ndarray, clean: np.ndarray, rng: np.random.Generator,
               p: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scan` of a damaged print and of the same print undamaged through the very same
    scan: the same blur, grain field and JPEG quality (``scan`` draws nothing that depends on
    the pixels), so the two differ only where the damage is.  The undamaged one is what an
    inpainter should give back, grain included; ``rng`` moves on as one :func:`scan` would."""
    twin = copy.deepcopy(rng)
    return scan(damaged, rng, p), scan(clean, twin, p)


class Print(NamedTuple):
    clean: np.ndarray        # the print's L (H, W): gray and fading, no damage, no scan
    scan: np.ndarray         # its damaged scan's L
    mask: np.ndarray         # (H, W) bool: the damaged pixels
    clean_scan: np.ndarray   # the print without the masked damage through the same scan (:func:`scan_twins`);
                             # its stains kept: a tone damage no fill should guess away from inside a hole


def _print(rgb: np.ndarray, rng: np.random.Generator, mix: dict[str, float] | None, p_clean: float,
           scale: float | None, twins: bool) -> Print:
    L = aging.film_gray(rgb, rng) if rng.random() < 0.7 else color.luminance(color.to_float01(rgb))
    L = np.asarray(L, np.float32)
    if rng.random() < 0.6:
        L = aging.fade(L, rng)
    if rng.random() < p_clean:
        damaged, mask, under = L.copy(), np.zeros(L.shape, bool), L
    else:
        d = damage(L, rng, mix, scale)
        damaged, mask, under = d.L, d.mask, d.under
    if twins:
        scanned, clean_scan = scan_twins(damaged, under, rng)
        return Print(L, scanned, mask, clean_scan)
    return Print(L, scan(damaged, rng), mask, None)


def damaged_print(rgb: np.ndarray, rng: np.random.Generator, mix: dict[str, float] | None = None,
                  p_clean: float = 0.2, scale: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean L, damaged scan L, mask) of a colour photo as an old print: film gray and
    fading, then damage (none with probability ``p_clean``: the detector must also learn to
    flag nothing), then the scan's grain, blur and JPEG.  The clean L has the same gray and
    fading and no damage or scan noise: the repair's target."""
    p = _print(rgb, rng, mix, p_clean, scale, twins=False)
    return p.clean, p.scan, p.mask


def damaged_print_twins(rgb: np.ndarray, rng: np.random.Generator, mix: dict[str, float] | None = None,
                        p_clean: float = 0.0, scale: float | None = None) -> Print:
    """:func:`damaged_print` (the same draws: the same clean L, damaged scan and mask for the
    same ``rng``) with the undamaged print's scan beside it (:func:`scan_twins`): the
    learned fill's target, and the texture a fill is judged against."""
    return _print(rgb, rng, mix, p_clean, scale, twins=True)
