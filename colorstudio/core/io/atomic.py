"""Atomic file writes and the temporary files they leave when a process is killed.

Every file ColorStudio writes (images, frames, videos, checkpoints, configs) is written
to a temporary file in the target's folder and renamed over the target, so readers
never see half a file.  Temporary names are short and fixed in length --
``.cs-<pid>-<random><suffix>`` -- so a target name of up to 255 bytes still works, two
runs never share one, and the next run can tell its own leftovers: a temp file whose
process is gone is stale (a kill mid-write) and :func:`clean_stale` removes it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

PREFIX = ".cs-"
_PATTERN = re.compile(r"^\.cs-(\d+)-[A-Za-z0-9_]+(\.[A-Za-z0-9.]+)?$")


def _file_mode() -> int:
    umask = os.umask(0o022)  # read the umask (only settable), then restore it
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def temp_path(folder: str | os.PathLike, suffix: str = ".tmp") -> Path:
    """A new, empty temporary file in ``folder`` named as this module's doc says."""
    fd, tmp = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(tmp)


def atomic_write(path: str | os.PathLike, write_fn: Callable[[str], object]) -> Path:
    """Call ``write_fn(tmp_path)`` then rename over ``path``: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(temp_path(path.parent))
    try:
        write_fn(tmp)
        os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process (or we cannot tell): leave its file
    return True


def is_stale(path: str | os.PathLike) -> bool:
    """True for one of our temporary files whose writing process no longer runs."""
    m = _PATTERN.match(Path(path).name)
    return bool(m) and not _alive(int(m.group(1)))


def clean_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove our stale temporary files in ``folder`` (not recursive); returns them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        if e.name.startswith(PREFIX) and e.is_file(follow_symlinks=False) and is_stale(e.path):
            try:
                os.unlink(e.path)
                removed.append(Path(e.path))
            except OSError:
                pass
    return removed
