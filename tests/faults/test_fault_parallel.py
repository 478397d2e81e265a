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
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f}


def test_parallel_per_map_jobs_match_serial_ones_bit_for_bit(tiny_run, tiny_copy):
    # The tiny run is the serial reference: each precursor and OIP job there asks for 2 threads of
    # --cores 2, so no two of them ran at once. Here each asks for 1: both maps' jobs run together.
    logs = {(step, m): f"logs/{step}/map_{m}.log" for step in STEPS for m in MAPS}
    assert not _overlap(*(_span(tiny_run / logs["precursor", m]) for m in MAPS))
    targets = [f"results/oip/map_{m}.h5" for m in MAPS]
    parallel = ("--cores", "2", "--set-threads", "precursor=1", "oip=1", "--forcerun", *STEPS)
    snakemake(tiny_copy, *targets, *parallel, "--configfile", "config/tiny.yaml")
    for step in STEPS:
        assert _overlap(*(_span(tiny_copy / logs[step, m]) for m in MAPS)), f"{step} jobs ran one after another"

    for step in STEPS:
        for m in MAPS:
            path = f"results/{step}/map_{m}.h5"
            serial, side_by_side = _datasets(tiny_run / path), _datasets(tiny_copy / path)
            assert sorted(serial) == sorted(side_by_side), path
            for name, value in serial.items():
                other = side_by_side[name]
                assert value.dtype == other.dtype and value.shape == other.shape, (path, name)
                assert np.asarray(value).tobytes() == np.asarray(other).tobytes(), (path, name)
