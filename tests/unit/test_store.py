import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_dreams.plumbing import store
from mnist_dreams.subject import models


def test_attrs_and_datasets_round_trip_with_provenance(tmp_path):
    path = tmp_path / "x.h5"
    store.write_h5(path, {"loss": np.arange(5.0)}, attrs={"params": {"epochs": 3, "maps": [1, 2]}, "seed": 7})
    data, attrs = store.read_h5(path, required=["loss"])
    np.testing.assert_array_equal(data["loss"], np.arange(5.0))
    assert attrs["params"] == {"epochs": 3, "maps": [1, 2]} and attrs["seed"] == 7
    assert attrs["versions"]["numpy"] == np.__version__ and "keras_backend" in attrs["versions"]


def test_failed_write_leaves_old_file_and_no_temporaries(tmp_path):
    path = tmp_path / "x.h5"
    store.write_h5(path, {"a": np.ones(3)})
    with pytest.raises(TypeError):
        store.write_h5(path, {"a": np.ones(3), "b": object()})
    data, _ = store.read_h5(path)
    assert set(data) == {"a"}
    assert [p.name for p in tmp_path.iterdir()] == ["x.h5"]


def test_reader_names_file_and_missing_keys(tmp_path):
    path = tmp_path / "x.h5"
    with pytest.raises(store.StoreError, match="x.h5: file not found"):
        store.read_h5(path)
    store.write_h5(path, {"a": np.ones(3)})
    with pytest.raises(store.StoreError, match="x.h5: missing final_loss, attribute 'seed'"):
        store.read_h5(path, required=["a", "final_loss"], attrs_required=["seed"])


def test_a_chunk_file_holds_each_map_in_its_group_read_back_by_h5py_alone(tmp_path):
    import h5py

    path = tmp_path / "map_046-056.h5"
    maps = {56: ({"loss": np.arange(3.0)}, {"found": True}), 46: ({"loss": -np.ones(2)}, {"found": False})}
    store.write_maps(path, maps, attrs={"precision": "float32"})
    with h5py.File(path) as f:  # the layout a notebook reads, without the package
        assert json.loads(f.attrs["maps"]) == [56, 46]
        np.testing.assert_array_equal(f["map_046/loss"][()], -np.ones(2))
        assert int(f["map_056"].attrs["map"]) == 56 and f.attrs["precision"] == "float32"
    read = store.read_maps(path, required=["loss"], attrs_required=["found", "precision"])
    assert list(read) == [56, 46]  # the order written
    assert not read[46][1]["found"] and read[56][1]["found"]
    assert read[56][1]["precision"] == "float32" and read[56][1]["map"] == 56 and "versions" in read[56][1]
    with pytest.raises(store.StoreError, match="missing map_056/final_loss"):
        store.read_maps(path, required=["final_loss"])
    with pytest.raises(store.StoreError, match="a chunk file of maps .56, 46.: read it with read_maps"):
        store.read_h5(path)
    store.write_maps(tmp_path / "none.h5", {})  # a two-stage screening of a chunk with no map missed
    assert store.read_maps(tmp_path / "none.h5") == {}
    with pytest.raises(store.StoreError, match="not a chunk file"):
        store.read_maps(store.write_h5(tmp_path / "flat.h5", {"a": np.ones(2)}))


def test_truncated_or_foreign_file_names_file_and_rebuild(tmp_path):
    path = tmp_path / "x.h5"
    store.write_h5(path, {"a": np.arange(1000.0)})
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(store.StoreError, match=r"x.h5: not a readable HDF5 file, truncated or foreign \(.*truncated"):
        store.read_h5(path)
    path.write_text("not HDF5")
    with pytest.raises(store.StoreError, match=r"rebuild it with `snakemake .*x.h5 --force`"):
        store.read_h5(path)
    with pytest.raises(store.StoreError, match=r"x.keras: not a readable Keras model, no complete zip archive"):
        models.load_model(path.rename(tmp_path / "x.keras"))


KILLED_WRITER = """
import os, signal, sys
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models
with store.atomic_path(sys.argv[1], suffix=".h5") as tmp:
    tmp.write_bytes(b"half an HDF5")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_next_write_removes_temp_files_of_killed_writers_only(tmp_path):
    path = tmp_path / "x.h5"
    workflow = Path(store.__file__).parents[2]  # workflow/ (mnist_dreams/plumbing/store.py)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], env={"PYTHONPATH": str(workflow)})
    assert killed.returncode == -signal.SIGKILL
    [left] = tmp_path.glob(".x.h5.*")  # a SIGKILLed writer cannot clean up
    live = tmp_path / f".x.h5.{os.getpid()}.abcdefgh.h5"  # a writer that still runs
    live.write_bytes(b"")
    store.write_h5(path, {"a": np.ones(3)})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "x.h5"])


def test_large_float_datasets_are_shuffled_and_gzipped_losslessly(tmp_path):
    import h5py

    # a smooth 560x560 float32 field with noise in its low bits, as a blurry dream is
    yy, xx = np.mgrid[0:560, 0:560] / 560.0
    rng = np.random.default_rng(0)
    dream = (np.sin(9 * xx) * np.cos(7 * yy) * 300 + rng.normal(0, 1, (560, 560))).astype(np.float32)
    small = np.arange(10.0)
    store.write_maps(tmp_path / "map_000.h5", {0: ({"blurry": dream, "losses": small}, {})})
    with h5py.File(tmp_path / "map_000.h5") as f:
        stored = f["map_000/blurry"]
        assert stored.compression == "gzip" and stored.shuffle
        assert f["map_000/losses"].compression is None  # under 64 KiB: not worth a filter
        np.testing.assert_array_equal(stored[()], dream)  # bit for bit
        shuffled, chunks = stored.id.get_storage_size(), stored.chunks
    with h5py.File(tmp_path / "plain.h5", "w") as f:  # the filter this replaced, same chunking
        plain = f.create_dataset("x", data=dream, compression="gzip", chunks=chunks).id.get_storage_size()
    assert shuffled < 0.95 * plain, (shuffled, plain)
