"""Tune how the default colorizer's bin distribution becomes colour (issue 30).

    python -m bench.calibration [--photos DIR] [--limit N] [--grid quick|full] [--weights FILE]

The network runs once per held-out photo (``trainer.groups``: every 20th file of each
folder); its two heads (regression ab, bin logits) are kept, and every decoding in the grid
(``models.ab_bins.Calibration``: coherence radius and edge threshold, sureness ramp,
neutral chroma, whether the regression is pulled too) is composed with the photo's
full-resolution lightness and scored as ``bench.quality`` scores it: gain over no colour,
colourfulness (share of the truth's), colour recall and false vivid (confident wrong
colour, share of pixels).  One row per decoding: the mean over the groups and the worst
group, so a decoding that helps scenes but hurts people shows.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))


def _grid(kind: str):
    from colorstudio.models.ab_bins import Calibration

    yield "off (annealed mean, before issue 30)", Calibration(on=False)
    base = Calibration()
    if kind not in ("quick", "full"):
        import json

        yield "default", base
        yield "default, bilinear upsampling (no edge-aware step)", replace(base, on=True)
        for spec in kind.split(";"):
            yield None, replace(base, **json.loads(spec))
        return
    if kind == "quick":
        for sig, t, lo, hi, gain in itertools.product((10.0, 15.0), (0.3, 0.38), (0.1, 0.2), (0.35, 0.5),
                                                      (1.0, 1.25)):
            if lo < hi:
                yield None, replace(base, radius=8, sure_sigma=sig, temperature=t, sure_lo=lo, sure_hi=hi,
                                    sure_gain=gain, pull_all=False)
        return
    for r, eps, lo, hi, nc, pull in itertools.product((0, 2, 4, 8), (3e-4, 1e-3, 4e-3), (0.1, 0.2, 0.3),
                                                      (0.4, 0.55, 0.7), (8.0, 12.0, 20.0), (False, True)):
        if lo < hi:
            yield None, replace(base, radius=r, eps=eps, sure_lo=lo, sure_hi=hi, neutral_chroma=nc,
                                pull_all=pull)


def cache_outputs(model, files_by_group: dict[str, list[Path]]) -> dict[str, list[tuple]]:
    """(rgb, x, regression ab, logits) of every colour photo, by group."""
    import torch

    from colorstudio.core.colorize import pipeline
    from colorstudio.core.inference.predictor import Predictor
    from trainer import data as tdata

    pred = Predictor(model, device="cpu")
    out: dict[str, list[tuple]] = {}
    with torch.inference_mode():
        for key, files in files_by_group.items():
            rows = out.setdefault(key, [])
            for f in files:
                rgb = tdata.read_rgb(f)
                if tdata.is_grayscale(rgb, 3.0):
                    continue
                x = torch.from_numpy(pipeline.net_input(pred, rgb))
                ab, logits = model._decode(x)
                rows.append((rgb, x, ab, logits))
    return out


def score(model, cache: dict[str, list[tuple]], cal, edges: bool = True) -> dict[str, dict[str, float]]:
    import torch

    from colorstudio.core import color
    from colorstudio.core.colorize import pipeline
    from trainer.report.evaluate import colorize_scores
    from trainer.report.group_eval import colour_recall_counts, false_vivid_count

    res = {}
    with torch.inference_mode():
        for key, rows in cache.items():
            gain, cf, cf_gt, rec, viv = [], [], [], [0, 0], [0, 0]
            for rgb, x, ab, logits in rows:
                ab_small = pipeline.hinted_ab(pipeline.ab_from_output(model.combine(ab, logits, x, cal).numpy()),
                                              x.numpy(), (), edges=edges)
                out = pipeline.compose(rgb, ab_small)
                zero = pipeline.compose(rgb, np.zeros_like(ab_small))
                s, z = colorize_scores(rgb, out), colorize_scores(rgb, zero)
                gain.append(s["psnr_rgb"] - z["psnr_rgb"])
                cf.append(s["colourfulness"])
                cf_gt.append(s["colourfulness_gt"])
                lp, lt = color.rgb_to_lab(out)[:, :, 1:], color.rgb_to_lab(rgb)[:, :, 1:]
                h, n = colour_recall_counts(lp, lt)
                rec[0] += h
                rec[1] += n
                viv[0] += false_vivid_count(lp, lt)
                viv[1] += lp.shape[0] * lp.shape[1]
            res[key] = {"gain_db": float(np.mean(gain)), "colourfulness_ratio": float(np.mean(cf) / np.mean(cf_gt)),
                        "colour_recall": rec[0] / max(1, rec[1]), "false_vivid": viv[0] / max(1, viv[1])}
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.calibration", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--limit", type=int, default=40, help="held-out photos per group (spread evenly)")
    ap.add_argument("--grid", default="quick",
                    help="quick | full | JSON calibrations separated by ';' (each against 'off' and the default)")
    ap.add_argument("--weights", type=Path, help="an effnet-unet checkpoint (default: the shipped one)")
    a = ap.parse_args(argv)
    import torch

    from colorstudio.models import create
    from trainer.groups import held_out_by_group

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    model = create("effnet-unet", weights=a.weights or True)
    t0 = time.time()
    cache = cache_outputs(model, held_out_by_group(a.photos, limit=a.limit))
    print(f"network run on {sum(map(len, cache.values()))} photos in {time.time() - t0:.0f} s", file=sys.stderr)
    keys = list(cache)
    print("| decoding | " + " | ".join(keys) + " | mean gain | worst gain | mean false vivid | worst recall |")
    print("|---" * (len(keys) + 5) + "|")
    for label, cal in _grid(a.grid):
        r = score(model, cache, cal, edges=not (label or "").endswith("(no edge-aware step)"))
        cells = [f"{r[k]['gain_db']:+.2f} · {r[k]['colourfulness_ratio']:.0%} · {r[k]['colour_recall']:.0%} · "
                 f"{r[k]['false_vivid']:.1%}" for k in keys]
        g = [r[k]["gain_db"] for k in keys]
        name = label or ", ".join(f"{k}={v}" for k, v in asdict(cal).items() if k != "on")
        print(f"| {name} | " + " | ".join(cells) + f" | {np.mean(g):+.2f} | {min(g):+.2f} | "
              f"{np.mean([r[k]['false_vivid'] for k in keys]):.2%} | "
              f"{min(r[k]['colour_recall'] for k in keys):.0%} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
