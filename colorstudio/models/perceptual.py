"""``perceptual``: the colour-image-synthesis report's transformation net, and VGG16.

The colorizer is fully convolutional (any input size that is a multiple of 4): a
10-conv encoder with stride 2 at conv 4 and conv 6, then a decoder of nearest
upsampling + convs back to full size, tanh to ab_norm.  The report trains it with a
VGG16 perceptual loss when VGG16 weights are at hand: :class:`VGG16Features` is VGG16's
``features`` with torchvision's module indices, so a torchvision ``vgg16`` state dict
(``features.0.weight`` ...) loads into it by :func:`load_vgg16` -- safely, through
``core.io.checkpoint`` -- without needing torchvision.
"""

from __future__ import annotations

import os
from typing import Sequence

import torch
from torch import nn

from colorstudio.models.layers import Colorizer, conv_bn_relu, strip_prefixes
from colorstudio.models.registry import register


class PerceptualColorizer(Colorizer):
    """``fusion``: the report's second network, G(X_L, F(X_L)) as in Deep Koalarization --
    a frozen ImageNet classifier (EfficientNet-Lite here; the report's Inception-ResNet-v2
    cannot be had) sees the gray input, its pooled last block is broadcast over the
    transformation net's middle (stride 4) and fused with it by a 1x1 conv."""

    output_stride = 1

    def __init__(self, base: int = 16, in_channels: int = 1, fusion: bool = False, variant: int = 0):
        super().__init__()
        b = base
        widths = [b, b, b, 2 * b, 2 * b, 4 * b, 4 * b, 4 * b, 4 * b, 4 * b]   # conv1 .. conv10
        enc, c = [], in_channels
        for i, w in enumerate(widths, start=1):
            enc.append(conv_bn_relu(c, w, stride=2 if i in (4, 6) else 1))
            c = w
        self.encoder = nn.Sequential(*enc)
        self.classifier = None
        if fusion:
            from colorstudio.models.effnet_lite import HEAD, EfficientNetLite

            self.classifier = EfficientNetLite(variant, 1)
            self.fuse = conv_bn_relu(4 * b + HEAD, 4 * b, k=1)
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"), conv_bn_relu(4 * b, 2 * b), conv_bn_relu(2 * b, 2 * b),
            nn.Upsample(scale_factor=2, mode="nearest"), conv_bn_relu(2 * b, b),
            nn.Conv2d(b, 2, 3, 1, 1), nn.Tanh())

    def pretrained_part(self) -> nn.Module | None:
        return self.classifier

    def init_pretrained(self) -> dict[str, int]:
        if self.classifier is None:
            return super().init_pretrained()
        return self.classifier.load_imagenet()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 4 or x.shape[-1] % 4:
            raise ValueError(f"perceptual needs sides that are multiples of 4, got {x.shape[-2]}x{x.shape[-1]}")
        y = self.encoder(x)
        if self.classifier is not None:
            from colorstudio.models.effnet_lite import gray_from_l_norm

            g = self.classifier.features(gray_from_l_norm(x[:, :1]))[-1].mean((2, 3), keepdim=True)
            y = self.fuse(torch.cat([y, g.expand(-1, -1, *y.shape[-2:])], 1))
        return self.decoder(y)


@register("perceptual", task="colorize", input_size=256, report="colour image synthesis report",
          description="Fully convolutional transformation net (10-conv encoder, nearest-upsampling "
                      "decoder), any size; perceptual loss (VGG16 or the ImageNet EfficientNet) when "
                      "trained with one; fusion=true adds a frozen ImageNet classifier's global features.")
def perceptual(base: int = 16, fusion: bool = False, variant: int = 0) -> PerceptualColorizer:
    return PerceptualColorizer(base=base, fusion=fusion, variant=variant)


# --- VGG16 features (torchvision layout) -------------------------------------------------

_VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def _vgg16_layer_names() -> list[str]:
    names, block, conv = [], 1, 1
    for v in _VGG16_CFG:
        if v == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 1
        else:
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
            conv += 1
    return names


VGG16_LAYERS: tuple[str, ...] = tuple(_vgg16_layer_names())   # index i = features.i
DEFAULT_VGG_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")  # Johnson et al.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG16Features(nn.Module):
    """VGG16 ``features`` up to the deepest requested layer; returns those activations.

    Input: RGB in [0, 1], (N, 3, H, W); ImageNet mean/std normalisation is applied
    inside (``normalize=False`` to skip it).  Frozen (no gradients to its weights).
    """

    def __init__(self, layers: Sequence[str] = DEFAULT_VGG_LAYERS, normalize: bool = True):
        super().__init__()
        unknown = [n for n in layers if n not in VGG16_LAYERS]
        if unknown or not layers:
            raise ValueError(f"unknown VGG16 layer(s) {unknown or '(none given)'}; "
                             f"choose from {', '.join(VGG16_LAYERS)}")
        self.layers = tuple(layers)
        self._taps = {VGG16_LAYERS.index(n): n for n in layers}
        depth = max(self._taps) + 1
        mods: list[nn.Module] = []
        cin = 3
        for v in _VGG16_CFG:
            if v == "M":
                mods.append(nn.MaxPool2d(2, 2))
            else:
                mods += [nn.Conv2d(cin, v, 3, 1, 1), nn.ReLU(inplace=False)]
                cin = v
        self.features = nn.Sequential(*mods[:depth])
        self.normalize = normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG16Features":
        return super().train(False)  # a fixed feature extractor: never in training mode

    def forward(self, rgb: torch.Tensor) -> list[torch.Tensor]:
        x = (rgb - self.mean) / self.std if self.normalize else rgb
        out = []
        for i, m in enumerate(self.features):
            x = m(x)
            if i in self._taps:
                out.append(x)
        return out


def load_vgg16(path: str | os.PathLike, layers: Sequence[str] = DEFAULT_VGG_LAYERS,
               normalize: bool = True) -> VGG16Features:
    """VGG16 features from a torchvision-layout weights file (.pth or .safetensors).

    Only ``features.*`` tensors up to the deepest requested layer are used (the
    classifier of a full torchvision file is ignored); missing or mis-shaped ones raise
    ``CheckpointError`` naming them.  ``.pth`` files are read with weights_only=True.
    """
    from colorstudio.core.io import checkpoint

    net = VGG16Features(layers, normalize)
    state, _ = checkpoint.load_weights(path)
    state = strip_prefixes(state)
    name = os.path.basename(os.fspath(path))
    feats = {k: v for k, v in state.items() if k.startswith("features.")}
    if not feats:
        some = ", ".join(sorted(state)[:4]) or "no tensors"
        raise checkpoint.CheckpointError(
            f"{name} does not look like torchvision VGG16 weights: no 'features.*' keys (found {some})")
    def index(key: str) -> int:
        part = key.split(".")[1]
        return int(part) if part.isdigit() else -1

    # layers past the deepest one we need are dropped; anything else must fit exactly
    needed = {k: v for k, v in feats.items() if index(k) < len(net.features)}
    checkpoint.load_into(net, needed, source=name)
    return net
