"""Project gates: snakemake --lint, snakefmt, ruff, and the conda env mirroring the pip lock."""

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import ROOT, SNAKEMAKE, planned_jobs, workflow_copy


def run(cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_snakemake_lint_is_clean():
    proc = run([*SNAKEMAKE, "--lint"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakefmt_check_is_clean():
    exe = shutil.which("snakefmt", path=str(ROOT / ".venv/bin")) or shutil.which("snakefmt")
    if exe is None:
        pytest.fail("snakefmt is not installed (it is in envs/requirements.lock)")
    proc = run([exe, "--check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_is_clean():
    proc = run([sys.executable, "-m", "ruff", "check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _pins(lines):
    return dict(re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)$", s.strip()).groups() for s in lines)


def test_conda_env_pins_match_the_pip_lock():
    lock = _pins(s for s in (ROOT / "envs/requirements.lock").read_text().splitlines() if s and s[0] != "#")
    env = yaml.safe_load((ROOT / "envs/mnist-dreams.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = _pins(pip)
    lower = {k.lower(): v for k, v in lock.items()}
    assert {k: v for k, v in conda_pins.items() if lower.get(k.lower()) != v} == {}
    assert {"tensorflow", "keras", "jax", "snakemake"} <= {k.lower() for k in lock}


@pytest.mark.parametrize("profile", ["gpu", "slurm"])
def test_execution_profiles_plan_the_workflow(profile, tmp_path):
    work = workflow_copy(tmp_path)  # a fresh copy: there is always a whole DAG to plan
    jobs = planned_jobs(work, "--profile", f"profiles/{profile}")
    assert jobs["precursor"] == jobs["oip"] == jobs["dream"] >= 1 and jobs["cnn"] == 1
