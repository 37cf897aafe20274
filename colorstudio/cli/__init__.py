"""colorstudio-cli: list models, colorize photos and videos, translate facade label maps.

Exit status: 0 everything done (or skipped because it was already done), 1 some
inputs failed (one line each on stderr; the others are still done), 2 a usage error
(unknown model, missing input, unwritable output folder, unavailable device), 130
interrupted.  Errors are messages, never tracebacks.  torch is imported only after the
arguments are checked, so ``--help`` and usage errors are instant.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Iterable

from colorstudio.cli.batch_cmds import cmd_colorize, cmd_models, cmd_translate
from colorstudio.cli.common import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, FORMATS,  # noqa: F401
                                    PROG, UsageError)
from colorstudio.cli.compare import cmd_compare
from colorstudio.cli.progress import Progress  # noqa: F401 -- where callers have found it
from colorstudio.core.inference.devices import DEVICE_CHOICES
from colorstudio.core.errors import UserError

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "Progress", "UsageError",
           "build_parser", "main"]


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 16 or v > 8192:
        raise argparse.ArgumentTypeError(f"size must be between 16 and 8192, got {v}")
    return v


def _int_in(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {v}")
        return v
    return parse


def _float_in(lo: float, hi: float | None, hi_open: bool = False):
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


def _views(text: str) -> tuple[str, ...]:
    from colorstudio.core.colorize.views import EXTRA_VIEWS

    names = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [v for v in names if v not in EXTRA_VIEWS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown view {bad[0]!r}; choose from {', '.join(EXTRA_VIEWS)}")
    return names


def _saturation(text: str) -> float:
    """``150%`` or ``1.5``: one scale with the app (0-200 %, 100 % as predicted)."""
    from colorstudio.core.scales import SATURATION_MAX

    t = text.strip()
    pct = t.endswith("%")
    v = _float_in(0.0, SATURATION_MAX * (100.0 if pct else 1.0))(t[:-1] if pct else t)
    return v / 100.0 if pct else v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="ColorStudio from the command line: colorize black-and-white "
        "photos and videos, or turn facade label maps into photos.",
        epilog="Exit status: 0 all done, 1 some inputs failed, 2 usage error.")
    from colorstudio import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    m = sub.add_parser("models", help="list the available models",
                       description="List the registered models and whether trained weights are installed.")
    m.add_argument("--task", choices=("colorize", "translate"), help="only models of this task")

    def common(sp: argparse.ArgumentParser, default_model_task: str) -> None:
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
        sp.add_argument("--size", type=_positive_int, metavar="N",
                        help="render size: the network's input side in pixels (default: the model's)")
        sp.add_argument("--format", default="png", choices=FORMATS, help="output format (default: png)")
        sp.add_argument("--quality", type=_int_in(1, 100), default=95, metavar="Q",
                        help="JPEG/WebP quality, 1-100 (default: 95)")
        sp.add_argument("--overwrite", action="store_true",
                        help="redo outputs that exist (default: skip them, so a rerun resumes)")
        sp.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")

    c = sub.add_parser("colorize", help="colorize photos and videos",
                       description="Colorize black-and-white (or colour: their lightness is used) "
                       "photos and videos.  Video files become <name>.mp4 (.avi stays .avi) with "
                       "their colorized frames kept in <name>_frames/ so an interrupted run resumes.")
    common(c, "colorize")
    c.add_argument("--saturation", type=_saturation, default=1.0, metavar="P",
                   help="colour strength as in the app: 0%% gray, 100%% as predicted (default), up to 200%%; "
                   "a plain number is the factor (1.5 = 150%%)")
    c.add_argument("--hints", type=Path, metavar="FILE.json",
                   help="colour hints: a JSON list of {x, y, rgb} with x, y as fractions of the width and "
                   "height and rgb as [R, G, B] 0-255, applied to every input (the file the app's 'Save "
                   "hints' writes); or a shot file {\"frames\": {\"1\": [...], \"120\": [...]}} of "
                   "keyframe hints, carried by optical flow to every frame of the video or of the "
                   "frames given in order (the Shot tab saves one); needs a hint-taking model such as "
                   "unet-hints")
    c.add_argument("--denoise", choices=("off", "light", "strong"), default="off",
                   help="clean what the network sees of a grainy or dusty scan, so grain and dust do not "
                   "become speckles of colour (the result keeps the scan's own lightness): light = non-local "
                   "means, strong = also a median against dust and hairline scratches (default off)")
    c.add_argument("--also", type=_views, default=(), metavar="VIEW,...",
                   help="write these beside each result, as NAME_before_after, NAME_wiper, NAME_colour: "
                   "before-after (original | result), wiper (split at the middle), colour-layer (the "
                   "colour alone, to lay over the original in an editor's Color blend mode); photos only")
    c.add_argument("--smooth", type=_float_in(0.0, 1.0, hi_open=True), default=0.0, metavar="F",
                   help="temporal smoothing in [0, 1) for videos and folders of frames: blends each "
                   "frame's colours with the previous frame's, following the motion (default 0: off)")

    k = sub.add_parser("compare", help="one photo through several models: a labelled contact sheet",
                       description="Colorize one photo with each of several models and write a "
                       "labelled contact sheet: the input, each model's result with its time, and "
                       "the original when the photo has colours (the truth the models never see).")
    k.add_argument("photo", metavar="PHOTO", type=Path, help="the photo to colorize")
    k.add_argument("--models", required=True, metavar="A,B,...",
                   help="models to compare: registered names and/or .safetensors checkpoints, "
                   "comma-separated (1 to 12)")
    k.add_argument("-o", "--output", required=True, metavar="SHEET.png", type=Path,
                   help="the contact sheet to write (png, jpg, tif, bmp or webp)")
    k.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                   help="where the networks run (default: auto)")
    k.add_argument("--size", type=_positive_int, metavar="N",
                   help="render size for every model (default: each model's own)")
    k.add_argument("--saturation", type=_saturation, default=1.0, metavar="P",
                   help="colour strength as in the app: 0%% gray, 100%% as predicted (default), up to 200%%; "
                   "a plain number is the factor (1.5 = 150%%)")
    k.add_argument("--hints", type=Path, metavar="FILE.json",
                   help="colour hints for the hint-taking models among them (others ignore them)")
    k.add_argument("--tile", type=_int_in(64, 2048), default=384, metavar="PX",
                   help="height of each picture on the sheet in pixels (default 384)")
    k.add_argument("--columns", type=_int_in(0, 12), default=0, metavar="N",
                   help="pictures per row (default 0: a near-square grid)")
    k.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    t = sub.add_parser("translate", help="turn facade label maps into photos",
                       description="Translate facade label maps (CMP palette) into photos.")
    common(t, "translate")
    return p


COMMANDS = {"models": cmd_models, "colorize": cmd_colorize, "compare": cmd_compare,
            "translate": cmd_translate}


def main(argv: Iterable[str] | None = None) -> int:
    args = build_parser().parse_args(None if argv is None else list(argv))
    try:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # we report errors ourselves
    except Exception:  # noqa: BLE001 -- only quiets OpenCV's own log lines
        pass
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:   # e.g. the batch stopped: the output folder filled up
        print(f"\n{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"{PROG}: error: out of memory; try a smaller --size", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
