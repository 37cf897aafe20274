"""A frozen build (PyInstaller) standing in for ``python -m MODULE`` where the app needs it.

A frozen build has no separate interpreter: ``sys.executable`` is the app itself.  Yet
the Train tab starts ``sys.executable -m trainer ...``; ``trainer --nproc N``
re-launches itself as ``sys.executable -m torch.distributed.run ... -m trainer``, whose
workers are ``sys.executable -u -m trainer ...``.  In a frozen build each of these
calls comes back to the app's entry point, which hands it here first: the module runs
as ``python -m`` would run it, and the process exits with its status.  Outside a frozen
build this does nothing.
"""

from __future__ import annotations

import runpy
import sys
from typing import Sequence

# What the app itself launches this way (anything else is refused with a message).
MODULES = ("trainer", "torch.distributed.run")
_INTERPRETER_FLAGS = ("-u", "-B", "-E", "-s", "-I", "-O")


def module_call(argv: Sequence[str]) -> tuple[str, list[str], bool] | None:
    """``(module, args, unbuffered)`` when ``argv`` (without the program name) reads like
    ``python [-u ...] -m MODULE ARGS``; None otherwise (e.g. image paths for the app)."""
    flags, i = set(), 0
    while i < len(argv) and argv[i] in _INTERPRETER_FLAGS:
        flags.add(argv[i])
        i += 1
    if i + 1 < len(argv) and argv[i] == "-m":
        return argv[i + 1], list(argv[i + 2:]), "-u" in flags
    return None


def run_module_if_asked(argv: Sequence[str] | None = None) -> None:
    """In a frozen build, run ``-m MODULE ARGS`` like Python would, then exit."""
    if not getattr(sys, "frozen", False):
        return
    call = module_call(sys.argv[1:] if argv is None else argv)
    if call is None:
        return
    module, args, unbuffered = call
    if module not in MODULES:
        sys.exit(f"{module}: this build runs only {', '.join(MODULES)} with -m")
    if unbuffered:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and hasattr(stream, "reconfigure"):
                stream.reconfigure(write_through=True)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    sys.exit(0)  # the module returned without sys.exit(): success, as with python -m
