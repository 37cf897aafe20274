"""colorstudio-cli compare: one photo through several models, as a labelled contact sheet."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from colorstudio.cli.common import EXIT_FAILED, EXIT_OK, FORMATS, PROG, UsageError, _check_outdir, _read_hints
from colorstudio.cli.options import DEVICE_CHOICES, int_in, positive_int, saturation


def add_parser(sub) -> None:
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
    k.add_argument("--size", type=positive_int, metavar="N",
                   help="render size for every model (default: each model's own)")
    k.add_argument("--saturation", type=saturation, default=1.0, metavar="P",
                   help="colour strength as in the app: 0%% gray, 100%% as predicted (default), up to 200%%; "
                   "a plain number is the factor (1.5 = 150%%)")
    k.add_argument("--hints", type=Path, metavar="FILE.json",
                   help="colour hints for every model (the app's hint file), with the gray and protect masks "
                   "saved beside it (FILE.gray-mask.png, FILE.protect-mask.png; of the photo's size)")
    k.add_argument("--tile", type=int_in(64, 2048), default=384, metavar="PX",
                   help="height of each picture on the sheet in pixels (default 384)")
    k.add_argument("--columns", type=int_in(0, 12), default=0, metavar="N",
                   help="pictures per row (default 0: a near-square grid)")
    k.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args) -> int:
    """PHOTO through each model -> one labelled sheet (input, results, original if colour)."""
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    if not names:
        raise UsageError("--models needs at least one model name or checkpoint")
    if len(names) > 12:
        raise UsageError(f"--models takes at most 12 models, got {len(names)}")
    if len(set(names)) != len(names):
        raise UsageError("--models names a model twice")
    suffix = args.output.suffix.lower().lstrip(".")
    if suffix not in FORMATS + ("jpeg", "tiff"):
        raise UsageError(f"the sheet must be one of {', '.join(FORMATS)} (got {args.output.name!r})")
    if args.output.is_dir():
        raise UsageError(f"{args.output} is a folder: give the sheet's file name")
    if not args.photo.is_file():
        raise UsageError(f"photo not found: {args.photo}")
    hints = _read_hints(args.hints)
    _check_outdir(args.output.parent if str(args.output.parent) else Path("."))

    import numpy as np

    from colorstudio.core.colorize import pipeline
    from colorstudio.core.io.checkpoint import CheckpointError
    from colorstudio.core.colorize.contact_sheet import Tile, fit_tile, grid
    from colorstudio.core.inference.devices import DeviceError
    from colorstudio.core.io.imageio import ImageReadError, read_image, write_image
    from colorstudio.core.messages import one_line, shown
    from colorstudio.models.loading import load_predictor
    from colorstudio.models.refs import parse_ref

    try:
        refs = [parse_ref(n, task="colorize") for n in names]
    except (LookupError, CheckpointError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    try:
        image = read_image(args.photo)
    except (ImageReadError, OSError, ValueError) as exc:
        raise UsageError(f"cannot read {args.photo}: {exc}") from None
    masks = {}
    if args.hints is not None:   # the gray and protect masks saved with the hints (every tile, as the app's grid)
        from colorstudio.cli import hint_masks

        masks = hint_masks.read(args.hints)
        hint_masks.check_fit(args.hints, masks, image.shape, args.photo.name)
    colour = image.ndim == 3 and image.shape[2] >= 3 and bool(
        (image[..., 0] != image[..., 1]).any() or (image[..., 1] != image[..., 2]).any())
    gray = pipeline.compose(image, np.zeros((1, 1, 2), np.float32), 1.0) if colour else image
    # Each tile is kept at the sheet's size as soon as it exists: twelve full-size results of
    # a 49-megapixel scan held 2.7 GB for a sheet of 256 px rows (the sheet is the same).
    tiles = [Tile(fit_tile(gray, args.tile), "input" + (" (its lightness)" if colour else ""))]
    del gray
    failed = 0
    for ref in refs:
        try:
            pred = load_predictor(ref.family, args.device, weights=ref.weights or True)
            t0 = time.perf_counter()
            res = pipeline.colorize(image, pred, args.size, args.saturation, hints, gray_mask=masks.get("gray"),
                                    protect_mask=masks.get("protect"))
            dt = time.perf_counter() - t0
        except (CheckpointError, DeviceError) as exc:
            raise UsageError(f"{ref.label}: {exc}") from None
        except (RuntimeError, FloatingPointError, ValueError) as exc:
            failed += 1
            print(f"{PROG}: FAILED {shown(ref.label)}: {shown(one_line(exc))}", file=sys.stderr)
            continue
        trained = ref.weights is not None or pred.spec is None or pred.spec.has_weights
        label = f"{ref.label} - {dt:.2f} s" + ("" if trained else " (untrained)")
        tiles.append(Tile(fit_tile(res.rgb, args.tile), label))
        del res
        if not args.quiet:
            print(f"{shown(ref.label)}: {dt:.2f} s on {pred.device_name}" + ("" if trained else ", random weights"),
                  file=sys.stderr)
    if colour:
        tiles.append(Tile(fit_tile(image, args.tile), "original"))
    out = grid(tiles, args.columns, args.tile)
    try:
        written = write_image(args.output, out, protect=[args.photo])
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot write {args.output}: {exc}") from None
    print(f"wrote {shown(written)} ({out.shape[1]}x{out.shape[0]}, {len(tiles) - 1 - int(colour)} models)")
    return EXIT_FAILED if failed else EXIT_OK
