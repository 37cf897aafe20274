"""Batch: folders of photos and frames, videos; progress, cancel, resume."""
