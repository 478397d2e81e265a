"""A job's process settings through the real snakemake: GPU sharing, and the `runtime:` line each job logs."""

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from helpers import ROOT, snakemake
from mnist_dreams.plumbing import runtime


def runtime_line(log):
    """The variables a job logged as set (logs.to_file), and its first log line's time."""
    text = log.read_text()
    line = re.search(r"^.* runtime: (.*)$", text, re.MULTILINE)[1]
    started = datetime.strptime(text[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return dict(item.partition("=")[::2] for item in line.split()), started


def rerun_oips(work, jobs_per_device, *targets):
    maps = ("046", "056")
    snakemake(
        work,
        *[f"results/oip/map_{m}.h5" for m in maps],
        *targets,
        "--forcerun",
        "oip",
        "--profile",
        "profiles/gpu",
        "--cores",
        "2",
        "--set-threads",
        "oip=1",
        "--config",
        f"gpu={{jobs_per_device: {jobs_per_device}}}",
        "--configfile",
        "config/tiny.yaml",
    )
    jobs = [runtime_line(work / f"logs/oip/map_{m}.log") for m in maps]
    ended = [(work / f"results/oip/map_{m}.h5").stat().st_mtime for m in maps]  # written last
    overlap = max(started for _, started in jobs) < min(ended)
    return [env for env, _ in jobs], overlap


@pytest.mark.e2e
def test_gpu_jobs_share_a_card_with_their_settings_and_cpu_jobs_see_no_gpu(tiny_run, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # what runs on GPU boxes
    work = tmp_path / "wf"
    shutil.copytree(tiny_run, work, symlinks=True, ignore=shutil.ignore_patterns("log", "locks", "incomplete"))
    envs, overlap = rerun_oips(work, 2, "results/oip/summary.tsv")
    assert overlap, "with gpu.jobs_per_device 2 the two OIP jobs did not run at the same time"
    for env in envs:  # each GPU job: half the card, on demand, and the one core --set-threads gave it
        assert env["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.45" and env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
        assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" and "CUDA_VISIBLE_DEVICES" not in env
        assert env["PJRT_NPROC"] == env["TF_NUM_INTRAOP_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    summary, _ = runtime_line(work / "logs/oip/summary.log")  # imports Keras, declares no GPU
    assert summary["CUDA_VISIBLE_DEVICES"] == "" and summary["JAX_PLATFORMS"] == "cpu"
    assert summary["PJRT_NPROC"] == "1" and "XLA_PYTHON_CLIENT_MEM_FRACTION" not in summary  # its one thread
    cache = Path(envs[0]["JAX_COMPILATION_CACHE_DIR"])
    assert cache.parent == Path(".cache/mnist-dreams") and any((work / cache).glob("*-cache"))
    # the control: one job per card, so the second OIP job waits for the first
    envs, overlap = rerun_oips(work, 1)
    assert not overlap and envs[0]["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.90"


@pytest.mark.skipif(runtime.has_gpu(), reason="checks the error of a machine without a GPU")
def test_a_job_that_must_run_on_a_gpu_stops_where_there_is_none(tmp_path):
    """gpu.device: gpu on a CPU box: the job's device check names the problem and the fix."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from mnist_dreams import runtime\n"
        "runtime.configure(1, gpu=1, device='gpu')\n"
        "try:\n    runtime.check_device()\nexcept RuntimeError as err:\n    print(err)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "workflow")], capture_output=True, text=True, env=env)
    assert "declares a GPU and gpu.device says to use one, but jax found none" in proc.stdout, proc.stderr[-2000:]
    assert "--config 'gpu={device: cpu}'" in proc.stdout
    ok = code.replace("device='gpu'", "device='auto'").replace("try:\n    runtime", "print(runtime")
    ok = ok.replace("check_device()\nexcept RuntimeError as err:\n    print(err)\n", "check_device())\n")
    proc = subprocess.run([sys.executable, "-c", ok, str(ROOT / "workflow")], capture_output=True, text=True, env=env)
    assert proc.stdout.strip().startswith("device: cpu:0") and proc.stdout.strip().endswith("(jax)"), proc.stderr
