"""colorstudio-cli translate: facade label maps (CMP palette) into photos."""

from __future__ import annotations

from colorstudio.cli.batch_run import drain, run_batch
from colorstudio.cli.options import add_batch_options


def add_parser(sub) -> None:
    t = sub.add_parser("translate", help="turn facade label maps into photos",
                       description="Translate facade label maps (CMP palette) into photos.")
    add_batch_options(t, "translate")


def run(args) -> int:
    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch

        drain(batch.translate_files(inputs, args.output, predictor, size=args.size, fmt=args.format,
                                     overwrite=args.overwrite, quality=args.quality), progress, counts)

    return run_batch(args, "translate", work)
