"""Tiny recipe variants so every family trains in about a second on a CPU."""

from __future__ import annotations

from trainer.config import make_config

TINY = {
    "unet-gan": ["model.base=8", "model.depth=2", "discriminator_config.base=8",
                 "discriminator_config.n_layers=2"],
    "unet-hints": ["model.base=8", "model.depth=2"],
    "iizuka-lite": ["model.base=4", "model.mid=1"],
    "pix2pix-facades": ["model.ngf=4", "model.num_downs=5", "discriminator_config.base=8",
                        "discriminator_config.patch=16"],
    "resgan": ["model.base=8", "model.n_down=2", "model.n_blocks=1", "discriminator_config.base=8",
               "discriminator_config.n_layers=2"],
    "perceptual": ["model.base=4"],
    "zhang-bins": ["model.base=4", "model.convs=1"],
    # The encoder is the real one (ImageNet weights only where a test asks for them).
    "effnet-unet": ["model.decoder=[8,8,8,8]", "model.bridge=8", "pretrained=false", "freeze_steps=0",
                    "discriminator_config.base=8", "discriminator_config.n_layers=2"],
    "effnet-hints": ["model.decoder=[8,8,8,8]", "model.bridge=8", "pretrained=false", "freeze_steps=0"],
    "damage-unet": ["model.widths=[4,4,8,8]"],
    "inpaint-unet": ["model.widths=[4,4,8,8]", "model.dilations=[2]"],
}


def tiny_config(recipe: str, data, *more: str, **fields):
    common = ["image_size=32", "batch_size=4", "log_every=1", "val_images=4", "sample_images=2",
              "threads=1", "num_workers=0", "val_every_nth=5"]
    return make_config(recipe, None, [*common, *TINY[recipe], *more], data=str(data), **fields)
