"""tests/bench/bench_workflow.py reads a real run's log and benchmarks (the tiny run's)."""

import sys

import pytest

from helpers import ROOT, planned_jobs, workflow_copy

sys.path.insert(0, str(ROOT / "tests/bench"))
import bench_workflow  # noqa: E402

pytestmark = pytest.mark.e2e


def test_table_counts_every_job_of_the_run(tiny_run, tmp_path):
    slow = {"ascent": 2.0, "cnn": 3.0, "other": 4.0, "startup": 5.0}
    rows, intervals = bench_workflow.table(tiny_run, slow=slow)
    counted = {r["step"]: r["jobs"] for r in rows}
    # what the same target plans from scratch: every job of the tiny run, counted once
    assert counted == planned_jobs(workflow_copy(tmp_path), "--configfile", "config/tiny.yaml")
    assert 1 <= bench_workflow.max_concurrency(intervals) <= 2  # the tiny run used --cores 2
    assert len(list((tiny_run / "benchmarks").rglob("*.tsv"))) == sum(counted.values())  # one file per job
    for r in rows:
        assert 0 <= r["startup_s"] <= r["sum_s"]
        assert 2.0 * r["sum_s"] <= r["slow_box_s"] <= 5.0 * r["sum_s"]
    # a job starts Python and imports before its log opens; the CNN's compute is scaled as CNN work
    cnn = next(r for r in rows if r["step"] == "cnn")
    assert 0.1 < cnn["startup_s"] < cnn["sum_s"]
    assert cnn["slow_box_s"] == pytest.approx(5.0 * cnn["startup_s"] + 3.0 * (cnn["sum_s"] - cnn["startup_s"]))


def test_logged_seconds_spans_first_to_last_stamped_line(tmp_path):
    log = tmp_path / "job.log"
    log.write_text(
        "2026-11-28 07:51:32,481 INFO mnist_dreams: job started (pid 1)\n"
        "E0000 00:00:1795852292.493320 a C++ line without our stamp\n"
        "2026-11-28 07:51:43,769 INFO mnist_dreams.ascent.precursor: screening …\n"
        "2026-11-28 07:52:01,000 INFO mnist_dreams.ascent.precursor: screened\n"
    )
    assert bench_workflow.logged_seconds(log) == pytest.approx(28.519)
    assert bench_workflow.logged_seconds(tmp_path / "missing.log") is None


def test_cnn_factor_reads_the_training_history(tiny_run):
    seconds, cpu = bench_workflow.cnn_epoch_seconds(tiny_run)
    assert seconds > 0 and "cores" in cpu
    f, here = bench_workflow.factors(tiny_run, ascent_rate=4200.0)
    assert f["ascent"] == pytest.approx(2.0)
    assert f["cnn"] == pytest.approx(43.0 / seconds)
    assert f["other"] == f["startup"] == max(f["ascent"], f["cnn"])
