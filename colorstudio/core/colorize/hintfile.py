"""Colour-hint files: the one format the GUI saves and loads and the CLI reads.

A hint file is JSON: a list of ``{"x": X, "y": Y, "rgb": [R, G, B]}`` where X and Y are
fractions of the image width and height (0 = left/top edge, 1 = right/bottom) and R, G,
B are 0-255 (``"rgb": "#rrggbb"`` is accepted too).  Positions as fractions make one
file fit every size of the same picture (a scan, its preview, the frames of a shot).
``{"hints": [...]}`` is read as the bare list.

    [{"x": 0.42, "y": 0.31, "rgb": [214, 160, 130]},
     {"x": 0.70, "y": 0.85, "rgb": "#2a4f9c"}]

The colour balance set beside the hints is kept with them: the file is then
``{"hints": [...], "balance": {"temperature": T, "tint": U}}`` (ab units, see
``core.color.Look``; a file without it has no balance).

The colour masks painted on the photo are kept with its hints too, as files beside the
hint file named from it (:data:`MASKS`): ``photo.json`` -> ``photo.gray-mask.png`` (the
gray brush: no colour there) and ``photo.protect-mask.png`` (the protect brush: the hints
change nothing there).  Each is an 8-bit gray PNG of the photo's size, white where painted
-- the format of the damage mask beside the same hints (``core.restore.maskfile``), which any
editor opens and paints; a mask not there is a mask not painted.  Why files and not JSON: a
mask is an image of the photo's size, and an image is what a restorer can look at and edit.

A *shot* hint file holds the hints of keyframes, by frame number (1 = the first frame,
as in ``frame_000001.png``); they are carried to the other frames by
:mod:`colorstudio.core.batch.shot`.  Hints under ``"hints"`` apply to every frame unmoved, so
a still-hint file is a shot file without keyframes.

    {"frames": {"1": [{"x": 0.42, "y": 0.31, "rgb": [214, 160, 130]}],
                "120": [{"x": 0.61, "y": 0.30, "rgb": "#c08060"}]}}
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from colorstudio.core.io import textfiles
from colorstudio.core.errors import UserError
from colorstudio.core.scales import BALANCE_MAX
from colorstudio.core.colorize.pipeline import Hint
from colorstudio.core.restore import maskfile
from colorstudio.core.restore.maskfile import MaskFileError  # noqa: F401 -- what read_masks raises

RGB = tuple[int, int, int]
MAX_FILE_BYTES = 4 << 20   # a hint file is small; refuse anything that is not one
MAX_HINTS = 10_000


_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")
_FRAME = re.compile(r"[0-9]{1,9}")


class HintFileError(UserError, ValueError):
    """A hint file that cannot be read: the message says where and why."""


def _rgb(value: Any, where: str) -> RGB:
    if isinstance(value, str):
        text = value.strip().lstrip("#")
        if not _HEX6.fullmatch(text):   # int(.., 16) alone takes "+1-2+3" as (1, -2, 3)
            raise HintFileError(f"{where}: rgb {value!r} is not '#rrggbb'")
        return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise HintFileError(f"{where}: rgb must be [R, G, B] (0-255) or '#rrggbb', got {value!r}")
    out = []
    for c in value:
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or not 0 <= c <= 255:
            raise HintFileError(f"{where}: rgb values must be numbers from 0 to 255, got {value!r}")
        out.append(int(round(c)))
    return tuple(out)  # type: ignore[return-value]


def _fraction(item: dict, key: str, where: str) -> float:
    v = item.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise HintFileError(f"{where}: {key} must be a fraction of the image from 0 to 1, got {v!r}")
    return float(v)


def parse_points(data: Any, source: str = "hints") -> list[tuple[float, float, RGB]]:
    """Decoded JSON -> [(x, y, rgb)], validated."""
    if isinstance(data, dict) and "hints" in data:
        data = data["hints"]
    if not isinstance(data, list):
        raise HintFileError(f"{source}: expected a list of {{x, y, rgb}} hints, got {type(data).__name__}")
    if len(data) > MAX_HINTS:
        raise HintFileError(f"{source}: {len(data)} hints, more than {MAX_HINTS}")
    points = []
    for i, item in enumerate(data):
        where = f"{source}: hint {i + 1}"
        if not isinstance(item, dict):
            raise HintFileError(f"{where}: expected an object {{x, y, rgb}}, got {item!r}")
        missing = [k for k in ("x", "y", "rgb") if k not in item]
        if missing:
            raise HintFileError(f"{where}: missing {', '.join(missing)}")
        points.append((_fraction(item, "x", where), _fraction(item, "y", where), _rgb(item["rgb"], where)))
    return points


def read_points(path: str | Path) -> list[tuple[float, float, RGB]]:
    """A hint file -> [(x, y, rgb)]; :class:`HintFileError` for anything that is not one
    (a shot file with keyframes included: use :func:`read_shot` for those)."""
    p = Path(path)
    data = _load_json(p)
    if isinstance(data, dict) and "frames" in data:
        raise HintFileError(f"{p.name}: a shot hint file (hints per frame) where one still's hints "
                            "are expected")
    return parse_points(data, p.name)


def _load_json(p: Path) -> Any:
    if not p.is_file():
        raise HintFileError(f"hint file not found: {p}" if not p.exists() else f"not a regular file: {p}")
    try:
        return textfiles.read_json(p, MAX_FILE_BYTES)
    except textfiles.BadTextFile as exc:
        raise HintFileError(str(exc)) from None


def to_hints(points: Iterable[tuple[float, float, Sequence[int]]]) -> list[Hint]:
    """[(x, y, rgb)] -> pipeline hints (colour as Lab ab)."""
    return [Hint.from_rgb(x, y, rgb) for x, y, rgb in points]


def read_hints(path: str | Path) -> list[Hint]:
    return to_hints(read_points(path))


def parse_balance(data: Any, source: str = "hints") -> tuple[float, float]:
    """Decoded JSON -> the (temperature, tint) kept with the hints; (0, 0) when none."""
    if not isinstance(data, dict) or "balance" not in data:
        return 0.0, 0.0
    bal = data["balance"]
    if not isinstance(bal, dict):
        raise HintFileError(f"{source}: 'balance' must be {{\"temperature\": T, \"tint\": U}}")
    out = []
    for key in ("temperature", "tint"):
        v = bal.get(key, 0.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not -BALANCE_MAX <= v <= BALANCE_MAX:
            raise HintFileError(f"{source}: balance {key} must be a number from {-BALANCE_MAX:g} to "
                                f"{BALANCE_MAX:g}, got {v!r}")
        out.append(float(v))
    return out[0], out[1]


def read_balance(path: str | Path) -> tuple[float, float]:
    """The colour balance (temperature, tint) kept in a hint file; (0, 0) when it has none."""
    p = Path(path)
    return parse_balance(_load_json(p), p.name)


def dumps_points(points: Iterable[tuple[float, float, Sequence[int]]],
                 balance: tuple[float, float] = (0.0, 0.0)) -> str:
    pts = [{"x": round(float(x), 6), "y": round(float(y), 6), "rgb": [int(c) for c in rgb]} for x, y, rgb in points]
    if not any(balance):
        return json.dumps(pts, indent=1) + "\n"
    data = {"hints": pts, "balance": {"temperature": round(float(balance[0]), 3), "tint": round(float(balance[1]), 3)}}
    return json.dumps(data, indent=1) + "\n"


def write_points(path: str | Path, points: Iterable[tuple[float, float, Sequence[int]]],
                 balance: tuple[float, float] = (0.0, 0.0)) -> None:
    """Write a hint file atomically (a crash never leaves half a file), with the colour
    ``balance`` (temperature, tint) when it is not neutral."""
    from colorstudio.core.io.atomic import atomic_write

    text = dumps_points(points, balance)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


# ------------------------------------------------------------------------- colour masks

MASKS = {"gray": (".gray-mask.png", "gray mask"), "protect": (".protect-mask.png", "protect mask")}
"""The colour masks kept with a photo's hints, by kind: (the suffix of the file beside the
hint file, the mask's name in messages)."""


def mask_paths(hints_path: str | os.PathLike) -> dict[str, Path]:
    """Where each colour mask (:data:`MASKS`) of the hints at ``hints_path`` lives, by kind."""
    return {kind: maskfile.mask_path(hints_path, suffix) for kind, (suffix, _) in MASKS.items()}


def read_masks(hints_path: str | os.PathLike, shape: tuple[int, ...] | None = None) -> dict[str, np.ndarray]:
    """The colour masks saved with the hints at ``hints_path``, by kind ((H, W) bool; a kind with
    no file is left out); with ``shape`` (the photo's (H, W, ...)) each must be of that size.
    :class:`MaskFileError` (one line, naming the file) for one that is unreadable or of another size."""
    out = {}
    for kind, (suffix, noun) in MASKS.items():
        mask = maskfile.read_beside(hints_path, shape, suffix, noun)
        if mask is not None:
            out[kind] = mask
    return out


def write_masks(hints_path: str | os.PathLike,
                masks: Mapping[str, np.ndarray | None]) -> tuple[list[Path], list[Path]]:
    """Save the colour masks with the hints at ``hints_path``: each painted one (``masks``, by
    kind, (H, W) bool) is written beside it atomically; the file of a kind with none or an
    empty one is removed (it would come back with these hints).  Returns (written, removed).
    OSError when a file cannot be written; :class:`MaskFileError` when an old one cannot go."""
    unknown = set(masks) - set(MASKS)
    if unknown:
        raise ValueError(f"unknown mask kind(s) {', '.join(sorted(unknown))}; one of {', '.join(MASKS)}")
    written, removed = [], []
    for kind, (suffix, noun) in MASKS.items():
        mask = masks.get(kind)
        if mask is not None and np.any(mask):
            written.append(maskfile.write_mask(maskfile.mask_path(hints_path, suffix), mask))
        else:
            gone = maskfile.forget_beside(hints_path, suffix, noun)
            if gone is not None:
                removed.append(gone)
    return written, removed


# ------------------------------------------------------------------------- shots

Points = list[tuple[float, float, RGB]]


def parse_shot(data: Any, source: str = "hints") -> tuple[dict[int, Points], Points]:
    """Decoded JSON -> (keyframes: 0-based frame index -> points, still points)."""
    if isinstance(data, dict) and "frames" in data:
        frames = data["frames"]
        if not isinstance(frames, dict):
            raise HintFileError(f"{source}: 'frames' must map frame numbers to hint lists")
        keyframes: dict[int, Points] = {}
        for key, value in frames.items():
            if not _FRAME.fullmatch(str(key).strip()):   # int() alone reads "1_0" as 10, "+1" as 1
                raise HintFileError(f"{source}: frame {key!r} is not a frame number (1 = the first)")
            n = int(str(key).strip())
            if n < 1:
                raise HintFileError(f"{source}: frame {key!r}: frames are numbered from 1")
            keyframes[n - 1] = parse_points(value, f"{source}: frame {n}")
        if sum(len(v) for v in keyframes.values()) > MAX_HINTS:
            raise HintFileError(f"{source}: more than {MAX_HINTS} hints")
        still = parse_points(data["hints"], source) if "hints" in data else []
        return keyframes, still
    return {}, parse_points(data, source)


def read_shot(path: str | Path) -> tuple[dict[int, Points], Points]:
    """A shot or still hint file -> (keyframes, still); :class:`HintFileError` otherwise."""
    p = Path(path)
    return parse_shot(_load_json(p), p.name)


def dumps_shot(keyframes: dict[int, Iterable[tuple[float, float, Sequence[int]]]],
               still: Iterable[tuple[float, float, Sequence[int]]] = ()) -> str:
    def pts(points):
        return [{"x": round(float(x), 6), "y": round(float(y), 6), "rgb": [int(c) for c in rgb]}
                for x, y, rgb in points]

    data: dict[str, Any] = {"frames": {str(k + 1): pts(v) for k, v in sorted(keyframes.items()) if v}}
    still = pts(still)
    if still:
        data["hints"] = still
    return json.dumps(data, indent=1) + "\n"


def write_shot(path: str | Path, keyframes: dict[int, Iterable[tuple[float, float, Sequence[int]]]],
               still: Iterable[tuple[float, float, Sequence[int]]] = ()) -> None:
    """Write a shot hint file atomically (keyframes by 0-based index; numbered from 1)."""
    from colorstudio.core.io.atomic import atomic_write

    text = dumps_shot(keyframes, still)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
