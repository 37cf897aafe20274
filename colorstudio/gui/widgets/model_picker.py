"""Model and device choice: the registry's models (task, trained or not, model card).

What the panel says of a model comes from its weights' metadata (data, epochs, time) and
its shipped ``<name>.eval.json`` (held-out scores per kind of photo), never from parsing
the markdown card, which is only the tooltip.

Listing the registry imports the model families and hence torch (seconds), so the
picker starts empty and is filled by :func:`load_entries` run in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QToolButton,
                               QVBoxLayout, QWidget)

from colorstudio.gui import dialog_folders
from colorstudio.gui.plaintext import plain_label, tooltip


GROUP_NAMES = {"people": "people", "interiors": "interiors", "animals": "animals & objects",
               "scenes": "scenes", "mixed": "mixed"}


@dataclass(frozen=True)
class ModelEntry:
    """What the GUI needs to know about a registered model (no torch objects)."""

    name: str
    task: str
    trained: bool
    description: str
    card: str            # model card markdown ('' when none ships): the tooltip
    input_size: int
    hints: bool          # follows colour hints (every colorizer)
    fixed_size: bool
    facts: dict = field(default_factory=dict)    # the weights' metadata (family, data, epochs, time)
    scores: dict = field(default_factory=dict)   # the shipped <name>.eval.json
    display: str = ""    # the name shown ('' = name); own checkpoints: their run or file name
    origin: str = "shipped"   # shipped | run (a run folder's export) | file (opened with Weights…)

    @property
    def label(self) -> str:
        return self.display or self.name

    @property
    def family(self) -> str:
        """The registry family (own checkpoints are keyed ``family@path``)."""
        return self.name.partition("@")[0]

    @property
    def summary(self) -> str:
        """Plain sentences a user decides by: what it is, what it was trained on, how it
        scored on held-out photos of each kind.  The whole card is the tooltip."""
        lines = [self.description]
        if self.origin != "shipped":
            where = "your training run" if self.origin == "run" else "a checkpoint you opened"
            lines.append(f"A{with_article(self.family)[1:]} model from {where}: {self.name.partition('@')[2]}")
        try:   # the facts and scores come from the user's files: a malformed one costs its lines only
            f = self.facts
            if f.get("epochs") is not None:
                data = f.get("data") or {}
                where = Path(str(data.get("path", ""))).name
                n = data.get("train_images")
                trained = f"Trained on {where or 'its data'}" + (f" ({n:,} images)" if isinstance(n, int) else "")
                minutes = float(f.get("time") or 0) / 60
                lines.append(f"{trained}: {float(f['epochs']):.1f} epochs, {minutes:.0f} min.")
            lines += _score_lines(self.scores)
        except (TypeError, ValueError, KeyError, AttributeError):
            lines.append("(Its training facts or scores file is malformed and was skipped.)")
        return "\n".join(lines)


def with_article(word: str) -> str:
    """``word`` after "a" or "an" as it is said, not as it is spelt: "an effnet-unet", "an
    iizuka-lite", but "a unet-gan" (a "you"-sound: u, one consonant, a vowel) and "a zhang-bins"."""
    w = word.lower()
    you = w[:1] == "u" and len(w) > 2 and w[1] not in "aeiou" and w[2] in "aeiouy"
    return ("an " if w[:1] in "aeiou" and not you else "a ") + word


def _score_lines(res: dict) -> list[str]:
    groups = res.get("groups") if isinstance(res, dict) else None
    out = []
    if isinstance(groups, dict) and groups:
        gains = [f"{GROUP_NAMES.get(k, k)} {r['gain_db']:+.1f}" for k, r in groups.items()
                 if isinstance(r, dict) and "gain_db" in r]
        if gains:
            out.append("Held-out gain over no colour (dB): " + ", ".join(gains) + ".")
        colour = [r["colourfulness_ratio"] for r in groups.values() if "colourfulness_ratio" in r]
        skin = next((r for r in groups.values() if "skin_hue_error_median" in r), None)
        bits = []
        if skin:
            bits.append(f"skin hue error {skin['skin_hue_error_median']:.0f}°")
        if colour:
            bits.append(f"colourfulness {min(colour):.0%}–{max(colour):.0%} of the truth's")
        if bits:
            out.append(bits[0][0].upper() + "; ".join(bits)[1:] + ".")
        hinted = [r for r in groups.values() if "hints_gain_db" in r]
        if hinted:
            g = sum(r["hints_gain_db"] for r in hinted) / len(hinted)
            land = sum(r.get("hint1_landed", 0) for r in hinted) / len(hinted)
            out.append(f"With 10 hints: {g:+.1f} dB; a single hint lands {land:.0%} of the time.")
    elif isinstance(res, dict) and isinstance(res.get("model"), dict):
        m, b = res["model"], res.get("baseline_class_mean") or res.get("baseline_ab0") or {}
        if "l1" in m:
            base = f" (class-mean colours {b['l1']:.3f})" if "l1" in b else ""
            out.append(f"Held-out L1 {m['l1']:.3f}{base}.")
        elif "psnr_rgb" in m:
            out.append(f"Held-out PSNR {m['psnr_rgb']:.2f} dB" +
                       (f" (no colour {b['psnr_rgb']:.2f})" if "psnr_rgb" in b else "") + ".")
    return out


def offered(entries: list[ModelEntry]) -> list[ModelEntry]:
    """The entries a user may pick from: those with trained weights -- shipped, or the
    user's own checkpoint of any family (a run's export, a file opened with Weights…).  A
    family without trained weights runs on random weights and paints noise, so it is never
    offered as if usable (issue 35); only when none of ``entries`` is trained (a checkout
    without ``resources/weights``) are they all listed, marked untrained, so the app runs."""
    trained = [e for e in entries if e.trained]
    return trained or list(entries)


def remembered(entries: list[ModelEntry], name: str | None, default: str) -> str:
    """The model to select: the remembered ``name`` while it is still :func:`offered`, else
    ``default`` -- a remembered family that is no longer offered (untrained since issue 35)
    must not leave the picker on whatever happens to be listed first."""
    names = {e.name for e in offered(entries)}
    return name if name in names else default


def _read_json(path: Path) -> dict:
    """A model's .eval.json: a bad or huge one costs its own scores only."""
    from colorstudio.core.io.textfiles import read_json_object

    return read_json_object(path, 2 * 2 ** 20)


def _read_card(path: Path) -> str:
    """A model card for the tooltip: bounded (a huge card is cut, not read whole)."""
    from colorstudio.core.io.textfiles import BadTextFile, read_text

    if not path.is_file():
        return ""
    try:
        return read_text(path)
    except BadTextFile:
        return ""


def entry_for_checkpoint(path: str | Path, origin: str = "file", task: str | None = None,
                         scores: dict | None = None, display: str = "") -> ModelEntry:
    """A model list entry for one of the user's own checkpoints (a run's export or any
    .safetensors file): its family from the metadata, its card and ``.eval.json`` when
    they lie beside it.  Raises a one-line error for a file that is not a checkpoint of
    ours, or one of another ``task``."""
    from colorstudio.core.io.checkpoint import CheckpointError, read_metadata
    from colorstudio.models import spec
    from colorstudio.models.refs import parse_ref

    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        raise CheckpointError(f"{path.name} is not a .safetensors checkpoint")
    ref = parse_ref(str(path), task)
    s = spec(ref.family)
    try:
        facts = read_metadata(path)
    except CheckpointError:
        facts = {}
    card_path = path.with_suffix(".md")
    card = _read_card(card_path)
    own_scores = _read_json(path.with_suffix(".eval.json"))
    return ModelEntry(str(ref), s.task, True, s.description, card, s.input_size, s.follows_hints, s.fixed_size,
                      facts, own_scores or scores or {}, display or ref.label, origin)


def _run_scores(val: dict) -> dict:
    """A run's last validation, in the shape of an .eval.json (model vs no colour)."""
    if not val:
        return {}
    base = {"psnr_rgb": val["psnr_rgb_gray"]} if "psnr_rgb_gray" in val else {}
    return {"model": dict(val), "baseline_ab0": base}


def run_entries(runs_dir: str | Path | None, task: str | None = None) -> list[ModelEntry]:
    """Entries for the exported weights of the training runs under ``runs_dir``
    (newest first); runs without weights yet, or of another task, are left out."""
    if not runs_dir:
        return []
    from colorstudio.core.io.runs import find_runs

    out = []
    for run in find_runs(runs_dir):
        if run.weights is None:
            continue
        try:
            e = entry_for_checkpoint(run.weights, "run", task, scores=_run_scores(run.scores),
                                     display=run.name)
        except Exception:  # noqa: BLE001 -- a half-written or foreign file: not listed
            continue
        out.append(e)
    return out


def load_entries(task: str | None = None, runs_dir: str | Path | None = None) -> tuple[list[ModelEntry], list[str]]:
    """Registry entries (then the user's own runs under ``runs_dir``) and pickable
    devices. Slow (imports torch): call in a worker."""
    from colorstudio.core.io.checkpoint import CheckpointError, read_metadata
    from colorstudio.core.inference.devices import available_devices
    from colorstudio.models import available

    out = []
    for s in available(task):
        card_path = s.card_path()
        card = _read_card(card_path)
        facts: dict = {}
        if s.has_weights:
            try:
                facts = read_metadata(s.weights_path())
            except CheckpointError:
                facts = {}
        scores = _read_json(s.weights_path().with_suffix(".eval.json"))
        out.append(ModelEntry(s.name, s.task, s.has_weights, s.description, card, s.input_size,
                              s.follows_hints, s.fixed_size, facts, scores))
    out += run_entries(runs_dir, task)
    return out, available_devices()


class ModelPicker(QWidget):
    """Combo boxes for the model and the device, the model's card, the device in use."""

    modelChanged = Signal(str)
    deviceChanged = Signal(str)
    weightsLoaded = Signal(object)  # ModelEntry: a checkpoint opened with "Weights…" joined the list
    weightsFailed = Signal(str)     # ... or could not be used: why, in one line

    def __init__(self, parent: QWidget | None = None, task: str = "colorize"):
        super().__init__(parent)
        self.task = task
        self._compact = False
        self._workers: list = []
        self.model_box = QComboBox()
        self.model_box.setToolTip("Colorization model from the registry")
        self.model_box.setMinimumContentsLength(14)
        self.model_box.addItem("loading models…")
        self.model_box.setEnabled(False)
        self.device_box = QComboBox()
        self.device_box.setToolTip("Where the network runs; auto prefers a GPU when present")
        self.device_box.addItem("auto")
        self.device_box.setEnabled(False)
        self.card = plain_label(QLabel())
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.PlainText)
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.in_use = QLabel("—")
        self.in_use.setToolTip("The device the current model actually runs on")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.weights_button = QToolButton()
        self.weights_button.setText("Weights…")
        self.weights_button.setToolTip("Use any .safetensors checkpoint (your own training runs, "
                                       "another machine's): it joins the model list")
        self.weights_button.clicked.connect(self._choose_weights)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.model_box, 1)
        row.addWidget(self.weights_button)
        form.addRow("Model", row)
        form.addRow("Device", self.device_box)
        form.addRow("In use", self.in_use)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addWidget(self.card)
        self._entries: dict[str, ModelEntry] = {}
        self.model_box.currentIndexChanged.connect(self._on_model)
        self.device_box.currentTextChanged.connect(self._on_device)

    # filling -----------------------------------------------------------------------
    def set_entries(self, entries: list[ModelEntry], devices: list[str],
                    model: str | None = None, device: str | None = None) -> None:
        """Fill the boxes with the :func:`offered` ``entries``; select ``model``/``device``
        when listed (remembered choices)."""
        entries = offered(entries)
        self._entries = {e.name: e for e in entries}
        self.model_box.blockSignals(True)
        self.device_box.blockSignals(True)
        self.model_box.clear()
        for e in entries:
            state = {"run": "your run", "file": "file"}.get(e.origin) or ("trained" if e.trained else "untrained")
            self.model_box.addItem(f"{e.label} ({state})", e.name)
            weights = "trained" if e.trained else "untrained: random weights"
            self.model_box.setItemData(self.model_box.count() - 1,
                                       f"{e.label} ({e.task}, {weights})\n{e.description}",
                                       Qt.ItemDataRole.ToolTipRole)
        self.device_box.clear()
        self.device_box.addItems(devices or ["auto"])
        if model in self._entries:
            self.model_box.setCurrentIndex(self.model_box.findData(model))
        if device and self.device_box.findText(device) >= 0:
            self.device_box.setCurrentText(device)
        self.model_box.blockSignals(False)
        self.device_box.blockSignals(False)
        self.model_box.setEnabled(bool(entries))
        self.device_box.setEnabled(True)
        self._show_card()

    def add_entry(self, entry: ModelEntry, select: bool = True) -> None:
        """Add (or replace) one entry, e.g. a checkpoint opened with Weights…"""
        entries = [e for e in self._entries.values() if e.name != entry.name] + [entry]
        current = entry.name if select else self.model_name()
        self.set_entries(entries, [self.device_box.itemText(i) for i in range(self.device_box.count())],
                         current, self.device())
        if select:
            self.modelChanged.emit(entry.name)

    def _choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Use weights", dialog_folders.start_folder("weights"),
                                              "Checkpoints (*.safetensors)")
        if path:
            dialog_folders.remember("weights", path)
            self.open_weights(path)

    def open_weights(self, path: str | Path):
        """Read a checkpoint's facts in a worker; it joins the list and is picked
        (``weightsLoaded``), or ``weightsFailed`` says why not (wrong family or task,
        not a checkpoint).  Returns the worker."""
        from colorstudio.gui.workers import run_kept

        return run_kept(self._workers, entry_for_checkpoint, Path(path), "file", self.task,
                        on_result=self._weights_read, on_error=self.weightsFailed.emit)

    def _weights_read(self, entry: ModelEntry) -> None:
        self.add_entry(entry, select=True)
        self.weightsLoaded.emit(entry)

    # queries -----------------------------------------------------------------------
    def model_name(self) -> str | None:
        data = self.model_box.currentData()
        return data if isinstance(data, str) else None

    def entry(self, name: str | None = None) -> ModelEntry | None:
        return self._entries.get(name or self.model_name() or "")

    def entries(self) -> list[ModelEntry]:
        return list(self._entries.values())

    def device(self) -> str:
        return self.device_box.currentText() or "auto"

    def set_model(self, name: str) -> None:
        i = self.model_box.findData(name)
        if i < 0:
            raise KeyError(f"model {name!r} is not in the list")
        self.model_box.setCurrentIndex(i)

    def set_in_use(self, text: str) -> None:
        self.in_use.setText(text or "—")

    # reactions ---------------------------------------------------------------------
    def refresh_card(self) -> None:
        self._show_card()

    def _show_card(self) -> None:
        e = self.entry()
        if e is None:
            self.card.setText("")
            return
        state = "trained weights" if e.trained else \
            "no trained weights: random initialisation, results are noise"
        full = f"{e.summary}\n\n{e.task} · render {e.input_size}px · {state}"
        if self._compact:  # one line; the facts are the tooltip (a form with little height)
            self.card.setText(f"{e.task} · render {e.input_size}px · {state}")
            self.card.setToolTip(tooltip(full))
        else:
            self.card.setText(full)
            self.card.setToolTip(tooltip(e.card or e.description))

    def set_compact(self, on: bool) -> None:
        """Show only a one-line summary (the model's facts move to its tooltip)."""
        self._compact = bool(on)
        self._show_card()

    def _on_model(self, _i: int) -> None:
        self._show_card()
        name = self.model_name()
        if name:
            self.modelChanged.emit(name)

    def _on_device(self, text: str) -> None:
        if text:
            self.deviceChanged.emit(text)
