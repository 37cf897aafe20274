"""The file formats: what is read and written, and the file-dialog filters they make.

The one table of still-image formats (read by :mod:`colorstudio.core.io.imageio`), the
one of video formats (:mod:`colorstudio.core.batch.frames`) and the one of image-sequence
formats (``shot.####.exr``: :mod:`colorstudio.core.io.vfx`); every suffix set, folder scan and
file dialog comes from them.  Standard library only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True)
class ImageFormat:
    """One still-image format of the table below."""

    name: str                     # as a file dialog names it
    suffixes: tuple[str, ...]     # read (lower case, with the dot), in dialog order
    writes: tuple[str, ...] = ()  # the suffixes written (the encoder picks the format by them)
    encoder: str = ""             # the writer's name of the format
    scanned: bool = True          # taken from folders (False: only when a file is named)


IMAGE_FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat("PNG", (".png",), (".png",), "png"),
    ImageFormat("JPEG", (".jpg", ".jpeg", ".jpe"), (".jpg", ".jpeg"), "jpeg"),
    ImageFormat("TIFF", (".tif", ".tiff"), (".tif", ".tiff"), "tiff"),
    ImageFormat("BMP", (".bmp",), (".bmp",), "bmp"),
    ImageFormat("WebP", (".webp",), (".webp",), "webp"),
    ImageFormat("GIF", (".gif",), scanned=False),   # the first frame; Pillow decodes it
)
"""The one table of image formats; the sets below and every file dialog come from it."""

IMAGE_EXTENSIONS: frozenset[str] = frozenset(s for f in IMAGE_FORMATS if f.scanned for s in f.suffixes)
"""Suffixes (lower case) treated as images when scanning folders."""

WRITE_FORMATS: dict[str, str] = {s: f.encoder for f in IMAGE_FORMATS for s in f.writes}
"""Suffix -> format written."""

OUTPUT_FORMATS: tuple[str, ...] = tuple(f.writes[0].lstrip(".") for f in IMAGE_FORMATS if f.writes)
"""What a batch writes, by name (``png jpg tif bmp webp``): the CLI's --format, the Batch tab."""


def save_filters() -> dict[str, str]:
    """File-dialog filters of the formats written, each to the suffix it saves
    (``'JPEG (*.jpg *.jpeg)' -> '.jpg'``), in the table's order."""
    return {dialog_filter(f.name, f.writes): f.writes[0] for f in IMAGE_FORMATS if f.writes}


def is_image_file(path: str | os.PathLike) -> bool:
    """True for a path with an image suffix (the content is not checked)."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


# The video format table: what is read (PyAV's FFmpeg), in the order dialogs list it, and
# what is written (core.io.video_io.ENCODERS: .mp4 H.264, .avi Motion-JPEG, audio copied).
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg",
                                   ".wmv", ".ogv")
VIDEO_EXTENSIONS: frozenset[str] = frozenset(VIDEO_SUFFIXES)
WRITABLE_VIDEO = (".avi", ".mp4")
VIDEO_OUTPUT_FORMATS: tuple[str, ...] = ("mp4", "avi")   # what a video batch writes, by name (mp4 first)


def is_video_file(path: str | os.PathLike) -> bool:
    """True for a path with a video suffix (the content is not checked)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def video_filter(label: str = "Videos", all_files: bool = False) -> str:
    """The file-dialog filter of the videos we read, e.g. ``'Videos (*.mp4 *.m4v ...)'``."""
    return dialog_filter(label, VIDEO_SUFFIXES, all_files)


def dialog_filter(label: str, suffixes: Iterable[str], all_files: bool = False) -> str:
    """A Qt file-dialog filter: ``'Images (*.png *.jpg)'``, then ``';;All files (*)'``
    when ``all_files``."""
    text = f"{label} ({' '.join('*' + s for s in suffixes)})"
    return text + ";;All files (*)" if all_files else text


def image_filter(label: str = "Images", all_files: bool = False, *, named: bool = False,
                 write: bool = False) -> str:
    """The file-dialog filter of the images we read from folders; ``named``: also those
    read only when picked by name (GIF); ``write``: the ones we write instead."""
    if write:
        suffixes = [s for f in IMAGE_FORMATS for s in f.writes]
    else:
        suffixes = [s for f in IMAGE_FORMATS if f.scanned or named for s in f.suffixes]
    return dialog_filter(label, suffixes, all_files)


@dataclass(frozen=True)
class SequenceFormat:
    """One format of image sequences (``shot.####.exr``): read and written at full precision."""

    name: str                     # as the user names it (--format)
    suffixes: tuple[str, ...]     # read (lower case, with the dot); the first is written
    depth: str                    # what is written: 'half' (or 'float'), '10-bit', '16-bit'
    vfx: bool                     # read and written through OpenImageIO (colorstudio[vfx])


# The sequence format table: EXR and DPX through OpenImageIO (core.io.vfx), PNG and TIFF through
# core.io.imageio; every sequence's reader, writer and --format come from it.
SEQUENCE_FORMATS: tuple[SequenceFormat, ...] = (
    SequenceFormat("exr", (".exr",), "half", True),
    SequenceFormat("dpx", (".dpx",), "10-bit", True),
    SequenceFormat("tif", (".tif", ".tiff"), "16-bit", False),
    SequenceFormat("png", (".png",), "16-bit", False),
)
SEQUENCE_OUTPUT_FORMATS: tuple[str, ...] = tuple(f.name for f in SEQUENCE_FORMATS)
"""What a sequence is written as, by name (``exr dpx tif png``)."""


def sequence_format(name_or_suffix: str) -> SequenceFormat | None:
    """The sequence format of a --format name (``exr``) or a suffix (``.EXR``), else None."""
    key = name_or_suffix.lower()
    for f in SEQUENCE_FORMATS:
        if key == f.name or key in f.suffixes or "." + key in f.suffixes:
            return f
    return None


def natural_key(path: str | os.PathLike) -> tuple:
    """Sort key where 'img2' comes before 'img10' (numbers compared as numbers)."""
    parts = re.split(r"(\d+)", Path(path).name.lower())
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in parts)
