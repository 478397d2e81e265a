"""Clustering spaces and distance normalizations on real MNIST, each checked by its own formula in numpy."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import MiniBatchKMeans

from mnist_dreams.clusters import features, normalize, sweep

N_TRAIN, N_TEST = 3000, 500


@pytest.fixture(scope="module")
def subset(mnist):
    """3000 training and 500 test images (a sliced MNIST dict: 'train' statistics come from these)."""
    return {k: v[:N_TRAIN] if k.endswith("train") else v[:N_TEST] for k, v in mnist.items()}


@pytest.fixture(scope="module")
def rows(subset):
    x = sweep.pixels(subset, np.arange(N_TRAIN + N_TEST)).astype(np.float64)
    return x[:N_TRAIN], x[N_TRAIN:]


@pytest.fixture(scope="module")
def dist(rows):
    """Distances (train, test) to 10 centroids fitted on the training rows, by scipy."""
    x_train, x_test = rows
    centroids = MiniBatchKMeans(n_clusters=10, n_init=1, random_state=0).fit(x_train).cluster_centers_
    return cdist(x_train, centroids).astype(np.float32), cdist(x_test, centroids).astype(np.float32)


def transform(scaler, x):
    return np.asarray(scaler.transform(x), np.float64)


def test_pixel_space_is_the_pixels(rows):
    x_train, x_test = rows
    np.testing.assert_array_equal(transform(normalize.space_scaler("pixels", x_train), x_test), x_test)


def test_normalizer_space_scales_every_image_to_unit_length(rows):
    x_train, x_test = rows
    got = transform(normalize.space_scaler("normalizer", x_train), x_test)
    np.testing.assert_allclose(got, x_test / np.sqrt((x_test**2).sum(1, keepdims=True)), rtol=1e-6)


def test_standardized_space_uses_training_statistics_only(rows):
    x_train, x_test = rows
    std = x_train.std(0)
    expected = (x_test - x_train.mean(0)) / np.where(std == 0, 1, std)  # border pixels: 0 on all of train
    got = transform(normalize.space_scaler("standardized", x_train), x_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert (std == 0).sum() > 50  # MNIST's empty border exists, so that branch is exercised


def test_standard_scaling_standardizes_each_distance_on_train(dist):
    d_train, d_test = (d.astype(np.float64) for d in dist)
    got = transform(normalize.feature_scaler("standard", d_train), d_test)
    np.testing.assert_allclose(got, (d_test - d_train.mean(0)) / d_train.std(0), rtol=1e-5, atol=1e-5)


def test_minmax_maps_the_training_range_onto_unit_interval(dist):
    d_train, d_test = (d.astype(np.float64) for d in dist)
    scaler = normalize.feature_scaler("minmax", d_train)
    low, high = d_train.min(0), d_train.max(0)
    np.testing.assert_allclose(transform(scaler, d_test), (d_test - low) / (high - low), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(transform(scaler, d_train).min(0), 0, atol=1e-6)
    np.testing.assert_allclose(transform(scaler, d_train).max(0), 1, atol=1e-6)


def test_l2_rows_keep_each_images_distance_profile_at_unit_length(dist):
    d_train, d_test = dist
    got = transform(normalize.feature_scaler("l2", d_train), d_test)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(got * np.linalg.norm(d_test.astype(np.float64), axis=1)[:, None], d_test, rtol=1e-5)


def test_log_scaling_standardizes_the_log_distances(dist):
    log_train, log_test = (np.log(d.astype(np.float64)) for d in dist)
    got = transform(normalize.feature_scaler("log", dist[0]), dist[1])
    np.testing.assert_allclose(got, (log_test - log_train.mean(0)) / log_train.std(0), rtol=1e-4, atol=1e-4)


def test_soft_assignment_width_is_the_median_nearest_centroid_distance(dist):
    d_train, d_test = (d.astype(np.float64) for d in dist)
    sigma = np.median(np.sort(d_train, axis=1)[:, 0])
    assert normalize.sigma(dist[0]) == pytest.approx(sigma, rel=1e-6)
    got = transform(normalize.feature_scaler("soft", dist[0]), dist[1])
    np.testing.assert_allclose(got, np.exp(-(d_test**2) / (2 * sigma**2)), rtol=1e-5)
    # a typical training image: its nearest centroid gets membership exp(-1/2)
    assert np.median(transform(normalize.feature_scaler("soft", dist[0]), dist[0]).max(1)) == pytest.approx(
        np.exp(-0.5), rel=1e-3
    )


G = {  # each normalization's fixed map g, written out independently
    "none": lambda d, s: d,
    "standard": lambda d, s: d,
    "minmax": lambda d, s: d,
    "l2": lambda d, s: d / np.linalg.norm(d, axis=1, keepdims=True),
    "log": lambda d, s: np.log(d),
    "soft": lambda d, s: np.exp(-(d**2) / (2 * s**2)),
}


@pytest.mark.parametrize("name", normalize.NORMALIZATIONS)
def test_stored_offset_and_scale_reproduce_the_features(dist, name):
    """What cluster_features stores is enough to rebuild its features: (g(d) − scaler_mean)/scaler_scale."""
    d_train, d_test = dist
    f_train, f_test, stats = features.normalized(d_train, d_test, name)
    assert f_train.dtype == f_test.dtype == np.float32 and f_test.shape == d_test.shape
    sigma = np.median(d_train.astype(np.float64).min(1))
    expected = (G[name](d_test.astype(np.float64), sigma) - stats["scaler_mean"]) / stats["scaler_scale"]
    np.testing.assert_allclose(f_test, expected, rtol=1e-4, atol=1e-5)
    assert ("sigma" in stats) == (name == "soft")


def test_unknown_variant_names_the_choices(rows, dist):
    with pytest.raises(ValueError, match="space must be one of"):
        normalize.space_scaler("whitened", rows[0])
    with pytest.raises(ValueError, match="normalization must be one of.*'soft'"):
        normalize.feature_scaler("zscore", dist[0])


@pytest.mark.parametrize("space", ["normalizer", "standardized"])
def test_kmeans_fits_and_measures_in_the_configured_space(subset, rows, space):
    """The stored inertia is that of the centroids in the space, and the features are distances there."""
    datasets, attrs = sweep.run_k(subset, 6, "train", 0, 1, 20, 500, space=space)
    x_train, x_test = rows
    fitted = {"normalizer": lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)}.get(
        space, lambda x: (x - x_train.mean(0)) / np.where(x_train.std(0) == 0, 1, x_train.std(0))
    )
    d2 = cdist(fitted(x_train), datasets["centroids"].astype(np.float64), "sqeuclidean")
    assert attrs["space"] == space and attrs["inertia"] == pytest.approx(d2.min(1).sum(), rel=1e-4)
    feats, fattrs = features.cluster_features(subset, datasets["centroids"], space=space, normalization="none")
    expected = cdist(fitted(x_test), datasets["centroids"].astype(np.float64))
    np.testing.assert_allclose(feats["x_test"], expected, rtol=1e-4, atol=1e-4)
    assert fattrs["space"] == space and fattrs["normalization"] == "none"
