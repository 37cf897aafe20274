"""``colorize --hints FILE.json`` with the masks saved beside the hint file.

The app's *Save hints* writes the gray brush's and the protect brush's masks beside the hint
file (``core.colorize.hintfile``: ``photo.gray-mask.png``, ``photo.protect-mask.png``), and the
restorer's damage mask (``core.restore.maskfile``: ``photo.repair-mask.png``); a command that
reads those hints applies them too, so a photo comes out of the CLI as it did out of the app
(colorize mends with the damage mask; compare, which does not repair, reads the colour masks
only).  A mask is drawn on one photo, so it applies to photos of that photo's size:
every check -- the files readable, every input a photo of the masks' size, no video, shot,
image sequence, frame range, smoothing or Dask run -- is done before any work (a usage error,
exit 2, one line); the photos then go through ``core.batch.colorize_files`` with the masks
(its colorize stage honours them, as the app's pipeline does).  The damage mask is the user's
own, so it mends with or without ``--repair auto``, and the detector never overrules it (the
app mends with its mask instead of detecting); ``--repair auto`` adds only its ``--fill``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from colorstudio.cli.common import UsageError


DAMAGE = "damage"   # the damage mask's kind among the masks read here, beside hintfile.MASKS' own


def read(hints_path: Path | None, damage: bool = False) -> dict[str, np.ndarray]:
    """The colour masks saved with the hints at ``hints_path``, by kind (none: {}), and with
    ``damage`` the damage mask too (:data:`DAMAGE`); a UsageError for one that cannot be read."""
    if hints_path is None:
        return {}
    from colorstudio.core.colorize.hintfile import read_masks
    from colorstudio.core.restore.maskfile import MaskFileError, read_beside

    try:
        masks = read_masks(hints_path)
        mended = read_beside(hints_path) if damage else None
    except MaskFileError as exc:
        raise UsageError(str(exc)) from None
    if mended is not None:
        masks[DAMAGE] = mended
    return masks


def note_unused_damage(hints_path: Path) -> None:
    """A damage mask saved beside the hints, but no --repair: one line saying how to use it (the
    app, likewise, mends with a loaded mask only once "Repair damage" is ticked)."""
    import sys

    from colorstudio.cli.common import PROG
    from colorstudio.core.messages import shown
    from colorstudio.core.restore.maskfile import mask_path

    path = mask_path(hints_path)
    if path.is_file():
        print(f"{PROG}: note: {shown(path.name)} beside the hints is not used: add --repair auto to mend "
              "the photos with it", file=sys.stderr)


def _paths(hints_path: Path) -> dict[str, Path]:
    """Every mask file of the hints at ``hints_path``, by kind: for messages naming them."""
    from colorstudio.core.colorize.hintfile import mask_paths
    from colorstudio.core.restore.maskfile import mask_path

    return {**mask_paths(hints_path), DAMAGE: mask_path(hints_path)}


def _names(hints_path: Path, masks: dict) -> str:
    paths = _paths(hints_path)
    return " and ".join(paths[k].name for k in masks)


def refuse(args, masks: dict, why: str) -> None:
    """A run the masks cannot apply to: a UsageError naming them and ``why``."""
    raise UsageError(f"{_names(args.hints, masks)} beside {args.hints.name} fit one photo and apply to photos "
                     f"only, not to {why} (move them away to use the hints alone)")


def check_inputs(args, masks: dict, keyframes: dict, sequence: bool) -> list[Path]:
    """Every input a photo of the masks' size, and no option that colours frames of a shot:
    else a UsageError, before any work.  Returns the photos (the inputs as the batch will see them)."""
    from colorstudio.core.batch import route
    from colorstudio.core.io.imageio import ImageReadError, read_image

    for bad, why in ((keyframes, "the keyframes of a shot file"), (sequence, "an image sequence"),
                     (args.executor == "dask", "shards on a Dask cluster (--executor dask)"),
                     (args.frames is not None or args.shard is not None, "a range of a shot (--frames, --shard)"),
                     (args.smooth, "the frames of a sequence (--smooth)")):
        if bad:
            refuse(args, masks, why)
    routed = route(args.inputs)   # the batch's own rule: what is a photo, what a video
    if routed.videos:
        refuse(args, masks, f"a video ({routed.videos[0].name})")
    photos = list(routed.files)
    for p in photos:
        try:
            shape = read_image(p).shape[:2]
        except ImageReadError:
            continue   # the batch says why, as for any unreadable input
        check_fit(args.hints, masks, shape, p.name)
    return photos


def check_fit(hints_path: Path, masks: dict, shape: tuple[int, ...], photo: str) -> None:
    """Each mask of the size ``shape`` (H, W, ...) of the photo called ``photo``: else a UsageError."""
    h, w = shape[:2]
    wrong = {k: m.shape for k, m in masks.items() if m.shape != (h, w)}
    if wrong:
        paths = _paths(hints_path)
        raise UsageError(f"{photo} is {w}x{h} px, but " + ", ".join(f"{paths[k].name} is {s[1]}x{s[0]}"
                                                                     for k, s in wrong.items())
                         + f": the masks saved with {hints_path.name} fit a photo of their size only")
