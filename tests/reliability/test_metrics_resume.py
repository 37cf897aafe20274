"""metrics.jsonl across a kill: a torn last line is cut, and the resumed run's points
supersede the ones the killed run logged after its last checkpoint."""

from __future__ import annotations

import json

from colorstudio.core.io.runs import read_metrics
from trainer.engine.metrics import MetricsWriter


def test_torn_last_line_is_cut_before_appending(tmp_path):
    w = MetricsWriter(tmp_path, tensorboard=False)
    w.train(1, 0, 1e-3, 10.0, {"l1": 0.5})
    w.close()
    with (tmp_path / "metrics.jsonl").open("a") as f:
        f.write('{"kind": "train", "step": 2, "ep')  # killed mid-write
    w = MetricsWriter(tmp_path, tensorboard=False)
    w.train(2, 0, 1e-3, 10.0, {"l1": 0.4})
    w.close()
    recs = list(read_metrics(tmp_path / "metrics.jsonl"))
    assert [r["step"] for r in recs] == [1, 2]
    assert all(json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines())


def test_resumed_run_supersedes_points_after_its_checkpoint():
    from colorstudio.core.io.runs import RunSeries

    s = RunSeries()
    s.add([{"kind": "event", "event": "start", "message": ""}]
          + [{"kind": "train", "step": i, "loss/l1": 1.0 / i} for i in range(1, 8)]
          + [{"kind": "event", "event": "start", "message": "resumed at step 5", "resumed_from": 5}]
          + [{"kind": "train", "step": i, "loss/l1": 2.0 / i} for i in range(6, 9)])
    xs, ys = s.curve("loss/l1")
    assert xs == [1, 2, 3, 4, 5, 6, 7, 8]  # each step once
    assert ys[5:] == [2.0 / 6, 2.0 / 7, 2.0 / 8]
