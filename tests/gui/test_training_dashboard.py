"""Training dashboard: metrics tailing, live curves, overlays, the trainer subprocess, the
recipes read in-process."""

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from colorstudio.core.training.recipes import RecipeSummary
from colorstudio.gui.tabs.train.jobs import MetricsReader, Recipe, RunSeries, TrainRequest, trainer_args
from colorstudio.gui.tabs.train.page import TrainingDashboard

posix_only = pytest.mark.skipif(os.name != "posix", reason="fake trainer is a shell script")


def train_line(step, **extra):
    rec = {"kind": "train", "step": step, "epoch": step // 10, "time": step * 0.1, "wall": 1.7e9 + step,
           "lr": 1e-3, "images_per_s": 40.0 + step, "loss/l1": 1.0 / (step + 1), "loss/gan": 0.7}
    rec.update(extra)
    return json.dumps(rec) + "\n"


# ------------------------------------------------------------------ Qt-free parsing
def test_reader_keeps_partial_lines_and_skips_malformed(tmp_path):
    f = tmp_path / "metrics.jsonl"
    f.write_text("")
    r = MetricsReader(f)
    whole = train_line(1) + train_line(2)
    with f.open("a") as fh:
        fh.write(whole + train_line(3)[:20])
    assert [x["step"] for x in r.read_new()] == [1, 2]
    with f.open("a") as fh:
        fh.write(train_line(3)[20:] + "{not json\n" + "[1, 2]\n" + train_line(4))
    assert [x["step"] for x in r.read_new()] == [3, 4]
    assert r.skipped == 2
    assert r.read_new() == []
    f.write_text(train_line(9))                      # replaced by a new, shorter run
    assert [x["step"] for x in r.read_new()] == [9] and r.reset


def test_run_series_sorts_keys_and_events():
    s = RunSeries()
    s.add([json.loads(train_line(i)) for i in range(3)])
    s.add([{"kind": "val", "step": 2, "epoch": 0, "time": 1, "val/psnr": 21.5},
           {"kind": "event", "event": "checkpoint", "time": 1, "message": "saved"},
           {"kind": "train", "step": 3, "lr": None, "loss/l1": float("nan")}])
    assert s.keys() == ["images_per_s", "loss/gan", "loss/l1", "lr", "val/psnr"]
    assert s.curve("loss/l1")[0] == [0, 1, 2]         # NaN and null skipped
    assert s.curve("val/psnr") == ([2.0], [21.5])
    assert [e["event"] for e in s.events] == ["checkpoint"]


def summary(name="unet-gan", description="U-Net", **kw):
    facts = dict(family=name, task="colorize", settings="Adam", lr=2e-4, batch_size=16, image_size=128, loss="l1",
                 epochs=20)
    return RecipeSummary(name, description=description, **{**facts, **kw})


def test_a_recipe_shows_its_description_then_its_settings():
    r = Recipe.of(summary())
    assert (r.name, r.description, r.epochs, r.task, r.default) == ("unet-gan", "U-Net\nAdam.", 20, "colorize", False)
    assert Recipe.of(summary(description="")).description == "Adam."
    d = Recipe.of(summary("effnet-unet", shipped_weights="/w/e.safetensors", cpu_preset="/p.toml", default=True))
    assert d.can_fine_tune and d.default and d.cpu_preset == "/p.toml" and d.shipped_weights == "/w/e.safetensors"


def test_trainer_command_line(tmp_path):
    req = TrainRequest("unet-gan", tmp_path, tmp_path / "run", 5, nproc=2, resume=False, device="cuda",
                       extra=["--set", "max_steps=2"])
    assert trainer_args(req) == ["-m", "trainer", "unet-gan", "--data", str(tmp_path), "--out",
                                 str(tmp_path / "run"), "--epochs", "5", "--nproc", "2", "--device", "cuda",
                                 "--set", "max_steps=2"]
    assert "--nproc" not in trainer_args(TrainRequest("r", tmp_path, tmp_path, 1))


# ------------------------------------------------------------------ the widget
@pytest.fixture
def dash(qtbot, settings, tmp_path):
    settings.setValue("train/runs_dir", str(tmp_path / "runs"))
    d = TrainingDashboard(settings=settings)
    qtbot.addWidget(d)
    yield d
    d.stop()


@pytest.mark.slow
def test_growing_metrics_file_draws_curves(dash, qtbot, tmp_path):
    run = tmp_path / "runs" / "live-run"
    run.mkdir(parents=True)
    f = run / "metrics.jsonl"
    dash.watch_run(run)                               # the file does not exist yet
    chunk = "".join(train_line(i) for i in range(3)) + train_line(3)[:25]
    f.write_text(json.dumps({"kind": "event", "event": "start", "time": 0, "message": "go"}) + "\n" + chunk)
    qtbot.waitUntil(lambda: dash.plots.point_count("loss/l1") == 3, timeout=5000)
    assert dash.plots.point_count("lr") == 3 and dash.plots.point_count("images_per_s") == 3
    with f.open("a") as fh:
        fh.write(train_line(3)[25:] + "garbage\n" + train_line(4) + train_line(5)
                 + json.dumps({"kind": "val", "step": 5, "epoch": 0, "time": 1, "val/psnr": 20.0}) + "\n")
    qtbot.waitUntil(lambda: dash.plots.point_count("loss/l1") == 6, timeout=5000)
    assert dash.plots.point_count("val/psnr") == 1
    assert "[start] go" in dash.log.toPlainText()
    # the newest sample image appears beside the curves and refreshes when it changes
    (run / "samples").mkdir()
    img = QImage(64, 32, QImage.Format.Format_RGB888)
    img.fill(QColor("red"))
    assert img.save(str(run / "samples" / "latest.png"))
    qtbot.waitUntil(dash.samples.has_image, timeout=5000)
    loads = dash.samples.loads
    img.fill(QColor("blue"))
    img.save(str(run / "samples" / "latest.png"))
    os.utime(run / "samples" / "latest.png", (2e9, 2e9))   # a new stamp even on coarse clocks
    qtbot.waitUntil(lambda: dash.samples.loads > loads, timeout=5000)
    assert QColor(dash.samples.view._img.pixel(0, 0)) == QColor("blue")


def test_ticking_an_earlier_run_overlays_it(dash, qtbot, tmp_path):
    old = tmp_path / "runs" / "old-run"
    old.mkdir(parents=True)
    (old / "metrics.jsonl").write_text("".join(train_line(i) for i in range(4)))
    (old / "config.json").write_text(json.dumps({"recipe": "unet-gan"}))
    dash.refresh_runs()
    assert dash.runs_list.count() == 1
    item = dash.runs_list.item(0)
    assert "unet-gan" in item.text()
    item.setCheckState(Qt.CheckState.Checked)
    assert dash.plots.runs() == ["old-run"]
    assert dash.plots.keys("old-run") == ["images_per_s", "loss/gan", "loss/l1", "lr"]
    assert dash.plots.point_count("loss/l1", "old-run") == 4
    dash.refresh_runs()                                # ticks survive a refresh
    assert dash.overlays() == [str(old)]
    dash.runs_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert dash.plots.runs() == []


def test_ticking_runs_keeps_the_plots_in_their_grid(dash, qtbot, tmp_path):
    """Issue 32, item 12: ticking runs with long names once re-laid the plots into one
    column cut off at the right (the legends' text set the grid's width)."""
    names = ["2026-12-03_effnet-unet-finetune-portraits-long", "2026-12-04_unet-gan-another-long-run-name"]
    extra = {"loss/perceptual": 0.3, "loss/colourfulness_with_a_long_name": 0.1}
    for name in names:
        run = tmp_path / "runs" / name
        run.mkdir(parents=True)
        (run / "metrics.jsonl").write_text("".join(train_line(i, **extra) for i in range(40)))
    dash.resize(1100, 700)
    dash.show()
    qtbot.waitExposed(dash)
    dash.refresh_runs()
    view = dash.plots.view

    def cells():
        qtbot.wait(50)
        return {pid: p.mapRectToScene(p.boundingRect()) for pid, p in dash.plots.plots.items()}

    before = cells()
    for i in range(dash.runs_list.count()):
        dash.runs_list.item(i).setCheckState(Qt.CheckState.Checked)
    after = cells()
    assert dash.plots.runs() == sorted(names)
    width = view.viewport().width()
    assert view.ci.geometry().width() <= width
    for pid, rect in after.items():
        assert rect.left() >= 0 and rect.right() <= width, (pid, rect, width)
        assert abs(rect.left() - before[pid].left()) < 0.02 * width, pid   # the same grid
        assert rect.width() > 0.4 * width, pid                            # two columns share it
    assert after["val"].left() > after["loss"].right()              # two columns
    assert abs(after["val"].top() - after["loss"].top()) < 1
    for legend in dash.plots.legends.values():
        r = legend.mapRectToScene(legend.boundingRect())
        assert r.right() <= width + 1


def test_missing_data_folder_is_a_clear_error(dash, tmp_path):
    dash.recipe_combo.setEditText("unet-gan")
    dash.data_edit.setText(str(tmp_path / "nope"))
    assert dash.start() is False
    assert "data folder not found" in dash.error_text()
    assert not dash.is_busy()
    dash.data_edit.setText("")
    assert dash.start() is False and "choose a data folder" in dash.error_text()


def test_trainer_that_cannot_start_is_reported(qtbot, settings, tmp_path):
    d = TrainingDashboard(settings=settings, python=str(tmp_path / "no-such-python"))
    qtbot.addWidget(d)
    d.recipe_combo.setEditText("unet-gan")
    d.data_edit.setText(str(tmp_path))
    d.runs_edit.setText(str(tmp_path / "runs"))
    with qtbot.waitSignal(d.runFinished, timeout=5000):
        d.start()
    assert "could not start the trainer" in d.error_text()
    assert d.start_button.isEnabled() and not d.is_busy()


def fake_python(tmp_path, body):
    """An executable standing in for the interpreter: runs ``body`` with the trainer's arguments."""
    script = tmp_path / "fake_trainer.py"
    script.write_text(textwrap.dedent(body))
    exe = tmp_path / "fake-python"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    exe.chmod(0o755)
    return str(exe)


FOREVER = """
    import json, sys, time
    from pathlib import Path
    out = Path(sys.argv[sys.argv.index("--out") + 1]); out.mkdir(parents=True)
    print("fake trainer", " ".join(sys.argv[1:]), flush=True)
    with open(out / "metrics.jsonl", "a") as f:
        for step in range(1, 100000):
            f.write(json.dumps({"kind": "train", "step": step, "lr": 0.1, "loss/l1": 1 / step}) + "\\n")
            f.flush()
            time.sleep(0.05)
"""


@posix_only
def test_stop_terminates_the_process(qtbot, settings, tmp_path):
    d = TrainingDashboard(settings=settings, python=fake_python(tmp_path, FOREVER))
    qtbot.addWidget(d)
    d.recipe_combo.setEditText("unet-gan")
    d.data_edit.setText(str(tmp_path))
    d.runs_edit.setText(str(tmp_path / "runs"))
    with qtbot.waitSignal(d.runStarted, timeout=5000):
        assert d.start()
    assert d.is_busy() and not d.start_button.isEnabled() and d.stop_button.isEnabled()
    qtbot.waitUntil(lambda: d.plots.point_count("loss/l1") >= 3, timeout=10000)
    pid = d.process.proc.processId()
    d.stop()
    assert not d.is_busy()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    qtbot.waitUntil(lambda: "Stopped" in d.state_label.text(), timeout=5000)
    # issue 19, item 2: no checkpoint was written, so none is promised
    assert "nothing to resume" in d.state_label.text() and not d.resume_button.isEnabled()
    assert "fake trainer -m trainer unet-gan --data" in d.log.toPlainText()   # output reaches the log
    assert d.error_text() == ""                        # a requested stop is not an error


@posix_only
def test_nonzero_exit_shows_the_reason(qtbot, settings, tmp_path):
    body = "import sys\nprint('colorstudio-train: error: no images in the data folder', file=sys.stderr)\nsys.exit(2)\n"
    d = TrainingDashboard(settings=settings, python=fake_python(tmp_path, body))
    qtbot.addWidget(d)
    d.recipe_combo.setEditText("unet-gan")
    d.data_edit.setText(str(tmp_path))
    d.runs_edit.setText(str(tmp_path / "runs"))
    with qtbot.waitSignal(d.runFinished, timeout=10000) as sig:
        d.start()
    run, code = sig.args                               # the run that finished, not only its exit code
    assert code == 2 and run == d.run_dir and run.parent == tmp_path / "runs"
    assert "exit code 2" in d.error_text() and "no images in the data folder" in d.error_text()


def tiny_photos(root: Path) -> Path:
    import cv2

    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(10):
            small = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
            cv2.imwrite(str(root / cls / f"{i:02d}.png"), cv2.resize(small, (40, 40), interpolation=cv2.INTER_CUBIC))
    return root


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("trainer") is None,
                    reason="the trainer package (engineer C) cannot be imported")
def test_real_training_subprocess_draws_curves(qtbot, settings, tmp_path):
    d = TrainingDashboard(settings=settings)
    qtbot.addWidget(d)
    d.recipe_combo.setEditText("unet-gan")
    d.data_edit.setText(str(tiny_photos(tmp_path / "photos")))
    d.runs_edit.setText(str(tmp_path / "runs"))
    d.epochs_spin.setValue(1)
    d.device_combo.setCurrentText("cpu")
    d.extra_edit.setText("--threads 1 --set max_steps=2 --set image_size=32 --set batch_size=4 "
                         "--set log_every=1 --set val_images=2 --set sample_images=2 --set num_workers=0 "
                         "--set val_every_nth=5 --set model.base=8 --set model.depth=2 "
                         "--set discriminator_config.base=8 --set discriminator_config.n_layers=2")
    with qtbot.waitSignal(d.runFinished, timeout=120000) as sig:
        assert d.start()
    assert sig.args == [d.run_dir, 0], d.log.toPlainText()[-3000:]
    run = d.run_dir
    assert (run / "config.json").is_file()
    losses = [k for k in d.plots.keys() if k.startswith("loss/")]
    assert losses and all(d.plots.point_count(k) == 2 for k in losses)
    assert d.plots.point_count("lr") == 2
    assert d.runs_list.count() == 1 and d.runs_list.item(0).font().bold()   # followed live
    # resume the selected run from its last checkpoint, one step further
    assert (run / "checkpoints" / "last.pt").is_file() and d.resume_button.isEnabled()
    d.runs_list.setCurrentRow(0)
    d.extra_edit.setText(d.extra_edit.text().replace("max_steps=2", "max_steps=3"))
    with qtbot.waitSignal(d.runFinished, timeout=120000) as sig:
        assert d.resume()
    assert sig.args == [run, 0], d.log.toPlainText()[-3000:]
    assert "--resume" in d.log.toPlainText()
    assert d.run_dir == run and d.plots.point_count(losses[0]) == 3


def test_recipes_that_cannot_be_listed_are_one_message(qtbot):
    from colorstudio.gui.tabs.train.jobs import RecipeLister

    def broken():
        raise OSError("the weights folder is unreadable")

    lister = RecipeLister(lister=broken)
    with qtbot.waitSignal(lister.error, timeout=10000) as sig:
        lister.refresh()
    assert sig.args[0] == "could not list the recipes: the weights folder is unreadable"
    assert not lister.is_running()
    late = RecipeLister(lister=lambda: [Recipe("unet-gan")])
    late.refresh()
    late.cancel()                                     # the window closed: a late answer is dropped
    with qtbot.assertNotEmitted(late.recipes, wait=300):
        pass


def test_the_train_tab_reads_the_recipes_without_torch_or_the_trainer():
    """Issue 34: the recipes came from 'python -m trainer recipes --json' in a subprocess; they
    are read in-process now, and the tab's modules still import neither torch nor the trainer."""
    import subprocess

    code = ("import sys; import colorstudio.gui.tabs.train.page, colorstudio.core.training.recipes as r; "
            "assert len(r.RECIPES) == 11 and not [m for m in sys.modules if m.split('.')[0] in ('torch', 'trainer')]")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    src = (Path(__file__).resolve().parents[2] / "colorstudio" / "gui" / "tabs" / "train" / "recipes.py").read_text()
    assert "QProcess" not in src and "--json" not in src


@pytest.mark.slow
def test_dashboard_lists_the_recipes(dash, qtbot):
    with qtbot.waitSignal(dash.lister.recipes, timeout=60000):
        dash.show()                                   # listed on first show, in a worker
    assert {"unet-gan", "pix2pix-facades"} <= set(dash.recipes())
    assert dash.recipe_combo.currentText() == "effnet-unet"   # the default colorizer's, to fine-tune
    dash.recipe_combo.setCurrentText("pix2pix-facades")
    assert dash.recipe_status.text()                  # the recipe's description


def test_checkpoint_line_follows_resume_and_start_line_shows_once(dash, qtbot, tmp_path):
    run = tmp_path / "runs" / "resumed"
    run.mkdir(parents=True)
    f = run / "metrics.jsonl"
    dash.watch_run(run)
    ev = lambda kind, msg, **k: json.dumps({"kind": "event", "event": kind, "time": 0, "message": msg, **k}) + "\n"  # noqa: E731
    dash.log.add("2026-12-01 trainer: unet-gan: 40 training images, resumed at step 13")  # the process's line
    f.write_text(ev("start", "unet-gan: 40 training images") + train_line(10) + ev("checkpoint", "step 10")
                 + ev("start", "unet-gan: 40 training images, resumed at step 13", resumed_from=13))
    qtbot.waitUntil(lambda: "Resumed from the checkpoint at step 13" in dash.checkpoint_label.text(), timeout=5000)
    log = dash.log.toPlainText()
    assert log.count("resumed at step 13") == 1  # not echoed a second time from the metrics
    dash.log.add("2026-12-01 23:43:39,895 trainer: unet-gan: 40 training images")  # after the event
    assert dash.log.toPlainText().count("unet-gan: 40 training images\n") <= 1
    with f.open("a") as fh:
        fh.write(train_line(16) + ev("checkpoint", "step 16", step=16) + ev("end", "stopped by SIGTERM at step 16"))
    qtbot.waitUntil(lambda: dash.checkpoint_label.text() == "Last checkpoint: step 16", timeout=5000)


def test_start_from_the_shipped_model_or_from_scratch(dash, tmp_path):
    """Issue 19, item 4: fine-tuning the shipped model (its CPU preset and weights) or the
    report's recipe from scratch, chosen in the form; the Epochs field agrees with the text."""
    from colorstudio.gui.tabs.train.recipes import Recipe
    from colorstudio.gui.tabs.train.form import START_FINE_TUNE, START_SCRATCH

    w = tmp_path / "unet-gan.safetensors"
    w.write_bytes(b"x")
    preset = tmp_path / "unet-gan-cpu.toml"
    preset.write_text("lr = 2e-4\n")
    dash.form.set_recipes([Recipe("unet-gan", "U-Net GAN.\nAdam at lr 0.0002, ..., 20 epochs by default.", 20,
                              str(preset), str(w)),
                       Recipe("iizuka-lite", "CSCI5210, 50 epochs by default.", 50, "", "")])
    dash.data_edit.setText(str(tmp_path))
    dash.recipe_combo.setCurrentText("unet-gan")
    dash.form.set_start(START_FINE_TUNE)
    req = dash.request()
    assert req.init == str(w) and req.config == str(preset) and req.epochs == 1
    args = trainer_args(req)
    assert args[args.index("--init") + 1] == str(w) and args[args.index("--config") + 1] == str(preset)
    assert "Fine-tuning the shipped unet-gan for 1 epoch" in dash.recipe_status.text()
    dash.form.set_start(START_SCRATCH)
    req = dash.request()
    assert not req.init and not req.config and req.epochs == 20 and "20 epochs by default" in dash.recipe_status.text()
    assert "--init" not in trainer_args(req)
    dash.form.set_start(START_FINE_TUNE)
    dash.recipe_combo.setCurrentText("iizuka-lite")        # nothing shipped: back to scratch, its 50 epochs
    assert dash.form.start_key() == START_SCRATCH and dash.epochs_spin.value() == 50


def test_the_tab_reads_what_the_trainer_reports():
    """The direct read lists what 'colorstudio-train recipes --json' does: the same recipes in
    the same order, their presets and shipped weights, and opens on the default colorizer's."""
    from colorstudio.gui.tabs.train.recipes import first_choice, list_recipes
    from trainer.__main__ import recipe_summaries

    recipes, reported = list_recipes(), recipe_summaries()
    assert [r.name for r in recipes] == [d["name"] for d in reported] == sorted(d["name"] for d in reported)
    for r, d in zip(recipes, reported):
        assert (r.cpu_preset, r.shipped_weights, r.task, r.default, r.epochs) == \
            (d["cpu_preset"], d["shipped_weights"], d["task"], d["default"], d["epochs"]), r.name
        assert r.description == f"{d['description']}\n{d['settings']}."
    by = {r.name: r for r in recipes}
    assert by["unet-gan"].cpu_preset.endswith("unet-gan-cpu.toml") and Path(by["unet-gan"].cpu_preset).is_file()
    assert by["unet-gan"].shipped_weights.endswith("unet-gan.safetensors")
    # issue 35, item 4: the app opens on the default colorizer's recipe, and only on it
    assert [n for n, r in by.items() if r.default] == ["effnet-unet"] and by["damage-unet"].task == "restore"
    assert recipes[first_choice(recipes)].name == "effnet-unet"


def test_the_train_tab_opens_on_a_model_to_fine_tune(qtbot, settings, tmp_path):
    """Issue 32, item 6: it opened on an untrained family (the first by name) with 'from scratch
    (hours on a CPU)', and stayed on scratch after choosing the shipped default."""
    from colorstudio.gui.tabs.train.form import START_FINE_TUNE, START_SCRATCH
    from colorstudio.gui.tabs.train.recipes import Recipe

    settings.setValue("train/runs_dir", str(tmp_path / "runs"))
    d = TrainingDashboard(settings=settings)
    qtbot.addWidget(d)
    try:
        w = tmp_path / "effnet-unet.safetensors"
        w.write_bytes(b"x")
        d.form.set_recipes([Recipe("effnet-hints", "hints, untrained", 20, "", ""),
                        Recipe("effnet-unet", "the default colorizer", 20, "", str(w)),
                        Recipe("unet-gan", "U-Net GAN", 20, "", str(w))])
        assert d.recipe_combo.currentText() == "effnet-unet" and d.form.start_key() == START_FINE_TUNE
        d.recipe_combo.setCurrentText("effnet-hints")           # nothing shipped: scratch, by necessity
        assert d.form.start_key() == START_SCRATCH
        d.recipe_combo.setCurrentText("effnet-unet")            # back to fine-tuning the shipped model
        assert d.form.start_key() == START_FINE_TUNE and d.init_edit.text() == str(w)
        d.form.start_combo.setCurrentIndex(d.form.start_combo.findData(START_SCRATCH))
        d.form.start_combo.activated.emit(d.form.start_combo.currentIndex())   # the user chose scratch
        d.recipe_combo.setCurrentText("unet-gan")
        assert d.form.start_key() == START_SCRATCH              # a user's choice is kept
    finally:
        d.stop()


def test_the_first_recipe_is_the_default_colorizers():
    """Issue 35, item 4: never a family without weights, never the damage detector (which
    comes first by name and would be first once its weights ship)."""
    from colorstudio.gui.tabs.train.recipes import Recipe, first_choice

    damage = Recipe("damage-unet", "", 20, "", "/w/damage-unet.safetensors", "restore")
    hints = Recipe("effnet-hints", "", 20, "", "", "colorize")
    default = Recipe("effnet-unet", "", 20, "", "/w/effnet-unet.safetensors", "colorize", default=True)
    gan = Recipe("unet-gan", "", 20, "", "/w/unet-gan.safetensors", "colorize")
    assert first_choice([damage, hints, default, gan]) == 2
    assert first_choice([damage, hints, gan]) == 2            # an older trainer: the first colorizer with weights
    assert first_choice([hints, damage]) == 1                 # nothing else to fine-tune
    assert first_choice([hints]) == 0 and first_choice([]) == 0
    rs = [Recipe.of(summary("effnet-unet", default=True)), Recipe.of(summary("x"))]
    assert rs[0].default and rs[0].task == "colorize" and not rs[1].default and first_choice(rs) == 0
