"""Model picker: registry entries, trained or not, the model card, the device in use."""

from __future__ import annotations

from colorstudio.gui.widgets.model_picker import ModelEntry, ModelPicker


def entry(name: str, trained: bool, card: str = "") -> ModelEntry:
    return ModelEntry(name, "colorize", trained, f"{name} description", card, 256, False, False)


def test_lists_models_with_state_and_card(qtbot):
    p = ModelPicker()
    qtbot.addWidget(p)
    card = ("# unet-gan\n\n- **Family:** `unet-gan`\n- **Epochs:** 20 (1000 steps), **training time:** 9 min\n\n"
            "## Evaluation\n\n| | psnr_rgb | ssim | colourfulness_ratio |\n|---|---|---|---|\n"
            "| model | 24.10 | 0.950 | 0.61 |\n| baseline_ab0 | 23.00 | 0.94 |  |\n")
    p.set_entries([entry("a-net", False), entry("unet-gan", True, card)], ["auto", "cpu", "cuda"],
                  model="unet-gan", device="cpu")
    assert [p.model_box.itemText(i) for i in range(2)] == ["a-net (untrained)", "unet-gan (trained)"]
    assert p.model_name() == "unet-gan" and p.device() == "cpu"
    text = p.card.text()
    assert "unet-gan description" in text and "· trained weights" in text
    assert "Epochs: 20 (1000 steps), training time: 9 min" in text
    assert "psnr rgb 24.10" in text and "colourfulness ratio 0.61" in text and "**" not in text
    assert p.card.toolTip() == card
    seen = []
    p.modelChanged.connect(seen.append)
    p.set_model("a-net")
    assert seen == ["a-net"] and "a-net description" in p.card.text()
    assert "random" in p.card.text()
    p.set_in_use("cuda:0 (NVIDIA H100)")
    assert p.in_use.text() == "cuda:0 (NVIDIA H100)"


def test_registry_entries_load(entries):
    models, devices = entries
    names = {e.name for e in models}
    assert {"unet-gan", "unet-hints"} <= names and devices[:2] == ["auto", "cpu"]
    assert next(e for e in models if e.name == "unet-hints").hints
