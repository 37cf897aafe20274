"""``colorize`` on an image sequence (``shot.####.exr``, ``shot.%04d.dpx``, ``shot.@.tif``):
the pattern, its colour spaces and output format, its frame range -- each checked, with a
one-line usage error (exit 2), before the model loads or anything is written -- then its
frames coloured as one shot (``core.batch.shards``), or on a Dask cluster."""

from __future__ import annotations

import sys
import time

from colorstudio.cli.batch_run import drain, summary
from colorstudio.cli.common import PROG, UsageError, _check_outdir, _load_predictor, _make_outdir
from colorstudio.cli.progress import Progress
from colorstudio.core.messages import shown

SEQUENCE_ONLY = ("exr", "dpx")   # --format names only a sequence is written as


def find(args):
    """The inputs' image sequence (``core.io.sequence.ImageSequence``), or None when they name
    no pattern (``core.batch.named_sequence``: the batch's one routing rule); a usage error for a
    pattern with other inputs or one that matches nothing."""
    from colorstudio.core import batch

    try:
        return batch.named_sequence(args.inputs)   # an absolute pattern: one path for every Dask worker
    except (batch.SequenceNotAloneError, batch.SequenceError) as exc:
        raise UsageError(str(exc)) from None


def refuse_options(args) -> None:
    """Inputs that are not a sequence: the sequence-only options are usage errors."""
    for flag, value in (("--colorspace-in", args.colorspace_in), ("--colorspace-out", args.colorspace_out)):
        if value is not None:
            raise UsageError(f"{flag} is for image sequences (a pattern such as 'shot.####.exr')")
    if args.format in SEQUENCE_ONLY:
        raise UsageError(f"--format {args.format} is for image sequences (a pattern such as 'shot.####.exr'); "
                         "photos, folders and videos are written as png, jpg, tif, bmp or webp")


def shot(args, seq):
    """The sequence as a shot, its colour settled (``core.batch.sequences.plan_colour``)."""
    from colorstudio.core import batch
    from colorstudio.core.batch import sequences
    from colorstudio.core.color import spaces
    from colorstudio.core.io.imageio import ImageReadError

    if args.repair != "off":
        raise UsageError("--repair auto mends photos, videos and frame folders, not image sequences")
    try:
        colour = sequences.plan_colour(seq, args.colorspace_in, args.colorspace_out, args.format)
    except (spaces.VfxMissing, spaces.ColorSpaceError, sequences.SequenceSettingError, ImageReadError) as exc:
        raise UsageError(str(exc)) from None
    args.format = colour.fmt
    return batch.Shot(sequence=seq, colour=colour)


def warn_gaps(seq) -> None:
    """The gaps in the numbering, one line on stderr (always: the numbers are kept as they are)."""
    from colorstudio.core.batch.sequences import gap_warning

    line = gap_warning(seq)
    if line:
        print(f"{PROG}: warning: {shown(line)}", file=sys.stderr)


def describe(the_shot) -> str:
    """``shot.####.dpx: 24 frames (1001-1024), ADX10 -> ACEScg, written as EXR`` (``core.batch.sequences``)."""
    from colorstudio.core.batch.sequences import describe as line

    return line(the_shot.sequence, the_shot.colour)


def run(args, the_shot, keyframes: dict, hints: list, look, ranged: bool) -> int:
    """Colour the sequence locally: all of it, or the ``--frames`` / ``--shard`` range."""
    from colorstudio.core import batch

    try:
        plan = batch.plan_range(the_shot, frames=args.frames if ranged else None,
                                shard=args.shard if ranged else None, smooth=args.smooth)
    except (batch.RangeError, OSError) as exc:
        raise UsageError(str(exc)) from None
    if keyframes:   # a sequence's keyframes are its frame numbers: checked before any work
        try:
            batch.keyframes_by_number(the_shot.sequence, keyframes)
        except batch.KeyframeError as exc:
            raise UsageError(f"{args.hints.name}: {exc}") from None
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    _check_outdir(args.output, args.inputs)
    predictor = _load_predictor(args, "colorize")
    loaded = time.perf_counter() - t0
    _make_outdir(args.output)
    progress = Progress(sys.stderr, args.quiet)
    try:
        if not args.quiet:
            progress.message(describe(the_shot))
            if ranged:
                progress.message(plan.describe(the_shot.name, the_shot.number))
        if args.also:
            progress.message(f"note: --also {','.join(args.also)} is for photos; a sequence gets its frames")
        frame_hints = batch.carried_hints(the_shot, keyframes, hints) if keyframes else None
        events = batch.colorize_range(the_shot, args.output, predictor, plan, size=args.size, saturation=look,
                                      smooth=args.smooth, hints=[] if keyframes else hints,
                                      frame_hints=frame_hints, overwrite=args.overwrite, denoise=args.denoise)
        drain(events, progress, counts)
    finally:
        progress.close()
    return summary(counts, args.output, t0, loaded)
