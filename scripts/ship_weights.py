"""Ship an exported checkpoint: copy it, its model card and its scores where the app finds them.

    python scripts/ship_weights.py runs/seed-resgan/resgan.safetensors            # -> resources/weights/resgan.*
    python scripts/ship_weights.py runs/seed-zhang-mse/zhang-mse.safetensors --variant   # -> bench/weights/
        [--note "paragraph for the card"] [--base effnet-unet]

The checkpoint must be a ``colorstudio-train export --card`` output (fp16 safetensors with
metadata, ``.md`` card and ``.eval.json`` beside it).  Shipped weights are named by their
family (the registry finds ``resources/weights/<family>.safetensors``); variants keep
their own name in bench/weights (scored by bench/models, loadable with Weights…).  The
card's title becomes the shipped name and ``--note`` is added under it.  ``--base FAMILY``: the
model is built on that family's shipped weights (a hint adapter over the frozen colorizer):
only the tensors that differ from them are shipped, with the base file's hash in the metadata
(the registry completes the model from that very file).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("--variant", action="store_true", help="a variant for bench/weights, not the family's default")
    ap.add_argument("--note", default="", help="a paragraph for the model card (recipe, budget, what it shows)")
    ap.add_argument("--base", default="", help="ship only what differs from this family's shipped weights")
    a = ap.parse_args(argv)

    from colorstudio.core.io.checkpoint import read_metadata
    from colorstudio.core.io.scorefile import scores_path

    w = a.weights
    card, scores = w.with_suffix(".md"), scores_path(w)
    for p in (w, card, scores):
        if not p.is_file():
            print(f"missing {p}: export with `colorstudio-train export RUN -o FILE --card`", file=sys.stderr)
            return 2
    family = read_metadata(w).get("family")
    if not family:
        print(f"{w}: no family in its metadata", file=sys.stderr)
        return 2
    name = w.stem if a.variant else family
    dest = (ROOT / "bench" / "weights") if a.variant else (ROOT / "resources" / "weights")
    dest.mkdir(parents=True, exist_ok=True)
    if a.base:
        from colorstudio.core.io import checkpoint
        from colorstudio.models.registry import spec

        base_path = spec(a.base).weights_path()
        state, meta = checkpoint.load_weights(w)
        base_state, _ = checkpoint.load_weights(base_path)
        own = checkpoint.without_base(state, base_state)
        meta = {**meta, "base": {"family": a.base, "sha256": checkpoint.file_sha256(base_path)}}
        checkpoint.save_weights(dest / f"{name}.safetensors", own, meta, half=True)
        print(f"{len(own)} of {len(state)} tensors differ from the shipped {a.base}: only they are shipped")
    else:
        shutil.copyfile(w, dest / f"{name}.safetensors")
    shutil.copyfile(scores, scores_path(dest / f"{name}.safetensors"))
    lines = card.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# "):
        lines[0] = f"# {name}"
    if a.note:
        lines[1:1] = ["", a.note.strip()]
    text = "\n".join(lines).replace(f"File: `{w.name}`", f"File: `{name}.safetensors`") + "\n"
    (dest / f"{name}.md").write_text(text, encoding="utf-8")
    print(f"shipped {w} as {dest / name}.safetensors (+ .md, .eval.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
