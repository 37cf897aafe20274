"""Controls that re-run quickly: render size (a network run), saturation and colour balance
(no network run: the page re-composes from the cached small ab prediction); the colour brushes
(gray: erase the colour; protect: keep the model's own colour whatever the hints do); the repair
of a damaged print (mend first, show the damage mask, the mask brush and its size)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QSlider, QSpinBox,
                               QToolButton, QWidget)

from colorstudio.core.scales import BALANCE_MAX, RENDER_SIZE_RANGE, SATURATION_MAX
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.denoise_box import LABEL as DENOISE_LABEL, DenoiseBox

REPAIR_TIP = ("Mend the print's scratches, cracks, folds and dust before colouring: a damage detector\n"
              "marks them and they are filled from the intact pixels around them.  The result's\n"
              "lightness is then the mended one; correct the mask with the brush.")
NO_DETECTOR_TIP = ("No trained damage detector (damage-unet) is installed: repairing needs its weights.\n"
                   "Train one in the Train tab (task restore) or install the shipped weights.")
MASK_TIP = "Tints the input red where the damage is mended (the detector's mask, or yours)"
GRAY_TIP = ("Erase the colour where it is wrong: drag paints gray (the result keeps the photo's lightness\n"
            "there), right-drag or Alt+drag gives the colour back.  Each stroke can be undone (Ctrl+Z).")
PROTECT_TIP = ("Protect a region from the hints: drag paints it (tinted amber while the brush is out) and the\n"
               "result keeps the model's own colour there whatever the hints do; a hint put inside still\n"
               "colours its own dot.  Right-drag or Alt+drag frees it again; each stroke can be undone (Ctrl+Z).")
BRUSH_TIP = ("Correct the damage mask on the input: drag adds damage, right-drag or Alt+drag erases\n"
             "(the middle button pans).  Each stroke can be undone (Ctrl+Z); the repair follows.")


class ColorizeControls(QWidget):
    renderSizeChanged = Signal(int)     # 0 = the model's default size
    saturationChanged = Signal(float)   # 1.0 = as predicted
    balanceChanged = Signal(float, float)   # temperature, tint (ab units; 0, 0 = as predicted)
    denoiseChanged = Signal(str)        # off | light | strong (core.colorize.pipeline.DENOISE)
    guessingChanged = Signal(bool)      # show where the model guesses its colour
    repairChanged = Signal(bool)        # mend the damage before colouring
    maskShownChanged = Signal(bool)     # tint the damage mask over the input
    brushToggled = Signal(bool)         # the mask brush is the input canvas's tool
    grayBrushToggled = Signal(bool)     # the gray brush (erase colour) is the input canvas's tool
    protectBrushToggled = Signal(bool)  # the protect brush (keep the model's colour) is the input canvas's tool

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.size_box = QSpinBox()
        self.size_box.setRange(0, RENDER_SIZE_RANGE[1])   # 0: the model's own size
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
        self.temp_slider, temp_row = self._balance_slider(
            "temperature", "Warmer (towards yellow) or cooler (towards blue), after the saturation; "
            "changes instantly and is saved with the hints")
        self.tint_slider, tint_row = self._balance_slider(
            "tint", "Towards magenta or green, after the saturation; changes instantly and is saved with the hints")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.denoise_box = DenoiseBox()
        self.denoise_box.currentIndexChanged.connect(lambda _i: self.denoiseChanged.emit(self.denoise()))
        form.addRow("Render size", self.size_box)
        form.addRow("Saturation", sat_row)
        form.addRow("Temperature", temp_row)
        form.addRow("Tint", tint_row)
        form.addRow(DENOISE_LABEL, self.denoise_box)
        self.guess_box = QCheckBox("Show where the model guesses")
        self.guess_box.setToolTip("Tints the input where the model is unsure of the colour: it keeps those places\n"
                                  "muted in the result, and a colour hint there changes the most.\n"
                                  "(Models that predict a colour distribution: the default effnet-unet.)")
        self.guess_box.toggled.connect(self.guessingChanged)
        form.addRow("", self.guess_box)
        self.gray_button, self.gray_size, self.gray_clear, gray_row = self._brush_row(
            "mdi6.format-color-marker-cancel", "Gray brush", GRAY_TIP,
            "The gray brush's diameter, in the photo's pixels",
            "Give the colour back everywhere the gray brush took it (undoable)")
        self.gray_button.toggled.connect(self._on_gray)
        form.addRow("", gray_row)
        self.protect_button, self.protect_size, self.protect_clear, protect_row = self._brush_row(
            "mdi6.shield-half-full", "Protect brush", PROTECT_TIP,
            "The protect brush's diameter, in the photo's pixels",
            "Free every region the protect brush protected (undoable)")
        self.protect_button.toggled.connect(self._on_protect)
        form.addRow("", protect_row)

        self.repair_box = QCheckBox("Repair damage")
        self.repair_box.toggled.connect(self._on_repair)
        self.mask_box = QCheckBox("Show the damage mask")
        self.mask_box.setToolTip(MASK_TIP)
        self.mask_box.toggled.connect(self.maskShownChanged)
        self.brush_button = QToolButton()
        self.brush_button.setIcon(icon("mdi6.brush"))
        self.brush_button.setText("Mask brush")
        self.brush_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.brush_button.setCheckable(True)
        self.brush_button.setAutoRaise(True)
        self.brush_button.setToolTip(BRUSH_TIP)
        self.brush_button.toggled.connect(self.brushToggled)
        self.brush_button.toggled.connect(lambda on: on and self.gray_button.setChecked(False))
        self.brush_button.toggled.connect(lambda on: on and self.protect_button.setChecked(False))
        self.brush_size = QSpinBox()
        self.brush_size.setRange(1, 400)
        self.brush_size.setValue(12)
        self.brush_size.setSuffix(" px")
        self.brush_size.setToolTip("The brush's diameter, in the photo's pixels")
        brush_row = QHBoxLayout()
        brush_row.setContentsMargins(0, 0, 0, 0)
        brush_row.addWidget(self.brush_button)
        brush_row.addWidget(self.brush_size)
        brush_row.addStretch(1)
        form.addRow("", self.repair_box)
        form.addRow("", self.mask_box)
        form.addRow("", brush_row)
        self.set_repair_available(False)

    def guessing(self) -> bool:
        return self.guess_box.isChecked()

    def repairing(self) -> bool:
        return self.repair_box.isEnabled() and self.repair_box.isChecked()

    def mask_shown(self) -> bool:
        return self.mask_box.isEnabled() and self.mask_box.isChecked()

    def brushing(self) -> bool:
        return self.brush_button.isEnabled() and self.brush_button.isChecked()

    def brush_diameter(self) -> int:
        return int(self.brush_size.value())

    def gray_brushing(self) -> bool:
        return self.gray_button.isChecked()

    def gray_diameter(self) -> int:
        return int(self.gray_size.value())

    def protect_brushing(self) -> bool:
        return self.protect_button.isChecked()

    def protect_diameter(self) -> int:
        return int(self.protect_size.value())

    def _on_gray(self, on: bool) -> None:
        if on:
            self.brush_button.setChecked(False)   # one brush on the input at a time
            self.protect_button.setChecked(False)
        self.grayBrushToggled.emit(on)

    def _on_protect(self, on: bool) -> None:
        if on:
            self.brush_button.setChecked(False)   # one brush on the input at a time
            self.gray_button.setChecked(False)
        self.protectBrushToggled.emit(on)

    def _brush_row(self, icon_name: str, text: str, tip: str, size_tip: str,
                   clear_tip: str) -> tuple[QToolButton, QSpinBox, QToolButton, QHBoxLayout]:
        """A colour brush's row: its checkable button, its diameter and its clear button."""
        button = QToolButton()
        button.setIcon(icon(icon_name))
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolTip(tip)
        size = QSpinBox()
        size.setRange(1, 800)
        size.setValue(40)
        size.setSuffix(" px")
        size.setToolTip(size_tip)
        clear = QToolButton()
        clear.setIcon(icon("mdi6.eraser"))
        clear.setAutoRaise(True)
        clear.setToolTip(clear_tip)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (button, size, clear):
            row.addWidget(w)
        row.addStretch(1)
        return button, size, clear, row

    def set_repair_available(self, available: bool) -> None:
        """Repairing needs a trained damage detector: without one the box is off and says why
        (random weights would flag noise as damage and smear the print)."""
        self.repair_box.setEnabled(available)
        self.repair_box.setToolTip(REPAIR_TIP if available else NO_DETECTOR_TIP)
        if not available:
            self.repair_box.setChecked(False)
        self._on_repair(self.repairing(), emit=False)

    def _on_repair(self, on: bool, emit: bool = True) -> None:
        """The mask and its brush exist only while repairing."""
        on = on and self.repair_box.isEnabled()
        for w in (self.mask_box, self.brush_button, self.brush_size):
            w.setEnabled(on)
        if not on:
            self.brush_button.setChecked(False)
        if emit:
            self.repairChanged.emit(on)

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

    def _balance_slider(self, name: str, tip: str) -> tuple[QSlider, QHBoxLayout]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(-int(BALANCE_MAX), int(BALANCE_MAX))
        slider.setValue(0)
        slider.setPageStep(5)
        slider.setToolTip(tip + " (double-click the value to reset)")
        slider.setAccessibleName(name)
        label = QLabel("0")
        label.setMinimumWidth(40)
        label.setToolTip("Lab units; double-click to reset")
        label.mouseDoubleClickEvent = lambda _e, s=slider: s.setValue(0)
        slider.valueChanged.connect(lambda v, lab=label: lab.setText(f"{v:+d}" if v else "0"))
        slider.valueChanged.connect(lambda _v: self.balanceChanged.emit(*self.balance()))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(slider, 1)
        row.addWidget(label)
        return slider, row

    def saturation(self) -> float:
        return self.sat_slider.value() / 100.0

    def balance(self) -> tuple[float, float]:
        """(temperature, tint) in ab units."""
        return float(self.temp_slider.value()), float(self.tint_slider.value())

    def set_balance(self, temperature: float, tint: float) -> None:
        self.temp_slider.setValue(int(round(temperature)))
        self.tint_slider.setValue(int(round(tint)))

    def look(self):
        """Saturation and colour balance as ``core.color.Look`` (what every compose takes)."""
        from colorstudio.core.color import Look

        return Look(self.saturation(), *self.balance())

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

    def save_settings(self, s: QSettings) -> None:
        """Render size, saturation and colour balance, for the next start."""
        s.setValue("colorize/render_size", self.render_size())
        s.setValue("colorize/saturation", self.saturation())
        s.setValue("colorize/balance", list(self.balance()))

    def restore_settings(self, s: QSettings) -> None:
        try:
            self.set_render_size(int(s.value("colorize/render_size", 0)))
            self.set_saturation(float(s.value("colorize/saturation", 1.0)))
            t, u = (s.value("colorize/balance") or [0, 0])[:2]
            self.set_balance(float(t), float(u))
        except (TypeError, ValueError):
            pass
