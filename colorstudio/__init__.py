"""ColorStudio: learned image colorization and image-to-image translation."""

__version__ = "0.1.0"
