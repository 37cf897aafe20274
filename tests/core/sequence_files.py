"""Image-sequence frames as a studio's files hold them, made by OpenImageIO: one copy for the
core tests (test_sequences.py) and the command line's (test_cli_sequences.py)."""

from __future__ import annotations

import numpy as np
import OpenImageIO as oiio

H, W = 48, 64


def gray_frame(seed: int, lo: float = 0.02, hi: float = 0.9) -> np.ndarray:
    """A smooth gray picture with grain, (H, W) float32 in lo..hi."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    g = 0.5 + 0.3 * np.sin(xx / 7 + seed) * np.cos(yy / 9) + rng.normal(0, 0.03, (H, W))
    g = (lo + (hi - lo) * np.clip(g, 0, 1)).astype(np.float32)
    g[0, 0], g[-1, -1] = lo, hi   # the extremes are in every frame
    return g


# What each kind of file stores, as OpenImageIO writes it (the values a studio's files hold).
KINDS = {
    "exr-half": (".exr", "half", {}),
    "exr-float": (".exr", "float", {}),
    "dpx-10": (".dpx", "uint16", {"oiio:BitsPerSample": 10, "dpx:Transfer": "Printing density"}),
    "tif-16": (".tif", "uint16", {}),
}


def write_oiio(path, pixels: np.ndarray, kind: str, **attrs) -> None:
    """``pixels`` (H, W, C) float32 written by OpenImageIO as ``kind`` (see KINDS)."""
    _, fmt, extra = KINDS[kind]
    spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], pixels.shape[2], fmt)
    for k, v in {**extra, **attrs}.items():
        spec.attribute(k, v)
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec), oiio.geterror()
    assert out.write_image(np.ascontiguousarray(pixels))
    out.close()


def native(path) -> np.ndarray:
    """A file's pixels in its own stored type (half, float, uint16): what must round-trip."""
    inp = oiio.ImageInput.open(str(path))
    arr = inp.read_image(inp.spec().format)
    inp.close()
    return np.asarray(arr)


def make_sequence(folder, kind: str, numbers=(1001, 1002, 1003, 1005), pattern="shot.{:04d}") -> list:
    """Gray frames numbered ``numbers`` (1004 missing: a gap); EXR ones reach above 1 and below 0."""
    folder.mkdir(parents=True, exist_ok=True)
    ext = KINDS[kind][0]
    paths = []
    for i, n in enumerate(numbers):
        scene_values = kind.startswith("exr")
        g = gray_frame(i, -0.01 if scene_values else 0.0, 2.5 if scene_values else 0.95)
        p = folder / (pattern.format(n) + ext)
        rate = {"dpx:FrameRate": 24.0} if kind.startswith("dpx") else {"FramesPerSecond": 24.0}
        write_oiio(p, np.repeat(g[:, :, None], 3, axis=2), kind, **rate)
        paths.append(p)
    return paths
