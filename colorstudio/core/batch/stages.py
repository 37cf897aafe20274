"""What a batch does with each image: colorize (with temporal smoothing for frames of one
sequence) or translate a facade label map; see :class:`colorstudio.core.batch.engine.Stage`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.io import imageio
from colorstudio.core.colorize import pipeline, views
from colorstudio.core.batch.engine import Job, Stage
from colorstudio.core.inference.predictor import Runner, Streams
from colorstudio.core.colorize.smoothing import TemporalSmoother
from colorstudio.core.restore import repair, temporal


class ColorizeStage(Stage):
    """Predict ab in the network's streams; compose at full resolution in a worker.

    With ``smooth`` > 0 each item's small ab is blended with the previous item's,
    warped by optical flow (items are frames of one sequence), in item order while the
    network already runs on the next frames."""

    def __init__(self, predictor: Runner, size: int | None = None, saturation: float | color.Look = 1.0,
                 hints: Sequence[pipeline.Hint] = (), smooth: float = 0.0, extras: Sequence[str] = (),
                 denoise: str = "off", repairer: Runner | None = None, *, gray: np.ndarray | None = None,
                 protect: np.ndarray | None = None, repair_mask: np.ndarray | None = None, frames: bool = False):
        saturation = color.look_of(saturation)   # a bad saturation or balance fails here, before any work
        unknown = [e for e in extras if e not in views.EXTRA_VIEWS]
        if unknown:
            raise ValueError(f"unknown view(s) {', '.join(unknown)}; one of {', '.join(views.EXTRA_VIEWS)}")
        self.extra_views = tuple(extras)
        self.repairer = repairer   # a damage-unet runner: each input's damage is mended first
        # The damage mask saved with the hints (the user's own, photos of its size): mended with
        # instead of detecting, as the app's pipeline does; the repairer then lends only its fill.
        self.repair_mask = repair_mask
        # Frames of one shot: their hints do not refit each frame's palette (a map fitted frame
        # by frame flickers: 1.26 ab units between frames of a pan against 0.83 without).
        self.frames = frames
        if repairer is None and repair_mask is None and any(v in views.REPAIR_VIEWS for v in extras):
            raise ValueError("the repair-mask view needs the repair on (--repair auto) or a damage mask")
        if denoise not in pipeline.DENOISE:
            raise ValueError(f"denoise must be one of {', '.join(pipeline.DENOISE)}, not {denoise!r}")
        self.denoise = denoise
        self.predictor, self.size, self.saturation, self.hints = predictor, size, saturation, tuple(hints)
        # The colour masks saved with the hints (photos of their size): ``gray`` takes the colour
        # away there, ``protect`` keeps the model's own no-hint colour whatever the hints do.
        self.gray = gray
        self.protect = protect if protect is not None and protect.any() else None
        self.smoother = None
        if smooth:
            self.smoother = TemporalSmoother(smooth)
        self._prime_from: Path | None = None
        self._note: str | None = None
        self.temporal_frames = 0   # frames of which the repair filled some pixels from their neighbours
        self._count = threading.Lock()

    def streams(self) -> int:
        return self.predictor.streams("predict_ab") if isinstance(self.predictor, Streams) else 1

    def restore(self, job: Job, image: np.ndarray) -> np.ndarray:
        if self.repairer is None and self.repair_mask is None:
            return image
        if self.repair_mask is not None:   # the given mask, never the detector's (the app's rule)
            mended, r = repair.repair_image(self.repairer, image, mask=self.repair_mask)
        elif job.neighbours is not None:   # a frame of a film: one-frame dust from its neighbours first
            prev, nxt = job.neighbours()
            mended, r, used = temporal.repair_frame(self.repairer, image, prev, nxt)
            if used.any():
                with self._count:
                    self.temporal_frames += 1
        else:
            mended, r = repair.repair_image(self.repairer, image)
        if "repair-mask" in self.extra_views:
            job.early_views.append((views.EXTRA_VIEWS["repair-mask"], views.mask_view(r.mask)))
        if {"before-after", "wiper"} & set(self.extra_views):
            job.original = image   # "before" is the scan with its damage, "after" the mended result
        return mended

    def prepare(self, image: np.ndarray) -> tuple[np.ndarray, tuple]:
        return pipeline.net_input(self.predictor, image, self.size, self.hints, self.denoise), self.hints

    def prepare_job(self, job: Job, image: np.ndarray) -> tuple[np.ndarray, tuple]:
        """A frame of a shot brings its own hints (carried from keyframes); else the stage's."""
        if job.hints is None:
            return self.prepare(image)
        hints = tuple(job.hints)
        return pipeline.net_input(self.predictor, image, self.size, hints, self.denoise), hints

    def predict(self, image: np.ndarray, prepared: tuple[np.ndarray, tuple]) -> np.ndarray:
        x, hints = prepared
        p = self.predictor
        before = p.fallback

        def run(v: np.ndarray) -> np.ndarray:
            return pipeline.ab_from_output(p.run_stream(v, "predict_ab") if isinstance(p, Streams)
                                           else p.predict_ab(v))

        ab = run(x)
        protect = self.protect if hints else None
        plain = None
        if protect is not None and p.hint_planes:   # the no-hint answer kept there: empty hint planes
            x0 = x.copy()
            x0[:, 1:] = 0.0
            plain = run(x0)
        self._note = str(p.fallback) if p.fallback is not before else None
        return pipeline.hinted_ab(ab, x, hints, protect=protect, plain=plain, refit=not self.frames)

    def ordered(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        if self.smoother is not None:
            if self._prime_from is not None:
                # Resuming: continue the sequence from the last frame already written.
                try:
                    self.smoother.prime(imageio.read_image(self._prime_from), ab.shape[:2])
                except imageio.ImageReadError:
                    self.smoother.reset()
                self._prime_from = None
            ab = self.smoother.update(image, ab)
        return ab

    def finish(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        return pipeline.compose(image, ab, self.saturation, gray=self.gray)

    def extras(self, image: np.ndarray, ab: np.ndarray, out: np.ndarray) -> list[tuple[str, np.ndarray]]:
        return [(views.EXTRA_VIEWS[v], views.extra_view(v, image, out, ab, self.saturation, gray=self.gray))
                for v in self.extra_views if v not in views.REPAIR_VIEWS]

    def skipped(self, job: Job) -> None:
        if self.smoother is not None:
            self._prime_from = job.dst

    def failed(self, job: Job) -> None:
        if self.smoother is not None:
            self.smoother.reset()
            self._prime_from = None

    def warm_up(self, image: np.ndarray | None, hints: Sequence[pipeline.Hint] | None = None,
                neighbours: Callable[[], tuple] | None = None) -> None:
        """Run a frame before a range through the network and the smoother, writing nothing
        (a shard's overlap, ``core.batch.ranges``): as resuming primes the smoother from the
        last frame written, this primes it from the frames one run would have coloured just
        before, so the range's first frames come out the same.  ``image`` None: that frame
        could not be read, and one run would have failed it (the smoother forgets).
        ``neighbours``: the frame's raw neighbours (``Job.neighbours``), as one run repairs it."""
        if self.smoother is None:
            return
        job = Job(-1, Path(), Path(), None, hints=hints, neighbours=neighbours)
        if image is None:
            self.failed(job)
            return
        image = self.restore(job, image)
        self.ordered(image, self.predict(image, self.prepare_job(job, image)))

    def note(self) -> str | None:
        return self._note


class TranslateStage(Stage):
    """Label map -> photo: resize in a worker, the network, resize back in a worker."""

    OFF_PALETTE_WARN = 0.25   # a label map is near-flat palette colour; a photo is not

    def check(self, image: np.ndarray) -> str | None:
        from colorstudio.core.color import palette

        share = palette.off_palette_share(image if image.ndim == 3 else np.dstack([image] * 3))
        if share > self.OFF_PALETTE_WARN:
            return (f"this does not look like a facade label map: {share:.0%} of its pixels are far from the "
                    "12 palette colours (the result will be meaningless)")
        return None

    def __init__(self, predictor: Runner, size: int | None = None):
        self.predictor, self.size = predictor, size

    def streams(self) -> int:
        return self.predictor.streams("forward") if isinstance(self.predictor, Streams) else 1

    def prepare(self, image: np.ndarray) -> np.ndarray:
        return pipeline.translate_input(image, self.predictor, self.size)

    def predict(self, image: np.ndarray, x: np.ndarray) -> np.ndarray:
        p = self.predictor
        return p.run_stream(x, "forward") if isinstance(p, Streams) else p.run(x, "forward")

    def finish(self, image: np.ndarray, y: np.ndarray) -> np.ndarray:
        return pipeline.translate_output(y, image.shape)
