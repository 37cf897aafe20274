"""The Shot tab: colour a keyframe once and carry it through the shot.

Open a video or a folder of frames, scrub to any frame, place hints with the same hint
editor as the Colorize tab -- on as many keyframes as you like.  The hints are carried to
the other frames by optical flow (:mod:`colorstudio.core.batch.shot`: dropped where the flow
is unreliable and at cuts) and fed to the hint model; the frame in view is colorized
live (its preview), with the carried hints drawn as rings; coloured frames are kept (the
last :data:`CACHE_FRAMES`), so a frame seen once shows again at once.  Playback shows only
coloured frames: a second worker colours the frames ahead of the playhead, and the
playhead moves on to a frame once its colour is in, at most at the shot's frame rate --
as fast as the machine colours them (the info line says which).  The shot's hints save and
load as one JSON file (the CLI's ``--hints`` reads it); "Colorize shot" hands the
source and every frame's hints to the Batch tab, which writes the full-size frames.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from colorstudio.gui import dialog_folders
from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import build_pyramid, to_qimage
from colorstudio.gui.reference_jobs import no_reference_hints
from colorstudio.gui.tabs.shot.jobs import (FrameResult, ShotData, colour_ahead, full_plan, open_shot,
                                             shot_reference_job, view_frame)
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.tabs.shot.frame_slider import FrameSlider
from colorstudio.gui.widgets.hints_editor import HintsEditor
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker
from colorstudio.gui.workers import LatestRunner, Worker, run_kept

PLAY_TIP = "Play the shot in colour (at its frame rate, or as fast as the model colours frames)"
CACHE_FRAMES = 64     # coloured previews kept (~0.5 MB each), the least recently shown dropped first
AHEAD_FRAMES = 48     # how far ahead of the playhead playback colours (below CACHE_FRAMES: none evicted unseen)


class CarriedHintsTool:
    """The hint editor's tool, plus rings where hints carried from keyframes landed."""

    RING = 9

    def __init__(self, inner, panel: "ShotPanel"):
        self.inner, self.panel = inner, panel
        self.cursor = inner.cursor

    def __getattr__(self, name):          # press / move / release / double_click / key
        return getattr(self.inner, name)

    def paint(self, painter: QPainter, canvas) -> None:
        img = canvas.image()
        if img is not None:
            own = self.panel.keyframes.get(self.panel.index, [])
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for x, y, rgb in self.panel.carried[len(own):]:      # the frame's own come first
                c = canvas.to_widget(QPointF(x * img.width(), y * img.height()))
                painter.setPen(QPen(QColor(0, 0, 0, 180), 4))
                painter.drawEllipse(c, self.RING, self.RING)
                painter.setPen(QPen(QColor(*rgb), 2.5))
                painter.drawEllipse(c, self.RING, self.RING)
        self.inner.paint(painter, canvas)


class ShotPanel(QWidget):
    """See the module docstring."""

    message = Signal(str, str)                 # text, level
    shotReady = Signal(object, object, str)    # source Path, per-frame hints, model key
    frameShown = Signal(int)                   # a result for this frame index is shown

    def __init__(self, cache: PredictorCache | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.cache = cache or PredictorCache()
        self.data: ShotData | None = None
        self.keyframes: dict[int, list] = {}   # frame index -> [(x, y, rgb)] placed there
        self.carried: list = []                # hints the frame in view got (drawn as rings)
        self.index = 0
        self.result: FrameResult | None = None
        self._token = 0
        self._jobs: list[Worker] = []
        self._send: tuple[Path, str] = (Path(), "")   # what "Colorize shot in Batch" hands over
        self._loading = False
        # Coloured frames by index, least recently shown first; valid for one epoch (shot,
        # keyframes) and one (model, device): _forget_colour starts a new one.
        self._coloured: OrderedDict[int, FrameResult] = OrderedDict()
        self._epoch = 0
        self._colour_for: tuple = (None, "")
        self._ahead_todo: set[int] = set()              # the frames the ahead job has still to colour
        self._colour_seconds: deque[float] = deque(maxlen=8)   # its seconds per frame, lately
        self._shown_at: deque[float] = deque(maxlen=25)        # when playback showed its last frames
        self._next_due = 0.0
        self._stalled = False                           # playback waits for the next frame's colour
        self._shown_cached = False                      # the result in view was coloured before

        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.error.connect(lambda m: self.message.emit(f"Colorizing the frame failed: {m}", "error"))
        self.runner.busy.connect(lambda b: self.compare.set_busy("colorizing…" if b else ""))
        # Playback's own worker, so that the frame in view stays responsive while it colours ahead.
        self.ahead = LatestRunner(self)
        self.ahead.progress.connect(self._on_ahead)
        self.ahead.error.connect(self._ahead_failed)
        self.ahead.busy.connect(lambda b: b or self._fill_ahead())
        self.opener = LatestRunner(self)
        self.opener.result.connect(self._on_opened)
        self.opener.progress.connect(self._on_open_progress)
        self.opener.error.connect(self._open_failed)

        # side: source, model, keyframes, hints
        self.source_label = QLabel("Open a video or a folder of frames.")
        self.source_label.setWordWrap(True)
        open_video = QPushButton(icon("mdi6.video"), "Video…")
        open_video.setToolTip("Open a video file as a shot")
        open_video.clicked.connect(self._open_video_dialog)
        open_dir = QPushButton(icon("mdi6.folder"), "Frames…")
        open_dir.setToolTip("Open a folder of frames (in name order) as a shot")
        open_dir.clicked.connect(self._open_dir_dialog)
        orow = QHBoxLayout()
        orow.addWidget(open_video)
        orow.addWidget(open_dir)
        src_box = QGroupBox("Shot")
        sl = QVBoxLayout(src_box)
        sl.addLayout(orow)
        sl.addWidget(self.source_label)

        self.picker = ModelPicker()
        self.picker.set_compact(True)
        self.picker.modelChanged.connect(lambda _n: self._colour_changed())
        self.picker.deviceChanged.connect(lambda _d: self._colour_changed())
        model_box = QGroupBox("Hint model")
        QVBoxLayout(model_box).addWidget(self.picker)

        self.keys_list = QListWidget()
        self.keys_list.setToolTip("Frames with hints of their own; click one to go there")
        self.keys_list.setMaximumHeight(120)
        self.keys_list.itemClicked.connect(lambda it: self.go_to(it.data(Qt.ItemDataRole.UserRole)))
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save…")
        self.save_button.setToolTip("Save every keyframe's hints as one shot file (the CLI's --hints reads it)")
        self.save_button.clicked.connect(self._save_dialog)
        self.load_button = QPushButton(icon("mdi6.folder-open-outline"), "Load…")
        self.load_button.setToolTip("Load a shot file (or a still-hints file: its hints go on this frame)")
        self.load_button.clicked.connect(self._load_dialog)
        krow = QHBoxLayout()
        krow.addWidget(self.save_button)
        krow.addWidget(self.load_button)
        keys_box = QGroupBox("Keyframes")
        kl = QVBoxLayout(keys_box)
        kl.addWidget(self.keys_list)
        kl.addLayout(krow)

        self.hints_editor = HintsEditor()
        self.hints_editor.set_available(True, "")
        self.hints_editor.model.changed.connect(self._hints_edited)
        self.hints_editor.referenceRequested.connect(self.hints_from_reference)
        hints_box = QGroupBox("Colour hints on this frame")
        QVBoxLayout(hints_box).addWidget(self.hints_editor)

        self.colorize_button = QPushButton(icon("mdi6.play"), "Colorize shot in Batch")
        self.colorize_button.setToolTip("Send the shot and every frame's carried hints to the Batch tab")
        self.colorize_button.clicked.connect(self.send_to_batch)

        side = QWidget()
        sv = QVBoxLayout(side)
        for w in (src_box, model_box, keys_box, hints_box):
            sv.addWidget(w)
        sv.addWidget(self.colorize_button)
        sv.addStretch(1)
        scroll = side_panel(side, 300)

        # view: frame | result, and the scrubber
        self.compare = CompareView()
        self.compare.left.caption = "frame"
        self.tool = CarriedHintsTool(self.hints_editor.tool, self)
        self.compare.left.set_tool(self.tool)
        self.hints_editor.model.changed.connect(self.compare.left.update)
        self.slider = FrameSlider()
        self.slider.setToolTip("Scrub through the shot; diamonds mark the keyframes")
        self.slider.valueChanged.connect(self.go_to)
        self.play_button = QPushButton(icon("mdi6.play"), "")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(PLAY_TIP)
        self.play_button.toggled.connect(self.play)
        self.prev_key = QPushButton(icon("mdi6.skip-previous"), "")
        self.prev_key.setToolTip("Previous keyframe")
        self.prev_key.clicked.connect(lambda: self._to_key(-1))
        self.next_key = QPushButton(icon("mdi6.skip-next"), "")
        self.next_key.setToolTip("Next keyframe")
        self.next_key.clicked.connect(lambda: self._to_key(1))
        self._play_timer = QTimer(self)
        self._play_timer.setSingleShot(True)
        self._play_timer.timeout.connect(self._play_tick)
        self.frame_box = QSpinBox()
        self.frame_box.setPrefix("frame ")
        self.frame_box.valueChanged.connect(lambda v: self.go_to(v - 1))
        self.frame_info = QLabel()
        srow = QHBoxLayout()
        for b in (self.prev_key, self.play_button, self.next_key):
            srow.addWidget(b)
        srow.addWidget(self.slider, 1)
        srow.addWidget(self.frame_box)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.compare, 1)
        rl.addLayout(srow)
        rl.addWidget(self.frame_info)

        side_by_side(self, scroll, right, (330, 950))
        self._enable(False)

    # ------------------------------------------------------------------ models
    def model_name(self) -> str | None:
        return self.picker.model_name()

    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        """The colorizers (every one follows hints)."""
        mine = [e for e in entries if e.task == "colorize" and e.hints]
        self.picker.set_entries(mine, devices, model if any(e.name == model for e in mine) else None, device)

    # ------------------------------------------------------------------ opening
    def open_path(self, path: str | Path) -> None:
        """Decode a video or a folder of frames in a worker (progress in the info line)."""
        self._loading = True
        self.frame_info.setText(f"opening {Path(path).name}…")
        self.opener.submit(open_shot, Path(path))

    def _open_video_dialog(self) -> None:
        from colorstudio.core.io.formats import video_filter

        f, _ = QFileDialog.getOpenFileName(self, "Open a video as a shot", dialog_folders.start_folder("shot"),
                                           video_filter(all_files=True))
        if f:
            dialog_folders.remember("shot", f)
            self.open_path(f)

    def _open_dir_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Open a folder of frames as a shot",
                                             dialog_folders.start_folder("shot"))
        if d:
            dialog_folders.remember("shot", Path(d).parent)   # the next shot is likely beside it
            self.open_path(d)

    def _on_open_progress(self, item) -> None:
        if isinstance(item, tuple) and len(item) == 2:
            done, total = item
            self.frame_info.setText(f"decoding frame {done}" + (f" of {total}" if total else "") + "…")

    def _open_failed(self, msg: str) -> None:
        self._loading = False
        self.frame_info.setText("")
        self.message.emit(f"Cannot open the shot: {msg}", "error")

    def _on_opened(self, data: ShotData) -> None:
        self._loading = False
        self.play(False)
        self.data = data
        self.keyframes = {}
        self._forget_colour()
        self.carried = []
        self.result = None
        n = len(data)
        h, w = data.full_size
        self.source_label.setText(f"{data.source.name}: {n} frames, {w}×{h}"
                                  + (f", {data.fps:.3g} fps" if data.fps else ""))
        for wdg in (self.slider, self.frame_box):
            wdg.blockSignals(True)
        self.slider.setRange(0, n - 1)
        self.frame_box.setRange(1, n)
        for wdg in (self.slider, self.frame_box):
            wdg.blockSignals(False)
        self._enable(True)
        self.index = -1
        self.go_to(0)
        self.compare.fit()
        self._refresh_keys()

    def _enable(self, on: bool) -> None:
        for w in (self.slider, self.frame_box, self.save_button, self.load_button, self.colorize_button,
                  self.hints_editor, self.play_button):
            w.setEnabled(on)
        self._key_buttons()

    def _key_buttons(self) -> None:
        on = self.data is not None
        self.prev_key.setEnabled(on and self.slider.neighbour_mark(self.index, -1) is not None)
        self.next_key.setEnabled(on and self.slider.neighbour_mark(self.index, 1) is not None)

    def _to_key(self, step: int) -> None:
        k = self.slider.neighbour_mark(self.index, step)
        if k is not None:
            self.go_to(k)

    # ------------------------------------------------------------------ playback
    def play(self, on: bool = True) -> None:
        """Play from the frame in view (from the start when at the end): the playhead moves
        on to a frame once its colour is in (coloured ahead in a worker of its own), at most
        at the shot's frame rate; stops at the last frame."""
        if self.play_button.isChecked() != on:
            self.play_button.setChecked(on)   # toggled -> here again
            return
        self.play_button.setIcon(icon("mdi6.pause" if on else "mdi6.play"))
        self.play_button.setToolTip("Pause" if on else PLAY_TIP)
        if not on:
            self._play_timer.stop()
            self.ahead.cancel()
            self._ahead_todo.clear()
            self._stalled = False
            if self.result is not None and self.result.index == self.index and self.data is not None:
                self._info(self.result, self._shown_cached)
            return
        if self.data is None:
            self.play_button.setChecked(False)
            return
        if self.index >= len(self.data) - 1:
            self.go_to(0)
        self._shown_at.clear()
        self._colour_seconds.clear()
        self._next_due = time.monotonic() + self._frame_s()
        self._fill_ahead()
        self._play_timer.start(round(self._frame_s() * 1000))

    def playing(self) -> bool:
        return self.play_button.isChecked()

    def _fps(self) -> float:
        """The rate playback aims at: the shot's (12 for a folder of frames), 60 at most."""
        return min(60.0, self.data.fps if self.data is not None and self.data.fps else 12.0)

    def _frame_s(self) -> float:
        return 1.0 / self._fps()

    def _play_tick(self) -> None:
        if not self.playing() or self.data is None:
            return
        if self.index >= len(self.data) - 1:
            self.play(False)
            return
        nxt = self.index + 1
        if self.picker.model_name() is not None and nxt not in self._coloured:
            self._stalled = True      # its colour is not in yet: _store ticks again when it is
            self._fill_ahead()
            return
        self._stalled = False
        now = time.monotonic()
        frame = self._frame_s()
        # on time: the next frame a frame later than this one was due; late (colour was
        # slower): a frame from now
        self._next_due = (self._next_due if now - self._next_due < frame else now) + frame
        self._shown_at.append(now)
        self.go_to(nxt)
        self._play_timer.start(max(0, round((self._next_due - time.monotonic()) * 1000)))

    def _fill_ahead(self) -> None:
        """While playing: colour the frames after the playhead that are not coloured yet (up
        to AHEAD_FRAMES ahead); a job already on the next of them goes on."""
        key = self.picker.model_name()
        if not self.playing() or self.data is None or key is None:
            return
        end = min(len(self.data), self.index + 1 + AHEAD_FRAMES)
        todo = [i for i in range(self.index + 1, end) if i not in self._coloured]
        if not todo:
            if self._stalled:
                self._play_timer.start(0)             # scrubbed to where nothing is left to colour
            return
        if self.ahead.is_busy() and todo[0] in self._ahead_todo:
            return
        self._ahead_todo = set(todo)
        self.ahead.submit(colour_ahead, self.cache, key, self.picker.device(), self.data, todo,
                          {k: list(v) for k, v in self.keyframes.items()}, 1.0, self._epoch)

    def _on_ahead(self, res) -> None:
        if isinstance(res, FrameResult) and res.epoch == self._epoch:
            self._ahead_todo.discard(res.index)
            self._colour_seconds.append(res.seconds)
            self._store(res)

    def _ahead_failed(self, msg: str) -> None:
        self.play(False)
        self.message.emit(f"Colorizing the frames ahead failed: {msg}", "error")

    def play_rate(self) -> float:
        """Frames per second playback shows, over its last second or so (0 before the
        second frame, and when not playing)."""
        t = self._shown_at
        return (len(t) - 1) / (t[-1] - t[0]) if self.playing() and len(t) > 1 and t[-1] > t[0] else 0.0

    def colour_rate(self) -> float:
        """Frames per second the play-ahead worker colours, lately (0 before its first)."""
        s = sorted(self._colour_seconds)
        return 1.0 / s[len(s) // 2] if s and s[len(s) // 2] > 0 else 0.0

    def play_status(self) -> str:
        """The rate playback shows frames at, and whether colour keeps up with the shot."""
        rate, fps, colour = self.play_rate(), self._fps(), self.colour_rate()
        shot = f"the shot is {fps:.3g} fps" if self.data is not None and self.data.fps else \
            f"frames play at up to {fps:.3g} fps"
        if self.picker.model_name() is None:
            return f"playing at {rate:.1f} fps in gray (no model; {shot})" if rate else "playing in gray (no model)"
        if not rate:
            return f"playing ({shot})"
        if rate < 0.9 * fps:
            keeps = f"colour keeps up at {colour:.2g} fps" if colour else "waiting for colour"
        elif not colour:
            keeps = "every frame coloured before"
        elif colour < 0.9 * fps:
            keeps = f"frames coloured before; colour alone keeps up at {colour:.2g} fps"
        else:
            keeps = "colour keeps up"
        return f"playing at {rate:.1f} fps ({keeps}; {shot})"

    # ------------------------------------------------------------------ frames
    def go_to(self, index: int) -> None:
        """Show frame ``index`` (0-based): its hints in the editor, its colour at once when
        it was coloured before, else when it is ready."""
        if self.data is None:
            return
        index = max(0, min(len(self.data) - 1, int(index)))
        if index == self.index:
            return
        self.index = index
        self._key_buttons()
        for wdg, v in ((self.slider, index), (self.frame_box, index + 1)):
            wdg.blockSignals(True)
            wdg.setValue(v)
            wdg.blockSignals(False)
        self.compare.set_input(build_pyramid(to_qimage(self.data.frames[index])))
        self.hints_editor.model.blockSignals(True)
        self.hints_editor.model.load_points(self.keyframes.get(index, []))
        self.hints_editor.model.blockSignals(False)
        self.hints_editor._refresh()
        if self._colour_key() != self._colour_for:      # the model changed without a signal
            self._forget_colour()
        kept = self._coloured.get(index)
        if kept is not None:
            self._coloured.move_to_end(index)
            self._token += 1
            self.runner.cancel()                      # a frame asked for before is not wanted now
            self.compare.set_busy("")                 # what it still runs is not this frame's
            self._show(kept, cached=True)
        else:
            self.compare.set_output(None)
            self.carried = []
            self.refresh()
        self._fill_ahead()

    def coloured_frames(self) -> list[int]:
        """The frames whose colour is kept (least recently shown first)."""
        return list(self._coloured)

    def _colour_key(self) -> tuple:
        return self.picker.model_name(), self.picker.device()

    def _forget_colour(self) -> None:
        """The kept colour no longer holds (a new shot, keyframe edit, model or device): a new
        epoch, so what the workers still deliver from the old one is dropped."""
        self._epoch += 1
        self._coloured.clear()
        self._colour_for = self._colour_key()
        self._ahead_todo.clear()
        self._colour_seconds.clear()
        self.ahead.cancel()

    def _colour_changed(self) -> None:
        self._forget_colour()
        self.refresh()
        self._fill_ahead()

    def _store(self, res: FrameResult) -> None:
        self._coloured[res.index] = res
        self._coloured.move_to_end(res.index)
        while len(self._coloured) > CACHE_FRAMES:
            self._coloured.popitem(last=False)
        if self._stalled and res.index == self.index + 1:
            self._play_timer.start(0)                 # playback waited for this one

    def _hints_edited(self) -> None:
        if self.data is None:
            return
        points = self.hints_editor.model.points_list()
        if points:
            self.keyframes[self.index] = points
        else:
            self.keyframes.pop(self.index, None)
        self._refresh_keys()
        self._colour_changed()

    def refresh(self) -> None:
        """Colorize the frame in view with the hints it gets (newest request wins)."""
        key = self.picker.model_name()
        if self.data is None or key is None:
            return
        self._token += 1
        self.runner.submit(view_frame, self.cache, key, self.picker.device(), self.data, self.index,
                           {k: list(v) for k, v in self.keyframes.items()}, 1.0, self._token, self._epoch)

    def _on_result(self, res: FrameResult) -> None:
        if not isinstance(res, FrameResult) or res.token != self._token:
            return
        if res.epoch == self._epoch:
            self._store(res)
        self._show(res)

    def _show(self, res: FrameResult, cached: bool = False) -> None:
        self.result = res
        self.carried = res.carried
        self.compare.set_output(res.display)
        self.compare.left.update()
        self.picker.set_in_use(res.device)
        self._shown_cached = cached
        self._info(res, cached)
        self.frameShown.emit(res.index)

    def _info(self, res: FrameResult, cached: bool = False) -> None:
        own = len(self.keyframes.get(self.index, []))
        n = len(res.carried) - own
        carried = f"{n} hint{'s' if n != 1 else ''} carried from keyframes"
        what = (f"keyframe: {own} hint{'s' if own != 1 else ''} placed here" + (f", {carried}" if n else "")
                if own else carried if n else "no hints reach this frame")
        how = (self.play_status() if self.playing() else "coloured before" if cached else
               f"{res.seconds:.2f} s (carrying {res.timings.get('plan', 0):.2f} s)")
        self.frame_info.setText(f"frame {res.index + 1} of {len(self.data)} · {what} · {how}")

    def _refresh_keys(self) -> None:
        self.slider.set_marks(self.keyframes)
        self._key_buttons()
        self.keys_list.clear()
        for k in sorted(self.keyframes):
            n = len(self.keyframes[k])
            it = QListWidgetItem(f"frame {k + 1} · {n} hint{'s' if n != 1 else ''}")
            it.setData(Qt.ItemDataRole.UserRole, k)
            self.keys_list.addItem(it)

    # ------------------------------------------------------------------ files
    def save_shot(self, path: str | Path) -> None:
        from colorstudio.core.colorize.hintfile import write_shot

        write_shot(path, self.keyframes)

    def load_shot(self, path: str | Path) -> int:
        """Keyframes from a shot file; a still-hints file goes on the frame in view.
        Returns how many hints; HintFileError for a bad file or frames past the shot."""
        from colorstudio.core.colorize.hintfile import HintFileError, read_shot

        keyframes, still = read_shot(path)
        n = len(self.data) if self.data is not None else 0
        past = [k for k in keyframes if k >= n]
        if past:
            raise HintFileError(f"{Path(path).name} has hints on frame {past[0] + 1}, the shot has {n} frames")
        if not keyframes:
            keyframes = {self.index: still}
        self.keyframes = {k: list(v) for k, v in keyframes.items() if v}
        self._refresh_keys()
        self._forget_colour()
        shown, self.index = self.index, -1
        self.go_to(shown)
        return sum(len(v) for v in self.keyframes.values())

    def _hints_start(self, name: str) -> str:
        """Hint files: the folder last used for them, else the shot's own folder."""
        near = Path(self.data.source).parent if self.data is not None else None
        return dialog_folders.start_path("hints", name, fallback=near)

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the shot's hints", self._hints_start("shot-hints.json"),
                                              "Hint files (*.json)")
        if path:
            dialog_folders.remember("hints", path)
            try:
                self.save_shot(path)
                self.message.emit(f"Saved the hints of {len(self.keyframes)} keyframes to {path}", "info")
            except OSError as exc:
                self.message.emit(f"Cannot write {path}: {exc.strerror or exc}", "error")

    def _load_dialog(self) -> None:
        from colorstudio.core.colorize.hintfile import HintFileError

        path, _ = QFileDialog.getOpenFileName(self, "Load shot hints", self._hints_start(""),
                                              "Hint files (*.json);;All files (*)")
        if path:
            dialog_folders.remember("hints", path)
            try:
                n = self.load_shot(path)
                self.message.emit(f"Loaded {n} hints on {len(self.keyframes)} keyframes.", "info")
            except (HintFileError, OSError) as exc:
                self.message.emit(f"Cannot load the hints: {exc}", "error")

    # ------------------------------------------------------------------ reference, batch
    def hints_from_reference(self, path: str) -> Worker | None:
        """Hints for the frame in view from a colour reference photo (then editable)."""
        if self.data is None:
            return None
        return run_kept(self._jobs, shot_reference_job, self.data, self.index, Path(path),
                        on_result=self._reference_ready, on_error=self._reference_failed)

    def _reference_failed(self, msg: str) -> None:
        self.message.emit(f"No hints from the reference: {msg}", "error")

    def _reference_ready(self, out) -> None:
        index, res = out
        if not res.points:
            self.message.emit(no_reference_hints(res, "frame"), "warning")
            return
        self.go_to(index)                               # a coloured frame of the shot: its own frame
        self.hints_editor.model.replace_all(res.points)     # undoable, editable like any hints
        self.message.emit(f"{res.summary()}, on frame {index + 1}.", "info")

    def send_to_batch(self) -> None:
        if self.data is None:
            return
        if not self.keyframes:
            self.message.emit("Place hints on at least one frame first.", "warning")
            return
        self._send = (self.data.source, self.picker.model_name() or "")
        self.colorize_button.setEnabled(False)
        run_kept(self._jobs, full_plan, self.data, {k: list(v) for k, v in self.keyframes.items()},
                 on_result=self._plan_ready, on_error=self._plan_failed)   # every frame: in a worker

    def _plan_ready(self, plan: list) -> None:
        self.colorize_button.setEnabled(self.data is not None)
        source, key = self._send
        self.shotReady.emit(source, plan, key)

    def _plan_failed(self, msg: str) -> None:
        self.colorize_button.setEnabled(self.data is not None)
        self.message.emit(f"Cannot carry the hints through the shot: {msg}", "error")

    def shutdown(self, msecs: int = 3000) -> None:
        self._play_timer.stop()
        for r in (self.runner, self.ahead, self.opener):
            r.cancel()
        for r in (self.runner, self.ahead, self.opener):
            r.wait(msecs)
