"""The Batch tab's "Model and options" box: the model, render size, saturation, grain,
flicker reduction, the Colorize tab's hints, the repair of damaged prints, the views
written beside each photo, and the note of a shot handed over by the Shot tab (widgets
and what they allow; the page runs the batch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox,
                               QVBoxLayout, QWidget)

from colorstudio.core.colorize.smoothing import DEFAULT_STRENGTH
from colorstudio.core.scales import BALANCE_MAX, RENDER_SIZE_RANGE, SATURATION_MAX
from colorstudio.gui.predictors import detector_key
from colorstudio.gui.widgets.denoise_box import LABEL as DENOISE_LABEL, DenoiseBox
from colorstudio.gui.widgets.model_picker import ModelPicker

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry

VIEW_LABELS = (("before-after", "before/after"), ("wiper", "wiper"), ("colour-layer", "colour layer"),
               ("repair-mask", "damage mask"))
REPAIR_TIP = ("Mend each photo's scratches, cracks, folds and dust before colouring it: a damage detector\n"
              "marks them and they are filled from the intact pixels around them -- photos, and every frame\n"
              "of a video or shot, where dust that one frame alone shows is taken from its neighbours")
NO_DETECTOR_TIP = ("No trained damage detector (damage-unet) is installed: repairing needs its weights.\n"
                   "Train one in the Train tab (task restore) or install the shipped weights.")


class BatchOptions(QGroupBox):
    """See the module docstring; ``detector`` is the restore model "Repair damage" uses."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Model and options", parent)
        self.detector: str | None = None
        self.picker = ModelPicker()
        self.picker.set_compact(True)  # the Colorize tab shows the model's facts; this form stays short
        self.picker.modelChanged.connect(lambda _n: self._refresh_hints())
        self.size = QSpinBox()
        self.size.setRange(0, RENDER_SIZE_RANGE[1])   # 0: the model's own size
        self.size.setSingleStep(32)
        self.size.setSpecialValueText("model default")
        self.size.setSuffix(" px")
        self.size.setToolTip("Render size of the network (long side)")
        self.saturation = QSpinBox()   # percent, as the Colorize tab's slider and the CLI
        self.saturation.setRange(0, int(SATURATION_MAX * 100))
        self.saturation.setSingleStep(10)
        self.saturation.setSuffix("%")
        self.saturation.setValue(100)
        self.saturation.setToolTip("Colour strength: 100% as predicted, 0% gray, up to 200%")
        # The colour balance after the saturation, as the Colorize tab's sliders and the CLI's
        # --temperature/--tint (Lab units; a hint file saved by the app carries its own).
        self.temperature, self.tint = QSpinBox(), QSpinBox()
        for box, tip in ((self.temperature, "Colour balance: + warmer (towards yellow), - cooler (towards blue)"),
                         (self.tint, "Colour balance: + magenta, - green")):
            box.setRange(-int(BALANCE_MAX), int(BALANCE_MAX))
            box.setToolTip(tip)
        brow = QHBoxLayout()
        brow.addWidget(self.temperature)
        brow.addWidget(QLabel("Tint"))
        brow.addWidget(self.tint)
        brow.addStretch(1)
        self.smooth = QCheckBox("Reduce flicker")
        self.smooth.setToolTip("Blend each frame's colours with the previous frame's, motion-compensated\n"
                               "with optical flow (for frames of one shot, in order)")
        self.smooth_strength = QDoubleSpinBox()
        self.smooth_strength.setRange(0.05, 0.95)
        self.smooth_strength.setSingleStep(0.05)
        self.smooth_strength.setValue(DEFAULT_STRENGTH)
        self.smooth_strength.setToolTip("How much of the previous frame's colour is kept")
        self.smooth_strength.setEnabled(False)
        self.smooth.toggled.connect(self.smooth_strength.setEnabled)
        srow = QHBoxLayout()
        srow.addWidget(self.smooth)
        srow.addWidget(self.smooth_strength)
        srow.addStretch(1)
        self.use_hints = QCheckBox("Apply the colour hints from the Colorize tab")
        self.use_hints.setToolTip("Hints set on one frame (Colorize tab) steer every frame; "
                                  "needs a hint-taking model")
        mf = QVBoxLayout(self)
        mf.addWidget(self.picker)
        form = QFormLayout()
        self.denoise = DenoiseBox()
        form.addRow("Render size", self.size)
        form.addRow("Saturation", self.saturation)
        form.addRow("Temperature", brow)
        form.addRow(DENOISE_LABEL, self.denoise)
        form.addRow("Temporal", srow)
        mf.addLayout(form)
        mf.addWidget(self.use_hints)
        self.repair = QCheckBox("Repair damage")
        mf.addWidget(self.repair)
        # The views the CLI's --also writes beside each photo (core.colorize.views.EXTRA_VIEWS).
        self.views = {key: QCheckBox(label) for key, label in VIEW_LABELS}
        self.views["before-after"].setToolTip("The photo as it came (its damage too) beside the result")
        self.views["wiper"].setToolTip("One image: the photo on the left, the result on the right")
        self.views["colour-layer"].setToolTip("The colour alone, to lay over the original in an editor's Color mode")
        self.views["repair-mask"].setToolTip("White where Repair damage mended the photo")
        self.views["repair-mask"].setEnabled(False)
        self.repair.toggled.connect(self.views["repair-mask"].setEnabled)
        vrow = QHBoxLayout()
        vrow.addWidget(QLabel("Also write"))
        for box in self.views.values():
            vrow.addWidget(box)
        vrow.addStretch(1)
        mf.addLayout(vrow)
        self.shot_note = QLabel()
        self.shot_note.setWordWrap(True)
        self.shot_note.hide()
        mf.addWidget(self.shot_note)
        self._refresh_hints()
        self._refresh_repair()

    def look(self):
        """The saturation and colour balance as one :class:`~colorstudio.core.color.Look`
        (what every colorize path takes where it takes a saturation)."""
        from colorstudio.core.color import Look

        return Look(self.saturation.value() / 100.0, float(self.temperature.value()), float(self.tint.value()))

    def set_entries(self, entries: list[ModelEntry], devices: list[str], model: str | None = None,
                    device: str | None = None) -> None:
        """The colorizers in the picker; the damage detector, when one is trained, for Repair damage."""
        self.picker.set_entries([e for e in entries if e.task == "colorize"], devices, model, device)
        self.detector = detector_key(entries)
        self._refresh_hints()
        self._refresh_repair()

    def set_video(self, video: bool) -> None:
        """The inputs are videos: flicker reduction says it applies to them."""
        self.smooth.setText("Reduce flicker" + (" (video)" if video else ""))

    def _refresh_hints(self) -> None:
        e = self.picker.entry()
        ok = bool(e and e.hints)
        self.use_hints.setEnabled(ok)
        if not ok:
            self.use_hints.setChecked(False)

    def _refresh_repair(self) -> None:
        """Repairing needs a trained damage detector; without one the box is off and says why."""
        ok = self.detector is not None
        self.repair.setEnabled(ok)
        self.repair.setToolTip(REPAIR_TIP if ok else NO_DETECTOR_TIP)
        if not ok:
            self.repair.setChecked(False)

    def repairing(self) -> bool:
        """Each photo's damage is mended before it is coloured."""
        return self.repair.isEnabled() and self.repair.isChecked()

    def smoothing(self) -> float:
        """How much of the previous frame's colour is kept (0: no flicker reduction)."""
        return self.smooth_strength.value() if self.smooth.isChecked() else 0.0

    def extra_views(self) -> tuple[str, ...]:
        """The views ticked under "Also write" (the damage mask only with the repair on)."""
        return tuple(k for k, box in self.views.items() if box.isChecked() and box.isEnabled())

    def save_settings(self, s: QSettings) -> None:
        s.setValue("batch/denoise", self.denoise.value())
        s.setValue("batch/views", ",".join(k for k, box in self.views.items() if box.isChecked()))
        s.setValue("batch/smooth", self.smooth.isChecked())
        s.setValue("batch/smooth_strength", self.smooth_strength.value())

    def restore_settings(self, s: QSettings) -> None:
        self.smooth.setChecked(str(s.value("batch/smooth", "false")).lower() == "true")
        self.denoise.set_value(str(s.value("batch/denoise", "off") or "off"))
        ticked = set(str(s.value("batch/views", "") or "").split(","))
        for key, box in self.views.items():
            box.setChecked(key in ticked)
        try:
            self.smooth_strength.setValue(float(s.value("batch/smooth_strength", DEFAULT_STRENGTH)))
        except (TypeError, ValueError):
            pass
