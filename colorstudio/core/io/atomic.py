"""Atomic file writes and the temporary files they leave when a process is killed.

Every file ColorStudio writes (images, frames, videos, checkpoints, configs) is written
to a temporary file in the target's folder and renamed over the target, so readers
never see half a file.  Temporary names are short and fixed in length --
``.cs-<pid>-<random><signature><suffix>`` -- so a target name of up to 255 bytes still
works, two runs never share one, and the next run can tell its own leftovers: a temp
file whose process is gone is stale (a kill mid-write) and :func:`clean_stale` removes
it.  The signature (a hash of this machine's name, the pid and the random part) is what makes
a name ours: a user's ``.cs-999999-holiday.png`` matches no signature and is never touched,
and no file that is an input of the run is ever removed.  The machine's name is in it
because a pid means something on one machine only: farm or Dask workers writing into one
shared folder must not take each other's live temporary files for stale (each machine
cleans its own leftovers).

A temporary file is created with the mode a plain ``open()`` gives (0666 less the
umask), so every output kind -- images, videos, frames, weights, cards, manifests --
ends up with the same permissions whichever library writes into it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
from pathlib import Path
from typing import Callable, Iterable

PREFIX = ".cs-"
_PATTERN = re.compile(r"^\.cs-(\d+)-([0-9a-f]{8})([0-9a-f]{8})(\.[A-Za-z0-9.]+)?$")




_HOST = socket.gethostname()


def _signature(pid: str, token: str) -> str:
    return hashlib.sha256(f"colorstudio-temp:{_HOST}:{pid}:{token}".encode()).hexdigest()[:8]


def temp_path(folder: str | os.PathLike, suffix: str = ".tmp") -> Path:
    """A new, empty temporary file in ``folder`` named as this module's doc says, with the
    mode a plain ``open()`` would give."""
    pid = str(os.getpid())
    for _ in range(100):
        token = secrets.token_hex(4)
        path = Path(folder) / f"{PREFIX}{pid}-{token}{_signature(pid, token)}{suffix}"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(f"no free temporary file name in {folder}")


def atomic_write(path: str | os.PathLike, write_fn: Callable[[str], object], suffix: str = ".tmp") -> Path:
    """Call ``write_fn(tmp_path)`` then rename over ``path``: readers never see half a file.

    The one writer of every output kind: the file gets the mode a plain ``open()`` gives,
    whatever ``write_fn``'s library did to the temporary file (some recreate it 0600).
    ``suffix``: the temporary file's, for writers that choose a format by it (videos)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(temp_path(path.parent, suffix))
    try:
        mode = os.stat(tmp).st_mode & 0o777   # what open() gives under the current umask
        write_fn(tmp)
        if os.stat(tmp).st_mode & 0o777 != mode:
            os.chmod(tmp, mode)
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


def is_ours(path: str | os.PathLike) -> bool:
    """True when ``path`` is named as this module names its temporary files, signature included."""
    m = _PATTERN.match(Path(path).name)
    return bool(m) and _signature(m.group(1), m.group(2)) == m.group(3)


def is_stale(path: str | os.PathLike) -> bool:
    """True for one of our temporary files whose writing process no longer runs."""
    m = _PATTERN.match(Path(path).name)
    return is_ours(path) and not _alive(int(m.group(1)))


def clean_stale(folder: str | os.PathLike, keep: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Remove our stale temporary files in ``folder`` (not recursive), never one of ``keep``
    (a run's inputs); returns them."""
    kept = set()
    for k in keep:
        try:
            st = os.stat(k)
            kept.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        if e.name.startswith(PREFIX) and e.is_file(follow_symlinks=False) and is_stale(e.path) \
                and (e.stat().st_dev, e.stat().st_ino) not in kept:
            try:
                os.unlink(e.path)
                removed.append(Path(e.path))
            except OSError:
                pass
    return removed


def write_text(path: str | os.PathLike, text: str) -> Path:
    """``path.write_text(text)`` (UTF-8), atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """``path.write_bytes(data)``, atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
