"""The Shot tab: colour a keyframe once and carry it through the shot.

Open a video or a folder of frames (:mod:`.source_box`), scrub to any frame, place hints
with the same hint editor as the Colorize tab -- on as many keyframes as you like.  The
hints are carried to the other frames by optical flow (:mod:`colorstudio.core.batch.shot`: dropped where the flow
is unreliable and at cuts) and fed to the hint model; the frame in view is colorized
live (its preview), with the carried hints drawn as rings (:mod:`.carried_hints`);
coloured frames are kept (:mod:`.coloured_frames`), so a frame seen once shows again at
once.  Playback shows only coloured frames, as fast as the machine colours them
(:mod:`.playback`).  The shot's hints save and load as one JSON file (:mod:`.keyframes`;
the CLI's ``--hints`` reads it); "Colorize shot" hands the source and every frame's hints
to the Batch tab, which writes the full-size frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import build_pyramid, to_qimage
from colorstudio.gui.reference_jobs import no_reference_hints
from colorstudio.gui.tabs.shot.carried_hints import CarriedHintsTool
from colorstudio.gui.tabs.shot.coloured_frames import ColouredFrames
from colorstudio.gui.tabs.shot.frame_slider import FrameSlider
from colorstudio.gui.tabs.shot.jobs import FrameResult, ShotData, full_plan, open_shot, shot_reference_job, view_frame
from colorstudio.gui.tabs.shot.keyframes import KeyframesBox
from colorstudio.gui.tabs.shot.playback import ShotPlayback
from colorstudio.gui.tabs.shot.source_box import ShotSource
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.hints_editor import HintsEditor
from colorstudio.gui.widgets.layout import side_by_side, side_panel
from colorstudio.gui.widgets.model_picker import ModelPicker
from colorstudio.gui.workers import LatestRunner, Worker, run_kept

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry


class ShotPanel(TabPage):
    """See the module docstring."""

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
        self.frames = ColouredFrames()
        self._shown_cached = False                      # the result in view was coloured before

        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.error.connect(lambda m: self.message.emit(f"Colorizing the frame failed: {m}", "error"))
        self.runner.busy.connect(lambda b: self.compare.set_busy("colorizing…" if b else ""))
        self.playback = ShotPlayback(self)
        self.ahead, self.play_button = self.playback.ahead, self.playback.button
        self.opener = LatestRunner(self)
        self.opener.result.connect(self._on_opened)
        self.opener.progress.connect(self._on_open_progress)
        self.opener.error.connect(self._open_failed)

        # side: source, model, keyframes, hints
        self.source_box = ShotSource()
        self.source_box.chosen.connect(self.open_path)

        self.picker = ModelPicker()
        self.picker.set_compact(True)
        self.picker.modelChanged.connect(lambda _n: self._colour_changed())
        self.picker.deviceChanged.connect(lambda _d: self._colour_changed())
        model_box = QGroupBox("Hint model")
        QVBoxLayout(model_box).addWidget(self.picker)

        self.keys_box = KeyframesBox()
        self.keys_list = self.keys_box.keys_list
        self.save_button, self.load_button = self.keys_box.save_button, self.keys_box.load_button
        self.keys_box.frameClicked.connect(self.go_to)
        self.keys_box.saveTo.connect(self._save_to)
        self.keys_box.loadFrom.connect(self._load_from)

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
        for w in (self.source_box, model_box, self.keys_box, hints_box):
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
        self.prev_key = QPushButton(icon("mdi6.skip-previous"), "")
        self.prev_key.setToolTip("Previous keyframe")
        self.prev_key.clicked.connect(lambda: self._to_key(-1))
        self.next_key = QPushButton(icon("mdi6.skip-next"), "")
        self.next_key.setToolTip("Next keyframe")
        self.next_key.clicked.connect(lambda: self._to_key(1))
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
        self.keys_box.source = data.source
        self.keyframes = {}
        self._forget_colour()
        self.carried = []
        self.result = None
        n = len(data)
        self.source_box.describe(data.source.name, n, data.full_size, data.fps)
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

    # ------------------------------------------------------------------ playback (playback.py)
    def play(self, on: bool = True) -> None:
        """Play from the frame in view, in colour (:meth:`ShotPlayback.play`)."""
        self.playback.play(on)

    def playing(self) -> bool:
        return self.playback.playing()

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
        if self._colour_key() != self.frames.key:      # the model changed without a signal
            self._forget_colour()
        kept = self.frames.shown(index)
        if kept is not None:
            self._token += 1
            self.runner.cancel()                      # a frame asked for before is not wanted now
            self.compare.set_busy("")                 # what it still runs is not this frame's
            self._show(kept, cached=True)
        else:
            self.compare.set_output(None)
            self.carried = []
            self.refresh()
        self.playback.fill_ahead()

    def coloured_frames(self) -> list[int]:
        """The frames whose colour is kept (least recently shown first)."""
        return self.frames.indices()

    def _colour_key(self) -> tuple:
        return self.picker.model_name(), self.picker.device()

    def _forget_colour(self) -> None:
        """The kept colour no longer holds (a new shot, keyframe edit, model or device): a new
        epoch, so what the workers still deliver from the old one is dropped."""
        self.frames.forget(self._colour_key())
        self.playback.forget()

    def _colour_changed(self) -> None:
        self._forget_colour()
        self.refresh()
        self.playback.fill_ahead()

    def store(self, res: FrameResult) -> None:
        """Keep a frame's colour (of this epoch); playback goes on if it waited for it."""
        self.frames.store(res)
        self.playback.stored(res.index)

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
                           {k: list(v) for k, v in self.keyframes.items()}, 1.0, self._token, self.frames.epoch)

    def _on_result(self, res: FrameResult) -> None:
        if not isinstance(res, FrameResult) or res.token != self._token:
            return
        if res.epoch == self.frames.epoch:
            self.store(res)
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

    def refresh_info(self) -> None:
        """Say again what the frame in view shows (playback stopped: its rate no longer)."""
        if self.result is not None and self.result.index == self.index and self.data is not None:
            self._info(self.result, self._shown_cached)

    def _info(self, res: FrameResult, cached: bool = False) -> None:
        own = len(self.keyframes.get(self.index, []))
        n = len(res.carried) - own
        carried = f"{n} hint{'s' if n != 1 else ''} carried from keyframes"
        what = (f"keyframe: {own} hint{'s' if own != 1 else ''} placed here" + (f", {carried}" if n else "")
                if own else carried if n else "no hints reach this frame")
        how = (self.playback.status() if self.playing() else "coloured before" if cached else
               f"{res.seconds:.2f} s (carrying {res.timings.get('plan', 0):.2f} s)")
        self.frame_info.setText(f"frame {res.index + 1} of {len(self.data)} · {what} · {how}")

    def _refresh_keys(self) -> None:
        self.slider.set_marks(self.keyframes)
        self._key_buttons()
        self.keys_box.set_keyframes(self.keyframes)

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

    def _save_to(self, path: str) -> None:
        try:
            self.save_shot(path)
            self.message.emit(f"Saved the hints of {len(self.keyframes)} keyframes to {path}", "info")
        except OSError as exc:
            self.message.emit(f"Cannot write {path}: {exc.strerror or exc}", "error")

    def _load_from(self, path: str) -> None:
        from colorstudio.core.colorize.hintfile import HintFileError

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
        self.playback.timer.stop()
        for r in (self.runner, self.ahead, self.opener):
            r.cancel()
        for r in (self.runner, self.ahead, self.opener):
            r.wait(msecs)
