"""Model cards: what a trained model is, what it was trained on, how it scores.

``write_card`` evaluates exported weights on their run's held-out data (a damage detector:
on those photos damaged, :func:`restore_results`) and writes ``<weights>.md`` and the
scores file beside it (``core.io.scorefile``: its schema); ``evaluate_command`` is the
``colorstudio-train evaluate`` command.  Above :mod:`trainer.report.evaluate` (the scores),
:mod:`trainer.report.group_eval` (per kind of photo) and :mod:`trainer.engine.export`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from colorstudio.core.io import atomic
from colorstudio.core.io.checkpoint import read_metadata
from colorstudio.core.io.scorefile import scores_path, write_scores
from colorstudio.core.messages import shown
from colorstudio.core.inference.predictor import Predictor
from colorstudio.models import create
from trainer import data as tdata
from trainer.errors import TrainError
from trainer.report import evaluate, group_eval
from colorstudio.core.photo_groups import HELD_OUT_EVERY
from trainer.groups import held_out_by_group


def model_card(name: str, meta: dict[str, Any], res: dict[str, Any], data_note: str = "") -> str:
    """Markdown model card: family, recipe, data (+ licence/citation), epochs, time, scores."""
    recipe = meta.get("recipe", {})
    keys = ("optimizer", "lr", "betas", "batch_size", "image_size", "loss", "pixel_weight", "adv_weight",
            "discriminator", "weight_decay", "lr_step_epochs", "lr_gamma", "init", "hint_p", "direction")
    if recipe.get("family") != "unet-hints":
        keys = tuple(k for k in keys if k != "hint_p")
    if recipe.get("task") != "translate":
        keys = tuple(k for k in keys if k != "direction")
    if not recipe.get("adv_weight"):
        keys = tuple(k for k in keys if k != "discriminator")
    rec = ", ".join(f"{k}={recipe[k]}" for k in keys if recipe.get(k) not in (None, "", 0, 0.0))
    minutes = float(meta.get("time", 0)) / 60
    data = meta.get("data", {})
    lines = [
        f"# {name}", "",
        f"- **Family:** `{meta.get('family', name)}`, config `{json.dumps(meta.get('config', {}))}`",
        f"- **Recipe:** `{recipe.get('recipe', '')}` ({rec})",
        f"- **Training data:** {data.get('path', '')} — {data.get('train_images', '?')} images used"
        + (f", {data['skipped_gray']} grayscale skipped" if data.get("skipped_gray") else "")
        + f"; held out: {data.get('held_out', '')}",
        f"- **Epochs:** {meta.get('epochs', '?')} ({meta.get('steps', '?')} steps), "
        f"**training time:** {minutes:.1f} min on {meta.get('hardware', '?')}",
        f"- **ColorStudio version:** {meta.get('version', '?')}",
    ]
    if meta.get("notes"):
        lines.append(f"- **Notes:** {json.dumps(meta['notes'])}")
    if data_note:
        lines += ["", data_note]
    lines += ["", f"## Evaluation ({res.get('images', '?')} held-out images, {res.get('protocol', '')})", ""]
    if "groups" in res:  # per kind of photo (trainer.report.group_eval)
        lines += group_eval.group_table(res["groups"]) + [""]
        if any("hints_gain_db" in r for r in res["groups"].values()):
            lines += ["With hints (10 from the truth; one random in-gamut hint: lands within 10 ab "
                      "units? spread over similar lightness around it):", ""]
            lines += group_eval.hint_table(res["groups"]) + [""]
    else:
        lines += [evaluate.results_markdown(res), ""]
    return "\n".join(lines)


DATA_NOTES = {
    "photos": ("**Data licence:** ../shared/data/photos -- the scene photos (a public subset of the Intel "
               "Image Classification set) and ten sets of people, interiors, animals and objects (UTKFace, "
               "faces without mask, Pixabay portraits, Clothing Co-Parsing street fashion, Places365 indoor "
               "rooms, ImageNet samples, cats and dogs, clothing, BSDS500, flowers). Most are research-only: "
               "used for training and evaluation, never shipped; each set's SOURCE.txt names its origin."),
    "scenes": ("**Data licence:** scene photos from a public subset of the Intel Image Classification "
               "scene set (buildings, forest, glacier, mountain, sea, street). No open licence is stated: "
               "used for training and evaluation only; the photos are not shipped."),
    "facades": ("**Data licence / citation:** CMP Facade Database — R. Tyleček and R. Šára, \"Spatial "
                "pattern templates for recognition of objects with regular structure\", GCPR 2013. No "
                "licence is stated beyond a request to cite it: research and testing use, with that "
                "citation. Pairs in the pix2pix AB layout (label → photo is BtoA)."),
}


def data_note(path: str) -> str:
    """The licence note of a training folder, by its name (``photos``, ``scenes``, ``facades``)."""
    parts = Path(path).parts
    for part in reversed(parts):
        if part in DATA_NOTES:
            return DATA_NOTES[part]
    return "**Data licence:** see the README of the training data folder."


def damage_files(root: str | Path, every: int = HELD_OUT_EVERY, limit: int = 0,
                 split: bool = True) -> dict[str, list[Path]]:
    """The photos a damage detector is scored on: per kind of photo (``trainer.groups``)
    when ``root`` is the photo mix, else one group ``photos`` -- the held-out split (every
    ``every``-th file of each folder) unless ``split`` is off; ``limit`` > 0: that many per
    group, spread over its folders."""
    if split:
        by_group = held_out_by_group(root, every, limit)
        if by_group:
            return by_group
    files = tdata.list_images(root)
    files = tdata.split_files(files, every)[1] if split else files
    return {"photos": tdata.spread(files, limit) if limit else files}


def restore_results(net, root: str | Path, every: int = HELD_OUT_EVERY, limit: int = 0, size: int | None = None,
                    split: bool = True) -> dict[str, Any]:
    """:func:`trainer.report.evaluate.evaluate_damage` on :func:`damage_files`, with its protocol."""
    size = size or evaluate.DAMAGE_EVAL_SIZE
    res = evaluate.evaluate_damage(net, damage_files(root, every, limit, split), size)
    which = f"every {every}th photo of each folder" if split else "every photo"
    res["protocol"] = (f"{which} of {root} at a {size}px short side, damaged with the held-out mix (a fixed "
                       f"seed per file); flagged at p >= {res['threshold']:g}, pixels pooled per kind of photo; "
                       "'flagged on clean photos': the same photos undamaged (scan grain, blur and JPEG only)")
    return res


def _refuse_fills(pred) -> None:
    """A learned fill is scored beside OpenCV's fills on the same photos and masks, by the
    restoration benchmark, not here."""
    if pred.spec.task == "inpaint":
        raise TrainError(f"{pred.name} is a fill: score it with python -m bench.restoration --fills "
                         "telea,ns,learned --inpainter WEIGHTS")


def write_card(weights: str | Path, limit: int = 0, hints: int = 10, note: str = "") -> Path:
    """Evaluate exported ``weights`` on its run's held-out data and write ``<weights>.md``
    (model card) and its scores file (``core.io.scorefile.scores_path``) beside it."""
    weights = Path(weights)
    meta = read_metadata(weights)
    recipe = meta.get("recipe", {})
    model = create(meta["family"], weights=weights)
    pred = Predictor(model, device="cpu")
    _refuse_fills(pred)
    root = Path(recipe.get("data", ""))
    if pred.spec.task == "restore":
        res = restore_results(pred, root, recipe.get("val_every_nth", HELD_OUT_EVERY), limit)
    elif pred.spec.task == "translate":
        val, train = tdata.list_images(root / "val"), tdata.list_images(root / "train")
        res = evaluate.evaluate_translator(pred, val[:limit] if limit else val, train,
                                           direction=recipe.get("direction", "BtoA"))
        res["protocol"] = f"{root}/val, label -> photo, render {pred.render_size}px"
    elif held_out_by_group(root):  # the photo mix: scored per kind of photo, as bench/quality does
        by_group = held_out_by_group(root, recipe.get("val_every_nth", HELD_OUT_EVERY), limit)
        res = {"groups": group_eval.strip_private(group_eval.score_groups(pred, by_group,
                                                                          hints=pred.hint_planes)),
               "images": sum(len(v) for v in by_group.values()),
               "protocol": (f"every {recipe.get('val_every_nth', HELD_OUT_EVERY)}th photo of each set folder "
                            f"of {root}, "
                            f"render {pred.render_size}px")}
    else:
        files = tdata.split_files(tdata.list_images(root), recipe.get("val_every_nth", HELD_OUT_EVERY))[1]
        files = files[:limit] if limit else files
        res = evaluate.evaluate_colorizer(pred, files, hints=hints if pred.hint_planes else 0,
                                          gray_threshold=recipe.get("gray_threshold", 3.0))
        res["protocol"] = (f"every {recipe.get('val_every_nth', HELD_OUT_EVERY)}th photo per class folder, "
                           f"render {pred.render_size}px")
    res.pop("_examples", None)
    name = weights.stem
    card = weights.with_suffix(".md")
    text = model_card(name, meta, res, data_note(root) + (f"\n\n{note}" if note else ""))
    text += (f"\nFile: `{weights.name}`, {weights.stat().st_size / 1e6:.2f} MB, fp16 safetensors "
             f"(metadata key `colorstudio` holds family, config, recipe, data, epochs, time, metrics, version).\n")
    atomic.write_text(card, text)
    write_scores(scores_path(weights), res)
    return card


def evaluate_command(argv: list[str] | None = None) -> int:
    """``colorstudio-train evaluate CHECKPOINT --data DIR [--out DIR]``: scores and a card."""
    ap = argparse.ArgumentParser(prog="colorstudio-train evaluate")
    ap.add_argument("checkpoint", help=".safetensors, run folder or training .pt")
    ap.add_argument("--data", required=True, help="photo folder (held-out split used) or facades folder")
    ap.add_argument("--split", choices=("heldout", "all"), default="heldout")
    ap.add_argument("--every", type=int, default=HELD_OUT_EVERY, help="held-out split: every n-th file per folder")
    ap.add_argument("--size", type=int, help="render size (default: the model's; a damage detector: the "
                    "short side of the photos, 512)")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N images")
    ap.add_argument("--hints", type=int, default=10, help="hint models: also score with N GT hints")
    ap.add_argument("--model", help="family name when the file has no metadata")
    ap.add_argument("--out", help="folder for the model card (.md) and scores (.json)")
    a = ap.parse_args(argv)
    predictor, meta = evaluate.load_any(a.checkpoint, a.model)
    _refuse_fills(predictor)
    name = predictor.name
    if predictor.spec.task == "restore":
        res = restore_results(predictor, a.data, a.every, a.limit, a.size, split=a.split == "heldout")
    elif predictor.spec.task == "translate":
        root = Path(a.data)
        if (root / "val").is_dir():
            val, train = tdata.list_images(root / "val"), tdata.list_images(root / "train")
        else:
            train, val = tdata.split_files(tdata.list_images(root), a.every)
        val = val[:a.limit] if a.limit else val
        res = evaluate.evaluate_translator(predictor, val, train, a.size)
        res["protocol"] = f"{root}/val, label -> photo, render {a.size or predictor.render_size}px"
    else:
        files = tdata.list_images(a.data)
        if a.split == "heldout":
            files = tdata.split_files(files, a.every)[1]
        files = files[:a.limit] if a.limit else files
        res = evaluate.evaluate_colorizer(predictor, files, a.size,
                                 hints=a.hints if predictor.hint_planes else 0)
        res["protocol"] = (f"{'every %dth file per class folder' % a.every if a.split == 'heldout' else 'all'}"
                           f" of {a.data}, render {a.size or predictor.render_size}px")
    res.pop("_examples", None)
    print(evaluate.results_markdown(res))
    out = Path(a.out) if a.out else Path(a.checkpoint).with_suffix("").parent
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{name}.eval"
    write_scores(out / f"{stem}.json", res)
    atomic.write_text(out / f"{stem}.md", model_card(name, meta, res))
    print(f"wrote {shown(out / (stem + '.md'))} and {shown(stem)}.json", file=sys.stderr)
    return 0
