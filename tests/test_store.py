import numpy as np
import pytest

from mnist_dreams import store


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
