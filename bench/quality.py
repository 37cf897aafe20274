"""Quality of the shipped models on every kind of photo, against "no colour".

    python -m bench.quality [--photos DIR] [--facades DIR] [--limit N] [--sizes 128,192,256]
                            [--models a,b] [--out docs/quality.md] [--json FILE]

Colorizers: the held-out files of every photo set under ``--photos`` (in each folder,
sorted by name, every 20th from the first -- the files the trainer leaves out), grouped
by kind (``core.photo_groups``): people, interiors, animals and objects, outdoor scenes,
mixed (BSDS500).  Each photo's lightness goes through ``pipeline.colorize`` at the
model's default render size; scores are in ``trainer.report.group_eval``.  Hint models are
also scored with hints (10 from the truth; one random hint: lands? spreads?).
``--sizes`` adds a render-size study of the default colorizer.
Facades: ``--facades``/val (68 pairs held out from training), label -> photo, beside
the class-mean-colour baseline.
Prints one table and a line per target (met or MISSED), and writes them to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from colorstudio.models.loading import load_predictor
from colorstudio.models import available, default_model
from trainer import data as tdata
from trainer.report.evaluate import evaluate_translator, example_grid, fmt
from trainer.report.group_eval import group_table, hint_table, score_groups, strip_private
from colorstudio.core.photo_groups import GROUPS
from trainer.groups import held_out_by_group

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))

# Targets of the default colorizer per kind of photo (issue 30, after issue 22's): gain over no
# colour (dB), colourfulness as a share of the truth's, colour recall no lower than before the
# calibrated decoding, false vivid (confident wrong colour) halved (see trainer.report.group_eval).
GAIN_TARGET, GAIN_TARGETS = 1.0, {"people": 5.3}
COLOUR_TARGET = 0.65
VIVID_CUT = 0.5               # false vivid at most this share of the decoding's before issue 30
SEMANTIC_GAP_TARGET = 0.25    # share of the gray -> truth gap in ImageNet top-1 the colour recovers
CAST_TARGET = 5.0             # |mean ab - truth's mean ab| over the group, Lab units
SKIN_HUE_TARGET = 10.0        # degrees, median
SKIN_CHROMA_TARGET = 0.80     # share of the truth's
AGED_GAIN_GAP = 0.5           # dB: an aged photo's colour gain within this of the clean one's
AGED_SKIN_HUE = 15.0          # degrees: no olive or blue skin on aged inputs
HINT_GAIN_TARGET = 3.0        # dB of 10 truth hints over none
HINT_LAND_TARGET = 0.90       # share of random single hints that land within 10 ab units
HINT_LAND_DEFAULT = 0.95      # ... on the default colorizer (issue 35: its hint step after the network)
HINT_SPREAD_TARGET = 0.50     # median share of the hint's move carried to similar-L neighbours


def _save_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))


def _check(ok: bool) -> str:
    return "met" if ok else "MISSED"


def colorizer_targets(name: str, res: dict[str, dict[str, Any]],
                      aged: dict[str, dict[str, Any]] | None = None,
                      before: dict[str, dict[str, Any]] | None = None) -> list[tuple[str, bool]]:
    lines = []
    for key, r in res.items():
        t = GAIN_TARGETS.get(key, GAIN_TARGET)
        lines.append((f"{name} {key}: gain {r['gain_db']:+.2f} dB >= +{t} dB", r["gain_db"] >= t))
        lines.append((f"{name} {key}: colourfulness {r['colourfulness_ratio']:.0%} >= {COLOUR_TARGET:.0%}",
                      r["colourfulness_ratio"] >= COLOUR_TARGET))
        b = (before or {}).get(key)
        if b is not None:
            lines.append((f"{name} {key}: colour recall {r['colour_recall']:.0%} >= before {b['colour_recall']:.0%}",
                          r["colour_recall"] >= b["colour_recall"]))
            lines.append((f"{name} {key}: false vivid {r['false_vivid']:.2%} <= half of before "
                          f"{b['false_vivid']:.2%}", r["false_vivid"] <= VIVID_CUT * b["false_vivid"]))
        lines.append((f"{name} {key}: colour cast {r['cast']:.1f} <= {CAST_TARGET:g} Lab units",
                      r["cast"] <= CAST_TARGET))
        if "skin_hue_error_median" in r:
            lines.append((f"{name} skin: hue error {r['skin_hue_error_median']:.0f}° <= {SKIN_HUE_TARGET:g}°",
                          r["skin_hue_error_median"] <= SKIN_HUE_TARGET))
            lines.append((f"{name} skin: chroma {r['skin_chroma_ratio']:.0%} >= {SKIN_CHROMA_TARGET:.0%}",
                          r["skin_chroma_ratio"] >= SKIN_CHROMA_TARGET))
        a = (aged or {}).get(key)
        if a is not None:
            lines.append((f"{name} {key} aged: gain {a['gain_db']:+.2f} dB within {AGED_GAIN_GAP} dB of "
                          f"clean {r['gain_db']:+.2f}", a["gain_db"] >= r["gain_db"] - AGED_GAIN_GAP))
            if "skin_hue_error_median" in a:
                lines.append((f"{name} skin aged: hue error {a['skin_hue_error_median']:.0f}° <= {AGED_SKIN_HUE:g}° "
                              "(no olive or blue skin)", a["skin_hue_error_median"] <= AGED_SKIN_HUE))
    return lines


def side_by_side(results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """One row per kind of photo, per model: gain | colourfulness | colour recall."""
    names = list(results)
    labels = {g.key: g.label for g in GROUPS}
    keys = [g.key for g in GROUPS if any(g.key in r for r in results.values())]
    lines = ["| kind of photo | " + " | ".join(f"`{n}`" for n in names) + " |", "|---" * (1 + len(names)) + "|"]
    for k in keys:
        cells = []
        for n in names:
            r = results[n].get(k)
            cells.append("" if r is None else
                         f"{r['gain_db']:+.2f} dB · {r['colourfulness_ratio']:.0%} · {r['colour_recall']:.0%} · "
                         f"{r['false_vivid']:.1%}")
        lines.append(f"| {labels[k]} | " + " | ".join(cells) + " |")
    return lines


def hint_targets(name: str, res: dict[str, dict[str, Any]], land: float = HINT_LAND_TARGET) -> list[tuple[str, bool]]:
    lines = []
    for key, r in res.items():
        if "hints_gain_db" not in r:
            continue
        lines.append((f"{name} {key}: 10 hints {r['hints_gain_db']:+.2f} dB >= +{HINT_GAIN_TARGET} dB",
                      r["hints_gain_db"] >= HINT_GAIN_TARGET))
        lines.append((f"{name} {key}: single hint lands {r['hint1_landed']:.0%} >= {land:.0%}",
                      r["hint1_landed"] >= land))
        lines.append((f"{name} {key}: hint spread {r['hint1_spread']:.2f} >= {HINT_SPREAD_TARGET}",
                      r["hint1_spread"] >= HINT_SPREAD_TARGET))
    return lines


def _calibrated(spec) -> bool:
    import inspect

    return "calibration" in inspect.signature(spec.factory).parameters


def semantic_section(name: str, pred, before, by_group: dict[str, list[Path]]) -> tuple[list[str], list, dict]:
    """The semantic-interpretability test (``bench.semantic``) of the default colorizer, now
    and decoded as before issue 30: table lines, targets and the scores."""
    from colorstudio.core.colorize import pipeline
    from bench import semantic

    cols = {"ours": lambda g: pipeline.colorize(g, pred).rgb,
            "before": lambda g: pipeline.colorize(g, before).rgb}
    net = semantic.classifier(2)
    res = semantic.evaluate(net, cols, by_group)
    lines = [f"## What an ImageNet classifier sees in `{name}`'s colour (semantic interpretability)", "",
             "EfficientNet-Lite2's ImageNet release (its wheel; never trained on our photos, not the "
             "colorizer's encoder) classifies each held-out photo as a gray copy, as colorized (`ours`; "
             "`before`: decoded as before issue 30) and in its true colour.", ""]
    lines += semantic.table(res, list(cols)) + [""]
    targets = []
    inet = res.get("imagenet")
    if inet:
        targets.append((f"{name}: ImageNet top-1 on its colour {inet['top1_ours']:.1%} >= on gray "
                        f"{inet['top1_gray']:.1%}", inet["top1_ours"] >= inet["top1_gray"]))
        gap = semantic.gap_recovered(inet, "ours")
        targets.append((f"{name}: its colour recovers {gap:+.0%} >= {SEMANTIC_GAP_TARGET:.0%} of the gray -> "
                        "truth gap in ImageNet top-1", gap >= SEMANTIC_GAP_TARGET))
    return lines, targets, res


def _entries(models: list[str], weights: list[Path]):
    """(label, spec, make predictor, judged as the default colorizer) for each model to score."""
    from colorstudio.core.io.checkpoint import read_metadata
    from colorstudio.models import spec as model_spec

    default = default_model("colorize")
    if weights:
        for w in weights:
            family = read_metadata(w).get("family")
            if not family:
                raise SystemExit(f"{w}: no family in its metadata")
            yield (str(w), model_spec(family),
                   lambda f=family, w=w, **cfg: load_predictor(f, device="cpu", weights=w, **cfg),
                   model_spec(family).task == "colorize" and not model_spec(family).hints)
        if not models:
            return
    for s in available():
        if s.has_weights and (not models or s.name in models):
            yield (s.name, s, lambda n=s.name, **cfg: load_predictor(n, device="cpu", **cfg),
                   s.name == default and not weights)


def run(photos: Path, facades: Path, limit: int, out: Path, sizes: list[int], models: list[str],
        json_out: Path | None = None, weights: list[Path] = ()) -> tuple[str, list[tuple[str, bool]]]:
    default = default_model("colorize")
    docs = out.parent
    by_group = held_out_by_group(photos, limit=limit) if photos.is_dir() else {}
    lines = ["# Quality of the shipped models on every kind of photo", "",
             f"Generated by `python -m bench.quality` on {time.strftime('%Y-%m-%d %H:%M')}. "
             "Held-out rule: in every photo folder, sorted by name, every 20th file from the first "
             "(the files the trainer leaves out); grayscale photos skipped. Render size: each model's "
             "default. PSNR and SSIM on the RGB result; *no colour* = the true lightness with ab = 0. "
             "Colour cast: distance between the mean ab of the results over the group and the truth's "
             "mean. Skin: the central face box (35-65% of width and height) of the two face-crop sets "
             "(UTKFace, faces without mask): median hue error of its mean ab, and its mean chroma as a "
             "share of the truth's.", ""]
    targets: list[tuple[str, bool]] = []
    notes, figures, dump = [], [], {}
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for name, spec, make, judged in _entries(models, list(weights)):
        t0 = time.time()
        pred = make()
        if spec.task == "colorize":
            if not by_group:
                notes.append(f"{name}: skipped, no photos at {photos}")
                continue
            hinted = spec.hints or judged   # the default follows hints through the step after its network
            res = score_groups(pred, by_group, hints=hinted, examples=4)
            dump[name] = strip_private(res)
            lines += [f"## `{name}`{' (the default colorizer)' if name == default else ''}"
                      f"{' — no hints' if hinted else ''}", ""] + group_table(res) + [""]
            if hinted:
                lines += [f"**`{name}` with hints** (10 hints: the truth's mean 3×3 ab at random "
                          "positions; one random hint: a random in-gamut colour of chroma 25-55 at a random "
                          f"position; lands = result ab within 10 of it at the hint; spread = the share of "
                          f"its move seen, on average, over pixels of similar lightness (±6 L) within 12% "
                          f"of the long side, outside the hint's own patch; the decoding gives the hint's own dot "
                          "its colour, so *lands* checks the whole path to the file, while *spread* and the "
                          "10-hint gain measure what the network and the propagation add):", ""] \
                    + hint_table(res) + [""]
                targets += hint_targets(name, res, HINT_LAND_TARGET if spec.hints else HINT_LAND_DEFAULT)
            if not spec.hints:
                summary[name] = res
            before = None
            if judged and _calibrated(spec):
                old = make(calibration={"on": False})
                before = score_groups(old, by_group)
                dump[name + " (before issue 30)"] = strip_private(before)
                summary[f"{name} before issue 30"] = before
                lines += [f"**`{name}` decoded as before issue 30** (the plain annealed mean of every pixel: "
                          "no coherence, no pull to neutral where unsure):", ""] + group_table(before) + [""]
                sem_lines, sem_targets, sem = semantic_section(name, pred, old, by_group)
                dump["semantic"] = sem
                lines += sem_lines
                targets += sem_targets
            if judged:
                aged = score_groups(pred, by_group, aged=True, examples=4)
                dump[name + " (aged)"] = strip_private(aged)
                lines += [f"**`{name}` on aged photos** (each held-out photo's lightness aged as an old print: "
                          "film gray, fading, grain, blur, scratches, JPEG -- `core.colorize.aging`, "
                          "a fixed seed per file; "
                          "its colours scored on the true lightness):", ""] + group_table(aged) + [""]
                targets += colorizer_targets(name, res, aged, before)
                for key, r in (aged.items() if name == default else ()):
                    if r["_examples"]:
                        fig = docs / "examples" / f"{name}_{key}_aged.png"
                        _save_png(fig, example_grid(r["_examples"], 144))
                        figures.append((f"{name}, {key}, aged", fig, "aged gray input | ours | truth"))
            if name == default:
                for key, r in res.items():
                    if r["_examples"]:
                        fig = docs / "examples" / f"{name}_{key}.png"
                        _save_png(fig, example_grid(r["_examples"], 144))
                        figures.append((f"{name}, {key}", fig, "gray input | ours | truth"))
            lines.append(f"({time.time() - t0:.0f} s)")
            lines.append("")
        else:
            val = facades / "val"
            if not val.is_dir():
                notes.append(f"{name}: skipped, no facades at {facades}")
                continue
            vf = tdata.list_images(val)
            vf = vf[:limit] if limit else vf
            picks = np.linspace(0, len(vf) - 1, 4).round().astype(int).tolist()
            res = evaluate_translator(pred, vf, tdata.list_images(facades / "train"), example_ids=picks)
            m, b = res["model"], res["baseline_class_mean"]
            dump[name] = {"model": m, "baseline_class_mean": b, "images": res["images"]}
            lines += [f"## `{name}` — facade label map → photo, CMP val ({res['images']} pairs)", "",
                      "Baseline: each class painted with its mean photo colour over the training pairs; "
                      "lower L1 is better (0-1 scale).", "",
                      "| | L1 | PSNR (dB) | SSIM |", "|---|---|---|---|",
                      f"| model | {fmt(m['l1'])} | {fmt(m['psnr'])} | {fmt(m['ssim'])} |",
                      f"| class-mean colours | {fmt(b['l1'])} | {fmt(b['psnr'])} | {fmt(b['ssim'])} |", ""]
            targets.append((f"{name}: L1 {m['l1']:.3f} below the class-mean baseline {b['l1']:.3f}",
                            m["l1"] < b["l1"]))
            fig = docs / f"examples_{name}.png"
            _save_png(fig, example_grid(res["_examples"], 256))
            figures.append((name, fig, "label map | ours | photo"))
    if sizes and by_group:
        pred = load_predictor(default, device="cpu")
        lines += [f"## Render size of `{default}` (gain over no colour, dB; colourfulness share)", "",
                  "| render size | " + " | ".join(g.key for g in GROUPS if g.key in by_group) + " |",
                  "|---" * (1 + len(by_group)) + "|"]
        study = {}
        for s in sizes:
            res = score_groups(pred, by_group, size=s)
            study[s] = strip_private(res)
            lines.append(f"| {s} | " + " | ".join(f"{r['gain_db']:+.2f} ({r['colourfulness_ratio']:.0%})"
                                                  for r in res.values()) + " |")
        dump["render_sizes"] = study
        lines.append("")
    if len(summary) > 1:
        lines += ["## Every colorizer side by side", "",
                  "Per kind of photo: gain over no colour · colourfulness (share of the truth's) · colour "
                  "recall (of the truth's pixels with chroma >= 20, the share with the hue within 45° and at "
                  "least half the chroma) · false vivid (share of pixels shown with chroma >= 20 where the "
                  "truth is near-neutral or of a hue more than 90° away).", ""] + side_by_side(summary) + [""]
    if targets:
        lines += ["## Targets", ""] + [f"- {_check(ok)}: {t}" for t, ok in targets] + [""]
    for n in notes:
        lines.append(f"- {n}")
    if figures:
        lines += ["## Examples (held-out photos)", ""]
        for name, fig, what in figures:
            lines += [f"**{name}** ({what}):", "", f"![{name}]({fig.relative_to(docs).as_posix()})", ""]
    lines += ["Data: ../shared/data/photos (scenes and ten sets of people, interiors, animals and objects; "
              "evaluation use only, never shipped); CMP Facade Database (Tyleček & Šára, GCPR 2013).", ""]
    text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    if json_out:
        json_out.write_text(json.dumps(dump, indent=1))
    return text, targets


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--facades", type=Path, default=DATA / "facades")
    ap.add_argument("--limit", type=int, default=0, help="at most N held-out photos per group (spread evenly)")
    ap.add_argument("--sizes", default="", help="render sizes to study for the default colorizer, e.g. 128,192,256")
    ap.add_argument("--models", default="", help="only these models (comma-separated)")
    ap.add_argument("--weights", type=Path, action="append", default=[],
                    help="score this checkpoint instead of the shipped models (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "quality.md")
    ap.add_argument("--json", type=Path, help="also write every score as JSON")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    models = [m for m in a.models.split(",") if m.strip()]
    text, targets = run(a.photos, a.facades, a.limit, a.out, sizes, models, a.json, a.weights)
    print(text)
    for t, ok in targets:
        print(f"{_check(ok)}: {t}")
    print(f"wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
