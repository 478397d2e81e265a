import gzip
import io
import os
import pickle

import numpy as np
import pytest

from mnist_dreams.plumbing import store
from mnist_dreams.subject import data


def test_pypi_source_gives_the_original_mnist(mnist, mnist_h5):
    assert mnist["x_train"].shape == (60000, 28, 28) and mnist["x_train"].dtype == np.uint8
    assert mnist["x_test"].shape == (10000, 28, 28)
    assert tuple(np.bincount(mnist["y_train"])) == data.TRAIN_COUNTS
    assert tuple(np.bincount(mnist["y_test"])) == data.TEST_COUNTS
    assert mnist["x_train"].mean() == pytest.approx(33.3184, abs=1e-4)
    assert mnist["x_train"].std() == pytest.approx(78.5675, abs=1e-4)
    _, attrs = store.read_h5(mnist_h5)
    assert attrs["source"] == "pypi" and attrs["sha256"] == data.PYPI_MEMBER_SHA256


def test_restricted_unpickler_refuses_anything_but_arrays():
    evil = gzip.compress(pickle.dumps(os.system, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        data.arrays_from_pickle(evil)


def _write_idx(path, array, gz):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    blob = header + np.ascontiguousarray(array, np.uint8).tobytes()
    path.write_bytes(gzip.compress(blob, compresslevel=1) if gz else blob)  # level 9: 20 s for MNIST


@pytest.mark.parametrize("gz", [True, False])
def test_path_source_reads_idx_files(mnist, tmp_path, gz):
    for key, stem in data.IDX_NAMES.items():
        _write_idx(tmp_path / (stem + (".gz" if gz else "")), mnist[key], gz)
    arrays, origin = data.load("path", path=str(tmp_path))
    assert origin["source"] == "path"
    for key in data.IDX_NAMES:
        np.testing.assert_array_equal(arrays[key], mnist[key])


def test_path_source_reads_npz_and_names_a_missing_folder(mnist, tmp_path):
    npz = tmp_path / "mnist.npz"
    np.savez(npz, **mnist)
    arrays, _ = data.load("path", path=str(npz))
    np.testing.assert_array_equal(arrays["x_test"], mnist["x_test"])
    with pytest.raises(data.DataError, match=r"nowhere: no such file.*data.source='path'.*pypi, url"):
        data.load("path", path=str(tmp_path / "nowhere"))


def test_truncated_idx_is_a_clear_error(mnist, tmp_path):
    for key, stem in data.IDX_NAMES.items():
        _write_idx(tmp_path / stem, mnist[key], gz=False)
    blob = (tmp_path / data.IDX_NAMES["x_test"]).read_bytes()
    (tmp_path / data.IDX_NAMES["x_test"]).write_bytes(blob[:-100])
    with pytest.raises(data.DataError, match="t10k-images-idx3-ubyte: header says"):
        data.load("path", path=str(tmp_path))


def test_url_source_checks_sha256(mnist, tmp_path):
    buf = io.BytesIO()
    np.savez(buf, **mnist)
    npz = tmp_path / "mnist.npz"
    npz.write_bytes(buf.getvalue())
    url = npz.as_uri()
    arrays, origin = data.load("url", url=url, url_sha256=data.sha256(buf.getvalue()))
    np.testing.assert_array_equal(arrays["y_train"], mnist["y_train"])
    assert origin["origin"] == url
    with pytest.raises(data.DataError, match="does not match the pinned 731c5ac6.*other sources: pypi, path"):
        data.load("url", url=url)  # default hash is the canonical Keras file's


def test_url_download_failure_names_url_and_alternatives(tmp_path):
    with pytest.raises(data.DataError, match=r"download of .*missing.npz failed.*pypi, path"):
        data.load("url", url=(tmp_path / "missing.npz").as_uri())


def test_wrong_label_counts_are_rejected(mnist):
    y = mnist["y_train"].copy()
    y[:10] = 0
    with pytest.raises(data.DataError, match="y_train label counts"):
        data.validate(mnist["x_train"], y, mnist["x_test"], mnist["y_test"], source="path")
    with pytest.raises(data.DataError, match=r"x_test shape \(9999, 28, 28\)"):
        data.validate(mnist["x_train"], mnist["y_train"], mnist["x_test"][1:], mnist["y_test"])
