"""A damaged file in results/ (truncated, or another step's) fails its reader naming the file and the fix."""

import shutil

import pytest

from helpers import job_stats, snakemake
from mnist_dreams.plumbing import store

pytestmark = pytest.mark.e2e

BASE = ("--configfile", "config/tiny.yaml")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _failed_job_says(work, args, log):
    """Run ``args``, expect it to fail, return the failed job's log; Snakemake's message points to it."""
    proc = snakemake(work, *args, "--cores", "1", *BASE, check=False)
    assert proc.returncode != 0
    assert f"log: {log} (check log file(s) for error details)" in proc.stderr
    return (work / log).read_text()


def test_truncated_hdf5_names_file_and_the_rebuild_that_works(tiny_copy):
    work = tiny_copy
    _truncate(work / "results/mlp/reference.h5")
    said = _failed_job_says(work, ["results/mlp/comparison.tsv"], "logs/mlp/comparison.log")
    assert "StoreError: results/mlp/reference.h5: not a readable HDF5 file, truncated or foreign" in said
    rebuild = "snakemake results/mlp/reference.h5 --force"
    assert f"rebuild it with `{rebuild}` and your usual options (--cores, --configfile last)" in said
    # the command the message gives reruns that one job, nothing upstream, and makes the file readable
    rebuilt = snakemake(work, *rebuild.split()[1:], "--cores", "1", *BASE)
    assert job_stats(rebuilt.stderr) == {"mlp_reference": 1}
    store.read_h5(work / "results/mlp/reference.h5", required=["test_accuracy", "train_accuracy", "train_cost"])


def test_foreign_hdf5_names_file_missing_keys_and_the_rebuild(tiny_copy):
    work = tiny_copy
    shutil.copy(work / "results/clusters/k_008.h5", work / "results/mlp/reference.h5")  # a valid HDF5 of another step
    said = _failed_job_says(work, ["results/mlp/comparison.tsv"], "logs/mlp/comparison.log")
    assert "StoreError: results/mlp/reference.h5: missing test_accuracy, train_accuracy, train_cost, wall_time" in said
    assert "rebuild it with `snakemake results/mlp/reference.h5 --force`" in said


def test_truncated_model_names_file_and_the_rebuild(tiny_copy):
    work = tiny_copy
    _truncate(work / "results/cnn/model.keras")
    said = _failed_job_says(work, ["results/precursor/map_046.h5"], "logs/precursor/map_046.log")
    assert "StoreError: results/cnn/model.keras: not a readable Keras model, no complete zip archive" in said
    assert "rebuild it with `snakemake results/cnn/model.keras --force`" in said
