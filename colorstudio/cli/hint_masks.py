"""``colorize --hints FILE.json`` with the colour masks saved beside the hint file.

The app's *Save hints* writes the gray brush's and the protect brush's masks beside the hint
file (``core.colorize.hintfile``: ``photo.gray-mask.png``, ``photo.protect-mask.png``); a
command that reads those hints applies them too, so a photo comes out of the CLI as it did
out of the app.  A mask is drawn on one photo, so it applies to photos of that photo's size:
every check -- the files readable, every input a photo of the masks' size, no video, shot,
image sequence, frame range, smoothing or Dask run -- is done before any work (a usage error,
exit 2, one line), and the photos then go through the batch engine with a stage that honours
the masks (:class:`MaskedColorizeStage`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from colorstudio.cli.common import UsageError
from colorstudio.core.batch import BatchEvent, ColorizeStage, file_jobs, run_batch
from colorstudio.core.colorize import pipeline


def read(hints_path: Path | None) -> dict[str, np.ndarray]:
    """The colour masks saved with the hints at ``hints_path``, by kind (none: {}); a UsageError
    for one that cannot be read."""
    if hints_path is None:
        return {}
    from colorstudio.core.colorize.hintfile import read_masks
    from colorstudio.core.restore.maskfile import MaskFileError

    try:
        return read_masks(hints_path)
    except MaskFileError as exc:
        raise UsageError(str(exc)) from None


def _names(hints_path: Path, masks: dict) -> str:
    from colorstudio.core.colorize.hintfile import mask_paths

    paths = mask_paths(hints_path)
    return " and ".join(paths[k].name for k in masks)


def refuse(args, masks: dict, why: str) -> None:
    """A run the masks cannot apply to: a UsageError naming them and ``why``."""
    raise UsageError(f"{_names(args.hints, masks)} beside {args.hints.name} fit one photo and apply to photos "
                     f"only, not to {why} (move them away to use the hints alone)")


def check_inputs(args, masks: dict, keyframes: dict, sequence: bool) -> list[Path]:
    """Every input a photo of the masks' size, and no option that colours frames of a shot:
    else a UsageError, before any work.  Returns the photos (the inputs as the batch will see them)."""
    from colorstudio.core.batch import collect_inputs
    from colorstudio.core.batch.frames import is_video_file
    from colorstudio.core.io.imageio import ImageReadError, read_image

    for bad, why in ((keyframes, "the keyframes of a shot file"), (sequence, "an image sequence"),
                     (args.executor == "dask", "shards on a Dask cluster (--executor dask)"),
                     (args.frames is not None or args.shard is not None, "a range of a shot (--frames, --shard)"),
                     (args.smooth, "the frames of a sequence (--smooth)")):
        if bad:
            refuse(args, masks, why)
    photos = collect_inputs(args.inputs, [])
    for p in photos:
        if is_video_file(p):
            refuse(args, masks, f"a video ({p.name})")
        try:
            shape = read_image(p).shape[:2]
        except ImageReadError:
            continue   # the batch says why, as for any unreadable input
        check_fit(args.hints, masks, shape, p.name)
    return photos


def check_fit(hints_path: Path, masks: dict, shape: tuple[int, ...], photo: str) -> None:
    """Each mask of the size ``shape`` (H, W, ...) of the photo called ``photo``: else a UsageError."""
    h, w = shape[:2]
    wrong = {k: m.shape for k, m in masks.items() if m.shape != (h, w)}
    if wrong:
        from colorstudio.core.colorize.hintfile import mask_paths

        paths = mask_paths(hints_path)
        raise UsageError(f"{photo} is {w}x{h} px, but " + ", ".join(f"{paths[k].name} is {s[1]}x{s[0]}"
                                                                     for k, s in wrong.items())
                         + f": the masks saved with {hints_path.name} fit a photo of their size only")


class MaskedColorizeStage(ColorizeStage):
    """The batch's colorize stage with the colour masks: ``protect`` (H, W) keeps the model's own
    no-hint colour where it is set (the hint step, ``pipeline.hinted_ab``; a network that takes
    hints runs once more without them), ``gray`` (H, W) takes the colour away there (the compose)."""

    def __init__(self, *args, gray: np.ndarray | None = None, protect: np.ndarray | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.gray = gray
        self.protect = protect if protect is not None and protect.any() else None
        self._fallback: str | None = None

    def predict(self, image: np.ndarray, prepared: tuple[np.ndarray, tuple]) -> np.ndarray:
        x, hints = prepared
        if self.protect is None or not hints:
            return super().predict(image, prepared)
        from colorstudio.core.inference.predictor import Streams

        p = self.predictor
        before = p.fallback

        def run(v: np.ndarray) -> np.ndarray:
            return pipeline.ab_from_output(p.run_stream(v, "predict_ab") if isinstance(p, Streams)
                                           else p.predict_ab(v))

        ab = run(x)
        plain = None
        if p.hint_planes:   # the no-hint answer: the same lightness, empty hint planes
            x0 = x.copy()
            x0[:, 1:] = 0.0
            plain = run(x0)
        self._fallback = str(p.fallback) if p.fallback is not before else None
        return pipeline.hinted_ab(ab, x, hints, protect=self.protect, plain=plain)

    def finish(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        return pipeline.compose(image, ab, self.saturation, gray=self.gray)

    def note(self) -> str | None:
        return self._fallback if self.protect is not None and self.hints else super().note()


def colorize_files(inputs: Sequence[str | os.PathLike], outdir: str | os.PathLike, predictor, masks: dict, *,
                   plan: Sequence, size: int | None = None, saturation=1.0, overwrite: bool = False,
                   hints: Sequence[pipeline.Hint] = (), quality: int = 95, extras: Sequence[str] = (),
                   denoise: str = "off", repairer=None) -> Iterator[BatchEvent]:
    """``core.batch.colorize_files`` for photos, with the colour ``masks`` (by kind) applied to each;
    ``plan``: every input's outputs (``core.batch.plan_items``)."""
    from colorstudio.core.io.atomic import clean_stale

    inputs = [Path(p) for p in inputs]
    stage = MaskedColorizeStage(predictor, size, saturation, hints, 0.0, extras, denoise, repairer,
                                gray=masks.get("gray"), protect=masks.get("protect"))
    clean_stale(outdir, keep=inputs)   # temp files of a run that was killed mid-write
    return run_batch(file_jobs(inputs, plan, overwrite), len(inputs), stage, protect=inputs, quality=quality)
