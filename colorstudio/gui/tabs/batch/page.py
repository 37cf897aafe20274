"""Batch mode for animators: many frames (files or folders) or a video, colorized.

Built on ``core.batch.colorize_files`` and ``core.batch.frames.colorize_video`` (one engine for
the CLI and the window): each item arrives as a BatchEvent, drawn here as a progress
bar with count, frames/s and ETA, a thumbnail strip and a log of failures.  Outputs that
exist are skipped, so running again after a cancel (or a crash) resumes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from colorstudio.core.colorize.smoothing import DEFAULT_STRENGTH
from colorstudio.gui.widgets.denoise_box import LABEL as DENOISE_LABEL, DenoiseBox
from colorstudio.gui.tabs.batch.jobs import batch_job
from colorstudio.core.io.formats import OUTPUT_FORMATS, VIDEO_OUTPUT_FORMATS
from colorstudio.core.messages import format_eta, shown
from colorstudio.core.scales import RENDER_SIZE_RANGE, SATURATION_MAX
from colorstudio.gui import dialog_folders
from colorstudio.gui.predictors import PredictorCache, detector_key
from colorstudio.gui.theme import icon
from colorstudio.gui.tabs.batch.inputs import BatchInputs, tool_button
from colorstudio.gui.tabs.batch.results import BatchResults
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker
from colorstudio.gui.workers import Worker

IMAGE_FORMATS = OUTPUT_FORMATS      # the one table's (core.io.formats), as the CLI's --format
VIDEO_FORMATS = VIDEO_OUTPUT_FORMATS
VIEW_LABELS = (("before-after", "before/after"), ("wiper", "wiper"), ("colour-layer", "colour layer"),
               ("repair-mask", "damage mask"))
REPAIR_TIP = ("Mend each photo's scratches, cracks, folds and dust before colouring it: a damage detector\n"
              "marks them and they are filled from the intact pixels around them (photos, not videos)")
NO_DETECTOR_TIP = ("No trained damage detector (damage-unet) is installed: repairing needs its weights.\n"
                   "Train one in the Train tab (task restore) or install the shipped weights.")


class BatchPanel(QWidget):
    """Inputs, output, model and options on the left; progress and thumbnails on the right."""

    message = Signal(str, str)       # text, level
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
        self._suggested_out = ""      # the output folder we proposed (follows the inputs until edited)
        self._detector: str | None = None   # the restore model "Repair damage" uses (detector_key)
        self._last_event = None
        self._paused = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.video_counts: dict[str, int] = {}

        # inputs
        self.input_box = BatchInputs()
        self.inputs = self.input_box.list
        self.input_box.changed.connect(self._suggest_outdir)
        self.input_box.cleared.connect(self._forget_suggestion)
        in_box = self.input_box

        # output
        self.outdir = QLineEdit()
        self.outdir.setPlaceholderText("output folder")
        self.outdir.setToolTip("Colorized frames (and the video) are written here")
        browse = tool_button("", "mdi6.folder-open", "Choose the output folder", self._choose_outdir)
        orow = QHBoxLayout()
        orow.addWidget(self.outdir, 1)
        orow.addWidget(browse)
        self.fmt = QComboBox()
        self.fmt.setToolTip("Format of the written frames (16-bit inputs stay 16-bit in PNG/TIFF); "
                            "for a video input, the container of the output video")
        self.overwrite = QCheckBox("Overwrite existing outputs")
        self.overwrite.setToolTip("Off: outputs that already exist are skipped, so a rerun resumes")
        out_box = QGroupBox("Output")
        of = QFormLayout(out_box)
        of.addRow("Folder", orow)
        of.addRow("Format", self.fmt)
        of.addRow(self.overwrite)

        # model and options
        self.picker = ModelPicker()
        self.picker.set_compact(True)  # the Colorize tab shows the model's facts; this form stays short
        self.picker.modelChanged.connect(lambda _n: self._refresh_hints())
        self.picker.weightsLoaded.connect(
            lambda e: self.message.emit(f"Loaded {e.label}: it is in the model list now.", "info"))
        self.picker.weightsFailed.connect(lambda m: self.message.emit(f"Cannot use these weights: {m}", "error"))
        self.size = QSpinBox()
        self.size.setRange(0, RENDER_SIZE_RANGE[1])   # 0: the model's own size
        self.size.setSingleStep(32)
        self.size.setSpecialValueText("model default")
        self.size.setSuffix(" px")
        self.size.setToolTip("Render size of the network (long side)")
        self.saturation = QSpinBox()   # percent, as the Colorize tab's slider and the CLI
        self.saturation.setRange(0, int(SATURATION_MAX * 100))
        self.saturation.setSingleStep(10)
        self.saturation.setSuffix("%")
        self.saturation.setValue(100)
        self.saturation.setToolTip("Colour strength: 100% as predicted, 0% gray, up to 200%")
        self.smooth = QCheckBox("Reduce flicker")
        self.smooth.setToolTip("Blend each frame's colours with the previous frame's, motion-compensated\n"
                               "with optical flow (for frames of one shot, in order)")
        self.smooth_strength = QDoubleSpinBox()
        self.smooth_strength.setRange(0.05, 0.95)
        self.smooth_strength.setSingleStep(0.05)
        self.smooth_strength.setValue(DEFAULT_STRENGTH)
        self.smooth_strength.setToolTip("How much of the previous frame's colour is kept")
        self.smooth_strength.setEnabled(False)
        self.smooth.toggled.connect(self.smooth_strength.setEnabled)
        srow = QHBoxLayout()
        srow.addWidget(self.smooth)
        srow.addWidget(self.smooth_strength)
        srow.addStretch(1)
        self.use_hints = QCheckBox("Apply the colour hints from the Colorize tab")
        self.use_hints.setToolTip("Hints set on one frame (Colorize tab) steer every frame; "
                                  "needs a hint-taking model")
        model_box = QGroupBox("Model and options")
        mf = QVBoxLayout(model_box)
        mf.addWidget(self.picker)
        form = QFormLayout()
        self.denoise = DenoiseBox()
        form.addRow("Render size", self.size)
        form.addRow("Saturation", self.saturation)
        form.addRow(DENOISE_LABEL, self.denoise)
        form.addRow("Temporal", srow)
        mf.addLayout(form)
        mf.addWidget(self.use_hints)
        self.repair = QCheckBox("Repair damage")
        mf.addWidget(self.repair)
        # The views the CLI's --also writes beside each photo (core.colorize.views.EXTRA_VIEWS).
        self.views = {key: QCheckBox(label) for key, label in VIEW_LABELS}
        self.views["before-after"].setToolTip("The photo as it came (its damage too) beside the result")
        self.views["wiper"].setToolTip("One image: the photo on the left, the result on the right")
        self.views["colour-layer"].setToolTip("The colour alone, to lay over the original in an editor's Color mode")
        self.views["repair-mask"].setToolTip("White where Repair damage mended the photo")
        self.views["repair-mask"].setEnabled(False)
        self.repair.toggled.connect(self.views["repair-mask"].setEnabled)
        vrow = QHBoxLayout()
        vrow.addWidget(QLabel("Also write"))
        for box in self.views.values():
            vrow.addWidget(box)
        vrow.addStretch(1)
        mf.addLayout(vrow)
        self.shot_note = QLabel()
        self.shot_note.setWordWrap(True)
        self.shot_note.hide()
        mf.addWidget(self.shot_note)

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
        for w in (in_box, out_box, model_box):
            ll.addWidget(w)
        ll.addStretch(1)
        scroll = side_panel(left, 340)

        # right: preview, progress, thumbnails, log
        self.results = BatchResults()
        self.preview, self.thumbs, self.log = self.results.preview, self.results.thumbs, self.results.log
        self.progress, self.rate = self.results.progress, self.results.rate
        self.results.open_out.clicked.connect(self._open_outdir)
        self.results.set_buttons(brow)
        right = self.results

        side_by_side(self, scroll, right, (380, 900))

        self.inputs.model().rowsInserted.connect(lambda *_: self._refresh_formats())
        self.inputs.model().rowsRemoved.connect(lambda *_: self._refresh_formats())
        self.inputs.model().rowsRemoved.connect(lambda *_: self._inputs_changed())
        self.inputs.model().rowsInserted.connect(lambda *_: self._inputs_changed())
        self._refresh_formats()
        self._refresh_hints()
        self._refresh_repair()
        self._set_running(False)

    # ------------------------------------------------------------------ configuration
    def model_name(self) -> str | None:
        return self.picker.model_name()

    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        self.picker.set_entries([e for e in entries if e.task == "colorize"], devices, model, device)
        self._detector = detector_key(entries)
        self._refresh_hints()
        self._refresh_repair()

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
        if not self.is_running():
            self.results.reset()   # the last run's preview and "40/40 finished" belong to other inputs
        if self._shot is not None and self.input_paths() != [self._shot[0]]:
            self._shot = None
            self.shot_note.hide()

    def set_hints_provider(self, fn: Callable[[], list]) -> None:
        """Where 'apply the colour hints' takes hints from (the Colorize tab's editor)."""
        self._hints_provider = fn

    def add_inputs(self, paths: list[str | Path]) -> None:
        """Add files/folders/a video; the first one suggests an output folder."""
        self.input_box.add(paths)

    def _suggest_outdir(self) -> None:
        """The output folder follows the first input while the user has not chosen one:
        outputs of clip B must not land in clip A's folder."""
        if not self.inputs.count():
            return
        if self.outdir.text() and self.outdir.text() != self._suggested_out:
            return  # the user's own choice stays
        first = self.input_paths()[0]
        base = first if first.is_dir() else first.parent
        self._suggested_out = str(base / (f"{first.stem}_colorized" if first.is_file() else "colorized"))
        self.outdir.setText(self._suggested_out)

    def input_paths(self) -> list[Path]:
        return self.input_box.paths()

    def clear_inputs(self) -> None:
        self.input_box.clear()

    def _forget_suggestion(self) -> None:
        if self.outdir.text() == self._suggested_out:
            self.outdir.clear()  # our suggestion for the old inputs: the next ones get their own

    def set_output_dir(self, path: str | Path) -> None:
        self.outdir.setText(str(path))

    def set_format(self, fmt: str) -> None:
        i = self.fmt.findText(fmt)
        if i < 0:
            raise ValueError(f"format {fmt!r} is not offered here")
        self.fmt.setCurrentIndex(i)

    def _is_video(self) -> bool:
        from colorstudio.core.io.formats import is_video_file

        paths = self.input_paths()
        return len(paths) == 1 and is_video_file(paths[0])

    def _refresh_formats(self) -> None:
        video = self._is_video()
        wanted = VIDEO_FORMATS if video else IMAGE_FORMATS
        if tuple(self.fmt.itemText(i) for i in range(self.fmt.count())) != wanted:
            cur = self.fmt.currentText()
            self.fmt.clear()
            self.fmt.addItems(wanted)
            if cur in wanted:
                self.fmt.setCurrentText(cur)
        self.smooth.setText("Reduce flicker" + (" (video)" if video else ""))

    def _refresh_hints(self) -> None:
        e = self.picker.entry()
        ok = bool(e and e.hints)
        self.use_hints.setEnabled(ok)
        if not ok:
            self.use_hints.setChecked(False)

    def _refresh_repair(self) -> None:
        """Repairing needs a trained damage detector; without one the box is off and says why."""
        ok = self._detector is not None
        self.repair.setEnabled(ok)
        self.repair.setToolTip(REPAIR_TIP if ok else NO_DETECTOR_TIP)
        if not ok:
            self.repair.setChecked(False)

    def repairing(self) -> bool:
        """Each photo's damage is mended before it is coloured."""
        return self.repair.isEnabled() and self.repair.isChecked()

    # ------------------------------------------------------------------ dialogs
    def _choose_outdir(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Output folder", dialog_folders.start_folder(
            "batch-output", current=self.outdir.text(), fallback=self.input_box.start_dir()))
        if d:
            dialog_folders.remember("batch-output", Path(d).parent)
            self.outdir.setText(d)

    def _open_outdir(self) -> None:
        if self.outdir.text():
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.outdir.text()))

    # ------------------------------------------------------------------ running
    def is_running(self) -> bool:
        return self._worker is not None

    def start(self) -> Worker | None:
        """Validate the form and start the batch in a worker (None when invalid)."""
        if self.is_running():
            return None
        paths = self.input_paths()
        problem = self._validate(paths)
        if problem:
            self.message.emit(problem, "warning")
            return None
        hints, frame_hints = [], None
        if self._shot is not None and paths == [self._shot[0]]:
            frame_hints = self._shot[1]          # the Shot tab's keyframes, carried to every frame
        elif self.use_hints.isChecked():
            hints = list(self._hints_provider())
            if not hints:
                self.message.emit("No colour hints are set in the Colorize tab; running without.", "info")
        self._cancel = threading.Event()
        self._last_event, self._paused = None, False
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.video_counts: dict[str, int] = {}
        self.thumbs.clear()
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.rate.setText("loading model…")
        self._log(f"— start: {len(paths)} input(s) → {self.outdir.text()}")
        smooth = self.smooth_strength.value() if self.smooth.isChecked() else 0.0
        w = Worker(batch_job, self.cache, self.picker.model_name(), self.picker.device(), paths,
                   Path(self.outdir.text()), self.fmt.currentText(), self.size.value(),
                   self.saturation.value() / 100.0, smooth, hints, self.overwrite.isChecked(), self._cancel,
                   frame_hints, self._detector if self.repairing() else None, self.denoise.value(),
                   self.extra_views())
        w.signals.progress.connect(self._on_progress)
        w.signals.error.connect(self._on_error)
        w.signals.finished.connect(self._on_finished)
        self._worker = w
        self._set_running(True)
        self.pool.start(w)
        self.runStarted.emit()
        return w

    def _validate(self, paths: list[Path]) -> str | None:
        from colorstudio.core.io.formats import is_video_file

        if not paths:
            return "Add frames, a folder or a video first."
        if any(is_video_file(p) for p in paths) and len(paths) > 1:
            return "Colorize one video at a time (or only image files and folders)."
        if not self.outdir.text().strip():
            return "Choose an output folder."
        if self.picker.model_name() is None:
            return "The models are still loading; try again in a moment."
        return self.output_problem(paths, self.outdir.text())

    @staticmethod
    def output_problem(paths: list[Path], outdir: str) -> str | None:
        """Why ``outdir`` cannot take the results of ``paths`` (the CLI's check), else None:
        one message before anything runs, not a failure per frame."""
        from colorstudio.core.batch.inputs import OutputFolderError, check_output_folder

        try:
            check_output_folder(Path(outdir), paths, create=True)
        except OutputFolderError as exc:
            return str(exc)[0].upper() + str(exc)[1:] + "."
        return None

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
        self.pause_button.setEnabled(running)
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
        elif kind == "problem":
            self._log(item[1])
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
        text = (f"{c['done']} done, {c['skipped']} skipped (already done), {c['failed']} failed")
        v = self.video_counts
        if v:
            text += "; video " + ", ".join(f"{'written' if k == 'done' else k}" for k in v)
        self._log(("— cancelled: " if cancelled else "— finished: ") + text)
        self.rate.setText(("cancelled · " if cancelled else "finished · ") + text)
        if cancelled:
            again = ("Start again to redo every frame (Overwrite is on; untick it to resume instead)."
                     if self.overwrite.isChecked() else "Start again to resume.")
            self.message.emit(f"Batch cancelled ({text}). {again}", "info")
        elif c["failed"]:
            self.message.emit(f"Batch finished with failures: {text}. See the log.", "warning")
        elif c["done"] or c["skipped"]:
            self.message.emit(f"Batch finished: {text}.", "info")
        self.runFinished.emit(c)

    # ------------------------------------------------------------------ settings
    def extra_views(self) -> tuple[str, ...]:
        """The views ticked under "Also write" (the damage mask only with the repair on)."""
        return tuple(k for k, box in self.views.items() if box.isChecked() and box.isEnabled())

    def save_settings(self, s: QSettings) -> None:
        s.setValue("batch/outdir", self.outdir.text())
        s.setValue("batch/denoise", self.denoise.value())
        s.setValue("batch/views", ",".join(k for k, box in self.views.items() if box.isChecked()))
        s.setValue("batch/format", self.fmt.currentText())
        s.setValue("batch/smooth", self.smooth.isChecked())
        s.setValue("batch/smooth_strength", self.smooth_strength.value())

    def restore_settings(self, s: QSettings) -> None:
        self.outdir.setText(str(s.value("batch/outdir", "") or ""))
        fmt = s.value("batch/format", "")
        if fmt and self.fmt.findText(str(fmt)) >= 0:
            self.fmt.setCurrentText(str(fmt))
        self.smooth.setChecked(str(s.value("batch/smooth", "false")).lower() == "true")
        self.denoise.set_value(str(s.value("batch/denoise", "off") or "off"))
        ticked = set(str(s.value("batch/views", "") or "").split(","))
        for key, box in self.views.items():
            box.setChecked(key in ticked)
        try:
            self.smooth_strength.setValue(float(s.value("batch/smooth_strength", DEFAULT_STRENGTH)))
        except (TypeError, ValueError):
            pass
