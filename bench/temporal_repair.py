"""Film frames' one-frame dust filled from the neighbouring frames (issue 31 item 5):
the spatial fill alone vs the temporal fill then the spatial one, on synthetic clips.

    OMP_NUM_THREADS=1 python -m bench.temporal_repair [--photos DIR] [--clips N] [--frames N] [--fill telea]

A clip is a held-out photo (``trainer.groups``: every 20th file of each folder; one per
group, ``--clips`` of them; a synthetic texture when there are none) as a gray film: a
384x512 window panned by (2.5, 1) px a frame (sub-pixel: resampled), film grain of its own
in every frame (sigma 1.5 L), and damage at a fixed seed per clip and frame:

* one-frame dust: ``core.colorize.damage``'s dust (specks and fibres) drawn anew on every frame;
* a persistent scratch in the film base: the same two vertical lines at the same place of
  every frame (the picture moves under them).

Both fills are given the true mask (the detector is ``bench.restoration``'s subject), the
spatial fill is ``--fill`` (``core.restore.repair.fill``).  Scored on L against each frame's
undamaged twin (the same grain): the damage error removed, ``1 - MSE(repaired, clean) /
MSE(damaged, clean)``, and the RMSE left (L units), inside the one-frame dust's mask and inside the persistent scratch's
(their own pixels: where they overlap, the dust's); the share of each filled from the
neighbours; PSNR away from the damage (outside the mask grown by 4 px, repaired vs the
damaged scan: what a repair must leave alone).  The first and last frames have one
neighbour and are mended spatially only (``core.restore.temporal``); they are in the totals.
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

from colorstudio.core import color
from colorstudio.core.colorize import damage
from colorstudio.core.restore import repair, temporal

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))
SIZE = (384, 512)            # (h, w) of a frame
PAN = (2.5, 1.0)             # px a frame (x, y)
GRAIN = 1.5                  # L units, each frame its own
DUST_MIX = {"dust": 1.0}


def _texture(seed: int) -> np.ndarray:
    """A stand-in photo (L): smooth shapes with fine texture, when no photo is at hand."""
    rng = np.random.default_rng(seed)
    h, w = SIZE[0] + 80, SIZE[1] + 80
    L = sum(cv2.GaussianBlur(rng.uniform(0, 1, (h, w)).astype(np.float32), (0, 0), s) * s
            for s in (1.0, 3.0, 12.0))
    L = (L - L.min()) / (L.max() - L.min()) * 80 + 10
    return L.astype(np.float32)


def _photo_l(path: Path) -> np.ndarray:
    from trainer import data as tdata

    rgb = tdata.read_rgb(path)
    f = max((SIZE[0] + 80) / rgb.shape[0], (SIZE[1] + 80) / rgb.shape[1])
    if f > 1 or min(rgb.shape[:2]) > 2 * (SIZE[0] + 80):
        f = max(f, (SIZE[0] + 80) / min(rgb.shape[:2]))
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)), interpolation=cv2.INTER_AREA
                         if f < 1 else cv2.INTER_CUBIC)
    return color.luminance(color.to_float01(rgb))


def clip(L: np.ndarray, seed: int, n: int) -> tuple[list, list, list, list]:
    """(clean frames, damaged frames, one-frame dust masks, persistent scratch mask) of a
    panned film of ``L``."""
    rng = np.random.default_rng(seed)
    h, w = SIZE
    # The persistent scratch: two thin vertical lines (a bright one, a dark one) in the film base.
    a = np.zeros(SIZE, np.float32)
    tone = np.zeros(SIZE, np.float32)
    for bright in (True, False):
        x = float(rng.uniform(0.15, 0.85)) * w
        pts = np.stack([x + np.cumsum(rng.normal(0, 0.15, 64)), np.linspace(-4, h + 4, 64)], 1)
        line = np.zeros(SIZE, np.float32)
        cv2.polylines(line, [np.round(pts * 16).astype(np.int32)], False, 0.95, 2 if bright else 1,
                      cv2.LINE_AA, shift=4)
        a = np.maximum(a, line)
        tone = np.where(line > 0, 96.0 if bright else 8.0, tone)
    clean, damaged, dust = [], [], []
    for t in range(n):
        m = np.float32([[1, 0, 20 + PAN[0] * t], [0, 1, 20 + PAN[1] * t]])
        frame = cv2.warpAffine(L, m, (w, h), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        d = damage.damage(frame, rng, DUST_MIX, scale=1.0)
        grain = rng.normal(0, GRAIN, SIZE).astype(np.float32)
        scratched = d.L + a * (tone - d.L)
        clean.append(np.clip(frame + grain, 0, 100))
        damaged.append(np.clip(scratched + grain, 0, 100))
        dust.append(d.mask)
    persistent = (a >= damage.MASK_ALPHA)
    return clean, damaged, dust, persistent


class Tally:
    def __init__(self) -> None:
        self.err = {}   # (method, region) -> [sum sq repaired, sum sq damaged, pixels, temporal pixels]
        self.away = {}  # method -> [sum sq, pixels]
        self.seconds = {}

    def add(self, method: str, region: str, rep, dmg, clean, where, used=None) -> None:
        e = self.err.setdefault((method, region), [0.0, 0.0, 0, 0])
        e[0] += float(((rep[where].astype(np.float64) - clean[where]) ** 2).sum())
        e[1] += float(((dmg[where].astype(np.float64) - clean[where]) ** 2).sum())
        e[2] += int(where.sum())
        e[3] += int((used & where).sum()) if used is not None else 0

    def removed(self, method: str, region: str) -> float:
        e = self.err[(method, region)]
        return 1.0 - e[0] / e[1] if e[1] > 0 else float("nan")

    def rmse(self, method: str, region: str) -> float:
        e = self.err[(method, region)]
        return float(np.sqrt(e[0] / e[2])) if e[2] else float("nan")

    def share(self, method: str, region: str) -> float:
        e = self.err[(method, region)]
        return e[3] / e[2] if e[2] else 0.0

    def psnr(self, method: str) -> float:
        s, n = self.away[method]
        return 99.0 if s <= 1e-12 * n else 10 * np.log10(100.0 ** 2 / (s / n))


def run(sources: list[tuple[str, np.ndarray]], n: int, fill: str) -> tuple[Tally, int]:
    tally = Tally()
    frames = 0
    for name, L in sources:
        seed = zlib.crc32(name.encode()) + 31
        clean, dmg, dust, persistent = clip(L, seed, n)
        for t in range(n):
            mask = dust[t] | persistent
            grown = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
            t0 = time.perf_counter()
            spatial = repair.fill(dmg[t], mask, fill)
            t1 = time.perf_counter()
            prev = dmg[t - 1] if t > 0 else None
            nxt = dmg[t + 1] if t + 1 < n else None
            tf = temporal.temporal_fill(prev, dmg[t], nxt, mask, lightness=True)
            both = repair.fill(tf.filled, mask & ~tf.used, fill)
            t2 = time.perf_counter()
            for method, rep, used, dt in (("spatial", spatial, None, t1 - t0),
                                          ("temporal+spatial", both, tf.used, t2 - t1)):
                tally.add(method, "one-frame dust", rep, dmg[t], clean[t], dust[t], used)
                tally.add(method, "persistent scratch", rep, dmg[t], clean[t], persistent & ~dust[t], used)
                s = tally.away.setdefault(method, [0.0, 0])
                s[0] += float(((rep[~grown].astype(np.float64) - dmg[t][~grown]) ** 2).sum())
                s[1] += int((~grown).sum())
                tally.seconds[method] = tally.seconds.get(method, 0.0) + dt
            frames += 1
    return tally, frames


def table(t: Tally, frames: int, clips: int) -> list[str]:
    out = [f"{clips} clips x {frames // max(1, clips)} frames, {SIZE[1]}x{SIZE[0]}, "
           f"pan {PAN[0]:g},{PAN[1]:g} px/frame, grain {GRAIN:g} L, true masks", "",
           "| fill | dust: error removed | dust: RMSE left | dust: from neighbours "
           "| scratch: error removed | scratch: RMSE left | scratch: from neighbours "
           "| PSNR away from damage | ms / frame |",
           "|---|---|---|---|---|---|---|---|---|"]
    for m in ("spatial", "temporal+spatial"):
        d, s = "one-frame dust", "persistent scratch"
        out.append(f"| {m} | {t.removed(m, d):.1%} | {t.rmse(m, d):.2f} L | {t.share(m, d):.0%} "
                   f"| {t.removed(m, s):.1%} | {t.rmse(m, s):.2f} L | {t.share(m, s):.0%} "
                   f"| {t.psnr(m):.1f} dB | {1000 * t.seconds[m] / max(1, frames):.0f} |")
    return out


def sources(photos: Path, clips: int) -> list[tuple[str, np.ndarray]]:
    found: list[Path] = []
    if photos.is_dir():
        from trainer.groups import held_out_by_group

        for files in held_out_by_group(photos, limit=1).values():
            found += files[:1]
    if not found:
        return [(f"texture{i}", _texture(i)) for i in range(clips)]
    return [(p.name, _photo_l(p)) for p in found[:clips]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.temporal_repair", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--fill", choices=repair.CLASSICAL, default="telea")
    a = ap.parse_args(argv)
    t0 = time.time()
    src = sources(a.photos, a.clips)
    tally, frames = run(src, a.frames, a.fill)
    print("\n".join(table(tally, frames, len(src))))
    print("clips: " + ", ".join(name for name, _ in src))
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
