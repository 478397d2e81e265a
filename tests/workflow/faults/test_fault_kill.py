"""A job killed by SIGKILL mid-run: Snakemake reports it, exactly that job reruns, nothing partial is read."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers import SNAKEMAKE, job_stats, snakemake
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e

BASE = ("--configfile", "config/tiny.yaml")

# What a writer killed inside store.atomic_path leaves behind: its temp file, here a truncated HDF5.
KILLED_WRITER = """
import os, signal, sys
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models
with store.atomic_path(sys.argv[1], suffix=".h5") as tmp:
    with open(sys.argv[2], "rb") as f:
        tmp.write_bytes(f.read(4096))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _pid_once_progressing(log, proc, timeout=300):
    """The job's pid, read from its log once the log shows an epoch done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"snakemake ended before the job made progress:\n{proc.communicate()[1]}"
        text = log.read_text() if log.exists() else ""
        started = re.search(r"job started \(pid (\d+)\)", text)
        if started and "epoch" in text[started.end() :]:
            return int(started[1])
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"no progress in {log} after {timeout} s")


def _running(pid):
    """Whether ``pid`` is a process that is neither gone nor a zombie (dead, not yet reaped)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigkilled_job_reruns_alone_and_leaves_no_partial_file(tiny_copy):
    work, out = tiny_copy, tiny_copy / "results/mlp"
    log = work / "logs/mlp/reference.log"
    log.unlink()  # the finished run's log holds an old pid
    # An MLP of 100000 epochs: the only job to run, and it runs until killed.
    args = ("results/mlp/reference.h5", "--cores", "1", "--config", "mlp={epochs: 100000}", *BASE)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen([*SNAKEMAKE, *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.kill(_pid_once_progressing(log, proc), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=300)

    assert proc.returncode != 0
    assert "Error in rule mlp_reference" in stderr.decode() and "died with <Signals.SIGKILL: 9>" in stderr.decode()
    # Snakemake removes a job's outputs before it runs and after it fails: no old, no partial file
    assert not (out / "reference.h5").exists() and not (out / "reference.keras").exists()

    # had the kill hit the write, its temp file would stay: leave a real one, truncated
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, "results/mlp/reference.h5", "results/mlp/clustered_k008.h5"],
        cwd=work,
        env={**env, "PYTHONPATH": str(work / "workflow")},
    )
    assert killed.returncode == -signal.SIGKILL
    assert len(list(out.glob(".reference.h5.*"))) == 1

    # with the finished run's config, exactly the killed job and what depends on it are due
    dry = snakemake(work, "-n", *BASE).stdout
    assert "Missing output files: results/mlp/reference.h5" in dry
    assert job_stats(dry) == {
        "mlp_reference": 1,
        "mlp_comparison": 1,
        "mlp_comparison_figure": 1,
        "mlp_comparison_table": 1,
        "summary": 1,
        "summary_table": 1,
    }
    rerun = snakemake(work, "results/mlp/reference.h5", "--cores", "1", *BASE)
    assert job_stats(rerun.stderr) == {"mlp_reference": 1}
    assert not list(out.glob(".reference.*"))  # the rerun's writer removed the dead writer's temp file
    history, attrs = store.read_h5(out / "reference.h5", required=["test_accuracy"])
    assert len(history["test_accuracy"]) == attrs["params"]["epochs"] == 3
    models.load_model(out / "reference.keras")


def test_a_killed_chunk_job_resumes_alone_and_keeps_none_of_its_maps(tiny_copy):
    """make paper's resume: a chunk job (two maps) killed mid-ascent leaves no file of the chunk, and
    the next run recomputes that chunk and what reads it, nothing else."""
    work, chunk = tiny_copy, ("--config", "maps_per_job=2")
    log = work / "logs/oip/map_046-056.log"
    target = "results/oip/map_046-056.h5"
    args = (target, "--cores", "1", *chunk, "oip={epochs: 100000}", *BASE)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen([*SNAKEMAKE, *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.kill(_pid_once_progressing(log, proc), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "Error in rule oip:" in stderr.decode()
    assert not (work / target).exists() and not list((work / "results/oip").glob(".map_046-056*"))  # nothing partial

    dry = snakemake(work, "-n", *BASE, *chunk).stdout
    planned = job_stats(dry)
    # the chunk's OIP, and what a chunk's files feed: its figures and the layer's summaries (the
    # screening and the dreams of the chunk are missing too: maps_per_job 2 is a config of its own)
    assert planned.pop("oip") == 1 and planned.pop("oip_figure") == 1
    assert set(planned) <= {"oip_summary", "oip_atlas", "oip_summary_table", "summary", "summary_table",
                            "precursor", "precursor_figure", "dream", "dream_figure", "dream_gallery",
                            "map_pages", "data_starts", "trust"}  # fmt: skip
    snakemake(work, "--cores", "2", *BASE, *chunk)
    for m, (result, attrs) in store.read_maps(work / target, required=["final_loss"]).items():
        assert attrs["params"]["epochs"] == 60 and result["final_loss"].shape == (4,), m
    assert "Nothing to be done" in snakemake(work, "-n", *BASE, *chunk).stdout  # resumed: nothing left


def test_a_hard_killed_snakemake_resumes_with_a_plain_rerun_but_not_over_its_live_job(tiny_copy):
    """Issue 37: SIGKILL of snakemake itself leaves its lock and its running job (an orphan). A rerun
    refuses while that job runs, naming its pid; once it is gone, a plain `snakemake` lifts the dead
    run's lock, reruns the job it left incomplete and nothing else — no --unlock, no --rerun-incomplete."""
    work, chunk = tiny_copy, "results/oip/map_046.h5"
    log = work / "logs/oip/map_046.log"
    log.unlink()  # the finished run's log holds an old pid
    slow = ("--config", "oip={epochs: 3000}")  # the killed run's config and the resumed one's
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen([*SNAKEMAKE, chunk, "--cores", "1", *slow, *BASE], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    job = _pid_once_progressing(log, proc)
    os.kill(job, signal.SIGSTOP)  # the orphan-to-be stays alive (and unfinished) while it is checked
    proc.kill()  # snakemake alone: its job stays
    proc.communicate(timeout=60)
    assert (work / ".snakemake/locks").is_dir() and any((work / ".snakemake/locks").iterdir())
    try:
        refused = snakemake(work, chunk, "--cores", "1", *slow, *BASE, check=False)
        said = refused.stdout + refused.stderr
        assert refused.returncode != 0 and f"pid {job} " in said and "still runs" in said, said[-2000:]
    finally:
        os.kill(job, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _running(job) and time.monotonic() < deadline:
        time.sleep(0.1)
    resumed = snakemake(work, chunk, "--cores", "1", *slow, *BASE)
    said = resumed.stdout + resumed.stderr
    assert "lifted the lock of a killed run" in said and "LockException" not in said
    assert job_stats(resumed.stderr) == {"oip": 1}  # only the job the kill left unfinished
    result, attrs = store.read_map(work / chunk, required=["loss_history"])
    assert attrs["params"]["epochs"] == 3000 and result["loss_history"].shape[1] == 3000
