"""Colour hints from a reference still: a frame the animator coloured elsewhere, or any
colour photo of the same kind of scene.

* **Same shot** (the reference is a coloured version of this very picture, or a frame
  of the same shot: its lightness, resized to the target, matches within
  :data:`SAME_PICTURE_L`): hints take the reference's colour at the same position.
* **Another photo, by content** (given ``features``: what a pretrained encoder sees in
  the lightness of each, ``models.reference_features``): each hint site takes the colour
  of the reference cells most alike in content, a little in position and lightness too
  (a face's cheek matches a face's cheek, not the sky of the same gray), averaged over
  its best matches.  Its confidence is the similarity of the best match times how well
  the best matches agree on the colour; sites below :data:`MIN_CONFIDENCE` get no hint.
  Deep features of the same kind of thing are alike across photos (Zhang et al.,
  "Real-Time User-Guided Image Colorization", 2017, and He et al., "Deep Exemplar-based
  Colorization", 2018, match references this way).
* **Another photo, by lightness** (no ``features``): the reference pixel whose
  neighbourhood looks most alike -- mean and spread of the lightness around it, as in
  Welsh et al., "Transferring color to greyscale images" (SIGGRAPH 2002).

Hints go where colour is easy to steer: the centres of flat regions of the target (low
lightness gradient), spread over the picture.  They are ordinary hints the user can
move, recolour or delete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from colorstudio.core import color

Point = tuple[float, float, tuple[int, int, int]]

WORK = 256                 # long side both pictures are compared at
SAME_PICTURE_L = 6.0       # mean |ΔL| (0-100) below which the reference is the same picture
MIN_CHROMA = 6.0           # reference colours grayer than this give no hint (nothing to say)
MIN_CONFIDENCE = 0.35      # content matches below this give no hint (nothing alike there)
TOP_K = 6                  # best reference cells a site's colour is averaged over
POSITION_WEIGHT = 0.08     # similarity lost per unit of distance (picture fractions) ...
LIGHTNESS_WEIGHT = 0.15    # ... and per 100 of lightness difference

Features = Callable[[np.ndarray], np.ndarray]
"""Lightness (H, W) in 0-100 -> (C, h, w) feature vectors of unit length."""


@dataclass
class ReferenceHints:
    """Hints from a reference: ``points`` (x, y, rgb), each one's ``confidence`` (0-1;
    1 for the same picture), ``how`` they were matched and how many sites were
    ``skipped`` for want of a confident match."""

    points: list[Point] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    how: str = ""
    skipped: int = 0

    def summary(self) -> str:
        """One line for the user: how many hints, how they were matched, how sure."""
        n = len(self.points)
        text = f"{n} hint{'s' if n != 1 else ''} from the reference, {self.how}"
        if self.how == "matched by content" and self.confidence:
            text += f" (confidence {min(self.confidence):.2f}-{max(self.confidence):.2f})"
        if self.skipped:
            text += (f"; {self.skipped} place{'s' if self.skipped != 1 else ''} without a confident match "
                     "got none")
        return text


def _small(img: np.ndarray, hw: tuple[int, int] | None = None) -> np.ndarray:
    a = img[:, :, :3] if img.ndim == 3 and img.shape[2] >= 3 else img
    if a.ndim == 3 and a.shape[2] == 2:
        a = a[:, :, 0]
    if hw is None:
        s = min(1.0, WORK / max(a.shape[:2]))
        hw = (max(8, round(a.shape[0] * s)), max(8, round(a.shape[1] * s)))
    return cv2.resize(a, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)


def _stats(L: np.ndarray, r: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of L over (2r+1)² neighbourhoods."""
    k = (2 * r + 1, 2 * r + 1)
    m = cv2.blur(L, k)
    sd = np.sqrt(np.maximum(cv2.blur(L * L, k) - m * m, 0.0))
    return m, sd


def hint_sites(L: np.ndarray, n: int) -> list[tuple[int, int]]:
    """Up to ``n`` (row, col) sites in flat regions, spread out (greedy farthest-first
    over the flattest pixels of a grid)."""
    h, w = L.shape
    gx, gy = cv2.Sobel(L, cv2.CV_32F, 1, 0), cv2.Sobel(L, cv2.CV_32F, 0, 1)
    grad = cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), 3)
    step = max(2, int(np.sqrt(h * w / (n * 12))))
    ys, xs = np.mgrid[step // 2:h:step, step // 2:w:step]
    cand = np.stack([ys.ravel(), xs.ravel()], 1)
    flat = grad[cand[:, 0], cand[:, 1]]
    cand = cand[flat <= np.quantile(flat, 0.5)]          # the flatter half
    if not len(cand):
        return []
    chosen = [cand[np.argmin(grad[cand[:, 0], cand[:, 1]])]]
    dist = np.linalg.norm(cand - chosen[0], axis=1)
    while len(chosen) < min(n, len(cand)):
        i = int(np.argmax(dist))
        if dist[i] < step:
            break
        chosen.append(cand[i])
        dist = np.minimum(dist, np.linalg.norm(cand - cand[i], axis=1))
    return [(int(y), int(x)) for y, x in chosen]


def hints_from_reference(target: np.ndarray, reference: np.ndarray, n: int = 16,
                         seed: int = 0, features: Features | None = None) -> tuple[list[Point], str]:
    """``(points, how)`` of :func:`match_reference`."""
    res = match_reference(target, reference, n, seed, features)
    return res.points, res.how


def match_reference(target: np.ndarray, reference: np.ndarray, n: int = 16, seed: int = 0,
                    features: Features | None = None) -> ReferenceHints:
    """Hints for ``target`` (gray or colour: its lightness) from colour ``reference``.

    Points are (x, y, rgb) with x, y fractions of the target; ``how`` is ``'same
    picture'``, ``'matched by content'`` (``features`` given) or ``'matched by lightness'``.
    """
    if reference.ndim != 3 or reference.shape[2] < 3:
        raise ValueError("the reference must be a colour picture")
    ref = _small(reference)
    ref_lab = color.rgb_to_lab(color.to_float01(ref))
    if float(np.mean(np.hypot(ref_lab[:, :, 1], ref_lab[:, :, 2]))) < 2.0:
        raise ValueError("the reference has no colours to give (it is gray)")
    tgt = _small(target)
    Lt = color.luminance(tgt)
    h, w = Lt.shape
    same = ref.shape[:2] == tgt.shape[:2] or abs(ref.shape[0] / ref.shape[1] - h / w) < 0.02
    ref_at_t = cv2.resize(ref_lab, (w, h), interpolation=cv2.INTER_AREA)
    same = same and float(np.mean(np.abs(ref_at_t[:, :, 0] - Lt))) < SAME_PICTURE_L
    sites = hint_sites(Lt, n * 2)
    if same:
        ab = cv2.blur(ref_at_t[:, :, 1:], (5, 5))
        pick = [(y, x, ab[y, x], 1.0) for y, x in sites]
        how = "same picture"
    elif features is not None:
        pick = _by_content(Lt, ref_lab, sites, features)
        how = "matched by content"
    else:
        pick = _by_lightness(Lt, ref_lab, sites, seed)
        how = "matched by lightness"
    out = ReferenceHints(how=how)
    for y, x, ab, conf in pick:
        if conf < MIN_CONFIDENCE:
            out.skipped += 1
            continue
        if float(np.hypot(*ab)) < MIN_CHROMA:
            continue
        lab = np.array([[[Lt[y, x], ab[0], ab[1]]]], np.float32)
        rgb = color.from_float01(np.clip(color.lab_to_rgb(lab), 0, 1), np.uint8)[0, 0]
        out.points.append((x / max(1, w - 1), y / max(1, h - 1), tuple(int(c) for c in rgb)))
        out.confidence.append(round(float(conf), 3))
        if len(out.points) >= n:
            break
    return out


def _by_lightness(Lt: np.ndarray, ref_lab: np.ndarray, sites, seed: int) -> list:
    Lr = ref_lab[:, :, 0]
    mr, sr = _stats(Lr)
    mt, st = _stats(Lt)
    rng = np.random.default_rng(seed)
    k = min(4000, Lr.size)
    idx = rng.choice(Lr.size, size=k, replace=False)
    feats = np.stack([mr.ravel()[idx], 2.0 * sr.ravel()[idx]], 1)     # spread counts double (Welsh)
    ab_r = cv2.blur(ref_lab[:, :, 1:], (5, 5)).reshape(-1, 2)[idx]
    pick = []
    for y, x in sites:
        f = np.array([mt[y, x], 2.0 * st[y, x]])
        j = int(np.argmin(np.sum((feats - f) ** 2, 1)))
        pick.append((y, x, ab_r[j], 1.0))
    return pick


def _cells(a: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    return cv2.resize(a, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)


def _by_content(Lt: np.ndarray, ref_lab: np.ndarray, sites, features: Features) -> list:
    """(y, x, ab, confidence) per site from the reference cells most alike in content."""
    ft, fr = features(Lt), features(np.ascontiguousarray(ref_lab[:, :, 0]))
    (ht, wt), (hr, wr) = ft.shape[1:], fr.shape[1:]
    fr_flat = fr.reshape(fr.shape[0], -1)
    ab_r = _cells(ref_lab[:, :, 1:], (hr, wr)).reshape(-1, 2)
    L_r = _cells(ref_lab[:, :, 0], (hr, wr)).ravel()
    yr, xr = np.mgrid[0:hr, 0:wr]
    pos_r = np.stack([(yr.ravel() + 0.5) / hr, (xr.ravel() + 0.5) / wr], 1)
    L_t = _cells(Lt, (ht, wt))
    h, w = Lt.shape
    pick = []
    for y, x in sites:
        cy, cx = min(ht - 1, int(y * ht / h)), min(wt - 1, int(x * wt / w))
        sim = ft[:, cy, cx] @ fr_flat
        sim = sim - POSITION_WEIGHT * np.linalg.norm(pos_r - ((y + 0.5) / h, (x + 0.5) / w), axis=1)
        sim = sim - LIGHTNESS_WEIGHT * np.abs(L_r - L_t[cy, cx]) / 100.0
        best = np.argpartition(-sim, min(TOP_K, sim.size) - 1)[:TOP_K]
        wts = np.exp((sim[best] - sim[best].max()) / 0.02)
        wts /= wts.sum()
        ab = (ab_r[best] * wts[:, None]).sum(0)
        spread = float(np.sqrt((wts * ((ab_r[best] - ab) ** 2).sum(1)).sum()))
        conf = max(0.0, float(sim[best].max())) * float(np.exp(-spread / 25.0))
        pick.append((y, x, ab.astype(np.float32), conf))
    return pick

