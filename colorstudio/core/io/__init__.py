"""Files: image and video formats, reading and writing them (8/16-bit, metadata, PNG),
atomic writes, weights files, bounded reads of users' text files, the run folder.
Above ``core.color``; knows no network."""
