"""Send a job's logging, print output and native library chatter to its Snakemake log file."""

import logging
import os
import sys

from . import runtime

_routed_to = None  # the log this process writes to; a second call for it changes nothing


def to_file(path):
    """Route Python logging, stdout and stderr (including TF's C++ output) to ``path``.

    The scripts' bootstrap calls it before any import of Keras (TensorFlow 2.21 writes its absl
    start-up lines to the console whatever TF_CPP_MIN_LOG_LEVEL says: two per job, ~150 lines in a
    paper run); the script's own call then returns the same logger."""
    global _routed_to
    if _routed_to == os.path.abspath(path):
        return logging.getLogger("mnist_dreams")
    _routed_to = os.path.abspath(path)
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
