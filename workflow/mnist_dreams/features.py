"""Cluster-distance features: every image as its distances to the K centroids, standardized.

This is the seed's ``fit_transform`` (sklearn's ``transform`` is the Euclidean distance to each
centroid), computed from stored centroids so that the fit and the features are separate jobs.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .sweep import pixels

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


def cluster_features(mnist, centroids):
    """Datasets of ``results/clusters/features_k{K}.h5``: standardized distances for train and test."""
    n_train, n_test = len(mnist["x_train"]), len(mnist["x_test"])
    start = time.perf_counter()
    d_train = distances(pixels(mnist, np.arange(n_train)), centroids)
    d_test = distances(pixels(mnist, np.arange(n_train, n_train + n_test)), centroids)
    x_train, x_test, mean, scale = standardize(d_train, d_test)
    seconds = time.perf_counter() - start
    log.info("%d cluster distances for %d + %d images in %.1f s", len(centroids), n_train, n_test, seconds)
    datasets = {
        "x_train": x_train,
        "y_train": mnist["y_train"],
        "x_test": x_test,
        "y_test": mnist["y_test"],
        "scaler_mean": mean,
        "scaler_scale": scale,
    }
    return datasets, {"k": len(centroids), "transform_time_s": seconds}
