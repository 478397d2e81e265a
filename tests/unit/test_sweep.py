"""KMeans sweep and cluster-distance features on small real subsets of MNIST."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import silhouette_score

from mnist_dreams.clusters import features, sweep

SETTINGS = dict(n_init=2, max_iter=20, batch_size=500)


@pytest.fixture(scope="module")
def fitted(mnist):
    """K = 12 on 2000 seeded images of train ++ test."""
    datasets, attrs = sweep.run_k(mnist, 12, fit_on="train+test", subsample=2000, seed=5, **SETTINGS)
    return datasets, attrs, sweep.pixels(mnist, datasets["fit_index"])


def test_fit_on_train_never_touches_test_images(mnist):
    x, index = sweep.fit_images(mnist, "train", subsample=0)
    assert len(x) == len(mnist["x_train"]) and index.max() < len(mnist["x_train"])
    _, both = sweep.fit_images(mnist, "train+test", subsample=5000, seed=1)
    assert len(np.unique(both)) == 5000 and both.max() >= len(mnist["x_train"])  # test images drawn too
    with pytest.raises(ValueError, match="fit_on"):
        sweep.fit_images(mnist, "test")


def test_pixels_are_the_images_scaled_to_unit_range(mnist):
    n = len(mnist["x_train"])
    x = sweep.pixels(mnist, [3, n + 7])
    assert x.dtype == np.float32 and x.shape == (2, 784)
    np.testing.assert_allclose(x[0], mnist["x_train"][3].ravel() / 255, rtol=1e-6)
    np.testing.assert_allclose(x[1], mnist["x_test"][7].ravel() / 255, rtol=1e-6)


def test_stored_inertia_is_that_of_the_stored_centroids(fitted):
    datasets, attrs, x = fitted
    d2 = cdist(x.astype(np.float64), datasets["centroids"].astype(np.float64), "sqeuclidean")
    assert attrs["inertia"] == pytest.approx(d2.min(1).sum(), rel=1e-5)
    assert attrs["inertia_sklearn"] == pytest.approx(attrs["inertia"], rel=1e-4)
    # the stored labels are the nearest centroids
    assert d2[np.arange(len(x)), datasets["labels"]].sum() == pytest.approx(attrs["inertia"], rel=1e-5)
    assert sweep.inertia(x, datasets["centroids"], chunk=700) == pytest.approx(attrs["inertia"], rel=1e-9)
    assert datasets["centroids"].shape == (12, 784) and len(np.unique(datasets["labels"])) == 12


def test_fit_is_sklearns_minibatchkmeans_on_the_pixels_in_float64(fitted):
    datasets, attrs, x = fitted
    used = x.any(axis=0)  # the pixels that are not 0 in every image: the others add 0 to every distance
    model = MiniBatchKMeans(n_clusters=12, n_init=2, max_iter=20, batch_size=500, random_state=5)
    model.fit(x.astype(np.float64)[:, used])
    np.testing.assert_array_equal(datasets["centroids"][:, used], model.cluster_centers_.astype(np.float32))
    assert not datasets["centroids"][:, ~used].any() and (~used).sum() > 50
    np.testing.assert_array_equal(datasets["labels"], model.labels_)
    assert attrs["inertia_sklearn"] == model.inertia_ and attrs["fit_dtype"] == "float64"
    # on all 784 pixels: the same fit up to rounding
    every = MiniBatchKMeans(n_clusters=12, n_init=2, max_iter=20, batch_size=500, random_state=5).fit(
        x.astype(np.float64)
    )
    np.testing.assert_array_equal(datasets["labels"], every.labels_)
    np.testing.assert_allclose(datasets["centroids"], every.cluster_centers_, atol=1e-6)


def test_sampled_silhouette_is_sklearns_on_the_same_sample(mnist, fitted):
    datasets, attrs, x = fitted
    columns, sil = sweep.silhouettes(mnist, [(datasets, attrs)], sample_size=600, seed=5)
    assert not columns["silhouette_exact"][0] and sil["silhouette_sample_size"] == 600
    expected = silhouette_score(x, datasets["labels"], sample_size=600, random_state=5)
    assert columns["silhouette"][0] == pytest.approx(expected, abs=1e-6)
    exact = silhouette_score(x, datasets["labels"])
    assert columns["silhouette"][0] != exact and abs(columns["silhouette"][0] - exact) < 0.05


def test_fit_and_silhouette_times_are_recorded_separately(mnist, fitted):
    datasets, attrs, _ = fitted
    columns, sil = sweep.silhouettes(mnist, [(datasets, attrs)] * 2)
    assert attrs["fit_time_s"] > 0 and attrs["n_images"] == 2000 and sil["n_images"] == 2000
    assert columns["silhouette_exact"].all() and sil["silhouette_sample_size"] == 2000
    # one pass for both: each K's share is half of it
    np.testing.assert_allclose(columns["silhouette_time_s"], sil["silhouette_pass_s"] / 2)


def test_silhouettes_of_fits_on_other_images_are_refused(mnist, fitted):
    datasets, attrs, _ = fitted
    other, other_attrs = sweep.run_k(mnist, 5, "train", 1500, **SETTINGS)
    with pytest.raises(ValueError, match="other images"):
        sweep.silhouettes(mnist, [(datasets, attrs), (other, other_attrs)])


def test_more_clusters_lower_the_inertia(mnist):
    runs = [sweep.run_k(mnist, k, "train", 1500, **SETTINGS)[1] for k in (4, 16)]
    assert runs[1]["inertia"] < runs[0]["inertia"]


def test_elbow_is_where_the_inertia_curve_bends_most():
    ks = np.arange(1, 9)
    bent = np.array([100.0, 50, 20, 15, 12, 10, 9, 8])
    assert sweep.elbow(ks, bent) == 3
    assert sweep.elbow(ks[:2], bent[:2]) is None


def test_sweep_table_is_sorted_by_k_with_each_ks_silhouette():
    rows = [dict(k=k, inertia=1.0 / k, fit_time_s=1, n_steps=3, n_images=9) for k in (30, 10, 20)]
    silhouettes = dict(
        k=np.array([20, 30, 10]),
        silhouette=np.array([0.2, 0.3, 0.1]),
        silhouette_time_s=np.full(3, 2.0),
        silhouette_exact=np.ones(3, bool),
    )
    table = sweep.table(rows, silhouettes)
    assert list(table["k"]) == [10, 20, 30] and np.all(np.diff(table["inertia"]) < 0)
    np.testing.assert_array_equal(table["silhouette"], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"no silhouette for K=\[10\]"):
        sweep.table(rows, {c: v[:2] for c, v in silhouettes.items()})


def test_distances_are_kmeans_transform(mnist):
    x = sweep.pixels(mnist, np.arange(1000))
    model = MiniBatchKMeans(n_clusters=7, n_init=1, random_state=0).fit(x)
    np.testing.assert_allclose(features.distances(x, model.cluster_centers_), model.transform(x), rtol=1e-4, atol=1e-4)


def test_features_are_standardized_with_training_statistics_only(mnist, fitted):
    datasets, _, _ = fitted
    subset = {k: v[:3000] if k.startswith(("x_train", "y_train")) else v[:500] for k, v in mnist.items()}
    feats, attrs = features.cluster_features(subset, datasets["centroids"])
    assert feats["x_train"].shape == (3000, 12) and feats["x_test"].shape == (500, 12) and attrs["k"] == 12
    np.testing.assert_allclose(feats["x_train"].mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(feats["x_train"].std(0), 1, atol=1e-3)
    raw_test = features.distances(sweep.pixels(subset, np.arange(3000, 3500)), datasets["centroids"])
    expected = (raw_test - feats["scaler_mean"]) / feats["scaler_scale"]
    np.testing.assert_allclose(feats["x_test"], expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(feats["y_test"], subset["y_test"])
