"""Repair of old prints' damage (issue 31): detection and fill on held-out photos with
held-out synthetic damage, per kind of photo, against the issue's targets.

    python -m bench.restoration [--photos DIR] [--limit N] [--weights FILE] [--fills telea,ns,learned]
                                [--inpainter FILE] [--fill METHOD] [--colour] [--out FILE.md]

Every held-out photo (``trainer.groups``: every 20th file of each folder) is enlarged to a
short side of 512 px (a scan), printed as an old print and damaged with
``core.colorize.damage.HELD_OUT_MIX`` at a fixed seed per file (another mix and other seeds
than training's).  Scored, on the lightness L:

* the fill alone, with the true mask (what each fill can do), every fill on the same photos
  and masks: damage error removed inside the mask, ``1 - MSE(repaired, clean) /
  MSE(damaged, clean)``, and the texture kept there: the fill's mean gradient magnitude in
  the mask over that of the print's undamaged scan (the same grain, blur and JPEG:
  ``damage.scan_twins``): 1 kept, below 1 smeared.  ``learned`` is the ``inpaint-unet`` of
  ``--inpainter`` (default: the shipped file; then it is compared by default);
* detection + fill (the shipped ``damage-unet``, the fill of ``--fill``): precision, recall, F1 of the mask; the
  damage error removed; PSNR away from the damage (repaired vs the damaged scan, outside the
  true mask grown by 4 px: what a repair must leave alone); and on the same photos undamaged,
  the share of pixels flagged and the PSNR of repair on vs off;
* ``--colour``: the default colorizer on the repaired damaged photo vs on the clean photo,
  RGB PSNR against the truth (how much of the damage's harm to the colour is left).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np

from colorstudio.core.colorize import damage
from colorstudio.core.restore import repair
from trainer import data as tdata
from trainer.engine import scores
from trainer.groups import held_out_by_group

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))
SCAN_SIDE = 512

# Issue 31's targets.
REMOVED_ALL, REMOVED_EACH = 0.70, 0.60     # damage error removed inside the mask
AWAY_PSNR = 40.0                           # dB, the rest of the photo vs the unrepaired scan
CLEAN_PSNR = 40.0                          # dB, an undamaged photo with repair on vs off
F1_TARGET = 0.80
COLOUR_GAP = 1.0                           # dB, colour on a damaged photo vs the clean photo


def scan_of(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rgb at scan size, clean L, damaged L, true mask, undamaged scan L, the damaged scan's
    undamaged twin) of one held-out photo, the same on every run (seed from the file's name).
    The undamaged scan is the print through another scan (the detector's clean test); the
    twin went through the damaged one's own scan (the texture a fill should give back)."""
    rgb = tdata.read_rgb(path)
    f = SCAN_SIDE / min(rgb.shape[:2])
    rgb = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)), interpolation=cv2.INTER_CUBIC)
    seed = zlib.crc32(path.name.encode()) + 7
    p = damage.damaged_print_twins(rgb, np.random.default_rng(seed), damage.HELD_OUT_MIX, p_clean=0.0, scale=1.0)
    clean, damaged, mask = p.clean, p.scan, p.mask   # what damage.damaged_print draws from this seed
    # The same print undamaged, through the same scan (grain, blur, JPEG drawn from the same seed).
    undamaged = damage.scan(clean.copy(), np.random.default_rng(seed + 1))
    return rgb, clean, damaged, mask, undamaged, p.clean_scan


def _psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None, peak: float = 100.0) -> float:
    d = (a.astype(np.float64) - b) ** 2
    mse = float(d[where].mean()) if where is not None else float(d.mean())
    return 99.0 if mse <= 1e-12 else 10 * np.log10(peak * peak / mse)


class Tally:
    """Pooled sums over a group's photos."""

    def __init__(self):
        self.err_before = self.err_after = 0.0
        self.steps = self.steps_truth = 0.0   # gradient magnitude summed in the mask: the fill's, the truth's
        self.tp = self.fp = self.fn = 0
        self.away, self.clean_psnr, self.flagged, self.gap, self.gap_unrepaired = [], [], [], [], []
        self.images = 0

    def removed(self) -> float:
        return 1.0 - self.err_after / max(1e-12, self.err_before)

    def texture(self) -> float:
        return self.steps / max(1e-12, self.steps_truth)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / max(1, self.tp + self.fp)
        r = self.tp / max(1, self.tp + self.fn)
        return p, r, 2 * p * r / max(1e-12, p + r)


def run(files_by_group: dict[str, list[Path]], runner, fills: list[str], colour_pred=None,
        threshold: float = repair.THRESHOLD, inpainter=None, fill: str | None = None) -> dict:
    """Per group: one Tally per fill with the true mask ("oracle <fill>") and one for the
    detector with ``fill`` (default the first of ``fills``; "detected"), plus the time per
    photo of detection and fill.  ``inpainter``: the learned fill's net."""
    fill = fill or fills[0]
    res: dict[str, dict[str, Tally]] = {}
    times: list[float] = []
    for key, files in files_by_group.items():
        g = res.setdefault(key, {})
        for f in files:
            rgb, clean, dmg, mask, undamaged, twin = scan_of(f)
            if not mask.any():
                continue
            inside = mask
            for m in fills:
                t = g.setdefault(f"oracle {m}", Tally())
                out = repair.fill(dmg, repair.mask_of(mask.astype(np.float32), 0.5, repair.DILATE), m,
                                  inpainter=inpainter)
                t.err_before += float(((dmg - clean)[inside] ** 2).sum())
                t.err_after += float(((out - clean)[inside] ** 2).sum())
                t.steps += scores.step_sum(out, inside)
                t.steps_truth += scores.step_sum(twin, inside)
                t.images += 1
            if runner is None:
                continue
            t = g.setdefault("detected", Tally())
            t0 = time.perf_counter()
            r = repair.repair(runner, dmg, threshold, method=fill, inpainter=inpainter)
            times.append(time.perf_counter() - t0)
            found = r.prob >= threshold
            t.tp += int((found & mask).sum())
            t.fp += int((found & ~mask).sum())
            t.fn += int((~found & mask).sum())
            t.err_before += float(((dmg - clean)[inside] ** 2).sum())
            t.err_after += float(((r.L - clean)[inside] ** 2).sum())
            near = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
            t.away.append(_psnr(r.L, dmg, ~near))
            rc = repair.repair(runner, undamaged, threshold, method=fill, inpainter=inpainter)
            t.flagged.append(float((rc.prob >= threshold).mean()))
            t.clean_psnr.append(_psnr(rc.L, undamaged))
            if colour_pred is not None:
                gap, gap_unrepaired = _colour_gap(colour_pred, rgb, dmg, r.L, undamaged)
                t.gap.append(gap)
                t.gap_unrepaired.append(gap_unrepaired)
            t.images += 1
    return {"groups": res, "seconds_per_photo": float(np.mean(times)) if times else None}


def _colour_gap(pred, rgb: np.ndarray, damaged_L: np.ndarray, repaired_L: np.ndarray,
                clean_L: np.ndarray) -> tuple[float, float]:
    """dB of RGB PSNR against the truth lost by colouring the damaged scan instead of the
    undamaged one: (repaired first, as it is), each result keeping its own lightness as the
    pipeline does."""
    from colorstudio.core import color
    from colorstudio.core.colorize import pipeline

    truth = color.to_float01(rgb)

    def psnr_of(L: np.ndarray) -> float:
        gray = color.lab_to_rgb(np.dstack([L, np.zeros_like(L), np.zeros_like(L)]).astype(np.float32))
        out = pipeline.colorize(gray.astype(np.float32), pred).rgb
        return _psnr(color.to_float01(out), truth, peak=1.0)

    clean = psnr_of(clean_L)
    return clean - psnr_of(repaired_L), clean - psnr_of(damaged_L)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(result: dict) -> list[str]:
    groups = result["groups"]
    names = sorted({n for g in groups.values() for n in g}, key=lambda n: (n == "detected", n))
    oracles = [n for n in names if n != "detected"]
    lines = ["| kind of photo | images | " + " | ".join(f"removed ({n})" for n in names) +
             "".join(f" | texture ({n})" for n in oracles) +
             " | precision | recall | F1 | away PSNR | flagged on clean | clean PSNR | colour gap |",
             "|---" * (len(names) + len(oracles) + 9) + "|"]
    for key, g in groups.items():
        d = g.get("detected")
        cells = [f"{g[n].removed():.0%}" if n in g else "" for n in names]
        cells += [f"{g[n].texture():.2f}" if n in g else "" for n in oracles]
        if d is not None and d.images:
            p, r, f1 = d.prf()
            extra = [f"{p:.2f}", f"{r:.2f}", f"{f1:.2f}", f"{np.min(d.away):.1f}", f"{np.mean(d.flagged):.2%}",
                     f"{np.min(d.clean_psnr):.1f}",
                     f"{np.mean(d.gap):+.2f} dB (unrepaired {np.mean(d.gap_unrepaired):+.2f})" if d.gap else ""]
        else:
            extra = [""] * 7
        n = max(t.images for t in g.values()) if g else 0
        lines.append(f"| {key} | {n} | " + " | ".join(cells + extra) + " |")
    return lines


def fills_pooled(result: dict) -> list[str]:
    """One line per fill with the true mask, pooled over every photo: the comparison that
    decides which fill the repair uses."""
    pooled: dict[str, Tally] = {}
    for g in result["groups"].values():
        for name, t in g.items():
            if name != "detected":
                p = pooled.setdefault(name.removeprefix("oracle "), Tally())
                for k in ("err_before", "err_after", "steps", "steps_truth", "images"):
                    setattr(p, k, getattr(p, k) + getattr(t, k))
    return [f"fill {name} with the true mask, all photos: {t.removed():.0%} of the damage error removed, "
            f"texture {t.texture():.2f} of the undamaged scan's ({t.images} photos)" for name, t in pooled.items()]


def targets(result: dict) -> list[str]:
    det = [g["detected"] for g in result["groups"].values() if "detected" in g and g["detected"].images]
    if not det:
        return fills_pooled(result) + ["no detector: the targets need damage-unet weights (--weights or the "
                                       "shipped file)"]
    pooled = Tally()
    for t in det:
        for k in ("err_before", "err_after", "tp", "fp", "fn"):
            setattr(pooled, k, getattr(pooled, k) + getattr(t, k))
    out = fills_pooled(result)
    out += [f"damage error removed inside the mask, all photos: {pooled.removed():.0%} (target >= "
            f"{REMOVED_ALL:.0%}) -- {verdict(pooled.removed() >= REMOVED_ALL)}",
            f"damage error removed, worst kind: {min(t.removed() for t in det):.0%} (target >= "
            f"{REMOVED_EACH:.0%}) -- {verdict(min(t.removed() for t in det) >= REMOVED_EACH)}"]
    away = min(min(t.away) for t in det)
    out.append(f"away from the damage, worst photo: {away:.1f} dB (target >= {AWAY_PSNR:g}) -- "
               f"{verdict(away >= AWAY_PSNR)}")
    cl = min(min(t.clean_psnr) for t in det)
    out.append(f"undamaged photos, repair on vs off, worst photo: {cl:.1f} dB (target >= {CLEAN_PSNR:g}) -- "
               f"{verdict(cl >= CLEAN_PSNR)}")
    f1 = pooled.prf()[2]
    out.append(f"detection F1, all photos: {f1:.2f} (target >= {F1_TARGET}) -- {verdict(f1 >= F1_TARGET)}")
    gaps = [g for t in det for g in t.gap]
    if gaps:
        before = np.mean([g for t in det for g in t.gap_unrepaired])
        out.append(f"colour on a repaired damaged photo vs the clean photo: {np.mean(gaps):.2f} dB worse "
                   f"(unrepaired: {before:.2f} dB; target <= {COLOUR_GAP}) -- {verdict(np.mean(gaps) <= COLOUR_GAP)}")
    if result.get("seconds_per_photo"):
        out.append(f"detection + fill: {result['seconds_per_photo'] * 1000:.0f} ms per 512 px scan "
                   "(the 2048x1536 target is in bench.speed)")
    return out


def _fills(ap: argparse.ArgumentParser, a: argparse.Namespace) -> tuple[list[str], object]:
    """The fills to compare and the learned fill's inpainter (None when not asked for), or the
    parser's one-line error: an unknown fill, or the learned one without weights."""
    from colorstudio.core.errors import UserError
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create, spec

    shipped = spec("inpaint-unet").weights_path()
    weights = a.inpainter or (shipped if shipped.is_file() else None)
    if a.fills is None:
        fills = list(repair.CLASSICAL) + (["learned"] if weights else [])
    else:
        fills = [m.strip() for m in a.fills.split(",") if m.strip()]
    bad = [m for m in fills if m not in repair.FILLS]
    if bad or not fills:
        ap.error(f"--fills: {', '.join(bad) or 'none given'}; each one of {', '.join(repair.FILLS)}")
    if "learned" not in fills and a.fill != "learned":
        return fills, None
    if weights is None:
        ap.error(f"the learned fill needs --inpainter WEIGHTS (no {shipped} is installed)")
    try:
        return fills, Predictor(create("inpaint-unet", weights=weights), device="cpu", backend="torch")
    except UserError as exc:
        ap.error(f"--inpainter: {exc}")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench.restoration", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--limit", type=int, default=12, help="held-out photos per kind (spread evenly)")
    ap.add_argument("--weights", type=Path, help="damage-unet weights (default: the shipped file)")
    ap.add_argument("--fills", help="fills compared with the true mask, of " + ", ".join(repair.FILLS) +
                    " (default: telea,ns, and learned when an inpainter is there)")
    ap.add_argument("--inpainter", type=Path, help="inpaint-unet weights of the learned fill (default: the "
                    "shipped resources/weights/inpaint-unet.safetensors when it exists)")
    ap.add_argument("--fill", choices=repair.FILLS, help="the fill of the detection + fill figures "
                    "(default: the first of --fills)")
    ap.add_argument("--threshold", type=float, default=None,
                    help=f"the detector's probability from which a pixel is mended (default {repair.THRESHOLD})")
    ap.add_argument("--colour", action="store_true", help="also the colour target (runs the default colorizer)")
    ap.add_argument("--out", type=Path, help="also write the table and targets to this markdown file")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    a = ap.parse_args(argv)
    import torch

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create, spec

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    fills, inpainter = _fills(ap, a)
    runner = None
    if a.weights or spec("damage-unet").has_weights:
        runner = Predictor(create("damage-unet", weights=a.weights or True), device="cpu", backend="torch")
    colour = None
    if a.colour:
        from colorstudio.models.loading import load_predictor

        from colorstudio.models import default_model

        colour = load_predictor(default_model("colorize"), device="cpu")
    t0 = time.time()
    result = run(held_out_by_group(a.photos, limit=a.limit), runner, fills, colour,
                 repair.THRESHOLD if a.threshold is None else a.threshold, inpainter, a.fill)
    lines = table(result) + [""] + [f"- {t}" for t in targets(result)]
    print("\n".join(lines))
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    if a.out:
        a.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
