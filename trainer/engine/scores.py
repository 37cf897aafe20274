"""Image quality scores for evaluation: PSNR, SSIM, Hasler-Suesstrunk colourfulness,
pixel detection scores of a damage mask (precision, recall, F1, share flagged), and a
fill's (the damage error removed, the texture kept).

All take float images in [0, 1] (H, W, C) unless said otherwise; numpy + cv2 only.
"""

from __future__ import annotations

import cv2
import numpy as np


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak * peak / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5), averaged over channels."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    vals = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]
        mx, my = blur(x), blur(y)
        sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        vals.append(m.mean())
    return float(np.mean(vals))


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) M on 0-255 RGB: sqrt(s_rg^2+s_yb^2) + 0.3 sqrt(m_rg^2+m_yb^2)."""
    x = np.asarray(rgb, np.float64) * 255.0
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def mask_counts(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(TP, FP, FN, pixels) int64 of two boolean masks of one shape.  Summed over a set of
    images and scored once (:func:`detection_scores`): a mean of per-image F1s would make a
    clean photo with one false speck as bad as a missed crack network."""
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    tp = int(np.count_nonzero(pred & truth))
    return np.array([tp, int(np.count_nonzero(pred)) - tp, int(np.count_nonzero(truth)) - tp, pred.size],
                    np.int64)


def detection_scores(counts: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 and the share of pixels flagged from pooled :func:`mask_counts`.
    An empty denominator scores 1 (nothing flagged: no false alarm; nothing to find: none
    missed), so a clean set flagged clean is perfect rather than undefined."""
    tp, fp, fn, pixels = (int(v) for v in counts)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "flagged": (tp + fp) / max(1, pixels)}


def step_sum(L: np.ndarray, where: np.ndarray) -> float:
    """Sum over the pixels ``where`` (H, W) bool of the gradient magnitude of the plane ``L``
    (H, W; central differences, 3x3 Sobel / 8).  Pooled over a set for each fill and for
    the truth, their ratio is the texture a fill kept: 1 the truth's grain and edges, below
    1 smeared (Telea's flat streak), above 1 invented."""
    L = np.asarray(L, np.float32)
    gx = cv2.Sobel(L, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    gy = cv2.Sobel(L, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    return float(np.hypot(gx, gy)[np.asarray(where, bool)].sum(dtype=np.float64))


def removed(err_after: float, err_before: float) -> float:
    """The share of the damage's squared error a repair removed: ``1 - after / before``
    (pooled sums over the damaged pixels; 0 with nothing to remove)."""
    return 1.0 - err_after / err_before if err_before > 0 else 0.0
