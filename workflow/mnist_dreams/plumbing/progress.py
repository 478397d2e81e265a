"""Progress lines for long jobs: what is done, the loss, the rate and the ETA — at a readable pace.

A job's log gets at most one line every ``every`` seconds (10 by default), however often the loop
reports, plus the last one; loops that report at least once a minute thereby log at least once a
minute. A single long library call (a KMeans fit, a silhouette) cannot report from inside, so it runs
under ``heartbeat``, which logs the elapsed time and an ETA from a thread.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

EVERY_S = 10.0


def _duration(seconds):
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    minutes, s = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{s:02d}s" if minutes else f"{s}s"


class Progress:
    """``update(done, **values)`` logs "<what>: done/total unit (p %), values, rate, ETA" now and then.

    ``clock`` is injectable so that tests can drive time.
    """

    def __init__(self, log, what, total, unit, every=EVERY_S, clock=time.monotonic):
        self.log, self.what, self.total, self.unit = log, what, total, unit
        self.every, self.clock = every, clock
        self.start = self.last = clock()
        self.lines = 0

    def update(self, done, force=False, **values):
        now = self.clock()
        finished = done >= self.total
        if not (force or finished or now - self.last >= self.every):
            return False
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else float("nan")
        eta = (self.total - done) / rate if rate and rate == rate and rate > 0 else None
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())
        self.log.info(
            "%s: %s/%s %s (%.0f %%)%s, %.4g %s/s, elapsed %s, ETA %s",
            self.what,
            done,
            self.total,
            self.unit,
            100.0 * done / self.total if self.total else 100.0,
            f", {shown}" if shown else "",
            rate,
            self.unit,
            _duration(elapsed),
            _duration(eta) if not finished else "0s",
        )
        self.last, self.lines = now, self.lines + 1
        return True


@contextmanager
def heartbeat(log, what, expected_s=None, every=30.0):
    """Log "<what>: still running, elapsed …, ETA …" every ``every`` s while the block runs."""
    stop = threading.Event()
    start = time.monotonic()

    def beat():
        while not stop.wait(every):
            elapsed = time.monotonic() - start
            eta = None if expected_s is None else max(expected_s - elapsed, 0.0)
            log.info("%s: still running, elapsed %s, ETA %s", what, _duration(elapsed), _duration(eta))

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
