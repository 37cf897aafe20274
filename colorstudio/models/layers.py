"""Small building blocks shared by the families."""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_relu(cin: int, cout: int, stride: int = 1, k: int = 3, act: str = "relu") -> nn.Sequential:
    """3x3 conv (no bias: BN follows) + BN + activation: the unit of most seed reports."""
    acts = {"relu": lambda: nn.ReLU(inplace=True), "lrelu": lambda: nn.LeakyReLU(0.2, inplace=True)}
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout),
                         acts[act]())


class Colorizer(nn.Module):
    """Base of colorization nets: ``l_norm (N,1,H,W) -> ab_norm (N,2,h,w)``.

    ``predict_ab`` is what the pipeline calls; families whose raw output is not ab
    (class logits over ab bins) override it.  ``hint_channels`` > 0 means the net
    takes ``cat(l_norm, hint_ab_norm, hint_mask)`` as input.
    """

    hint_channels = 0
    output_stride = 1  # input size / output size (iizuka-lite predicts ab at half size)

    def predict_ab(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)


class Translator(nn.Module):
    """Base of image-to-image nets: RGB in [-1, 1] -> RGB in [-1, 1], same size."""
