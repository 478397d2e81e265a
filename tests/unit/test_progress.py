"""Progress lines: at most one per 10 s however often a loop reports, the last one always, an ETA."""

import logging
import time

from mnist_dreams.plumbing import progress


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lines_are_rate_limited_and_carry_rate_and_eta(caplog):
    clock, log = FakeClock(), logging.getLogger("test.progress")
    p = progress.Progress(log, "screening", 200, "image·epochs", clock=clock)
    times = []
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for done in range(1, 201):  # one report every 0.5 s for 100 s
            clock.now = done * 0.5
            if p.update(done, best_loss=0.1 * done):
                times.append(clock.now)
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert all(g >= 10 for g in gaps[:-1]) and max(gaps) <= 10.5  # ≤ 1 per 10 s, and ≥ 1 per minute
    assert times[-1] == 100.0 and len(caplog.records) == len(times) == 10
    first = caplog.records[0].getMessage()
    assert first.startswith("screening: 20/200 image·epochs (10 %)") and "best_loss 2" in first
    assert "2 image·epochs/s" in first and "ETA 1m30s" in first
    assert caplog.records[-1].getMessage().endswith("ETA 0s")


def test_heartbeat_logs_while_a_long_call_runs(caplog):
    log = logging.getLogger("test.heartbeat")
    with caplog.at_level(logging.INFO, logger="test.heartbeat"), progress.heartbeat(log, "fit", 10.0, every=0.05):
        time.sleep(0.3)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) >= 3 and all(line.startswith("fit: still running, elapsed") for line in lines)
    assert "ETA 10s" in lines[0] or "ETA 9s" in lines[0]
