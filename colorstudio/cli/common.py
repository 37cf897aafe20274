"""What every colorstudio-cli command shares: exit codes, the usage error, output-folder
checks, loading a model from the arguments, reading hint files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from colorstudio.core.messages import shown
from colorstudio.core.errors import UserError
from colorstudio.core.io.formats import OUTPUT_FORMATS

PROG = "colorstudio-cli"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = OUTPUT_FORMATS   # the one table's (core.io.formats)


class UsageError(UserError):
    """A mistake in the command line or its inputs: message, exit status 2."""


def _check_outdir(outdir: Path, inputs: Sequence[str] = ()) -> None:
    """Fail early (exit 2) when the output folder cannot take the results."""
    from colorstudio.core.batch.inputs import OutputFolderError, check_output_folder

    try:
        check_output_folder(outdir, inputs)
    except OutputFolderError as exc:
        raise UsageError(str(exc)) from None


def _make_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {outdir}: {exc.strerror or exc}") from None


def collected(files: Sequence[Path], problems: Sequence[str], counts: dict[str, int]) -> list[Path]:
    """The input files found, said: each path that gave nothing (``problems``) one line on
    stderr, counted as failed -- so the good inputs are still done and the exit status says
    something was not -- and no file at all a usage error."""
    for msg in problems:
        print(f"{PROG}: {shown(msg)}", file=sys.stderr)
    if not files:
        raise UsageError("no input images found")
    counts["failed"] = len(problems)
    return list(files)


def _collect(paths: Sequence[str], counts: dict[str, int]) -> list[Path]:
    """Input files of a command that takes photos only (translate), :func:`collected`."""
    from colorstudio.core.batch import collect_inputs

    problems: list[str] = []
    return collected(collect_inputs(paths, problems), problems, counts)


def model_name(args, task: str):
    """(name, spec) of the model the arguments ask for -- ``--model``, else the family in the
    ``--weights`` file, else the task's default -- or a UsageError; nothing is built."""
    from colorstudio.core.io.checkpoint import CheckpointError
    from colorstudio.models import default_model, spec
    from colorstudio.models.registry import UnknownModelError

    name = args.model
    if name is None and args.weights is not None and args.weights.is_file():
        from colorstudio.core.io.checkpoint import read_metadata

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
    return name, s


def _load_predictor(args, task: str):
    """Model name -> Predictor, turning every user mistake into a UsageError."""
    from colorstudio.core.io.checkpoint import CheckpointError
    from colorstudio.core.inference.devices import DeviceError
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    name, s = model_name(args, task)
    try:
        model = create(name, weights=args.weights if args.weights is not None else True)
        predictor = Predictor(model, device=args.device)
    except (CheckpointError, DeviceError) as exc:
        raise UsageError(str(exc)) from None
    if args.weights is None and not s.has_weights:
        print(f"{PROG}: warning: model {shown(name)!r} has no trained weights installed; "
              "its output is from random weights", file=sys.stderr)
    if not args.quiet:
        origin = args.weights.name if args.weights is not None else ("installed weights" if s.has_weights
                                                                      else "random weights")
        print(f"{PROG}: model {shown(name)} ({shown(origin)}) on {predictor.device_name}", file=sys.stderr)
    return predictor


def repairer_name(args) -> str | None:
    """The damage detector ``--repair auto`` asks for (None when off), or a UsageError when
    no trained one is installed (random weights would flag noise as damage); nothing is built."""
    if getattr(args, "repair", "off") == "off":
        return None
    from colorstudio.models import default_model, spec

    name = default_model("restore")
    if not spec(name).has_weights:
        raise UsageError(f"--repair auto needs the trained {name} weights, and none are installed")
    return name


def build_predictor(name: str, weights: str | None, device: str):
    """A colorizer built in a Dask worker (``--executor dask``): what ``_load_predictor``
    builds, without its lines (the driver says them).  Module-level, so it pickles."""
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    return Predictor(create(name, weights=Path(weights) if weights is not None else True), device=device)


def build_repairer(device: str, fill: str = "telea"):
    """``--repair auto``'s damage detector with its ``--fill`` (``core.restore.repair.Mender``),
    built here or in a Dask worker; a UsageError when the learned fill has no trained weights."""
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.core.restore.repair import Mender
    from colorstudio.models import create, default_model, spec

    inpainter = None
    if fill == "learned":
        name = default_model("inpaint")
        if not spec(name).has_weights:
            raise UsageError(f"--fill learned needs the trained {name} weights, and none are installed")
        inpainter = Predictor(create(name, weights=True), device=device)
    return Mender(Predictor(create(default_model("restore"), weights=True), device=device), fill, inpainter)


def load_repairer(args):
    """The damage detector for ``--repair auto`` (None when off), or a UsageError when no
    trained ``damage-unet`` is installed (random weights would flag noise as damage)."""
    name = repairer_name(args)
    if name is None:
        return None
    from colorstudio.core.inference.devices import DeviceError

    fill = getattr(args, "fill", "telea")
    try:
        mender = build_repairer(args.device, fill)
    except DeviceError as exc:
        raise UsageError(str(exc)) from None
    if not args.quiet:
        how = {"telea": "Telea's fill", "ns": "the Navier-Stokes fill",
               "learned": "the learned fill (inpaint-unet)"}[fill]
        print(f"{PROG}: repair: {shown(name)} finds the damage, {how} mends it", file=sys.stderr)
    return mender


def _read_hints(path: Path | None) -> list:
    if path is None:
        return []
    from colorstudio.core.colorize.hintfile import HintFileError, read_hints

    try:
        return read_hints(path)
    except HintFileError as exc:
        raise UsageError(str(exc)) from None


def _read_shot(path: Path | None) -> tuple[dict, list]:
    """(keyframes, still hints) of a --hints file: a shot file or a still-hint file."""
    if path is None:
        return {}, []
    from colorstudio.core.colorize.hintfile import HintFileError, read_shot, to_hints

    try:
        keyframes, still = read_shot(path)
    except HintFileError as exc:
        raise UsageError(str(exc)) from None
    return keyframes, to_hints(still) if not keyframes else still
