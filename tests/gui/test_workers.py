import time

from colorstudio.gui.workers import LatestRunner, Worker, start


def _gen(n):
    for i in range(n):
        time.sleep(0.01)
        yield i
    return "done"


def test_generator_worker_reports_progress_and_result(qtbot):
    w = Worker(_gen, 5)
    seen = []
    w.signals.progress.connect(seen.append)
    with qtbot.waitSignal(w.signals.result, timeout=5000) as res:
        start(w)
    assert seen == [0, 1, 2, 3, 4]
    assert res.args == ["done"]


def test_cancel_stops_between_yields(qtbot):
    w = Worker(_gen, 1000)
    seen = []
    w.signals.progress.connect(seen.append)
    w.signals.progress.connect(lambda i: i == 3 and w.cancel())
    with qtbot.waitSignal(w.signals.finished, timeout=5000):
        start(w)
    assert 4 <= len(seen) < 20


def test_error_becomes_message(qtbot):
    def boom():
        raise ValueError("bad checkpoint: missing keys x\nmore detail")

    w = Worker(boom)
    with qtbot.waitSignal(w.signals.error, timeout=5000) as err:
        start(w)
    assert err.args == ["bad checkpoint: missing keys x"]


def test_latest_runner_delivers_only_newest(qtbot):
    r = LatestRunner()
    got = []
    r.result.connect(got.append)

    def slow(v):
        time.sleep(0.05)
        return v

    for v in range(5):
        r.submit(slow, v)
    qtbot.waitUntil(lambda: not r.is_busy(), timeout=5000)
    assert got == [4]
