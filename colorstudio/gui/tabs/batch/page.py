"""Batch mode for animators: many frames (files or folders), videos or an image sequence
(``shot.####.exr``, a frame range of it), colorized here or on a Dask scheduler.

Built on the CLI's core calls (one engine for the CLI and the window: :mod:`.launch` says
which): each item arrives as a BatchEvent, drawn here as a progress bar with count,
frames/s and ETA, a thumbnail strip and a log of failures.  Outputs that exist are skipped,
so running again after a cancel (or a crash) resumes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QSettings, QThreadPool, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from colorstudio.core.errors import UserError
from colorstudio.core.io.formats import is_video_file, sequence_format
from colorstudio.core.messages import format_eta, shown
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.batch import launch, sequence_plan
from colorstudio.gui.tabs.batch.inputs import BatchInputs
from colorstudio.gui.tabs.batch.options import BatchOptions
from colorstudio.gui.tabs.batch.output import BatchOutput
from colorstudio.gui.tabs.batch.results import BatchResults
from colorstudio.gui.tabs.batch.sequence_box import SequenceBox
from colorstudio.gui.tabs.batch.shot_jobs import remote_loader
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.workers import Worker

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry


class BatchPanel(TabPage):
    """Inputs, an image sequence's range and colour spaces, output, model and options on the
    left (:mod:`.inputs`, :mod:`.sequence_box`, :mod:`.output`, :mod:`.options`); progress and
    thumbnails on the right (:mod:`.results`).  ``remote_loader(model, device)``: how a Dask
    worker builds the model (tests hand in a tiny one)."""

    runStarted = Signal()
    runFinished = Signal(dict)       # counts: done, skipped, failed, cancelled (bool)
    eventReceived = Signal(object)   # every BatchEvent (tests, other views)

    def __init__(self, cache: PredictorCache | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.cache = cache or PredictorCache()
        self._worker: Worker | None = None
        self._cancel = threading.Event()
        self._hints_provider: Callable[[], list] = lambda: []
        self._shot: tuple[Path, list] | None = None   # (source, each frame's hints) from the Shot tab
        self._last_event = None
        self._paused = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.video_counts: dict[str, int] = {}
        self.remote_loader = remote_loader
        self._remote = False            # the run goes to a Dask scheduler
        self._refused: str | None = None
        self._pattern: str | None = None  # the sequence input the box shows

        # left: inputs, the sequence, output, model and options
        self.input_box = BatchInputs()
        self.inputs = self.input_box.list
        self.input_box.problem.connect(lambda text: self.message.emit(text, "warning"))
        self.sequence_box = SequenceBox()
        self.output_box = BatchOutput(self.input_box.start_dir)
        self.outdir, self.fmt, self.overwrite = self.output_box.outdir, self.output_box.fmt, self.output_box.overwrite
        self.input_box.changed.connect(self._suggest_outdir)
        self.input_box.cleared.connect(self.output_box.forget_suggestion)
        self.options = BatchOptions()
        for name in ("picker", "size", "saturation", "temperature", "tint", "denoise", "smooth", "smooth_strength",
                     "use_hints", "repair", "views", "shot_note"):
            setattr(self, name, getattr(self.options, name))
        self.picker.weightsLoaded.connect(
            lambda e: self.message.emit(f"Loaded {e.label}: it is in the model list now.", "info"))
        self.picker.weightsFailed.connect(lambda m: self.message.emit(f"Cannot use these weights: {m}", "error"))

        # run controls
        self.start_button = QPushButton(icon("mdi6.play"), "Start")
        self.start_button.setToolTip("Colorize every input (existing outputs are skipped)")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton(icon("mdi6.pause"), "Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Hold the batch after the current frame")
        self.pause_button.toggled.connect(self.set_paused)
        self.cancel_button = QPushButton(icon("mdi6.stop"), "Cancel")
        self.cancel_button.setToolTip("Stop after the current frame; finished frames are kept")
        self.cancel_button.clicked.connect(self.cancel)
        brow = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.cancel_button):
            brow.addWidget(b)

        left = QWidget()
        ll = QVBoxLayout(left)
        for w in (self.input_box, self.sequence_box, self.output_box, self.options):
            ll.addWidget(w)
        ll.addStretch(1)
        scroll = side_panel(left, 340)

        # right: preview, progress, thumbnails, log
        self.results = BatchResults()
        self.preview, self.thumbs, self.log = self.results.preview, self.results.thumbs, self.results.log
        self.progress, self.rate = self.results.progress, self.results.rate
        self.results.open_out.clicked.connect(self.output_box.open_folder)
        self.results.set_buttons(brow)

        side_by_side(self, scroll, self.results, (380, 900))

        self.inputs.model().rowsInserted.connect(lambda *_: self._refresh_formats())
        self.inputs.model().rowsRemoved.connect(lambda *_: self._refresh_formats())
        self.inputs.model().rowsRemoved.connect(lambda *_: self._inputs_changed())
        self.inputs.model().rowsInserted.connect(lambda *_: self._inputs_changed())
        self._refresh_formats()
        self._set_running(False)

    # ------------------------------------------------------------------ configuration
    def model_name(self) -> str | None:
        return self.picker.model_name()

    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        self.options.set_entries(entries, devices, model, device)

    def set_shot(self, source: Path, frame_hints: list, model: str = "") -> None:
        """A shot from the Shot tab: its source becomes the input, each frame gets its own
        carried hints, with the Shot tab's hint model (until the inputs change)."""
        self.clear_inputs()
        self.add_inputs([source])
        self._shot = (Path(source), list(frame_hints))
        if model and self.picker.entry(model) is not None:
            self.picker.set_model(model)
        n = sum(1 for h in frame_hints if h)
        self.shot_note.setText(f"Shot hints from the Shot tab: {n} of {len(frame_hints)} frames get hints.")
        self.shot_note.show()

    def _inputs_changed(self) -> None:
        if not self.is_busy():
            self.results.reset()   # the last run's preview and "40/40 finished" belong to other inputs
        if self._shot is not None and self.input_paths() != [self._shot[0]]:
            self._shot = None
            self.shot_note.hide()

    def set_hints_provider(self, fn: Callable[[], list]) -> None:
        """Where 'apply the colour hints' takes hints from (the Colorize tab's editor)."""
        self._hints_provider = fn

    def add_inputs(self, paths: list[str | Path]) -> None:
        """Add files/folders/videos, or an image sequence (its pattern, or frames of it:
        ``BatchInputs.add_paths``); the first input suggests an output folder."""
        self.input_box.add_paths(paths)

    def set_sequence(self, pattern: str) -> bool:
        """An image sequence (``shot.####.exr``) becomes the one input (False, with a message,
        when the pattern names no frame)."""
        return self.input_box.set_sequence(pattern)

    def _suggest_outdir(self) -> None:
        if self.inputs.count():
            self.output_box.follow(self.input_paths()[0])

    def input_paths(self) -> list[Path]:
        return self.input_box.paths()

    def clear_inputs(self) -> None:
        self.input_box.clear()

    def set_output_dir(self, path: str | Path) -> None:
        self.outdir.setText(str(path))

    def set_format(self, fmt: str) -> None:
        self.output_box.set_format(fmt)

    def _is_video(self) -> bool:
        """Every input is a video: the Format box offers the containers (else the photos' formats,
        and videos keep their source's container, as in the CLI)."""
        paths = self.input_paths()
        return bool(paths) and all(is_video_file(p) for p in paths)

    def sequence_pattern(self) -> str | None:
        """The image sequence's pattern when it is the input."""
        return self.input_box.sequence_pattern()

    def _refresh_formats(self) -> None:
        video, pattern = self._is_video(), self.sequence_pattern()
        seq = None
        if pattern is not None:
            try:
                seq = sequence_plan.find(pattern)
            except (UserError, OSError):
                seq = None   # gone since: Start says so
        default = None
        if pattern != self._pattern and seq is not None:   # a new sequence: written as its own format
            default = sequence_format(seq.pattern.suffix).name
        self._pattern = pattern
        self.output_box.set_formats("sequence" if pattern else "video" if video else "images", default)
        self.sequence_box.set_sequence(seq)
        self.options.set_video(video)
        if pattern is not None or not self.input_paths():
            self.input_box.withdraw_offer()

    def repairing(self) -> bool:
        """Each photo's damage is mended before it is coloured."""
        return self.options.repairing()

    def extra_views(self) -> tuple[str, ...]:
        """The views ticked under "Also write" (the damage mask only with the repair on)."""
        return self.options.extra_views()

    # ------------------------------------------------------------------ the window's (TabPage)
    def is_busy(self) -> bool:
        """A batch runs (till its last frame, or its cancel, is done)."""
        return self._worker is not None

    def close_question(self) -> tuple[str, str] | None:
        if not self.is_busy():
            return None
        return ("Batch is running", "A batch is still colorizing. Cancel it and quit?\n"
                                    "(Finished frames are kept; a rerun resumes.)")

    def takes_paths(self, paths: list[Path], shown: bool) -> bool:
        """Several files, a folder, a video, an EXR or DPX frame (its sequence) -- or anything
        dropped while this tab shows."""
        p = paths[0]
        return shown or len(paths) > 1 or p.is_dir() or is_video_file(p) or \
            bool((f := sequence_format(p.suffix)) and f.vfx)

    def open_paths(self, paths: list[Path]) -> None:
        self.add_inputs(paths)

    def save_settings(self, s: QSettings) -> None:
        self.output_box.save_settings(s)
        self.options.save_settings(s)

    def restore_settings(self, s: QSettings) -> None:
        self.output_box.restore_settings(s)
        self.options.restore_settings(s)

    # ------------------------------------------------------------------ running
    def start(self) -> Worker | None:
        """Check the form (:func:`.launch.plan`) and start the batch in a worker (None, with
        one message, when the form cannot run: nothing is written then)."""
        if self.is_busy():
            return None
        paths = self.input_paths()
        hints, frame_hints = [], None
        if self._shot is not None and paths == [self._shot[0]]:
            frame_hints = self._shot[1]          # the Shot tab's keyframes, carried to every frame
        elif self.use_hints.isChecked():
            hints = list(self._hints_provider())
        self._cancel = threading.Event()
        job = launch.plan(self.form(paths, hints, frame_hints), self.cache, self._cancel, self.remote_loader)
        if isinstance(job, str):
            self.message.emit(job, "warning")
            return None
        if self.use_hints.isChecked() and frame_hints is None and not hints:
            self.message.emit("No colour hints are set in the Colorize tab; running without.", "info")
        self._last_event, self._paused, self._remote, self._refused = None, False, job.remote, None
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.video_counts: dict[str, int] = {}
        self.thumbs.clear()
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.rate.setText("connecting…" if job.remote else "loading model…")
        where = f" on {self.output_box.scheduler_text().strip()}" if job.remote else ""
        self._log(f"— start: {len(paths)} input(s) → {self.outdir.text()}{where}")
        for line in job.notes:
            self._log(line)
        w = Worker(job.fn, *job.args, **job.kwargs)
        w.signals.progress.connect(self._on_progress)
        w.signals.error.connect(self._on_error)
        w.signals.finished.connect(self._on_finished)
        self._worker = w
        self._set_running(True)
        self.pool.start(w)
        self.runStarted.emit()
        self.actionsChanged.emit()   # Cancel stops it now
        return w

    def form(self, paths: list[Path], hints: list, frame_hints: list | None) -> launch.Form:
        """The form's values, as :func:`.launch.plan` checks them."""
        return launch.Form(paths, self.outdir.text(), self.fmt.currentText(), self.picker.model_name(),
                           self.picker.device(), self.size.value(), self.options.look(),
                           self.options.smoothing(), hints, frame_hints, self.overwrite.isChecked(),
                           self.options.detector if self.repairing() else None, self.denoise.value(),
                           self.extra_views(), self.sequence_box.frames_text(), self.sequence_box.space_in.value(),
                           self.sequence_box.space_out.value(), self.output_box.scheduler_text())

    @staticmethod
    def output_problem(paths: list[Path], outdir: str) -> str | None:
        """Why ``outdir`` cannot take the results of ``paths`` (the CLI's check), else None."""
        return launch.output_problem(paths, outdir)

    def set_paused(self, paused: bool) -> None:
        w = self._worker
        if w is None:
            self.pause_button.setChecked(False)
            return
        if paused:
            w.pause()
        else:
            w.resume()
        self._paused = bool(paused)
        self._show_rate()
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(icon("mdi6.play" if paused else "mdi6.pause"))

    def cancel(self) -> None:
        """Stop after the current item; finished outputs stay (a rerun resumes)."""
        if self._worker is not None:
            # The engine sees the event between items and reports the writes already in
            # flight before it stops, so the counts match the files on disk.
            self._cancel.set()
            self._worker.resume()
            self.rate.setText("cancelling…")

    def shutdown(self, msecs: int = 5000) -> None:
        self.cancel()
        self.pool.waitForDone(msecs)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running and not self._remote)   # a scheduler's tasks run on: no pause
        self.cancel_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.setIcon(icon("mdi6.pause"))
            self.pause_button.blockSignals(False)

    def _on_progress(self, item) -> None:
        kind = item[0]
        if kind == "device":
            self.picker.set_in_use(item[1])
            self.rate.setText(f"running on {item[1]}…")
        elif kind == "where":   # the scheduler: connecting, then its workers (each loads the model)
            self.picker.set_in_use("the scheduler's workers")
            self.rate.setText(f"{item[1]}…")
            self._log(item[1])
        elif kind in ("problem", "log"):
            self._log(item[1])
        elif kind == "refused":   # checked in the worker before any work: nothing was written
            self._refused = sequence_plan.sentence(item[1])
            self._log(f"refused: {item[1]}")
            self.message.emit(self._refused, "warning")
        elif kind == "event":
            self._on_event(item[1], item[2])

    def _log(self, line: str) -> None:
        """One line of the log: names with newlines or control characters cannot forge lines."""
        self.log.appendPlainText(shown(line, "log"))

    def _on_event(self, ev, thumb: QImage | None) -> None:
        if ev.kind == "video":   # the assembled video: its own line, not one more frame
            self.video_counts[ev.status] = self.video_counts.get(ev.status, 0) + 1
            if ev.status == "failed":
                self._log(f"video failed: {ev.dst.name if ev.dst else ev.src.name}: {ev.error}")
            elif ev.status == "skipped":
                self._log(f"video exists, skipped: {ev.dst}")
            else:
                self._log(f"video written: {ev.dst}")
            self.eventReceived.emit(ev)
            return
        self.counts[ev.status] = self.counts.get(ev.status, 0) + 1
        self.progress.setRange(0, max(1, ev.total))
        self.progress.setValue(min(ev.done_count, ev.total))
        self._last_event = ev
        self._show_rate()
        name = ev.dst.name if ev.dst is not None else ev.src.name
        if ev.status == "failed":
            self._log(f"failed: {name}: {ev.error}")
        # skipped items are counted, not listed: the finish line says "60 skipped (already done)"
        if ev.note:   # a device fallback, an odd-sized video: each says what happened itself
            self.message.emit(f"{name}: {ev.note}", "warning")
        if thumb is not None:
            self.results.add_frame(ev.dst, thumb)
        self.eventReceived.emit(ev)

    def _show_rate(self) -> None:
        """Count, speed and ETA of the run; while paused only the count (writes already in
        flight still land and are counted, so a cancel reports what is on disk)."""
        ev = self._last_event
        if self._worker is None or ev is None:
            if self._worker is not None and self._paused:
                self.rate.setText("paused")
            return
        extra = ", ".join(f"{v} {k}" for k, v in self.counts.items() if v and k != "done")
        if self._paused:
            text = f"{ev.done_count} / {ev.total} · paused"
        else:
            text = f"{ev.done_count} / {ev.total} · {ev.items_per_s:.2f} frames/s · ETA {format_eta(ev.eta_s)}"
        self.rate.setText(text + (f" · {extra}" if extra else ""))

    def _on_error(self, msg: str) -> None:
        self._log(f"error: {msg}")
        self.message.emit(f"Batch failed: {msg}", "error")

    def _on_finished(self) -> None:
        cancelled = self._cancel.is_set()
        self._worker = None
        self._set_running(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        c = dict(self.counts, cancelled=cancelled)
        if self._refused:
            self.rate.setText("refused · nothing ran")
            self.runFinished.emit(dict(c, refused=True))
            self.actionsChanged.emit()
            return
        text = (f"{c['done']} done, {c['skipped']} skipped (already done), {c['failed']} failed")
        v = self.video_counts
        if v:
            text += f"; video{'s' if sum(v.values()) > 1 else ''} " + \
                ", ".join(f"{n} {'written' if k == 'done' else k}" for k, n in v.items())
        self._log(("— cancelled: " if cancelled else "— finished: ") + text)
        self.rate.setText(("cancelled · " if cancelled else "finished · ") + text)
        if cancelled:
            again = ("Start again to redo every frame (Overwrite is on; untick it to resume instead)."
                     if self.overwrite.isChecked() else "Start again to resume.")
            self.message.emit(f"Batch cancelled ({text}). {again}", "info")
        elif c["failed"] or v.get("failed"):
            self.message.emit(f"Batch finished with failures: {text}. See the log.", "warning")
        elif c["done"] or c["skipped"]:
            self.message.emit(f"Batch finished: {text}.", "info")
        self.runFinished.emit(c)
        self.actionsChanged.emit()
