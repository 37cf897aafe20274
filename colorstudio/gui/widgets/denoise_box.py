"""The "Colour past grain" choice (``core.colorize.pipeline.DENOISE``), one widget for every
tab that colours scans, so its labels and its explanation are said once."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

# Mirrors core.colorize.pipeline.DENOISE (the window imports no OpenCV): key, label.
# What the network sees of the scan is smoothed; the result keeps the scan's own grain and
# damage (mending it is "Repair damage"), so the label says so (issue 31, item 3).
DENOISE_CHOICES = (("off", "off"), ("light", "light: past grain"), ("strong", "strong: past grain and dust"))
LABEL = "Colour past grain"
TIP = ("The network sees a smoothed copy of a grainy or dusty scan, so grain and dust\n"
       "do not turn into speckles of colour.  The result keeps the scan's own grain,\n"
       "dust and scratches: to mend those, use Repair damage.")


class DenoiseBox(QComboBox):
    """off / light / strong, with :meth:`value` the pipeline's key."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        for key, label in DENOISE_CHOICES:
            self.addItem(label, key)
        self.setToolTip(TIP)

    def value(self) -> str:
        return str(self.currentData() or "off")

    def set_value(self, key: str) -> None:
        i = self.findData(key)
        if i >= 0:
            self.setCurrentIndex(i)
