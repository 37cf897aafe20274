"""Evaluate a trained model through the same pipeline users run (cards: trainer.report.cards).

Colorizers: each held-out photo's lightness goes through ``colorstudio.core.colorize.pipeline``
(resize for the net, predict, recombine with full-resolution L); scores: PSNR on RGB
and on ab (ab mapped to [0, 1] by (ab + 110) / 220, 110 = ``color.AB_SCALE``), SSIM on RGB, Hasler-Suesstrunk
colourfulness of the result and of the ground truth, and the same for the "no colour"
baseline (ab = 0 composed by the same pipeline).  Hint models are also scored with
hints taken from the ground truth.
Facades: label map -> ``pipeline.translate`` -> L1 / PSNR / SSIM against the photo, beside
the "mean facade colour per class" baseline (class means from the training pairs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.color import palette
from colorstudio.core.colorize import pipeline
from trainer import data as tdata
from trainer.engine import scores

def _ab01(ab: np.ndarray) -> np.ndarray:
    """ab (Lab units) -> [0, 1] for PSNR, over the networks' range +-color.AB_SCALE."""
    return (ab + color.AB_SCALE) / (2 * color.AB_SCALE)


def gt_hints(rgb: np.ndarray, n: int, seed: int) -> list[pipeline.Hint]:
    """``n`` hints at random positions, coloured with the ground truth's mean 3x3 ab."""
    rng = np.random.default_rng(seed)
    lab = color.rgb_to_lab(rgb)
    h, w = rgb.shape[:2]
    out = []
    for _ in range(n):
        y, x = int(rng.integers(1, h - 1)), int(rng.integers(1, w - 1))
        a, b = lab[y - 1:y + 2, x - 1:x + 2, 1:].reshape(-1, 2).mean(0)
        out.append(pipeline.Hint((x + 0.5) / w, (y + 0.5) / h, float(a), float(b)))
    return out


def colorize_scores(rgb_u8: np.ndarray, result_u8: np.ndarray) -> dict[str, float]:
    gt = color.to_float01(rgb_u8)
    res = color.to_float01(result_u8)
    return {"psnr_rgb": scores.psnr(res, gt), "psnr_ab": scores.psnr(_ab01(color.rgb_to_ab(res)),
                                                                       _ab01(color.rgb_to_ab(gt))),
            "ssim": scores.ssim(res, gt), "colourfulness": scores.colourfulness(res),
            "colourfulness_gt": scores.colourfulness(gt)}


def evaluate_colorizer(predictor, files: Sequence[Path], size: int | None = None,
                       hints: int = 0, gray_threshold: float = 3.0,
                       examples: int = 0, example_ids: Iterable[int] = ()) -> dict[str, Any]:
    """Mean scores of model and ab=0 baseline over colour photos (grayscale ones skipped).

    ``examples``: keep the first N (gray input, result, ground truth) triples, or those of
    the files at ``example_ids``."""
    example_ids = set(example_ids)
    model: dict[str, list[float]] = {}
    base: dict[str, list[float]] = {}
    hinted: dict[str, list[float]] = {}
    skipped = 0
    shown: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i, f in enumerate(files):
        rgb = tdata.read_rgb(f)
        if tdata.is_grayscale(rgb, gray_threshold):
            skipped += 1
            continue
        res = pipeline.colorize(rgb, predictor, size=size)
        zero = pipeline.compose(rgb, np.zeros_like(res.ab_small))
        for acc, out in ((model, res.rgb), (base, zero)):
            for k, v in colorize_scores(rgb, out).items():
                acc.setdefault(k, []).append(v)
        if hints:
            hres = pipeline.colorize(rgb, predictor, size=size, hints=gt_hints(rgb, hints, i))
            for k, v in colorize_scores(rgb, hres.rgb).items():
                hinted.setdefault(k, []).append(v)
        if (len(shown) < examples and not example_ids) or i in example_ids:
            gray = np.repeat(color.from_float01(color.luminance(rgb)[:, :, None] / 100.0, np.uint8), 3, 2)
            shown.append((gray, res.rgb, rgb))
    if not model:
        raise tdata.DataError("no colour photos to evaluate")
    mean = lambda d: {k: float(np.mean(v)) for k, v in d.items()}  # noqa: E731
    out: dict[str, Any] = {"images": len(model["psnr_rgb"]), "skipped_gray": skipped,
                           "model": mean(model), "baseline_ab0": mean(base)}
    m, b = out["model"], out["baseline_ab0"]
    m["colourfulness_ratio"] = m["colourfulness"] / max(1e-9, m["colourfulness_gt"])
    out["psnr_gain_db"] = m["psnr_rgb"] - b["psnr_rgb"]
    if hints:
        out[f"model_{hints}_hints"] = mean(hinted)
    out["_examples"] = shown
    return out


def class_mean_colours(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(12, 3) mean photo colour (0-1) of each facade class over (label, photo) pairs."""
    sums = np.zeros((palette.NUM_CLASSES, 3))
    counts = np.zeros(palette.NUM_CLASSES)
    for label, photo in pairs:
        ids = palette.rgb_to_labels(label).ravel()
        ph = color.to_float01(photo).reshape(-1, 3)
        np.add.at(sums, ids, ph)
        counts += np.bincount(ids, minlength=palette.NUM_CLASSES)
    overall = sums.sum(0) / max(1, counts.sum())
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], overall)


def facade_pairs(files: Sequence[Path], direction: str = "BtoA") -> list[tuple[np.ndarray, np.ndarray]]:
    """(label, photo) uint8 images of AB-aligned facade files."""
    out = []
    for f in files:
        x, y = tdata.split_pair(tdata.read_rgb(f), direction)
        out.append((x, y) if direction == "BtoA" else (y, x))
    return out


def _translate_scores(pred: np.ndarray, photo: np.ndarray) -> dict[str, float]:
    p, t = color.to_float01(pred), color.to_float01(photo)
    return {"l1": float(np.abs(p - t).mean()), "psnr": scores.psnr(p, t), "ssim": scores.ssim(p, t)}


def evaluate_translator(predictor, val_files: Sequence[Path], train_files: Sequence[Path] | None = None,
                        size: int | None = None, direction: str = "BtoA",
                        examples: int = 0, example_ids: Iterable[int] = ()) -> dict[str, Any]:
    """Facades: model and class-mean baseline (means from ``train_files``) on ``val_files``."""
    means = class_mean_colours(facade_pairs(train_files, direction)) if train_files else None
    model: dict[str, list[float]] = {}
    base: dict[str, list[float]] = {}
    shown = []
    example_ids = set(example_ids)
    for i, (label, photo) in enumerate(facade_pairs(val_files, direction)):
        label = palette.snap(label)
        pred = pipeline.translate(label, predictor, size=size)
        for k, v in _translate_scores(pred, photo).items():
            model.setdefault(k, []).append(v)
        if means is not None:
            bl = color.from_float01(means[palette.rgb_to_labels(label)], np.uint8)
            for k, v in _translate_scores(bl, photo).items():
                base.setdefault(k, []).append(v)
        if (len(shown) < examples and not example_ids) or i in example_ids:
            shown.append((label, pred, photo))
    mean = lambda d: {k: float(np.mean(v)) for k, v in d.items()}  # noqa: E731
    out: dict[str, Any] = {"images": len(model["l1"]), "model": mean(model)}
    if base:
        out["baseline_class_mean"] = mean(base)
    out["_examples"] = shown
    return out


def example_grid(rows: Sequence[tuple[np.ndarray, ...]], height: int = 150) -> np.ndarray:
    """uint8 RGB grid, one row per example, cells resized to ``height``."""
    import cv2

    lines = []
    for cells in rows:
        rs = [cv2.resize(c, (max(1, round(c.shape[1] * height / c.shape[0])), height),
                         interpolation=cv2.INTER_AREA) for c in cells]
        lines.append(np.concatenate(rs, 1))
    w = max(r.shape[1] for r in lines)
    lines = [np.pad(r, ((0, 0), (0, w - r.shape[1]), (0, 0)), constant_values=255) for r in lines]
    return np.concatenate(lines, 0)


def fmt(v: float) -> str:
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.2f}"


def results_markdown(res: dict[str, Any]) -> str:
    lines = ["| | " + " | ".join(res["model"]) + " |", "|---" * (len(res["model"]) + 1) + "|"]
    for key in [k for k in res if isinstance(res[k], dict) and not k.startswith("_")]:
        row = res[key]
        lines.append(f"| {key} | " + " | ".join(fmt(row[c]) if c in row else "" for c in res["model"]) + " |")
    return "\n".join(lines)


def load_any(checkpoint_path: str, name: str | None = None):
    """A Predictor for an exported .safetensors, a run folder or a training .pt."""
    import tempfile

    from colorstudio.core.io.checkpoint import read_metadata
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    p = Path(checkpoint_path)
    if p.is_dir() or p.suffix == ".pt":
        import shutil

        from trainer.engine.export import export_run

        tmpdir = Path(tempfile.mkdtemp(prefix="colorstudio-eval-"))
        try:  # the export is only a way in: the model is built from it, then it goes
            exported = export_run(p, tmpdir / "model.safetensors", half=False)
            meta = read_metadata(exported)
            family = name or meta.get("family")
            if not family:
                raise tdata.DataError(f"{p.name}: no family in its metadata; pass --model NAME")
            return Predictor(create(family, weights=exported), device="cpu"), meta
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
    meta = read_metadata(p)
    family = name or meta.get("family")
    if not family:
        raise tdata.DataError(f"{p.name}: no family in its metadata; pass --model NAME")
    return Predictor(create(family, weights=p), device="cpu"), meta
