"""The main window's chrome: actions with their shortcuts and icons, the menus, the
toolbar, the status bar, and the help boxes.

A part the :class:`~colorstudio.gui.main_window.MainWindow` is composed of (not a mixin):
it builds the widgets and actions onto the window it is given and connects them to that
window's slots (``open_dialog``, ``export_dialog``, ``paste``, ``cancel_current``,
``open_path``, ``recent_files``) and its pages; the window reaches them as
``win.chrome.act_open`` etc.  It holds no state beyond the widgets it makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QProgressBar, QToolBar, QToolButton

from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.plaintext import tooltip

APP_NAME = "ColorStudio"



HELP_PROPERTY = "shortcutHelp"   # an action's plain name in the shortcuts help, when its text is not

# Keys and mouse gestures that are not menu actions, by where they work.
MOUSE_AND_KEYS = (
    ("Colorize: view", (("Wheel", "zoom at the pointer"), ("Drag", "pan (both sides follow)"))),
    ("Colorize: colour hints", (("Click", "add a hint (or select one)"), ("Drag", "move the hint"),
                                ("Right-click", "delete the hint"), ("Double-click", "change its colour"),
                                ("Del / Backspace", "delete the selected hint"))),
    ("Colorize: damage mask brush", (("Drag", "mark damage (the repair follows)"),
                                     ("Right-drag / Alt+drag", "erase from the mask"),
                                     ("Middle-drag", "pan"))),
    ("Facades: label painter", (("B", "brush"), ("R", "rectangle"), ("F", "fill"), ("E", "eraser"),
                                ("[ / ]", "smaller / larger brush"), ("Ctrl+Shift+R", "a random layout"),
                                ("Ctrl+Shift+S", "save the label map"))),
)


def shortcuts_html(actions) -> str:
    """The help table: every action with a shortcut (named plainly), then mouse and keys."""
    from html import escape

    rows = []
    for a in actions:
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
        if keys:
            name = a.property(HELP_PROPERTY) or a.text().replace("&", "")
            rows.append(f"<tr><td><b>{escape(keys)}</b></td><td>{escape(name)}</td></tr>")
    for where, items in MOUSE_AND_KEYS:
        rows.append(f"<tr><td colspan=2><br><i>{escape(where)}</i></td></tr>")
        rows += [f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in items]
    return "<table cellspacing=4>" + "".join(rows) + "</table>"

class WindowChrome(QObject):
    """Actions, menus, toolbar, status bar and help of the main window ``win``.

    ``icons`` collects (widget or action, icon name) pairs so the window can redraw the
    icons when the palette changes."""

    def __init__(self, win, icons: list):
        super().__init__(win)
        self.win = win
        self._icons = icons
        self._make_status_bar()
        self._make_actions()
        self._make_menus()
        self._make_toolbar()

    # ------------------------------------------------------------------ building
    def _action(self, text: str, slot: Callable, shortcut=None, ic: str | None = None,
                tip: str | None = None, checkable: bool = False) -> QAction:
        a = QAction(text, self.win)
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
        self.win.addAction(a)  # shortcuts work even when the toolbar is hidden
        return a

    def _make_actions(self) -> None:
        page = self.win.colorize
        self.act_open = self._action("&Open…", self.win.open_dialog, QKeySequence.StandardKey.Open,
                                     "mdi6.folder-open", "Open an image")
        self.act_export = self._action("&Export…", lambda: self.win.export_dialog(), ["Ctrl+S", "Ctrl+E"],
                                       "mdi6.content-save", "Export the result at full resolution")
        # The views a restorer sends or keeps working on (core.colorize.views): one action each.
        self.act_export_views = {
            "before-after": self._action("Export &before/after…", lambda: self.win.export_dialog("before-after"),
                                         None, "mdi6.compare", "Export the original and the result side by side"),
            "wiper": self._action("Export the &wiper view…", lambda: self.win.export_dialog("wiper"), None,
                                  "mdi6.compare-horizontal", "Export the wiper view as shown (original left of "
                                  "the divider)"),
            "colour-layer": self._action("Export the &colour layer…", lambda: self.win.export_dialog("colour-layer"),
                                         None, "mdi6.palette", "Export the colour alone, to lay over the original "
                                         "in an editor's Color blend mode"),
        }
        self.act_copy = self._action("&Copy result", page.copy_result, "Ctrl+C",
                                     "mdi6.content-copy", "Copy the result to the clipboard")
        self.act_paste = self._action("&Paste image", self.win.paste, "Ctrl+V", "mdi6.content-paste",
                                      "Colorize the image on the clipboard")
        self.act_quit = self._action("&Quit", self.win.close, QKeySequence.StandardKey.Quit)
        stack = page.undo_stack()
        self.act_undo = stack.createUndoAction(self.win, "&Undo hint")
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = stack.createRedoAction(self.win, "&Redo hint")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # Qt appends the command to these texts ("Undo hint load hints"): the help names them plainly.
        self.act_undo.setProperty(HELP_PROPERTY, "Undo the last hint edit (in the painter: its last stroke)")
        self.act_redo.setProperty(HELP_PROPERTY, "Redo")
        for a, ic, tip in ((self.act_undo, "mdi6.undo", "Undo the last hint edit (Ctrl+Z)"),
                           (self.act_redo, "mdi6.redo", "Redo the hint edit (Ctrl+Shift+Z)")):
            a.setIcon(icon(ic))
            a.setToolTip(tip)
            self._icons.append((a, ic))
            self.win.addAction(a)
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
        page.viewModeChanged.connect(lambda m: self.act_wiper.setChecked(m == CompareView.WIPER))
        self.act_rerun = self._action("&Run again", page.run_again, "F5", "mdi6.refresh",
                                      "Run the network again")
        self.act_cancel = self._action("&Cancel", self.win.cancel_current, "Esc", "mdi6.stop",
                                       "Cancel the running colorization")
        self.act_modes = []
        for i in range(self.win.tabs.count()):
            a = self._action(self.win.tabs.tabText(i), lambda _=False, i=i: self.win.tabs.setCurrentIndex(i),
                             f"Alt+{i + 1}", tip=f"Switch to {self.win.tabs.tabText(i)}")
            self.act_modes.append(a)
        self.act_about = self._action("&About ColorStudio", self.about)
        self.act_keys = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1")

    def _make_menus(self) -> None:
        mb = self.win.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.act_open)
        self.recent_menu = m.addMenu(icon("mdi6.history"), "Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.samples_menu = m.addMenu(icon("mdi6.image-multiple"), "&Samples")
        self._fill_samples(self.samples_menu)
        m.addAction(self.act_paste)
        m.addSeparator()
        m.addAction(self.act_export)
        for a in self.act_export_views.values():
            m.addAction(a)
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
        self.win.addToolBar(tb)

    def _make_status_bar(self) -> None:
        sb = self.win.statusBar()
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
            a.setToolTip(tooltip(str(p)))
            a.triggered.connect(lambda _=False, p=p: self.win.open_path(p))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.win.recent_files()
        for f in files:
            a = self.recent_menu.addAction(Path(f).name)
            a.setToolTip(tooltip(f))
            a.setStatusTip(f)
            a.triggered.connect(lambda _=False, f=f: self.win.open_path(f))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", lambda: self.win.settings.setValue("recent", []))
        else:
            self.recent_menu.addAction("(no recent files)").setEnabled(False)

    # ------------------------------------------------------------------ help
    def about(self) -> None:
        from colorstudio import __version__ as version

        QMessageBox.about(self.win, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b> {version}<br>Learned colorization of black-and-white "
                          "photos and frames, training dashboard and facade painter.")

    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", shortcuts_html(self.win.actions()),
                          parent=self.win)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setModal(False)
        box.show()
        self._shortcuts_box = box

