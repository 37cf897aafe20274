"""``pix2pix-facades``: facade label map -> photo (CSCI5210 image-to-image report).

The generator is a U-Net built from nested skip blocks exactly like the published
pix2pix ``UnetGenerator`` (Isola et al.; junyanz/pytorch-CycleGAN-and-pix2pix):
each block is ``[LeakyReLU 0.2, conv stride 2, norm] + inner block + [ReLU, transposed
conv stride 2, norm]`` and concatenates its input to its output.  The report uses 3x3
encoder convs; with ``kernel_size=4, ngf=64, num_downs=8, norm="batch"`` the module
tree -- and so the state-dict keys and shapes (``model.model.0.weight`` (64,3,4,4),
``model.model.1.model.1.weight`` ..., ``model.model.3.weight`` (128,3,4,4)) -- is the
published ``unet_256``, and its ``latest_net_G.pth`` loads as is (config read off
the file).

The discriminator judges each of the 16 non-overlapping 64x64 patches of a 256x256
``cat(label, photo)`` separately: output (N, 1, 4, 4) logits.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch import nn

from colorstudio.models.layers import Translator, strip_prefixes
from colorstudio.models.registry import register

NORMS = ("batch", "instance", "none")


def _norm(kind: str, channels: int) -> nn.Module:
    """Norm layer by name; "none" is an Identity so the module indices never shift."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels)  # affine=False, no running stats (current pix2pix)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")


def _down_up(k: int) -> tuple[int, int]:
    """(padding, output_padding) so a stride-2 conv halves and its transpose doubles a side."""
    pad = (k - 1) // 2
    return pad, 2 + 2 * pad - k


class UnetSkipBlock(nn.Module):
    """X -> cat(X, up(inner(down(X)))); the outermost block returns up(...) only."""

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, norm: str = "batch", dropout: bool = False,
                 kernel_size: int = 4):
        super().__init__()
        self.outermost = outermost
        use_bias = norm != "batch"  # as published: BN has its own shift, others need a bias
        input_nc = outer_nc if input_nc is None else input_nc
        pad, out_pad = _down_up(kernel_size)
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size, 2, pad, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        uprelu = nn.ReLU(True)

        def up(cin, bias):
            return nn.ConvTranspose2d(cin, outer_nc, kernel_size, 2, pad, output_padding=out_pad, bias=bias)

        if outermost:
            model = [downconv, submodule, uprelu, up(inner_nc * 2, True), nn.Tanh()]
        elif innermost:
            model = [downrelu, downconv, uprelu, up(inner_nc, use_bias), _norm(norm, outer_nc)]
        else:
            model = [downrelu, downconv, _norm(norm, inner_nc), submodule,
                     uprelu, up(inner_nc * 2, use_bias), _norm(norm, outer_nc)]
            if dropout:
                model.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class Pix2PixGenerator(Translator):
    """U-Net of ``num_downs`` nested skip blocks; widths ngf, 2ngf, 4ngf, then 8ngf."""

    def __init__(self, ngf: int = 16, num_downs: int = 8, kernel_size: int = 3, norm: str = "batch",
                 dropout: bool = True, in_channels: int = 3, out_channels: int = 3):
        super().__init__()
        if num_downs < 5:
            raise ValueError(f"num_downs must be >= 5 (the published unet_256 has 8), got {num_downs}")
        if kernel_size < 3:
            raise ValueError(f"kernel_size must be >= 3, got {kernel_size}")
        _norm(norm, 8)  # validate the name early
        self.num_downs = num_downs
        kw = dict(norm=norm, kernel_size=kernel_size)
        block = UnetSkipBlock(ngf * 8, ngf * 8, innermost=True, **kw)
        for _ in range(num_downs - 5):
            block = UnetSkipBlock(ngf * 8, ngf * 8, submodule=block, dropout=dropout, **kw)
        block = UnetSkipBlock(ngf * 4, ngf * 8, submodule=block, **kw)
        block = UnetSkipBlock(ngf * 2, ngf * 4, submodule=block, **kw)
        block = UnetSkipBlock(ngf, ngf * 2, submodule=block, **kw)
        self.model = UnetSkipBlock(out_channels, ngf, input_nc=in_channels, submodule=block,
                                   outermost=True, **kw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = 2 ** self.num_downs
        if x.shape[-2] % m or x.shape[-1] % m:
            raise ValueError(f"pix2pix-facades with {self.num_downs} downsamplings needs sides "
                             f"that are multiples of {m}, got {x.shape[-2]}x{x.shape[-1]}")
        return self.model(x)

    def adapt_state_dict(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Accept published pix2pix files: strip wrapper prefixes, drop InstanceNorm running
        stats this net does not keep, add the BN counters that pre-0.4 PyTorch files lack."""
        state = strip_prefixes(dict(state))
        own = self.state_dict()
        modules = dict(self.named_modules())
        out = {}
        for k, v in state.items():
            parent, leaf = k.rsplit(".", 1) if "." in k else ("", k)
            if (k not in own and leaf in ("running_mean", "running_var", "num_batches_tracked")
                    and isinstance(modules.get(parent), nn.InstanceNorm2d)):
                continue
            out[k] = v
        for k, v in own.items():
            if k.endswith("num_batches_tracked") and k not in out and k.replace(
                    "num_batches_tracked", "running_mean") in out:
                out[k] = torch.zeros_like(v)
        return out


def infer_generator_config(state: Mapping[str, Any]) -> dict[str, Any]:
    """Config of a published-layout U-Net state dict (ngf, depth, kernel, norm, channels)."""
    state = strip_prefixes(dict(state))
    first = state.get("model.model.0.weight")
    if first is None or first.dim() != 4:
        return {}
    depth, prefix = 1, "model.model.1."
    while f"{prefix}model.1.weight" in state:  # each nested block adds one "model.3." level
        depth += 1
        nxt = f"{prefix}model.3."
        if f"{nxt}model.1.weight" not in state:
            break
        prefix = nxt
    last = state.get("model.model.3.weight")
    has_bn = any(k.endswith("running_mean") for k in state)
    has_bias = "model.model.1.model.1.bias" in state
    return {"ngf": int(first.shape[0]), "kernel_size": int(first.shape[-1]), "num_downs": depth,
            "norm": "batch" if has_bn and not has_bias else ("instance" if has_bias else "none"),
            "in_channels": int(first.shape[1]),
            "out_channels": int(last.shape[1]) if last is not None else 3}


class PatchDiscriminator(nn.Module):
    """Judges every ``patch`` x ``patch`` tile of its input on its own.

    Input ``cat(label, photo)`` (N, 6, H, W) with H, W multiples of ``patch``; output
    logits (N, 1, H / patch, W / patch) -- 4x4 = 16 patches of 64² for a 256² image.
    """

    def __init__(self, in_channels: int = 6, base: int = 32, patch: int = 64, norm: str = "batch"):
        super().__init__()
        if patch < 8 or patch & (patch - 1):
            raise ValueError(f"patch must be a power of two >= 8, got {patch}")
        self.patch = patch
        layers: list[nn.Module] = [nn.Conv2d(in_channels, base, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        c = base
        for _ in range(int(math.log2(patch)) - 3):  # down to 4x4
            cout = min(c * 2, base * 8)
            layers += [nn.Conv2d(c, cout, 4, 2, 1, bias=norm != "batch"), _norm(norm, cout),
                       nn.LeakyReLU(0.2, True)]
            c = cout
        layers.append(nn.Conv2d(c, 1, 4, 1, 0))  # 4x4 -> one logit per patch
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        p = self.patch
        if h % p or w % p:
            raise ValueError(f"the patch discriminator needs sides that are multiples of {p}, got {h}x{w}")
        tiles = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5).reshape(-1, c, p, p)
        return self.net(tiles).reshape(n, 1, h // p, w // p)


def patch_discriminator(in_channels: int = 6, base: int = 32, patch: int = 64,
                        norm: str = "batch") -> PatchDiscriminator:
    return PatchDiscriminator(in_channels=in_channels, base=base, patch=patch, norm=norm)


@register("pix2pix-facades", task="translate", input_size=256, fixed_size=True, preference=0,
          report="CSCI5210 image-to-image", discriminator=patch_discriminator,
          description="pix2pix U-Net (3x3 stride-2 encoder, skips) from facade labels to photos; "
                      "16-patch discriminator, BCE + L1. Loads published unet_256 files.")
def pix2pix_facades(ngf: int = 16, num_downs: int = 8, kernel_size: int = 3, norm: str = "batch",
                    dropout: bool = True, in_channels: int = 3, out_channels: int = 3) -> Pix2PixGenerator:
    return Pix2PixGenerator(ngf=ngf, num_downs=num_downs, kernel_size=kernel_size, norm=norm,
                            dropout=dropout, in_channels=in_channels, out_channels=out_channels)


pix2pix_facades.infer_config = infer_generator_config
