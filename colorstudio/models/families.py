"""Importing this module registers every model family."""

from colorstudio.models import unet  # noqa: F401
