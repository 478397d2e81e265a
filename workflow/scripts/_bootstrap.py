"""Imported first by every rule script: the package on ``sys.path``, then the job's process settings.

Snakemake puts this folder on ``sys.path``; the package sits one level up. Inserting it first
makes a job use the workflow's own code even where an older copy is installed. Then, before any
script imports Keras, the job's declared threads, GPU and cache folder become the environment that
TensorFlow, JAX, OpenMP and BLAS read when they start (mnist_dreams.plumbing.runtime), and the job's
output goes to its log before any import can print (logs.to_file).
"""

import os
import sys
from pathlib import Path

import __main__

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's banner out of job logs

from mnist_dreams.plumbing import runtime  # noqa: E402 - pure module: imports no Keras

job = getattr(__main__, "snakemake", None)  # Snakemake's preamble makes it a global of the script
if job is not None:
    runtime.configure(
        threads=job.threads,
        gpu=job.resources.get("gpu", 0),
        gpu_percent=job.resources.get("gpu_percent", 100),
        cache_dir=job.config.get("cache_dir"),
        device=job.config.get("gpu", {}).get("device", "auto"),
    )
    if job.log:  # from here on, TensorFlow's start-up lines and any traceback land in the job's log
        from mnist_dreams.plumbing import logs  # noqa: E402

        logs.to_file(job.log[0])
