"""make paper's runner: the checks before any job, then snakemake in its place (its ETA is the workflow's)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_dreams.plumbing import machine, paper_run


@pytest.mark.parametrize(
    ("memory", "disk", "says"),
    [(1.5, 100, "needs 4 GiB of free memory"), (64, 0.5, "needs 4 GiB of free disk")],
)
def test_a_short_machine_stops_before_any_job_with_the_number_it_needs(tmp_path, memory, disk, says):
    with pytest.raises(paper_run.PreflightError, match=says):
        paper_run.preflight(tmp_path, memory=memory, disk=disk)
    paper_run.preflight(tmp_path, memory=64, disk=100)  # enough of both: no error


def test_make_paper_stops_before_snakemake_when_memory_is_short(tmp_path, monkeypatch, capsys):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  2000000 kB\nMemAvailable:  1048576 kB\n")
    monkeypatch.setattr(machine, "MEMINFO", str(meminfo))
    assert paper_run.main(["--snakemake", "/nonexistent/snakemake"]) == 2
    assert "this machine has 1.0 GiB available" in capsys.readouterr().err


def test_make_paper_hands_over_to_snakemake_with_the_paper_preset_and_its_exit_status(tmp_path):
    fake = tmp_path / "snakemake"  # writes what it was called with, fails as a run could
    fake.write_text('#!/bin/sh\necho "$@" > called.txt\nexit 3\n')
    fake.chmod(0o755)
    package = Path(paper_run.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, "-m", "mnist_dreams.plumbing.paper_run", "--snakemake", str(fake), "--cores", "2", "all"]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    if done.returncode == 2 and "make paper:" in done.stderr:
        pytest.skip(f"this machine is short for the paper run itself: {done.stderr.strip()}")
    assert done.returncode == 3, done.stderr  # snakemake's own status, not a wrapper's
    assert (tmp_path / "called.txt").read_text().split() == ["all", "--cores", "2", "--configfile", "config/paper.yaml"]
