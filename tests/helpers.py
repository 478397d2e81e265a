"""Running the real snakemake on a copy of the workflow in a temp dir."""

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
COPY = ("Snakefile", "workflow", "config", "envs", "profiles")


def workflow_copy(dest, source=None):
    """A runnable copy of the workflow (code, configs, envs) without results or caches; ``source``:
    another checkout to copy from (default: this one)."""
    dest, source = Path(dest), Path(source or ROOT)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    return dest


def snakemake(workdir, *args, check=True, timeout=1500, max_file_bytes=None):
    """Run the real snakemake in ``workdir``; ``max_file_bytes`` caps every file it and its jobs write."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    limit = None
    if max_file_bytes is not None:
        limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))  # noqa: E731
    proc = subprocess.run(
        [*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=limit
    )
    if check and proc.returncode != 0:
        logs = "\n".join(p.read_text()[-2000:] for p in Path(workdir, "logs").rglob("*.log"))
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-4000:]}\n{logs}")
    return proc


def planned_rules(workdir, *args):
    """Names of the rules a dry run would execute (rule 'all' excluded)."""
    out = snakemake(workdir, "-n", *args).stdout
    return sorted({line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("rule ")} - {"all"})


def planned_resources(workdir, *args):
    """[(rule, {resource: value})] of every job of a dry run, members of group jobs included."""
    jobs, rule = [], None
    for line in snakemake(workdir, "-n", *args).stdout.splitlines():
        line = line.strip()  # group members are indented
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("resources:") and rule not in (None, "all"):
            pairs = (item.split("=", 1) for item in line.split(":", 1)[1].split(", "))
            jobs.append((rule, {k.strip(): v.strip() for k, v in pairs}))
            rule = None
    return jobs


def job_stats(output):
    """{rule: job count} of the first "Job stats" table in ``output`` (dry and real runs; 'all' left out)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats"))
    jobs = {}
    for line in lines[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    jobs.pop("all", None)
    return jobs


def planned_jobs(workdir, *args):
    """{rule: job count} of a dry run."""
    return job_stats(snakemake(workdir, "-n", *args).stdout)


def conv3_by_numpy(model, x, chunk=500, layer="conv3"):
    """The seed CNN's activations at ``layer`` (conv1/pool1/conv2/pool2/conv3; conv3: (N, 3, 3, 128))
    computed by NumPy from the model's weights.

    An independent path to Keras' forward pass (im2col from 9 shifted slices + NumPy matmul),
    for checking stored activations and "fires" flags without restating the code under test.
    """
    import numpy as np

    out = []
    for lo in range(0, len(x), chunk):
        a = np.asarray(x[lo : lo + chunk], np.float32)
        for name in ("conv1", "conv2", "conv3"):
            kernel, bias = model.get_layer(name).get_weights()
            n, h, w, c = a.shape[0], a.shape[1] - 2, a.shape[2] - 2, a.shape[3]
            columns = np.concatenate([a[:, i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=-1)
            weights = kernel.reshape(9 * c, -1)  # rows in (i, j, c) order, as the columns
            a = np.maximum(columns.reshape(n * h * w, 9 * c) @ weights + bias, 0.0).reshape(n, h, w, -1)
            if name == layer:
                break
            n, h, w, c = a.shape  # 2×2 max pooling, odd edge dropped as Keras' "valid" pooling does
            a = a[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
            if name.replace("conv", "pool") == layer:
                break
        out.append(a)
    return np.concatenate(out)


def most_active_map(model, x):
    """The conv3 map with the highest map loss (mean post-ReLU activation) on any image of ``x``,
    by NumPy (one pass for all 128 maps, not a Keras call per map)."""
    import numpy as np

    return int(np.argmax(conv3_by_numpy(model, x).mean(axis=(1, 2)).max(axis=0)))
