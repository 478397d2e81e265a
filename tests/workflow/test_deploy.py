"""The workflow as Snakemake users take it (issue 40): a `module` of a local folder runs the tiny
preset end to end in the user's own folder with the project's own results; a remote module (a local
HTTP server standing in for GitHub) and a snakedeploy deployment (offline: git's insteadOf maps the
GitHub URL to a local tagged repository) plan the project's own jobs; the plan needs nothing beyond
Snakemake for the presets, and says what it needs where a setting asks for more."""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import reruns
from helpers import ROOT, planned_jobs, snakemake, workflow_copy

pytestmark = pytest.mark.e2e

MODULE = """configfile: "config/config.yaml"


module mnist_dreams:
    snakefile:
        {snakefile}
    config:
        config


use rule * from mnist_dreams
"""
# The packages a bare `snakemake` environment lacks, which the project's own venv has: the plan of
# every preset must not need them (the job environments do). Snakemake's SLURM plugin, installed
# here for tests/workflow/test_slurm.py, imports numpy and pandas itself: its imports pass.
BLOCKER = """import os, sys, traceback
BLOCKED = set(os.environ["MNIST_DREAMS_BLOCK"].split())
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED and not any(
            "snakemake_executor_plugin" in f.filename for f in traceback.extract_stack()
        ):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
"""
HEAVY = "numpy PIL h5py pandas scipy sklearn matplotlib keras tensorflow jax"


def user_folder(path, snakefile, source):
    """A user's folder as snakedeploy leaves it: a Snakefile with the module, the workflow's config/
    and profiles/ copied beside it."""
    path.mkdir(parents=True)
    (path / "Snakefile").write_text(MODULE.format(snakefile=snakefile))
    for name in ("config", "profiles"):
        shutil.copytree(source / name, path / name)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The workflow's files, in a folder of their own (no results)."""
    return workflow_copy(tmp_path_factory.mktemp("source") / "mnist-dreams")


@pytest.fixture(scope="module")
def http_source(source):
    """``source`` served over HTTP, as github(...) serves a module's files."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(source))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_local_module_runs_the_tiny_preset_with_the_projects_own_results(tiny_run, source, tmp_path):
    import pandas as pd

    user = user_folder(tmp_path / "user", f'"{source}/workflow/Snakefile"', source)
    # the summary names the preset from the workflow's own presets, not from the user's config/
    for preset in ("tiny.yaml", "paper.yaml"):
        (user / "config" / preset).unlink()
    tiny = str(source / "config/tiny.yaml")
    snakemake(user, "--cores", "2", "--configfile", tiny)
    assert not (source / "results").exists()  # everything in the user's folder, nothing beside the workflow
    files, diffs = reruns.compare(tiny_run, user)
    assert files >= 15 and diffs == []  # every HDF5 dataset of the 19, bit for bit
    made = {p.relative_to(user) for p in (user / "results").rglob("*") if p.is_file()}
    own = {p.relative_to(tiny_run) for p in (tiny_run / "results").rglob("*") if p.is_file()}
    assert made == own
    assert set(pd.read_csv(user / "results/summary.tsv", sep="\t")["preset"].dropna()) == {"tiny"}
    assert "Nothing to be done" in snakemake(user, "-n", "--configfile", tiny).stdout


def test_a_remote_module_plans_the_projects_own_jobs_and_its_scripts_run(tiny_run, source, http_source, tmp_path):
    user = user_folder(tmp_path / "user", f'"{http_source}/workflow/Snakefile"', source)
    own = planned_jobs(workflow_copy(tmp_path / "own"), "--configfile", "config/tiny.yaml")
    assert planned_jobs(user, "--configfile", "config/tiny.yaml") == own
    # a real job of the remote module: its script imports the bootstrap fetched beside it and the
    # installed package, and trains the project's own CNN
    (user / "resources").mkdir()
    shutil.copy(tiny_run / "resources/mnist.h5", user / "resources/mnist.h5")
    snakemake(user, "results/cnn/training.h5", "--cores", "2", "--configfile", "config/tiny.yaml")
    a, b = (reruns._datasets(w / "results/cnn/training.h5") for w in (tiny_run, user))
    assert a.keys() == b.keys() and all(reruns._equal(a[k], b[k]) for k in a)


def test_snakedeploy_deploys_a_tagged_release_that_plans_the_projects_own_jobs(source, tmp_path):
    repo = tmp_path / "github/mnist-dreams"
    shutil.copytree(source, repo)
    shutil.copy(ROOT / "LICENSE", repo / "LICENSE")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"], ["tag", "v0.2.0"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True)
    # offline: git (snakedeploy's clone and Snakemake's github() fetch) reads GitHub from the folder
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "file://{tmp_path}/github/"]\n\tinsteadOf = https://github.com/someone/\n')
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(gitconfig), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    dest = tmp_path / "deployed"
    deploy = [
        str(Path(sys.executable).parent / "snakedeploy"),
        "deploy-workflow",
        "https://github.com/someone/mnist-dreams",
    ]
    subprocess.run([*deploy, str(dest), "--tag", "v0.2.0"], check=True, env=env, capture_output=True)
    assert (
        'github("someone/mnist-dreams", path="workflow/Snakefile", tag="v0.2.0")'
        in (dest / "workflow/Snakefile").read_text()
    )
    assert (dest / "LICENSE").read_text().startswith("MIT License") and (dest / "config/tiny.yaml").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/tiny.yaml"],
        cwd=dest, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    from helpers import job_stats

    assert job_stats(proc.stdout) == planned_jobs(source, "--configfile", "config/tiny.yaml")


def blocked(work, *args, block=HEAVY):
    """snakemake -n in ``work`` by a Python that cannot import ``block`` (a bare snakemake env)."""
    (work / ".blocker").mkdir(exist_ok=True)
    (work / ".blocker/sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHONPATH": str(work / ".blocker"), "MNIST_DREAMS_BLOCK": block}
    cmd = [sys.executable, "-m", "snakemake", "-n", *args]
    return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("preset", ["config.yaml", "tiny.yaml", "paper.yaml"])
def test_every_preset_plans_with_snakemake_alone(source, preset):
    proc = blocked(source, "--configfile", f"config/{preset}")
    assert proc.returncode == 0 and "Job stats" in proc.stdout, proc.stderr[-3000:]


@pytest.mark.parametrize(
    "config, message",
    [
        ("dream={image: photo.png}", "dream.image: photo.png (a photo of yours, checked before any job) needs pillow"),
        ("model={path: user.keras, layer: c}", "model.path: user.keras (loaded for its layers) needs keras tensorflow"),
    ],
)
def test_a_setting_that_needs_a_package_names_it_and_the_install(source, config, message):
    for name in ("photo.png", "user.keras"):
        (source / name).write_bytes(b"x")
    proc = blocked(source, "--configfile", "config/tiny.yaml", "--config", config)
    said = proc.stdout + proc.stderr  # Snakemake prints a WorkflowError on stdout
    assert proc.returncode != 0 and message in said and "pip install" in said, said[-2000:]


def test_a_package_of_another_version_is_refused_with_both_versions(tmp_path):
    work = workflow_copy(tmp_path / "wf")
    init = work / "workflow/mnist_dreams/__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0.2.0"', '__version__ = "0.1.9"'))
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    assert "the workflow is 0.2.0, the package it imports is 0.1.9" in proc.stdout + proc.stderr


def test_a_module_missing_its_preset_file_stops_before_any_job_naming_it(source, tmp_path):
    user = user_folder(tmp_path / "user", f'"{source}/workflow/Snakefile"', source)
    proc = snakemake(user, "-n", "--configfile", "config/nope.yaml", check=False)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "config/nope.yaml" in said and not (user / "results").exists()


def test_the_catalog_finds_a_standardized_workflow():
    """The snakemake-workflow-catalog's criteria for a listed, standardized-usage workflow."""
    import tomllib

    import yaml

    from mnist_dreams import __version__

    readme = (ROOT / "README.md").read_text().lower()
    assert "snakemake" in readme and "workflow" in readme
    assert (ROOT / "workflow/Snakefile").is_file() and list((ROOT / "workflow/rules").glob("*.smk"))
    assert (ROOT / "config/README.md").is_file() and (ROOT / "config/config.yaml").is_file()
    usage = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert set(usage["mandatory-flags"]) == {"desc", "flags"} and usage["software-stack-deployment"]["conda"] is True
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["dynamic"] == ["version"]
    package_smk = (ROOT / "workflow/rules/package.smk").read_text()
    assert f'WORKFLOW_VERSION = "{__version__}"' in package_smk
    assert f"## v{__version__} " in (ROOT / "CHANGELOG.md").read_text()
