"""The trainer's own error (recipe and data mistakes have theirs: ConfigError, DataError)."""


class TrainError(RuntimeError):
    """Training cannot start or continue (bad data, missing checkpoint, ...)."""
