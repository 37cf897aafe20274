"""Reference pipeline: the published ECCV 2016 "Colorful Image Colorization" network.

Architecture as published by Zhang, Isola and Efros (the ``ECCVGenerator`` of their
``colorization`` repository): 8 blocks of 3x3 conv + ReLU with BatchNorm at the end of
each block, dilated convs in blocks 5-6, a transposed conv back to 1/4 resolution, 313
ab-bin logits, softmax, a 1x1 conv to ab and x4 bilinear upsampling.  Random weights:
speed does not depend on them, and nothing is downloaded.

The pipeline follows the published demo step by step -- resize the image to 256x256,
run the net on its L (eager PyTorch, as published), upsample ab bilinearly to the full
size, recombine with the full-resolution L, Lab -> RGB -- using the same OpenCV colour
conversions and image I/O as ColorStudio (faster than the demo's scikit-image), so the
comparison measures architecture and engineering, not a slower colour library.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.core import color

NET_SIZE = 256


def _block(cin: int, cout: int, n: int, stride_last: int = 1, dilation: int = 1) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n):
        s = stride_last if i == n - 1 else 1
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, s, dilation, dilation=dilation, bias=True),
                   nn.ReLU(True)]
    return layers + [nn.BatchNorm2d(cout)]


class ECCVGenerator(nn.Module):
    """l (N, 1, H, W) in Lab units -> ab (N, 2, H, W) in Lab units (H, W multiples of 8)."""

    def __init__(self):
        super().__init__()
        self.model1 = nn.Sequential(*_block(1, 64, 2, stride_last=2))
        self.model2 = nn.Sequential(*_block(64, 128, 2, stride_last=2))
        self.model3 = nn.Sequential(*_block(128, 256, 3, stride_last=2))
        self.model4 = nn.Sequential(*_block(256, 512, 3))
        self.model5 = nn.Sequential(*_block(512, 512, 3, dilation=2))
        self.model6 = nn.Sequential(*_block(512, 512, 3, dilation=2))
        self.model7 = nn.Sequential(*_block(512, 512, 3))
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=True), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True), nn.ReLU(True),
            nn.Conv2d(256, 313, 1, 1, 0, bias=True))
        self.softmax = nn.Softmax(dim=1)
        self.model_out = nn.Conv2d(313, 2, 1, padding=0, bias=False)
        self.upsample4 = nn.Upsample(scale_factor=4, mode="bilinear")

    def forward(self, input_l: torch.Tensor) -> torch.Tensor:
        x = color.normalize_l(input_l)
        for block in (self.model1, self.model2, self.model3, self.model4, self.model5,
                      self.model6, self.model7, self.model8):
            x = block(x)
        out_reg = self.model_out(self.softmax(x))
        return color.denormalize_ab(self.upsample4(out_reg))


def eccv16(seed: int = 0) -> ECCVGenerator:
    """The reference net with random (seeded) weights, in eval mode."""
    torch.manual_seed(seed)
    return ECCVGenerator().eval()


def colorize_reference(image: np.ndarray, net: ECCVGenerator) -> np.ndarray:
    """The published demo's steps: uint8/uint16 gray or RGB in -> RGB (input's depth) out."""
    import cv2

    img = image[:, :, :3] if image.ndim == 3 and image.shape[2] == 4 else image
    H, W = img.shape[:2]
    L_orig = color.luminance(img)                                             # full-res L
    small = cv2.resize(img, (NET_SIZE, NET_SIZE), interpolation=cv2.INTER_CUBIC)
    L_rs = torch.from_numpy(color.luminance(small))[None, None]
    with torch.no_grad():
        ab = net(L_rs)                                                        # (1, 2, 256, 256)
        ab = F.interpolate(ab, size=(H, W), mode="bilinear")                 # upsample ab
        lab = torch.cat((torch.from_numpy(L_orig)[None, None], ab), dim=1)   # recombine L
    rgb = color.lab_to_rgb(lab[0].numpy().transpose(1, 2, 0))
    dtype = img.dtype if img.dtype in (np.uint8, np.uint16) else np.float32
    return color.from_float01(rgb, dtype)
