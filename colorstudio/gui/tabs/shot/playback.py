"""The Shot tab's playback in colour.

Playback shows only coloured frames: a worker of its own colours the frames ahead of the
playhead (up to :data:`AHEAD_FRAMES`), so the frame in view stays responsive, and the
playhead moves on to a frame once its colour is in, at most at the shot's frame rate --
as fast as the machine colours them (the info line says which).

A part of :class:`~colorstudio.gui.tabs.shot.page.ShotPanel`, composed, not mixed in: it
is given the panel and reads its shot, playhead, keyframes and coloured frames through it.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPushButton, QWidget

from colorstudio.gui.tabs.shot.jobs import FrameResult, colour_ahead
from colorstudio.gui.theme import icon
from colorstudio.gui.workers import LatestRunner

PLAY_TIP = "Play the shot in colour (at its frame rate, or as fast as the model colours frames)"
AHEAD_FRAMES = 48     # how far ahead of the playhead playback colours (below coloured_frames.CACHE_FRAMES:
                      # none is evicted unseen)


class ShotPlayback(QObject):
    """The play button, the playhead's timer and the colour-ahead worker of the ShotPanel ``panel``."""

    def __init__(self, panel: QWidget):
        super().__init__(panel)
        self.panel = panel
        self.button = QPushButton(icon("mdi6.play"), "")
        self.button.setCheckable(True)
        self.button.setToolTip(PLAY_TIP)
        self.button.toggled.connect(self.play)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self.ahead = LatestRunner(self)   # the frame in view stays responsive while this colours ahead
        self.ahead.progress.connect(self._on_ahead)
        self.ahead.error.connect(self._ahead_failed)
        self.ahead.busy.connect(lambda b: b or self.fill_ahead())
        self._todo: set[int] = set()                    # the frames the ahead job has still to colour
        self._colour_seconds: deque[float] = deque(maxlen=8)   # its seconds per frame, lately
        self._shown_at: deque[float] = deque(maxlen=25)        # when playback showed its last frames
        self._next_due = 0.0
        self._stalled = False                           # playback waits for the next frame's colour

    def playing(self) -> bool:
        return self.button.isChecked()

    def play(self, on: bool = True) -> None:
        """Play from the frame in view (from the start when at the end): the playhead moves
        on to a frame once its colour is in (coloured ahead in a worker of its own), at most
        at the shot's frame rate; stops at the last frame."""
        panel = self.panel
        if self.button.isChecked() != on:
            self.button.setChecked(on)   # toggled -> here again
            return
        self.button.setIcon(icon("mdi6.pause" if on else "mdi6.play"))
        self.button.setToolTip("Pause" if on else PLAY_TIP)
        if not on:
            self.timer.stop()
            self.ahead.cancel()
            self._todo.clear()
            self._stalled = False
            panel.refresh_info()
            return
        if panel.data is None:
            self.button.setChecked(False)
            return
        if panel.index >= len(panel.data) - 1:
            panel.go_to(0)
        self._shown_at.clear()
        self._colour_seconds.clear()
        self._next_due = time.monotonic() + self._frame_s()
        self.fill_ahead()
        self.timer.start(round(self._frame_s() * 1000))

    def forget(self) -> None:
        """The kept colour no longer holds: what the ahead worker colours is dropped."""
        self._todo.clear()
        self._colour_seconds.clear()
        self.ahead.cancel()

    def stored(self, index: int) -> None:
        """Frame ``index``'s colour is in: playback goes on if it waited for that one."""
        if self._stalled and index == self.panel.index + 1:
            self.timer.start(0)

    def _fps(self) -> float:
        """The rate playback aims at: the shot's (12 for a folder of frames), 60 at most."""
        data = self.panel.data
        return min(60.0, data.fps if data is not None and data.fps else 12.0)

    def _frame_s(self) -> float:
        return 1.0 / self._fps()

    def _tick(self) -> None:
        panel = self.panel
        if not self.playing() or panel.data is None:
            return
        if panel.index >= len(panel.data) - 1:
            self.play(False)
            return
        nxt = panel.index + 1
        if panel.picker.model_name() is not None and nxt not in panel.frames:
            self._stalled = True      # its colour is not in yet: stored() ticks again when it is
            self.fill_ahead()
            return
        self._stalled = False
        now = time.monotonic()
        frame = self._frame_s()
        # on time: the next frame a frame later than this one was due; late (colour was
        # slower): a frame from now
        self._next_due = (self._next_due if now - self._next_due < frame else now) + frame
        self._shown_at.append(now)
        panel.go_to(nxt)
        self.timer.start(max(0, round((self._next_due - time.monotonic()) * 1000)))

    def fill_ahead(self) -> None:
        """While playing: colour the frames after the playhead that are not coloured yet (up
        to AHEAD_FRAMES ahead); a job already on the next of them goes on."""
        panel = self.panel
        key = panel.picker.model_name()
        if not self.playing() or panel.data is None or key is None:
            return
        end = min(len(panel.data), panel.index + 1 + AHEAD_FRAMES)
        todo = [i for i in range(panel.index + 1, end) if i not in panel.frames]
        if not todo:
            if self._stalled:
                self.timer.start(0)             # scrubbed to where nothing is left to colour
            return
        if self.ahead.is_busy() and todo[0] in self._todo:
            return
        self._todo = set(todo)
        self.ahead.submit(colour_ahead, panel.cache, key, panel.picker.device(), panel.data, todo,
                          {k: list(v) for k, v in panel.keyframes.items()}, 1.0, panel.frames.epoch)

    def _on_ahead(self, res) -> None:
        if isinstance(res, FrameResult) and res.epoch == self.panel.frames.epoch:
            self._todo.discard(res.index)
            self._colour_seconds.append(res.seconds)
            self.panel.store(res)

    def _ahead_failed(self, msg: str) -> None:
        self.play(False)
        self.panel.message.emit(f"Colorizing the frames ahead failed: {msg}", "error")

    def play_rate(self) -> float:
        """Frames per second playback shows, over its last second or so (0 before the
        second frame, and when not playing)."""
        t = self._shown_at
        return (len(t) - 1) / (t[-1] - t[0]) if self.playing() and len(t) > 1 and t[-1] > t[0] else 0.0

    def colour_rate(self) -> float:
        """Frames per second the play-ahead worker colours, lately (0 before its first)."""
        s = sorted(self._colour_seconds)
        return 1.0 / s[len(s) // 2] if s and s[len(s) // 2] > 0 else 0.0

    def status(self) -> str:
        """The rate playback shows frames at, and whether colour keeps up with the shot."""
        rate, fps, colour = self.play_rate(), self._fps(), self.colour_rate()
        shot = f"the shot is {fps:.3g} fps" if self.panel.data is not None and self.panel.data.fps else \
            f"frames play at up to {fps:.3g} fps"
        if self.panel.picker.model_name() is None:
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
