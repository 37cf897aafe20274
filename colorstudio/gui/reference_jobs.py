"""Hints from a reference photo, off the GUI thread (the Colorize and Shot tabs share these)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def reference_job(target: np.ndarray, path: Path):
    """Hints for ``target`` from the reference photo at ``path`` (``ReferenceHints``)."""
    from colorstudio.core.io.imageio import read_image
    from colorstudio.core.colorize.reference import match_reference

    return match_reference(target, read_image(path), features=content_features())


def content_features():
    """The shipped colorizer's encoder (match by what things are), None without its weights."""
    from colorstudio.models.reference_features import content_features

    return content_features()


def no_reference_hints(res, what: str) -> str:
    """Why a reference gave no hints, for the message bar (``what``: 'photo' or 'frame')."""
    if res.skipped:
        return (f"The reference gave no hints: nothing in it looks enough like this {what} "
                f"({res.skipped} places compared, none matched with confidence). Try a photo of the "
                "same kind of scene, or place hints by hand.")
    return f"The reference gave no hints (no colour where this {what} is flat)."
