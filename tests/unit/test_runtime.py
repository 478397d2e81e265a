"""A job's process settings (mnist_dreams.plumbing.runtime via the scripts' bootstrap): the variables
for threads, GPU share and JAX's cache, and the fast model load. What a job's process then does
(the threads at work, the cache's hit counters, the `runtime:` line): tests/workflow/test_workflow_runtime.py.
"""

from pathlib import Path

from mnist_dreams.plumbing import runtime
from mnist_dreams.subject import models


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


def test_cnn_loads_its_saved_weights_without_running_initializers(small_cnn):
    import keras
    import numpy as np

    fast = models.load_model(small_cnn["path"], compile=False)  # what models.load_cnn gives the per-map jobs
    full = keras.models.load_model(small_cnn["path"])
    assert type(fast.get_layer("conv1").kernel_initializer).__name__ == "SavedWeightsFollow"
    assert all(np.array_equal(a, b) for a, b in zip(fast.get_weights(), full.get_weights(), strict=True))
    x = np.random.default_rng(1).normal(size=(16, 28, 28, 1)).astype(np.float32)
    assert np.array_equal(fast.predict(x, verbose=0), full.predict(x, verbose=0))
