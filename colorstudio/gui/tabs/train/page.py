"""Training dashboard: pick a recipe and data, run the trainer in a subprocess, watch it.

The trainer runs as ``python -m trainer RECIPE --data DIR --out RUN ...`` (never
imported here); the dashboard follows RUN/metrics.jsonl for live curves and
RUN/samples/latest.png for the newest predictions, shows the process output in a log
pane, and overlays earlier runs (folders with a metrics.jsonl under the runs folder).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSplitter, QToolButton, QVBoxLayout,
                               QWidget)

from colorstudio.core.messages import shown
from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon
from colorstudio.core.io.runs import (LAST_CHECKPOINT, METRICS_FILE, SAMPLE_FILE, RunLayout, RunSeries,
                                   new_run_folder, read_run_config)
from colorstudio.gui.tabs.train.jobs import (MetricsTail, Recipe, RecipeLister, TrainingProcess,
                                      TrainRequest)
from colorstudio.gui.tabs.train.loss_plots import LIVE, LossPlots
from colorstudio.gui.tabs.train.recipes import first_choice
from colorstudio.gui.widgets.message_bar import MessageBar
from colorstudio.gui.tabs.train.runs_list import RunsList
from colorstudio.gui.tabs.train.sample_view import SampleView
from colorstudio.gui.tabs.train.form import START_FINE_TUNE, START_SCRATCH, TrainForm
from colorstudio.gui.plaintext import plain_label

DEFAULT_RUNS_DIR = Path.home() / "ColorStudio" / "runs"
STOP_GRACE_MS = 120_000   # how long a stopping trainer may take to finish its step and save
FINE_TUNE_EPOCHS = 1   # a fine-tune on a CPU: one pass over the photos (about an hour on 20k photos)


class TrainingDashboard(QWidget):
    """Starts/stops a trainer subprocess and draws its metrics live."""

    runStarted = Signal(str)       # run folder
    runFinished = Signal(int)      # exit code
    useRequested = Signal(object)  # Path of a run's exported weights: "Use in Colorize"

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None,
                 python: str | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.process = TrainingProcess(python, self)
        self.lister = RecipeLister(python, self)
        self.run_dir: Path | None = None      # the run being followed live
        self.series = RunSeries()
        self.tail = MetricsTail(METRICS_FILE, parent=self)   # retargeted by watch_run
        self.tail.records.connect(self._on_records)
        self.tail.reset.connect(self._on_tail_reset)
        self._listed = False
        self._plot_timer = QTimer(self)
        self._plot_timer.setSingleShot(True)
        self._plot_timer.setInterval(150)     # coalesce bursts of lines into one redraw
        self._plot_timer.timeout.connect(self._redraw)
        self._sample_timer = QTimer(self)     # fallback for file systems without watch events
        self._sample_timer.setInterval(1000)

        self.plots = LossPlots()
        self.samples = SampleView()
        self._sample_timer.timeout.connect(self.samples.check)
        self.message = MessageBar()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log.setPlaceholderText("Trainer output appears here.")
        self._build()
        self._restore()

        self.process.output.connect(self._append_log)
        self.process.failed.connect(self._on_failed)
        self.process.started.connect(self._on_started)
        self.process.finished.connect(self._on_finished)
        self.lister.recipes.connect(self._set_recipes)
        self.lister.error.connect(lambda m: (self._append_log(m), self.recipe_status.setText(m)))
        self._update_buttons()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        box = TrainForm(self._choose_dir)
        for name in ("recipe_combo", "recipe_status", "data_edit", "runs_edit", "epochs_spin",
                     "nproc_spin", "device_combo", "extra_edit", "init_edit"):
            setattr(self, name, getattr(box, name))
        self.form = box
        self._recipes: dict[str, Recipe] = {}
        self.recipe_combo.currentTextChanged.connect(self._recipe_changed)   # picked or typed
        box.startChanged.connect(self._recipe_changed)
        box.start_combo.activated.connect(lambda _i: setattr(self, "_scratch_forced", False))   # the user's choice
        box.refresh_button.clicked.connect(self.refresh_recipes)
        self.runs_edit.editingFinished.connect(self._runs_dir_changed)

        self.start_button = QPushButton(icon("mdi6.play"), "Start")
        self.start_button.setToolTip("Start a new run with these settings")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(icon("mdi6.stop"), "Stop")
        self.stop_button.setToolTip("Stop the run (its last checkpoint is kept for resuming)")
        self.stop_button.clicked.connect(lambda: self.stop(wait=False))
        self.resume_button = QPushButton(icon("mdi6.step-forward"), "Resume")
        self.resume_button.setToolTip("Continue the selected run (or the last one) from its last checkpoint")
        self.resume_button.clicked.connect(self.resume)
        self.use_button = QPushButton(icon("mdi6.palette"), "Use in Colorize")
        self.use_button.setToolTip("Colorize with the selected run's exported model (the Colorize tab)")
        self.use_button.clicked.connect(self._use_selected)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.resume_button, self.use_button):
            buttons.addWidget(b)
        self.state_label = plain_label(QLabel("Idle"))
        self.state_label.setWordWrap(True)
        self.checkpoint_label = plain_label(QLabel())
        self.checkpoint_label.setStyleSheet("color: palette(placeholder-text);")

        self.runs_list = RunsList()
        self.runs_list.itemChanged.connect(self._run_checked)
        self.runs_list.itemDoubleClicked.connect(lambda it: self.watch_run(it.data(Qt.ItemDataRole.UserRole)))
        self.runs_list.currentItemChanged.connect(lambda *_: self._update_buttons())
        runs_refresh = QToolButton()
        runs_refresh.setIcon(icon("mdi6.refresh"))
        runs_refresh.setToolTip("Look for runs again")
        runs_refresh.clicked.connect(self.refresh_runs)
        runs_head = QHBoxLayout()
        runs_head.addWidget(QLabel("Earlier runs (tick to compare)"), 1)
        runs_head.addWidget(runs_refresh)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 4, 0)
        ll.addWidget(box)
        ll.addLayout(buttons)
        ll.addWidget(self.state_label)
        ll.addWidget(self.checkpoint_label)
        ll.addLayout(runs_head)
        ll.addWidget(self.runs_list, 1)
        left.setMinimumWidth(260)
        left.setMaximumWidth(380)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.plots)
        top.addWidget(self.samples)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.log)
        right.setStretchFactor(0, 4)
        right.setStretchFactor(1, 1)
        right.setSizes([560, 140])

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(right)
        main.setStretchFactor(1, 1)
        main.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(main, 1)
        self.message.float_over(self)   # a message never moves the controls under the pointer

    def sizeHint(self) -> QSize:
        return QSize(1200, 760)

    # ------------------------------------------------------------------ settings
    def _restore(self) -> None:
        s = self.settings
        self.data_edit.setText(str(s.value("train/data_dir", "")))
        self.runs_edit.setText(str(s.value("train/runs_dir", str(DEFAULT_RUNS_DIR))))
        self.epochs_spin.setValue(int(s.value("train/epochs", 10)))
        self.nproc_spin.setValue(int(s.value("train/nproc", 1)))
        dev = str(s.value("train/device", "auto"))
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findText(dev)))
        self.extra_edit.setText(str(s.value("train/extra", "")))
        self.form.set_start(str(s.value("train/start", START_FINE_TUNE)))
        recipe = str(s.value("train/recipe", ""))
        if recipe:
            self.recipe_combo.setEditText(recipe)
        self.refresh_runs()

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("train/recipe", self.recipe_combo.currentText().strip())
        s.setValue("train/data_dir", self.data_edit.text().strip())
        s.setValue("train/runs_dir", self.runs_edit.text().strip())
        s.setValue("train/epochs", self.epochs_spin.value())
        s.setValue("train/nproc", self.nproc_spin.value())
        s.setValue("train/device", self.device_combo.currentText())
        s.setValue("train/extra", self.extra_edit.text())
        s.setValue("train/start", self.form.start_key())

    def _choose_dir(self, edit: QLineEdit, title: str, key: str) -> None:
        kind = key.replace("/", "-")
        d = QFileDialog.getExistingDirectory(self, title, dialog_folders.start_folder(
            kind, current=edit.text(), settings=self.settings))
        if d:
            dialog_folders.remember(kind, Path(d).parent, self.settings)   # its siblings next time
            edit.setText(d)
            self.settings.setValue(key, d)
            if edit is self.runs_edit:
                self._runs_dir_changed()

    def runs_dir(self) -> Path:
        return Path(self.runs_edit.text().strip() or DEFAULT_RUNS_DIR).expanduser()

    def _runs_dir_changed(self) -> None:
        self.settings.setValue("train/runs_dir", self.runs_edit.text().strip())
        self.refresh_runs()

    # ------------------------------------------------------------------ recipes
    def refresh_recipes(self) -> None:
        """Ask the trainer for its recipes (in a subprocess; the list fills in when it answers)."""
        self._listed = True
        self.recipe_status.setText("asking the trainer for its recipes…")
        self.lister.refresh()

    def _set_recipes(self, recipes: list[Recipe]) -> None:
        current = self.recipe_combo.currentText().strip()
        self.recipe_combo.blockSignals(True)
        self.recipe_combo.clear()
        self._recipes = {r.name: r for r in recipes}
        for r in recipes:
            self.recipe_combo.addItem(r.name, r.description)
            self.recipe_combo.setItemData(self.recipe_combo.count() - 1, r.description,
                                          Qt.ItemDataRole.ToolTipRole)
        # With no recipe chosen yet: the default colorizer's, to fine-tune (recipes.first_choice).
        first = first_choice(recipes)
        i = self.recipe_combo.findText(current) if current else first
        if i >= 0:
            self.recipe_combo.setCurrentIndex(i)
        else:
            self.recipe_combo.setEditText(current)
        self.recipe_combo.blockSignals(False)
        self._recipe_changed()

    def _recipe_changed(self, *_args) -> None:
        """The recipe's text, and a form that agrees with it: epochs, and where the run starts."""
        desc = self.recipe_combo.currentData()
        r = self._recipes.get(self.recipe_combo.currentText().strip())
        start = self.form.start_key()
        text = str(desc) if desc else ""
        if r is not None:
            if start == START_FINE_TUNE and not r.can_fine_tune:
                self.form.set_start(START_SCRATCH)   # nothing shipped to fine-tune
                start = START_SCRATCH
                self._scratch_forced = True
            elif start == START_SCRATCH and r.can_fine_tune and getattr(self, "_scratch_forced", False):
                self.form.set_start(START_FINE_TUNE)   # scratch was the last recipe's necessity, not a choice
                start = START_FINE_TUNE
                self._scratch_forced = False
            if start == START_FINE_TUNE:
                self.init_edit.setText(r.shipped_weights)
                self.epochs_spin.setValue(FINE_TUNE_EPOCHS)
                text += (f"\nFine-tuning the shipped {Path(r.shipped_weights).stem} for {FINE_TUNE_EPOCHS} epoch"
                         f"{'s' if FINE_TUNE_EPOCHS != 1 else ''} with the settings it was trained with"
                         + (f" ({Path(r.cpu_preset).name})" if r.cpu_preset else "") + ".")
            elif start == START_SCRATCH:
                self.init_edit.clear()
                if r.epochs:
                    self.epochs_spin.setValue(r.epochs)
        self.init_edit.setEnabled(start != START_SCRATCH)
        self.recipe_status.setText(text)

    def recipes(self) -> list[str]:
        return [self.recipe_combo.itemText(i) for i in range(self.recipe_combo.count())]

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if not self._listed:   # first look: list recipes in the background (no start-up cost)
            self.refresh_recipes()

    # ------------------------------------------------------------------ runs
    def refresh_runs(self) -> None:
        """List the run folders under the runs folder, keeping ticks and the selection."""
        self.runs_list.refresh(self.runs_dir(), self.run_dir)
        for name in [r for r in self.plots.runs() if r != LIVE]:
            if name not in {Path(p).name for p in self.overlays()}:
                self.plots.remove_run(name)
        self._update_buttons()

    def overlays(self) -> list[str]:
        """Run folders ticked for comparison."""
        return self.runs_list.ticked()

    def add_overlay(self, run: str | os.PathLike) -> int:
        """Overlay the curves of an earlier run; returns how many curves it added."""
        run = Path(run)
        series = RunSeries.from_file(run / METRICS_FILE)
        if not series.keys():
            self.message.show_message(f"{run.name}: no curves in its {METRICS_FILE} yet", "warning")
        self.plots.add_overlay(run.name, series.as_dict())
        return len(series.keys())

    def _run_checked(self, item: QListWidgetItem) -> None:
        run = item.data(Qt.ItemDataRole.UserRole)
        if item.checkState() == Qt.CheckState.Checked:
            self.add_overlay(run)
        else:
            self.plots.remove_run(Path(run).name)

    # ------------------------------------------------------------------ live run
    def watch_run(self, run: str | os.PathLike) -> None:
        """Follow a run folder live: curves from its metrics.jsonl, its latest samples."""
        if self.is_running() and self.run_dir is not None and Path(run).resolve() != self.run_dir.resolve():
            self.message.show_message("a run is in progress: stop it before following another one", "warning")
            return
        self.run_dir = Path(run)
        self.series = RunSeries()
        self.plots.remove_run(LIVE)
        self.checkpoint_label.setText("")
        self.tail.set_path(self.run_dir / METRICS_FILE)
        self.samples.set_path(self.run_dir / SAMPLE_FILE)
        self._sample_timer.start()
        self.tail.start()
        if not self.is_running():
            self.state_label.setText(f"Following {self.run_dir.name} (curves update while it grows)")
        self.refresh_runs()

    def _on_tail_reset(self) -> None:
        self.series = RunSeries()
        self.plots.remove_run(LIVE)

    def _on_records(self, records: list) -> None:
        n_events = len(self.series.events)
        self.series.add(records)
        for ev in self.series.events[n_events:]:
            kind, msg = ev.get("event", "?"), str(ev.get("message", ""))
            if kind == "checkpoint":   # frequent: shown in the state line, not the log
                self.checkpoint_label.setText(f"Last checkpoint: {msg}" if msg else "Checkpoint saved")
                continue
            if kind == "start":  # a new session of the run: the old checkpoint line is stale
                resumed = ev.get("resumed_from")
                self.checkpoint_label.setText(f"Resumed from the checkpoint at step {resumed}" if resumed else "")
            if msg and any(line.endswith(msg) for line in self._recent_lines()):
                continue  # the trainer's own output already showed it (the start line)
            self._append_log(f"[{kind}] {msg}".rstrip())
            if kind == "error":
                self.message.show_message(f"training error: {msg}", "error")
        if not self._plot_timer.isActive():
            self._plot_timer.start()

    def _redraw(self) -> None:
        self.plots.set_series(self.series.as_dict(), LIVE)
        steps = [xs[-1] for xs in self.series.xs.values() if xs]
        if steps and self.is_running() and self.run_dir is not None:
            self.state_label.setText(f"Running {self.run_dir.name}: "
                                     f"{self.series.progress() or f'step {int(max(steps))}'}")

    def flush(self) -> None:
        """Read and draw everything written so far (tests; also before the run list refreshes)."""
        if self.run_dir is not None:
            self.tail.poll()
        self._plot_timer.stop()
        self._redraw()
        self.samples.check()

    # ------------------------------------------------------------------ process control
    def is_running(self) -> bool:
        """True while a training process is alive (the window asks before closing)."""
        return self.process.is_running()

    def _request(self, resume_run: Path | None = None) -> TrainRequest:
        extra = shlex.split(self.extra_edit.text())
        if resume_run is not None:
            cfg = read_run_config(resume_run)
            recipe = str(cfg.get("recipe") or self.recipe_combo.currentText()).strip()
            data = self.data_edit.text().strip() or str(cfg.get("data", ""))
            out = resume_run
        else:
            recipe = self.recipe_combo.currentText().strip()
            data = self.data_edit.text().strip()
            out = new_run_folder(self.runs_dir(), recipe)
        config = init = ""
        start = self.form.start_key()
        if resume_run is None and start != START_SCRATCH:
            init = self.init_edit.text().strip()
            r = self._recipes.get(recipe)
            if start == START_FINE_TUNE and r is not None:
                config, init = r.cpu_preset, init or r.shipped_weights
        return TrainRequest(recipe=recipe, data=Path(data) if data else "", out=out,
                            epochs=self.epochs_spin.value(), nproc=self.nproc_spin.value(),
                            resume=resume_run is not None, device=self.device_combo.currentText(),
                            extra=extra, config=config, init=init)

    def start(self) -> bool:
        """Start a new run from the form; False (with a message) when it cannot start."""
        return self._launch(None)

    def resume(self) -> bool:
        """Continue the selected run, or the last one followed, from its last checkpoint."""
        item = self.runs_list.currentItem()
        run = Path(item.data(Qt.ItemDataRole.UserRole)) if item else self.run_dir
        if run is None:
            self._error("choose a run to resume in the list of earlier runs")
            return False
        return self._launch(run)

    def _launch(self, resume_run: Path | None) -> bool:
        try:
            req = self._request(resume_run)
            if resume_run is None and not req.recipe:
                raise ValueError("choose a recipe")
            req.validate()
        except ValueError as exc:
            self._error(str(exc))
            return False
        self._save_settings()
        self.message.dismiss()
        self.watch_run(req.out)
        self.state_label.setText(f"Starting {req.out.name}…")
        try:
            self.process.start(req)   # a start failure arrives as failed + finished(-1)
        except ValueError as exc:
            self._error(str(exc))
            return False
        self._update_buttons()
        return self.is_running()

    def stop(self, wait: bool = True) -> None:
        """Stop the running training process: the trainer finishes its step, saves a
        checkpoint and exports (a CPU step can take half a minute, so it gets
        STOP_GRACE_MS); a second Stop while it does so ends it at once."""
        if not self.is_running():
            return
        if self.process.stopping and not wait:
            self.state_label.setText("Stopped at once: the step in progress is lost")
            self.process.proc.kill()
            return
        self.state_label.setText("Stopping: finishing the current step, then saving a checkpoint… "
                                 "(Stop again to end it now)")
        self.process.stop(wait=wait, timeout_ms=STOP_GRACE_MS)

    def shutdown(self) -> None:
        """The window closes: stop listing recipes and following files (a training run is
        stopped by the window, which asks first)."""
        self.lister.cancel()
        self.tail.stop()
        self._sample_timer.stop()
        self._plot_timer.stop()

    def has_checkpoint(self, run: Path | None = None) -> bool:
        run = run or self.run_dir
        return run is not None and (run / LAST_CHECKPOINT).is_file()

    def _on_started(self) -> None:
        req = self.process.request
        self.state_label.setText(f"Running {req.out.name if req else ''}")
        self._update_buttons()
        if req is not None:
            self.runStarted.emit(str(req.out))

    def _on_failed(self, msg: str) -> None:
        self._error(msg)

    def _on_finished(self, code: int) -> None:
        if self.run_dir is not None:
            self.flush()
        self.tail.stop()
        stopped = self.process.stopping
        if code == -1:
            self.state_label.setText("Could not start the trainer")
        elif code == 0 and not stopped:
            self.state_label.setText("Finished")
            self.message.show_message(f"training finished: {shown(self.run_dir)} -- 'Use in Colorize' makes it "
                                      "the Colorize tab's model", "info")
        elif stopped and self.has_checkpoint():
            self.state_label.setText("Stopped: its checkpoint is saved (Resume continues from it)")
        elif stopped:
            self.state_label.setText("Stopped before its first checkpoint: there is nothing to resume")
        else:
            self.state_label.setText(f"Failed (exit code {code})")
        self._sample_timer.stop()
        self.samples.check()
        self.refresh_runs()
        self._update_buttons()
        self.runFinished.emit(code)

    def _update_buttons(self) -> None:
        running = self.is_running()
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        item = self.runs_list.currentItem()
        run = Path(item.data(Qt.ItemDataRole.UserRole)) if item else self.run_dir
        self.resume_button.setEnabled(not running and run is not None and (run / LAST_CHECKPOINT).is_file())
        self.use_button.setEnabled(self._selected_model() is not None)

    def _selected_model(self) -> Path | None:
        """The exported weights of the selected run (else the one followed), if it has them."""
        item = self.runs_list.currentItem()
        run = Path(item.data(Qt.ItemDataRole.UserRole)) if item else self.run_dir
        model = RunLayout(run).model if run is not None else None
        return model if model is not None and model.is_file() else None

    def _use_selected(self) -> None:
        model = self._selected_model()
        if model is not None:
            self.useRequested.emit(model)

    # ------------------------------------------------------------------ messages
    def _append_log(self, line: str) -> None:
        if line.startswith("20") and " trainer: " in line:  # the trainer's own log line (stderr) ...
            said = line.split(" trainer: ", 1)[1]
            if any(r.startswith("[") and r.endswith(said) for r in self._recent_lines()):
                return  # ... of what its metrics already showed (the start line)
        self.log.appendPlainText(shown(line, "log"))

    def _recent_lines(self, n: int = 20) -> list[str]:
        return self.log.toPlainText().splitlines()[-n:]

    def _error(self, msg: str) -> None:
        self.message.show_message(msg, "error")
        self._append_log(f"error: {msg}")

    def error_text(self) -> str:
        """The message shown in the bar ('' when none): for tests and the status bar."""
        return self.message.message()
