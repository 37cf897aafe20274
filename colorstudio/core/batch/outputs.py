"""The one place that names a batch's outputs: every input -> all its outputs.

An input's outputs are its result (an image, or for a video the video file), the views
asked for beside it (``_before_after``, ``_wiper``, ``_colour``) and, for a video, its
frames folder.  They are named from one *base* per input (its stem, then ``stem-2``,
``stem-3`` ...), chosen so that no output of one input is an output of another or an input
-- ``clip.mp4`` and ``clip.avi`` no longer share ``clip_frames/``, ``a.jpg`` beside
``a_colour.jpg`` no longer loses a's colour layer.

The plan is recorded in the output folder (:data:`MANIFEST`, keyed by each input's absolute
path) and read back on every run: an input keeps the names it was given, and a file added
later gets names no recorded input has -- adding ``a.jpg`` beside an already done ``a.png``
names it ``a-2`` instead of skipping it onto ``a.png``'s result.  An item is done only when
all its outputs exist.  Names too long for the file system are shortened, with a hash of
the full stem so that two long names stay apart.

An image sequence (``shot.####.exr``) is one input: its frames are written as the same
pattern in the output folder, with the output format's suffix, each frame keeping its input
number and padding (``shot.1001.dpx`` -> ``OUT/shot.1001.exr``); the manifest records the
pattern, not every frame (:func:`plan_sequence`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from colorstudio.core.colorize.views import EXTRA_VIEWS
from colorstudio.core.io import atomic
from colorstudio.core.io.formats import is_video_file, sequence_format
from colorstudio.core.io.sequence import ImageSequence, Pattern, parse as parse_pattern

MANIFEST = ".colorstudio-outputs.json"
NAME_MAX = 255          # bytes in one file name (ext4, APFS, NTFS)
FRAMES_SUFFIX = "_frames"
_VERSION = 1


@dataclass(frozen=True)
class ItemOutputs:
    """All the outputs of one input."""

    src: Path
    result: Path                                   # the image, or the video file
    views: dict[str, Path] = field(default_factory=dict)   # view suffix ('_colour') -> path
    frames: Path | None = None                     # a video's frames folder

    def paths(self) -> list[Path]:
        return [self.result, *self.views.values()]

    def done(self) -> bool:
        """Every output exists (the frames folder is a means to the video, not an output)."""
        return all(p.exists() for p in self.paths())


def _key(src: Path) -> str:
    return os.path.normcase(os.path.abspath(src))


def _fits(stem: str, longest_suffix: str) -> str:
    """``stem`` shortened (on a character boundary, plus a hash of the whole stem) so that
    stem + the longest suffix fits in NAME_MAX bytes."""
    room = NAME_MAX - len(longest_suffix.encode())
    if len(stem.encode()) <= room:
        return stem
    tag = "~" + hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    cut = stem
    while len((cut + tag).encode("utf-8", "surrogateescape")) > room:
        cut = cut[:-1]
    return cut + tag


def _result_ext(src: Path, ext: str, video_ext: str | None = None) -> str:
    if is_video_file(src):
        return video_ext or (".avi" if src.suffix.lower() == ".avi" else ".mp4")
    return ext


def _names(base: str, src: Path, ext: str, extras: Sequence[str], video_ext: str | None = None) -> dict[str, str]:
    """{'result'|view suffix|'frames': file name} of one base."""
    if is_video_file(src):
        return {"result": base + _result_ext(src, ext, video_ext), "frames": base + FRAMES_SUFFIX}
    out = {"result": base + ext}
    for view in extras:
        suffix = EXTRA_VIEWS[view]
        out[suffix] = base + suffix + ext
    return out


def _longest_suffix(src: Path, ext: str, extras: Sequence[str], video_ext: str | None) -> str:
    return max(_names("", src, ext, extras, video_ext).values(), key=lambda s: len(s.encode())) + "-99999"


@contextlib.contextmanager
def _locked(outdir: Path) -> Iterator[None]:
    """One planner at a time per output folder (two CLIs into one folder): an advisory
    lock on the folder itself, so no lock file is left behind."""
    try:
        import fcntl

        fd = os.open(outdir, os.O_RDONLY)
    except (ImportError, OSError):   # Windows, or a folder that cannot be opened: the plan is still atomic
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # releases the lock


def read_manifest(outdir: str | os.PathLike) -> dict[str, dict[str, str]]:
    """{input key: {output role: file name}} recorded in ``outdir``; {} when there is none
    or it cannot be read (it is then rebuilt from the stems, as a first run would)."""
    p = Path(outdir) / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        items = data["items"] if data.get("version") == _VERSION else {}
        return {str(k): {str(r): str(n) for r, n in v.items()} for k, v in items.items() if isinstance(v, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def plan(inputs: Sequence[str | os.PathLike], outdir: str | os.PathLike, fmt: str,
         extras: Sequence[str] = (), record: bool = True, video_fmt: str | None = None) -> list[ItemOutputs]:
    """The outputs of every input in ``outdir``: images as ``fmt``, with the ``extras`` views
    (``views.EXTRA_VIEWS`` keys); videos as a video file (``video_fmt``, mp4 or avi; default:
    avi for AVI sources, else mp4) and a frames folder.  ``record``: write the plan to the
    folder's manifest (after creating the folder)."""
    vext = "." + video_fmt.lower().lstrip(".") if video_fmt else None
    unknown = [e for e in extras if e not in EXTRA_VIEWS]
    if unknown:
        raise ValueError(f"unknown view(s) {', '.join(unknown)}; choose from {', '.join(EXTRA_VIEWS)}")
    outdir = Path(outdir)
    ext = "." + fmt.lower().lstrip(".")
    srcs = [Path(p) for p in inputs]
    if record:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError:
            record = False   # each item's write reports why the folder cannot take it
    with _locked(outdir) if record else contextlib.nullcontext():
        manifest = read_manifest(outdir)
        taken: set[str] = {n.lower() for names in manifest.values() for n in names.values()}
        out_real = os.path.realpath(outdir)
        taken |= {s.name.lower() for s in srcs if os.path.realpath(s.parent) == out_real}   # never over an input
        keys = [_key(s) for s in srcs]
        items: list[ItemOutputs | None] = [None] * len(srcs)
        # Inputs the folder already knows keep their names (and get names for views new to them).
        for i, (src, key) in enumerate(zip(srcs, keys)):
            known = manifest.get(key)
            rext = _result_ext(src, ext, vext)
            if not known or not known.get("result", "").lower().endswith(rext.lower()) \
                    or len(known["result"]) <= len(rext):
                continue   # unknown, or asked for in another format now: named afresh
            names = _names(known["result"][: -len(rext)], src, ext, extras, vext)
            if not [n for r, n in names.items() if r not in known and n.lower() in taken]:
                known.update(names)
                taken |= {n.lower() for n in names.values()}
                items[i] = _item(src, outdir, names)
        # New inputs: first each one whose own stem is free (so "a-2.png" keeps "a-2" even
        # after "a.png" and "a.jpg"), then the rest get the first free "stem-N".
        first = {}
        for i, key in enumerate(keys):
            if items[i] is None and key not in first:
                first[key] = i
        for final in (False, True):
            for key, i in first.items():
                if items[i] is not None:
                    continue
                src = srcs[i]
                stem = _fits(src.stem, _longest_suffix(src, ext, extras, vext))
                base, n = stem, 1
                while any(v.lower() in taken for v in _names(base, src, ext, extras, vext).values()):
                    if not final:
                        break
                    n += 1
                    base = f"{stem}-{n}"
                else:
                    names = _names(base, src, ext, extras, vext)
                    taken |= {v.lower() for v in names.values()}
                    manifest[key] = dict(names)
                    items[i] = _item(src, outdir, names)
        for i, key in enumerate(keys):   # the same input named twice: one plan
            if items[i] is None:
                items[i] = next(it for j, it in enumerate(items) if it is not None and keys[j] == key)
        if record:
            atomic.write_text(outdir / MANIFEST, json.dumps({"version": _VERSION, "items": manifest}, indent=1))
    return [it for it in items if it is not None]


def _item(src: Path, outdir: Path, names: dict[str, str]) -> ItemOutputs:
    views = {r: outdir / n for r, n in names.items() if r not in ("result", "frames")}
    frames = outdir / names["frames"] if "frames" in names else None
    return ItemOutputs(src, outdir / names["result"], views, frames)


def plan_sequence(seq: ImageSequence, outdir: str | os.PathLike, fmt: str, record: bool = True) -> list[ItemOutputs]:
    """Each frame of ``seq`` -> its output in ``outdir``: the input's pattern with ``fmt``'s
    suffix, the same numbers.  The pattern's head becomes ``shot-2.``, ``shot-3.`` ... where
    the frames would land on the inputs (the output folder is theirs, the suffix the same) or
    on another input's recorded outputs; a sequence the folder knows keeps its names.
    ``record``: write the pattern to the folder's manifest (after creating the folder)."""
    known_fmt = sequence_format(fmt)
    if known_fmt is None:
        raise ValueError(f"an image sequence is written as exr, dpx, tif or png, not {fmt!r}")
    ext = known_fmt.suffixes[0]
    outdir = Path(outdir)
    key = _key(seq.pattern.folder / seq.pattern.name)
    if record:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError:
            record = False
    with _locked(outdir) if record else contextlib.nullcontext():
        manifest = read_manifest(outdir)
        others = [n for k, names in manifest.items() if k != key for n in names.values()]
        onto_inputs = os.path.realpath(outdir) == os.path.realpath(seq.pattern.folder)

        def free(pattern: Pattern) -> bool:
            if onto_inputs and pattern.name == seq.pattern.name:
                return False
            return not any(n.lower() == pattern.name.lower() or pattern.number_of(n) is not None for n in others)

        pattern = _recorded_pattern(manifest.get(key, {}).get(SEQUENCE_ROLE, ""), seq.pattern, ext)
        if pattern is None or not free(pattern):
            head = seq.pattern.head
            stem = head.rstrip("._- ")
            sep = head[len(stem):]
            pattern = seq.pattern.renamed(head, ext)
            k = 1
            while not free(pattern):
                k += 1
                pattern = seq.pattern.renamed(f"{stem or 'frames'}-{k}{sep}", ext)
        manifest[key] = {SEQUENCE_ROLE: pattern.name}
        if record:
            atomic.write_text(outdir / MANIFEST, json.dumps({"version": _VERSION, "items": manifest}, indent=1))
    return [ItemOutputs(src, outdir / pattern.file_name(n)) for n, src in zip(seq.numbers, seq.paths)]


SEQUENCE_ROLE = "sequence"   # a sequence's manifest entry: its output pattern (``shot.####.exr``)


def _recorded_pattern(name: str, source: Pattern, ext: str) -> Pattern | None:
    """The output pattern the manifest recorded for ``source``, when it is one of this format
    and numbering; else None (named afresh)."""
    if not name:
        return None
    try:
        pattern = parse_pattern(name)
    except ValueError:
        return None
    if pattern.suffix != ext or pattern.pad != source.pad:
        return None
    return source.renamed(pattern.head, ext)

