"""A job's process settings, made before Keras, TensorFlow or JAX is imported: cores, GPU, compile cache.

Every rule script's bootstrap (workflow/scripts/_bootstrap.py) calls ``configure`` with what its job
declared. The libraries read these variables once, when they start: set later, they change nothing.

* cores: the job uses exactly its ``threads``. TensorFlow reads TF_NUM_INTRAOP/INTEROP_THREADS, XLA:CPU
  (JAX) sizes its pool from PJRT_NPROC (both measured: tests/unit/test_runtime.py counts the threads that
  did an ascent's work), OpenMP and BLAS (NumPy, scikit-learn) read their own variables.
* GPU: a job that declares one allocates on demand and at most its share of the card, so that
  ``gpu.jobs_per_device`` jobs fit on one card; a job that declares none sees no GPU at all.
* JAX's persistent compilation cache in a folder per machine and library versions (``cache_folder``).
* ``import keras`` skips the optional libraries Keras would load for features no job uses.

This module imports nothing heavy, so that the bootstrap stays cheap for every job.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.metadata
import os
import platform
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

# A job's share of the card is this fraction of (card memory / jobs_per_device): the rest is for
# what lives outside JAX's allocator, the CUDA context and cuDNN/cuBLAS workspaces of each process.
GPU_HEADROOM = 0.9
# PJRT_NPROC: the size of XLA:CPU's thread pool in jaxlib 0.10 (XLA_FLAGS such as
# --xla_cpu_multi_thread_eigen=false were measured to leave both cores busy).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "PJRT_NPROC",
)
# What `import keras` loads only to support pandas inputs, scikit-learn wrappers, matplotlib image
# galleries and a remote-monitor callback, each behind `try: import … except ImportError`. Together
# they are about half of Keras' import time (`python -X importtime -c "import keras"`).
KERAS_OPTIONAL = ("sklearn", "pandas", "matplotlib", "requests")

settings: dict[str, str] = {}  # what configure() set, for describe()


DEVICES = ("auto", "gpu", "cpu")


def has_gpu():
    """Whether this machine has an NVIDIA GPU with its driver loaded (no CUDA library needed)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def job_device(gpu, device="auto"):
    """Where a job runs: "gpu" or "cpu". A job that declares no GPU runs on the CPU; one that does
    runs on the GPU when ``device`` (config ``gpu.device``) says gpu, or says auto and the machine
    has one. A GPU job never falls back to the CPU unless asked: JAX would, silently, for hours."""
    if device not in DEVICES:
        raise ValueError(f"gpu.device must be one of {DEVICES}, got {device!r}")
    if not gpu or device == "cpu":
        return "cpu"
    return "gpu" if device == "gpu" or has_gpu() else "cpu"


def environment(threads, gpu=0, gpu_percent=100, cache=None, device="auto"):
    """The variables a job's process needs, as a dict of strings.

    ``threads``: cores the job declared; ``gpu``: GPUs it declared; ``gpu_percent``: its share of a
    card (100 // gpu.jobs_per_device); ``cache``: JAX's compilation cache folder, or None for none;
    ``device``: config ``gpu.device`` (``job_device``).
    """
    threads = max(1, int(threads))
    env = {name: str(threads) for name in THREAD_VARIABLES}
    env["TF_NUM_INTEROP_THREADS"] = "1"  # ops one after another, each on `threads` cores: no more in all
    if gpu and device != "cpu":
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"  # JAX would take 75 % of the card at start
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{GPU_HEADROOM * gpu_percent / 100:.2f}"  # and at most this
        env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"  # TensorFlow would take nearly all of it
    else:
        env["CUDA_VISIBLE_DEVICES"] = ""  # neither TensorFlow nor JAX opens a CUDA context
    # cuda: no GPU after all, and JAX stops at start instead of falling back to the CPU for hours;
    # cpu: JAX does not look for one (nor warn that it found none)
    env["JAX_PLATFORMS"] = "cuda" if job_device(gpu, device) == "gpu" else "cpu"
    if cache is not None:
        env["JAX_COMPILATION_CACHE_DIR"] = str(cache)
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"  # ours take 0.1-2 s: keep all of them
        env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "-1"
    return env


def cache_folder(cache_dir, threads, cpu=None):
    """JAX's compilation cache under ``cache_dir``: one subfolder per machine type and versions.

    Compiled CPU code targets the host's instruction set and is tuned for its model; a cache on a
    shared file system must never hand it to a node whose CPU differs (illegal instruction, or other
    numbers). JAX's own key covers the program, the XLA flags and the GPU; the folder adds the CPU,
    the thread count (XLA:CPU may split work by it), the OS, the Python and the jax/jaxlib versions.
    """
    model, flags = cpu or cpu_identity()  # (model name, set of feature flags): this machine's by default
    versions = [f"{dist}={_version(dist)}" for dist in ("jax", "jaxlib")]
    identity = [platform.system(), platform.machine(), model, " ".join(sorted(flags)), platform.python_version()]
    digest = hashlib.sha256("\n".join([*identity, *versions, f"threads={threads}"]).encode()).hexdigest()
    return Path(cache_dir) / f"jax-{digest[:16]}"


def cpu_identity():
    """(model name, set of feature flags) of this machine's CPU, from /proc/cpuinfo where there is one."""
    model, flags = platform.processor() or platform.machine(), set()
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() in ("flags", "Features"):  # x86, arm
                flags = set(value.split())
    return model, flags


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def configure(threads, gpu=0, gpu_percent=100, cache_dir=None, device="auto"):
    """Set this process's environment for a job (see ``environment``); returns what it set.

    Must run before Keras, TensorFlow or JAX is imported. ``cache_dir`` None: no compilation cache.
    """
    cache = None if cache_dir is None else cache_folder(cache_dir, threads)
    env = environment(threads, gpu, gpu_percent, cache, device)
    os.environ.update(env)
    settings.clear()
    settings.update(env)
    skip_optional_keras_imports()
    return env


def check_device():
    """The device the job's Keras backend computes on, as a log line; stops a job that should run
    on a GPU and has none, naming the fix. Call after the backend is imported (it imports it)."""
    want = "gpu" if settings.get("JAX_PLATFORMS") == "cuda" else "cpu"
    backend = os.environ.get("KERAS_BACKEND") or "tensorflow"
    try:
        if backend == "jax":
            import jax

            found = [f"{d.platform}:{d.id} {getattr(d, 'device_kind', '')}".strip() for d in jax.devices()]
        else:
            import tensorflow as tf

            found = [d.name for d in tf.config.list_logical_devices("GPU")] or ["cpu"]
    # JAX_PLATFORMS=cuda where CUDA does not start: jax 0.10 raises RuntimeError or, with no CUDA
    # plugin at all, a bare AssertionError
    except (RuntimeError, AssertionError) as err:
        found, cause = [], f" ({type(err).__name__}: {err})" if str(err) else f" ({type(err).__name__})"
    else:
        cause = ""
    on_gpu = any("cpu" not in d.lower() for d in found)
    if want == "gpu" and not on_gpu:
        raise RuntimeError(
            f"this job declares a GPU and gpu.device says to use one, but {backend} found none{cause}: "
            "check the CUDA install (nvidia-smi; for JAX the jax-cuda plugin), or run it on the CPU "
            "with --config 'gpu={device: cpu}'"
        )
    return f"device: {', '.join(found)} ({backend})"


def describe():
    """One line: every variable configure() set, as the process sees it now (for the job's log)."""
    return " ".join(f"{name}={os.environ.get(name, '<unset>')!s}" for name in settings) or "not configured"


class _SkipWhileKerasImports(importlib.abc.MetaPathFinder):
    """Makes KERAS_OPTIONAL look absent to Keras' own modules while ``keras`` is being imported.

    Keras guards each with ``except ImportError`` and then only lacks the feature. Anything else is
    untouched: TensorFlow's own ``import requests``, a job's pandas, modules imported before Keras.
    """

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] not in KERAS_OPTIONAL:
            return None
        keras = sys.modules.get("keras")
        if not getattr(getattr(keras, "__spec__", None), "_initializing", False):
            return None
        frame = sys._getframe(1)  # the frame of the import statement, past importlib's own
        while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            frame = frame.f_back
        if frame is not None and frame.f_globals.get("__name__", "").startswith("keras."):
            raise ModuleNotFoundError(f"{name}: not loaded for Keras (mnist_dreams.plumbing.runtime)", name=name)
        return None


def skip_optional_keras_imports():
    if not any(isinstance(finder, _SkipWhileKerasImports) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkipWhileKerasImports())


def atomic_jax_cache():
    """Make JAX's persistent cache write each entry whole: a temp file, then a rename.

    jax 0.10 writes an entry in place. A job starting meanwhile reads it truncated (JAX warns and
    compiles again); a job killed while writing leaves it truncated for good, and JAX never replaces
    an existing entry. With a rename, readers see a whole entry or none. A no-op once applied, and
    where the cache has size-bounded eviction on (JAX then writes under a lock).
    """
    from jax._src import lru_cache

    cache = lru_cache.LRUCache
    if getattr(cache.put, "atomic", False):
        return
    in_place = cache.put

    def put(self, key, value):
        path = Path(self.path) / f"{key}{lru_cache._CACHE_SUFFIX}"
        if self.eviction_enabled or not lru_cache._is_local_filesystem(str(self.path)):
            return in_place(self, key, value)
        if path.exists():
            return None
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", dir=path.parent)  # no -cache suffix: never read
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            os.replace(tmp, path)  # several writers of one key: the same bytes, the last rename wins
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        return None

    put.atomic = True
    cache.put = put
