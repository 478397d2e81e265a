"""Per-map jobs run side by side give bit-identical HDF5 datasets to jobs run one after another."""

from datetime import datetime

import h5py
import numpy as np
import pytest

from helpers import snakemake

pytestmark = pytest.mark.e2e

MAPS = ("046", "056")
STEPS = ("precursor", "oip")


def _span(log):
    """(start, end) of a job: its log's first timestamp and the log's last write."""
    first = log.read_text().splitlines()[0]
    return datetime.strptime(first[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp(), log.stat().st_mtime


def _overlap(a, b):
    return a[0] < b[1] and b[0] < a[1]


def _datasets(path):
    names = []
    with h5py.File(path, "r") as f:  # every dataset, in the map's group of the chunk file
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        return {name: f[name][()] for name in names}


def _run(work, cores):
    """Both maps' screening and OIP rerun with ``cores``; (their datasets, each job's span)."""
    targets = [f"results/oip/map_{m}.h5" for m in MAPS]
    snakemake(work, *targets, "--cores", str(cores), "--forcerun", *STEPS, "--configfile", "config/tiny.yaml")
    results = {(step, m): _datasets(work / f"results/{step}/map_{m}.h5") for step in STEPS for m in MAPS}
    spans = {(step, m): _span(work / f"logs/{step}/map_{m}.log") for step in STEPS for m in MAPS}
    return results, spans


def test_parallel_per_map_jobs_match_serial_ones_bit_for_bit(tiny_copy):
    serial, spans = _run(tiny_copy, cores=1)  # one job at a time: the reference
    for step in STEPS:
        assert not _overlap(*(spans[step, m] for m in MAPS)), f"{step}: --cores 1 ran two jobs at once"
    side_by_side, spans = _run(tiny_copy, cores=2)  # per-map jobs declare 1 thread: two at once
    for step in STEPS:
        assert _overlap(*(spans[step, m] for m in MAPS)), f"{step} jobs ran one after another"

    for key, datasets in serial.items():
        other = side_by_side[key]
        assert sorted(datasets) == sorted(other), key
        for name, value in datasets.items():
            assert value.dtype == other[name].dtype and value.shape == other[name].shape, (key, name)
            assert np.asarray(value).tobytes() == np.asarray(other[name]).tobytes(), (key, name)
