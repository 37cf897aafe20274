"""Shot: the frames of one shot, hints on keyframes carried across it, playback."""
