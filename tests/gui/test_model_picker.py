"""Model picker: registry entries, trained or not, the model card, the device in use."""

from __future__ import annotations

from colorstudio.gui.plaintext import tooltip
from colorstudio.gui.widgets.model_picker import ModelPicker
from colorstudio.models.catalogue import ModelEntry


def entry(name: str, trained: bool, card: str = "", facts=None, scores=None) -> ModelEntry:
    return ModelEntry(name, "colorize", trained, f"{name} description", card, 256, False, False,
                      facts or {}, scores or {})


def test_lists_models_with_state_and_card(qtbot):
    p = ModelPicker()
    qtbot.addWidget(p)
    card = "# unet-gan\n\n- **Family:** `unet-gan`\n\n## Evaluation\n\n| kind of photo | ...\n"
    facts = {"epochs": 7.25, "time": 2700, "data": {"path": "../shared/data/photos", "train_images": 19349},
             "notes": {"history": [{"step": 3, "changed": {"lr": [1, 2]}}]}}
    scores = {"groups": {"people": {"gain_db": 4.37, "colourfulness_ratio": 0.74, "skin_hue_error_median": 7.2},
                         "scenes": {"gain_db": 0.81, "colourfulness_ratio": 0.41}}}
    p.set_entries([entry("a-net", False), entry("unet-gan", True, card, facts, scores)], ["auto", "cpu", "cuda"],
                  model="unet-gan", device="cpu")
    # a family without trained weights is not offered (issue 35, item 4)
    assert [p.model_box.itemText(i) for i in range(p.model_box.count())] == ["unet-gan (trained)"]
    assert p.entry("a-net") is None
    assert p.model_name() == "unet-gan" and p.device() == "cpu"
    text = p.card.text()
    assert "unet-gan description" in text and "· trained weights" in text
    assert "Trained on photos (19,349 images): 7.2 epochs, 45 min." in text
    assert "people +4.4, scenes +0.8" in text and "Skin hue error 7°; colourfulness 41%–74%" in text
    assert "**" not in text and "history" not in text and "|" not in text  # readable facts, no markdown/JSON
    assert p.card.toolTip() == tooltip(card)
    p.set_in_use("cuda:0 (NVIDIA H100)")
    assert p.in_use.text() == "cuda:0 (NVIDIA H100)"


def test_registry_entries_load(entries):
    models, devices = entries
    names = {e.name for e in models}
    assert {"unet-gan", "unet-hints"} <= names and devices[:2] == ["auto", "cpu"]
    assert next(e for e in models if e.name == "unet-hints").hints


def test_translator_and_hint_scores_read_as_sentences():
    hints = entry("h", True, scores={"groups": {"people": {"gain_db": 3.0, "hints_gain_db": 2.5, "hint1_landed": 0.9}}})
    assert "With 10 hints: +2.5 dB; a single hint lands 90% of the time." in hints.summary
    t = ModelEntry("p", "translate", True, "d", "", 256, False, True, {},
                   {"model": {"l1": 0.164}, "baseline_class_mean": {"l1": 0.179}})
    assert "Held-out L1 0.164 (class-mean colours 0.179)." in t.summary


def test_own_runs_join_the_model_list_with_their_scores(tmp_path):
    """A finished training run (any colorstudio-train run folder) is listed by its name,
    with its family's traits and its last held-out scores; runs without weights are not."""
    import json

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.gui.widgets.model_picker import load_entries
    from colorstudio.models import create

    runs = tmp_path / "runs"
    for name, export in (("faces-run", True), ("still-running", False)):
        run = runs / name
        run.mkdir(parents=True)
        (run / "config.json").write_text(json.dumps({"recipe": "unet-gan", "family": "unet-gan",
                                                     "task": "colorize"}))
        lines = [{"kind": "event", "event": "start", "time": 0, "message": "go"},
                 {"kind": "val", "step": 50, "val/psnr_rgb": 24.5, "val/psnr_rgb_gray": 23.0}]
        if export:
            lines.append({"kind": "event", "event": "end", "time": 9, "message": "done"})
            m = create("unet-gan", weights=False, base=8, depth=2)
            save_weights(run / "model.safetensors", m.state_dict(), {"family": "unet-gan",
                                                                     "config": {"base": 8, "depth": 2}})
        (run / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    entries, _ = load_entries("colorize", runs)
    mine = [e for e in entries if e.origin == "run"]
    assert [e.label for e in mine] == ["faces-run"]
    e = mine[0]
    assert e.name == f"unet-gan@{runs / 'faces-run' / 'model.safetensors'}" and e.family == "unet-gan"
    assert e.weights == runs / "faces-run" / "model.safetensors"
    assert e.trained and e.task == "colorize" and e.hints   # every colorizer follows hints
    assert "Held-out PSNR 24.50 dB (no colour 23.00)" in e.summary
    assert "A unet-gan model from your training run" in e.summary
    p = ModelPicker()
    p.set_entries(entries, ["auto"], model=e.name)
    assert p.model_box.currentText() == "faces-run (your run)"


def test_untrained_families_are_listed_only_when_nothing_is_trained(qtbot):
    """Issue 35, item 4: effnet-hints (no weights) was in the model list as "(untrained)".  It
    is left out while a trained model is there; a checkout with no weights at all still runs,
    its models marked untrained; the user's own checkpoint of such a family is offered."""
    import dataclasses

    from colorstudio.gui.tabs.colorize.model_checklist import ModelChecklist

    p = ModelPicker()
    qtbot.addWidget(p)
    p.set_entries([entry("a-net", False), entry("b-net", False)], ["auto"], model="b-net")
    assert [p.model_box.itemText(i) for i in range(2)] == ["a-net (untrained)", "b-net (untrained)"]
    seen = []
    p.modelChanged.connect(seen.append)
    p.set_model("a-net")
    assert seen == ["a-net"] and "random" in p.card.text()
    own = dataclasses.replace(entry("a-net@/runs/mine/model.safetensors", True), display="mine", origin="run")
    p.set_entries([entry("a-net", False), entry("unet-gan", True), own], ["auto"])
    assert [p.model_box.itemText(i) for i in range(p.model_box.count())] == ["unet-gan (trained)", "mine (your run)"]
    c = ModelChecklist()
    qtbot.addWidget(c)
    c.set_entries([entry("a-net", False), entry("unet-gan", True), entry("zhang-bins", True), own])
    texts = [c.list.item(i).text() for i in range(c.list.count())]
    assert texts == ["unet-gan", "zhang-bins", "mine (your run)"] and "untrained" not in " ".join(texts)
    assert c.checked() == ["unet-gan", "zhang-bins", own.name]


def test_the_shipped_lists_hold_no_untrained_family(qtbot, entries):
    from colorstudio.models import spec

    models, devices = entries
    untrained = [e.name for e in models if not e.trained]
    p = ModelPicker()
    qtbot.addWidget(p)
    p.set_entries([e for e in models if e.task == "colorize"], devices)
    shown = [p.model_box.itemText(i) for i in range(p.model_box.count())]
    assert shown and not any("untrained" in t for t in shown)
    assert not any(p.entry(n) for n in untrained)
    if not spec("effnet-hints").has_weights:
        assert p.entry("effnet-hints") is None and p.entry("effnet-unet") is not None


def test_the_article_follows_the_sound_of_the_family_name():
    """Issue 32, item 13: the run card read "A effnet-unet model"."""
    from colorstudio.models.catalogue import with_article

    assert with_article("effnet-unet") == "an effnet-unet"
    assert with_article("iizuka-lite") == "an iizuka-lite"
    assert with_article("unet-gan") == "a unet-gan"          # "you-net"
    assert with_article("zhang-bins") == "a zhang-bins"
    assert with_article("umbrella") == "an umbrella"


def test_a_remembered_model_no_longer_offered_gives_way_to_the_default():
    """A remembered effnet-hints (untrained, no longer offered) fell back to the first item."""
    import dataclasses

    from colorstudio.models.catalogue import remembered

    fields = {f.name for f in dataclasses.fields(ModelEntry)}
    base = {k: v for k, v in {"task": "colorize", "description": "", "hints": False, "fixed_size": False,
                              "input_size": 256, "report": "", "card": "", "origin": "registry"}.items()
            if k in fields}
    entries = [ModelEntry(name="effnet-hints", trained=False, **base),
               ModelEntry(name="effnet-unet", trained=True, **base),
               ModelEntry(name="unet-gan", trained=True, **base)]
    assert remembered(entries, "effnet-hints", "effnet-unet") == "effnet-unet"
    assert remembered(entries, "unet-gan", "effnet-unet") == "unet-gan"
    assert remembered(entries, None, "effnet-unet") == "effnet-unet"
