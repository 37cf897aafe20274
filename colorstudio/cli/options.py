"""Option types and the options every batch command shares (one place for their ranges)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from colorstudio.cli.common import FORMATS, PROG
from colorstudio.core.inference.devices import DEVICE_CHOICES
from colorstudio.core.scales import RENDER_SIZE_RANGE


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    lo, hi = RENDER_SIZE_RANGE
    if v < lo or v > hi:
        raise argparse.ArgumentTypeError(f"size must be between {lo} and {hi}, got {v}")
    return v


def int_in(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {v}")
        return v
    return parse


def float_in(lo: float, hi: float | None, hi_open: bool = False):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(v):  # NaN passes every comparison below
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if v < lo or (hi is not None and (v >= hi if hi_open else v > hi)):
            bound = f"[{lo}, {hi})" if hi_open else (f"[{lo}, {hi}]" if hi is not None else f">= {lo}")
            raise argparse.ArgumentTypeError(f"must be in {bound}, got {v}")
        return v
    return parse


def views(text: str) -> tuple[str, ...]:
    from colorstudio.core.colorize.views import EXTRA_VIEWS

    names = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [v for v in names if v not in EXTRA_VIEWS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown view {bad[0]!r}; choose from {', '.join(EXTRA_VIEWS)}")
    return names


def frame_span(text: str):
    """``--frames A-B`` / ``A-`` / ``A`` -> a ``core.batch.ranges.FrameSpan``: from 1 for a
    video or frames folder (checked against the shot), from 0 for an image sequence's numbers."""
    from colorstudio.core.batch.ranges import RangeError, parse_frames

    try:
        return parse_frames(text, lowest=0)
    except RangeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def shard(text: str) -> tuple[int, int] | str:
    """``--shard I/N`` -> (I, N), or ``auto`` (resolved from the farm's environment when the
    command runs, so ``--help`` and other errors never depend on it)."""
    if text.strip().lower() == "auto":
        return "auto"
    from colorstudio.core.environment import shard_pair

    try:
        return shard_pair(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def saturation(text: str) -> float:
    """``150%`` or ``1.5``: one scale with the app (0-200 %, 100 % as predicted)."""
    from colorstudio.core.scales import SATURATION_MAX

    t = text.strip()
    pct = t.endswith("%")
    v = float_in(0.0, SATURATION_MAX * (100.0 if pct else 1.0))(t[:-1] if pct else t)
    return v / 100.0 if pct else v


def add_batch_options(sp: argparse.ArgumentParser, default_model_task: str, formats: tuple[str, ...] = FORMATS,
                      format_help: str = "output format (default: png)") -> None:
    """What every batch command takes: inputs, output folder, model, device, size, format
    (``formats``: the choices; the default, png, is left to the command when it names more)."""
    sp.add_argument("inputs", nargs="+", metavar="INPUT", help="image files and/or folders (not recursive)")
    sp.add_argument("-o", "--output", required=True, metavar="OUTDIR", type=Path,
                    help="output folder (created if missing); outputs keep the input names")
    sp.add_argument("--model", metavar="NAME",
                    help=f"registered model (default: the default {default_model_task} model; "
                    f"see '{PROG} models')")
    sp.add_argument("--weights", metavar="FILE", type=Path,
                    help="use this checkpoint (.safetensors) instead of the installed weights; "
                    "its model family comes from the file unless --model is given")
    sp.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                    help="where the network runs (default: auto = cuda, then mps, then cpu)")
    sp.add_argument("--size", type=positive_int, metavar="N",
                    help="render size: the network's input side in pixels (default: the model's)")
    sp.add_argument("--format", default="png" if formats == FORMATS else None, choices=formats, help=format_help)
    sp.add_argument("--quality", type=int_in(1, 100), default=95, metavar="Q",
                    help="JPEG/WebP quality, 1-100 (default: 95)")
    sp.add_argument("--overwrite", action="store_true",
                    help="redo outputs that exist (default: skip them, so a rerun resumes)")
    sp.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
