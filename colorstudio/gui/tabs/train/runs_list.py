"""The training runs under the runs folder: tick to overlay curves, double-click to follow."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from colorstudio.core.io.runs import LAST_CHECKPOINT, read_run_config, run_folders
from colorstudio.gui.plaintext import tooltip


class RunsList(QListWidget):
    """Checkable run folders, newest first; each item's UserRole data is the folder path."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setToolTip("Tick a run to overlay its curves; double-click to follow it "
                        "(its samples, or a run started elsewhere)")

    def refresh(self, runs_dir: Path, live: Path | None = None) -> None:
        """List the runs under ``runs_dir`` again, keeping ticks and the selection; the
        run followed ``live`` is bold."""
        ticked = set(self.ticked())
        current = self.currentItem()
        selected = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.blockSignals(True)
        self.clear()
        for run in run_folders(runs_dir):
            cfg = read_run_config(run)
            label = run.name + (f"  ({cfg['recipe']})" if cfg.get("recipe") and cfg["recipe"] not in run.name else "")
            if not (run / LAST_CHECKPOINT).is_file() and run != live:
                label += "  — no checkpoint (cannot be resumed)"
            item = QListWidgetItem(label)
            if live is not None and run.resolve() == live.resolve():
                font = item.font()
                font.setBold(True)    # the run whose curves are drawn solid
                item.setFont(font)
                label += " — followed live"
            item.setData(Qt.ItemDataRole.UserRole, str(run))
            item.setToolTip(tooltip(f"{run}{label[len(run.name):]}"))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if str(run) in ticked else Qt.CheckState.Unchecked)
            self.addItem(item)
            if str(run) == selected:
                self.setCurrentItem(item)
        self.blockSignals(False)

    def ticked(self) -> list[str]:
        """Run folders ticked for comparison."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]
