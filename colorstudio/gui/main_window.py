"""The main window: a thin composition of the mode widgets, menus, toolbar, status bar.

It owns no image logic.  Modes (tabs): Colorize (:class:`ColorizePage`), Batch
(:class:`BatchPanel`), Train (:class:`TrainingDashboard`), Facades (:class:`FacadePanel`).
The window wires actions to them, remembers folders, model, geometry and recent files
in QSettings, accepts drops, and asks before closing over a running training or batch.
Nothing here imports torch: the registry is listed in a worker after the window shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QSettings, Qt, QThreadPool
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMenu,
                               QMessageBox, QProgressBar, QTabWidget, QToolBar, QToolButton,
                               QVBoxLayout, QWidget)

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.batch_panel import BatchPanel
from colorstudio.gui.widgets.colorize_page import ColorizePage
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.message_bar import MessageBar
from colorstudio.gui.widgets.model_picker import load_entries
from colorstudio.gui.workers import Worker, start

APP_NAME = "ColorStudio"
MAX_RECENT = 10
OPEN_FILTER = ("Images (*.png *.jpg *.jpeg *.jpe *.tif *.tiff *.bmp *.webp *.gif);;"
               "All files (*)")
EXPORT_FILTERS = {"PNG (*.png)": ".png", "JPEG (*.jpg *.jpeg)": ".jpg", "TIFF (*.tif *.tiff)": ".tif"}


class MainWindow(QMainWindow):
    """See the module docstring. ``settings`` and ``cache`` are injectable for tests."""

    def __init__(self, settings: QSettings | None = None, cache: PredictorCache | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.cache = cache or PredictorCache()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._icons: list[tuple[object, str]] = []
        self._registry_worker: Worker | None = None

        # modes
        self.messages = MessageBar()
        self._tab_messages: dict = {}   # tab widget -> (text, level) it last said
        self.colorize = ColorizePage(self.cache)
        self.batch = BatchPanel(self.cache)
        from colorstudio.gui.widgets.facade_panel import FacadePanel
        from colorstudio.gui.widgets.training_dashboard import TrainingDashboard

        self.dashboard = TrainingDashboard(settings=self.settings)
        self.facades = FacadePanel(settings=self.settings)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for w, name, ic, tip in (
                (self.colorize, "Colorize", "mdi6.palette", "One photo: colorize, compare, hints, export"),
                (self.batch, "Batch", "mdi6.filmstrip", "Many frames or a video: colorize them all"),
                (self.dashboard, "Train", "mdi6.chart-line", "Train a model and watch its curves"),
                (self.facades, "Facades", "mdi6.office-building", "Paint a facade label map, get a photo")):
            i = self.tabs.addTab(w, icon(ic), name)
            self.tabs.setTabToolTip(i, tip)
            self._icons.append((("tab", i), ic))
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(4)
        lay.addWidget(self.messages)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._make_status_bar()
        self._make_actions()
        self._make_menus()
        self._make_toolbar()

        # wiring
        self.colorize.message.connect(lambda t, lv: self.show_message(t, lv, self.colorize))
        self.colorize.messageCleared.connect(lambda: self.clear_message(self.colorize))
        self.colorize.statusChanged.connect(self._on_status)
        self.colorize.busyChanged.connect(self._on_busy)
        self.colorize.imageOpened.connect(self._on_image_opened)
        self.colorize.resultReady.connect(lambda _o: self._update_actions())
        self.colorize.empty.openRequested.connect(self.open_dialog)
        self.colorize.compare.modeChanged.connect(
            lambda m: self.act_wiper.setChecked(m == CompareView.WIPER))
        self.batch.message.connect(lambda t, lv: self.show_message(t, lv, self.batch))
        self.batch.runStarted.connect(self._update_actions)
        self.batch.runFinished.connect(lambda _c: self._update_actions())
        self.batch.set_hints_provider(self.colorize.hints_editor.hints)
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())
        self.tabs.currentChanged.connect(lambda _i: self._show_tab_message())
        self.facades.failed.connect(lambda m: self.show_message(m, "error", self.facades))
        self.messages.dismissed.connect(lambda: self._tab_messages.pop(self.tabs.currentWidget(), None))

        self._restore_settings()
        self._update_actions()

    # ------------------------------------------------------------------ building
    def _action(self, text: str, slot: Callable, shortcut=None, ic: str | None = None,
                tip: str | None = None, checkable: bool = False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            a.setShortcuts([QKeySequence(k) for k in keys])
        if ic:
            a.setIcon(icon(ic))
            self._icons.append((a, ic))
        shortcut_text = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tip = tip or text.replace("…", "").replace("&", "")
        a.setToolTip(f"{tip} ({shortcut_text})" if shortcut_text else tip)
        a.setStatusTip(tip)
        a.setCheckable(checkable)
        (a.toggled if checkable else a.triggered).connect(slot)
        self.addAction(a)  # shortcuts work even when the toolbar is hidden
        return a

    def _make_actions(self) -> None:
        page = self.colorize
        self.act_open = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                     "mdi6.folder-open", "Open an image")
        self.act_export = self._action("&Export…", self.export_dialog, ["Ctrl+S", "Ctrl+E"],
                                       "mdi6.content-save", "Export the result at full resolution")
        self.act_copy = self._action("&Copy result", page.copy_result, "Ctrl+C",
                                     "mdi6.content-copy", "Copy the result to the clipboard")
        self.act_paste = self._action("&Paste image", self.paste, "Ctrl+V", "mdi6.content-paste",
                                      "Colorize the image on the clipboard")
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        stack = page.hints_editor.model.undo_stack
        self.act_undo = stack.createUndoAction(self, "&Undo hint")
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = stack.createRedoAction(self, "&Redo hint")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a, ic, tip in ((self.act_undo, "mdi6.undo", "Undo the last hint edit (Ctrl+Z)"),
                           (self.act_redo, "mdi6.redo", "Redo the hint edit (Ctrl+Shift+Z)")):
            a.setIcon(icon(ic))
            a.setToolTip(tip)
            self._icons.append((a, ic))
            self.addAction(a)
        cmp_ = page.compare
        self.act_fit = self._action("&Fit to window", cmp_.fit, "Ctrl+0", "mdi6.fit-to-screen")
        self.act_100 = self._action("&Actual size (100%)", cmp_.zoom_100, "Ctrl+1",
                                    "mdi6.numeric-1-box-outline", "Actual pixels")
        self.act_zoom_in = self._action("Zoom &in", lambda: cmp_.zoom_by(1.25), ["Ctrl++", "Ctrl+="],
                                        "mdi6.magnify-plus-outline")
        self.act_zoom_out = self._action("Zoom &out", lambda: cmp_.zoom_by(0.8), "Ctrl+-",
                                         "mdi6.magnify-minus-outline")
        self.act_wiper = self._action(
            "Before/after &wiper", lambda on: cmp_.set_mode(CompareView.WIPER if on else CompareView.SIDE),
            "W", "mdi6.compare-horizontal", "Before/after wiper instead of side by side", checkable=True)
        self.act_rerun = self._action("&Run again", page.rerun, "F5", "mdi6.refresh",
                                      "Run the network again")
        self.act_cancel = self._action("&Cancel", self.cancel_current, "Esc", "mdi6.stop",
                                       "Cancel the running colorization")
        self.act_modes = []
        for i in range(self.tabs.count()):
            a = self._action(self.tabs.tabText(i), lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                             f"Alt+{i + 1}", tip=f"Switch to {self.tabs.tabText(i)}")
            self.act_modes.append(a)
        self.act_about = self._action("&About ColorStudio", self.about)
        self.act_keys = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1")

    def _make_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.act_open)
        self.recent_menu = m.addMenu(icon("mdi6.history"), "Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.samples_menu = m.addMenu(icon("mdi6.image-multiple"), "&Samples")
        self._fill_samples(self.samples_menu)
        m.addAction(self.act_paste)
        m.addSeparator()
        m.addAction(self.act_export)
        m.addAction(self.act_copy)
        m.addSeparator()
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        m.addAction(self.act_undo)
        m.addAction(self.act_redo)
        m = mb.addMenu("&View")
        for a in (self.act_fit, self.act_100, self.act_zoom_in, self.act_zoom_out, self.act_wiper):
            m.addAction(a)
        m.addSeparator()
        for a in self.act_modes:
            m.addAction(a)
        m = mb.addMenu("&Run")
        m.addAction(self.act_rerun)
        m.addAction(self.act_cancel)
        m = mb.addMenu("&Help")
        m.addAction(self.act_keys)
        m.addAction(self.act_about)

    def _make_toolbar(self) -> None:
        tb = QToolBar("Main")
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addAction(self.act_open)
        samples = QToolButton()
        samples.setIcon(icon("mdi6.image-multiple"))
        self._icons.append((samples, "mdi6.image-multiple"))
        samples.setToolTip("Open a sample image")
        samples.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        samples.setMenu(self.samples_menu)
        tb.addWidget(samples).setToolTip(samples.toolTip())
        tb.addAction(self.act_export)
        tb.addAction(self.act_copy)
        tb.addSeparator()
        tb.addAction(self.act_undo)
        tb.addAction(self.act_redo)
        tb.addSeparator()
        for a in (self.act_fit, self.act_100, self.act_zoom_in, self.act_zoom_out, self.act_wiper):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.act_rerun)
        tb.addAction(self.act_cancel)
        self.toolbar = tb
        self.addToolBar(tb)

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(90)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        sb.addPermanentWidget(self.busy_bar)
        self.status_labels: dict[str, QLabel] = {}
        for key, tip in (("size", "Image size and depth"), ("model", "Model"),
                         ("device", "Device the model runs on"), ("time", "Time taken by the last run"),
                         ("zoom", "Zoom")):
            lab = QLabel()
            lab.setToolTip(tip)
            sb.addPermanentWidget(lab)
            self.status_labels[key] = lab

    def _fill_samples(self, menu: QMenu) -> None:
        from colorstudio.paths import sample_images

        for p in sample_images():
            a = menu.addAction(p.stem.replace("_", " "))
            a.setToolTip(str(p))
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for f in files:
            a = self.recent_menu.addAction(Path(f).name)
            a.setToolTip(f)
            a.setStatusTip(f)
            a.triggered.connect(lambda _=False, f=f: self.open_path(f))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", lambda: self.settings.setValue("recent", []))
        else:
            self.recent_menu.addAction("(no recent files)").setEnabled(False)

    # ------------------------------------------------------------------ start-up
    def start_loading(self) -> Worker:
        """List the registry (imports torch) in a worker; fill the pickers when done."""
        self.statusBar().showMessage("Loading models…")
        w = Worker(load_entries, None)
        w.signals.result.connect(self._on_entries)
        w.signals.error.connect(lambda m: self.show_message(f"Cannot list the models: {m}", "error"))
        self._registry_worker = w
        start(w, QThreadPool.globalInstance())
        return w

    def _on_entries(self, out) -> None:
        entries, devices = out
        s = self.settings
        model, device = s.value("model/name", None), s.value("model/device", None)
        if model is None:
            from colorstudio.models import default_model

            model = default_model("colorize")
        self.colorize.set_entries(entries, devices, model, device)
        self.batch.set_entries(entries, devices, model, device)
        self.statusBar().showMessage("Models ready", 3000)

    # ------------------------------------------------------------------ file actions
    def open_path(self, path: str | Path) -> None:
        self.tabs.setCurrentWidget(self.colorize)
        self.colorize.open_path(path)

    def open_dialog(self) -> None:
        folder = str(self.settings.value("paths/open", "") or "")
        path, _ = QFileDialog.getOpenFileName(self, "Open image", folder, OPEN_FILTER)
        if path:
            self.open_path(path)

    def export_dialog(self) -> None:
        if self.tabs.currentWidget() is self.facades:  # Ctrl+S saves that tab's result too
            self.facades.save_photo_dialog()
            return
        page = self.colorize
        if self.tabs.currentWidget() is not page or not page.has_result():
            self.show_message("Nothing to export yet: colorize an image first.", "warning")
            return
        folder = str(self.settings.value("paths/export", "") or (page.path.parent if page.path else ""))
        stem = (page.path.stem if page.path else "image") + "_colorized"
        path, flt = QFileDialog.getSaveFileName(self, "Export result", str(Path(folder) / f"{stem}.png"),
                                                ";;".join(EXPORT_FILTERS))
        if not path:
            return
        p = Path(path)
        if p.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            p = p.with_suffix(EXPORT_FILTERS.get(flt, ".png"))
        self.export(p)

    def export(self, path: str | Path) -> Worker | None:
        p = Path(path)
        self.settings.setValue("paths/export", str(p.parent))
        out = self.colorize.output
        if out is not None and out.colorized.rgb.dtype.itemsize > 1 and p.suffix.lower() in (".jpg", ".jpeg"):
            self.show_message("JPEG stores 8 bits per channel; export PNG or TIFF to keep 16 bits.", "info")
        return self.colorize.export(p)

    def paste(self) -> None:
        from colorstudio.gui.qimage import from_qimage

        img = QGuiApplication.clipboard().image()
        if img.isNull():
            self.show_message("The clipboard holds no image.", "warning")
            return
        self.tabs.setCurrentWidget(self.colorize)
        self.colorize.set_image(from_qimage(img), "pasted image")

    def cancel_current(self) -> None:
        if self.tabs.currentWidget() is self.batch:
            self.batch.cancel()
        else:
            self.colorize.cancel()

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        v = self.settings.value("recent", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _on_image_opened(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files() if f != path]
        self.settings.setValue("recent", files[:MAX_RECENT])
        self.settings.setValue("paths/open", str(Path(path).parent))
        self.setWindowTitle(f"{Path(path).name} — {APP_NAME}")

    # ------------------------------------------------------------------ messages/status
    STATUS_CHARS = 70   # longer messages stay in the strip only: the status bar would cut them

    def show_message(self, text: str, level: str = "info", source=None) -> None:
        """Non-modal: the message strip (and the status bar for a few seconds when it is short).

        A message belongs to the tab it came from (``source``; default the current one):
        shown while that tab is, hidden on the others, back when the user returns."""
        source = source if source is not None else self.tabs.currentWidget()
        if level != "info":  # info fades by itself; what needs reading waits for its tab
            self._tab_messages[source] = (text, level)
        if source is self.tabs.currentWidget():
            self.messages.show_message(text, level)
            if len(text) <= self.STATUS_CHARS:
                self.statusBar().showMessage(text, 5000)

    def clear_message(self, source) -> None:
        """``source`` says its last message no longer applies."""
        if self._tab_messages.pop(source, None) is not None and source is self.tabs.currentWidget():
            self.messages.dismiss()

    def _show_tab_message(self) -> None:
        held = self._tab_messages.get(self.tabs.currentWidget())
        if held:
            self.messages.show_message(*held)
        elif self.messages.isVisible():
            self.messages.blockSignals(True)  # hiding another tab's message is not dismissing it
            self.messages.dismiss()
            self.messages.blockSignals(False)

    def _on_status(self, st: dict) -> None:
        for key, lab in self.status_labels.items():
            val = st.get(key, "")
            lab.setText(f" {val} " if val else "")

    def _on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self._update_actions()

    def _colorize_only_actions(self) -> list[QAction]:
        return [self.act_undo, self.act_redo, self.act_copy, self.act_fit,
                self.act_100, self.act_zoom_in, self.act_zoom_out, self.act_wiper, self.act_rerun]

    def _bind_shortcuts(self, on_colorize: bool) -> None:
        """Colorize-tab shortcuts exist only while that tab is shown, so other tabs'
        widgets (the facade painter's Ctrl+Z, its B/R/F/E tools) own their keys."""
        if not hasattr(self, "_shortcuts"):
            self._shortcuts = {a: a.shortcuts() for a in self._colorize_only_actions()}
        for a, keys in self._shortcuts.items():
            a.setShortcuts(keys if on_colorize else [])

    def _update_actions(self) -> None:
        on_colorize = self.tabs.currentWidget() is self.colorize
        self._bind_shortcuts(on_colorize)
        for a in (self.act_undo, self.act_redo):  # hint undo means nothing on other tabs
            a.setVisible(on_colorize)
        has = self.colorize.has_result()
        for lab in self.status_labels.values():  # image/model/time describe the Colorize tab
            lab.setVisible(on_colorize)
        for a in (self.act_fit, self.act_100, self.act_zoom_in, self.act_zoom_out, self.act_wiper,
                  self.act_rerun):
            a.setEnabled(on_colorize)
        self.act_export.setEnabled((on_colorize and has) or self.tabs.currentWidget() is self.facades)
        self.act_copy.setEnabled(on_colorize and has)
        on_batch = self.tabs.currentWidget() is self.batch
        self.act_cancel.setEnabled((on_colorize and self.colorize.runner.is_busy())
                                   or (on_batch and self.batch.is_running()))

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        md = event.mimeData()
        if (md.hasUrls() and any(u.isLocalFile() for u in md.urls())) or md.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        md = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
        if paths:
            self.drop_paths(paths)
        elif md.hasImage():
            from colorstudio.gui.qimage import from_qimage

            self.tabs.setCurrentWidget(self.colorize)
            self.colorize.set_image(from_qimage(md.imageData()), "dropped image")
        event.acceptProposedAction()

    def drop_paths(self, paths: list[Path], follow_tab: bool = True) -> None:
        """One file: colorize it. Several, a folder or a video (or a drop on the Batch
        tab when ``follow_tab``): batch inputs."""
        from colorstudio.core.frames import is_video_file

        if not paths:
            return
        batchy = (len(paths) > 1 or paths[0].is_dir() or is_video_file(paths[0])
                  or (follow_tab and self.tabs.currentWidget() is self.batch))
        if batchy:
            self.tabs.setCurrentWidget(self.batch)
            self.batch.add_inputs(paths)
        else:
            self.open_path(paths[0])

    # ------------------------------------------------------------------ help
    def about(self) -> None:
        from colorstudio import __version__ as version

        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b> {version}<br>Learned colorization of black-and-white "
                          "photos and frames, training dashboard and facade painter.")

    def show_shortcuts(self) -> None:
        rows = []
        for a in self.actions():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            if keys:
                rows.append(f"<tr><td><b>{keys}</b></td><td>{a.text().replace('&', '')}</td></tr>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          "<table cellspacing=4>" + "".join(rows) + "</table>", parent=self)
        box.setModal(False)
        box.show()

    # ------------------------------------------------------------------ theme
    def changeEvent(self, event) -> None:  # noqa: N802
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
        try:
            self.colorize.controls.set_render_size(int(s.value("colorize/render_size", 0)))
            self.colorize.controls.set_saturation(float(s.value("colorize/saturation", 1.0)))
            self.tabs.setCurrentIndex(int(s.value("window/tab", 0)))
        except (TypeError, ValueError):
            pass
        self.batch.restore_settings(s)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        name = self.colorize.model_name()
        if name:
            s.setValue("model/name", name)
            s.setValue("model/device", self.colorize.picker.device())
        s.setValue("colorize/render_size", self.colorize.controls.render_size())
        s.setValue("colorize/saturation", self.colorize.controls.saturation())
        self.batch.save_settings(s)
        s.sync()

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.dashboard.is_running():
            if not self._ask("Training is running",
                             "A training run is still going. Stop it and quit?\n"
                             "(Its last checkpoint is kept; you can resume it later.)"):
                event.ignore()
                return
            self.dashboard.stop()
        if self.batch.is_running():
            if not self._ask("Batch is running",
                             "A batch is still colorizing. Cancel it and quit?\n"
                             "(Finished frames are kept; a rerun resumes.)"):
                event.ignore()
                return
            self.batch.cancel()
        self.save_settings()
        self.colorize.shutdown()
        self.batch.shutdown()
        self.facades.shutdown()
        event.accept()


def create_window(settings: QSettings | None = None, cache: PredictorCache | None = None) -> MainWindow:
    """Build the window (needs a QApplication)."""
    if QApplication.instance() is None:
        raise RuntimeError("create a QApplication before the main window")
    return MainWindow(settings, cache)
