"""Image sequences named with a frame-number pattern: ``shot.####.exr``, ``shot.%04d.dpx``,
``shot.@@@@.tif`` -- how studios store a shot, one file per frame, numbered as the film is.

A pattern has one number field in its file name: a run of ``#`` or of ``@`` (one digit each,
so ``####`` is four digits padded with zeros, a single ``#`` or ``@`` no padding) or a printf
field ``%04d`` (``%d``: no padding).  A padded field also matches numbers that outgrew it
(``shot.10000.exr`` for ``####``); an unpadded one never matches a leading zero, so ``1`` and
``01`` are never one frame twice.  The frames are the files that match, in number order; a
number missing between the first and the last is a gap, reported by the caller and kept (the
outputs carry the input numbers).  Standard library only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from colorstudio.core.errors import UserError

_FIELD = re.compile(r"#+|@+|%(0?\d*)d")


class SequenceError(UserError, ValueError):
    """A pattern that is not one, or that matches no file."""


@dataclass(frozen=True)
class Pattern:
    """A frame-number pattern: ``folder / (head + number + tail)``, the number ``pad`` digits
    wide (0 or 1: as many as it has, with no leading zero)."""

    folder: Path
    head: str
    pad: int
    tail: str

    @property
    def suffix(self) -> str:
        """The files' suffix, lower case with the dot (``.exr``)."""
        return Path("f" + self.tail).suffix.lower()   # a tail ".exr" alone would be a dot-file's name

    @property
    def name(self) -> str:
        """The pattern as one name, its field written with ``#`` (``shot.####.exr``)."""
        return self.head + "#" * max(1, self.pad) + self.tail

    def __str__(self) -> str:
        return str(self.folder / self.name)

    def file_name(self, number: int) -> str:
        """The name of frame ``number`` (>= 0)."""
        return f"{self.head}{number:0{max(1, self.pad)}d}{self.tail}"

    def path(self, number: int) -> Path:
        return self.folder / self.file_name(number)

    def number_of(self, name: str) -> int | None:
        """The frame number of a file name this pattern matches, else None."""
        if len(name) <= len(self.head) + len(self.tail) or not (name.startswith(self.head)
                                                                and name.endswith(self.tail)):
            return None
        digits = name[len(self.head):len(name) - len(self.tail)]
        if not (digits.isascii() and digits.isdigit()):
            return None
        if len(digits) < max(1, self.pad) or (len(digits) > max(1, self.pad) and digits[0] == "0"):
            return None   # short of the padding, or a leading zero the padding does not explain
        return int(digits)

    def renamed(self, head: str, suffix: str) -> "Pattern":
        """The same numbering with another head and suffix (``.exr`` -> ``.dpx``), in no folder."""
        tail = self.tail[: len(self.tail) - len(self.suffix)] + suffix
        return Pattern(Path(), head, self.pad, tail)


def is_pattern(text: str | os.PathLike) -> bool:
    """True when ``text`` names frames by a pattern rather than one file: its file name holds a
    number field and no file of that exact name exists (``photo@2x.png`` stays a photo)."""
    p = Path(text)
    return bool(_FIELD.search(p.name)) and not p.exists()


def parse(text: str | os.PathLike) -> Pattern:
    """``shot.####.exr`` / ``shot.%04d.dpx`` / ``shot.@.tif`` -> a :class:`Pattern`; a
    :class:`SequenceError` when the file name has no number field or more than one."""
    p = Path(text)
    fields = list(_FIELD.finditer(p.name))
    if len(fields) != 1:
        raise SequenceError(f"{p.name}: a sequence pattern has one frame-number field (####, %04d or @), "
                            f"this one has {len(fields)}")
    m = fields[0]
    token = m.group(0)
    if token.startswith("%"):
        width = m.group(1) or ""
        pad = int(width) if width else 0
    else:
        pad = len(token)
    if pad > 12:
        raise SequenceError(f"{p.name}: a frame number of {pad} digits is not a frame number")
    return Pattern(p.parent, p.name[:m.start()], pad, p.name[m.end():])


@dataclass(frozen=True)
class ImageSequence:
    """The frames on disk of a :class:`Pattern`: their numbers, ascending."""

    pattern: Pattern
    numbers: tuple[int, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(self.pattern.path(n) for n in self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def first(self) -> int:
        return self.numbers[0]

    @property
    def last(self) -> int:
        return self.numbers[-1]

    def missing(self) -> list[int]:
        """The numbers between the first and the last frame that have no file (the gaps)."""
        have = set(self.numbers)
        return [n for n in range(self.first, self.last + 1) if n not in have]


def find(text: str | os.PathLike) -> ImageSequence:
    """The frames of a pattern (one listing of its folder); a :class:`SequenceError` when
    the folder cannot be listed or no file matches."""
    pattern = parse(text)
    folder = pattern.folder
    try:
        names = os.listdir(folder if str(folder) else ".")
    except OSError as exc:
        raise SequenceError(f"{pattern}: cannot list the folder {folder} ({exc.strerror or exc})") from None
    found: dict[int, str] = {}
    for name in names:
        n = pattern.number_of(name)
        if n is not None and (folder / name).is_file():
            found[n] = name
    if not found:
        raise SequenceError(f"{pattern}: no file matches this pattern in {folder if str(folder) else '.'}")
    return ImageSequence(pattern, tuple(sorted(found)))
