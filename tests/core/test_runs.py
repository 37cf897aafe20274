"""core.io.runs: the run folder's layout, the one metrics reader, the list of runs."""

import json
import os

from colorstudio.core.io.runs import (LAST_CHECKPOINT, SAMPLE_FILE, RunLayout, find_runs, read_metrics,
                                   read_run_config, run_folders, run_info)


def _line(**rec) -> str:
    return json.dumps(rec) + "\n"


def test_layout_names_every_file_of_a_run(tmp_path):
    lay = RunLayout(tmp_path)
    assert lay.metrics == tmp_path / "metrics.jsonl" and lay.config == tmp_path / "config.json"
    assert lay.checkpoint == tmp_path / LAST_CHECKPOINT == tmp_path / "checkpoints" / "last.pt"
    assert lay.sample("latest") == tmp_path / SAMPLE_FILE == tmp_path / "samples" / "latest.png"
    assert lay.model.name == "model.safetensors" and lay.val_files.name == "val_files.txt"
    assert RunLayout(str(tmp_path)) == lay


def test_read_metrics_skips_torn_and_malformed_lines(tmp_path):
    f = tmp_path / "metrics.jsonl"
    assert read_metrics(f) == []                     # missing: nothing, no error
    f.write_text(_line(kind="train", step=1) + "{not json\n" + "[1]\n" + '{"kind": "val", "st')
    assert read_metrics(f) == [{"kind": "train", "step": 1}]


def _run(root, name, cfg, lines, model=False, checkpoint=False, age=0.0):
    run = root / name
    run.mkdir()
    if cfg is not None:
        (run / "config.json").write_text(json.dumps(cfg))
    (run / "metrics.jsonl").write_text("".join(_line(**r) for r in lines))
    if model:
        (run / "model.safetensors").write_bytes(b"x")
    if checkpoint:
        (run / "checkpoints").mkdir()
        (run / "checkpoints" / "last.pt").write_bytes(b"x")
    t = 1.7e9 - age
    os.utime(run / "metrics.jsonl", (t, t))
    return run


def test_find_runs_lists_finished_partial_and_failed_runs(tmp_path):
    cfg = {"recipe": "unet-gan", "family": "unet-gan", "task": "colorize"}
    start = {"kind": "event", "event": "start", "message": "go"}
    done = _run(tmp_path, "done", cfg, [start, {"kind": "train", "step": 5, "loss/l1": 0.2},
                                       {"kind": "val", "step": 5, "val/psnr_rgb": 24.5, "val/l1_ab": None},
                                       {"kind": "event", "event": "checkpoint", "message": "step 5"},
                                       {"kind": "event", "event": "end", "message": "all epochs done"}],
                model=True, checkpoint=True, age=10)
    killed = _run(tmp_path, "killed", cfg, [start, {"kind": "train", "step": 3},
                                            {"kind": "event", "event": "checkpoint", "message": "step 3"}],
                  checkpoint=True, age=5)
    _run(tmp_path, "broken", None, [start, {"kind": "event", "event": "error", "message": "boom"}], age=1)
    (tmp_path / "not-a-run").mkdir()
    assert [p.name for p in run_folders(tmp_path)] == ["broken", "killed", "done"]
    runs = find_runs(tmp_path)
    assert [(r.name, r.status) for r in runs] == [("broken", "failed"), ("killed", "partial"),
                                                   ("done", "finished")]
    d = runs[2]
    assert d.weights == done / "model.safetensors" and d.checkpoint == done / "checkpoints" / "last.pt"
    assert (d.recipe, d.family, d.task, d.step) == ("unet-gan", "unet-gan", "colorize", 5)
    assert d.scores == {"psnr_rgb": 24.5} and d.reason == "all epochs done"
    k = run_info(killed)
    assert k.weights is None and k.checkpoint is not None and k.step == 3 and k.scores == {}
    b = runs[0]
    assert (b.recipe, b.family, b.task, b.reason) == ("", "", "", "boom")
    assert find_runs(tmp_path / "nowhere") == [] and read_run_config(tmp_path / "nowhere") == {}


def test_a_resumed_run_is_partial_until_it_ends_again(tmp_path):
    ev = lambda e, **x: {"kind": "event", "event": e, "message": "", **x}  # noqa: E731
    run = _run(tmp_path, "r", {}, [ev("start"), ev("end"), ev("start", resumed_from=4)])
    assert run_info(run).status == "partial"
