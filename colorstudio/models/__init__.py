"""Model families from the seed reports, behind one registry."""

from colorstudio.models.registry import (ModelSpec, available, create, create_discriminator,
                                         default_model, register, spec)

__all__ = ["ModelSpec", "available", "create", "create_discriminator", "default_model",
           "register", "spec"]
