"""tests/bench/bench_workflow.py reads a real run's log and benchmarks (the tiny run's)."""

import sys

import pytest

from helpers import ROOT, planned_jobs, workflow_copy

sys.path.insert(0, str(ROOT / "tests/bench"))
import bench_workflow  # noqa: E402

pytestmark = pytest.mark.e2e


def test_table_counts_every_job_of_the_run(tiny_run, tmp_path):
    rows, intervals = bench_workflow.table(tiny_run, slow_box=True)
    counted = {r["step"]: r["jobs"] for r in rows}
    # what the same target plans from scratch: every job of the tiny run, counted once
    assert counted == planned_jobs(workflow_copy(tmp_path), "--configfile", "config/tiny.yaml")
    assert 1 <= bench_workflow.max_concurrency(intervals) <= 2  # the tiny run used --cores 2
    assert all(r["sum_s"] > 0 and r["slow_box_s"] >= r["sum_s"] for r in rows)
    assert len(list((tiny_run / "benchmarks").rglob("*.tsv"))) == sum(counted.values())  # one file per job
