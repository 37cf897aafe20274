"""Scores of a colorizer per kind of photo: quality, colour cast, skin, and hints.

Everything goes through ``colorstudio.core.colorize.pipeline`` as users run it.  Per group:

* PSNR (RGB), SSIM, colourfulness ratio against the truth, each beside the "no colour"
  baseline (true lightness, ab = 0);
* colour cast: the mean ab of the results over the whole group against the truth's mean
  (Lab units; a gray-blue cast shows as a large negative b offset);
* skin (face-crop sets): mean ab of the central face box, hue error in degrees (median
  over photos) and chroma as a share of the truth's (ratio of the mean chromas);
* colour recall: of the truth's strongly coloured pixels (chroma >= 20), the share whose
  result has the right hue (within 45 degrees) and at least half the truth's chroma --
  pooled over the group's pixels; a model that hedges to sepia scores near 0 however
  good its PSNR;
* aged (``aged=True``): the input is the photo's lightness aged as an old print would be
  (``core.colorize.aging``, a fixed seed per file) and the result's ab is put on the TRUE
  lightness before scoring, so the scores say what the damage did to the colour alone;
* hints (hint models): PSNR with 10 hints taken from the truth against no hints; one
  random hint of a random in-gamut colour -- does it land (result ab within 10 of the
  hint's at the hint) and does it spread (the share of the move carried over the pixels
  of similar lightness around it, past the hint's own patch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from colorstudio.core.colorize import aging, pipeline
from colorstudio.core import color
from trainer import data as tdata
from trainer.report.evaluate import colorize_scores, fmt, gt_hints
from colorstudio.core.photo_groups import GROUPS, SKIN_BOX, SKIN_FOLDERS

LAND_TOLERANCE = 10.0     # Lab units of ab
SPREAD_RADIUS = 0.12      # of the long side: the neighbourhood a hint should colour
SPREAD_L_TOLERANCE = 6.0  # L units: "similar lightness"
RECALL_CHROMA = 20.0      # truth's chroma from which a pixel counts as strongly coloured
RECALL_HUE = 45.0         # degrees: "the right hue"
RECALL_SHARE = 0.5        # of the truth's chroma the result must reach
VIVID_CHROMA = 20.0       # result chroma from which a colour is confidently shown
NEUTRAL_CHROMA = 8.0      # truth chroma below which a pixel is near-neutral
WRONG_HUE = 90.0          # degrees: a hue this far from the truth's is the wrong colour


def colour_recall_counts(pred_ab: np.ndarray, true_ab: np.ndarray) -> tuple[int, int]:
    """(hits, strongly coloured pixels) of ab images (H, W, 2) in Lab units."""
    tc = np.hypot(true_ab[..., 0], true_ab[..., 1])
    strong = tc >= RECALL_CHROMA
    n = int(strong.sum())
    if not n:
        return 0, 0
    p, t = pred_ab[strong].astype(np.float64), true_ab[strong].astype(np.float64)
    pc = np.hypot(p[:, 0], p[:, 1])
    d = np.degrees(np.arctan2(p[:, 1], p[:, 0]) - np.arctan2(t[:, 1], t[:, 0]))
    hue_ok = np.abs((d + 180.0) % 360.0 - 180.0) <= RECALL_HUE
    return int((hue_ok & (pc >= RECALL_SHARE * tc[strong])).sum()), n


def false_vivid_count(pred_ab: np.ndarray, true_ab: np.ndarray) -> int:
    """Pixels of confident wrong colour in ab images (H, W, 2), Lab units: the result's chroma
    is >= VIVID_CHROMA where the truth is near-neutral (chroma < NEUTRAL_CHROMA) or of a hue
    more than WRONG_HUE degrees away (a green snow field, a pink blotch on a white wall)."""
    pc = np.hypot(pred_ab[..., 0], pred_ab[..., 1])
    vivid = pc >= VIVID_CHROMA
    if not vivid.any():
        return 0
    p, t = pred_ab[vivid].astype(np.float64), true_ab[vivid].astype(np.float64)
    tc = np.hypot(t[:, 0], t[:, 1])
    d = np.degrees(np.arctan2(p[:, 1], p[:, 0]) - np.arctan2(t[:, 1], t[:, 0]))
    wrong_hue = np.abs((d + 180.0) % 360.0 - 180.0) > WRONG_HUE
    return int(((tc < NEUTRAL_CHROMA) | wrong_hue).sum())


def aged_gray(rgb: np.ndarray, seed: int) -> np.ndarray:
    """The uint8 gray scan of ``rgb`` aged by ``core.colorize.aging`` with a fixed seed."""
    L = aging.age(rgb, np.random.default_rng(seed))
    gray = color.lab_compose(L, np.zeros(L.shape + (2,), np.float32))[:, :, 0]
    return color.from_float01(gray, np.uint8)


def _mean_ab(ab: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    if box is not None:
        h, w = ab.shape[:2]
        x0, x1, y0, y1 = box
        ab = ab[int(y0 * h):max(int(y0 * h) + 1, int(y1 * h)), int(x0 * w):max(int(x0 * w) + 1, int(x1 * w))]
    return ab.reshape(-1, 2).mean(0)


def hue_error_deg(pred_ab: np.ndarray, true_ab: np.ndarray) -> float:
    """Angle between two ab vectors, 0-180 degrees."""
    d = np.degrees(np.arctan2(pred_ab[1], pred_ab[0]) - np.arctan2(true_ab[1], true_ab[0]))
    return float(abs((d + 180.0) % 360.0 - 180.0))


def random_hint_colour(L: float, rng: np.random.Generator, chroma: tuple[float, float] = (25.0, 55.0),
                       tries: int = 64) -> tuple[float, float]:
    """A random ab of the given chroma range that is inside the sRGB gamut at lightness L."""
    for _ in range(tries):
        h = rng.uniform(0, 2 * np.pi)
        c = rng.uniform(*chroma)
        ab = np.array([c * np.cos(h), c * np.sin(h)], np.float32)
        lab = np.array([[[L, ab[0], ab[1]]]], np.float32)
        back = color.rgb_to_lab(np.clip(color.lab_to_rgb(lab), 0, 1))[0, 0]
        if np.abs(back[1:] - ab).max() < 2.0:
            return float(ab[0]), float(ab[1])
    return 0.0, 0.0


def single_hint_test(rgb: np.ndarray, predictor, size: int | None, base_lab: np.ndarray,
                     rng: np.random.Generator) -> dict[str, float] | None:
    """One random hint of a random colour: (landed 0/1, ab error at the hint, spread share)."""
    H, W = rgb.shape[:2]
    L = base_lab[:, :, 0]
    y, x = int(rng.integers(H // 10, H - H // 10)), int(rng.integers(W // 10, W - W // 10))
    a, b = random_hint_colour(float(L[y, x]), rng)
    if a == 0.0 and b == 0.0:
        return None
    res = pipeline.colorize(rgb, predictor, size=size, hints=[pipeline.Hint((x + 0.5) / W, (y + 0.5) / H, a, b)])
    lab = color.rgb_to_lab(res.rgb)
    want = np.array([a, b], np.float32)
    at = lab[max(0, y - 1):y + 2, max(0, x - 1):x + 2, 1:].reshape(-1, 2).mean(0)
    err = float(np.linalg.norm(at - want))
    # Spread: pixels of similar lightness within SPREAD_RADIUS, outside the hint's own patch.
    yy, xx = np.mgrid[0:H, 0:W]
    dist = np.hypot(yy - y, xx - x)
    patch = 2.5 * max(H, W) / float(size or predictor.render_size)  # the rasterised patch, in full-res px
    region = (dist <= SPREAD_RADIUS * max(H, W)) & (dist > 2 * patch) & (np.abs(L - L[y, x]) < SPREAD_L_TOLERANCE)
    spread = float("nan")
    base_at = base_lab[max(0, y - 1):y + 2, max(0, x - 1):x + 2, 1:].reshape(-1, 2).mean(0)
    move = want - base_at
    if region.sum() >= 8 and np.linalg.norm(move) > 5.0:
        u = move / np.linalg.norm(move)
        shift = (lab[region][:, 1:] - base_lab[region][:, 1:]) @ u
        spread = float(np.clip(shift.mean() / np.linalg.norm(move), -1.0, 1.0))
    return {"landed": float(err <= LAND_TOLERANCE), "hint_error": err, "spread": spread}


def evaluate_files(predictor, files: Sequence[Path], size: int | None = None, hints: bool = False,
                   skin: bool = False, gray_threshold: float = 3.0, n_hints: int = 10,
                   example_ids: Sequence[int] = (), saturation: float = 1.0,
                   aged: bool = False) -> dict[str, Any]:
    """Scores of one group of photos (see the module docstring); means unless named."""
    acc: dict[str, list[float]] = {}
    recall, vivid = [0, 0], [0, 0]
    mean_pred, mean_true, skin_err, skin_c, skin_ct = [], [], [], [], []
    shown = []
    picks = set(example_ids)
    rng = np.random.default_rng(2024)
    for i, f in enumerate(files):
        rgb = tdata.read_rgb(f)
        if tdata.is_grayscale(rgb, gray_threshold):
            continue
        source = aged_gray(rgb, 7919 + i) if aged else rgb
        res = pipeline.colorize(source, predictor, size=size, saturation=saturation)
        result = pipeline.compose(rgb, res.ab_small, saturation) if aged else res.rgb
        zero = pipeline.compose(rgb, np.zeros_like(res.ab_small))
        for prefix, out in (("", result), ("base_", zero)):
            for k, v in colorize_scores(rgb, out).items():
                acc.setdefault(prefix + k, []).append(v)
        lab_p, lab_t = color.rgb_to_lab(result), color.rgb_to_lab(rgb)
        hits, strong = colour_recall_counts(lab_p[:, :, 1:], lab_t[:, :, 1:])
        recall[0] += hits
        recall[1] += strong
        vivid[0] += false_vivid_count(lab_p[:, :, 1:], lab_t[:, :, 1:])
        vivid[1] += lab_p.shape[0] * lab_p.shape[1]
        mean_pred.append(_mean_ab(lab_p[:, :, 1:]))
        mean_true.append(_mean_ab(lab_t[:, :, 1:]))
        if skin and Path(f).parent.name in SKIN_FOLDERS:
            p, t = _mean_ab(lab_p[:, :, 1:], SKIN_BOX), _mean_ab(lab_t[:, :, 1:], SKIN_BOX)
            skin_err.append(hue_error_deg(p, t))
            skin_c.append(float(np.hypot(*p)))
            skin_ct.append(float(np.hypot(*t)))
        if hints and not aged:
            hres = pipeline.colorize(rgb, predictor, size=size, hints=gt_hints(rgb, n_hints, i))
            acc.setdefault("hints_psnr_rgb", []).append(colorize_scores(rgb, hres.rgb)["psnr_rgb"])
            one = single_hint_test(rgb, predictor, size, lab_p, rng)
            if one is not None:
                for k, v in one.items():
                    acc.setdefault("hint1_" + k, []).append(v)
        if i in picks:
            gray = np.repeat(source[:, :, None], 3, 2) if aged else \
                np.repeat(color.from_float01(color.l_to_float01(lab_t[:, :, :1]), np.uint8), 3, 2)
            shown.append((gray, res.rgb, rgb))
    if not acc:
        raise tdata.DataError("no colour photos to evaluate")
    def summary(k: str, v: list[float]) -> float:
        v = np.asarray(v, np.float64)
        v = v[np.isfinite(v)]  # a spread can be undefined (no similar-L neighbours)
        return float("nan") if not v.size else float(np.median(v) if k.endswith("spread") else v.mean())

    out: dict[str, Any] = {k: summary(k, v) for k, v in acc.items()}
    out["images"] = len(acc["psnr_rgb"])
    out["gain_db"] = out["psnr_rgb"] - out["base_psnr_rgb"]
    out["colourfulness_ratio"] = out["colourfulness"] / max(1e-9, out["colourfulness_gt"])
    out["colour_recall"] = recall[0] / recall[1] if recall[1] else float("nan")
    out["strong_pixels"] = recall[1]
    out["false_vivid"] = vivid[0] / max(1, vivid[1])
    mp, mt = np.mean(mean_pred, 0), np.mean(mean_true, 0)
    out["mean_ab"], out["mean_ab_gt"] = [float(v) for v in mp], [float(v) for v in mt]
    out["cast"] = float(np.linalg.norm(mp - mt))
    if skin_err:
        out["skin_images"] = len(skin_err)
        out["skin_hue_error_median"] = float(np.median(skin_err))
        out["skin_chroma_ratio"] = float(np.mean(skin_c) / max(1e-9, np.mean(skin_ct)))
    if "hints_psnr_rgb" in out:
        out["hints_gain_db"] = out["hints_psnr_rgb"] - out["psnr_rgb"]
    out["_examples"] = shown
    return out


def score_groups(pred, by_group: dict[str, list[Path]], size: int | None = None,
                 hints: bool = False, examples: int = 0, aged: bool = False) -> dict[str, dict[str, Any]]:
    """Scores of every group in ``by_group`` (``groups.held_out_by_group``); ``examples``
    (input, result, truth) triples are kept per group, spread over its files; ``aged``:
    the old-photo version of every group (no hint tests)."""
    out = {}
    for g in GROUPS:
        files = by_group.get(g.key)
        if not files:
            continue
        picks = np.linspace(0, len(files) - 1, examples).round().astype(int).tolist() if examples else []
        out[g.key] = evaluate_files(pred, files, size=size, hints=hints and g.hints and not aged, skin=True,
                                    example_ids=picks, aged=aged)
    return out


def strip_private(res: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The scores without the example images (for JSON)."""
    return {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in res.items()}


def _pct(v: float | None) -> str:
    return "" if v is None or not np.isfinite(v) else f"{v:.0%}"


def _pct1(v: float | None) -> str:
    return "" if v is None or not np.isfinite(v) else f"{v:.1%}"


def group_table(res: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown rows: one per kind of photo (bench/quality and the model cards)."""
    lines = ["| kind of photo | images | PSNR (dB) | no colour | gain | SSIM | no colour | "
             "colourfulness vs truth | colour recall | false vivid | colour cast (ab) | skin hue error | skin chroma |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    labels = {g.key: g.label for g in GROUPS}
    for key, r in res.items():
        skin = (f"{r['skin_hue_error_median']:.0f}° ({r['skin_images']})", f"{r['skin_chroma_ratio']:.0%}") \
            if "skin_hue_error_median" in r else ("", "")
        lines.append(f"| {labels[key]} | {r['images']} | {fmt(r['psnr_rgb'])} | {fmt(r['base_psnr_rgb'])} | "
                     f"**{r['gain_db']:+.2f}** | {r['ssim']:.3f} | {r['base_ssim']:.3f} | "
                     f"{r['colourfulness_ratio']:.0%} | {_pct(r.get('colour_recall'))} | "
                     f"{_pct1(r.get('false_vivid'))} | {r['cast']:.1f} | "
                     f"{skin[0]} | {skin[1]} |")
    return lines


def hint_table(res: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown rows of the hint scores, for the groups that have them."""
    lines = ["| kind of photo | no hints (dB) | 10 truth hints (dB) | gain | one random hint lands | "
             "its error (ab) | spread (median share) |", "|---|---|---|---|---|---|---|"]
    labels = {g.key: g.label for g in GROUPS}
    for key, r in res.items():
        if "hints_gain_db" in r:
            lines.append(f"| {labels[key]} | {fmt(r['psnr_rgb'])} | {fmt(r['hints_psnr_rgb'])} | "
                         f"**{r['hints_gain_db']:+.2f}** | {r['hint1_landed']:.0%} | "
                         f"{r['hint1_hint_error']:.1f} | {r['hint1_spread']:.2f} |")
    return lines
