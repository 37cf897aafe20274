"""Shared test set-up: Qt runs offscreen when there is no display; a tiny photo folder."""

import os
import sys
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    """The guard hands collection back before the interpreter shuts down, as the app's
    aboutToQuit makes it do."""
    mod = sys.modules.get("colorstudio.gui.gc_guard")
    guard = mod.installed() if mod else None
    if guard is not None:
        guard.stop()


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(request):
    """Where a test has a QApplication, garbage is collected as the app collects it
    (colorstudio.gui.gc_guard): a collection in a loader thread that destroys a Qt object
    deadlocks with the GUI thread, and hung this suite on CI."""
    guard = None
    if {"qapp", "qtbot"} & set(request.fixturenames):
        from colorstudio.gui import gc_guard

        guard = gc_guard.install(request.getfixturevalue("qapp"))
    elif "colorstudio.gui.gc_guard" in sys.modules:
        guard = sys.modules["colorstudio.gui.gc_guard"].installed()
    yield
    if guard is not None:
        guard.check()   # the collections the automatic collector would have made, on this thread


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A tiny random unet-gan checkpoint with its config in the metadata (the CLI's tests)."""
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8, depth=2)
    p = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    return save_weights(p, m.state_dict(), {"family": "unet-gan", "config": {"base": 8, "depth": 2}})


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """Two class folders of 12 colour photos each plus 3 grayscale ones (to be skipped);
    generated, never the real datasets."""
    import cv2
    import numpy as np

    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for cls in ("alpha", "beta"):
        (root / cls).mkdir()
        for i in range(12):
            small = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
            img = cv2.resize(small, (40, 40), interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(str(root / cls / f"{i:03d}.png"), img[:, :, ::-1])
    for i in range(3):
        g = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        cv2.imwrite(str(root / "alpha" / f"gray{i}.png"), np.repeat(g[:, :, None], 3, 2))
    return root


def _write_clip_with_audio(path: Path, frames, fps: int) -> Path:
    """An H.264 + AAC (mono 440 Hz) clip of ``frames`` (gray uint8 (H, W) arrays), written with
    PyAV: what a shot's video with its sound looks like to the batch."""
    from fractions import Fraction

    import av
    import numpy as np

    frames = list(frames)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = c.add_stream("aac", rate=22050)
        a.layout = "mono"
        for i, g in enumerate(frames):
            f = av.VideoFrame.from_ndarray(np.dstack([g, g, g]), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, fps)
            for p in v.encode(f):
                c.mux(p)
        t = np.arange(int(22050 * len(frames) / fps)) / 22050
        sound = (np.sin(2 * np.pi * 440 * t) * 0.3).astype(np.float32)
        for k in range(0, len(sound), 1024):
            af = av.AudioFrame.from_ndarray(sound[None, k:k + 1024], format=a.format.name, layout="mono")
            af.sample_rate, af.pts = 22050, k
            for p in a.encode(af):
                c.mux(p)
        for st in (v, a):
            for p in st.encode():
                c.mux(p)
    return path


@pytest.fixture(scope="session")
def clip_with_audio():
    """``clip_with_audio(path, frames, fps) -> path``: see :func:`_write_clip_with_audio`."""
    return _write_clip_with_audio
