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
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence, TextIO

from colorstudio.core.messages import format_eta

PROG = "colorstudio-cli"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ("png", "jpg", "tif", "bmp", "webp")


class UsageError(Exception):
    """A mistake in the command line or its inputs: message, exit status 2."""


# --------------------------------------------------------------------------- parsing

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
        sp.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
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
    c.add_argument("--saturation", type=_float_in(0.0, 4.0), default=1.0, metavar="F",
                   help="colour strength: 0 gray, 1 as predicted (default), up to 4")
    c.add_argument("--hints", type=Path, metavar="FILE.json",
                   help="colour hints: a JSON list of {x, y, rgb} with x, y as fractions of the width and "
                   "height and rgb as [R, G, B] 0-255, applied to every input (the file the app's 'Save "
                   "hints' writes); or a shot file {\"frames\": {\"1\": [...], \"120\": [...]}} of "
                   "keyframe hints, carried by optical flow to every frame of the video or of the "
                   "frames given in order (the Shot tab saves one); needs a hint-taking model such as "
                   "unet-hints")
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
    k.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
                   help="where the networks run (default: auto)")
    k.add_argument("--size", type=_positive_int, metavar="N",
                   help="render size for every model (default: each model's own)")
    k.add_argument("--saturation", type=_float_in(0.0, 4.0), default=1.0, metavar="F",
                   help="colour strength: 0 gray, 1 as predicted (default), up to 4")
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


# --------------------------------------------------------------------------- progress

class Progress:
    """A one-line bar with count, items/s and ETA on a terminal; plain lines otherwise."""

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream = stream
        self.tty = stream.isatty()
        self.quiet = quiet
        self._bar = False

    def _clear(self) -> None:
        if self._bar:
            self.stream.write("\r\033[K")
            self._bar = False

    def message(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def update(self, ev, label: str = "") -> None:
        name = Path(ev.src).name if label == "" else label
        if ev.status == "failed":
            self.message(f"FAILED {name}: {ev.error}")
        if ev.note:
            self.message(f"note: {ev.note}")
        if self.quiet:
            return
        rate = f"{ev.items_per_s:.2f} it/s" if ev.items_per_s else "-- it/s"
        if self.tty:
            width = max(10, min(30, shutil.get_terminal_size((80, 20)).columns - 60))
            filled = int(width * ev.done_count / max(1, ev.total))
            line = (f"[{'#' * filled}{'.' * (width - filled)}] {ev.done_count}/{ev.total} "
                    f"{rate} ETA {format_eta(ev.eta_s, '--:--')} {name}")
            cols = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r\033[K" + line[: cols - 1])
            self._bar = True
            self.stream.flush()
        elif ev.status != "failed":
            self.message(f"[{ev.done_count}/{ev.total}] {ev.status} {name} -> {ev.dst} "
                         f"({rate}, ETA {format_eta(ev.eta_s, '--:--')})")

    def close(self) -> None:
        self._clear()


# --------------------------------------------------------------------------- helpers

def _check_outdir(outdir: Path) -> None:
    """Fail early (exit 2) when the output folder cannot be created or written."""
    probe = outdir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"cannot use {outdir} as output folder: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to output folder {outdir}: permission denied on {probe}")


def _check_not_an_input_folder(inputs: Sequence[str], outdir: Path) -> None:
    """Outputs beside their inputs would be taken as inputs by the next run."""
    out = os.path.realpath(outdir)
    for raw in inputs:
        if Path(raw).is_dir() and os.path.realpath(raw) == out:
            raise UsageError(f"the output folder {outdir} is also an input folder: the results would land "
                             "among the inputs and be colorized again on a rerun; choose another -o folder")


def _make_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {outdir}: {exc.strerror or exc}") from None


def _collect(paths: Sequence[str], counts: dict[str, int]) -> list[Path]:
    """Input files; each missing path or empty folder gets one line and counts as failed,
    so the good inputs are still done and the exit status says something was not."""
    from colorstudio.core.batch import collect_inputs

    problems: list[str] = []
    inputs = collect_inputs(paths, problems)
    for msg in problems:
        print(f"{PROG}: {msg}", file=sys.stderr)
    if not inputs:
        raise UsageError("no input images found")
    counts["failed"] = len(problems)
    return inputs


def _load_predictor(args, task: str):
    """Model name -> Predictor, turning every user mistake into a UsageError."""
    from colorstudio.core.checkpoint import CheckpointError
    from colorstudio.core.devices import DeviceError
    from colorstudio.core.predictor import Predictor
    from colorstudio.models import create, default_model, spec
    from colorstudio.models.registry import UnknownModelError

    name = args.model
    if name is None and args.weights is not None and args.weights.is_file():
        from colorstudio.core.checkpoint import read_metadata

        try:  # a checkpoint says which family it holds: --model is then optional
            name = read_metadata(args.weights).get("family") or None
        except CheckpointError as exc:
            raise UsageError(str(exc)) from None
    try:
        name = name or default_model(task)
        s = spec(name)
    except (UnknownModelError, LookupError) as exc:
        raise UsageError(str(exc)) from None
    if s.task != task:
        raise UsageError(f"model {name!r} is a {s.task} model; '{args.command}' needs a {task} model "
                         f"(see '{PROG} models --task {task}')")
    if args.weights is not None and not args.weights.is_file():
        raise UsageError(f"weights file not found: {args.weights}")
    try:
        model = create(name, weights=args.weights if args.weights is not None else True)
        predictor = Predictor(model, device=args.device)
    except (CheckpointError, DeviceError) as exc:
        raise UsageError(str(exc)) from None
    if args.weights is None and not s.has_weights:
        print(f"{PROG}: warning: model {name!r} has no trained weights installed; "
              "its output is from random weights", file=sys.stderr)
    if not args.quiet:
        origin = args.weights.name if args.weights is not None else ("installed weights" if s.has_weights
                                                                      else "random weights")
        print(f"{PROG}: model {name} ({origin}) on {predictor.device_name}", file=sys.stderr)
    return predictor


def _drain(events: Iterator, progress: Progress, counts: dict[str, int], label: str = "") -> None:
    try:
        for ev in events:
            counts[ev.status] = counts.get(ev.status, 0) + 1
            progress.update(ev, label)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _summary(counts: dict[str, int], outdir: Path, t0: float) -> int:
    done, skipped, failed = (counts.get(k, 0) for k in ("done", "skipped", "failed"))
    print(f"{done} done, {skipped} skipped (already there), {failed} failed in "
          f"{time.perf_counter() - t0:.1f} s -> {outdir}")
    return EXIT_FAILED if failed else EXIT_OK


# --------------------------------------------------------------------------- commands

def cmd_models(args) -> int:
    from colorstudio.models import available

    rows = [(s.name, s.task, str(s.input_size), "yes" if s.has_weights else "no", s.description)
            for s in available(args.task)]
    head = ("NAME", "TASK", "SIZE", "WEIGHTS", "DESCRIPTION")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head] + rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    if not rows:
        print("(no models registered)")
    return EXIT_OK


def _run_batch(args, task: str, work, check=None) -> int:
    """The frame of every batch command: inputs, output folder, model, progress, summary.

    ``check(predictor)`` may refuse the model (a UsageError) before the output folder is
    made; ``work(inputs, predictor, progress, counts)`` runs the task's generators.
    """
    counts: dict[str, int] = {}
    _check_not_an_input_folder(args.inputs, args.output)
    inputs = _collect(args.inputs, counts)
    _check_outdir(args.output)
    predictor = _load_predictor(args, task)
    if check is not None:
        check(predictor)
    _make_outdir(args.output)
    progress = Progress(sys.stderr, args.quiet)
    t0 = time.perf_counter()
    try:
        work(inputs, predictor, progress, counts)
    finally:
        progress.close()
    return _summary(counts, args.output, t0)


def _read_hints(path: Path | None) -> list:
    if path is None:
        return []
    from colorstudio.core.hintfile import HintFileError, read_hints

    try:
        return read_hints(path)
    except HintFileError as exc:
        raise UsageError(str(exc)) from None


def _read_shot(path: Path | None) -> tuple[dict, list]:
    """(keyframes, still hints) of a --hints file: a shot file or a still-hint file."""
    if path is None:
        return {}, []
    from colorstudio.core.hintfile import HintFileError, read_shot, to_hints

    try:
        keyframes, still = read_shot(path)
    except HintFileError as exc:
        raise UsageError(str(exc)) from None
    return keyframes, to_hints(still) if not keyframes else still


def cmd_colorize(args) -> int:
    keyframes, hints = _read_shot(args.hints)
    still_points = hints if keyframes else []
    if keyframes:
        hints = []

    def check(predictor) -> None:
        if args.hints is not None and not getattr(predictor.model, "hint_channels", 0):
            raise UsageError(f"model {predictor.name!r} takes no colour hints; use a hint-taking model "
                             f"with --hints (e.g. --model unet-hints)")

    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch, frames

        from colorstudio.core import shot

        if hints and not args.quiet:
            progress.message(f"{len(hints)} colour hint{'s' if len(hints) != 1 else ''} from {args.hints.name}")
        if keyframes and not args.quiet:
            n = sum(len(v) for v in keyframes.values())
            progress.message(f"{n} hint{'s' if n != 1 else ''} on {len(keyframes)} keyframe"
                             f"{'s' if len(keyframes) != 1 else ''} from {args.hints.name}, carried to "
                             "every frame of each shot")
        images = [p for p in inputs if not frames.is_video_file(p)]
        videos = [p for p in inputs if frames.is_video_file(p)]
        if images:
            plan = None
            if keyframes:   # the images are the frames of one shot, in order
                last = max(keyframes) + 1
                if last > len(images):
                    raise UsageError(f"{args.hints.name} has hints on frame {last}, but the input has "
                                     f"{len(images)} frame{'s' if len(images) != 1 else ''}")
                plan = shot.plan_files(images, keyframes, still_points)
            _drain(batch.colorize_files(images, args.output, predictor, size=args.size,
                                        saturation=args.saturation, fmt=args.format,
                                        overwrite=args.overwrite, smooth=args.smooth, hints=hints,
                                        quality=args.quality, frame_hints=plan), progress, counts)
        for v in videos:
            try:
                plan = shot.plan_video(v, keyframes, still_points) if keyframes else None
                events = frames.colorize_video(v, args.output, predictor, size=args.size,
                                               saturation=args.saturation, smooth=args.smooth,
                                               hints=hints, overwrite=args.overwrite, frame_hints=plan)
            except (OSError, ValueError) as exc:
                counts["failed"] = counts.get("failed", 0) + 1
                progress.message(f"FAILED {v.name}: {batch.one_line(exc, v)}")
                continue
            _drain(events, progress, counts, label=v.name)

    return _run_batch(args, "colorize", work, check)


def cmd_translate(args) -> int:
    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch

        _drain(batch.translate_files(inputs, args.output, predictor, size=args.size, fmt=args.format,
                                     overwrite=args.overwrite, quality=args.quality), progress, counts)

    return _run_batch(args, "translate", work)


def cmd_compare(args) -> int:
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

    from colorstudio.core import pipeline
    from colorstudio.core.checkpoint import CheckpointError
    from colorstudio.core.contact_sheet import Tile, grid
    from colorstudio.core.devices import DeviceError
    from colorstudio.core.imageio import ImageReadError, read_image, write_image
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
    colour = image.ndim == 3 and image.shape[2] >= 3 and bool(
        (image[..., 0] != image[..., 1]).any() or (image[..., 1] != image[..., 2]).any())
    gray = pipeline.compose(image, np.zeros((1, 1, 2), np.float32), 1.0) if colour else image
    tiles = [Tile(gray, "input" + (" (its lightness)" if colour else ""))]
    failed = 0
    for ref in refs:
        try:
            pred = load_predictor(ref.family, args.device, weights=ref.weights or True)
            use = hints if getattr(pred.model, "hint_channels", 0) else []
            t0 = time.perf_counter()
            res = pipeline.colorize(image, pred, args.size, args.saturation, use)
            dt = time.perf_counter() - t0
        except (CheckpointError, DeviceError) as exc:
            raise UsageError(f"{ref.label}: {exc}") from None
        except (RuntimeError, FloatingPointError, ValueError) as exc:
            failed += 1
            print(f"{PROG}: FAILED {ref.label}: {str(exc).splitlines()[0] if str(exc) else exc}", file=sys.stderr)
            continue
        trained = ref.weights is not None or pred.spec is None or pred.spec.has_weights
        label = f"{ref.label} - {dt:.2f} s" + ("" if trained else " (untrained)")
        if hints and not use:
            label += " (no hints)"
        tiles.append(Tile(res.rgb, label))
        if not args.quiet:
            print(f"{ref.label}: {dt:.2f} s on {pred.device_name}" + ("" if trained else ", random weights"),
                  file=sys.stderr)
    if colour:
        tiles.append(Tile(image, "original"))
    out = grid(tiles, args.columns, args.tile)
    try:
        written = write_image(args.output, out, protect=[args.photo])
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot write {args.output}: {exc}") from None
    print(f"wrote {written} ({out.shape[1]}x{out.shape[0]}, {len(tiles) - 1 - int(colour)} models)")
    return EXIT_FAILED if failed else EXIT_OK


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
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"{PROG}: error: out of memory; try a smaller --size", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
