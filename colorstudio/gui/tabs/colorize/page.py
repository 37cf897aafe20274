"""The single-image mode: open a photo, colorize it, adjust, add hints, export.

Composition of the compare view, model picker, controls and hints editor, plus the
little state machine around them.  All heavy work -- reading, loading a model, the
network, full-resolution composing, display conversion, writing -- runs in workers;
interactive edits go through one :class:`LatestRunner` (only the newest result is shown).
Its parts: :mod:`.masks` (the photo's masks), :mod:`.result_export`, :mod:`.hint_sources`
(a reference photo, suggested colours, the eyedropper), :mod:`.run_status`,
:mod:`.compare_mode` (the compare grid's runs), :mod:`.empty_state` (before any photo).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSettings, QThreadPool, Signal
from PySide6.QtGui import QImage, QUndoStack
from PySide6.QtWidgets import QGroupBox, QPushButton, QVBoxLayout, QWidget

from colorstudio.core.io.formats import is_video_file
from colorstudio.core.messages import shown
from colorstudio.gui.predictors import PredictorCache, detector_key
from colorstudio.gui.qimage import from_qimage
from colorstudio.gui.tabs.colorize.compare_mode import CompareRuns
from colorstudio.gui.tabs.colorize.controls import ColorizeControls
from colorstudio.gui.tabs.colorize.empty_state import EmptyState
from colorstudio.gui.tabs.colorize.hint_sources import HintSources
from colorstudio.gui.tabs.colorize.damage_mask import MaskBrush
from colorstudio.gui.tabs.colorize.jobs import (CompareFinished, LoadedModel, OpenedImage, RepairRequest, RunOutput,
                                                compose_job, forget_network, load_job, read_job, run_job, wrap_job)
from colorstudio.gui.tabs.colorize.masks import PhotoMasks
from colorstudio.gui.tabs.colorize.model_checklist import ModelChecklist
from colorstudio.gui.tabs.colorize.result_export import ResultExport
from colorstudio.gui.tabs.colorize.run_status import RunStatus
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.hint_tools import HintsTool
from colorstudio.gui.widgets.hints_editor import HintsEditor
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.widgets.model_picker import ModelPicker
from colorstudio.gui.workers import LatestRunner, Worker, start

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry


class ColorizePage(TabPage):
    """Single-image colorization; see the module docstring."""

    photo_actions = True   # the window's zoom, wiper, run again, hint undo, copy and status act here
    opens_images = True    # the window's Open, recent files, samples, a paste or a dropped photo

    imageOpened = Signal(str)      # a file was opened (for recent files)
    resultReady = Signal(object)   # RunOutput
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
        self._detector: str | None = None   # the restore model "Repair damage" uses (detector_key)

        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.error.connect(self._on_error)
        self.runner.busy.connect(self._on_busy)
        self.io = LatestRunner(self)    # opening files: newest wins as well
        self.io.result.connect(self._on_opened)
        self.io.error.connect(lambda msg: self.message.emit(f"Cannot open the image: {msg}", "error"))
        self.writers: list[Worker] = []   # the workers that write files or read beside them (kept alive)

        # widgets
        self.compare = CompareView()
        self.compare.modeChanged.connect(self.viewModeChanged)
        self.empty = EmptyState(samples)
        self.empty.sampleRequested.connect(self.open_path)
        self.empty.openRequested.connect(self.openRequested)
        self.compare.set_placeholder(self.empty)
        self.picker = ModelPicker()
        self.controls = ColorizeControls()
        self.hints_editor = HintsEditor()
        self.checklist = ModelChecklist()
        # The damage, gray and protect masks: edits on the hints' undo stack (Ctrl+Z undoes any, in order).
        self.masks = PhotoMasks(self)
        self.damage, self.brush = self.masks.damage, self.masks.brush
        self.gray, self.gray_brush = self.masks.gray, self.masks.gray_brush
        self.exporter = ResultExport(self)
        self.run_status = RunStatus(self)
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
        self.controls.saturationChanged.connect(self.recompose)
        self.controls.balanceChanged.connect(lambda _t, _u: self.recompose())
        self.hints_editor.balance_provider = self.controls.balance
        self.hints_editor.balanceLoaded.connect(self.controls.set_balance)
        self.controls.guessingChanged.connect(self._on_guessing)
        self.hint_sources = HintSources(self)
        self.suggester = self.hint_sources.suggester
        self.hints_editor.hintsChanged.connect(self._on_hints)
        self.hints_editor.reachChanged.connect(lambda _r: self.hints_editor.hints() and self.rerun())
        self.hints_editor.model.changed.connect(self.compare.left.update)
        self.hints_editor.model.selectionChanged.connect(lambda *_: self.compare.left.update())
        self.compare.zoomChanged.connect(self.run_status.emit)
        self.compare_runs = CompareRuns(self.picker, self.checklist, self.controls, self.compare, self.runner,
                                        self.cache, self.token, self)
        self.compare_runs.message.connect(self.message)
        self.compare_runs.messageCleared.connect(self.messageCleared)
        self.compare_runs.toggled.connect(self._on_compare_toggled)
        self.compare_runs.modelsChanged.connect(self.rerun)
        self.compare_runs.gridResult.connect(self._count_grid_result)
        self.compare_runs.picked.connect(self._compare_picked)
        self.picker.weightsLoaded.connect(self._weights_opened)
        self.picker.weightsFailed.connect(lambda m: self.message.emit(f"Cannot use these weights: {m}", "error"))
        self.resultReady.connect(lambda _out: self.actionsChanged.emit())   # Export and Copy have a result now

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

    def token(self) -> int:
        """The open photo's number: a worker's answer for an older one is dropped."""
        return self._token

    # ------------------------------------------------------------------ the window's (TabPage)
    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def cancel(self) -> None:
        """Drop the running and queued requests (the current result stays)."""
        self.runner.cancel()
        self._awaiting_run = False

    def can_export(self) -> bool:
        return self.has_result()

    def export_dialog(self, view: str = "result") -> None:
        self.exporter.dialog(view)

    def takes_paths(self, paths: list[Path], shown: bool) -> bool:
        """One photo (a folder, a video or several files are the Batch tab's)."""
        return len(paths) == 1 and not paths[0].is_dir() and not is_video_file(paths[0])

    def open_paths(self, paths: list[Path]) -> None:
        self.open_path(paths[0])

    def open_image(self, image: QImage, name: str) -> None:
        self.set_image(from_qimage(image), name)

    def document_title(self) -> str | None:
        return shown(self.path.name) if self.path is not None else ""

    def save_settings(self, s: QSettings) -> None:
        if self.model_name():
            s.setValue("model/name", self.model_name())
            s.setValue("model/device", self.device())
        self.controls.save_settings(s)

    def restore_settings(self, s: QSettings) -> None:
        self.controls.restore_settings(s)

    def shutdown(self, msecs: int = 3000) -> None:
        """Stop interactive work before the window closes."""
        self.masks.repair_timer.stop()
        self.runner.cancel()
        self.io.cancel()
        self.suggester.cancel()
        self.runner.wait(msecs)
        self.io.wait(msecs)
        self.suggester.wait(msecs)

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
        self.masks.reset()
        self.run_status.opened(opened.image)
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
                                            self.gray_mask(), self.masks.protect_mask()):
                self._awaiting_run = False
            return
        self.runner.submit(run_job, self.cache, name, self.picker.device(), self.image,
                           self.controls.render_size(), self.controls.look(), hints, self._token,
                           self.controls.denoise(), self.hints_editor.reach(), self.controls.guessing(),
                           self._repair_request(), self.gray_mask(), self.masks.protect_mask())

    def _repair_request(self) -> RepairRequest | None:
        """What "Repair damage" asks of a run: the user's own mask once edited, else the detector's."""
        if not self.controls.repairing():
            return None
        return RepairRequest(self._detector, self.damage.user_mask())

    def _preload_or_run(self) -> None:
        name = self.model_name()
        if name is None:
            return
        if self.image is not None:
            self.rerun()
        else:
            self.runner.submit(load_job, self.cache, name, self.picker.device())

    def recompose(self, _value: float | None = None) -> None:
        """Saturation, colour balance or the gray mask changed: re-compose (no network run)."""
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
        self.run_status.grid_picked(label, out)
        self.message.emit(f"{label} is now the result: export it with Ctrl+S.", "info")
        self.resultReady.emit(out)

    # ------------------------------------------------------------------ results
    def _on_result(self, out: LoadedModel | RunOutput | CompareFinished) -> None:
        """The runner's results, by kind (the jobs return exactly these three)."""
        {LoadedModel: self._model_loaded, RunOutput: self._run_done,
         CompareFinished: self._compare_finished}[type(out)](out)

    def _compare_finished(self, _out: CompareFinished) -> None:
        self._awaiting_run = False

    def _model_loaded(self, out: LoadedModel) -> None:
        self.picker.set_in_use(out.device)
        self.run_status.model_loaded(out)

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
        self.run_status.result(out)
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

    # ------------------------------------------------------------------ masks
    def repair_mask(self) -> np.ndarray | None:
        """The open photo's damage mask (H, W) bool at full resolution, or None (:mod:`.masks`)."""
        return self.masks.repair_mask()

    def gray_mask(self) -> np.ndarray | None:
        """Where the user erased the colour, (H, W) bool, or None (:mod:`.masks`)."""
        return self.masks.gray_mask()

    # ------------------------------------------------------------------ own weights, model traits
    def _weights_opened(self, entry: ModelEntry) -> None:
        self.picker.add_entry(entry, select=True)
        self.checklist.set_entries(self.picker.entries())
        self.message.emit(f"Loaded {entry.label}: it is in the model list now.", "info")

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
        self.compare.left.set_tool(self.input_tool())
        if not e.hints:
            self.hint_sources.eyedropper(False)
        self.run_status.model_picked(e.label)

    def input_tool(self) -> MaskBrush | HintsTool | None:
        """The input canvas's tool: a mask brush while one is armed, else the hints' (when the
        model takes hints)."""
        brush = self.masks.tool()
        if brush is not None:
            return brush
        e = self.picker.entry()
        return self.hints_editor.tool if e is not None and e.hints else None

    # ------------------------------------------------------------------ status, output
    def status(self) -> dict[str, str]:
        """The status bar's fields (:mod:`.run_status`)."""
        return self.run_status.fields()

    def has_result(self) -> bool:
        return self.output is not None

    def export(self, path: str | Path, view: str = "result") -> Worker | None:
        """Write the full-resolution result, or ``view`` of it, in a worker (:mod:`.result_export`)."""
        return self.exporter.write(path, view)

    def copy_result(self) -> bool:
        """Put the (display, 8-bit) result on the clipboard."""
        return self.exporter.copy()

    def undo_stack(self) -> QUndoStack:
        """The hint edits' undo stack (the window's Undo/Redo actions act on it)."""
        return self.hints_editor.model.undo_stack
