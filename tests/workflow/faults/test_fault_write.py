"""A compute job whose output write fails (file size limit: EFBIG) fails cleanly, leaving nothing partial."""

import pytest

from helpers import job_stats, snakemake

pytestmark = pytest.mark.e2e

ARGS = ("results/dreams/map_046.h5", "--cores", "1", "--forcerun", "dream", "--configfile", "config/tiny.yaml")


def test_failed_write_of_a_dream_fails_cleanly_and_leaves_nothing(tiny_copy):
    """The dream job dies writing its ~84 KB HDF5 under a 40 KB file-size limit (ulimit -f)."""
    work, out = tiny_copy, tiny_copy / "results/dreams"
    proc = snakemake(work, *ARGS, check=False, max_file_bytes=40_000)  # logs, metadata, scripts stay far below
    assert proc.returncode != 0 and job_stats(proc.stderr) == {"dream": 1}
    assert "Error in rule dream" in proc.stderr and "log: logs/dreams/map_046.log" in proc.stderr
    log = (work / "logs/dreams/map_046.log").read_text()
    said = "StoreError: results/dreams/map_046.h5: writing failed ("
    assert said in log and "File too large" in log and "nothing written" in log
    assert not (out / "map_046.h5").exists()  # Snakemake removed the old one before the job ran
    assert not list(out.glob(".map_046.h5.*"))  # the temp file went too
