"""colorstudio-cli: list models, colorize photos and videos, translate facade label maps.

Exit status: 0 everything done (or skipped because it was already done), 1 some
inputs failed (one line each on stderr; the others are still done), 2 a usage error
(unknown model, missing input, unwritable output folder, unavailable device), 130
interrupted.  Errors are messages, never tracebacks.  torch is imported only after the
arguments are checked, so ``--help`` and usage errors are instant.
"""

from __future__ import annotations

import argparse
import sys
from typing import Iterable

from colorstudio.core import environment
from colorstudio.core.messages import guard_std_streams, shown
from colorstudio.cli.commands import COMMANDS
from colorstudio.cli.common import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, FORMATS,  # noqa: F401
                                    PROG, UsageError)
from colorstudio.cli.progress import Progress  # noqa: F401 -- where callers have found it
from colorstudio.core.errors import UserError

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "Progress", "UsageError",
           "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="ColorStudio from the command line: colorize black-and-white "
        "photos and videos, or turn facade label maps into photos.",
        epilog="Exit status: 0 all done, 1 some inputs failed, 2 usage error.")
    from colorstudio import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(sub)
    return p


def main(argv: Iterable[str] | None = None) -> int:
    guard_std_streams()   # no name printed by any message can drive the terminal
    args = build_parser().parse_args(None if argv is None else list(argv))
    try:
        environment.check()
    except environment.EnvironmentSettingError as exc:
        print(f"{PROG}: error: {shown(exc)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # we report errors ourselves
    except Exception:  # noqa: BLE001 -- only quiets OpenCV's own log lines
        pass
    try:
        return COMMANDS[args.command].run(args)
    except UsageError as exc:
        print(f"{PROG}: error: {shown(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:   # e.g. the batch stopped: the output folder filled up
        print(f"\n{PROG}: error: {shown(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"{PROG}: error: out of memory; try a smaller --size", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
