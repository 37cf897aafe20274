"""The main window: a thin composition of the tabs, menus, toolbar, status bar.

It owns no image logic.  Tabs: Colorize (:class:`ColorizePage`), Batch
(:class:`BatchPanel`), Shot (:class:`ShotPanel`), Train (:class:`TrainingDashboard`),
Facades (:class:`FacadePanel`).  The window composes them -- the model lists they share,
a shot handed to Batch, a training run's weights handed to Colorize -- and otherwise
talks to each through :class:`~colorstudio.gui.tabs.tab_page.TabPage` only: messages,
the busy indicator, which actions apply, Export, Cancel, Open, paste, drops, the question
before closing over running work, settings and shutdown.  It remembers the geometry, the
model and recent files in QSettings.  Nothing here imports torch: the registry is listed
in a worker after the window shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QThreadPool
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from colorstudio.core.io.formats import image_filter
from colorstudio.core.io.runs import RunLayout
from colorstudio.gui import dialog_folders, wheel_guard
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.batch.page import BatchPanel
from colorstudio.gui.tabs.colorize.page import ColorizePage
from colorstudio.gui.tabs.shot.page import ShotPanel
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.message_bar import MessageBar
from colorstudio.gui.widgets.model_picker import load_entries
from colorstudio.gui.window_chrome import APP_NAME, WindowChrome
from colorstudio.gui.workers import Worker, start

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry

MAX_RECENT = 10
OPEN_FILTER = image_filter(named=True, all_files=True)   # the format table (core.io.formats)


def run_entry(entries: list[ModelEntry], weights: Path) -> ModelEntry | None:
    """The listed export of a training run whose weights file is ``weights`` -- that file,
    however its path is spelt (a link, a relative or an unnormalised path) -- or None."""
    want = Path(weights).expanduser().resolve()
    for e in entries:
        if e.origin == "run" and e.weights is not None and e.weights.expanduser().resolve() == want:
            return e
    return None


class MainWindow(QMainWindow):
    """See the module docstring. ``settings`` and ``cache`` are injectable for tests."""

    def __init__(self, settings: QSettings | None = None, cache: PredictorCache | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        wheel_guard.install()   # a scrolled side panel's controls take the wheel only when focused
        self.settings = settings or QSettings()
        dialog_folders.use_settings(self.settings)   # every file dialog remembers its folder here
        self.cache = cache or PredictorCache()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._icons: list[tuple[object, str]] = []
        self._registry_worker: Worker | None = None

        # tabs
        self.messages = MessageBar()
        self._tab_messages: dict = {}   # tab widget -> (text, level) it last said, to show again
        self._last_said: dict = {}      # tab widget -> the text it last said (info included)
        self.colorize = ColorizePage(self.cache)
        self.batch = BatchPanel(self.cache)
        self.shot = ShotPanel(self.cache)
        from colorstudio.gui.tabs.facades.page import FacadePanel
        from colorstudio.gui.tabs.train.page import TrainingDashboard

        self.dashboard = TrainingDashboard(settings=self.settings)
        self.facades = FacadePanel(settings=self.settings)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for w, name, ic, tip in (
                (self.colorize, "Colorize", "mdi6.palette", "One photo: colorize, compare, hints, export"),
                (self.batch, "Batch", "mdi6.filmstrip", "Many frames or a video: colorize them all"),
                (self.shot, "Shot", "mdi6.movie-open-edit",
                 "A shot: hints on keyframes, carried through every frame"),
                (self.dashboard, "Train", "mdi6.chart-line", "Train a model and watch its curves"),
                (self.facades, "Facades", "mdi6.office-building", "Paint a facade label map, get a photo")):
            i = self.tabs.addTab(w, icon(ic), name)
            self.tabs.setTabToolTip(i, tip)
            self._icons.append((("tab", i), ic))
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(4)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        # Over the pages, below the tab bar: a message never moves a page's controls, nor hides a tab.
        self.messages.float_over(self.tabs.findChild(QStackedWidget, options=Qt.FindChildOption.FindDirectChildrenOnly))

        self.chrome = WindowChrome(self, self._icons)   # actions, menus, toolbar, status bar

        # every tab, through its TabPage interface
        for tab in self.pages():
            tab.message.connect(lambda t, lv, tab=tab: self.show_message(t, lv, tab))
            tab.messageCleared.connect(lambda tab=tab: self.clear_message(tab))
            tab.statusChanged.connect(self._on_status)
            tab.busyChanged.connect(self._on_busy)
            tab.actionsChanged.connect(self._update_actions)
        # what one tab hands another, and the Colorize tab's file (the window's Open and recent files)
        self.colorize.imageOpened.connect(self._on_image_opened)
        self.colorize.openRequested.connect(self.open_dialog)
        self.batch.set_hints_provider(self.colorize.hints)
        self.shot.shotReady.connect(self._shot_to_batch)
        self.dashboard.runFinished.connect(lambda _run, _code: self.start_loading())   # its model joins the lists
        self.dashboard.useRequested.connect(lambda run: self.use_run(run, show=True))
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())
        self.tabs.currentChanged.connect(lambda _i: self._show_tab_message())
        self.tabs.currentChanged.connect(lambda _i: self._update_title())
        self.messages.dismissed.connect(lambda: self._tab_messages.pop(self.tabs.currentWidget(), None))

        self._restore_settings()
        self._update_actions()

    # ------------------------------------------------------------------ the tabs
    def pages(self) -> list[TabPage]:
        """The tabs, in their order."""
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def current_tab(self) -> TabPage:
        return self.tabs.currentWidget()

    def _image_tab(self) -> TabPage:
        """The tab the window's Open, recent files, samples and pasted pictures go to."""
        return next(t for t in self.pages() if t.opens_images)

    # ------------------------------------------------------------------ start-up
    def start_loading(self) -> Worker:
        """List the registry (imports torch) in a worker; fill the pickers when done."""
        self.statusBar().showMessage("Loading models…")
        w = Worker(load_entries, None, self.dashboard.runs_dir())
        w.signals.result.connect(self._on_entries)
        w.signals.error.connect(lambda m: self.show_message(f"Cannot list the models: {m}", "error"))
        self._registry_worker = w
        start(w, QThreadPool.globalInstance())
        return w

    def use_run(self, run: Path, show: bool = True) -> None:
        """Make the training run ``run``'s exported weights (``core.io.runs``: its layout)
        the Colorize tab's model, once the lists are read again (so a run that just ended
        is among them); ``show`` switches to that tab."""
        self._pending_model = (RunLayout(run).model, show)
        self.start_loading()

    def _on_entries(self, out) -> None:
        from colorstudio.models import default_model   # torch is loaded by now (the worker did it)
        from colorstudio.models.catalogue import remembered

        entries, devices = out
        opened = self.colorize.opened_entries()
        entries = entries + [e for e in opened if e.name not in {x.name for x in entries}]
        s = self.settings
        model, device = s.value("model/name", None), s.value("model/device", None)
        if self.colorize.model_name() is not None:     # a refresh keeps what is picked now
            model, device = self.colorize.model_name(), self.colorize.device()
        model = remembered([e for e in entries if e.task == "colorize"], model, default_model("colorize"))
        pending, self._pending_model = getattr(self, "_pending_model", None), None
        if pending is not None:
            weights, show = pending
            picked = run_entry(entries, weights)
            if picked is not None:
                model = picked.name
                self.show_message(f"{picked.label} is the Colorize tab's model now.", "info")
                if show:
                    self.tabs.setCurrentWidget(self.colorize)
        self.colorize.set_entries(entries, devices, model, device)
        if self.colorize.image is None and self.colorize.model_name():   # nothing open yet: load it now
            self._preload_worker = self.colorize.preload()
        self.batch.set_entries(entries, devices, self.batch.model_name() or model, device)
        self.shot.set_entries(entries, devices, self.shot.model_name() or default_model("colorize"),
                              device)
        self.statusBar().showMessage("Models ready", 3000)

    def _shot_to_batch(self, source, frame_hints, model: str) -> None:
        self.batch.set_shot(source, frame_hints, model)
        self.tabs.setCurrentWidget(self.batch)
        self.show_message(f"The shot {Path(source).name} is ready in Batch with its hints: choose the "
                          "output folder and press Start.", "info", self.batch)

    # ------------------------------------------------------------------ file actions
    def open_path(self, path: str | Path) -> None:
        tab = self._image_tab()
        self.tabs.setCurrentWidget(tab)
        tab.open_paths([Path(path)])

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", dialog_folders.start_folder("open"), OPEN_FILTER)
        if path:
            self.open_path(path)

    def export_dialog(self, view: str = "result") -> None:
        """Export (Ctrl+S) the shown tab's result, or one of ``core.colorize.views.EXTRA_VIEWS``."""
        self.current_tab().export_dialog(view)

    def paste(self) -> None:
        img = QGuiApplication.clipboard().image()
        if img.isNull():
            self.show_message("The clipboard holds no image.", "warning")
            return
        tab = self._image_tab()
        self.tabs.setCurrentWidget(tab)
        tab.open_image(img, "pasted image")

    def cancel_current(self) -> None:
        """Cancel (Esc): stop what the shown tab runs, when Cancel may (``TabPage.can_cancel``)."""
        tab = self.current_tab()
        if tab.can_cancel():
            tab.cancel()

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        v = self.settings.value("recent", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _on_image_opened(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files() if f != path]
        self.settings.setValue("recent", files[:MAX_RECENT])
        dialog_folders.remember("open", Path(path).parent)
        self._update_title()

    def _update_title(self) -> None:
        """The shown tab's document (the open photo's name), else the tab's name."""
        name = self.current_tab().document_title()
        if name is None:
            name = self.tabs.tabText(self.tabs.currentIndex()).strip()
        self.setWindowTitle(f"{name} — {APP_NAME}" if name else APP_NAME)

    # ------------------------------------------------------------------ messages/status
    STATUS_CHARS = 70   # longer messages stay in the strip only: the status bar would cut them

    def show_message(self, text: str, level: str = "info", source=None) -> None:
        """Non-modal: the message strip (and the status bar for a few seconds when it is short).

        A message belongs to the tab it came from (``source``; default the current one):
        shown while that tab is, hidden on the others, back when the user returns."""
        source = source if source is not None else self.tabs.currentWidget()
        self._last_said[source] = text
        if level != "info":  # info fades by itself; what needs reading waits for its tab
            self._tab_messages[source] = (text, level)
        if source is self.tabs.currentWidget():
            self.messages.show_message(text, level)
            if len(text) <= self.STATUS_CHARS:
                self.statusBar().showMessage(text, 5000)

    def clear_message(self, source) -> None:
        """``source`` says its last message no longer applies: hidden from the strip and the
        status bar, an info note ("Loading model 5 of 6…") as much as a warning."""
        held = self._tab_messages.pop(source, None)
        text = self._last_said.pop(source, None)
        if source is not self.tabs.currentWidget() or text is None:
            return
        if held is not None or self.messages.message() == text:
            self.messages.dismiss()
        if self.statusBar().currentMessage() == text:
            self.statusBar().clearMessage()

    def _show_tab_message(self) -> None:
        self.statusBar().clearMessage()   # it spoke of the tab just left
        held = self._tab_messages.get(self.tabs.currentWidget())
        if held:
            self.messages.show_message(*held)
        elif self.messages.isVisible():
            self.messages.blockSignals(True)  # hiding another tab's message is not dismissing it
            self.messages.dismiss()
            self.messages.blockSignals(False)

    def _on_status(self, st: dict) -> None:
        for key, lab in self.chrome.status_labels.items():
            val = st.get(key, "")
            lab.setText(f" {val} " if val else "")

    def _on_busy(self, busy: bool) -> None:
        self.chrome.busy_bar.setVisible(busy)
        self._update_actions()

    def _photo_actions(self) -> list[QAction]:
        c = self.chrome
        return [c.act_undo, c.act_redo, c.act_copy, c.act_fit, c.act_100, c.act_zoom_in, c.act_zoom_out,
                c.act_wiper, c.act_rerun]

    def _bind_shortcuts(self, photo: bool) -> None:
        """The photo actions' shortcuts exist only while a photo tab is shown, so other
        tabs' widgets (the facade painter's Ctrl+Z, its B/R/F/E tools) own their keys."""
        if not hasattr(self, "_shortcuts"):
            self._shortcuts = {a: a.shortcuts() for a in self._photo_actions()}
        for a, keys in self._shortcuts.items():
            a.setShortcuts(keys if photo else [])

    def _update_actions(self) -> None:
        c, tab = self.chrome, self.current_tab()
        photo = tab.photo_actions
        self._bind_shortcuts(photo)
        for a in (c.act_undo, c.act_redo):  # hint undo means nothing on other tabs
            a.setVisible(photo)
        has = tab.can_export()
        for lab in c.status_labels.values():  # image/model/time describe the photo tab
            lab.setVisible(photo)
        for a in (c.act_fit, c.act_100, c.act_zoom_in, c.act_zoom_out, c.act_wiper, c.act_rerun):
            a.setEnabled(photo)
        c.act_export.setEnabled(has)
        c.act_copy.setEnabled(photo and has)
        for a in c.act_export_views.values():
            a.setEnabled(photo and has)
        c.act_cancel.setEnabled(tab.can_cancel())

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:
        md = event.mimeData()
        if (md.hasUrls() and any(u.isLocalFile() for u in md.urls())) or md.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        md = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
        if paths:
            self.drop_paths(paths)
        elif md.hasImage():
            tab = self._image_tab()
            self.tabs.setCurrentWidget(tab)
            tab.open_image(md.imageData(), "dropped image")
        event.acceptProposedAction()

    def drop_paths(self, paths: list[Path], follow_tab: bool = True) -> None:
        """Open ``paths`` in the tab that takes them (``TabPage.takes_paths``): the shown
        tab first when ``follow_tab``, else the first in order (one photo: Colorize;
        several, a folder or a video: Batch)."""
        if not paths:
            return
        shown = self.current_tab() if follow_tab else None
        candidates = ([shown] if shown is not None else []) + self.pages()
        tab = next((t for t in candidates if t.takes_paths(paths, t is shown)), None)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            tab.open_paths(paths)

    # ------------------------------------------------------------------ theme
    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            for target, name in self._icons:
                if isinstance(target, tuple):
                    self.tabs.setTabIcon(target[1], icon(name))
                else:
                    target.setIcon(icon(name))
        super().changeEvent(event)

    # ------------------------------------------------------------------ settings & close
    def _restore_settings(self) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 820)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)
        for tab in self.pages():
            tab.restore_settings(s)
        try:
            self.tabs.setCurrentIndex(int(s.value("window/tab", 0)))
        except (TypeError, ValueError):
            pass

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        for tab in self.pages():
            tab.save_settings(s)
        s.sync()

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before closing over each tab's running work (a training run, a batch); a yes stops it."""
        for tab in self.pages():
            question = tab.close_question()
            if question is None:
                continue
            if not self._ask(*question):
                event.ignore()
                return
            tab.cancel()
        self.save_settings()
        self._cancel_background_work()
        event.accept()

    def _cancel_background_work(self) -> None:
        """Cancel what runs, waiting for none of it: a prediction, a model's loading or a
        batch's frame is dropped (their files are written atomically; a batch resumes), and
        the app's exit (``app.end_process``) waits only for a user's file being written.
        Waiting here kept the window up, then the process alive, for seconds (issue 32, item 14)."""
        for tab in self.pages():
            tab.shutdown(0)

