"""The kinds of photo a colorizer is judged on, and the held-out rule (standard library only).

A colorizer is scored per kind of photo, because an average over a mix hides the kind a
user brings (a portrait) behind the kind the mix has most of (outdoor scenes).  Each group
is a list of set folders under the photo root (``../shared/data/photos``).  The trainer
scores and the benchmarks group by these keys, ``<weights>.eval.json`` files are keyed by
them (``core.io.scorefile``), and the model catalogue names them in a user's words.

Held-out rule: in every folder, files sorted by name, every :data:`HELD_OUT_EVERY`-th
starting with the first (index % 20 == 0) is held out (:func:`held_out_split`; the trainer's
``val_every_nth``).  Training on the photo root therefore never sees a file scored here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

HELD_OUT_EVERY = 20


@dataclass(frozen=True)
class Group:
    key: str
    label: str                  # in tables: what the group holds
    folders: tuple[str, ...]
    skin: bool = False          # face crops: the skin row scores their central box
    hints: bool = True          # hint targets apply
    split: bool = True          # False: folders never trained on, every file is held out
    skip: tuple[str, ...] = ()  # file stems left out
    short: str = ""             # in a sentence ("people +4.4, scenes +0.8"); '' = the key


GROUPS: tuple[Group, ...] = (
    Group("people", "people (faces, portraits, fashion)",
          ("utkface_faces", "faces_without_mask", "pixabay_portraits", "ccp_street_fashion")),
    Group("interiors", "interiors", ("places365_indoor_rooms",)),
    Group("animals", "animals and objects",
          ("imagenet_samples", "cats_dogs", "clothing_small", "flowers5_128px"), short="animals & objects"),
    Group("scenes", "outdoor scenes", ("scenes",), hints=False, short="scenes"),
    Group("mixed", "mixed (BSDS500)", ("bsds500",), hints=False, short="mixed"),
    # The 512 px sample photos beside the photo root (../samples: public domain / CC0, never
    # trained on): a photo several times larger than the training crops, where a net that
    # only knows 144 px textures shows it.  The Hubble deep field is not a photo a user colours.
    Group("hires", "high-resolution photos (512 px samples)", ("../samples",), hints=False, split=False,
          skip=("hubble_deep_field",)),
)

# The face sets whose photos are tight face crops: the skin row's central box is skin.
SKIN_FOLDERS = ("utkface_faces", "faces_without_mask")
# Central face box as fractions of width and height: (x0, x1, y0, y1).
SKIN_BOX = (0.35, 0.65, 0.35, 0.65)


def group(key: str) -> Group:
    """The group named ``key``; KeyError naming the keys otherwise."""
    for g in GROUPS:
        if g.key == key:
            return g
    raise KeyError(f"unknown photo group {key!r}; one of {', '.join(g.key for g in GROUPS)}")


def short_name(key: str) -> str:
    """How a sentence names group ``key`` (an unknown key as itself)."""
    g = next((g for g in GROUPS if g.key == key), None)
    return (g.short or g.key) if g is not None else key


def held_out_split(files: Sequence[Path], every: int = HELD_OUT_EVERY) -> tuple[list[Path], list[Path]]:
    """(kept, held out) of ``files``: in each folder, sorted by name, every ``every``-th
    file from the first (index % every == 0) is held out; ``every`` >= 2 (ValueError)."""
    if every <= 1:
        raise ValueError(f"every must be >= 2 (got {every})")
    by_dir: dict[Path, list[Path]] = {}
    for f in files:
        by_dir.setdefault(Path(f).parent, []).append(f)
    kept, held = [], []
    for d in sorted(by_dir):
        for i, f in enumerate(sorted(by_dir[d])):
            (held if i % every == 0 else kept).append(f)
    return kept, held
