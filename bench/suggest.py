"""Suggested colours (issue 35, item 2): is the truth's colour among the top suggestions?

    python -m bench.suggest [--photos DIR] [--limit N] [--points 20] [--count 6] [--within 15]
                            [--separation 20] [--groups people,interiors,animals] [--weights FILE]
                            [--size N]

On held-out photos (``trainer.groups``: every 20th file of each folder; ``--limit`` per
group, spread evenly), the colorizer (the shipped ``effnet-unet`` unless ``--weights``)
sees each photo's lightness once; at ``--points`` strongly coloured points per photo (the
truth's chroma, its mean over 3x3 pixels, at least 20), spread over a 5x4 grid of the
photo with a fixed seed, ``core.colorize.suggest`` gives the top ``--count`` colours
(``--separation``: its min_separation, ab units).  A
point is a hit when one of them is within ``--within`` ab units of the truth's mean 3x3 ab
there.  Per group: the share of hits (the target: >= 80 % in every group of the issue's
kinds of photo), the share where the first suggestion alone is within, and -- for
comparison -- the share where the colour the model paints there is within.
Prints a markdown table and a met/MISSED line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from colorstudio.core.colorize.suggest import MIN_SEPARATION, colour_distribution, suggest_from

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COLORSTUDIO_DATA", ROOT.parent / "shared" / "data"))

TARGET = 0.80              # share of points with the truth within WITHIN of a top-COUNT suggestion
TARGET_GROUPS = ("people", "interiors", "animals")
CHROMA_MIN = 20.0          # a strongly coloured point: the truth's chroma at least this
WITHIN = 15.0              # ab units
GRID = (5, 4)              # points spread over this many columns x rows of the photo
SEED = 35


@dataclass
class Tally:
    """One group's counts."""

    photos: int = 0
    points: int = 0
    hits: int = 0           # the truth within WITHIN of one of the top suggestions
    first: int = 0          # ... of the first suggestion
    painted: int = 0        # ... of the colour the model paints there

    def share(self, n: int) -> float:
        return n / self.points if self.points else float("nan")


def truth_lab(rgb: np.ndarray) -> np.ndarray:
    """Lab (H, W, 3) of the photo, its ab the mean over 3x3 pixels (JPEG's speckle is not a
    colour a user points at)."""
    from colorstudio.core import color

    lab = color.rgb_to_lab(rgb)
    lab[:, :, 1:] = cv2.blur(lab[:, :, 1:], (3, 3))
    return lab


def sample_points(ab: np.ndarray, n: int, rng: np.random.Generator,
                  chroma_min: float = CHROMA_MIN) -> list[tuple[int, int]]:
    """Up to ``n`` (x, y) pixels whose chroma is at least ``chroma_min``: one at random in
    each cell of a :data:`GRID` that has any, then the rest at random among all of them."""
    ys, xs = np.nonzero(np.hypot(ab[:, :, 0], ab[:, :, 1]) >= chroma_min)
    if len(xs) == 0:
        return []
    h, w = ab.shape[:2]
    cell = (xs * GRID[0] // w) * GRID[1] + ys * GRID[1] // h
    picked = [int(rng.choice(np.flatnonzero(cell == c))) for c in np.unique(cell)]
    rng.shuffle(picked)
    picked = picked[:n]
    rest = np.setdiff1d(np.arange(len(xs)), picked)
    if len(picked) < n and len(rest):
        picked += [int(i) for i in rng.choice(rest, min(n - len(picked), len(rest)), replace=False)]
    return [(int(xs[i]), int(ys[i])) for i in picked]


def score_photo(predictor, rgb: np.ndarray, tally: Tally, rng: np.random.Generator, points: int,
                count: int, within: float, size: int | None, separation: float = MIN_SEPARATION) -> None:
    """Add one photo's points to ``tally`` (one network run for the suggestions, one for the
    painted colour)."""
    from colorstudio.core.colorize import pipeline

    lab = truth_lab(rgb)
    pts = sample_points(lab[:, :, 1:], points, rng)
    if not pts:
        return
    h, w = rgb.shape[:2]
    dist = colour_distribution(predictor, rgb, size)
    painted = pipeline.predict_ab(predictor, rgb, size)
    tally.photos += 1
    for x, y in pts:
        truth = lab[y, x, 1:]
        at = ((x + 0.5) / w, (y + 0.5) / h)
        swatches = suggest_from(dist, at, float(lab[y, x, 0]), count, separation)
        d = [float(np.hypot(*(np.asarray(s.ab) - truth))) for s in swatches]
        tally.points += 1
        tally.hits += min(d) <= within
        tally.first += d[0] <= within
        tally.painted += float(np.hypot(*(_at(painted, at) - truth))) <= within


def _at(ab: np.ndarray, at: tuple[float, float]) -> np.ndarray:
    """The pixel of ``ab`` (h, w, 2) under ``at`` (fractions)."""
    h, w = ab.shape[:2]
    return ab[min(h - 1, int(at[1] * h)), min(w - 1, int(at[0] * w))]


def table(tallies: dict[str, Tally], count: int, within: float) -> list[str]:
    lines = [f"| group | photos | points | truth within {within:g} of a top-{count} suggestion | "
             "of the first | of the painted colour |", "|---|---|---|---|---|---|"]
    for key, t in tallies.items():
        lines.append(f"| {key} | {t.photos} | {t.points} | {t.share(t.hits):.1%} | {t.share(t.first):.1%} | "
                     f"{t.share(t.painted):.1%} |")
    return lines


def verdict(tallies: dict[str, Tally], groups: tuple[str, ...], count: int, within: float) -> str:
    judged = {k: t for k, t in tallies.items() if k in groups and t.points}
    ok = len(judged) == len(groups) and all(t.share(t.hits) >= TARGET for t in judged.values())
    worst = min(judged.items(), key=lambda kv: kv[1].share(kv[1].hits), default=None)
    detail = f"worst {worst[0]} {worst[1].share(worst[1].hits):.1%}" if worst else "no points"
    missing = [g for g in groups if g not in judged]
    if missing:
        detail += f"; no points in {', '.join(missing)}"
    return (f"{'met' if ok else 'MISSED'}: truth within {within:g} ab of a top-{count} suggestion at strongly "
            f"coloured points >= {TARGET:.0%} in every group ({', '.join(groups)}): {detail}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.suggest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=DATA / "photos")
    ap.add_argument("--limit", type=int, default=40, help="held-out photos per group (spread evenly)")
    ap.add_argument("--points", type=int, default=20, help="strongly coloured points per photo")
    ap.add_argument("--count", type=int, default=6, help="suggestions per point")
    ap.add_argument("--within", type=float, default=WITHIN, help="ab units that count as the truth's colour")
    ap.add_argument("--separation", type=float, default=MIN_SEPARATION,
                    help="ab units below which bins merge into one suggestion")
    ap.add_argument("--groups", default=",".join(TARGET_GROUPS),
                    help="photo groups to score (trainer.groups keys); the target is judged on these")
    ap.add_argument("--weights", type=Path, help="an effnet-unet checkpoint (default: the shipped one)")
    ap.add_argument("--size", type=int, help="render size (default: the model's)")
    a = ap.parse_args(argv)

    from colorstudio.models.loading import load_predictor
    from trainer.data import read_rgb
    from trainer.groups import held_out_by_group

    groups = tuple(g.strip() for g in a.groups.split(",") if g.strip())
    files = {k: v for k, v in held_out_by_group(a.photos, limit=a.limit).items() if k in groups}
    if not files:
        print(f"no held-out photos of {', '.join(groups)} under {a.photos}", file=sys.stderr)
        return 1
    pred = load_predictor("effnet-unet", device="cpu", weights=a.weights or True)
    t0 = time.time()
    tallies: dict[str, Tally] = {}
    for key, paths in files.items():
        tally = tallies[key] = Tally()
        for i, path in enumerate(paths):
            score_photo(pred, read_rgb(path), tally, np.random.default_rng([SEED, i]), a.points, a.count,
                        a.within, a.size, a.separation)
    print(f"{sum(t.photos for t in tallies.values())} photos in {time.time() - t0:.0f} s", file=sys.stderr)
    print("\n".join(table(tallies, a.count, a.within)))
    print()
    print(verdict(tallies, groups, a.count, a.within))
    return 0


if __name__ == "__main__":
    sys.exit(main())
