"""The training engine: the loop and its hooks (logging, checkpoints, validation,
samples), losses and metrics, DDP, sampling, signals, checkpoints, weight surgery,
validation scores and the export of weights."""
