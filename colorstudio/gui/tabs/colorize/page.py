"""The single-image mode: open a photo, colorize it, adjust, add hints, export.

Composition of the compare view, model picker, controls and hints editor, plus the
little state machine around them.  All heavy work -- reading, loading a model, the
network, full-resolution composing, display conversion, writing -- runs in workers;
interactive edits go through one :class:`LatestRunner`, so a newer request supersedes
an older one and only the newest result is shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from colorstudio.gui.tabs.colorize.jobs import (CompareFinished, LoadedModel, OpenedImage, RepairRequest, RunOutput,
                                           compose_job, describe_image, load_job, read_job, read_mask_job,
                                           forget_mask_job, forget_network, run_job, suggest_job, Suggested,
                                           wrap_job, write_mask_job,
                                           write_view_job)
from colorstudio.gui.predictors import PredictorCache, detector_key
from colorstudio.gui.theme import icon
from colorstudio.gui.tabs.colorize.controls import ColorizeControls
from colorstudio.gui.tabs.colorize.compare_mode import CompareRuns
from colorstudio.gui.tabs.colorize.damage_mask import OVERLAY_LAYER, DamageMask, MaskBrush
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.hints_editor import HintsEditor
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.tabs.colorize.model_checklist import ModelChecklist
from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker
from colorstudio.gui.workers import LatestRunner, Worker, run_kept, start

REPAIR_DEBOUNCE_MS = 300   # a mask edit mends again once the hand rests this long
GRAY_RGB = (40, 140, 255)   # the gray brush's tint on the input: blue, unlike the damage mask's red
GRAY_LAYER = "gray"         # its canvas overlay layer

# ------------------------------------------------------------------ empty state

class EmptyState(QWidget):
    """What the view shows before any image: how to open one, and the samples."""

    openRequested = Signal()
    sampleRequested = Signal(Path)

    def __init__(self, samples: list[Path], parent: QWidget | None = None):
        super().__init__(parent)
        title = QLabel("Open a black-and-white photo to colorize it")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        title.setFont(f)
        hint = QLabel("Ctrl+O, File ▸ Open, or drop an image file anywhere on the window.")
        open_button = QPushButton(icon("mdi6.folder-open"), "Open image…")
        open_button.setToolTip("Open an image file (Ctrl+O)")
        open_button.clicked.connect(self.openRequested)
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        for w in (title, hint):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(open_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.sample_buttons: list[QToolButton] = []
        if samples:
            lab = QLabel("… or try a sample:")
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addSpacing(12)
            lay.addWidget(lab)
            srow = QHBoxLayout()
            srow.addStretch(1)
            for p in samples:
                b = QToolButton()
                b.setText(p.stem.replace("_", " "))
                b.setToolTip(f"Open the sample {p.name}")
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
                b.setIconSize(QSize(96, 96))
                b.setAutoRaise(True)
                b.clicked.connect(lambda _=False, p=p: self.sampleRequested.emit(p))
                srow.addWidget(b)
                self.sample_buttons.append(b)
            srow.addStretch(1)
            lay.addLayout(srow)
            QTimer.singleShot(0, lambda: self._thumbnails(samples))
        lay.addStretch(3)

    def _thumbnails(self, samples: list[Path]) -> None:
        for b, p in zip(self.sample_buttons, samples):
            r = QImageReader(str(p))
            s = r.size()
            if s.isValid() and s.width() > 0:
                r.setScaledSize(s.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio))
            img = r.read()
            if not img.isNull():
                b.setIcon(QIcon(QPixmap.fromImage(img)))


# ------------------------------------------------------------------ the page

class ColorizePage(QWidget):
    """Single-image colorization; see the module docstring."""

    imageOpened = Signal(str)      # a file was opened (for recent files)
    resultReady = Signal(object)   # RunOutput
    message = Signal(str, str)     # text, level ('info' | 'warning' | 'error')
    messageCleared = Signal()   # what this page said last no longer holds
    statusChanged = Signal(dict)   # size / model / device / time
    busyChanged = Signal(bool)
    openRequested = Signal()       # the empty view's "Open…" (the window owns the file dialog)
    viewModeChanged = Signal(str)  # the compare view's mode (CompareView.SIDE_BY_SIDE / WIPER)

    def __init__(self, cache: PredictorCache | None = None, samples: list[Path] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.cache = cache or PredictorCache()
        self.image: np.ndarray | None = None
        self.path: Path | None = None
        self.output: RunOutput | None = None
        self.network_runs = 0          # delivered network results (tests, diagnostics)
        self._token = 0
        self._awaiting_run = False      # a network run is queued/running for this image
        self._warned_untrained: set[str] = set()
        self._status: dict[str, str] = {}
        self._detector: str | None = None   # the restore model "Repair damage" uses (detector_key)

        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.error.connect(self._on_error)
        self.runner.busy.connect(self._on_busy)
        self.io = LatestRunner(self)    # opening files: newest wins as well
        self.io.result.connect(self._on_opened)
        self.io.error.connect(lambda msg: self.message.emit(f"Cannot open the image: {msg}", "error"))
        self._writers: list[Worker] = []

        # widgets
        self.compare = CompareView()
        self.compare.modeChanged.connect(self.viewModeChanged)
        if samples is None:
            from colorstudio.paths import sample_images

            samples = sample_images(black_and_white=True)   # the colour originals: File ▸ Samples
        self.empty = EmptyState(samples)
        self.empty.sampleRequested.connect(self.open_path)
        self.empty.openRequested.connect(self.openRequested)
        self.compare.set_placeholder(self.empty)
        self.picker = ModelPicker()
        self.controls = ColorizeControls()
        self.hints_editor = HintsEditor()
        self.checklist = ModelChecklist()
        # The damage mask's edits share the hints' undo stack: Ctrl+Z undoes either, in order.
        self.damage = DamageMask(self.hints_editor.model.undo_stack, self)
        self.brush = MaskBrush(self.damage, lambda: None if self.image is None else self.image.shape[:2],
                               self.controls.brush_diameter)
        # The gray brush: where the user erased the colour (issue 35), on the same undo stack.
        self.gray = DamageMask(self.hints_editor.model.undo_stack, self, rgb=GRAY_RGB, noun="the gray mask")
        self.gray_brush = MaskBrush(self.gray, lambda: None if self.image is None else self.image.shape[:2],
                                    self.controls.gray_diameter)
        self._repair_timer = QTimer(self)
        self._repair_timer.setSingleShot(True)
        self._repair_timer.setInterval(REPAIR_DEBOUNCE_MS)
        self._repair_timer.timeout.connect(self._mend_again)
        self.run_button = QPushButton(icon("mdi6.refresh"), "Run again")
        self.run_button.setToolTip("Run the network again (F5)")
        self.run_button.clicked.connect(self.rerun)

        side = QWidget()
        sl = QVBoxLayout(side)
        for title, w in (("Network", self.picker), ("Compare", self.checklist),
                         ("Adjust", self.controls), ("Colour hints", self.hints_editor)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(w)
            sl.addWidget(box)
        sl.addWidget(self.run_button)
        sl.addStretch(1)
        scroll = self.side = side_panel(side, 260)

        self.splitter = side_by_side(self, scroll, self.compare, (310, 1000))

        # reactions
        self.picker.modelChanged.connect(self._on_model)
        self.picker.deviceChanged.connect(lambda _d: self._preload_or_run())
        self.controls.renderSizeChanged.connect(lambda _s: self.rerun())
        self.controls.denoiseChanged.connect(lambda _d: self.rerun())
        self.controls.saturationChanged.connect(self._on_saturation)
        self.controls.balanceChanged.connect(lambda _t, _u: self._on_saturation())
        self.hints_editor.balance_provider = self.controls.balance
        self.hints_editor.balanceLoaded.connect(self.controls.set_balance)
        self.controls.guessingChanged.connect(self._on_guessing)
        self.controls.repairChanged.connect(self._on_repair)
        self.controls.maskShownChanged.connect(lambda _on: self._show_mask())
        self.controls.brushToggled.connect(self._on_brush)
        self.damage.changed.connect(self._on_mask_changed)
        self.damage.edited.connect(self._repair_timer.start)
        self.controls.grayBrushToggled.connect(self._on_gray_brush)
        self.suggester = LatestRunner(self)   # the palette's likely colours, beside the colour runs
        self.suggester.result.connect(self._on_suggested)
        self.suggester.error.connect(lambda m: self.hints_editor.set_suggestions([], f"No suggested colours: {m}"))
        self.hints_editor.suggestRequested.connect(self._suggest)
        self.controls.gray_clear.clicked.connect(self._clear_gray)
        self.gray.changed.connect(self._show_gray)
        self.gray.edited.connect(self._on_saturation)   # re-compose with the new mask: no network run
        self.hints_editor.savedTo.connect(self.save_mask_beside)
        self.hints_editor.loadedFrom.connect(self.load_mask_beside)
        self.hints_editor.hintsChanged.connect(self._on_hints)
        self.hints_editor.reachChanged.connect(lambda _r: self.hints_editor.hints() and self.rerun())
        self.hints_editor.model.changed.connect(self.compare.left.update)
        self.hints_editor.model.selectionChanged.connect(lambda *_: self.compare.left.update())
        self.hints_editor.eyedropperToggled.connect(self._on_eyedropper)
        self.hints_editor.referenceRequested.connect(self.hints_from_reference)
        self.compare.zoomChanged.connect(self._emit_status)
        self.compare_runs = CompareRuns(self.picker, self.checklist, self.controls, self.compare, self.runner,
                                        self.cache, lambda: self._token, self)
        self.compare_runs.message.connect(self.message)
        self.compare_runs.messageCleared.connect(self.messageCleared)
        self.compare_runs.toggled.connect(self._on_compare_toggled)
        self.compare_runs.modelsChanged.connect(self.rerun)
        self.compare_runs.gridResult.connect(self._count_grid_result)
        self.compare_runs.picked.connect(self._compare_picked)
        self.picker.weightsLoaded.connect(self._weights_opened)
        self.picker.weightsFailed.connect(lambda m: self.message.emit(f"Cannot use these weights: {m}", "error"))

    # ------------------------------------------------------------------ registry
    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        """Fill the model picker (colorize models only) and load the chosen model."""
        mine = [e for e in entries if e.task == "colorize"]
        self.picker.set_entries(mine, devices, model, device)
        self.checklist.set_entries(mine)
        self._detector = detector_key(entries)
        self.controls.set_repair_available(self._detector is not None)
        self._apply_model_traits()
        self._preload_or_run()

    def model_name(self) -> str | None:
        return self.picker.model_name()

    def device(self) -> str:
        return self.picker.device()

    def opened_entries(self) -> list[ModelEntry]:
        """Models the user opened from files (Weights…): they stay when the lists refresh."""
        return [e for e in self.picker.entries() if e.origin == "file"]

    def preload(self) -> Worker | None:
        """Load the picked model (weights, export) in the background before any photo is open."""
        if not self.model_name():
            return None
        w = Worker(self.cache.preload, self.model_name(), self.device())
        start(w, QThreadPool.globalInstance())
        return w

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def save_settings(self, s) -> None:
        if self.model_name():
            s.setValue("model/name", self.model_name())
            s.setValue("model/device", self.device())
        s.setValue("colorize/render_size", self.controls.render_size())
        s.setValue("colorize/saturation", self.controls.saturation())
        s.setValue("colorize/balance", list(self.controls.balance()))

    def restore_settings(self, s) -> None:
        try:
            self.controls.set_render_size(int(s.value("colorize/render_size", 0)))
            self.controls.set_saturation(float(s.value("colorize/saturation", 1.0)))
            t, u = (s.value("colorize/balance") or [0, 0])[:2]
            self.controls.set_balance(float(t), float(u))
        except (TypeError, ValueError):
            pass

    # ------------------------------------------------------------------ opening
    def open_path(self, path: str | Path) -> None:
        """Read ``path`` in a worker; errors arrive as a message, never a dialog."""
        self._token += 1
        self.io.submit(read_job, Path(path), self._token)

    def set_image(self, image: np.ndarray, name: str = "pasted image") -> None:
        """Show an in-memory image (paste, tests) as if it was opened."""
        self._token += 1
        self.io.submit(wrap_job, image, name, self._token)

    def _on_opened(self, opened: OpenedImage) -> None:
        if opened.token != self._token:
            return
        self.image, self.path = opened.image, opened.path
        self.output = None
        self.compare.left.caption = "input (its colours ignored)" if opened.colour else "input"
        self.compare.set_input(opened.display)
        self.compare.set_output(None)
        self.compare.fit()
        self.hints_editor.model.reset()
        self._repair_timer.stop()
        self.damage.reset()
        self.gray.reset()
        self._status.update(size=describe_image(opened.image), time="")
        self._emit_status()
        if opened.path is not None:
            self.imageOpened.emit(str(opened.path))
        self.rerun()

    # ------------------------------------------------------------------ running
    def run_again(self) -> None:
        """The user's "Run again": the network runs afresh (not its kept answer)."""
        forget_network()
        self.rerun()

    def rerun(self) -> None:
        """Colour the current image with the current settings (newest request wins); a hint
        edit reuses the network's answer for this image (``pipeline.NetworkMemo``)."""
        name = self.model_name()
        if self.image is None or name is None:
            return
        try:
            hints = self.hints_editor.hints()
        except Exception as exc:  # noqa: BLE001
            self.message.emit(f"Hints ignored: {exc}", "warning")
            hints = []
        self._awaiting_run = True
        if self.comparing():
            if not self.compare_runs.submit(self.image, hints, self.hints_editor.reach(), self._repair_request(),
                                            self.gray_mask()):
                self._awaiting_run = False
            return
        self.runner.submit(run_job, self.cache, name, self.picker.device(), self.image,
                           self.controls.render_size(), self.controls.look(), hints, self._token,
                           self.controls.denoise(), self.hints_editor.reach(), self.controls.guessing(),
                           self._repair_request(), self.gray_mask())

    def _repair_request(self) -> RepairRequest | None:
        """What "Repair damage" asks of a run: the user's own mask once edited, else the detector's."""
        if not self.controls.repairing():
            return None
        return RepairRequest(self._detector, self.damage.user_mask())

    # ------------------------------------------------------------------ compare mode
    def comparing(self) -> bool:
        """The compare grid is shown: runs go to every ticked model."""
        return self.compare_runs.comparing()

    def compared(self) -> dict[str, RunOutput]:
        """The compare grid's results on the open photo, by model key."""
        return self.compare_runs.results()

    def _on_compare_toggled(self, on: bool) -> None:
        if on:
            self.rerun()
            return
        if self._awaiting_run:
            self.runner.cancel()
        self._awaiting_run = False
        if self.output is None or self.output.model != self.model_name():
            self.rerun()

    def _count_grid_result(self, _key: str) -> None:
        self.network_runs += 1

    def _compare_picked(self, key: str, out: RunOutput) -> None:
        self._apply_model_traits()
        self.output = out
        self.compare.set_output(out.display)
        self.compare.set_overlay(None)   # a tile of the grid: its own model's guesses are not known
        label = self.picker.entry(key).label
        self._status.update(model=label, device=out.device, time=f"{out.seconds:.2f} s")
        self._emit_status()
        self.message.emit(f"{label} is now the result: export it with Ctrl+S.", "info")
        self.resultReady.emit(out)

    def cancel(self) -> None:
        """Drop the running and queued requests (the current result stays)."""
        self.runner.cancel()
        self._awaiting_run = False

    def _preload_or_run(self) -> None:
        name = self.model_name()
        if name is None:
            return
        if self.image is not None:
            self.rerun()
        else:
            self.runner.submit(load_job, self.cache, name, self.picker.device())

    def _on_saturation(self, _value: float | None = None) -> None:
        """Saturation or colour balance moved: re-compose (no network run)."""
        if self.image is None:
            return
        if self.output is None or self._awaiting_run or self.comparing():
            self.rerun()  # the queued run will use the new saturation
            return
        out = self.output
        self.runner.submit(compose_job, out.colorized, self.image, self.controls.look(), out.model, out.device,
                           self._token, self.gray_mask())

    def _on_hints(self) -> None:
        if self.hints_editor.isEnabled():
            self.rerun()

    def hints(self) -> list:
        """The colour hints placed on the open photo (pipeline hints)."""
        return self.hints_editor.hints()

    def _on_result(self, out: LoadedModel | RunOutput | CompareFinished) -> None:
        """The runner's results, by kind (the jobs return exactly these three)."""
        {LoadedModel: self._model_loaded, RunOutput: self._run_done,
         CompareFinished: self._compare_finished}[type(out)](out)

    def _compare_finished(self, _out: CompareFinished) -> None:
        self._awaiting_run = False

    def _model_loaded(self, out: LoadedModel) -> None:
        self.picker.set_in_use(out.device)
        self._status.update(model=self._label(out.model), device=out.device)
        self._emit_status()

    def _run_done(self, out: RunOutput) -> None:
        if out.token != self._token:
            return  # belongs to an image no longer shown
        if out.kind == "run":
            self.network_runs += 1
            self._awaiting_run = False
        self.output = out
        self.compare.set_output(out.display)
        if out.kind == "run":   # a re-compose (saturation) keeps the overlay of its run
            self.compare.set_overlay(out.guess if self.controls.guessing() else None)
            if out.colorized.repair is not None:
                self.damage.set_detected(out.colorized.repair.mask)   # kept unless the user's own is
            self.hints_editor.set_reach_map(getattr(out.colorized, "hint_weights", None))
        self.picker.set_in_use(out.device)
        t = out.timings
        detail = " + ".join(f"{k} {v:.2f}" for k, v in t.items() if k != "total")
        self._status.update(model=self._label(out.model), device=out.device,
                            time=f"{out.seconds:.2f} s" + (f" ({detail})" if detail else ""))
        self._emit_status()
        note = getattr(out.colorized, "note", None)
        if note:
            self.message.emit(f"Device fallback: {note}", "warning")
        entry = self.picker.entry(out.model)
        if out.kind == "run" and entry is not None and entry.trained and not note:
            self.messageCleared.emit()  # e.g. an untrained model's warning no longer applies
        if out.kind == "run" and entry is not None and not entry.trained \
                and out.model not in self._warned_untrained:
            self._warned_untrained.add(out.model)
            self.message.emit(f"{self._label(out.model)} has no trained weights yet: its colours are random. "
                              "Train it in the Train tab or pick a trained model.", "warning")
        self.resultReady.emit(out)

    def _on_guessing(self, on: bool) -> None:
        if not on:
            self.compare.set_overlay(None)
        elif self.output is not None:
            self.rerun()

    def _on_error(self, msg: str) -> None:
        self._awaiting_run = False
        self.message.emit(f"Colorizing failed: {msg}", "error")

    def _on_busy(self, busy: bool) -> None:
        self.compare.set_busy("colorizing…" if busy else "")
        self.busyChanged.emit(busy)

    def _label(self, key: str) -> str:
        e = self.picker.entry(key)
        return e.label if e is not None else key

    # ------------------------------------------------------------------ reference photo
    def hints_from_reference(self, path: str) -> Worker | None:
        """Hints for the open photo from a colour reference (read and matched in a worker)."""
        if self.image is None:
            self.message.emit("Open a photo first: the reference's colours go onto it.", "warning")
            return None
        from colorstudio.gui.reference_jobs import reference_job

        return run_kept(self._writers, reference_job, self.image, Path(path),
                        on_result=self._reference_ready, on_error=self._reference_failed)

    def _reference_failed(self, msg: str) -> None:
        self.message.emit(f"No hints from the reference: {msg}", "error")

    def _reference_ready(self, res) -> None:
        from colorstudio.gui.reference_jobs import no_reference_hints

        if not res.points:
            self.message.emit(no_reference_hints(res, "photo"), "warning")
            return
        self.hints_editor.model.replace_all(res.points)     # one undoable edit; the hints stay editable
        self.message.emit(res.summary() + ".", "info")

    # ------------------------------------------------------------------ own weights
    def _weights_opened(self, entry: ModelEntry) -> None:
        self.picker.add_entry(entry, select=True)
        self.checklist.set_entries(self.picker.entries())
        self.message.emit(f"Loaded {entry.label}: it is in the model list now.", "info")

    # ------------------------------------------------------------------ model traits
    def _on_model(self, _name: str) -> None:
        self._apply_model_traits()
        self._preload_or_run()
        self.hints_editor.refresh_suggestions()   # another model: other likely colours

    def _apply_model_traits(self) -> None:
        e = self.picker.entry()
        if e is None:
            return
        self.controls.set_fixed_size(e.input_size if e.fixed_size else None)
        self.hints_editor.set_available(e.hints, "" if e.hints else "This model does not follow colour hints.")
        self.compare.left.set_tool(self._input_tool())
        if not e.hints:
            self._on_eyedropper(False)
        self._status["model"] = e.label
        self._emit_status()

    def _input_tool(self):
        """The input canvas's tool: the mask brush while it is armed, else the hints' (when the
        model takes hints)."""
        if self.controls.brushing():
            return self.brush
        if self.controls.gray_brushing():
            return self.gray_brush
        e = self.picker.entry()
        return self.hints_editor.tool if e is not None and e.hints else None

    # ------------------------------------------------------------------ repair
    def repair_mask(self) -> np.ndarray | None:
        """The open photo's damage mask (H, W) bool at full resolution: the detector's, or the
        user's own once edited; None before any."""
        return self.damage.mask

    def _on_repair(self, on: bool) -> None:
        self.compare.left.set_tool(self._input_tool())
        self._show_mask()
        if self.image is not None:
            self.rerun()

    def _on_brush(self, on: bool) -> None:
        if on:
            self.compare.set_mode(CompareView.SIDE)   # the brush paints on the input of side by side
            self.controls.mask_box.setChecked(True)   # painting blind helps no one
        self.compare.left.set_tool(self._input_tool())

    def _suggest(self, x: float, y: float) -> None:
        name = self.model_name()
        if self.image is None or name is None:
            return
        self.suggester.submit(suggest_job, self.cache, name, self.picker.device(), self.image,
                              self.controls.render_size(), self.controls.denoise(), (x, y), self._token)

    def _on_suggested(self, out: Suggested) -> None:
        if out.token == self._token and out.point == self.hints_editor.suggesting_for():
            self.hints_editor.set_suggestions(out.swatches, out.note)

    def _on_gray_brush(self, on: bool) -> None:
        if on:
            self.compare.set_mode(CompareView.SIDE)   # the brush paints on the input of side by side
        self.compare.left.set_tool(self._input_tool())
        self._show_gray()

    def _show_gray(self) -> None:
        """The gray mask tinted over the input while its brush is out (the result shows it anyway)."""
        shown = self.controls.gray_brushing() and self.gray.mask is not None
        self.compare.set_overlay(self.gray.overlay() if shown else None, GRAY_LAYER)

    def gray_mask(self) -> np.ndarray | None:
        """Where the user erased the colour, (H, W) bool (a copy: strokes go on meanwhile), or None."""
        m = self.gray.mask
        return None if m is None or not m.any() else m.copy()

    def _clear_gray(self) -> None:
        if self.gray.mask is not None and self.gray.mask.any():
            self.gray.load(np.zeros_like(self.gray.mask), "give the colour back")

    def _show_mask(self) -> None:
        shown = self.controls.mask_shown()
        self.compare.set_overlay(self.damage.overlay() if shown else None, OVERLAY_LAYER)

    def _on_mask_changed(self) -> None:
        self.hints_editor.set_more_to_save(self.damage.mask is not None)
        if self.controls.mask_shown():
            self._show_mask()

    def _mend_again(self) -> None:
        """A hand edit of the mask has rested: mend and colour again with it (in the worker)."""
        if self.controls.repairing() and self.image is not None:
            self.rerun()

    def save_mask_beside(self, hints_path: str) -> Worker | None:
        """The hints were saved to ``hints_path``: the damage mask goes beside them
        (``core.restore.maskfile``), written in a worker; hints without a mask forget an
        older mask file beside them (it would come back with them on the next load)."""
        if self.damage.mask is None:
            return run_kept(self._writers, forget_mask_job, Path(hints_path), on_result=self._mask_forgotten,
                            on_error=self._mask_save_failed, writes=True)
        return run_kept(self._writers, write_mask_job, Path(hints_path), self.damage.mask.copy(),
                        on_result=self._mask_saved, on_error=self._mask_save_failed, writes=True)

    def _mask_forgotten(self, path: Path | None) -> None:
        if path is not None:
            self.message.emit(f"These hints have no damage mask: the older {path.name} beside them was removed",
                              "info")

    def _mask_saved(self, path: Path) -> None:
        self.message.emit(f"Saved the damage mask beside the hints: {path.name}", "info")

    def _mask_save_failed(self, msg: str) -> None:
        self.message.emit(f"Cannot save the damage mask: {msg}", "error")

    def load_mask_beside(self, hints_path: str) -> Worker | None:
        """The hints were loaded from ``hints_path``: a damage mask saved with them replaces
        the current one (one undoable edit).  One of another size, or unreadable, is a
        one-line message, and the current mask stays."""
        if self.image is None:
            return None
        return run_kept(self._writers, read_mask_job, Path(hints_path), self.image.shape[:2], self._token,
                        on_result=self._mask_loaded, on_error=self._mask_load_failed)

    def _mask_loaded(self, result) -> None:
        path, mask, token = result
        if mask is None or token != self._token or self.image is None:
            return   # none saved with these hints, or another photo is open now
        self.damage.load(mask)
        note = "" if self.controls.repairing() else " (tick Repair damage to mend with it)"
        self.message.emit(f"Loaded the damage mask {path.name}{note}.", "info")

    def _mask_load_failed(self, msg: str) -> None:
        self.message.emit(f"Damage mask not loaded: {msg}", "warning")

    def _on_eyedropper(self, on: bool) -> None:
        if on:
            self.compare.set_mode(CompareView.SIDE)
        self.compare.right.set_tool(self.hints_editor.eyedropper if on else None)

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, str]:
        s = dict(self._status)
        if self.image is not None:
            s["zoom"] = f"{self.compare.zoom_percent():.0f}%"
        return s

    def _emit_status(self) -> None:
        self.statusChanged.emit(self.status())

    # ------------------------------------------------------------------ output
    def has_result(self) -> bool:
        return self.output is not None

    def export(self, path: str | Path, view: str = "result", note: str = "") -> Worker | None:
        """Write the full-resolution result -- or a view of it (``core.colorize.views``: before-after,
        wiper at the divider's place, colour-layer) -- in a worker; format from the suffix."""
        if self.output is None or self.image is None:
            self.message.emit("Nothing to export yet: open an image first.", "warning")
            return None
        path = Path(path)
        protect = [self.path] if self.path is not None else []
        c = self.output.colorized
        return run_kept(self._writers, write_view_job, path, view, self.image, c.rgb, c.ab_small,
                        self.controls.look(), self.compare.wiper.position, protect, self.path,
                        on_result=lambda p: self._exported(p, note), on_error=self._export_failed, writes=True)

    def _exported(self, path: Path, note: str = "") -> None:
        self.message.emit(f"Saved {path}" + (f" ({note})" if note else ""), "info")

    def _export_failed(self, msg: str) -> None:
        self.message.emit(f"Export failed: {msg}", "error")

    def undo_stack(self):
        """The hint edits' undo stack (the window's Undo/Redo actions act on it)."""
        return self.hints_editor.model.undo_stack

    def copy_result(self) -> bool:
        """Put the (display, 8-bit) result on the clipboard."""
        if self.output is None:
            self.message.emit("Nothing to copy yet.", "warning")
            return False
        # A copy that owns its pixels: the view is over a numpy array, and the clipboard
        # keeps its image past the interpreter's end (freeing the array then crashed the exit).
        QGuiApplication.clipboard().setImage(self.output.qimage.copy())
        self.message.emit("Result copied to the clipboard.", "info")
        return True

    def shutdown(self, msecs: int = 3000) -> None:
        """Stop interactive work before the window closes."""
        self._repair_timer.stop()
        self.runner.cancel()
        self.io.cancel()
        self.suggester.cancel()
        self.runner.wait(msecs)
        self.io.wait(msecs)
        self.suggester.wait(msecs)
