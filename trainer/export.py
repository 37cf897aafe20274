"""Run folder -> the small fp16 safetensors file the app loads (weights + model metadata)."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import torch

from colorstudio.core import checkpoint

from trainer.loop import CKPT_NAME, TrainError


def run_checkpoint(run: str | Path) -> Path:
    """RUN folder or a .pt file -> the training checkpoint path."""
    p = Path(run)
    if p.is_dir():
        p = p / "checkpoints" / CKPT_NAME
    if not p.is_file():
        raise TrainError(f"no training checkpoint at {p}")
    return p


def hardware(threads: int = 0, world: int = 1) -> str:
    """CPU model (and GPU) of this machine with the torch threads a training process used."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    desc = (f"{cpu} ({os.cpu_count()} cores), {threads or torch.get_num_threads()} torch thread(s)"
            f" x {world} process(es)")
    if torch.cuda.is_available():
        desc = f"{torch.cuda.get_device_name(0)} / " + desc
    return desc


def _held_out(cfg: dict[str, Any]) -> str:
    if cfg.get("val_data"):
        return str(cfg["val_data"])
    root = Path(cfg.get("data", ""))
    if cfg.get("task") == "translate" and (root / "val").is_dir():
        return f"{root / 'val'} (the pairs' own validation folder)"
    return f"every {cfg.get('val_every_nth', 20)}th file of each class folder (sorted by name, from the first)"


def export_metadata(state: dict[str, Any]) -> dict[str, Any]:
    cfg = state.get("config", {})
    spe = max(1, int(state.get("steps_per_epoch") or 1))
    from colorstudio import __version__

    return {
        "family": state["family"],
        "config": state.get("model_config") or cfg.get("model", {}),
        "recipe": cfg,
        "data": {"path": cfg.get("data", ""), "train_images": state.get("train_images"),
                 "skipped_gray": state.get("skipped_gray"), "held_out": _held_out(cfg)},
        "epochs": round(state["step"] / spe, 3),
        "steps": state["step"],
        "time": round(float(state.get("elapsed", 0.0)), 1),
        "metrics": state.get("val") or {},
        "notes": state.get("notes") or {},
        "hardware": hardware(int(cfg.get("threads") or 0), int(state.get("world_size") or 1)),
        "version": __version__,
    }


def export_run(run: str | Path, out: str | Path, half: bool = True) -> Path:
    """Write the generator of a run (folder or .pt) as safetensors with its metadata."""
    ck = run_checkpoint(run)
    try:
        state = torch.load(str(ck), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainError(f"cannot read {ck}: {checkpoint.unsafe_load_reason(exc)}") from None
    if not isinstance(state, dict) or not isinstance(state.get("G"), dict):
        raise TrainError(f"cannot read {ck}: not a ColorStudio training checkpoint")
    weights = state["G_ema"] if state.get("G_ema") is not None else state["G"]
    meta = export_metadata(state)
    if state.get("G_ema") is not None:
        meta["notes"] = {**meta.get("notes", {}), "weights": f"moving average of G (decay {state['config'].get('ema')})"}
    return checkpoint.save_weights(out, weights, meta, half=half)


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


def write_card(weights: str | Path, limit: int = 0, hints: int = 10, note: str = "") -> Path:
    """Evaluate exported ``weights`` on its run's held-out data and write ``<weights>.md``
    (model card) and ``<weights>.eval.json`` beside it."""
    import json

    from colorstudio.core.checkpoint import read_metadata
    from colorstudio.core.predictor import Predictor
    from colorstudio.models import create
    from trainer import data as tdata
    from trainer import evaluate, group_eval
    from trainer.groups import held_out_by_group

    weights = Path(weights)
    meta = read_metadata(weights)
    recipe = meta.get("recipe", {})
    model = create(meta["family"], weights=weights)
    pred = Predictor(model, device="cpu")
    root = Path(recipe.get("data", ""))
    if pred.spec.task == "translate":
        val, train = tdata.list_images(root / "val"), tdata.list_images(root / "train")
        res = evaluate.evaluate_translator(pred, val[:limit] if limit else val, train,
                                           direction=recipe.get("direction", "BtoA"))
        res["protocol"] = f"{root}/val, label -> photo, render {pred.spec.input_size}px"
    elif held_out_by_group(root):  # the photo mix: scored per kind of photo, as bench/quality does
        by_group = held_out_by_group(root, recipe.get("val_every_nth", 20), limit)
        res = {"groups": group_eval.strip_private(group_eval.score_groups(pred, by_group,
                                                                          hints=bool(model.hint_channels))),
               "images": sum(len(v) for v in by_group.values()),
               "protocol": (f"every {recipe.get('val_every_nth', 20)}th photo of each set folder of {root}, "
                            f"render {pred.spec.input_size}px")}
    else:
        files = tdata.split_files(tdata.list_images(root), recipe.get("val_every_nth", 20))[1]
        files = files[:limit] if limit else files
        res = evaluate.evaluate_colorizer(pred, files, hints=hints if model.hint_channels else 0,
                                          gray_threshold=recipe.get("gray_threshold", 3.0))
        res["protocol"] = (f"every {recipe.get('val_every_nth', 20)}th photo per class folder, "
                           f"render {pred.spec.input_size}px")
    res.pop("_examples", None)
    name = weights.stem
    card = weights.with_suffix(".md")
    text = evaluate.model_card(name, meta, res, data_note(root) + (f"\n\n{note}" if note else ""))
    text += (f"\nFile: `{weights.name}`, {weights.stat().st_size / 1e6:.2f} MB, fp16 safetensors "
             f"(metadata key `colorstudio` holds family, config, recipe, data, epochs, time, metrics, version).\n")
    card.write_text(text)
    weights.with_suffix(".eval.json").write_text(json.dumps(res, indent=2))
    return card
