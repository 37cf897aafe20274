"""LossPlots alone: curves land in the right panel, update in place, overlays come and go."""

import numpy as np
import pytest

from colorstudio.gui.tabs.train.loss_plots import LABEL_PX, LIVE, LogAxis, LossPlots, log_ticks, panel_of


@pytest.fixture
def plots(qtbot):
    w = LossPlots()
    qtbot.addWidget(w)
    return w


def test_keys_go_to_their_panels():
    assert panel_of("loss/l1") == "loss"
    assert panel_of("val/psnr") == "val"
    assert panel_of("lr") == "lr"
    assert panel_of("images_per_s") == "speed"
    assert panel_of("epoch") is None


def test_live_curves_update_in_place_with_peak_downsampling(plots):
    x = np.arange(10)
    plots.set_series({"loss/l1": (x, x * 0.1), "lr": (x, np.full(10, 1e-3)), "step": (x, x)})
    assert plots.keys() == ["loss/l1", "lr"]           # non-curve keys are ignored
    curve = plots.curve("loss/l1")
    assert curve in plots.plots["loss"].listDataItems()
    assert plots.curve("lr") in plots.plots["lr"].listDataItems()
    assert curve.opts["autoDownsample"] and curve.opts["downsampleMethod"] == "peak"
    assert curve.opts["clipToView"]
    x2 = np.arange(100_000)
    plots.set_series({"loss/l1": (x2, np.sin(x2))})
    assert plots.curve("loss/l1") is curve             # same item, new data
    assert plots.point_count("loss/l1") == 100_000
    assert plots.point_count("lr") == 10


def test_overlays_add_and_remove_curves(plots):
    x = [0, 1, 2]
    plots.set_series({"loss/l1": (x, [3, 2, 1])})
    plots.add_overlay("old-run", {"loss/l1": (x, [4, 3, 2]), "val/psnr": ([2], [20.0])})
    assert plots.runs() == [LIVE, "old-run"]
    assert plots.keys("old-run") == ["loss/l1", "val/psnr"]
    assert len(plots.plots["loss"].listDataItems()) == 2
    plots.add_overlay("old-run", {"loss/l1": (x, [1, 1, 1])})   # replaces, no duplicates
    assert plots.keys("old-run") == ["loss/l1"]
    plots.remove_run("old-run")
    assert plots.runs() == [LIVE]
    assert len(plots.plots["loss"].listDataItems()) == 1
    with pytest.raises(ValueError):
        plots.add_overlay(LIVE, {})
    plots.clear()
    assert plots.runs() == []


def test_constant_learning_rate_gets_a_readable_range_and_log_handles_zeros(plots):
    x = np.arange(50)
    plots.set_series({"lr": (x, np.full(50, 1e-3)), "loss/gan": (x, np.zeros(50)),
                      "loss/l1": (x, np.linspace(1, 0.1, 50))})
    lo, hi = plots.plots["lr"].viewRange()[1]
    assert lo < 1e-3 < hi and hi - lo < 0.01        # not pyqtgraph's +-0.5 around it
    assert plots.plots["loss"].ctrl.logYCheck.isChecked()
    plots.log_check.setChecked(False)                 # zeros are fine either way
    assert not plots.plots["loss"].ctrl.logYCheck.isChecked()
    assert not plots.plots["lr"].legend.isVisible()   # one metric, one run: no legend needed
    assert not plots.runs_legend.isVisible()
    plots.add_overlay("old", {"lr": (x, np.full(50, 2e-3))})
    assert plots.runs_legend.isVisible()              # runs compared: their line styles named
    assert not plots.plots["lr"].legend.isVisible()   # the title names its one metric


def test_legends_name_metrics_and_runs_not_every_curve(plots):
    """Issue 32, item 12: entries are metrics + runs, never metrics x runs, and a click on
    an entry hides its metric's (or its run's) curves."""
    x = [0, 1, 2]
    three = {"loss/l1": (x, [3, 2, 1]), "loss/gan": (x, [1, 1, 1]), "loss/vgg": (x, [2, 2, 2])}
    plots.set_series(three)
    plots.add_overlay("2026-12-03_effnet-unet-fine-tune-portraits", three)
    plots.add_overlay("older", three)
    loss = [label.text for _s, label in plots.plots["loss"].legend.items]
    assert loss == ["loss/gan", "loss/l1", "loss/vgg"]
    runs = [label.text for _s, label in plots.runs_legend.items]
    assert len(runs) == 3 and runs[0] == "this run"
    sample = plots.plots["loss"].legend.items[1][0]      # loss/l1
    sample.item.setVisible(False)
    plots.plots["loss"].legend.sigSampleClicked.emit(sample.item)
    assert [plots.curve("loss/l1", r).isVisible() for r in plots.runs()] == [False] * 3
    assert plots.curve("loss/gan").isVisible()
    plots.add_overlay("newest", three)                  # a rebuilt legend keeps it hidden
    assert not plots.curve("loss/l1", "newest").isVisible()


def test_a_long_run_name_is_elided_with_the_whole_name_in_its_tooltip(plots, qtbot):
    plots.resize(500, 400)
    plots.show()
    qtbot.waitExposed(plots)
    name = "a-very-long-run-name-" * 6
    plots.set_series({"lr": ([0, 1], [1e-3, 1e-3])})
    plots.add_overlay(name, {"lr": ([0, 1], [2e-3, 2e-3])})
    label = plots.runs_legend.items[1][1]
    assert "…" in label.text and len(label.text) < len(name)
    assert name in label.toolTip()


def test_follow_mode_keeps_a_growing_run_in_view_until_the_user_pans(plots, qtbot):
    plots.set_series({"loss/l1": ([1], [0.5]), "val/psnr": ([1], [20.0]), "lr": ([1], [1e-3])})
    assert plots.curve("loss/l1").opts["symbol"] == "o"  # a single point is visible
    for n in (6, 16, 400):
        xs = list(range(1, n + 1))
        plots.set_series({"loss/l1": (xs, [1.0 / x for x in xs]), "val/psnr": (xs[::5], [20.0] * len(xs[::5]))})
        lo, hi = plots.x_range()
        assert lo <= 1 and hi >= n, (n, lo, hi)  # the newest points are on screen
    assert plots.curve("loss/l1").opts["symbol"] is None  # many points: a plain line
    vb = plots.plots["loss"].getViewBox()
    vb.sigRangeChangedManually.emit([True, True])  # the user pans
    assert not plots.follow_check.isChecked()
    xs = list(range(1, 801))
    plots.set_series({"loss/l1": (xs, [1.0 / x for x in xs])})
    assert plots.x_range()[1] < 800  # left where the user put it
    plots.follow_check.setChecked(True)
    assert plots.x_range()[1] >= 800


def test_one_axis_per_kind_of_quantity_in_plain_units(qtbot):
    """Issue 19, item 6: dB, shares and errors apart, linear; no 'x0.001' on the speed axis."""
    assert panel_of("val/psnr_rgb") == panel_of("val/psnr_rgb_gray") == "val"
    assert panel_of("val/colourfulness_ratio") == "colour"
    assert panel_of("val/l1_ab") == panel_of("val/l1") == "error"
    assert panel_of("val/colourfulness") is None          # the ratio says it
    plots = LossPlots()
    qtbot.addWidget(plots)
    plots.set_series({"images_per_s": ([1, 2, 3], [0.59, 0.61, 0.6]), "val/psnr_rgb": ([1], [24.0]),
                      "val/l1_ab": ([1], [6.5])}, LIVE)
    for pid in ("val", "error", "speed"):
        assert not plots.plots[pid].ctrl.logYCheck.isChecked(), pid
        assert plots.plots[pid].getAxis("left").autoSIPrefixScale == 1.0, pid
    assert plots.plots["speed"].getAxis("left").labelText == "images per second"


def _labelled(levels) -> list[float]:
    return sorted(v for _sp, vals in levels for v in vals)


@pytest.mark.parametrize("lo, hi, size", [(-1.3, -0.15, 70), (-2.0, 1.7, 90), (-0.5, -0.2, 60), (-3, 0, 400)])
def test_log_tick_labels_never_overlap(lo, hi, size):
    """The loss plot is short: 1-9 in every decade would pile labels on each other."""
    ticks = _labelled(log_ticks(lo, hi, size))
    assert ticks and all(lo < t < hi for t in ticks)
    px = np.diff(np.unique(np.round(ticks, 9))) * size / (hi - lo)
    assert px.size == 0 or px.min() >= LABEL_PX - 1e-6


def test_log_ticks_are_dense_when_there_is_room_and_thin_when_not():
    tall = {round(10 ** t, 6) for t in _labelled(log_ticks(-1.0, 0.0, 600))}
    assert {0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9} <= tall
    short = {round(10 ** t, 6) for t in _labelled(log_ticks(-1.3, -0.15, 70))}
    assert short == {0.1, 0.2, 0.5}


def test_the_loss_axis_thins_its_labels(plots):
    axis = plots.plots["loss"].getAxis("left")
    assert isinstance(axis, LogAxis) and axis.logMode
    levels = axis.tickValues(-1.3, -0.15, 70)
    assert {round(10 ** t, 6) for t in _labelled(levels)} == {0.1, 0.2, 0.5}
    assert not isinstance(plots.plots["val"].getAxis("left"), LogAxis)
