"""The single-image mode: open a photo, colorize it, adjust, add hints, export.

Composition of the compare view, model picker, controls and hints editor, plus the
little state machine around them.  All heavy work -- reading, loading a model, the
network, full-resolution composing, display conversion, writing -- runs in workers;
interactive edits go through one :class:`LatestRunner`, so a newer request supersedes
an older one and only the newest result is shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSplitter, QToolButton, QVBoxLayout, QWidget)

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.qimage import build_pyramid, to_qimage
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.colorize_controls import ColorizeControls
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.widgets.hints_editor import HintsEditor
from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker
from colorstudio.gui.workers import LatestRunner, Worker, start

HINTS_UNAVAILABLE = "Colour hints steer hint-taking models: choose unet-hints to use them."


# ------------------------------------------------------------------ worker functions

@dataclass
class OpenedImage:
    path: Path | None
    image: np.ndarray
    display: list[QImage]     # pyramid for the view, built in the worker
    token: int
    colour: bool = False      # the file had colours (shown, and colorized, by lightness)


@dataclass
class RunOutput:
    """A result ready to show: the pipeline's Colorized plus its display image."""

    colorized: Any            # core.pipeline.Colorized
    display: list[QImage]     # pyramid for the view: [full, 1/2, 1/4, ...]
    model: str
    device: str
    kind: str                 # 'run' (network) or 'compose' (saturation only)
    token: int                # which opened image it belongs to
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def qimage(self) -> QImage:
        """The full-size display image (8 bits per channel)."""
        return self.display[0]


@dataclass
class LoadedModel:
    model: str
    device: str


def describe_image(img: np.ndarray) -> str:
    """'1024×768 · 16-bit RGBA' for the status bar."""
    h, w = img.shape[:2]
    ch = 1 if img.ndim == 2 else img.shape[2]
    kind = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}.get(ch, f"{ch} channels")
    depth = {np.dtype(np.uint8): "8-bit", np.dtype(np.uint16): "16-bit"}.get(img.dtype, "float")
    return f"{w}×{h} · {depth} {kind}"


def has_colour(img: np.ndarray) -> bool:
    """True when an RGB(A) image is not gray (R, G and B differ somewhere)."""
    if img.ndim != 3 or img.shape[2] < 3:
        return False
    step = max(1, int(np.sqrt(img.shape[0] * img.shape[1] / 250_000)))  # sample big images
    rgb = img[::step, ::step, :3]
    return bool(np.any(rgb[..., 0] != rgb[..., 1]) or np.any(rgb[..., 1] != rgb[..., 2]))


def _opened(path: Path | None, img: np.ndarray, token: int) -> OpenedImage:
    """The input as the model sees it: colour photos are shown by their lightness only
    (exactly the output at zero saturation), so the comparison is honest."""
    colour = has_colour(img)
    shown = img
    if colour:
        from colorstudio.core import pipeline

        shown = pipeline.compose(img, np.zeros((1, 1, 2), np.float32), 1.0)
    return OpenedImage(path, img, build_pyramid(to_qimage(shown)), token, colour)


def _read(path: Path, token: int) -> OpenedImage:
    from colorstudio.core.imageio import read_image

    return _opened(path, read_image(path), token)


def _wrap(image: np.ndarray, name: str, token: int) -> OpenedImage:
    return _opened(None, image, token)


def _load(cache: PredictorCache, name: str, device: str) -> LoadedModel:
    return LoadedModel(name, cache.get(name, device).device_name)


def _run(cache: PredictorCache, name: str, device: str, image: np.ndarray, size: int,
         saturation: float, hints: list, token: int):
    """Generator: every yield is a point where a newer request may cancel this one."""
    from colorstudio.core import pipeline

    t0 = time.perf_counter()
    yield "loading model"
    pred = cache.get(name, device)
    t_load = time.perf_counter() - t0
    yield "colorizing"
    res = pipeline.colorize(image, pred, size or None, saturation, hints)
    yield "display"
    q = build_pyramid(to_qimage(res.rgb))
    timings = dict(res.timings)
    if t_load > 0.05:
        timings["load"] = t_load
    return RunOutput(res, q, name, pred.device_name, "run", token, time.perf_counter() - t0, timings)


def _compose(colorized, image: np.ndarray, saturation: float, model: str, device: str, token: int):
    from colorstudio.core import pipeline

    t0 = time.perf_counter()
    rgb = pipeline.compose(image, colorized.ab_small, saturation)
    yield "display"
    q = build_pyramid(to_qimage(rgb))
    dt = time.perf_counter() - t0
    out = pipeline.Colorized(rgb, colorized.ab_small, {"compose": dt}, None)
    return RunOutput(out, q, model, device, "compose", token, dt, {"compose": dt})


def _write(path: Path, rgb: np.ndarray, protect: list[Path]) -> Path:
    from colorstudio.core.imageio import write_image

    return write_image(path, rgb, protect=protect)


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
        if samples is None:
            from colorstudio.paths import sample_images

            samples = sample_images()
        self.empty = EmptyState(samples)
        self.empty.sampleRequested.connect(self.open_path)
        self.compare.set_placeholder(self.empty)
        self.picker = ModelPicker()
        self.controls = ColorizeControls()
        self.hints_editor = HintsEditor()
        self.run_button = QPushButton(icon("mdi6.refresh"), "Run again")
        self.run_button.setToolTip("Run the network again (F5)")
        self.run_button.clicked.connect(self.rerun)

        side = QWidget()
        sl = QVBoxLayout(side)
        for title, w in (("Network", self.picker), ("Adjust", self.controls),
                         ("Colour hints", self.hints_editor)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(w)
            sl.addWidget(box)
        sl.addWidget(self.run_button)
        sl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(260)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side = scroll

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.compare)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([310, 1000])
        split.setChildrenCollapsible(False)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        # reactions
        self.picker.modelChanged.connect(self._on_model)
        self.picker.deviceChanged.connect(lambda _d: self._preload_or_run())
        self.controls.renderSizeChanged.connect(lambda _s: self.rerun())
        self.controls.saturationChanged.connect(self._on_saturation)
        self.hints_editor.hintsChanged.connect(self._on_hints)
        self.hints_editor.model.changed.connect(self.compare.left.update)
        self.hints_editor.model.selectionChanged.connect(lambda *_: self.compare.left.update())
        self.hints_editor.eyedropperToggled.connect(self._on_eyedropper)
        self.compare.zoomChanged.connect(self._emit_status)

    # ------------------------------------------------------------------ registry
    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        """Fill the model picker (colorize models only) and load the chosen model."""
        self.picker.set_entries([e for e in entries if e.task == "colorize"], devices, model, device)
        self._apply_model_traits()
        self._preload_or_run()

    def model_name(self) -> str | None:
        return self.picker.model_name()

    # ------------------------------------------------------------------ opening
    def open_path(self, path: str | Path) -> None:
        """Read ``path`` in a worker; errors arrive as a message, never a dialog."""
        self._token += 1
        self.io.submit(_read, Path(path), self._token)

    def set_image(self, image: np.ndarray, name: str = "pasted image") -> None:
        """Show an in-memory image (paste, tests) as if it was opened."""
        self._token += 1
        self.io.submit(_wrap, image, name, self._token)

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
        self._status.update(size=describe_image(opened.image), time="")
        self._emit_status()
        if opened.path is not None:
            self.imageOpened.emit(str(opened.path))
        self.rerun()

    # ------------------------------------------------------------------ running
    def rerun(self) -> None:
        """Run the network for the current image and settings (newest request wins)."""
        name = self.model_name()
        if self.image is None or name is None:
            return
        try:
            hints = self.hints_editor.hints()
        except Exception as exc:  # noqa: BLE001
            self.message.emit(f"Hints ignored: {exc}", "warning")
            hints = []
        self._awaiting_run = True
        self.runner.submit(_run, self.cache, name, self.picker.device(), self.image,
                           self.controls.render_size(), self.controls.saturation(), hints, self._token)

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
            self.runner.submit(_load, self.cache, name, self.picker.device())

    def _on_saturation(self, value: float) -> None:
        if self.image is None:
            return
        if self.output is None or self._awaiting_run:
            self.rerun()  # the queued run will use the new saturation
            return
        out = self.output
        self.runner.submit(_compose, out.colorized, self.image, value, out.model, out.device,
                           self._token)

    def _on_hints(self) -> None:
        if self.hints_editor.isEnabled():
            self.rerun()

    def _on_result(self, out: Any) -> None:
        if isinstance(out, LoadedModel):
            self.picker.set_in_use(out.device)
            self._status.update(model=out.model, device=out.device)
            self._emit_status()
            return
        if not isinstance(out, RunOutput) or out.token != self._token:
            return  # belongs to an image no longer shown
        if out.kind == "run":
            self.network_runs += 1
            self._awaiting_run = False
        self.output = out
        self.compare.set_output(out.display)
        self.picker.set_in_use(out.device)
        t = out.timings
        detail = " + ".join(f"{k} {v:.2f}" for k, v in t.items() if k != "total")
        self._status.update(model=out.model, device=out.device,
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
            self.message.emit(f"{out.model} has no trained weights yet: its colours are random. "
                              "Train it in the Train tab or pick a trained model.", "warning")
        self.resultReady.emit(out)

    def _on_error(self, msg: str) -> None:
        self._awaiting_run = False
        self.message.emit(f"Colorizing failed: {msg}", "error")

    def _on_busy(self, busy: bool) -> None:
        self.compare.set_busy("colorizing…" if busy else "")
        self.busyChanged.emit(busy)

    # ------------------------------------------------------------------ model traits
    def _on_model(self, _name: str) -> None:
        self._apply_model_traits()
        self._preload_or_run()

    def _apply_model_traits(self) -> None:
        e = self.picker.entry()
        if e is None:
            return
        self.controls.set_fixed_size(e.input_size if e.fixed_size else None)
        self.hints_editor.set_available(e.hints, "" if e.hints else HINTS_UNAVAILABLE)
        self.compare.left.set_tool(self.hints_editor.tool if e.hints else None)
        if not e.hints:
            self._on_eyedropper(False)
        self._status["model"] = e.name
        self._emit_status()

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

    def export(self, path: str | Path) -> Worker | None:
        """Write the full-resolution result (format from the suffix) in a worker."""
        if self.output is None:
            self.message.emit("Nothing to export yet: open an image first.", "warning")
            return None
        path = Path(path)
        protect = [self.path] if self.path is not None else []
        w = Worker(_write, path, self.output.colorized.rgb, protect)
        w.signals.result.connect(self._exported)       # bound slots: dropped with the page
        w.signals.error.connect(self._export_failed)
        w.signals.finished.connect(lambda: self._writers.remove(w) if w in self._writers else None)
        self._writers.append(w)
        start(w, QThreadPool.globalInstance())
        return w

    def _exported(self, path: Path) -> None:
        self.message.emit(f"Saved {path}", "info")

    def _export_failed(self, msg: str) -> None:
        self.message.emit(f"Export failed: {msg}", "error")

    def copy_result(self) -> bool:
        """Put the (display, 8-bit) result on the clipboard."""
        if self.output is None:
            self.message.emit("Nothing to copy yet.", "warning")
            return False
        QGuiApplication.clipboard().setImage(self.output.qimage)
        self.message.emit("Result copied to the clipboard.", "info")
        return True

    def shutdown(self, msecs: int = 3000) -> None:
        """Stop interactive work before the window closes."""
        self.runner.cancel()
        self.io.cancel()
        self.runner.wait(msecs)
        self.io.wait(msecs)
