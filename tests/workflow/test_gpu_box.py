"""The GPU box's situation rehearsed on a CPU (issue 16): a base Python that is itself a venv and
holds JAX and the box's preinstalled packages but no TensorFlow, Keras or Snakemake; the wheels the
box lacks filled where the network is; `make install-gpu WHEELS=…` and `make bench-gpu` on two maps
with the network unreachable (``unshare -n``); outputs checked. Only the JAX is a CPU build."""

import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT, workflow_copy

pytestmark = pytest.mark.e2e

# what the rehearsal's "box" gets preinstalled: the lock's versions (pip's cache has them) of the
# box's packages that the workflow needs (envs/gpu-box.txt), JAX among them; no TensorFlow
sys.path.insert(0, str(ROOT / "envs"))
import gpu_box  # noqa: E402

LOCK = gpu_box.pins(ROOT / "envs/requirements.lock")
BOX = sorted(f"{name}=={version}" for name, version in LOCK.items() if gpu_box.normal(name) in gpu_box.box_has())
SMALL = """# two maps on a CPU in about a minute: a small CNN, 512 grids, short OIP and dream
cnn: {epochs: 1, train_subset: 2000}
precursor: {values: [0.2, 0.8], top_k: 4, mode: exhaustive}
oip: {epochs: 60}
dream: {size: 112, epochs: 20}
"""


def _offline_ok():
    return shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0


def _run(cmd, cwd, offline=False, env=None, timeout=1200):
    cmd = ["unshare", "-n", *cmd] if offline else cmd
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A venv ("/opt/torch/.venv") made from this Python, with JAX and the box's packages."""
    if not _offline_ok():
        pytest.skip("unshare -n is not allowed here (needs root or user namespaces)")
    root = tmp_path_factory.mktemp("box")
    base = root / "opt-venv"
    _run([sys.executable, "-m", "venv", str(base)], root)
    _run([str(base / "bin/python"), "-m", "pip", "install", "--quiet", *BOX], root)
    return base


def test_gpu_box_install_and_bench_work_offline(box, mnist_h5, tmp_path):
    import h5py
    import numpy as np

    work = workflow_copy(tmp_path / "checkout")
    shutil.copy(ROOT / "Makefile", work)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    # where the network is: the wheels the box lacks, and MNIST as a file
    filled = _run([sys.executable, "envs/gpu_box.py", "fill", "wheels", "--python-version", version], work)
    assert list((work / "wheels").glob("connection_pool-0.0.3-*.whl")), "the sdist-only pin was not built"
    assert "MiB" in filled.stdout and float(filled.stdout.split()[-2]) < 64, filled.stdout  # fits a device call
    with h5py.File(mnist_h5) as f:
        np.savez(work / "mnist.npz", **{k: f[k][()] for k in f})
    # on the box: no network from here on
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["KERAS_BACKEND"] = "jax"  # the box has no TensorFlow
    _run(["make", "install-gpu", f"PYTHON={box}/bin/python", "WHEELS=wheels"], work, offline=True, env=env)
    venv = work / ".venv/bin/python"
    probe = "import jax, keras, snakemake, h5py, importlib.util as u; print(jax.__version__, u.find_spec('tensorflow'))"
    seen = _run([str(venv), "-c", probe], work, offline=True, env=env).stdout.split()
    assert seen == [LOCK["jax"], "None"]  # the box's JAX seen through the venv, TensorFlow nowhere
    (work / "small.yaml").write_text(SMALL)
    bench = "--maps 46,56 --cores 2 --maps-per-job 2 --configfile small.yaml"
    out = _run(["make", "bench-gpu", f"BENCH={bench}"], work, offline=True, env=env)
    run = work / "bench-run"
    for step in ("precursor", "oip", "dreams"):
        assert (run / f"results/{step}/map_046-056.h5").stat().st_size > 0, step
    log = (run / "logs/oip/map_046-056.log").read_text()
    assert "device: cpu:0" in log and "(jax)" in log  # the job says where it computed
    assert "wall time" in out.stdout and "jobs at once" in out.stdout, out.stdout[-2000:]  # the table printed
