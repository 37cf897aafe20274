"""Dust and specks of one film frame filled from its neighbouring frames (issue 31 item 5).

A speck of dust or a fleck of dirt lies on one frame only: the frames before and after show
what it hides.  :func:`temporal_fill` follows the motion (dense DIS optical flow, on the
lightness at a working size, upsampled), warps both neighbours onto the frame and gives a
masked pixel the neighbours' mean where

* the flow is trustworthy: forward-backward consistent, and landing inside the neighbour;
* the two warped neighbours agree with each other (the content is the same in both), and
* the frame differs from them there (only this frame is damaged: damage that all three
  frames show at the same place of the picture -- on a still shot, or a blemish that moves
  with the picture -- is left alone).

Every other masked pixel is left for the spatial fill (:func:`repair_frame` runs both), and
unmasked pixels never change.  Two opinions are needed: where only one neighbour is usable --
the first or last frame of a sequence, a neighbour that could not be read or is of another
size, or a pixel that warps out of the other neighbour or whose flow is not consistent --
nothing is filled from the frames (one neighbour cannot tell its own dust, or the scratch
that wandered onto the pixel, from the picture: copying it would print damage into a clean
frame), and the spatial fill mends it as for a photo.  Masked pixels where the frame does not
differ from its agreeing neighbours (the soft rim the mask was grown by) are left to the
spatial fill as well.

Pure functions over images of any layout (gray or colour, with alpha: kept as the frame's)
and dtype (the result keeps the frame's), or lightness planes (``lightness=True``: float L
in [0, 100]).  A neighbour of another shape or dtype is treated as missing.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.restore import repair

WORK_SIDE = 640        # px: the longest side of the lightness the flow is computed on
AGREE_MIN = 4.0        # L units: neighbours that differ less agree (grain raises it: AGREE_NOISE)
AGREE_NOISE = 3.0      # ... or less than this many robust sigmas of their difference away from damage
CHANGED_MIN = 4.0      # L units: the frame differs from its neighbours (the damage is its own)
FB_ABS, FB_REL = 0.5, 0.01   # forward-backward: |f + b|^2 < FB_REL (|f|^2 + |b|^2) + FB_ABS (work px)


class Temporal(NamedTuple):
    filled: np.ndarray   # the frame with the temporally filled pixels, its dtype and layout
    used: np.ndarray     # (H, W) bool: the masked pixels filled from the neighbours


def _lightness(img: np.ndarray, lightness: bool) -> np.ndarray:
    if lightness:
        return np.asarray(img, np.float32)
    if img.ndim == 3 and img.shape[2] in (2, 4):
        img = img[:, :, 0] if img.shape[2] == 2 else img[:, :, :3]
    return color.luminance(img)


def _small(L: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """L at the working size as 8-bit steps (what DIS reads)."""
    if L.shape != hw:
        L = cv2.resize(L, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return color.l_to_u8(L, rounded=True)


def _flows(cur8: np.ndarray, other8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flow cur -> other: where each pixel of cur is in other, forward-backward consistency)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    f = dis.calc(cur8, other8, None)
    b = dis.calc(other8, cur8, None)
    h, w = cur8.shape
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    bw = cv2.remap(b, gx + f[:, :, 0], gy + f[:, :, 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    s = f + bw
    ok = (s * s).sum(2) < FB_REL * ((f * f).sum(2) + (bw * bw).sum(2)) + FB_ABS
    return f, ok


def _usable(other: np.ndarray | None, cur: np.ndarray) -> bool:
    return other is not None and np.asarray(other).shape == cur.shape and np.asarray(other).dtype == cur.dtype


def temporal_fill(prev: np.ndarray | None, cur: np.ndarray, nxt: np.ndarray | None, mask: np.ndarray, *,
                  lightness: bool = False, work: int = WORK_SIDE) -> Temporal:
    """``cur`` with the ``mask``ed pixels that its neighbours ``prev`` and ``nxt`` (raw frames
    of the same shape and dtype; None: none) show the same and it alone differs, filled with
    their mean along the optical flow (see the module's note); ``used`` says which.  Unmasked
    pixels are returned bit-exact.  ``lightness``: the frames are L planes (float, [0, 100]);
    else images of any layout and dtype.  ``work``: the longest side the flow is computed at."""
    cur = np.asarray(cur)
    mask = repair.check_mask(mask, cur.shape)
    others = [np.asarray(o) for o in (prev, nxt) if _usable(o, cur)]
    none = Temporal(cur.copy(), np.zeros(mask.shape, bool))
    if not mask.any() or len(others) < 2:
        return none
    h, w = mask.shape
    s = min(1.0, float(work) / max(h, w))
    hw = (max(8, round(h * s)), max(8, round(w * s)))
    Lc = _lightness(cur, lightness)
    # The frame's own damage must not pull the flow: its masked pixels are filled (Telea, at
    # the working size, cheap) before the flow is computed -- in the neighbours too, at the
    # same place, so that damage that is there in every frame (a still shot) still matches
    # itself (zero flow, no difference: left to the spatial fill).
    small_mask = cv2.resize(mask.astype(np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_AREA) > 0
    cur8 = _small(Lc, hw)
    holes = cv2.dilate(small_mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    cur8 = cv2.inpaint(cur8, holes, 3, cv2.INPAINT_TELEA)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    warped, warped_L, ok = [], [], []
    for o in others:
        Lo = _lightness(o, lightness)
        o8 = _small(Lo, hw)
        f, consistent = _flows(cur8, cv2.inpaint(o8, holes, 3, cv2.INPAINT_TELEA))
        if hw != (h, w):
            f = cv2.resize(f, (w, h), interpolation=cv2.INTER_LINEAR)
            f[:, :, 0] *= w / hw[1]
            f[:, :, 1] *= h / hw[0]
            consistent = cv2.resize(consistent.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        mx, my = gx + f[:, :, 0], gy + f[:, :, 1]
        inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
        src = np.ascontiguousarray(o if lightness else (o[:, :, :4] if o.ndim == 3 else o), dtype=np.float32)
        wimg = cv2.remap(src, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        warped.append(wimg[:, :, None] if wimg.ndim == 2 else wimg)
        warped_L.append(cv2.remap(Lo, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
        ok.append(consistent & inside)
    intact = ~cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    both = ok[0] & ok[1]
    diff = np.abs(warped_L[0] - warped_L[1])
    ref = diff[intact & both]
    sigma = 1.4826 * float(np.median(ref)) if ref.size else 0.0   # the frames' grain, robustly
    tol = max(AGREE_MIN, AGREE_NOISE * sigma)
    mean_L = 0.5 * (warped_L[0] + warped_L[1])
    used = mask & both & (diff < tol) & (np.abs(mean_L - Lc) > max(CHANGED_MIN, tol))
    if not used.any():
        return none
    out = cur.copy()
    view = out[:, :, None] if out.ndim == 2 else out
    planes = view.shape[2] - (1 if (not lightness and view.shape[2] in (2, 4)) else 0)   # alpha kept
    ys, xs = np.nonzero(used)
    vals = 0.5 * (warped[0][ys, xs, :planes] + warped[1][ys, xs, :planes])
    if out.dtype.kind in "ui":
        info = np.iinfo(out.dtype)
        vals = np.clip(np.rint(vals), info.min, info.max)
    view[ys, xs, :planes] = vals.astype(out.dtype)
    return Temporal(out, used)


def repair_frame(runner, image: np.ndarray, prev: np.ndarray | None, nxt: np.ndarray | None, *,
                 threshold: float = repair.THRESHOLD, dilate: int = repair.DILATE, method: str | None = None,
                 mask: np.ndarray | None = None, inpainter=None) -> tuple[np.ndarray, repair.Repair, np.ndarray]:
    """One frame of a film repaired: the detector's mask (or ``mask``), its one-frame specks
    filled from the raw neighbouring frames ``prev`` / ``nxt`` (:func:`temporal_fill`), then
    the rest by the spatial fill ``method`` (:func:`repair.repair_image`, which reads the
    temporally filled pixels as context).  Returns (the repaired frame, the :class:`Repair`
    with the whole mask, the pixels filled temporally)."""
    img = np.asarray(image)
    if img.ndim not in (2, 3) or img.size == 0:
        raise repair.RepairError(f"cannot repair an image of shape {img.shape}")
    method, inpainter = repair.fill_of(runner, method, inpainter)   # a Mender's own fill by default
    if method == "learned":
        repair._learned(inpainter)   # refused before the detector runs
    prob = None
    if mask is None:
        planes = img.shape[2] if img.ndim == 3 else 1
        colour = img[:, :, :3] if planes >= 3 else (img[:, :, 0] if img.ndim == 3 else img)
        prob = repair.detect(runner, colour, lightness=False)
        mask = repair.mask_of(prob, threshold, dilate)
    else:
        mask = repair.check_mask(mask, img.shape)
    t = temporal_fill(prev, img, nxt, mask)
    mended, _ = repair.repair_image(None, t.filled, mask=mask & ~t.used, method=method, inpainter=inpainter)
    return mended, repair.Repair(None, mask, prob), t.used
