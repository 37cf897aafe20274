"""Training dashboard: pick a recipe and data, run the trainer in a subprocess, watch it.

The trainer runs as ``python -m trainer RECIPE --data DIR --out RUN ...`` (never
imported here); the dashboard follows RUN/metrics.jsonl for live curves and
RUN/samples/latest.png for the newest predictions, shows the process output in a log
pane (:mod:`.run_log`), and overlays earlier runs (folders with a metrics.jsonl under
the runs folder).  The form (:mod:`.form`) says which run to start, of the recipes read
in-process from ``core.training`` (:mod:`.recipes`).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidgetItem, QPushButton,
                               QSplitter, QToolButton, QVBoxLayout, QWidget)

from colorstudio.core.io.runs import LAST_CHECKPOINT, METRICS_FILE, SAMPLE_FILE, RunLayout, RunSeries
from colorstudio.core.messages import shown
from colorstudio.gui import dialog_folders
from colorstudio.gui.plaintext import plain_label
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.tabs.train.form import TrainForm
from colorstudio.gui.tabs.train.jobs import MetricsTail, RecipeLister, TrainingProcess, TrainRequest
from colorstudio.gui.tabs.train.loss_plots import LIVE, LossPlots
from colorstudio.gui.tabs.train.run_log import RunLog
from colorstudio.gui.tabs.train.runs_list import RunsList
from colorstudio.gui.tabs.train.sample_view import SampleView
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.message_bar import MessageBar

DEFAULT_RUNS_DIR = Path.home() / "ColorStudio" / "runs"
STOP_GRACE_MS = 120_000   # how long a stopping trainer may take to finish its step and save


class TrainingDashboard(TabPage):
    """Starts/stops a trainer subprocess and draws its metrics live."""

    runStarted = Signal(str)           # run folder
    runFinished = Signal(object, int)  # the run folder (Path) its process ran in, its exit code (-1: not started)
    useRequested = Signal(object)      # a run folder (Path): "Use in Colorize" its exported weights

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None,
                 python: str | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.process = TrainingProcess(python, self)
        self.lister = RecipeLister(self)   # in-process, in a worker: no trainer subprocess
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
        self.message_bar = MessageBar()   # this tab's own, floated over it (the window's strip shows none of it)
        self.log = RunLog()
        self._build()
        self._restore()

        self.process.output.connect(self.log.add)
        self.process.failed.connect(self._on_failed)
        self.process.started.connect(self._on_started)
        self.process.finished.connect(self._on_finished)
        self.lister.recipes.connect(self.form.set_recipes)
        self.lister.error.connect(lambda m: (self.log.add(m), self.recipe_status.setText(m)))
        self._update_buttons()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        box = TrainForm(self._choose_dir)
        for name in ("recipe_combo", "recipe_status", "data_edit", "runs_edit", "epochs_spin",
                     "nproc_spin", "device_combo", "extra_edit", "init_edit"):
            setattr(self, name, getattr(box, name))
        self.form = box
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
        self.message_bar.float_over(self)   # a message never moves the controls under the pointer

    def sizeHint(self) -> QSize:
        return QSize(1200, 760)

    # ------------------------------------------------------------------ settings
    def _restore(self) -> None:
        self.form.restore(self.settings, DEFAULT_RUNS_DIR)
        self.refresh_runs()

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
        """List the recipes (``core.training``) with their families' shipped weights, in a
        worker: the registry imports torch; the list fills in when it is read."""
        self._listed = True
        self.recipe_status.setText("listing the recipes…")
        self.lister.refresh()

    def recipes(self) -> list[str]:
        return self.form.recipe_names()

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
            self.message_bar.show_message(f"{run.name}: no curves in its {METRICS_FILE} yet", "warning")
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
        if self.is_busy() and self.run_dir is not None and Path(run).resolve() != self.run_dir.resolve():
            self.message_bar.show_message("a run is in progress: stop it before following another one", "warning")
            return
        self.run_dir = Path(run)
        self.series = RunSeries()
        self.plots.remove_run(LIVE)
        self.checkpoint_label.setText("")
        self.tail.set_path(self.run_dir / METRICS_FILE)
        self.samples.set_path(self.run_dir / SAMPLE_FILE)
        self._sample_timer.start()
        self.tail.start()
        if not self.is_busy():
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
            if not self.log.add_event(kind, msg):
                continue  # the trainer's own output already showed it (the start line)
            if kind == "error":
                self.message_bar.show_message(f"training error: {msg}", "error")
        if not self._plot_timer.isActive():
            self._plot_timer.start()

    def _redraw(self) -> None:
        self.plots.set_series(self.series.as_dict(), LIVE)
        steps = [xs[-1] for xs in self.series.xs.values() if xs]
        if steps and self.is_busy() and self.run_dir is not None:
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
    def request(self, resume_run: Path | None = None) -> TrainRequest:
        """The run the form describes (:meth:`TrainForm.request`), or ``resume_run`` continued."""
        return self.form.request(self.runs_dir(), resume_run)

    def start(self) -> bool:
        """Start a new run from the form; False (with a message) when it cannot start."""
        return self._launch(None)

    def resume(self) -> bool:
        """Continue the selected run, or the last one followed, from its last checkpoint."""
        run = self._selected_run()
        if run is None:
            self._error("choose a run to resume in the list of earlier runs")
            return False
        return self._launch(run)

    def _launch(self, resume_run: Path | None) -> bool:
        try:
            req = self.request(resume_run)
            if resume_run is None and not req.recipe:
                raise ValueError("choose a recipe")
            req.validate()
        except ValueError as exc:
            self._error(str(exc))
            return False
        self.form.save(self.settings)
        self.message_bar.dismiss()
        self.watch_run(req.out)
        self.state_label.setText(f"Starting {req.out.name}…")
        try:
            self.process.start(req)   # a start failure arrives as failed + finished(-1)
        except ValueError as exc:
            self._error(str(exc))
            return False
        self._update_buttons()
        return self.is_busy()

    def stop(self, wait: bool = True) -> None:
        """Stop the running training process: the trainer finishes its step, saves a
        checkpoint and exports (a CPU step can take half a minute, so it gets
        STOP_GRACE_MS); a second Stop while it does so ends it at once."""
        if not self.is_busy():
            return
        if self.process.stopping and not wait:
            self.state_label.setText("Stopped at once: the step in progress is lost")
            self.process.proc.kill()
            return
        self.state_label.setText("Stopping: finishing the current step, then saving a checkpoint… "
                                 "(Stop again to end it now)")
        self.process.stop(wait=wait, timeout_ms=STOP_GRACE_MS)

    # ------------------------------------------------------------------ the window's (TabPage)
    def is_busy(self) -> bool:
        """True while a training process is alive (the window asks before closing)."""
        return self.process.is_running()

    def can_cancel(self) -> bool:
        """Never the window's Cancel (Esc): a run stops with its own Stop button, saving a checkpoint."""
        return False

    def cancel(self) -> None:
        """The window closes over the run: stop it and wait for its checkpoint (:meth:`stop`)."""
        self.stop()

    def close_question(self) -> tuple[str, str] | None:
        if not self.is_busy():
            return None
        kept = ("It saves a checkpoint as it stops; you can resume it later." if not self.has_checkpoint() else
                "It saves a checkpoint as it stops (its last one is kept too); you can resume it later.")
        return "Training is running", f"A training run is still going. Stop it and quit?\n({kept})"

    def shutdown(self, msecs: int = 0) -> None:
        """The window closes: stop listing recipes and following files (a training run is
        stopped by the window, which asks first: :meth:`close_question`)."""
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
        run = self.process.request.out if self.process.request is not None else self.run_dir
        if self.run_dir is not None:
            self.flush()
        self.tail.stop()
        stopped = self.process.stopping
        if code == -1:
            self.state_label.setText("Could not start the trainer")
        elif code == 0 and not stopped:
            self.state_label.setText("Finished")
            self.message_bar.show_message(f"training finished: {shown(self.run_dir)} -- 'Use in Colorize' makes "
                                          "it the Colorize tab's model", "info")
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
        self.runFinished.emit(run, code)

    def _update_buttons(self) -> None:
        running = self.is_busy()
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        run = self._selected_run()
        self.resume_button.setEnabled(not running and run is not None and (run / LAST_CHECKPOINT).is_file())
        self.use_button.setEnabled(self._run_to_use() is not None)

    def _selected_run(self) -> Path | None:
        """The run selected in the list, else the one followed."""
        item = self.runs_list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item else self.run_dir

    def _run_to_use(self) -> Path | None:
        """The selected run (else the one followed), when it has exported its weights."""
        run = self._selected_run()
        return run if run is not None and RunLayout(run).model.is_file() else None

    def _use_selected(self) -> None:
        run = self._run_to_use()
        if run is not None:
            self.useRequested.emit(run)

    # ------------------------------------------------------------------ messages
    def _error(self, msg: str) -> None:
        self.message_bar.show_message(msg, "error")
        self.log.add(f"error: {msg}")

    def error_text(self) -> str:
        """The message shown in the bar ('' when none): for tests and the status bar."""
        return self.message_bar.message()
