"""LabelPainter driven with real (synthetic) mouse events, plus the numpy helpers."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from colorstudio.core.color.palette import CLASSES, COLORS, labels_to_rgb
from colorstudio.gui.tabs.facades.label_painter import (LabelPainter, class_id, label_map_from_image,
                                                   random_layout, read_label_map)

BG, FACADE, WINDOW, DOOR = (class_id(n) for n in ("background", "facade", "window", "door"))
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def painter(qtbot):
    w = LabelPainter(size=(64, 64))
    w.set_labels(np.full((64, 64), FACADE, np.uint8), undoable=False)
    w.resize(300, 300)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def pos(w, x, y):
    return w.to_widget(x, y).toPoint()


def test_brush_stroke_paints_along_the_drag_and_undo_redo_restore(painter, qtbot):
    painter.set_tool("brush")
    painter.set_class("window")
    painter.set_brush_size(3)
    changes = []
    painter.changed.connect(lambda: changes.append(1))
    before = painter.labels.copy()
    qtbot.mousePress(painter, LEFT, pos=pos(painter, 10, 20))
    for x in (20, 30, 40):
        qtbot.mouseMove(painter, pos(painter, x, 20))
    qtbot.mouseRelease(painter, LEFT, pos=pos(painter, 40, 20))
    after = painter.labels.copy()
    assert (after[20, 10:41] == WINDOW).all()          # continuous line, not dots
    assert (after[19:22, 12:38] == WINDOW).all()       # brush width 3
    assert after[30, 30] == FACADE                     # elsewhere untouched
    assert len(changes) == 1                           # one edit per stroke
    assert painter.can_undo() and not painter.can_redo()
    painter.undo()
    np.testing.assert_array_equal(painter.labels, before)
    assert painter.can_redo()
    painter.redo()
    np.testing.assert_array_equal(painter.labels, after)


def test_rectangle_tool_fills_the_dragged_box(painter, qtbot):
    painter.set_tool("rectangle")
    painter.set_class("door")
    qtbot.mousePress(painter, LEFT, pos=pos(painter, 20, 30))
    qtbot.mouseMove(painter, pos(painter, 30, 50))
    qtbot.mouseRelease(painter, LEFT, pos=pos(painter, 30, 50))
    lab = painter.labels
    assert (lab[30:51, 20:31] == DOOR).all()
    assert (lab == DOOR).sum() == 21 * 11
    painter.undo()
    assert not (painter.labels == DOOR).any()


def test_fill_replaces_only_the_connected_region(painter, qtbot):
    ids = np.full((64, 64), FACADE, np.uint8)
    ids[:, 32] = BG                       # a wall splits the facade in two
    painter.set_labels(ids)
    painter.set_tool("fill")
    painter.set_class("window")
    qtbot.mouseClick(painter, LEFT, pos=pos(painter, 5, 5))
    lab = painter.labels
    assert (lab[:, :32] == WINDOW).all()
    assert (lab[:, 32] == BG).all() and (lab[:, 33:] == FACADE).all()
    painter.undo()
    np.testing.assert_array_equal(painter.labels, ids)


@pytest.mark.parametrize("eraser_class", ["background", "facade"])
def test_eraser_paints_its_class(painter, qtbot, eraser_class):
    painter.set_labels(np.full((64, 64), WINDOW, np.uint8))
    painter.set_tool("eraser")
    painter.set_eraser_class(eraser_class)
    painter.set_brush_size(5)
    qtbot.mousePress(painter, LEFT, pos=pos(painter, 30, 30))
    qtbot.mouseRelease(painter, LEFT, pos=pos(painter, 30, 30))
    assert painter.labels[30, 30] == class_id(eraser_class)
    assert painter.labels[0, 0] == WINDOW


def test_right_click_picks_the_class(painter, qtbot):
    with qtbot.waitSignal(painter.classPicked) as sig:
        qtbot.mouseClick(painter, Qt.MouseButton.RightButton, pos=pos(painter, 3, 3))
    assert sig.args == [FACADE]


def test_random_layout_is_deterministic_plausible_and_palette_only():
    a, b, c = random_layout(7), random_layout(7), random_layout(8)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert a.shape == (256, 256) and a.dtype == np.uint8
    for seed in range(5):
        ids = random_layout(seed)
        present = {CLASSES[i] for i in np.unique(ids)}
        assert {"background", "facade", "window", "door", "cornice"} <= present
        rgb = labels_to_rgb(ids)
        used = {tuple(p) for p in np.unique(rgb.reshape(-1, 3), axis=0)}
        assert used <= {tuple(c) for c in COLORS}
        assert ids[0, 128] == BG and ids[-1].max() > BG   # sky on top, building at the bottom


def test_load_snaps_noisy_labels_and_save_round_trips(painter, tmp_path):
    from colorstudio.core.io.imageio import write_image

    ids = random_layout(3)
    write_image(tmp_path / "noisy.jpg", labels_to_rgb(ids), quality=85)
    loaded = read_label_map(tmp_path / "noisy.jpg")
    assert (loaded == ids).mean() > 0.93     # JPEG noise snapped back (edges blur in chroma)
    painter.load(tmp_path / "noisy.jpg")
    assert painter.labels.shape == (256, 256)
    painter.set_labels(ids)
    painter.save(tmp_path / "out.png")
    np.testing.assert_array_equal(read_label_map(tmp_path / "out.png"), ids)
    with pytest.raises(Exception, match="not found"):
        painter.load(tmp_path / "missing.png")


def test_label_map_from_pairs_and_gray_ids():
    ids = random_layout(1, (64, 64))
    photo = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    pair = np.concatenate([photo, labels_to_rgb(ids)], 1)  # pix2pix facades: photo | label
    np.testing.assert_array_equal(label_map_from_image(pair), ids)
    np.testing.assert_array_equal(label_map_from_image(ids), ids)
