"""Make ``workflow/mnist_dreams`` importable from rule scripts without installing the package.

Snakemake puts this folder on ``sys.path``; the package sits one level up. Inserting it first
makes a job use the workflow's own code even where an older copy is installed.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's banner out of job logs
