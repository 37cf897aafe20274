"""The seed comparison: every report's model on the same held-out photos, one table.

    python -m bench.models [--photos DIR] [--limit N] [--examples 4] [--out docs/models.md]
                           [--json FILE] [--only a,b]

Each colorizer family (the shipped weights in resources/weights, plus the loss variants
of the zhang-bins poster in bench/weights) is scored exactly as bench/quality scores the
default colorizer -- the trainer's held-out rule (every 20th file of each set folder,
sorted by name), grouped by kind (``core.photo_groups``), each photo through
``pipeline.colorize`` at the model's render size: PSNR gain over no colour, colourfulness
against the truth's, colour cast, skin hue error on the two face-crop sets.  Beside them:
parameters, training budget (from the weights' metadata) and ms per 512² image on this
machine (median of 15 full ``colorize`` calls after a warm-up, 2 threads).  One contact
sheet per group (input, each model, truth) goes to docs/models/.

Only the generated block of ``--out`` is replaced (``bench.docgen``): what is written
around it by hand (what the sheets show, which idea wins where) stays.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.docgen import write_block
from colorstudio.core.colorize import pipeline
from colorstudio.core.io.checkpoint import read_metadata
from colorstudio.core.io.scorefile import read_scores, scores_path
from colorstudio.core.colorize.contact_sheet import Tile, sheet
from colorstudio.core.io.imageio import write_image
from colorstudio.models import spec
from colorstudio.models.loading import load_predictor
from trainer.report.group_eval import score_groups, strip_private
from colorstudio.core.photo_groups import GROUPS
from trainer.groups import held_out_by_group

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))
VARIANTS = ROOT / "bench" / "weights"


@dataclass(frozen=True)
class Entry:
    label: str          # row name in the tables
    family: str
    report: str
    weights: Path


def entries(only: list[str] = ()) -> list[Entry]:
    """Every colorizer with weights: shipped families, then bench/weights variants."""
    from colorstudio.models import available

    out = []
    for s in available("colorize"):
        if s.has_weights:
            loss = _loss(read_metadata(s.weights_path()))
            label = f"{s.name} ({loss})" if s.name == "zhang-bins" else s.name
            out.append(Entry(label, s.name, s.report, s.weights_path()))
    for w in sorted(VARIANTS.glob("*.safetensors")):
        meta = read_metadata(w)
        fam = meta.get("family", "")
        out.append(Entry(f"{fam} ({_loss(meta)})", fam, spec(fam).report, w))
    return [e for e in out if not only or e.family in only or e.label in only]


def _loss(meta: dict[str, Any]) -> str:
    """What a variant was trained with: its pixel loss and the ideas added to it."""
    r, cfg = meta.get("recipe") or {}, meta.get("config") or {}
    parts = [str(r.get("loss", "?"))]
    if r.get("perceptual_net") == "effnet-lite0":
        parts.append("ImageNet perceptual")
    elif r.get("vgg_weights"):
        parts.append("VGG16 perceptual")
    if cfg.get("bins_head"):
        parts.append("313-bin head")
    if cfg.get("fusion"):
        parts.append("classifier fusion")
    if float(r.get("adv_weight") or 0) > 0:
        parts.append("GAN")
    return " + ".join(parts)


def ms_per_512(pred, repeats: int = 15) -> float:
    """Median wall time of one full colorize of a 512² gray photo (network + compose)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:512, 0:512]
    img = ((np.sin(x / 23.0) + np.cos(y / 17.0)) * 50 + 128 + rng.normal(0, 8, (512, 512))).clip(0, 255)
    img = img.astype(np.uint8)
    pipeline.colorize(img, pred)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pipeline.colorize(img, pred)
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def _budget(meta: dict[str, Any]) -> str:
    steps = meta.get("steps")
    minutes = float(meta.get("time") or 0) / 60
    epochs = meta.get("epochs")
    bits = []
    if steps:
        bits.append(f"{int(steps):,} steps")
    if epochs is not None:
        bits.append(f"{float(epochs):.1f} ep")
    bits.append(f"{minutes:.0f} min")
    return ", ".join(bits)


def cached_scores(e: Entry, by_group: dict[str, list[Path]]) -> dict[str, Any] | None:
    """The weights' own scores file's groups (``core.io.scorefile``), when they were scored on
    exactly these held-out photos (its card was made by the same ``score_groups`` on the same rule)."""
    groups = read_scores(scores_path(e.weights)).groups
    if not groups:
        return None
    # every group, each scored on its held-out files (grayscale ones are skipped: a few)
    if set(groups) != set(by_group) or not all(
            0.9 * len(by_group[k]) <= groups[k].get("images", -1) <= len(by_group[k]) for k in by_group):
        return None
    if not all("colour_recall" in g for g in groups.values()):   # scored before colour recall existed
        return None
    return groups


def score(e: Entry, by_group: dict[str, list[Path]], examples: int, rescore: bool = False) -> dict[str, Any]:
    import torch

    torch.set_num_threads(2)
    pred = load_predictor(e.family, device="cpu", weights=e.weights)
    meta = read_metadata(e.weights)
    params = sum(p.numel() for p in pred.model.parameters())
    ms = ms_per_512(pred)
    cached = None if rescore else cached_scores(e, by_group)
    if cached is None:
        res = score_groups(pred, by_group, hints=False, examples=examples)
    else:   # the scores of its card; only the example photos are run here (for the sheets)
        picks = {k: [files[i] for i in np.linspace(0, len(files) - 1, examples).round().astype(int)]
                 for k, files in by_group.items()} if examples else {}
        shown = score_groups(pred, picks, hints=False, examples=examples) if picks else {}
        res = {k: {**cached[k], "_examples": shown.get(k, {}).get("_examples", []), "cached": True}
               for k in by_group}
    return {"label": e.label, "family": e.family, "report": e.report, "weights": str(e.weights.relative_to(ROOT))
            if e.weights.is_relative_to(ROOT) else str(e.weights), "params": params, "ms_512": ms,
            "budget": _budget(meta), "loss": _loss(meta), "groups": res}


def tables(rows: list[dict[str, Any]], keys: list[str]) -> list[str]:
    labels = {g.key: g.label for g in GROUPS}
    head = "| model | report | loss | parameters | training | ms / 512² | " + \
        " | ".join(labels[k] for k in keys) + " | skin hue error |"
    lines = ["**PSNR gain over no colour (dB)** — higher is better; no colour = the true lightness "
             "with ab = 0.", "", head, "|---" * (7 + len(keys)) + "|"]
    best = {k: max(r["groups"][k]["gain_db"] for r in rows) for k in keys}
    for r in rows:
        g = r["groups"]
        skin = next((g[k]["skin_hue_error_median"] for k in keys if "skin_hue_error_median" in g[k]), None)
        cells = [(f"**{g[k]['gain_db']:+.2f}**" if g[k]["gain_db"] == best[k] else f"{g[k]['gain_db']:+.2f}")
                 for k in keys]
        lines.append(f"| `{r['label']}` | {r['report']} | {r['loss']} | {r['params'] / 1e6:.2f} M | {r['budget']} | "
                     f"{r['ms_512']:.0f} | " + " | ".join(cells) + f" | {'' if skin is None else f'{skin:.0f}°'} |")
    lines += ["", "**Colourfulness (share of the truth's) / colour recall / colour cast (|mean ab − truth's|)** — "
              "100%, 100% and 0 are the truth; gray is 0% and 0%.  Colour recall: of the truth's pixels of chroma "
              ">= 20, the share whose result has the hue within 45° and at least half the chroma.", "",
              "| model | " + " | ".join(labels[k] for k in keys) + " |", "|---" * (1 + len(keys)) + "|"]
    for r in rows:
        g = r["groups"]
        lines.append(f"| `{r['label']}` | " + " | ".join(
            f"{g[k]['colourfulness_ratio']:.0%} / {g[k].get('colour_recall', float('nan')):.0%} / {g[k]['cast']:.1f}"
            for k in keys) + " |")
    lines += ["", "**Where each idea wins** (computed from the tables above):", ""]
    for k in keys:
        top = max(rows, key=lambda r: r["groups"][k]["gain_db"])
        vivid = max(rows, key=lambda r: min(r["groups"][k]["colourfulness_ratio"], 1.0)
                    if r["groups"][k]["gain_db"] > 0 else -1.0)
        lines.append(f"- {labels[k]}: closest to the truth `{top['label']}` ({top['groups'][k]['gain_db']:+.2f} dB); "
                     f"most colourful while still above no colour `{vivid['label']}` "
                     f"({vivid['groups'][k]['colourfulness_ratio']:.0%}, {vivid['groups'][k]['gain_db']:+.2f} dB)")
    fastest = min(rows, key=lambda r: r["ms_512"])
    smallest = min(rows, key=lambda r: r["params"])
    lines.append(f"- fastest: `{fastest['label']}` ({fastest['ms_512']:.0f} ms per 512² image); "
                 f"smallest: `{smallest['label']}` ({smallest['params'] / 1e6:.2f} M parameters)")
    return lines


def contact_sheets(rows: list[dict[str, Any]], keys: list[str], folder: Path) -> list[tuple[str, Path]]:
    """One sheet per group: a row per example photo, columns input | each model | truth."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = {g.key: g.label for g in GROUPS}
    out = []
    for k in keys:
        examples = [r["groups"][k]["_examples"] for r in rows]
        n = min(len(x) for x in examples)
        grid = []
        for i in range(n):
            gray, _, truth = examples[0][i]
            cells = [Tile(gray, "input" if i == 0 else "")]
            cells += [Tile(x[i][1], r["label"] if i == 0 else "") for r, x in zip(rows, examples)]
            cells.append(Tile(truth, "truth" if i == 0 else ""))
            grid.append(cells)
        if not grid:
            continue
        path = folder / f"{k}.png"
        write_image(path, sheet(grid, tile_height=128))
        out.append((labels[k], path))
    return out


def run(photos: Path, limit: int, examples: int, out: Path, json_out: Path | None,
        only: list[str], rescore: bool = False) -> str:
    by_group = held_out_by_group(photos, limit=limit)
    if not by_group:
        raise SystemExit(f"no held-out photos under {photos}")
    keys = [g.key for g in GROUPS if g.key in by_group]
    rows = []
    for e in entries(only):
        t0 = time.time()
        rows.append(score(e, by_group, examples, rescore or bool(limit)))
        print(f"{e.label}: scored in {time.time() - t0:.0f} s", file=sys.stderr)
    n = {k: rows[0]["groups"][k]["images"] for k in keys} if rows else {}
    sheets = contact_sheets(rows, keys, out.parent / "models")
    import platform

    import torch

    n_cached = sum(bool(r["groups"][keys[0]].get("cached")) for r in rows)
    provenance = ("each model's `.eval.json` (its card: the same `score_groups` on the same photos)"
                  if rows and n_cached == len(rows) else "computed here" if not n_cached else
                  f"{n_cached} of {len(rows)} from their `.eval.json` (the same `score_groups`), "
                  "the others computed here")
    lines = [f"Generated by `python -m bench.models` on {time.strftime('%Y-%m-%d %H:%M')} "
             f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
             "2 threads). Held-out photos per kind: " + ", ".join(f"{k} {v}" for k, v in n.items()) +
             (f" (at most {limit} per kind)" if limit else "") + ". Render size: each model's default. "
             f"Scores: {provenance} — `--rescore` recomputes them; timings and contact sheets are always "
             "made here.", ""]
    lines += tables(rows, keys)
    lines += ["", "**Contact sheets** (held-out photos; input | each model in the table's order | truth):", ""]
    for label, p in sheets:
        lines += [f"*{label}:*", "", f"![{label}]({p.relative_to(out.parent).as_posix()})", ""]
    generated = "\n".join(lines)
    write_block(out, "bench.models", generated, "# The seed models compared")
    if json_out:
        json_out.write_text(json.dumps([{**r, "groups": strip_private(r["groups"])} for r in rows], indent=1))
    return generated


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.models", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--limit", type=int, default=0, help="at most N held-out photos per kind (spread evenly)")
    ap.add_argument("--examples", type=int, default=4, help="rows of each contact sheet")
    ap.add_argument("--only", default="", help="only these families or labels (comma-separated)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "models.md")
    ap.add_argument("--json", type=Path, help="also write every score as JSON")
    ap.add_argument("--rescore", action="store_true",
                    help="score every model again even when its .eval.json holds this held-out set's scores")
    a = ap.parse_args(argv)
    only = [m.strip() for m in a.only.split(",") if m.strip()]
    print(run(a.photos, a.limit, a.examples, a.out, a.json, only, a.rescore))
    print(f"wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
