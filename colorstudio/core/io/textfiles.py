"""Reading the small text files users' folders hold -- hint and shot files, run configs,
model cards, scores, checkpoint metadata -- bounded and without surprises.

Every read here has a size limit (a 300 MB "card" costs at most ``max_bytes``, not a
gigabyte of memory), and JSON that the parser cannot hold -- 200,000 nested brackets
(RecursionError), a 5,000-digit number (ValueError), invalid UTF-8 -- is one
:class:`BadTextFile` with a one-line reason, never a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from colorstudio.core.errors import UserError

MAX_JSON_BYTES = 8 * 2 ** 20
MAX_CARD_BYTES = 256 * 2 ** 10


class BadTextFile(UserError, ValueError):
    """A text or JSON file that is missing, too large, not text, or not valid JSON."""


def read_text(path: str | os.PathLike, max_bytes: int = MAX_CARD_BYTES, truncate: bool = True) -> str:
    """The file's text (UTF-8, undecodable bytes replaced); past ``max_bytes`` it is cut
    with a note (``truncate``) or refused."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise BadTextFile(f"{p.name}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        if not truncate:
            raise BadTextFile(f"{p.name}: larger than {max_bytes // 1024} KB, too large for this kind of file")
        data = data[:max_bytes]
        return data.decode("utf-8", "replace") + f"\n\n[… cut at {max_bytes // 1024} KB]"
    return data.decode("utf-8", "replace")


def loads(text: str | bytes, source: str = "JSON") -> Any:
    """``json.loads`` whose every failure is a :class:`BadTextFile` naming ``source``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadTextFile(f"{source}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise BadTextFile(f"{source}: not valid JSON (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:   # e.g. an integer of 5,000 digits
        raise BadTextFile(f"{source}: not valid JSON ({str(exc).splitlines()[0][:100]})") from None


def read_json(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """A JSON file's value; missing, too large, not UTF-8 or not JSON: :class:`BadTextFile`."""
    p = Path(path)
    if not p.is_file():
        raise BadTextFile(f"{p} not found" if not p.exists() else f"{p}: not a regular file")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise BadTextFile(f"{p.name}: {size} bytes is too large for this kind of file "
                              f"(at most {max_bytes // 1024} KB)")
        raw = p.read_bytes()
    except OSError as exc:
        raise BadTextFile(f"{p.name}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadTextFile(f"{p.name}: not a text file (not UTF-8)") from None
    return loads(text, p.name)


def read_json_object(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """A JSON object file, or {} when it is missing or not a readable object (for the
    optional files beside a model or in a run folder: a bad one costs only itself)."""
    try:
        data = read_json(path, max_bytes)
    except BadTextFile:
        return {}
    return data if isinstance(data, dict) else {}
