"""Running the real snakemake on a copy of the workflow in a temp dir."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
COPY = ("Snakefile", "workflow", "config", "envs", "profiles")


def workflow_copy(dest):
    """A runnable copy of the workflow (code, configs, envs) without results or caches."""
    dest = Path(dest)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    return dest


def snakemake(workdir, *args, check=True, timeout=1500):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        logs = "\n".join(p.read_text()[-2000:] for p in Path(workdir, "logs").rglob("*.log"))
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-4000:]}\n{logs}")
    return proc


def planned_rules(workdir, *args):
    """Names of the rules a dry run would execute (rule 'all' excluded)."""
    out = snakemake(workdir, "-n", *args).stdout
    return sorted({line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("rule ")} - {"all"})


def planned_jobs(workdir, *args):
    """{rule: job count} of a dry run, from Snakemake's "Job stats" table (rule 'all' excluded)."""
    out = snakemake(workdir, "-n", *args).stdout.splitlines()
    start = next(i for i, line in enumerate(out) if line.startswith("Job stats"))
    jobs = {}
    for line in out[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    jobs.pop("all", None)
    return jobs
