"""What a single photo goes through: the pipeline (render size, recombination with the
full-resolution L), hints and hint files, reference photos, temporal smoothing, the
exported views, label maps, contact sheets and old-photo damage.  Above ``core.io``;
a network comes in as an argument."""
