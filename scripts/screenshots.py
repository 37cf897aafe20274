"""Screenshots of every mode of the real window, for the docs.

Run under a virtual display (the window is drawn by the real platform plugin)::

    xvfb-run -s '-screen 0 1400x900x24' .venv/bin/python scripts/screenshots.py [--train-run runs/NAME]

Writes docs/screenshot_{empty,colorize,wiper,guessing,repair_mask,repair_brush,repair,hints,hints_reach,
balance,gray_brush,compare_loading,compare,batch,batch_sequence,
shot_keyframe,shot,shot_playing,window_train,window_facades}.png and
docs/screenshot.png (= colorize).  ``--weights NAME=PATH`` uses a
checkpoint that is not (yet) shipped, e.g. a fresh training run.  ``--only batch_sequence``
makes that scene alone (the Batch tab on an EXR sequence sent to a local Dask scheduler;
needs the vfx and dask extras).  Settings go to a temporary file, so the user's own settings
are neither used nor changed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]


def wait(app, cond: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def make_frames(folder: Path, n: int = 12, sample: str = "chelsea.png", crop: float = 0.8) -> None:
    """Gray frames of a slow pan over a sample (a stand-in for an old film)."""
    import numpy as np

    from colorstudio.core import color
    from colorstudio.core.io.imageio import read_image, write_image
    from colorstudio.paths import resource_dir

    img = read_image(resource_dir("samples", sample))
    gray = color.from_float01(np.clip(color.l_to_float01(color.luminance(img)), 0, 1), np.uint8)
    h, w = gray.shape
    cw = int(w * crop)
    for i in range(n):
        x = int((w - cw) * i / max(1, n - 1))
        write_image(folder / f"frame_{i + 1:03d}.png", np.ascontiguousarray(gray[:, x:x + cw]))


def make_exr_sequence(folder: Path, numbers, sample: str = "chelsea.png") -> Path:
    """A gray pan over a sample as a scene-linear (ACEScg) EXR half sequence ``plate.####.exr``:
    a stand-in for a studio's film scans (the display gray converted by OpenColorIO)."""
    import numpy as np

    from colorstudio.core.color import spaces
    from colorstudio.core.io import imageio, vfx

    make_frames(folder, len(numbers), sample=sample, crop=0.8)
    to_scene = spaces.conversion(spaces.canonical(spaces.DISPLAY), spaces.canonical("ACEScg"))
    for png, n in zip(sorted(folder.glob("frame_*.png")), numbers):
        gray = imageio.read_image(png).astype(np.float32) / 255.0
        rgb = to_scene.apply(np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2)))
        vfx.write_frame(folder / f"plate.{n:04d}.exr", rgb, depth="half", colorspace="ACEScg")
        png.unlink()
    return folder / "plate.####.exr"


def batch_sequence_scene(app, win, tmp: Path, shot: Callable[[str], Path]) -> None:
    """The Batch tab on an EXR sequence with a gap, a frame range, and a real local Dask
    scheduler's address: the run sent there and finished."""
    from distributed import LocalCluster

    plates = tmp / "plates"
    plates.mkdir()
    pattern = make_exr_sequence(plates, [n for n in range(1001, 1025) if n not in (1013, 1014)])
    b = win.batch
    win.tabs.setCurrentWidget(b)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        b.add_inputs([pattern])
        b.sequence_box.set_frames("1005-1020")
        b.set_output_dir(tmp / "graded")
        b.smooth.setChecked(True)
        b.output_box.scheduler.setText(cluster.scheduler_address)
        done: list = []
        b.runFinished.connect(done.append)
        if b.start() is None:
            raise RuntimeError("the Batch tab refused the sequence")
        wait(app, lambda: bool(done), 600, "the batch on the scheduler")
        if done[0].get("refused") or not done[0].get("done"):
            raise RuntimeError(f"the sequence's run did not colour: {done[0]}; {b.rate.text()}")
        shot("batch_sequence")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    ap.add_argument("--sample", default="astronaut.png", help="sample image for the colorize shots")
    ap.add_argument("--weights", action="append", default=[], metavar="NAME=PATH",
                    help="use this checkpoint for model NAME (repeatable)")
    ap.add_argument("--size", default="1360x860", help="window size WxH")
    ap.add_argument("--train-run", metavar="RUN", help="a run folder (with metrics.jsonl) for the "
                    "Train tab to show; read only")
    ap.add_argument("--dark", action="store_true", help="force the dark palette (checks the dark look)")
    ap.add_argument("--only", choices=("batch_sequence",), help="make this scene alone")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    overrides = dict(w.split("=", 1) for w in args.weights)

    from PySide6.QtCore import QSettings

    from colorstudio.gui.app import make_app
    from colorstudio.gui.main_window import MainWindow
    from colorstudio.gui.predictors import PredictorCache, default_loader
    from colorstudio.paths import resource_dir

    def loader(name: str, device: str):
        if name in overrides:
            from colorstudio.models.loading import load_predictor

            return load_predictor(name, device, weights=overrides[name])
        return default_loader(name, device)

    if overrides:  # the picker tells the truth: these models do have weights here
        import dataclasses

        import colorstudio.gui.main_window as mw

        list_entries = mw.load_entries

        def load_entries(task=None):
            entries, devices = list_entries(task)
            return [dataclasses.replace(e, trained=True, card=(
                f"# {e.name}\n\nWeights: {overrides[e.name]} (not shipped).\n\n{e.description}"))
                if e.name in overrides else e for e in entries], devices

        mw.load_entries = load_entries

    tmp = Path(tempfile.mkdtemp(prefix="colorstudio-shots-"))
    try:
        app = make_app([sys.argv[0]])
        if args.dark:
            from colorstudio.gui.theme import dark_palette

            app.setPalette(dark_palette())
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings, PredictorCache(loader=loader))
        w, h = (int(v) for v in args.size.split("x"))
        win.resize(w, h)
        win.show()
        t_shown = time.perf_counter()
        win.start_loading()
        page = win.colorize
        wait(app, lambda: page.model_name() is not None, 60, "the model registry")
        if "unet-gan" in overrides:
            page.picker.set_model("unet-gan")

        def shot(name: str) -> Path:
            settle(app)
            p = out / f"screenshot_{name}.png"
            if not win.grab().save(str(p)):
                raise OSError(f"could not save {p}")
            print("wrote", p)
            return p

        if args.only == "batch_sequence":
            batch_sequence_scene(app, win, tmp, shot)
            win.close()
            return 0

        results: list = []
        page.resultReady.connect(results.append)

        def run_and_wait(action: Callable[[], None]) -> None:
            n = len(results)
            action()
            wait(app, lambda: len(results) > n and not page.runner.is_busy(), 120, "a result")

        shot("empty")   # the start screen: the black-and-white samples a restorer would bring
        run_and_wait(lambda: win.open_path(resource_dir("samples", args.sample)))
        print(f"first colorize: {time.perf_counter() - t_shown:.1f} s from the window shown to the result "
              f"(the model preloads meanwhile)")
        first = shot("colorize")
        shutil.copyfile(first, out / "screenshot.png")

        win.chrome.act_wiper.setChecked(True)
        page.compare.wiper.set_position(0.45)
        shot("wiper")
        win.chrome.act_wiper.setChecked(False)

        run_and_wait(lambda: page.controls.guess_box.setChecked(True))
        shot("guessing")   # where the default colorizer guesses (and mutes) its colour
        page.controls.guess_box.setChecked(False)

        # repair: the old cat print, its damage found and shown, then mended and coloured
        if page.controls.repair_box.isEnabled():
            run_and_wait(lambda: win.open_path(resource_dir("samples", "chelsea_old_print.png")))
            run_and_wait(lambda: page.controls.repair_box.setChecked(True))
            page.controls.mask_box.setChecked(True)
            shot("repair_mask")   # the damage the detector found, tinted over the scan
            page.controls.brush_button.setChecked(True)
            h_img, w_img = page.image.shape[:2]
            run_and_wait(lambda: (page.damage.begin((h_img, w_img), 0.15 * w_img, 0.55 * h_img, True, 6.0),
                                  page.damage.extend(0.35 * w_img, 0.62 * h_img, 6.0), page.damage.end()))
            shot("repair_brush")  # a stroke added by hand (the mask brush), the repair redone
            page.controls.brush_button.setChecked(False)
            page.controls.mask_box.setChecked(False)
            win.chrome.act_wiper.setChecked(True)
            page.compare.wiper.set_position(0.5)
            shot("repair")        # the scan as scanned | mended and coloured
            win.chrome.act_wiper.setChecked(False)
            run_and_wait(lambda: page.controls.repair_box.setChecked(False))
            run_and_wait(lambda: win.open_path(resource_dir("samples", args.sample)))

        # hints on the default colorizer (the hint step after its network): a blue background
        # beside the face, skin, and an orange suit; then where each hint's colour went
        for x, y, rgb in ((0.10, 0.10, (70, 110, 200)), (0.50, 0.30, (225, 172, 140)),
                          (0.45, 0.80, (235, 135, 45))):  # background, skin, suit
            run_and_wait(lambda x=x, y=y, rgb=rgb: page.hints_editor.model.add(x, y, rgb))
        wait(app, lambda: bool(page.hints_editor.suggestions()) or page.hints_editor.palette_note.text(), 120,
             "the suggested colours")   # the palette of the selected (suit) hint
        from PySide6.QtWidgets import QScrollArea
        area = page.hints_editor.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None:
            area.ensureWidgetVisible(page.hints_editor)   # the side panel scrolled to the hints
        shot("hints")
        page.hints_editor.show_reach.setChecked(True)   # the weights each hint was applied with
        win.resize(1400, 900)                             # the side panel must fit without scrolling
        shot("hints_reach")
        page.hints_editor.show_reach.setChecked(False)
        run_and_wait(lambda: page.controls.set_balance(18, 4))   # warmer, a touch of magenta
        shot("balance")
        run_and_wait(lambda: page.controls.set_balance(0, 0))
        page.controls.gray_button.setChecked(True)        # the gray brush: the flag's colour taken away
        hh, ww = page.image.shape[:2]
        run_and_wait(lambda: (page.gray.begin((hh, ww), 0.02 * ww, 0.05 * hh, True, 0.07 * ww),
                              page.gray.extend(0.12 * ww, 0.45 * hh, 0.07 * ww), page.gray.end()))
        shot("gray_brush")
        page.controls.gray_button.setChecked(False)
        run_and_wait(page.masks.clear_gray)
        win.resize(w, h)
        page.hints_editor.model.reset()

        # compare: every trained model's result on the portrait, in one grid
        trained = [e.name for e in page.picker.entries() if e.trained][:6]
        if len(trained) >= 2:
            page.checklist.set_checked(trained)
            t_grid = time.perf_counter()
            page.checklist.set_on(True)
            settle(app, 0.3)
            shot("compare_loading")   # "Loading model i of n" while the grid's models load
            wait(app, lambda: len(page.compared()) == len(trained) and not page.runner.is_busy(), 300,
                 "the compare grid")
            print(f"first {len(trained)}-model compare grid: {time.perf_counter() - t_grid:.1f} s")
            shot("compare")
            page.checklist.set_on(False)
            wait(app, lambda: not page.runner.is_busy(), 120, "the result")

        frames = tmp / "frames"
        frames.mkdir()
        make_frames(frames)
        b = win.batch
        win.tabs.setCurrentWidget(b)
        b.add_inputs([frames])
        b.set_output_dir(tmp / "colorized")
        b.smooth.setChecked(True)
        done: list = []
        b.runFinished.connect(done.append)
        b.start()
        wait(app, lambda: bool(done), 300, "the batch")
        shot("batch")
        b.clear_inputs()
        batch_sequence_scene(app, win, tmp, shot)

        # shot: hints on two keyframes of a pan over the portrait, seen on a third frame
        sp = win.shot
        if sp.picker.model_name() is not None:
            pan = tmp / "pan"
            pan.mkdir()
            make_frames(pan, 24, sample=args.sample, crop=0.7)
            shown: list = []
            sp.frameShown.connect(shown.append)
            win.tabs.setCurrentWidget(sp)

            def frame_wait(action: Callable[[], None]) -> None:
                n = len(shown)
                action()
                wait(app, lambda: len(shown) > n and not sp.runner.is_busy(), 120, "the shot frame")

            frame_wait(lambda: sp.open_path(pan))
            for x, y, rgb in ((0.55, 0.85, (235, 120, 40)), (0.62, 0.25, (225, 170, 140))):   # suit, face
                frame_wait(lambda x=x, y=y, rgb=rgb: sp.hints_editor.model.add(x, y, rgb))
            frame_wait(lambda: sp.go_to(16))
            frame_wait(lambda: sp.hints_editor.model.add(0.34, 0.10, (125, 85, 45)))   # hair, keyframe 2
            shot("shot_keyframe")
            frame_wait(lambda: sp.go_to(23))
            shot("shot")
            sp.go_to(0)
            sp.play(True)                  # playback: only coloured frames, the rate colour keeps up with
            wait(app, lambda: sp.index >= 12 or not sp.playing(), 240, "playback")
            shot("shot_playing")
            sp.play(False)

        win.messages.dismiss()  # the batch's "finished" note belongs to the batch shot
        win.tabs.setCurrentWidget(win.dashboard)
        if args.train_run:
            win.dashboard.watch_run(args.train_run)
        settle(app, 3.0)  # recipes are listed in a worker (the registry imports torch); curves are read
        shot("window_train")
        photos: list = []
        win.facades.photoChanged.connect(photos.append)
        win.tabs.setCurrentWidget(win.facades)
        wait(app, lambda: bool(photos), 120, "the facade photo")
        shot("window_facades")
        win.tabs.setCurrentWidget(page)
        win.close()
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
