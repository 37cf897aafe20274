"""What the user reads of an error, a name or a remaining time: one line each, one way each.

User-controlled text (file, run and model names, metadata strings) reaches a terminal, a
log, a window title or a rich-text label only through :func:`shown`: a name holding a
newline cannot forge a line ("x\\nFAILED forged.png"), one holding ``ESC[2J`` cannot clear
the terminal, a right-to-left override cannot reorder what is read.  :class:`GuardedStream`
is the net under every other write of the CLI and the trainer: no control sequence but
the progress bar's own line clear reaches the terminal, whoever wrote it.
"""

from __future__ import annotations

import html
import io
import os
import re
import unicodedata
from pathlib import Path
from typing import Literal, TextIO

Surface = Literal["terminal", "log", "rich"]
# Control characters (C0, DEL, C1), Unicode format characters (bidi overrides, zero-width
# joiners...), line and paragraph separators, and lone surrogates (undecodable bytes of a
# file name, kept by Python's surrogateescape).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]|[^\x00-\u00ff]")


def _escape(ch: str) -> str:
    o = ord(ch)
    if o < 0x80 or 0x80 <= o <= 0x9f:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{o:02x}")
    if 0xd800 <= o <= 0xdfff:   # an undecodable byte of a name: show the byte
        return f"\\x{o - 0xdc00:02x}" if o >= 0xdc80 else f"\\u{o:04x}"
    if ch in "\u2028\u2029" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return f"\\u{o:04x}" if o <= 0xffff else f"\\U{o:08x}"
    return ch


def shown(text: object, surface: Surface = "terminal") -> str:
    """``text`` as one safe line for ``surface``: control and format characters escaped
    (``\\n``, ``\\x1b``, ``\\u202e``), printable text of every script kept; ``rich``
    also escapes HTML (Qt labels and tooltips that may guess rich text)."""
    s = _UNSAFE.sub(lambda m: _escape(m.group()), str(text))
    return html.escape(s) if surface == "rich" else s


# What str.splitlines() breaks a line at: a name holding one of these must not cut a message.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(exc: BaseException, src: str | os.PathLike | None = None) -> str:
    """First line of an exception's message (its type's name when it has none; "out of
    memory" for a bare MemoryError), without a leading ``'<src>: '`` or ``'<src name>: '``.
    ``src``'s path, name and stem are escaped (:func:`shown`) where the message holds them
    before it is cut at its first line break: a file named ``x<newline>FAILED a.png`` left
    only ``x`` of its message (the reason after the name was lost)."""
    text = str(exc).strip()
    if src is not None:
        names = [str(src), Path(src).name, Path(src).stem]
        for prefix in (f"{n}: " for n in names[:2]):
            if text.startswith(prefix):
                text = text[len(prefix):]
                break
        for n in names:   # longest first: an escaped path holds no raw name any more
            if n and not _LINE_BREAKS.isdisjoint(n):
                text = text.replace(n, shown(n))
    lines = text.splitlines()
    msg = lines[0] if lines else type(exc).__name__
    if isinstance(exc, MemoryError) and not lines:
        msg = "out of memory"
    return msg


def format_eta(seconds: float | None, unknown: str = "—") -> str:
    """A duration as ``m:ss`` or ``h:mm:ss`` (rounded to the second); ``unknown`` for None."""
    if seconds is None:
        return unknown
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_bar(done: float, total: float, width: int) -> str:
    """``[####......]``: ``done`` of ``total`` in ``width`` cells (the CLI's and the trainer's bar)."""
    filled = int(width * min(1.0, max(0.0, done / total))) if total > 0 else 0
    return f"[{'#' * filled}{'.' * (width - filled)}]"


# What the CLI's own progress bar writes to move the cursor: the only sequence let through.
_CLEAR_LINE = "\r\033[K"
_STREAM_UNSAFE = re.compile("\033\\[K|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class GuardedStream(io.TextIOBase):
    """A text stream that escapes every control sequence written to it except newlines,
    tabs, carriage returns and the line clear ``ESC[K``: installed over stdout and stderr
    by the CLI and the trainer (:func:`guard_std_streams`), so that a name printed by any
    message -- one written today or later -- cannot drive the terminal.  Writes that the
    stream cannot encode (an ASCII-only stdout) are escaped, not raised."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream

    def write(self, s: str) -> int:
        safe = _STREAM_UNSAFE.sub(lambda m: m.group() if m.group() == "\033[K" else _escape(m.group()), s)
        enc = getattr(self.stream, "encoding", None) or "utf-8"
        try:
            safe.encode(enc)
        except (UnicodeEncodeError, LookupError):
            safe = safe.encode(enc, "backslashreplace").decode(enc, "replace")
        except Exception:  # noqa: BLE001 -- an odd stream: write what we have
            pass
        self.stream.write(safe)
        return len(s)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")


def guard_std_streams() -> None:
    """Put :class:`GuardedStream` over ``sys.stdout`` and ``sys.stderr`` (once)."""
    import sys

    for name in ("stdout", "stderr"):
        s = getattr(sys, name)
        if s is not None and not isinstance(s, GuardedStream):
            setattr(sys, name, GuardedStream(s))


class OneLineLogs:
    """A ``logging`` filter that renders every record's message with :func:`shown` (the
    trainer's log lines name files from the user's data folder)."""

    def filter(self, record) -> bool:
        record.msg, record.args = shown(record.getMessage(), "log"), ()
        return True
