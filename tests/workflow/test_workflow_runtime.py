"""A job's process settings as its process sees them: the threads that do the work, the JAX cache
shared by concurrent jobs (worker processes, ~15 s each), and through the real snakemake, GPU sharing
and the `runtime:` line each job logs."""

import json
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

WORKFLOW = str(ROOT / "workflow")

# Per thread, the CPU seconds an ascent took: which threads did the work.
THREADS_WORKER = """
import json, os, sys
sys.path.insert(0, {workflow!r})
from mnist_dreams.plumbing import runtime
from mnist_dreams.subject import models
if {threads}:
    runtime.configure(threads={threads})
import numpy as np
from mnist_dreams.ascent.engine import driver
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models

def cpu_by_thread():
    out = {{}}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{{tid}}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        out[tid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return out

ascend = driver.map_ascent(models.load_model({model!r}, compile=False), "conv3", 0.01, 20)
x = np.random.default_rng(0).normal(size=(64, 28, 28, 1)).astype(np.float32)
ascend(x, 3)  # compiled and warm: the next call is compute only
before = cpu_by_thread()
for _ in range(2):
    ascend(x, 3)
after = cpu_by_thread()
print(json.dumps([after[t] - before.get(t, 0.0) for t in after]))
"""

# One ascent with JAX's compilation cache in cache_dir (None: none); its output and the cache's counters.
CACHE_WORKER = """
import hashlib, json, sys
sys.path.insert(0, {workflow!r})
from mnist_dreams.plumbing import runtime
from mnist_dreams.subject import models
runtime.configure(threads=1, cache_dir={cache_dir!r})
import jax
import numpy as np
events = []
jax.monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
from mnist_dreams.ascent.engine import driver
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models
model = models.load_model({model!r}, compile=False)
starts = np.random.default_rng(0).normal(size=(8, 28, 28, 1)).astype(np.float32)
images, history = driver.map_ascent(model, "conv3", 0.01, 20)(starts, 46)
print(json.dumps({{
    "output": hashlib.sha256(images.tobytes() + history.tobytes()).hexdigest(),
    "requests": events.count("/jax/compilation_cache/compile_requests_use_cache"),
    "hits": events.count("/jax/compilation_cache/cache_hits"),
}}))
"""


def start(code, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def result(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().splitlines()[-1]), err.decode()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs to see a second thread work")
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_declared_threads_limit_the_cores_a_job_computes_on(backend, small_cnn):
    def working_threads(threads):
        code = THREADS_WORKER.format(workflow=WORKFLOW, threads=threads, model=str(small_cnn["path"]))
        seconds, _ = result(start(code, backend))
        return sum(s > 0.2 * sum(seconds) for s in seconds)  # threads that did a fair part of the work

    assert working_threads(0) >= 2  # the libraries' default: every core (the check can see it)
    assert working_threads(1) == 1


def test_jax_cache_is_safe_for_concurrent_jobs_and_gives_identical_results(small_cnn, tmp_path):
    def worker(cache_dir):
        return start(CACHE_WORKER.format(workflow=WORKFLOW, cache_dir=cache_dir, model=str(small_cnn["path"])), "jax")

    cache = str(tmp_path / "cache")
    # four jobs compile the same functions into one cache at once, beside one without a cache
    runs = [result(p) for p in [worker(cache) for _ in range(4)] + [worker(None)]]
    warm, _ = result(worker(cache))
    outputs = {run["output"] for run, _ in runs} | {warm["output"]}
    assert len(outputs) == 1, "cold, warm and uncached runs differ"
    assert not [err for _, err in runs if "persistent compilation cache" in err.lower()]  # no read/write errors
    assert warm["requests"] > 0 and warm["hits"] == warm["requests"], warm  # all it needed was whole, on disk
    (folder,) = Path(cache).iterdir()
    assert folder.name.startswith("jax-") and all(f.name.endswith("-cache") for f in folder.iterdir())


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
        "import sys; sys.path.insert(0, sys.argv[1]); from mnist_dreams.plumbing import runtime\n"
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
