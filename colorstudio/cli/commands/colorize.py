"""colorstudio-cli colorize: photos, folders of frames, videos and image sequences, with hints or a shot file."""

from __future__ import annotations

import sys
from pathlib import Path

from colorstudio.cli.batch_run import drain, run_batch
from colorstudio.cli import sequence_run
from colorstudio.cli.common import FORMATS, PROG, UsageError, _read_shot, load_repairer
from colorstudio.cli.options import add_batch_options, float_in, frame_span, int_in, saturation, shard, views
from colorstudio.core.scales import BALANCE_MAX


def add_parser(sub) -> None:
    c = sub.add_parser("colorize", help="colorize photos and videos",
                       description="Colorize black-and-white (or colour: their lightness is used) "
                       "photos and videos.  Video files become <name>.mp4 (.avi stays .avi) with "
                       "their colorized frames kept in <name>_frames/ so an interrupted run resumes.  "
                       "An image sequence ('shot.####.exr', 'shot.%%04d.dpx', 'shot.@.tif', quoted) is one "
                       "shot, written as the same pattern in OUTDIR with its frame numbers.")
    add_batch_options(c, "colorize", FORMATS + tuple(f for f in sequence_run.SEQUENCE_ONLY if f not in FORMATS),
                      "output format (default: png; an image sequence keeps its own: exr, dpx, tif or png -- "
                      "EXR half or float, DPX 10-bit, TIFF and PNG 16-bit)")
    c.add_argument("--saturation", type=saturation, default=1.0, metavar="P",
                   help="colour strength as in the app: 0%% gray, 100%% as predicted (default), up to 200%%; "
                   "a plain number is the factor (1.5 = 150%%)")
    c.add_argument("--temperature", type=float_in(-BALANCE_MAX, BALANCE_MAX), default=None, metavar="T",
                   help=f"colour balance as in the app, after the saturation: + warmer (towards yellow), - cooler, "
                   f"in Lab b units from {-BALANCE_MAX:g} to {BALANCE_MAX:g} (default: the --hints file's, else 0)")
    c.add_argument("--tint", type=float_in(-BALANCE_MAX, BALANCE_MAX), default=None, metavar="U",
                   help="colour balance: + magenta, - green, in Lab a units (default: the --hints file's, else 0)")
    c.add_argument("--hints", type=Path, metavar="FILE.json",
                   help="colour hints: a JSON list of {x, y, rgb} with x, y as fractions of the width and "
                   "height and rgb as [R, G, B] 0-255, applied to every input (the file the app's 'Save "
                   "hints' writes); or a shot file {\"frames\": {\"1\": [...], \"120\": [...]}} of "
                   "keyframe hints, carried by optical flow to every frame of the video or of the "
                   "frames given in order (the Shot tab saves one); every colorizer follows them.  The gray "
                   "and protect masks the app saves beside it (FILE.gray-mask.png: no colour there; "
                   "FILE.protect-mask.png: the hints change nothing there) apply too, to photos of their size, "
                   "and with --repair auto its damage mask (FILE.repair-mask.png: mended there, not the "
                   "detector's)")
    c.add_argument("--denoise", choices=("off", "light", "strong"), default="off",
                   help="clean what the network sees of a grainy or dusty scan, so grain and dust do not "
                   "become speckles of colour (the result keeps the scan's own lightness): light = non-local "
                   "means, strong = also a median against dust and hairline scratches (default off)")
    c.add_argument("--repair", choices=("off", "auto"), default="off",
                   help="mend an old print's scratches, cracks, folds and dust before colouring: auto finds "
                   "them (damage-unet) and fills them from around; the result's lightness is then the mended "
                   "one (default off: the result keeps the scan's own lightness); photos and every frame of a video, "
                   "where dust that one frame alone shows is taken from its neighbouring frames first (videos, "
                   "shots, and frame folders run with --smooth or a shot hint file)")
    c.add_argument("--fill", choices=("telea", "ns", "learned"), default="telea",
                   help="with --repair auto, how the damage is filled: telea (OpenCV's fast marching, the default), "
                   "ns (Navier-Stokes) or learned (inpaint-unet: less error left in the damage, several times "
                   "slower; docs/models.md compares them)")
    c.add_argument("--also", type=views, default=(), metavar="VIEW,...",
                   help="write these beside each result, as NAME_before_after, NAME_wiper, NAME_colour, "
                   "NAME_repair_mask: before-after (original | result), wiper (split at the middle), "
                   "colour-layer (the colour alone, to lay over the original in an editor's Color blend "
                   "mode), repair-mask (white where --repair auto mended the scan: the detector's mask, or the one "
                   "saved with --hints); photos only")
    c.add_argument("--smooth", type=float_in(0.0, 1.0, hi_open=True), default=0.0, metavar="F",
                   help="temporal smoothing in [0, 1) for videos and folders of frames: blends each "
                   "frame's colours with the previous frame's, following the motion (default 0: off)")
    part = c.add_mutually_exclusive_group()
    part.add_argument("--frames", type=frame_span, metavar="A-B",
                      help="colour only frames A to B of one shot -- a video, or the frames of a folder or list in "
                      "order -- numbered from 1 as the frames folder and shot files number them (A- : to the end); "
                      "with --smooth the frames just before A are computed, not written, so A comes out as in one "
                      "run; the video is not assembled (see 'assemble')")
    part.add_argument("--shard", type=shard, metavar="I/N",
                      help="colour shard I of N (I from 1) of one shot: N contiguous ranges cut at its shot cuts "
                      "where it can, else equal, as --frames does; 'auto' reads it from the farm "
                      "(COLORSTUDIO_SHARD=I/N, or a SLURM job array); see docs/scale.md")
    seq = c.add_argument_group("image sequences", "EXR, DPX, TIFF and PNG frames named by a pattern, colour "
                               "managed by OpenColorIO's built-in ACES config (pip install 'colorstudio[vfx]'); "
                               "see docs/scale.md")
    seq.add_argument("--colorspace-in", metavar="NAME",
                     help="the frames' colour space, e.g. ACEScg, ACES2065-1, ADX10, 'Linear Rec.709 (sRGB)' "
                     "(default: what the file says; else EXR scene-linear ACEScg, DPX by its transfer -- log ADX10, "
                     "linear, video -- and TIFF/PNG sRGB); the network sees the display-referred sRGB of it")
    seq.add_argument("--colorspace-out", metavar="NAME",
                     help="the written frames' colour space (default: the input's when the format is the same, "
                     "else EXR scene-linear ACEScg, DPX ADX10, TIFF/PNG sRGB)")
    farm = c.add_argument_group("distributed", "colour one shot on a Dask cluster (pip install 'colorstudio[dask]'); "
                                "see docs/scale.md")
    farm.add_argument("--executor", choices=("local", "dask"), default="local",
                      help="local: this process (default); dask: the shot cut into shards, each a Dask task on "
                      "the cluster's workers, retried when a worker dies, then the video assembled with the "
                      "source's audio; the output folder must be reachable by every worker under the same path")
    farm.add_argument("--scheduler", metavar="ADDRESS",
                      help="a Dask scheduler's address, e.g. tcp://HOST:8786 (default: a local cluster of "
                      "worker processes on this machine, closed at the end)")
    farm.add_argument("--workers", type=int_in(1, 256), metavar="N",
                      help="the local cluster's worker processes, one thread each (default: one per core, at most 8)")
    farm.add_argument("--tasks", type=int_in(1, 100000), metavar="N",
                      help="the shards the shot is cut into, one Dask task each (default: 2 per worker, at most "
                      "one per frame)")


def _look(args):
    """--saturation with the colour balance: --temperature/--tint, else the hint file's."""
    from colorstudio.core.color import Look
    from colorstudio.core.colorize.hintfile import HintFileError, read_balance

    t, u = args.temperature, args.tint
    if args.hints is not None and t is None and u is None:
        try:
            t, u = read_balance(args.hints)
        except HintFileError as exc:
            raise UsageError(str(exc)) from None
    return Look(args.saturation, t or 0.0, u or 0.0) if (t or u) else args.saturation


def run(args) -> int:
    _check_executor(args)
    if args.shard == "auto":
        args.shard = _farm_shard()
    seq = sequence_run.find(args)   # the pattern half of the one routing rule (core.batch.routing)
    if seq is None:
        sequence_run.refuse_options(args)
        args.format = args.format or "png"
    the_shot = sequence_run.shot(args, seq) if seq is not None else None
    if seq is not None:
        sequence_run.warn_gaps(seq)
    keyframes, hints = _read_shot(args.hints)
    masks = {}
    if args.hints is not None:   # the gray, protect and damage masks saved with the hints: photos of their size only
        from colorstudio.cli import hint_masks

        # The damage mask mends only with --repair auto, as it does in the app only with
        # "Repair damage" ticked (the app saves the mask it holds either way).
        masks = hint_masks.read(args.hints, damage=args.repair != "off")
        if args.repair == "off":
            hint_masks.note_unused_damage(args.hints)
        if masks:
            hint_masks.check_inputs(args, masks, keyframes, seq is not None)
    if args.executor == "dask":
        return _colorize_dask(args, keyframes, hints, the_shot)
    if the_shot is not None:
        return sequence_run.run(args, the_shot, keyframes, hints, _look(args),
                                ranged=args.frames is not None or args.shard is not None)
    one_shot = args.frames is not None or args.shard is not None
    route = _route(args, keyframes=bool(keyframes), one_shot=one_shot, who="--frames and --shard take")
    ranged = _plan_range(args, keyframes, route) if one_shot else None
    still_points = hints if keyframes else []
    if keyframes:
        hints = []

    args.saturation = _look(args)

    if "repair-mask" in args.also and args.repair == "off":
        raise UsageError("--also repair-mask needs --repair auto")
    if args.fill != "telea" and args.repair == "off":
        raise UsageError(f"--fill {args.fill} is how --repair auto fills the damage: add --repair auto")
    repairer = load_repairer(args)

    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch

        if ranged is not None:
            _colorize_range(args, ranged, predictor, progress, counts, hints, keyframes, still_points, repairer)
            return
        if hints and not args.quiet:
            progress.message(f"{len(hints)} colour hint{'s' if len(hints) != 1 else ''} from {args.hints.name}")
        if masks and not args.quiet:
            progress.message(f"the {' and '.join(masks)} mask{'s' if len(masks) > 1 else ''} saved with "
                             f"{args.hints.name}")
        if keyframes and not args.quiet:
            n = sum(len(v) for v in keyframes.values())
            progress.message(f"{n} hint{'s' if n != 1 else ''} on {len(keyframes)} keyframe"
                             f"{'s' if len(keyframes) != 1 else ''} from {args.hints.name}, carried to "
                             "every frame of each shot")
        images, videos = route.photos, route.videos
        # One plan names every output of every input (images, views, videos, frames folders).
        items = dict(zip(inputs, batch.plan_items(inputs, args.output, args.format,
                                                  args.also if images else ())))
        if images:
            plan = None
            if route.photo_shot:   # the images are the frames of one shot, in order
                last = max(keyframes) + 1
                if last > len(images):
                    raise UsageError(f"{args.hints.name} has hints on frame {last}, but the input has "
                                     f"{len(images)} frame{'s' if len(images) != 1 else ''}")
                plan = batch.carried_hints(batch.Shot(files=tuple(images)), keyframes, still_points)
            if masks:
                drain(batch.colorize_files(images, args.output, predictor, plan=[items[p] for p in images],
                                           size=args.size, saturation=args.saturation, overwrite=args.overwrite,
                                           hints=hints, quality=args.quality, extras=args.also, fmt=args.format,
                                           denoise=args.denoise, repairer=repairer, gray=masks.get("gray"),
                                           protect=masks.get("protect"), repair_mask=masks.get("damage")),
                      progress, counts)
                return
            drain(batch.colorize_files(images, args.output, predictor, size=args.size,
                                        saturation=args.saturation, fmt=args.format,
                                        overwrite=args.overwrite, smooth=args.smooth, hints=hints,
                                        quality=args.quality, frame_hints=plan, extras=args.also,
                                        denoise=args.denoise, plan=[items[p] for p in images],
                                        repairer=repairer),
                   progress, counts)
        if videos and args.also:
            progress.message(f"note: --also {','.join(args.also)} is for photos; videos get their frames and video")
        for v in videos:
            try:
                plan = batch.carried_hints(batch.Shot(video=v), keyframes, still_points) if keyframes else None
                events = batch.colorize_video(v, items[v].result, predictor, size=args.size,
                                              saturation=args.saturation, smooth=args.smooth,
                                              hints=hints, overwrite=args.overwrite, frame_hints=plan,
                                              denoise=args.denoise, repairer=repairer)
            except (OSError, ValueError) as exc:
                counts["failed"] = counts.get("failed", 0) + 1
                progress.message(f"FAILED {v.name}: {batch.one_line(exc, v)}")
                continue
            drain(events, progress, counts, label=v.name)

    return run_batch(args, "colorize", work, route=route)


def _route(args, *, keyframes: bool = False, one_shot: bool = False, who: str = ""):
    """The inputs routed by the batch's one rule (``core.batch.route``); ``who`` takes one shot
    (``--frames and --shard take``): a usage error when they are not one."""
    from colorstudio.core import batch

    try:
        return batch.route(args.inputs, keyframes=keyframes, one_shot=one_shot)
    except batch.OneShotError as exc:
        raise UsageError(f"{who} {exc}") from None


def _farm_shard() -> tuple[int, int]:
    """``--shard auto``: this task's shard from the farm's environment, or a usage error."""
    from colorstudio.core.environment import EnvironmentSettingError, farm_shard

    try:
        return farm_shard()
    except EnvironmentSettingError as exc:
        raise UsageError(f"--shard auto: {exc}") from None


def _plan_range(args, keyframes: dict, route):
    """``--frames`` / ``--shard``: the shot (the ``route``'s one video, or the frames given, in
    order) and what this run colours of it -- planned before the model loads, so a range
    outside the shot is a usage error in a moment.  None when there is no input (reported as usual)."""
    from colorstudio.core import batch

    if route.empty:
        return None
    the_shot = route.shot()
    try:
        plan = batch.plan_range(the_shot, frames=args.frames, shard=args.shard, smooth=args.smooth)
    except (batch.RangeError, batch.VideoError, OSError) as exc:
        raise UsageError(str(exc)) from None
    if keyframes and max(keyframes) + 1 > plan.count:
        raise UsageError(f"{args.hints.name} has hints on frame {max(keyframes) + 1}, but the shot has "
                         f"{plan.count} frames")
    return the_shot, plan


def _colorize_range(args, ranged, predictor, progress, counts, hints, keyframes, still, repairer) -> None:
    """A range of one shot (``core.batch.shards``): its frames written as usual, never assembled."""
    from colorstudio.core import batch

    the_shot, plan = ranged
    if not args.quiet:
        progress.message(plan.describe(the_shot.name))
    if not plan.frames:
        return
    frame_hints = None
    if keyframes:   # carried over the whole shot, so a range gets what one run would give it
        frame_hints = batch.carried_hints(the_shot, keyframes, still)
    events = batch.colorize_range(the_shot, args.output, predictor, plan, size=args.size,
                                  saturation=args.saturation, smooth=args.smooth, hints=hints,
                                  frame_hints=frame_hints, fmt=args.format, extras=args.also,
                                  overwrite=args.overwrite, quality=args.quality, denoise=args.denoise,
                                  repairer=repairer)
    drain(events, progress, counts, label=the_shot.name if the_shot.video is not None else "")


# ------------------------------------------------------------------------ --executor dask

def _check_executor(args) -> None:
    """The distributed options that do not go together (usage errors before any work)."""
    if args.executor != "dask":
        for flag, value in (("--scheduler", args.scheduler), ("--workers", args.workers), ("--tasks", args.tasks)):
            if value is not None:
                raise UsageError(f"{flag} is for --executor dask")
        return
    if args.shard is not None:
        raise UsageError("--executor dask cuts the shot into shards itself: --shard is for one task of a farm "
                         "(leave it out, or give --tasks N)")
    if args.scheduler is not None and args.workers is not None:
        raise UsageError("--workers sizes the local cluster; with --scheduler the cluster's own workers run the "
                         "shards")


def _colorize_dask(args, keyframes: dict, hints: list, the_shot=None) -> int:
    """One shot on a Dask cluster (``core.batch.dask_exec``): shards as tasks, then the video.
    Every check comes before the cluster starts, and the cluster before the output folder.
    ``the_shot``: an image sequence's (``sequence_run.shot``), else the inputs make it."""
    import functools
    import time

    from colorstudio.cli.batch_run import summary
    from colorstudio.cli.common import collected
    from colorstudio.cli.common import (_check_outdir, _make_outdir, build_predictor, build_repairer,
                                        model_name, repairer_name)
    from colorstudio.cli.progress import Progress
    from colorstudio.core import batch
    from colorstudio.core.batch import dask_exec
    from colorstudio.core.messages import shown

    try:
        dask_exec.require()
    except dask_exec.DaskError as exc:
        raise UsageError(str(exc)) from None
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    if the_shot is None:   # the inputs' problems said (and counted) first, then whether they are one shot
        route = _route(args)
        collected(route.files, route.problems, counts)
        try:
            the_shot = route.shot()
        except batch.OneShotError as exc:
            raise UsageError(f"--executor dask takes {exc}") from None
    try:
        count = the_shot.count
    except (batch.VideoError, OSError) as exc:
        raise UsageError(str(exc)) from None
    if keyframes and the_shot.sequence is not None:   # a sequence's keyframes are its frame numbers
        try:
            batch.keyframes_by_number(the_shot.sequence, keyframes)
        except batch.KeyframeError as exc:
            raise UsageError(f"{args.hints.name}: {exc}") from None
    elif keyframes and max(keyframes) + 1 > count:
        raise UsageError(f"{args.hints.name} has hints on frame {max(keyframes) + 1}, but the shot has "
                         f"{count} frames")
    if args.frames is not None:   # the range, checked before the cluster starts
        try:
            the_shot.span(args.frames)
        except batch.RangeError as exc:
            raise UsageError(str(exc)) from None
    _check_outdir(args.output, args.inputs)
    name, spec = model_name(args, "colorize")
    look = _look(args)
    if "repair-mask" in args.also and args.repair == "off":
        raise UsageError("--also repair-mask needs --repair auto")
    repair = repairer_name(args)
    weights = str(args.weights.resolve()) if args.weights is not None else None   # the same path on every worker
    job = dict(model=dask_exec.Loader(("colorize", name, weights, args.device),
                                      functools.partial(build_predictor, name, weights, args.device)),
               repairer=dask_exec.Loader(("restore", repair, args.device, args.fill),
                                         functools.partial(build_repairer, args.device, args.fill)) if repair else None,
               size=args.size, saturation=look, smooth=args.smooth, hints=[] if keyframes else hints,
               keyframes=keyframes, still=hints if keyframes else [], fmt=args.format,
               extras=() if the_shot.sequence is not None else args.also,
               overwrite=args.overwrite, quality=args.quality, denoise=args.denoise, tasks=args.tasks,
               frames=args.frames)
    try:   # before the output folder: an address out of reach is a usage error
        cluster = dask_exec.connect(args.scheduler, args.workers)
    except dask_exec.DaskError as exc:
        raise UsageError(str(exc)) from None
    with cluster:
        if args.weights is None and not spec.has_weights:
            print(f"{PROG}: warning: model {shown(name)!r} has no trained weights installed; "
                  "its output is from random weights", file=sys.stderr)
        if not args.quiet:
            origin = args.weights.name if args.weights is not None else \
                "installed weights" if spec.has_weights else "random weights"
            print(f"{PROG}: model {shown(name)} ({shown(origin)}) on {args.device}, in each Dask worker",
                  file=sys.stderr)
        _make_outdir(args.output)
        progress = Progress(sys.stderr, args.quiet)
        if args.also and (the_shot.video is not None or the_shot.sequence is not None):
            progress.message(f"note: --also {','.join(args.also)} is for photos; videos and sequences get their "
                             "frames")
        try:
            events = dask_exec.colorize_shot(the_shot, args.output, cluster=cluster,
                                             say=(lambda text: None) if args.quiet else progress.message, **job)
            drain(events, progress, counts, label=the_shot.name if the_shot.video is not None else "")
        finally:
            progress.close()
    return summary(counts, args.output, t0)
