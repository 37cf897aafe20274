"""The scales a user sets, shared by the app and the command line (standard library only,
so the window imports it without OpenCV or torch)."""

# Saturation: a factor on the predicted chroma, shown as a percent everywhere -- the
# Colorize slider, the Batch box, the CLI's ``--saturation 150%`` (or the factor 1.5).
SATURATION_MAX = 2.0

# Colour balance: temperature (Lab b: + warmer) and tint (Lab a: + magenta), in ab units
# either way from 0 -- the Colorize sliders, the CLI's --temperature and --tint, hint files.
BALANCE_MAX = 40.0

# Render size: the side the network sees (long side, px); the result keeps the input's full
# resolution whatever it is.  The app's boxes add 0 = the model's own size.
RENDER_SIZE_RANGE = (16, 2048)
