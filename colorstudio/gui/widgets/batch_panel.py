"""Batch mode for animators: many frames (files or folders) or a video, colorized.

Built on ``core.batch.colorize_files`` and ``core.frames.colorize_video`` (one engine for
the CLI and the window): each item arrives as a BatchEvent, drawn here as a progress
bar with count, frames/s and ETA, a thumbnail strip and a log of failures.  Outputs that
exist are skipped, so running again after a cancel (or a crash) resumes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QSize, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QProgressBar, QPushButton,
                               QScrollArea, QSizePolicy, QSpinBox, QSplitter, QToolButton,
                               QVBoxLayout, QWidget)

from colorstudio.core.messages import format_eta
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker
from colorstudio.gui.workers import Worker

IMAGE_FORMATS = ("png", "jpg", "tiff", "webp")
VIDEO_FORMATS = ("mp4", "avi")
THUMB_HEIGHT = 96
PREVIEW_HEIGHT = 480   # the worker decodes finished frames at this size (never the GUI thread)
MAX_THUMBS = 300


def _thumbnail(path: Path, height: int = PREVIEW_HEIGHT) -> QImage | None:
    """A finished frame at preview size (never larger than the frame itself)."""
    r = QImageReader(str(path))
    s = r.size()
    if s.isValid() and s.height() > height:
        r.setScaledSize(QSize(max(1, s.width() * height // s.height()), height))
    img = r.read()
    return None if img.isNull() else img


def batch_job(cache: PredictorCache, model: str, device: str, inputs: list[Path], outdir: Path,
              fmt: str, size: int, saturation: float, smooth: float, hints: list,
              overwrite: bool, cancel: threading.Event):
    """Generator run by a Worker: yields ('device', str), ('problem', str) and
    ('event', BatchEvent, QImage | None) tuples."""
    from colorstudio.core import batch, frames

    pred = cache.get(model, device)
    yield ("device", pred.device_name)
    opts = dict(size=size or None, saturation=saturation, smooth=smooth, hints=hints,
                overwrite=overwrite, cancel=cancel)
    if len(inputs) == 1 and frames.is_video_file(inputs[0]) and inputs[0].is_file():
        src = inputs[0]
        gen = frames.colorize_video(src, outdir / f"{src.stem}.{fmt}", pred, **opts)
    else:
        problems: list[str] = []
        files = batch.collect_inputs(inputs, problems)
        for p in problems:
            yield ("problem", p)
        if not files:
            raise ValueError("no image files to colorize in the chosen inputs")
        gen = batch.colorize_files(files, outdir, pred, fmt=fmt, **opts)
    try:
        for ev in gen:
            thumb = None
            if ev.status == "done" and ev.dst is not None and not frames.is_video_file(ev.dst):
                thumb = _thumbnail(ev.dst)  # decoded here, in the worker, never on the GUI thread
            yield ("event", ev, thumb)
    finally:
        gen.close()


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
        self._suggested_out = ""      # the output folder we proposed (follows the inputs until edited)
        self._last_event = None
        self._paused = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.counts = {"done": 0, "skipped": 0, "failed": 0}

        # inputs
        self.inputs = QListWidget()
        self.inputs.setToolTip("Image files, folders of frames, or one video file")
        self.inputs.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.inputs.setMinimumHeight(70)
        self.inputs.setMaximumHeight(130)
        add_files = self._button("Files…", "mdi6.file-image-plus", "Add image files", self._add_files)
        add_dir = self._button("Folder…", "mdi6.folder-plus", "Add a folder of frames", self._add_folder)
        add_video = self._button("Video…", "mdi6.video-plus", "Choose a video file", self._add_video)
        remove = self._button("", "mdi6.minus", "Remove the selected inputs", self._remove_selected)
        clear = self._button("", "mdi6.delete-sweep", "Remove all inputs", self.clear_inputs)
        row = QHBoxLayout()
        for b in (add_files, add_dir, add_video):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(remove)
        row.addWidget(clear)
        in_box = QGroupBox("Input frames or video")
        ib = QVBoxLayout(in_box)
        ib.addWidget(self.inputs)
        ib.addLayout(row)

        # output
        self.outdir = QLineEdit()
        self.outdir.setPlaceholderText("output folder")
        self.outdir.setToolTip("Colorized frames (and the video) are written here")
        browse = self._button("", "mdi6.folder-open", "Choose the output folder", self._choose_outdir)
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
        self.size = QSpinBox()
        self.size.setRange(0, 2048)
        self.size.setSingleStep(32)
        self.size.setSpecialValueText("model default")
        self.size.setSuffix(" px")
        self.size.setToolTip("Render size of the network (long side)")
        self.saturation = QDoubleSpinBox()
        self.saturation.setRange(0.0, 2.0)
        self.saturation.setSingleStep(0.1)
        self.saturation.setValue(1.0)
        self.saturation.setToolTip("Colour strength (1.0 = as predicted)")
        self.smooth = QCheckBox("Reduce flicker")
        self.smooth.setToolTip("Blend each frame's colours with the previous frame's, motion-compensated\n"
                               "with optical flow (for frames of one shot, in order)")
        self.smooth_strength = QDoubleSpinBox()
        self.smooth_strength.setRange(0.05, 0.95)
        self.smooth_strength.setSingleStep(0.05)
        self.smooth_strength.setValue(0.5)
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
        form.addRow("Render size", self.size)
        form.addRow("Saturation", self.saturation)
        form.addRow("Temporal", srow)
        mf.addLayout(form)
        mf.addWidget(self.use_hints)

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
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)

        # right: preview, progress, thumbnails, log
        self.preview = QLabel("Finished frames appear here")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(200, 150)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._preview_image: QImage | None = None
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)  # no "0 / 100" before there is anything to count
        self.rate = QLabel("idle")
        self.open_out = QToolButton()
        self.open_out.setIcon(icon("mdi6.folder-eye"))
        self.open_out.setToolTip("Open the output folder")
        self.open_out.clicked.connect(self._open_outdir)
        prow = QHBoxLayout()
        prow.addLayout(brow)
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.open_out)
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.LeftToRight)
        self.thumbs.setWrapping(False)
        self.thumbs.setIconSize(QSize(THUMB_HEIGHT * 16 // 9, THUMB_HEIGHT))
        self.thumbs.setFixedHeight(THUMB_HEIGHT + 46)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setToolTip("Finished frames (newest on the right); click one to preview it")
        self.thumbs.currentItemChanged.connect(self._thumb_selected)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(1000)
        self.log.setPlaceholderText("Skipped and failed items are listed here")
        self.log.setMaximumHeight(110)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.preview, 1)
        rl.addLayout(prow)
        rl.addWidget(self.rate)
        rl.addWidget(self.thumbs)
        rl.addWidget(self.log)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 900])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self.inputs.model().rowsInserted.connect(lambda *_: self._refresh_formats())
        self.inputs.model().rowsRemoved.connect(lambda *_: self._refresh_formats())
        self._refresh_formats()
        self._refresh_hints()
        self._set_running(False)

    def _button(self, text: str, ic: str, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setIcon(icon(ic))
        b.setToolTip(tip)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text
                             else Qt.ToolButtonStyle.ToolButtonIconOnly)
        b.clicked.connect(slot)
        return b

    # ------------------------------------------------------------------ configuration
    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        self.picker.set_entries([e for e in entries if e.task == "colorize"], devices, model, device)
        self._refresh_hints()

    def set_hints_provider(self, fn: Callable[[], list]) -> None:
        """Where 'apply the colour hints' takes hints from (the Colorize tab's editor)."""
        self._hints_provider = fn

    def add_inputs(self, paths: list[str | Path]) -> None:
        """Add files/folders/a video; the first one suggests an output folder."""
        existing = set(self.input_paths())
        for p in map(Path, paths):
            if p not in existing:
                it = QListWidgetItem(icon(self._kind_icon(p)), str(p))
                it.setData(Qt.ItemDataRole.UserRole, str(p))
                it.setToolTip(str(p))
                self.inputs.addItem(it)
                existing.add(p)
        self._suggest_outdir()

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
        return [Path(self.inputs.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.inputs.count())]

    def clear_inputs(self) -> None:
        self.inputs.clear()
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
        from colorstudio.core.frames import is_video_file

        paths = self.input_paths()
        return len(paths) == 1 and is_video_file(paths[0])

    @staticmethod
    def _kind_icon(p: Path) -> str:
        from colorstudio.core.frames import is_video_file

        return "mdi6.folder" if p.is_dir() else "mdi6.video" if is_video_file(p) else "mdi6.file-image"

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

    # ------------------------------------------------------------------ dialogs
    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add frames", self._start_dir(),
                                                "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)")
        if files:
            self.add_inputs(files)

    def _add_folder(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Add a folder of frames", self._start_dir())
        if d:
            self.add_inputs([d])

    def _add_video(self) -> None:
        f, _ = QFileDialog.getOpenFileName(self, "Choose a video", self._start_dir(),
                                           "Videos (*.mp4 *.m4v *.mov *.avi *.mkv *.webm *.mpg *.mpeg *.wmv)")
        if f:
            self.clear_inputs()
            self.add_inputs([f])

    def _choose_outdir(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Output folder", self.outdir.text() or self._start_dir())
        if d:
            self.outdir.setText(d)

    def _start_dir(self) -> str:
        paths = self.input_paths()
        return str(paths[-1].parent) if paths else ""

    def _remove_selected(self) -> None:
        for it in self.inputs.selectedItems():
            self.inputs.takeItem(self.inputs.row(it))

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
        hints = []
        if self.use_hints.isChecked():
            hints = list(self._hints_provider())
            if not hints:
                self.message.emit("No colour hints are set in the Colorize tab; running without.", "info")
        self._cancel = threading.Event()
        self._last_event, self._paused = None, False
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.thumbs.clear()
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.rate.setText("loading model…")
        self.log.appendPlainText(f"— start: {len(paths)} input(s) → {self.outdir.text()}")
        smooth = self.smooth_strength.value() if self.smooth.isChecked() else 0.0
        w = Worker(batch_job, self.cache, self.picker.model_name(), self.picker.device(), paths,
                   Path(self.outdir.text()), self.fmt.currentText(), self.size.value(),
                   self.saturation.value(), smooth, hints, self.overwrite.isChecked(), self._cancel)
        w.signals.progress.connect(self._on_progress)
        w.signals.error.connect(self._on_error)
        w.signals.finished.connect(self._on_finished)
        self._worker = w
        self._set_running(True)
        self.pool.start(w)
        self.runStarted.emit()
        return w

    def _validate(self, paths: list[Path]) -> str | None:
        from colorstudio.core.frames import is_video_file

        if not paths:
            return "Add frames, a folder or a video first."
        if any(is_video_file(p) for p in paths) and len(paths) > 1:
            return "Colorize one video at a time (or only image files and folders)."
        if not self.outdir.text().strip():
            return "Choose an output folder."
        if self.picker.model_name() is None:
            return "The models are still loading; try again in a moment."
        out = Path(self.outdir.text()).expanduser()
        if out.exists() and not out.is_dir():
            return f"{out} is a file, not a folder."
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
            self.log.appendPlainText(item[1])
        elif kind == "event":
            self._on_event(item[1], item[2])

    def _on_event(self, ev, thumb: QImage | None) -> None:
        self.counts[ev.status] = self.counts.get(ev.status, 0) + 1
        self.progress.setRange(0, max(1, ev.total))
        self.progress.setValue(min(ev.done_count, ev.total))
        self._last_event = ev
        self._show_rate()
        name = ev.dst.name if ev.dst is not None else ev.src.name
        if ev.status == "failed":
            self.log.appendPlainText(f"failed: {name}: {ev.error}")
        elif ev.status == "skipped" and ev.dst is not None:
            self.log.appendPlainText(f"skipped (exists): {ev.dst.name}")
        elif ev.status == "done" and ev.dst is not None and ev.dst.suffix.lower() in (".mp4", ".avi"):
            self.log.appendPlainText(f"video written: {ev.dst}")
        if ev.note:
            self.message.emit(f"Device fallback: {ev.note}", "warning")
        if thumb is not None:
            small = thumb.scaledToHeight(THUMB_HEIGHT, Qt.TransformationMode.SmoothTransformation)
            it = QListWidgetItem(QIcon(QPixmap.fromImage(small)), ev.dst.name)
            it.setData(Qt.ItemDataRole.UserRole, str(ev.dst))
            it.setToolTip(str(ev.dst))
            self.thumbs.addItem(it)
            while self.thumbs.count() > MAX_THUMBS:
                self.thumbs.takeItem(0)
            self.thumbs.scrollToItem(it)
            self._show_preview(thumb)
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

    def _thumb_selected(self, cur: QListWidgetItem | None, _prev=None) -> None:
        if cur is not None:
            img = _thumbnail(Path(cur.data(Qt.ItemDataRole.UserRole)))
            if img is not None:
                self._show_preview(img)

    def _show_preview(self, img: QImage) -> None:
        self._preview_image = img
        self._scale_preview()

    def _scale_preview(self) -> None:
        if self._preview_image is not None and not self._preview_image.isNull():
            pm = QPixmap.fromImage(self._preview_image).scaled(
                self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            self.preview.setPixmap(pm)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._scale_preview()

    def _on_error(self, msg: str) -> None:
        self.log.appendPlainText(f"error: {msg}")
        self.message.emit(f"Batch failed: {msg}", "error")

    def _on_finished(self) -> None:
        cancelled = self._cancel.is_set()
        self._worker = None
        self._set_running(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        c = dict(self.counts, cancelled=cancelled)
        text = (f"{c['done']} done, {c['skipped']} skipped (already there), {c['failed']} failed")
        self.log.appendPlainText(("— cancelled: " if cancelled else "— finished: ") + text)
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
    def save_settings(self, s: QSettings) -> None:
        s.setValue("batch/outdir", self.outdir.text())
        s.setValue("batch/format", self.fmt.currentText())
        s.setValue("batch/smooth", self.smooth.isChecked())
        s.setValue("batch/smooth_strength", self.smooth_strength.value())

    def restore_settings(self, s: QSettings) -> None:
        self.outdir.setText(str(s.value("batch/outdir", "") or ""))
        fmt = s.value("batch/format", "")
        if fmt and self.fmt.findText(str(fmt)) >= 0:
            self.fmt.setCurrentText(str(fmt))
        self.smooth.setChecked(str(s.value("batch/smooth", "false")).lower() == "true")
        try:
            self.smooth_strength.setValue(float(s.value("batch/smooth_strength", 0.5)))
        except (TypeError, ValueError):
            pass
