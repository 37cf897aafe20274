"""Evaluate a trained model through the same pipeline users run (cards: trainer.report.cards).

Colorizers: each held-out photo's lightness goes through ``colorstudio.core.colorize.pipeline``
(resize for the net, predict, recombine with full-resolution L); scores: PSNR on RGB
and on ab (ab mapped to [0, 1] by (ab + 110) / 220, 110 = ``color.AB_SCALE``), SSIM on RGB, Hasler-Suesstrunk
colourfulness of the result and of the ground truth, and the same for the "no colour"
baseline (ab = 0 composed by the same pipeline).  Hint models are also scored with
hints taken from the ground truth.
Facades: label map -> ``pipeline.translate`` -> L1 / PSNR / SSIM against the photo, beside
the "mean facade colour per class" baseline (class means from the training pairs).
Damage detectors (task ``restore``, :func:`evaluate_damage`): each held-out photo at a
512 px short side, damaged with the held-out mix of ``core.colorize.damage`` (a fixed seed
per file), the whole scan run at once; precision, recall and F1 of the flagged pixels pooled
per kind of photo, and the share flagged on the same photos undamaged (false alarms).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.color import palette
from colorstudio.core.colorize import damage, pipeline
from trainer import data as tdata
from trainer.engine import scores
from colorstudio.core.photo_groups import GROUPS

DAMAGE_EVAL_SIZE = 512   # short side the held-out photos are scored at: the damage's scan scale
DAMAGE_THRESHOLD = 0.5   # damage probability from which a pixel counts as flagged

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
            gray = np.repeat(color.from_float01(color.l_to_float01(color.luminance(rgb))[:, :, None], np.uint8), 3, 2)
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


def damage_seed(path: str | Path) -> int:
    """The fixed seed of a file's damage: by its name, so a score is the same scans on every
    machine and in every run (and independent of the folder it sits in)."""
    return zlib.crc32(Path(path).name.encode("utf-8")) + 7


def at_short_side(rgb: np.ndarray, size: int) -> np.ndarray:
    """``rgb`` resized (cubic) so its short side is ``size``: the scan the benchmark
    (bench/restoration.py) makes of the same file, so their scores agree."""
    import cv2

    h, w = rgb.shape[:2]
    s = size / min(h, w)
    if s == 1.0:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_CUBIC)


def _forward(net, x: np.ndarray) -> np.ndarray:
    """Logits of a Predictor (its device and back-end) or of a bare network (eval mode)."""
    if hasattr(net, "run"):
        return net.run(x)
    import torch

    p = next(net.parameters())
    with torch.inference_mode():
        return net.eval()(torch.from_numpy(x).to(p.device)).float().cpu().numpy()


def damage_probability(net, L: np.ndarray) -> np.ndarray:
    """Damage probability (H, W) of a lightness plane (H, W) in [0, 100], the whole image in
    one pass (a scratch across a print is judged with all of it in view): padded by
    reflection to the net's multiple (16 for damage-unet), cropped back."""
    model = getattr(net, "model", net)
    m = int(getattr(model, "multiple", 16))
    h, w = L.shape
    padded = np.pad(L, ((0, -h % m), (0, -w % m)), mode="reflect")
    x = np.ascontiguousarray(color.normalize_l(padded)[None, None], np.float32)
    logits = _forward(net, x)[0, 0, :h, :w].astype(np.float64)
    return (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)   # the sigmoid, without overflow


def damage_counts(net, path: str | Path, size: int = DAMAGE_EVAL_SIZE,
                  threshold: float = DAMAGE_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """(mask counts on the damaged scan, counts on the same photo undamaged) of one file:
    see :func:`trainer.engine.scores.mask_counts`."""
    rgb = at_short_side(tdata.read_rgb(path), size)
    seed = damage_seed(path)
    clean_L, scan, truth = damage.damaged_print(rgb, np.random.default_rng(seed), damage.HELD_OUT_MIX,
                                                p_clean=0.0)   # scale: the short side / 512
    found = scores.mask_counts(damage_probability(net, scan) >= threshold, truth)
    plain = damage.scan(clean_L.copy(), np.random.default_rng(seed + 1))   # the scan's grain, blur, JPEG only
    false = scores.mask_counts(damage_probability(net, plain) >= threshold, np.zeros(truth.shape, bool))
    return found, false


def _damage_row(n: int, found: np.ndarray, false: np.ndarray) -> dict[str, float]:
    det = scores.detection_scores(found)
    return {"images": n, "precision": det["precision"], "recall": det["recall"], "f1": det["f1"],
            "flagged": det["flagged"], "flagged_clean": scores.detection_scores(false)["flagged"]}


def evaluate_damage(net, files_by_group: Mapping[str, Sequence[Path]], size: int = DAMAGE_EVAL_SIZE,
                    threshold: float = DAMAGE_THRESHOLD) -> dict[str, Any]:
    """A damage detector (a Predictor or the network) on held-out photos per kind of photo:
    ``{"images", "size", "threshold", "detection": {group: row}}``, each row ``images``,
    ``precision``, ``recall``, ``f1`` (pixels pooled over the group's damaged scans),
    ``flagged`` (share of the damaged scans' pixels flagged) and ``flagged_clean`` (on the
    same photos undamaged); with several groups an ``all`` row pools them."""
    rows: dict[str, dict[str, float]] = {}
    total = [np.zeros(4, np.int64), np.zeros(4, np.int64)]
    n = 0
    for key, files in files_by_group.items():
        if not files:
            continue
        acc = [np.zeros(4, np.int64), np.zeros(4, np.int64)]
        for f in files:
            for a, c in zip(acc, damage_counts(net, f, size, threshold)):
                a += c
        rows[key] = _damage_row(len(files), *acc)
        total = [t + a for t, a in zip(total, acc)]
        n += len(files)
    if not n:
        raise tdata.DataError("no held-out photos to evaluate the damage detector on")
    if len(rows) > 1:
        rows["all"] = _damage_row(n, *total)
    return {"images": n, "size": size, "threshold": threshold, "detection": rows}


def damage_markdown(rows: Mapping[str, Mapping[str, float]]) -> str:
    """The detection table of :func:`evaluate_damage`: one row per kind of photo."""
    labels = {g.key: g.label for g in GROUPS}
    lines = ["| kind of photo | images | precision | recall | F1 | flagged on clean photos |",
             "|---|---|---|---|---|---|"]
    for key, r in rows.items():
        lines.append(f"| {labels.get(key, key)} | {r['images']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"**{r['f1']:.3f}** | {r['flagged_clean']:.2%} |")
    return "\n".join(lines)


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
    """The scores as a Markdown table: model beside its baselines, or a damage detector's
    detection per kind of photo."""
    if "detection" in res:
        return damage_markdown(res["detection"])
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
