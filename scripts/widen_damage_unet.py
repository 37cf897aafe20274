"""Widen a trained damage-unet without changing what it computes (issue 31, round 4).

    python scripts/widen_damage_unet.py SRC.safetensors DST.safetensors --widths 16,24,64,128

Every convolution keeps its trained weights for the channels it had; the channels it gains
get a fresh initialisation on their outputs and zero weights wherever an existing channel
reads them, so the widened net starts with exactly the source's mask (checked here) and
training then learns what to do with the new capacity (Net2Net, Chen et al. 2016, in its
simplest function-preserving form).  The inputs of the U-Net's skip joins are concatenations,
so each convolution's input is widened segment by segment (``_segments``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from colorstudio.core.io import checkpoint  # noqa: E402
from colorstudio.models import create  # noqa: E402


def _segments(w: tuple[int, int, int, int]) -> dict[str, list[int]]:
    """Input channel segments of each convolution of a DamageUNet of widths ``w``."""
    w0, w1, w2, w3 = w
    return {"stem.0": [4], "down1.0.0": [w0], "down1.1.0": [w1], "down2.0.0": [w1],
            "down2.1.0": [w2], "down2.2.0": [w2], "down3.0.0": [w2], "down3.1.0": [w3],
            "up2.0": [w3, w2], "up1.0": [w2, w1], "head.0.0": [w0, w0, 4], "head.1": [w0]}


def _in_index(old: list[int], new: list[int]) -> torch.Tensor:
    """Where each old input channel sits in the widened input."""
    idx, start = [], 0
    for o, n in zip(old, new):
        idx += range(start, start + o)
        start += n
    return torch.tensor(idx)


def widen(state: dict[str, torch.Tensor], old_w, new_w) -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    fresh = create("damage-unet", weights=False, widths=new_w).state_dict()
    so, sn = _segments(tuple(old_w)), _segments(tuple(new_w))
    out = {}
    for k, v in fresh.items():
        src = state[k].to(v.dtype)
        if v.shape == src.shape:
            out[k] = src.clone()
            continue
        conv = k.rpartition(".")[0]
        t = v.clone()
        if src.dim() == 4:                       # a convolution: (out, in, kh, kw)
            ii = _in_index(so[conv], sn[conv])
            o = src.shape[0]
            t[:o] = 0.0                          # existing outputs ignore the new inputs ...
            t[:o, ii] = src                      # ... and keep their trained weights
            if t.shape[0] > o:                   # new outputs read everything, freshly initialised
                t[o:] = v[o:]
        else:                                    # batch norm / bias: per output channel
            t[:src.shape[0]] = src
        out[k] = t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--widths", default="16,24,64,128")
    a = ap.parse_args()
    new_w = tuple(int(c) for c in a.widths.split(","))
    state, meta = checkpoint.load_weights(a.src)
    state = {k: v.float() for k, v in state.items()}
    old_w = tuple(int(state[k].shape[0]) for k in ("stem.0.weight", "down1.0.0.weight",
                                                    "down2.0.0.weight", "down3.0.0.weight"))
    wide = widen(state, old_w, new_w)
    a_net = create("damage-unet", weights=False, widths=old_w).eval()
    a_net.load_state_dict(state)
    b_net = create("damage-unet", weights=False, widths=new_w).eval()
    b_net.load_state_dict(wide)
    x = torch.randn(2, 1, 64, 96)
    with torch.no_grad():
        gap = (a_net(x) - b_net(x)).abs().max().item()
    if gap > 1e-3:
        sys.exit(f"widening changed the output by {gap:g}: not function-preserving")
    from safetensors.torch import save_file
    save_file(wide, a.dst, metadata={"widened_from": Path(a.src).name, "widths": ",".join(map(str, new_w))})
    n_old = sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k)
    n_new = sum(v.numel() for k, v in wide.items() if "running" not in k and "num_batches" not in k)
    print(f"{a.src} {old_w} ({n_old:,} weights) -> {a.dst} {new_w} ({n_new:,}); max output change {gap:.2e}")


if __name__ == "__main__":
    main()
