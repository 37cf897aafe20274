"""Controls that re-run quickly: render size (a network run) and saturation (no network
run: the page re-composes from the cached small ab prediction)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from colorstudio.core.scales import SATURATION_MAX

# Mirrors core.colorize.pipeline.DENOISE (the window imports no OpenCV): key, label.
DENOISE_CHOICES = (("off", "off"), ("light", "light (grain)"), ("strong", "strong (grain, dust, scratches)"))


class ColorizeControls(QWidget):
    renderSizeChanged = Signal(int)     # 0 = the model's default size
    saturationChanged = Signal(float)   # 1.0 = as predicted
    denoiseChanged = Signal(str)        # off | light | strong (core.colorize.pipeline.DENOISE)
    guessingChanged = Signal(bool)      # show where the model guesses its colour

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.size_box = QSpinBox()
        self.size_box.setRange(0, 2048)
        self.size_box.setSingleStep(32)
        self.size_box.setSuffix(" px")
        self.size_box.setSpecialValueText("model default")
        self.size_box.setKeyboardTracking(False)
        self._size_tip = (
            "Side length the network sees (long side, multiple of 32). Larger: finer colour\n"
            "boundaries, slower. The output always keeps the full resolution of the input.")
        self.size_box.setToolTip(self._size_tip)
        self.size_box.valueChanged.connect(self.renderSizeChanged)

        self.sat_slider = QSlider(Qt.Orientation.Horizontal)
        self.sat_slider.setRange(0, int(SATURATION_MAX * 100))
        self.sat_slider.setValue(100)
        self.sat_slider.setPageStep(10)
        self.sat_slider.setToolTip("Colour strength; changes instantly without re-running the network")
        self.sat_label = QLabel("100%")
        self.sat_label.setMinimumWidth(40)
        self.sat_slider.valueChanged.connect(self._on_sat)
        self.sat_slider.setAccessibleName("saturation")

        sat_row = QHBoxLayout()
        sat_row.setContentsMargins(0, 0, 0, 0)
        sat_row.addWidget(self.sat_slider, 1)
        sat_row.addWidget(self.sat_label)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.denoise_box = QComboBox()
        for key, label in DENOISE_CHOICES:
            self.denoise_box.addItem(label, key)
        self.denoise_box.setToolTip("Clean what the network sees of a grainy or dusty scan, so grain and dust "
                                    "do not turn into speckles of colour; the result keeps the scan's own detail")
        self.denoise_box.currentIndexChanged.connect(lambda _i: self.denoiseChanged.emit(self.denoise()))
        form.addRow("Render size", self.size_box)
        form.addRow("Saturation", sat_row)
        form.addRow("Clean scan", self.denoise_box)
        self.guess_box = QCheckBox("Show where the model guesses")
        self.guess_box.setToolTip("Tints the input where the model is unsure of the colour: it keeps those places\n"
                                  "muted in the result, and a colour hint there changes the most.\n"
                                  "(Models that predict a colour distribution: the default effnet-unet.)")
        self.guess_box.toggled.connect(self.guessingChanged)
        form.addRow("", self.guess_box)

    def guessing(self) -> bool:
        return self.guess_box.isChecked()

    def render_size(self) -> int:
        return int(self.size_box.value())

    def set_render_size(self, size: int) -> None:
        self.size_box.setValue(int(size))

    def denoise(self) -> str:
        return str(self.denoise_box.currentData())

    def set_denoise(self, key: str) -> None:
        i = self.denoise_box.findData(key)
        if i >= 0:
            self.denoise_box.setCurrentIndex(i)

    def saturation(self) -> float:
        return self.sat_slider.value() / 100.0

    def set_saturation(self, value: float) -> None:
        self.sat_slider.setValue(int(round(value * 100)))

    def set_fixed_size(self, fixed: int | None) -> None:
        """Fixed-size models run at one size only: show it and lock the box."""
        self.size_box.setEnabled(fixed is None)
        if fixed is not None:
            self.size_box.setToolTip(f"This model runs at {fixed} px only")
        else:
            self.size_box.setToolTip(self._size_tip)

    def _on_sat(self, v: int) -> None:
        self.sat_label.setText(f"{v}%")
        self.saturationChanged.emit(v / 100.0)
