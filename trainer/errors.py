"""The trainer's own error (recipe and data mistakes have theirs: ConfigError, DataError)."""

from colorstudio.core.errors import UserError


class TrainError(UserError, RuntimeError):
    """Training cannot start or continue (bad data, missing checkpoint, ...)."""
