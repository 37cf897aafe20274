"""A batch's files: input discovery (files and folders, natural order) and the jobs that
decode them (their outputs are named by ``core.batch.outputs``)."""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from colorstudio.core.io import image_meta, imageio
from colorstudio.core.batch.engine import Job
from colorstudio.core.errors import UserError
from colorstudio.core.io.formats import is_video_file


class OutputFolderError(UserError, ValueError):
    """The output folder cannot take the batch's results."""


def check_output_folder(outdir: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (),
                        create: bool = False) -> None:
    """Refuse, before anything runs, an output folder that cannot be created or written,
    is a file, or is one of the input folders (results would be colorized again on a rerun).
    ``create``: make the folder now and write a probe file in it -- the only sure test,
    since permission bits say nothing to root or about /proc and read-only mounts."""
    outdir = Path(outdir).expanduser()
    probe = outdir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputFolderError(f"cannot use {outdir} as output folder: {probe} is a file")
    if _read_only_mount(probe):
        raise OutputFolderError(f"cannot write to output folder {outdir}: {probe} is on a read-only file system")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputFolderError(f"cannot write to output folder {outdir}: permission denied on {probe}")
    if create:
        import tempfile

        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputFolderError(f"cannot create output folder {outdir}: {exc.strerror or exc}") from None
        try:
            with tempfile.TemporaryFile(dir=outdir):
                pass
        except OSError as exc:
            raise OutputFolderError(f"cannot write to output folder {outdir}: {exc.strerror or exc}") from None
    out = os.path.realpath(outdir)
    for raw in inputs:
        if Path(raw).is_dir() and os.path.realpath(raw) == out:
            raise OutputFolderError(f"the output folder {outdir} is also an input folder: the results would "
                                    "land among the inputs and be colorized again on a rerun; choose "
                                    "another output folder")


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):   # no statvfs (Windows): the permission check says what it can
        return False


def collect_inputs(paths: Iterable[str | os.PathLike], problems: list[str] | None = None,
                   *, videos: bool = False) -> list[Path]:
    """Files and folders -> the image files to process, in order, without duplicates.

    Folders contribute their image files (not recursive), sorted naturally (img2
    before img10); files named explicitly are kept whatever their suffix, so a bad one
    is reported by the batch.  Missing paths and folders without images are not
    errors here: a one-line message is appended to ``problems`` (when given).
    ``videos`` also takes video files found in folders.
    """
    out: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                entries = [q for q in p.iterdir() if q.is_file() and not q.name.startswith(".")
                           and (imageio.is_image_file(q) or (videos and is_video_file(q)))]
            except OSError as exc:
                if problems is not None:
                    problems.append(f"{p}: cannot list folder ({exc.strerror})")
                continue
            if not entries and problems is not None:
                problems.append(f"{p}: no image files in this folder")
            for q in sorted(entries, key=imageio.natural_key):
                add(q)
        elif p.exists():
            add(p)
        elif problems is not None:
            problems.append(f"{p}: {_missing_reason(p)}")
    return out


def _missing_reason(p: Path) -> str:
    """Why a named path cannot be opened: missing, a broken link, or a link loop."""
    import errno

    try:
        os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if p.is_symlink():
            return "broken symbolic link (its target does not exist)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
    return "no such file or folder"


def check_format(fmt: str) -> str:
    """Normalise an output format name ('png', '.JPG', 'tiff') or raise ValueError."""
    ext = "." + fmt.lower().lstrip(".")
    if ext not in imageio.WRITE_FORMATS:
        raise ValueError(f"unsupported output format {fmt!r}; choose one of "
                         f"{', '.join(sorted({e.lstrip('.') for e in imageio.WRITE_FORMATS}))}")
    return ext.lstrip(".")


class _FileIdentity:
    """Fast 'is this path one of the inputs?' (same inode or same absolute path)."""

    def __init__(self, paths: Iterable[Path]):
        self.paths = set()
        self.inodes = set()
        for p in paths:
            self.paths.add(os.path.normcase(os.path.abspath(p)))
            try:
                st = os.stat(p)
                self.inodes.add((st.st_dev, st.st_ino))
            except OSError:
                pass

    def __contains__(self, p: Path) -> bool:
        if os.path.normcase(os.path.abspath(p)) in self.paths:
            return True
        try:
            st = os.stat(p)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self.inodes


def file_jobs(inputs: Sequence[Path], outputs: Sequence, overwrite: bool,
              max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[Job]:
    """Jobs for files; each decodes its file when run (``run_batch`` runs them ahead).
    ``outputs``: each input's :class:`outputs.ItemOutputs` (or its result path alone); an
    item is skipped only when all its outputs exist."""
    protected = _FileIdentity(inputs)
    for i, (src, item) in enumerate(zip(inputs, outputs)):
        views = dict(getattr(item, "views", {}))
        src, dst = Path(src), Path(getattr(item, "result", item))
        if dst in protected or any(v in protected for v in views.values()):
            yield Job(i, src, dst, None, "the output would overwrite an input "
                      "(choose another output folder or format)")
        elif dst.is_dir():
            yield Job(i, src, dst, None, f"the output path {dst.name} is a folder")
        elif not overwrite and dst.exists() and all(v.exists() for v in views.values()):
            yield Job(i, src, dst, None, views=views)
        else:
            job = Job(i, src, dst, None, views=views)
            job.load = functools.partial(_load_with_meta, job, max_pixels)
            yield job


def _load_with_meta(job: Job, max_pixels: int | None) -> np.ndarray:
    """The file's pixels; its DPI, EXIF and profile go on ``job.meta`` for the output."""
    image = imageio.read_image(job.src, max_pixels, job.notes)
    job.meta = image_meta.read_meta(job.src)
    return image


class FrameWindow:
    """The raw frames of a sequence of files (a folder of film frames) by index, each decoded
    once while it is near the frames being loaded (:data:`KEEP` kept): what a frame's repair
    reads around it (``Job.neighbours``).  Thread-safe; an unreadable or missing frame is None
    (its neighbours are then repaired with the other one, or spatially)."""

    KEEP = 2 + 2 * 3   # the loading frames' neighbours: PREFETCH + 1 frames in flight, and a spare

    def __init__(self, files: Sequence[Path], max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS):
        self.files = list(files)
        self.max_pixels = max_pixels
        self._cache: OrderedDict[int, np.ndarray | None] = OrderedDict()
        self._lock = threading.Lock()

    def _keep(self, i: int, image: np.ndarray | None) -> None:
        with self._lock:
            self._cache[i] = image
            self._cache.move_to_end(i)
            while len(self._cache) > self.KEEP:
                self._cache.popitem(last=False)

    def frame(self, i: int) -> np.ndarray | None:
        if not 0 <= i < len(self.files):
            return None
        with self._lock:
            if i in self._cache:
                return self._cache[i]
        try:
            image = imageio.read_image(self.files[i], self.max_pixels)
        except (imageio.ImageReadError, OSError, ValueError):
            image = None
        self._keep(i, image)
        return image

    def around(self, i: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Frame ``i``'s neighbours (before, after)."""
        return self.frame(i - 1), self.frame(i + 1)

    def loaded(self, i: int, load: Callable[[], np.ndarray]) -> np.ndarray:
        """``load()`` (frame ``i``'s own job), kept for its neighbours."""
        image = load()
        self._keep(i, image)
        return image


def with_neighbours(jobs: Iterable[Job], window: FrameWindow, offset: int = 0) -> Iterator[Job]:
    """``jobs`` (of ``window``'s files from ``offset`` on) as frames of one sequence: each job
    that loads gets its raw neighbouring frames (``Job.neighbours``) from ``window``."""
    for job in jobs:
        if job.load is not None and not job.error:
            i = offset + job.index
            job.load = functools.partial(window.loaded, i, job.load)
            job.neighbours = functools.partial(window.around, i)
        yield job
