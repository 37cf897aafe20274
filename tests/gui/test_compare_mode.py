"""Compare mode: ticked models in a grid with one zoom/pan, click one to keep it; own weights."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF

from colorstudio.gui.predictors import PredictorCache, default_loader
from colorstudio.gui.tabs.colorize.page import ColorizePage
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.tabs.colorize.model_checklist import MAX_MODELS
from guitest_helpers import drag, gray_image, mouse, wheel


@pytest.fixture
def page(qtbot, cache, entries):
    p = ColorizePage(cache, samples=[])
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    p.set_entries(*entries, model="unet-gan")
    with qtbot.waitSignal(p.resultReady, timeout=30000):
        p.set_image(gray_image(60, 80))
    yield p
    p.shutdown()


@pytest.mark.slow
def test_grid_shows_each_ticked_model_and_a_click_keeps_one(qtbot, page):
    page.checklist.set_checked(["unet-gan", "zhang-bins", "resgan"])
    page.checklist.set_on(True)
    assert page.compare.mode() == CompareView.GRID
    grid = page.compare.grid
    assert grid.keys() == ["resgan", "unet-gan", "zhang-bins"]      # list order
    qtbot.waitUntil(lambda: len(page.compared()) == 3, timeout=30000)
    for key in grid.keys():
        cell = grid.cells[key]
        assert cell.image() is not None and cell.image().width() == 80
        assert cell.caption.startswith(key) and " s" in cell.caption     # name and time
    a, b = (page.compared()[k].colorized.rgb for k in ("unet-gan", "zhang-bins"))
    assert not np.array_equal(a, b)

    # one viewport: a wheel in one cell zooms every cell, a drag pans them all
    c1, c2 = grid.cells["resgan"], grid.cells["zhang-bins"]
    before = page.compare.viewport.center()
    wheel(c1, QPointF(c1.width() / 2, c1.height() / 2), 3)
    assert c1.scale() == pytest.approx(c2.scale()) and c2.scale() > c2.viewport.fit_scale(c2.size())
    drag(c2, QPointF(40, 40), QPointF(10, 20))
    assert page.compare.viewport.center() != before
    mid = [c.to_image(QPointF(c.width() / 2, c.height() / 2)) for c in (grid.input_cell, c1, c2)]
    assert all(abs(p.x() - mid[0].x()) < 0.5 and abs(p.y() - mid[0].y()) < 0.5 for p in mid)

    # a click (press and release in place) makes that model the result, no rerun
    runs = page.network_runs
    pos = QPointF(c2.width() / 2, c2.height() / 2)
    mouse(c2, QEvent.Type.MouseButtonPress, pos)
    mouse(c2, QEvent.Type.MouseButtonRelease, pos)
    assert page.model_name() == "zhang-bins"
    assert page.output is page.compared()["zhang-bins"]
    assert page.compare.mode() == CompareView.SIDE and not page.checklist.is_on()
    qtbot.wait(200)
    assert page.network_runs == runs


def test_newest_request_wins_and_tick_limit(qtbot, page):
    page.checklist.set_checked(["unet-gan", "zhang-bins"])
    page.checklist.set_on(True)
    page.controls.set_saturation(0.5)      # supersedes the first request while it runs
    qtbot.waitUntil(lambda: len(page.compared()) == 2 and not page.runner.is_busy(), timeout=30000)
    from colorstudio.core.colorize import pipeline

    # every cell shows the newest request's result: composed at saturation 0.5
    for out in page.compared().values():
        c = out.colorized
        assert np.array_equal(c.rgb, pipeline.compose(page.image, c.ab_small, 0.5))
        assert not np.array_equal(c.rgb, pipeline.compose(page.image, c.ab_small, 1.0))
    # at most six ticks: the seventh is undone
    page.checklist.set_checked([])
    items = [page.checklist.list.item(i) for i in range(page.checklist.list.count())]
    from PySide6.QtCore import Qt
    for it in items:
        it.setCheckState(Qt.CheckState.Checked)
    assert len(page.checklist.checked()) == min(MAX_MODELS, len(items))


@pytest.mark.slow
def test_own_checkpoint_joins_the_list_and_wrong_task_is_refused(qtbot, entries, tmp_path):
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8, depth=2)
    mine = save_weights(tmp_path / "myrun" / "model.safetensors", m.state_dict(),
                        {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    t = create("pix2pix-facades", weights=False, ngf=4, num_downs=5)
    facade = save_weights(tmp_path / "facade.safetensors", t.state_dict(),
                          {"family": "pix2pix-facades", "config": {"ngf": 4, "num_downs": 5}})
    page = ColorizePage(PredictorCache(loader=default_loader), samples=[])
    qtbot.addWidget(page)
    page.set_entries(*entries, model="unet-gan")
    messages = []
    page.message.connect(lambda t, lv: messages.append((lv, t)))
    with qtbot.waitSignal(page.picker.weightsFailed, timeout=10000):
        page.picker.open_weights(facade)
    assert messages[-1][0] == "error" and "translate model" in messages[-1][1]
    with qtbot.waitSignal(page.picker.weightsLoaded, timeout=10000):
        page.picker.open_weights(mine)
    key = f"unet-gan@{mine}"
    assert page.model_name() == key
    assert page.picker.entry().label == "myrun (unet-gan)"
    assert "myrun (unet-gan)" in page.picker.model_box.currentText()
    assert key in [page.checklist.list.item(i).data(256) for i in range(page.checklist.list.count())]
    with qtbot.waitSignal(page.resultReady, timeout=30000):
        page.set_image(gray_image(40, 40))
    assert page.output.model == key
    page.shutdown()


def test_compare_needs_two_models_ticked(qtbot, page):
    """Issue 19, item 8: one ticked model cannot start a 'comparison' of one."""
    page.checklist.set_checked(["unet-gan"])
    assert not page.checklist.button.isEnabled() and "at least 2" in page.checklist.button.toolTip()
    page.checklist.set_checked(["unet-gan", "zhang-bins"])
    assert page.checklist.button.isEnabled()
    page.checklist.set_on(True)
    page.checklist.set_checked(["unet-gan"])   # unticking below two leaves compare mode
    assert not page.checklist.is_on() and not page.checklist.button.isEnabled()
    rows = page.checklist.list.count()
    assert page.checklist.list.height() <= min(rows, 6) * page.checklist.list.sizeHintForRow(0) + 12


@pytest.mark.slow
def test_grid_says_which_model_loads_and_shows_the_load_time_apart(qtbot, entries):
    """Issue 19, item 9: 'loading model 2/3…' instead of a silent 'colorizing…', and the
    loading time beside the run time in the cell."""
    import time as _time

    from guitest_helpers import tiny_loader

    def slow(name, device):
        _time.sleep(0.3)
        return tiny_loader(name, device)

    p = ColorizePage(PredictorCache(loader=slow), samples=[])
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    p.set_entries(*entries, model="unet-gan")
    with qtbot.waitSignal(p.resultReady, timeout=30000):
        p.set_image(gray_image(60, 80))
    seen = []
    p.runner.progress.connect(lambda item: item[0] == "loading" and seen.append((item[1], item[2], item[3])))
    p.checklist.set_checked(["unet-gan", "zhang-bins", "resgan"])
    p.checklist.set_on(True)
    qtbot.waitUntil(lambda: len(p.compared()) == 3, timeout=60000)
    order = p.checklist.checked()
    assert sorted(seen) == sorted((k, order.index(k) + 1, 3) for k in ("zhang-bins", "resgan"))
    assert "s loading)" in p.compare.grid.cells["zhang-bins"].caption          # its loading, said apart
    assert "loading" not in p.compare.grid.cells["unet-gan"].caption          # it was loaded already
    p.shutdown()


def test_the_loading_note_goes_once_the_models_are_loaded(qtbot, page):
    """The "Loading model i of n" banner is cleared when the grid starts colorizing (it
    stayed up over a full grid before)."""
    said = []
    page.message.connect(lambda text, *_: said.append(text))
    page.messageCleared.connect(lambda: said.append(None))
    page.checklist.set_checked(["unet-gan", "zhang-bins", "resgan"])
    page.checklist.set_on(True)
    qtbot.waitUntil(lambda: len(page.compared()) == 3, timeout=30000)
    loading = [i for i, t in enumerate(said) if t and t.startswith("Loading model")]
    assert loading, said                       # two of the three were not loaded yet
    assert None in said[loading[-1]:]          # ... and the last such note was cleared


def test_compare_tiles_use_the_clean_scan_setting(qtbot, page, monkeypatch):
    """Issue 32, item 3: the compare grid ignored Clean scan (the tile kept as the result was
    uncleaned while the panel said 'strong')."""
    from colorstudio.core.colorize import pipeline

    seen = []
    real = pipeline.net_input_l
    monkeypatch.setattr(pipeline, "net_input_l", lambda img, hw, denoise="off": (seen.append(denoise),
                                                                                   real(img, hw, denoise))[1])
    page.controls.set_denoise("strong")
    qtbot.waitUntil(lambda: not page.runner.is_busy(), timeout=30000)
    seen.clear()
    page.checklist.set_checked(["unet-gan", "iizuka-lite"])
    page.checklist.set_on(True)
    qtbot.waitUntil(lambda: len(page.compared()) == 2, timeout=30000)
    assert seen and set(seen) == {"strong"}, seen
