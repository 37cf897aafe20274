"""Model families from the seed reports, behind one registry.

Importing this package registers every family: ``registry`` is a leaf that imports
none of them, each family module registers its names with it (timm's layout).
"""

from colorstudio.models.registry import (ModelSpec, available, create, create_discriminator,
                                         default_model, register, spec)
from colorstudio.models import (damage_unet, effnet_unet, iizuka, inpaint_unet, perceptual, pix2pix,  # noqa: E402,F401
                                resgan, unet, zhang)  # (register)

__all__ = ["ModelSpec", "available", "create", "create_discriminator", "default_model",
           "register", "spec"]
