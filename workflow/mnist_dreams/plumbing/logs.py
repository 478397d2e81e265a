"""Send a job's logging, print output and native library chatter to its Snakemake log file."""

import logging
import os
import sys

from . import runtime


def to_file(path):
    """Route Python logging, stdout and stderr (including TF's C++ output) to ``path``."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    stream = open(path, "w", buffering=1)  # noqa: SIM115 - lives as long as the job; a rerun replaces the log
    sys.stdout.flush()
    sys.stderr.flush()
    # dup2 so that output written by C/C++ code (TensorFlow, XLA) lands in the log as well.
    os.dup2(stream.fileno(), 1)
    os.dup2(stream.fileno(), 2)
    sys.stdout = sys.stderr = stream
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=stream,
        force=True,
    )
    log = logging.getLogger("mnist_dreams")
    log.info("job started (pid %d)", os.getpid())  # the pid lets a user (or a test) signal the job
    if runtime.settings:  # set by the scripts' bootstrap before the log existed
        log.info("runtime: %s", runtime.describe())
    return log
