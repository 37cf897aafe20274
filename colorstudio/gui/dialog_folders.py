"""Where every file dialog of the app opens.

A dialog given "" as its start folder opens in the process's working directory: the
source tree, when the app is started from a checkout.  Every QFileDialog call asks
:func:`start_folder` (or :func:`start_path` for a save dialog's suggested name) instead,
and tells :func:`remember` what the user chose.  The order: a folder the dialog's field
already names, the folder last used for that *kind* of dialog (kept in QSettings under
``paths/<kind>``, so "open" and "export" keep the folders remembered before), a fallback
near the work (the open photo's folder), the user's Pictures folder, the home folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

_settings: QSettings | None = None


def use_settings(settings: QSettings | None) -> None:
    """The settings that remember the folders (the window's; tests give an ini file).
    Without one, the application's default QSettings."""
    global _settings
    _settings = settings


def _store(settings: QSettings | None) -> QSettings:
    return settings if settings is not None else _settings if _settings is not None else QSettings()


def _key(kind: str) -> str:
    return f"paths/{kind}"


def existing_folder(path: str | os.PathLike | None) -> str:
    """The nearest existing folder at or above an absolute ``path`` ('' for none, or for a
    relative path: that would be the working directory again)."""
    if not path or not str(path).strip():
        return ""
    p = Path(str(path).strip()).expanduser()
    if not p.is_absolute():
        return ""
    for folder in (p, *p.parents):
        if folder.is_dir():
            return str(folder)
    return ""


def default_folder() -> str:
    """The user's Pictures folder when there is one, else the home folder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and Path(pictures).is_dir() else str(Path.home())


def start_folder(kind: str, *, current: str | os.PathLike | None = None,
                 fallback: str | os.PathLike | None = None, settings: QSettings | None = None) -> str:
    """The folder a ``kind`` of dialog opens in: ``current`` (what its field names), the
    folder last used for ``kind``, ``fallback``, Pictures, home -- the first that exists."""
    last = _store(settings).value(_key(kind), "")
    for candidate in (current, str(last or ""), fallback):
        folder = existing_folder(candidate)
        if folder:
            return folder
    return default_folder()


def start_path(kind: str, name: str, *, fallback: str | os.PathLike | None = None,
               settings: QSettings | None = None) -> str:
    """A save dialog's suggestion: ``name`` in the start folder of ``kind``."""
    return str(Path(start_folder(kind, fallback=fallback, settings=settings)) / name)


def remember(kind: str, path: str | os.PathLike, settings: QSettings | None = None) -> None:
    """The user chose ``path`` in a ``kind`` of dialog: its next one opens there (a
    file's folder, or the folder itself)."""
    if not path:
        return
    p = Path(path)
    _store(settings).setValue(_key(kind), str(p if p.is_dir() else p.parent))
