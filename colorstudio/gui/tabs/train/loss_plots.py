"""Live training curves (pyqtgraph): losses, validation metrics, learning rate, images/s.

Curves are updated in place with ``setData`` and drawn with automatic peak
downsampling and clip-to-view, so a run of a million steps stays smooth.  Earlier runs
can be overlaid: same colour per metric, a dashed/dotted line per run.

Legends say what a colour and what a line style mean: under each plot its metrics, under
the grid the runs once several are drawn.  Not one entry per curve: with runs ticked,
"metric · run" entries multiplied and their text widths became the grid's minimum width,
so the 2x2 grid grew wider than the view and was cut off at the right.  Legends never set
the grid's width now: their column count follows the width there is, and a name too long
for it is elided (whole in its tooltip).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import PySide6  # noqa: F401  (pyqtgraph must pick PySide6, so import it first)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette, QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import numpy as np
import pyqtgraph as pg

from colorstudio.core.messages import shown
from colorstudio.gui.plaintext import tooltip

Series = Mapping[str, tuple[Sequence[float], Sequence[float]]]

LIVE = "live"
RUNS = "runs"    # the legend under the grid that names the runs (their line styles)
Entry = tuple[str, str]   # a legend entry: ("key", metric) or ("run", run)

def _val(*prefixes: str) -> Callable[[str], bool]:
    return lambda k: k.startswith(tuple(f"val/{p}" for p in prefixes))


# (panel id, title, which keys it shows, y label): one axis per kind of quantity, in its
# own unit -- decibels, a share, an error -- never piled onto one log axis.  The raw
# colourfulness values are not drawn (their ratio is).
PANELS: tuple[tuple[str, str, Callable[[str], bool], str], ...] = (
    ("loss", "Training losses", lambda k: k.startswith("loss/"), "loss"),
    ("val", "Validation PSNR", _val("psnr"), "dB"),
    ("colour", "Validation colourfulness", _val("colourfulness_ratio"), "share of the truth's"),
    ("error", "Validation error", _val("l1"), "mean |error|"),
    ("lr", "Learning rate", lambda k: k == "lr", "lr"),
    ("speed", "Throughput", lambda k: k == "images_per_s", "images per second"),
)
# The losses differ in scale (an L1 of 0.1 next to a GAN loss of 40): a log axis keeps
# them all readable.  Single-metric panels need no legend of their own (the title names it).
LOG_PANELS = ("loss",)
SINGLE_METRIC = ("colour", "lr", "speed")
FEW_POINTS = 30   # curves with this many points or fewer get markers
LEGEND_PT = 8     # legend text size (points)
LEGEND_COLS = 4   # at most this many legend entries side by side
SAMPLE_PX = 20 + 2 * 5   # a legend entry's line sample and its spacing (pyqtgraph's)

_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
_OVERLAY_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
                   Qt.PenStyle.DashDotDotLine)


# A tick label needs this many pixels of axis; on a log axis the labelled mantissas of each
# decade are thinned to what the plot's height can hold (pyqtgraph labels all of 1-9,
# which pile up on a short plot spanning a decade or two).
LABEL_PX = 14
_MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))


class LogAxis(pg.AxisItem):
    """A y axis whose log-mode ticks never overlap: 1-9, 1-2-5, 1-3 or decades only."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 (pyqtgraph's name)
        return log_ticks(minVal, maxVal, size, stdTicks)


def log_ticks(lo: float, hi: float, size: float, std_ticks=()) -> list[tuple[float | None, list[float]]]:
    """Tick levels for a log axis showing log10 values ``lo..hi`` over ``size`` pixels.

    Whole decades come from pyqtgraph's own levels (spacing >= 1); within a decade the
    densest mantissa set whose closest pair of labels is still ``LABEL_PX`` apart."""
    ticks = [(sp, list(t)) for sp, t in std_ticks if sp is not None and sp >= 1.0]
    if len(ticks) >= 3 or not hi > lo:
        return ticks
    per_decade = float(size) / (hi - lo)
    for mantissas in _MANTISSAS:
        logs = np.log10(np.array(mantissas + (10,), dtype=np.float64))
        if np.diff(logs).min() * per_decade >= LABEL_PX:
            break
    minor = [v + float(np.log10(m)) for v in range(int(np.floor(lo)), int(np.ceil(hi)))
             for m in mantissas]
    ticks.append((None, [t for t in minor if lo < t < hi]))
    return ticks


def legend_entries(legend: str, curves: Iterable[tuple[str, str]]) -> list[Entry]:
    """What ``legend`` lists for the (run, key) curves drawn.  A panel's legend: its metrics
    (their colours), none where the panel holds a single one (its title names it).  The runs
    legend under the grid: the runs (their line styles, the live one first) once more than
    one is drawn.  So keys + runs entries, never keys x runs."""
    curves = list(curves)
    if legend == RUNS:
        runs = sorted({r for r, _k in curves}, key=lambda r: (r != LIVE, r))
        return [("run", r) for r in runs] if len(runs) > 1 else []
    keys = sorted({k for _r, k in curves if panel_of(k) == legend})
    return [] if legend in SINGLE_METRIC and len(keys) == 1 else [("key", k) for k in keys]


def fit_legend(legend: pg.LegendItem, texts: list[str], width: float) -> None:
    """Lay ``legend``'s entries (whose full words are ``texts``) out in ``width`` pixels:
    the most columns (up to LEGEND_COLS) its widest entry allows, each name elided to its
    column when it is still too long, the whole name then in its tooltip."""
    font = QFont(legend.font())
    font.setPointSizeF(LEGEND_PT)
    metrics = QFontMetricsF(font)
    widest = max(metrics.horizontalAdvance(t) for t in texts) + SAMPLE_PX
    cols = max(1, min(LEGEND_COLS, len(texts), int(width // widest)))
    if legend.columnCount != cols:
        legend.setColumnCount(cols)
    room = max(20.0, width / cols - SAMPLE_PX)
    for (_sample, label), text in zip(legend.items, texts):
        short = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, room)
        label.setText(shown(short, "rich"))
        label.setToolTip(tooltip(text) if short != text else "")
    legend.updateSize()


def entry_text(entry: Entry) -> str:
    """A legend entry's words: the metric's or the run's name ("this run" for the live one)."""
    kind, name = entry
    return "this run" if kind == "run" and name == LIVE else name


def panel_of(key: str) -> str | None:
    """Which panel draws ``key`` (None for keys that are not curves)."""
    for pid, _title, match, _ylabel in PANELS:
        if match(key):
            return pid
    return None


class LossPlots(QWidget):
    """A 2x2 grid of plots with linked step axes; one curve per (run, metric)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(None)   # follow the widget palette (light or dark)
        self.log_check = QCheckBox("Log scale for losses")
        self.log_check.setToolTip("Logarithmic y axis on the training-loss plot "
                                  "(values <= 0 are not drawn in log scale)")
        self.log_check.setChecked(True)
        self.log_check.toggled.connect(self.set_log_scale)
        self.legend_check = QCheckBox("Legends")
        self.legend_check.setToolTip("Show what each colour (a metric) and each line style (a run) stands for")
        self.legend_check.setChecked(True)
        self.legend_check.toggled.connect(lambda _on: self._update_legends())
        self.follow_check = QCheckBox("Follow")
        self.follow_check.setToolTip("Keep the whole run in view as it grows (panning or zooming leaves "
                                     "follow mode; tick to return)")
        self.follow_check.setChecked(True)
        self.follow_check.toggled.connect(lambda on: on and self._follow())
        hint = QLabel("Drag to pan, wheel to zoom, right-click for options")
        hint.setStyleSheet("color: palette(placeholder-text);")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.follow_check)
        bar.addWidget(self.log_check)
        bar.addWidget(self.legend_check)
        bar.addStretch(1)
        bar.addWidget(hint)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.view, 1)
        lay.addLayout(bar)

        self._ink = self.palette().color(QPalette.ColorRole.Text)
        self.legends: dict[str, pg.LegendItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        first: pg.PlotItem | None = None
        for i, (pid, title, _match, ylabel) in enumerate(PANELS):
            row, col = 2 * (i // 2), i % 2
            axes = {"left": LogAxis("left")} if pid in LOG_PANELS else None
            p = self.view.addPlot(row=row, col=col, title=title, axisItems=axes)
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setLabel("bottom", "step")
            p.setLabel("left", ylabel)
            p.getAxis("left").enableAutoSIPrefix(False)    # 0.59 images/s, not "590 (x0.001)"
            # The legend sits in its own layout cell under the plot: it never covers a curve.
            p.legend = self._add_legend(pid, row + 1, col)
            p.setClipToView(True)
            p.setDownsampling(auto=True, mode="peak")
            if first is None:
                first = p
            else:
                p.setXLink(first)
            self.plots[pid] = p
            p.getViewBox().sigRangeChangedManually.connect(self._left_follow)
        self.runs_legend = self._add_legend(RUNS, 2 * ((len(PANELS) + 1) // 2), 0, colspan=2)
        for c in (0, 1):  # two equal columns, whatever the legends hold
            self.view.ci.layout.setColumnStretchFactor(c, 1)
            self.view.ci.layout.setColumnPreferredWidth(c, 10)
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self._key_colors: dict[str, str] = {}
        self._run_styles: dict[str, Qt.PenStyle] = {}
        # legend entries: (legend, entry) -> its sample line, never drawn in a plot
        self._samples: dict[tuple[str, Entry], pg.PlotDataItem] = {}
        self._entries: dict[str, list[Entry]] = {}
        self.set_log_scale(True)

    # ---- public API
    def set_series(self, series: Series, run: str = LIVE) -> None:
        """Show (or update in place) the curves of ``run``; keys not given are left as is."""
        for key, (xs, ys) in series.items():
            pid = panel_of(key)
            if pid is None:
                continue
            curve = self._curves.get((run, key))
            if curve is None:
                curve = self._make_curve(run, key, pid)
            x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
            curve.setData(x, y)
            # A short run has few points: markers make single points visible.
            few = len(x) <= FEW_POINTS
            if few != bool(curve.opts.get("symbol")):
                curve.setSymbol("o" if few else None)
                curve.setSymbolSize(6)
                curve.setSymbolBrush(curve.opts["pen"].color() if hasattr(curve.opts["pen"], "color") else None)
        self._fit_flat_ranges()
        self._follow()

    def add_overlay(self, name: str, series: Series) -> None:
        """Draw an earlier run ``name`` for comparison (replaces an overlay of that name)."""
        if name == LIVE:
            raise ValueError(f"{LIVE!r} is reserved for the running training")
        self.remove_run(name)
        self.set_series(series, run=name)

    def remove_run(self, run: str) -> None:
        for (r, key), curve in list(self._curves.items()):
            if r == run:
                self.plots[panel_of(key)].removeItem(curve)
                del self._curves[(r, key)]
        self._update_legends()
        self._fit_flat_ranges()

    def clear(self) -> None:
        """Remove every curve, live and overlaid."""
        for run in self.runs():
            self.remove_run(run)

    def set_log_scale(self, on: bool) -> None:
        """Log y axis on the loss plot."""
        for pid in LOG_PANELS:
            self.plots[pid].setLogMode(y=bool(on))
        if self.log_check.isChecked() != bool(on):
            self.log_check.setChecked(bool(on))
        self._fit_flat_ranges()

    def runs(self) -> list[str]:
        return sorted({r for r, _ in self._curves})

    def keys(self, run: str = LIVE) -> list[str]:
        return sorted(k for r, k in self._curves if r == run)

    def point_count(self, key: str, run: str = LIVE) -> int:
        """Points held by a curve (before downsampling for display)."""
        curve = self._curves.get((run, key))
        if curve is None:
            return 0
        x, _y = curve.getOriginalDataset()
        return 0 if x is None else len(x)

    def curve(self, key: str, run: str = LIVE) -> pg.PlotDataItem | None:
        return self._curves.get((run, key))

    # ---- internals
    def _make_curve(self, run: str, key: str, pid: str) -> pg.PlotDataItem:
        color = self._key_colors.setdefault(key, _COLORS[len(self._key_colors) % len(_COLORS)])
        curve = pg.PlotDataItem(pen=self._pen(color, run))   # unnamed: the legends are ours
        self.plots[pid].addItem(curve)   # the plot applies its own modes; ours follow
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        self._curves[(run, key)] = curve
        self._update_legends()
        return curve

    def _pen(self, color: QColor | str, run: str) -> QPen:
        """The live run solid and bold, each earlier run its own dash pattern."""
        if run == LIVE:
            return pg.mkPen(color, width=2)
        style = self._run_styles.setdefault(run, _OVERLAY_STYLES[len(self._run_styles) % len(_OVERLAY_STYLES)])
        return pg.mkPen(color, width=1.5, style=style)

    def _add_legend(self, name: str, row: int, col: int, colspan: int = 1) -> pg.LegendItem:
        """A legend in its own grid cell, empty and hidden until it has entries.  Its text
        never widens the grid (no minimum width, children clipped): _fit_legends fits it."""
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        legend = pg.LegendItem(offset=None, labelTextSize=f"{LEGEND_PT}pt",
                               brush=QColor(base.red(), base.green(), base.blue(), 170),
                               pen=pg.mkPen(pal.color(QPalette.ColorRole.Mid)),
                               labelTextColor=self._ink, colCount=LEGEND_COLS)
        self.view.addItem(legend, row=row, col=col, colspan=colspan)
        legend.setMinimumWidth(0)
        legend.setPreferredWidth(10)
        legend.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        legend.sigSampleClicked.connect(lambda _item: self._apply_visibility())
        legend.setVisible(False)
        self.legends[name] = legend
        return legend

    def _update_legends(self) -> None:
        """Each legend's entries follow the curves drawn (rebuilt only when they change)."""
        show = self.legend_check.isChecked()
        for name, legend in self.legends.items():
            entries = legend_entries(name, self._curves)
            if entries != self._entries.get(name):
                self._entries[name] = entries
                legend.clear()
                for entry in entries:
                    legend.addItem(self._sample(name, entry), entry_text(entry))
            legend.setVisible(show and bool(entries))
        self._fit_legends()
        self._apply_visibility()   # a new curve of a metric or run hidden by a click stays hidden

    def _sample(self, legend: str, entry: Entry) -> pg.PlotDataItem:
        """The legend's line for a metric (its colour) or a run (its style); kept, so curves
        hidden by a click on their entry stay hidden when the legend is rebuilt."""
        sample = self._samples.get((legend, entry))
        if sample is None:
            kind, name = entry
            pen = (pg.mkPen(self._key_colors.get(name, self._ink), width=2) if kind == "key"
                   else self._pen(self._ink, name))
            sample = self._samples[(legend, entry)] = pg.PlotDataItem(pen=pen)
        return sample

    def _apply_visibility(self) -> None:
        """A click on a legend entry hides (or shows) its metric's or its run's curves."""
        for (run, key), curve in self._curves.items():
            gates = (self._samples.get((panel_of(key), ("key", key))), self._samples.get((RUNS, ("run", run))))
            curve.setVisible(all(g is None or g.isVisible() for g in gates))

    def _fit_legends(self) -> None:
        """Each legend fits its cell: as many entries side by side as fit (up to
        LEGEND_COLS), names too long for one column elided (whole in their tooltips)."""
        for name, legend in self.legends.items():
            texts = [entry_text(e) for e in self._entries.get(name, [])]
            if texts:
                width = self._column_width() * (2 if name == RUNS else 1)
                fit_legend(legend, texts, width)

    def _column_width(self) -> float:
        """The width of one of the grid's two columns (less the axis and margins)."""
        return max(60.0, self.view.width() / 2 - 30)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_legends()

    def _left_follow(self, *_args) -> None:
        """The user panned or zoomed: stop following until 'Follow' is ticked again."""
        if self.follow_check.isChecked():
            self.follow_check.setChecked(False)

    def _follow(self) -> None:
        """Follow mode: the step axis spans every curve's data (it grows with the run)."""
        if not self.follow_check.isChecked():
            return
        xs = [c.getOriginalDataset()[0] for c in self._curves.values()]
        xs = [x for x in xs if x is not None and len(x)]
        if not xs:
            return
        lo, hi = min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)
        if hi <= lo:
            lo, hi = lo - 1.0, hi + 1.0
        first = next(iter(self.plots.values()))
        first.setXRange(lo, hi, padding=0.03)  # the other plots are linked to it
        for pid, plot in self.plots.items():
            if pid in LOG_PANELS or pid == "speed":
                plot.enableAutoRange(axis="y")

    def x_range(self) -> tuple[float, float]:
        """The step axis now shown (for tests and the status line)."""
        (lo, hi), _ = next(iter(self.plots.values())).getViewBox().viewRange()
        return float(lo), float(hi)

    def _fit_flat_ranges(self) -> None:
        """A constant curve (a fixed learning rate) gets a y range around its value
        instead of pyqtgraph's +-0.5, which flattens it onto a meaningless axis."""
        for pid, plot in self.plots.items():
            if pid in LOG_PANELS and self.log_check.isChecked():
                plot.enableAutoRange(axis="y")
                continue
            ys = [c.getOriginalDataset()[1] for (_r, k), c in self._curves.items() if panel_of(k) == pid]
            ys = [y[np.isfinite(y)] for y in ys if y is not None and len(y)]
            ys = [y for y in ys if len(y)]
            if not ys:
                plot.enableAutoRange(axis="y")
                continue
            lo, hi = min(float(y.min()) for y in ys), max(float(y.max()) for y in ys)
            if hi - lo <= 1e-9 * max(abs(hi), abs(lo), 1e-30):
                pad = abs(hi) * 0.5 if hi else 1.0
                plot.setYRange(lo - pad, hi + pad, padding=0)
            else:
                plot.enableAutoRange(axis="y")
