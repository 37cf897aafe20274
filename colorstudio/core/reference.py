"""Colour hints from a reference still: a frame the animator coloured elsewhere, or any
colour photo of the same kind of scene.

* **Same shot** (the reference is a coloured version of this very picture, or a frame
  of the same shot: its lightness, resized to the target, matches within
  :data:`SAME_PICTURE_L`): hints take the reference's colour at the same position.
* **Another photo**: hints take the colour of the reference pixel whose neighbourhood
  looks most alike -- mean and spread of the lightness around it, as in Welsh et al.,
  "Transferring color to greyscale images" (SIGGRAPH 2002) -- over jittered samples
  of the reference.

Hints go where colour is easy to steer: the centres of flat regions of the target (low
lightness gradient), spread over the picture.  They are ordinary hints the user can
move, recolour or delete.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color

Point = tuple[float, float, tuple[int, int, int]]

WORK = 256                 # long side both pictures are compared at
SAME_PICTURE_L = 6.0       # mean |ΔL| (0-100) below which the reference is the same picture
MIN_CHROMA = 6.0           # reference colours grayer than this give no hint (nothing to say)


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
                         seed: int = 0) -> tuple[list[Point], str]:
    """Hints for ``target`` (gray or colour: its lightness) from colour ``reference``.

    Returns (points, how): points as (x, y, rgb) with x, y fractions of the target; how
    is ``'same picture'`` or ``'matched by lightness'``.
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
    points: list[Point] = []
    if same:
        ab = cv2.blur(ref_at_t[:, :, 1:], (5, 5))
        pick = [(y, x, ab[y, x]) for y, x in sites]
        how = "same picture"
    else:
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
            pick.append((y, x, ab_r[j]))
        how = "matched by lightness"
    for y, x, ab in pick:
        if float(np.hypot(*ab)) < MIN_CHROMA:
            continue
        lab = np.array([[[Lt[y, x], ab[0], ab[1]]]], np.float32)
        rgb = color.from_float01(np.clip(color.lab_to_rgb(lab), 0, 1), np.uint8)[0, 0]
        points.append((x / max(1, w - 1), y / max(1, h - 1), tuple(int(c) for c in rgb)))
        if len(points) >= n:
            break
    return points, how


def hints_for_frames(frames: Sequence[np.ndarray], reference: np.ndarray, n: int = 16) -> list[Point]:
    """Hints for the first of ``frames`` (a shot's keyframe) from ``reference``."""
    return hints_from_reference(frames[0], reference, n)[0]
