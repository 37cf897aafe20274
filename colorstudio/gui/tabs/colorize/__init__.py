"""Colorize: one photo, hints, references, the compare grid."""
