"""colorstudio-cli assemble: a frames folder (a shot coloured in ranges or shards) -> a video."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from colorstudio.cli.common import EXIT_OK, PROG, UsageError
from colorstudio.cli.options import float_in
from colorstudio.core.messages import shown


def add_parser(sub) -> None:
    a = sub.add_parser("assemble", help="mux a folder of coloured frames into a video",
                       description="Mux a folder of frames -- OUT/<name>_frames/ that 'colorize --frames' or "
                       "'--shard' runs filled -- into a video, in frame order, with the source video's audio "
                       "and timestamps when --audio names it.  Missing frames are refused (one line naming "
                       "them) unless --allow-gaps.")
    a.add_argument("frames", type=Path, metavar="FRAMES_FOLDER",
                   help="the frames: frame_000001.png ... (a video's frames folder), or images whose names "
                   "end in their frame number")
    a.add_argument("-o", "--output", required=True, type=Path, metavar="VIDEO",
                   help="the video to write (.mp4: H.264, .avi: Motion-JPEG)")
    a.add_argument("--audio", type=Path, metavar="SOURCE",
                   help="the source video: its audio track is copied, its frame rate and frame times kept, "
                   "and its frame count says how many frames there should be")
    a.add_argument("--fps", type=float_in(0.1, 1000.0), metavar="F",
                   help="frame rate (default: the source's, else 24)")
    a.add_argument("--allow-gaps", action="store_true",
                   help="assemble even with frames missing: the frame before each gap is held through it")
    a.add_argument("--overwrite", action="store_true", help="replace the video if it exists (default: keep it)")
    a.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")


def run(args) -> int:
    from colorstudio.core.batch import shards

    t0 = time.perf_counter()
    try:
        done = shards.assemble(args.frames, args.output, audio_from=args.audio, fps=args.fps,
                               allow_gaps=args.allow_gaps, overwrite=args.overwrite)
    except shards.AssembleError as exc:
        raise UsageError(str(exc)) from None
    if done.missing and not args.quiet:
        n = sum(b - a + 1 for a, b in done.missing)
        print(f"{PROG}: warning: {n} frame{'s' if n != 1 else ''} missing "
              f"({shards.ranges.describe_runs(done.missing)}), held over", file=sys.stderr)
    if done.skipped:
        print(f"{shown(done.path)} is there already (skipped; --overwrite to redo it)")
        return EXIT_OK
    print(f"{done.frames} frames at {done.fps:g} fps{' with audio' if done.audio else ''} "
          f"in {time.perf_counter() - t0:.1f} s -> {shown(done.path)}")
    return EXIT_OK
