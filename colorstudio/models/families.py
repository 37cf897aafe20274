"""Importing this module registers every model family."""

from colorstudio.models import iizuka, perceptual, pix2pix, resgan, unet, zhang  # noqa: F401
