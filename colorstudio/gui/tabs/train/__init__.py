"""Train: the trainer as a subprocess, its recipes, live curves, samples and runs."""
