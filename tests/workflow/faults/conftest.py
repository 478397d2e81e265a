"""Fault tests work on copies of the session's finished tiny run, so that each may break its own."""

import shutil

import pytest


@pytest.fixture
def tiny_copy(tiny_run, tmp_path):
    """A copy of the finished tiny run: results, logs and Snakemake's metadata, mtimes kept."""
    return shutil.copytree(tiny_run, tmp_path / "run", symlinks=True)
