"""Cluster-distance features: every image as its distances to the K centroids, normalized.

This is the seed's ``fit_transform`` (sklearn's ``transform`` is the Euclidean distance to each
centroid), computed from stored centroids so that the fit and the features are separate jobs. The
distances are measured in the space the centroids were fitted in, and then normalized; both choices
are variants of ``normalize`` (defaults: raw pixels, per-feature standardization).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from . import normalize
from .sweep import in_space

log = logging.getLogger(__name__)


def distances(x, centroids):
    """Euclidean distances (N, K) of the rows of ``x`` to ``centroids``, as KMeans.transform gives them."""
    from sklearn.metrics.pairwise import euclidean_distances

    return euclidean_distances(x, centroids).astype(np.float32)


def standardize(train, test):
    """Per-feature standardization with mean and scale from ``train`` only (the test set stays unseen)."""
    mean = train.mean(0, dtype=np.float64)
    scale = train.std(0, dtype=np.float64)
    scale[scale == 0] = 1.0  # as sklearn's StandardScaler: a constant feature stays unscaled
    f = lambda x: ((x - mean) / scale).astype(np.float32)  # noqa: E731
    return f(train), f(test), mean, scale


def space_distances(mnist, centroids, space="pixels"):
    """Distances (train, test) of every MNIST image to ``centroids``, measured in clustering ``space``."""
    n_train, n_test = len(mnist["x_train"]), len(mnist["x_test"])
    d = distances(in_space(mnist, np.arange(n_train + n_test), space), centroids)
    return d[:n_train], d[n_train:]


def normalized(d_train, d_test, normalization="standard"):
    """Distance features (train, test) and their stored statistics, fitted on ``d_train`` only."""
    scaler = normalize.feature_scaler(normalization, d_train)
    offset, scale = normalize.affine(scaler, d_train.shape[1])
    stats = {"scaler_mean": offset, "scaler_scale": scale}
    if normalization == "soft":
        stats["sigma"] = normalize.sigma(d_train)
    as32 = lambda d: np.asarray(scaler.transform(d), np.float32)  # noqa: E731
    return as32(d_train), as32(d_test), stats


def cluster_features(mnist, centroids, space="pixels", normalization="standard"):
    """Datasets and attrs of ``results/clusters/features_k{K}.h5``: normalized distances, train and test.

    ``scaler_mean``/``scaler_scale`` are the offset and scale of the normalization's affine step
    (features = (g(d) − scaler_mean)/scaler_scale, g as ``normalize`` documents per variant).
    """
    start = time.perf_counter()
    d_train, d_test = space_distances(mnist, centroids, space)
    x_train, x_test, stats = normalized(d_train, d_test, normalization)
    seconds = time.perf_counter() - start
    log.info(
        "%d cluster distances (%s space, %s) for %d + %d images in %.1f s",
        len(centroids),
        space,
        normalization,
        len(x_train),
        len(x_test),
        seconds,
    )
    datasets = {
        "x_train": x_train,
        "y_train": mnist["y_train"],
        "x_test": x_test,
        "y_test": mnist["y_test"],
        "scaler_mean": stats.pop("scaler_mean"),
        "scaler_scale": stats.pop("scaler_scale"),
    }
    attrs = {"k": len(centroids), "space": space, "normalization": normalization, "transform_time_s": seconds}
    return datasets, {**attrs, **stats}
