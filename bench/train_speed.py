"""Item 7 of bench/speed: training images/s per recipe and the data loader alone.

Runs the real trainer (``trainer.engine.loop.Trainer``) on small synthetic data sets written to a
temporary folder (no shared data needed): each recipe at its default image size and
batch size, timing ``train_step`` (forward, losses, backward, optimiser: generator and
discriminator) and, separately, the trainer's own batch assembly (``Trainer._batch``:
cached decode -> augment -> crop -> tensors), plus the one-off decode of the photos.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def make_photos(folder: Path, n: int, w: int = 320, h: int = 240) -> None:
    """Colour JPEGs: random crops, flips and tints of the shipped sample photos."""
    import cv2

    from colorstudio.core.io import imageio
    from colorstudio.paths import sample_images

    samples = [imageio.read_image(p) for p in sample_images()]
    samples = [s if s.dtype == np.uint8 else (s >> 8).astype(np.uint8) for s in samples]
    # The samples are black-and-white photos: a colour map makes colour training photos of them
    # (what they show does not matter to a speed benchmark; that they are in colour does).
    samples = [s[:, :, :3] if s.ndim == 3 else cv2.applyColorMap(s, cv2.COLORMAP_TWILIGHT_SHIFTED)[:, :, ::-1]
               for s in samples]
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = samples[i % len(samples)]
        s = rng.uniform(0.8, 1.2) * max(w / img.shape[1], h / img.shape[0])
        big = cv2.resize(img, None, fx=s * 1.3, fy=s * 1.3, interpolation=cv2.INTER_AREA)
        y, x = rng.integers(0, big.shape[0] - h + 1), rng.integers(0, big.shape[1] - w + 1)
        crop = big[y:y + h, x:x + w]
        if rng.integers(0, 2):
            crop = crop[:, ::-1]
        tint = rng.uniform(0.85, 1.15, 3)
        crop = np.clip(crop * tint, 0, 255).astype(np.uint8)
        imageio.write_image(folder / f"photo_{i:03d}.jpg", crop, quality=90)


def make_facades(folder: Path, n: int) -> None:
    """512x256 AB pairs (photo left, label map right) of random blocky facades."""
    import cv2

    from colorstudio.core.color import palette

    cols = np.asarray(palette.COLORS, np.uint8)
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        lab = np.empty((256, 256, 3), np.uint8)
        lab[:] = cols[1]  # facade
        for _ in range(12):
            y, x = rng.integers(0, 224, 2)
            hh, ww = rng.integers(8, 48, 2)
            lab[y:y + hh, x:x + ww] = cols[rng.integers(0, len(cols))]
        photo = cv2.GaussianBlur(lab[:, :, ::-1], (7, 7), 2) // 2 + rng.integers(0, 60, (256, 256, 3),
                                                                                  dtype=np.uint8)
        pair = np.concatenate([photo, lab], 1)
        cv2.imwrite(str(folder / f"{i + 1}.jpg"), pair[:, :, ::-1])


def measure_training(rep, quick: bool, tmp: Path) -> None:
    from bench.speed import Row, Stat
    from trainer import data as tdata
    from trainer.config import make_config, recipe_names
    from trainer.engine.loop import Trainer

    photos, facades = tmp / "train_photos", tmp / "train_facades"
    make_photos(photos, 48 if quick else 72)
    make_facades(facades / "train", 24)
    make_facades(facades / "val", 4)

    cfg = make_config("unet-gan", None, [], data=str(photos))
    files = tdata.list_images(photos)
    try:
        t0 = time.perf_counter()
        tdata.PhotoDataset(files, cfg.image_size, gray_threshold=cfg.gray_threshold, cache=True)
        dt = time.perf_counter() - t0
        rep.add(Row("7", f"photo decode + Lab into the training cache, 320x240 JPEG, default threads "
                    f"({len(files)} files, once per run)", Stat(len(files) / dt, len(files) / dt,
                                                                 len(files) / dt, 1), "img/s", "{:.0f}"))
    except Exception as exc:  # noqa: BLE001
        rep.add(Row("7", "photo decode: not measured", value=f"{type(exc).__name__}: {str(exc)[:80]}"))

    for recipe in recipe_names():
        data = facades if recipe == "pix2pix-facades" else photos
        cfg = make_config(recipe, None, ["log_every=100000", "val_images=4", "sample_images=2"],
                          data=str(data))
        try:
            tr = Trainer(cfg, tmp / f"run-{recipe}")
        except Exception as exc:  # noqa: BLE001 -- a recipe that cannot start is a finding, not a crash
            rep.add(Row("7", f"{recipe}: trainer did not start", value=str(exc).splitlines()[0][:80]))
            continue
        try:
            measure_recipe(rep, quick, recipe, cfg, tr)
        except Exception as exc:  # noqa: BLE001 -- e.g. the trainer's internals changed
            rep.add(Row("7", f"{recipe}: not measured", value=f"{type(exc).__name__}: {str(exc)[:80]}"))
        del tr


def _batches(tr):
    """The trainer's own batch source for one epoch: an iterator of (x, y) tensors."""
    tr.sampler.set_epoch(0)
    indices = list(tr.sampler)
    if hasattr(tr, "_epoch_batches"):          # cache -> in process, else DataLoader workers
        return tr._epoch_batches(indices, 0)
    return (tr._batch(indices, b) for b in range(tr.steps_per_epoch))


def measure_recipe(rep, quick: bool, recipe: str, cfg, tr) -> None:
    from bench.speed import Row, Stat, timeit

    bs, size = cfg.batch_size, cfg.image_size
    rates = []
    for _ in range(2 if quick else 4):  # whole epochs of the small set, as the loop draws them
        t0, n = time.perf_counter(), 0
        for x, _y in _batches(tr):
            n += x.shape[0]
        rates.append(n / (time.perf_counter() - t0))
    loader = Stat.of(rates[1:])
    x, y = next(iter(_batches(tr)))
    rng = np.random.default_rng(0)
    step = timeit(lambda: tr.train_step(x, y, rng), 1 if quick else 2, warmup=1).map(lambda v: bs / v)
    parts = "G+D" if getattr(tr, "D", None) is not None else "G"
    how = "cached decode" if getattr(cfg, "cache", True) else f"{cfg.num_workers} DataLoader workers"
    rep.add(Row("7", f"{recipe} training step {size}^2 batch {bs} ({parts}, {tr.device.type})",
                step, "img/s", "{:.1f}"))
    ratio = loader.med / step.med
    rep.add(Row("7", f"{recipe} data loader alone ({how} -> augment -> crop -> tensors) = "
                f"{ratio:.0f}x the step", loader, "img/s", "{:.0f}", ">= 3x the step", ratio >= 3.0))
