"""A job's process settings (mnist_dreams.plumbing.runtime via the scripts' bootstrap): cores, GPU sharing, JAX's cache.

What the checks read is what a job's process sees and does: the per-thread CPU time of a real
ascent and the JAX cache's own hit counters (the `runtime:` line each Snakemake job logs:
test_workflow_runtime.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from mnist_dreams.plumbing import runtime
from mnist_dreams.subject import models

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
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models

def cpu_by_thread():
    out = {{}}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{{tid}}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        out[tid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return out

ascend = backend.make_ascent(models.load_model({model!r}, compile=False), "conv3", 0.01, 20)
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
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models
model = models.load_model({model!r}, compile=False)
starts = np.random.default_rng(0).normal(size=(8, 28, 28, 1)).astype(np.float32)
images, history = backend.make_ascent(model, "conv3", 0.01, 20)(starts, 46)
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


def test_environment_holds_threads_gpu_share_and_cache():
    gpu_job = runtime.environment(3, gpu=1, gpu_percent=25, cache=Path("c/jax-x"))
    assert {gpu_job[k] for k in runtime.THREAD_VARIABLES} == {"3"} and gpu_job["TF_NUM_INTEROP_THREADS"] == "1"
    assert gpu_job["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false" and gpu_job["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert gpu_job["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.23"  # 90 % of a quarter card
    assert gpu_job["JAX_COMPILATION_CACHE_DIR"] == str(Path("c/jax-x")) and "CUDA_VISIBLE_DEVICES" not in gpu_job
    assert gpu_job["JAX_PLATFORMS"] == ("cuda" if runtime.has_gpu() else "cpu")  # auto: the machine decides
    on_gpu = runtime.environment(3, gpu=1, device="gpu")
    assert on_gpu["JAX_PLATFORMS"] == "cuda"  # no silent fallback: JAX stops where CUDA does not start
    asked = runtime.environment(3, gpu=1, device="cpu")  # the one way to run a GPU job on the CPU
    assert asked["JAX_PLATFORMS"] == "cpu" and asked["CUDA_VISIBLE_DEVICES"] == ""
    cpu_job = runtime.environment(1)
    assert cpu_job["CUDA_VISIBLE_DEVICES"] == "" and cpu_job["JAX_PLATFORMS"] == "cpu"
    assert not {"XLA_PYTHON_CLIENT_MEM_FRACTION", "JAX_COMPILATION_CACHE_DIR"} & set(cpu_job)


def test_cache_folder_is_never_shared_by_different_cpus_or_thread_counts(tmp_path):
    xeon = ("Intel(R) Xeon(R) Processor", {"avx2", "avx512f", "fma"})
    older = ("Intel(R) Xeon(R) Processor", {"avx2", "fma"})  # same name, fewer features
    folder = runtime.cache_folder(tmp_path, 2, xeon)
    assert folder.parent == tmp_path and folder == runtime.cache_folder(tmp_path, 2, xeon)
    assert folder != runtime.cache_folder(tmp_path, 2, older)
    assert folder != runtime.cache_folder(tmp_path, 1, xeon)
    assert runtime.cache_folder(tmp_path, 2) == runtime.cache_folder(tmp_path, 2)  # this machine: stable


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


def test_cnn_loads_its_saved_weights_without_running_initializers(small_cnn):
    import keras
    import numpy as np

    fast = models.load_model(small_cnn["path"], compile=False)  # what models.load_cnn gives the per-map jobs
    full = keras.models.load_model(small_cnn["path"])
    assert type(fast.get_layer("conv1").kernel_initializer).__name__ == "SavedWeightsFollow"
    assert all(np.array_equal(a, b) for a, b in zip(fast.get_weights(), full.get_weights(), strict=True))
    x = np.random.default_rng(1).normal(size=(16, 28, 28, 1)).astype(np.float32)
    assert np.array_equal(fast.predict(x, verbose=0), full.predict(x, verbose=0))
