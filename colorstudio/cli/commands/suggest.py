"""colorstudio-cli suggest: the colours the colorizer finds likely at one point of a photo."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from colorstudio.cli.common import EXIT_OK, PROG, UsageError, _load_predictor
from colorstudio.cli.options import DEVICE_CHOICES, int_in, positive_int

Coordinate = tuple[float, bool]   # a fraction (False) or a pixel (True)


def _coordinate(text: str) -> Coordinate:
    t = text.strip().lower()
    if t.endswith("px"):
        try:
            v = int(t[:-2])
        except ValueError:
            raise argparse.ArgumentTypeError(f"a pixel is a whole number before 'px', got {text!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"a pixel is counted from 0, got {text!r}")
        return float(v), True
    try:
        f = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction like 0.42 or a pixel like 120px, "
                                         f"got {text!r}") from None
    if not (math.isfinite(f) and 0.0 <= f <= 1.0):
        raise argparse.ArgumentTypeError(f"a fraction of the width or height is from 0 to 1, got {text!r} "
                                         "(pixels take a px suffix: 120px)")
    return f, False


def point(text: str) -> tuple[Coordinate, Coordinate]:
    """``X,Y``: each a fraction of the width/height (0.42) or a pixel (120px)."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y (e.g. 0.5,0.3 or 120px,80px), got {text!r}")
    return _coordinate(parts[0]), _coordinate(parts[1])


def add_parser(sub) -> None:
    s = sub.add_parser("suggest", help="the likely colours at a point of a photo",
                       description="Print the colours the colorizer finds most likely at one point of a "
                       "photo (its own distribution over colours there, most probable first), for "
                       "choosing a hint.  Needs a model with a colour distribution (a bin head), such "
                       "as the default colorizer.")
    s.add_argument("photo", metavar="PHOTO", type=Path, help="the photo")
    s.add_argument("--at", required=True, type=point, metavar="X,Y",
                   help="the point: fractions of the width and height as in hint files (0.5,0.25: the "
                   "middle, a quarter down), or pixels from the top-left corner with a px suffix "
                   "(120px,80px)")
    s.add_argument("--count", type=int_in(1, 12), default=6, metavar="N",
                   help="how many colours (1-12, default 6)")
    s.add_argument("--json", action="store_true", help="print JSON instead of one line per colour")
    s.add_argument("--model", metavar="NAME",
                   help=f"registered model (default: the default colorizer; see '{PROG} models')")
    s.add_argument("--weights", metavar="FILE", type=Path,
                   help="use this checkpoint (.safetensors) instead of the installed weights")
    s.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                   help="where the network runs (default: auto)")
    s.add_argument("--size", type=positive_int, metavar="N",
                   help="render size: the network's input side in pixels (default: the model's)")
    s.add_argument("-q", "--quiet", action="store_true", help="print only errors and the colours")


def _fractions(at: tuple[Coordinate, Coordinate], width: int, height: int) -> tuple[float, float]:
    """The point as fractions of the photo; a pixel off the photo is a usage error."""
    out = []
    for (v, px), side, name in ((at[0], width, "x"), (at[1], height, "y")):
        if px and v >= side:
            raise UsageError(f"the point's {name} {int(v)}px is outside the photo ({width}x{height} pixels)")
        out.append((v + 0.5) / side if px else v)
    return out[0], out[1]


def _read(path: Path):
    from colorstudio.core.io.imageio import ImageReadError, read_image

    try:
        return read_image(path)
    except (ImageReadError, OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def run(args) -> int:
    """PHOTO, a point -> the top colours of the model's distribution there."""
    if not args.photo.is_file():
        raise UsageError(f"photo not found: {args.photo}")
    image = _read(args.photo)
    fx, fy = _fractions(args.at, image.shape[1], image.shape[0])

    from colorstudio.core.colorize.suggest import NoColourDistribution, PointOutside, suggested_colours

    predictor = _load_predictor(args, "colorize")
    try:
        swatches = suggested_colours(predictor, image, (fx, fy), k=args.count, size=args.size)
    except NoColourDistribution as exc:
        from colorstudio.models import default_model

        raise UsageError(f"{exc}; use a model with a bin head, e.g. --model {default_model('colorize')}") from None
    except PointOutside as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps({"photo": str(args.photo), "at": [round(fx, 6), round(fy, 6)], "model": predictor.name,
                          "suggestions": [{"rank": i, "hex": s.hex, "rgb": list(s.rgb), "ab": list(s.ab),
                                           "probability": s.probability}
                                          for i, s in enumerate(swatches, 1)]}, indent=1))
        return EXIT_OK
    for i, s in enumerate(swatches, 1):
        print(f"{i}  {s.hex}  a {s.ab[0]:6.1f}  b {s.ab[1]:6.1f}  {s.probability:6.1%}")
    return EXIT_OK
