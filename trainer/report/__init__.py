"""Reports on trained weights: held-out evaluation per kind of photo, model cards, curves."""
