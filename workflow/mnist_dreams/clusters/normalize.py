"""Normalizations around the clustered MLP: the space KMeans clusters in, and the distance features.

The seed's K = 70 run used "a special normalization" it does not spell out, and speaks of "clusters
in unnormalized and normalized feature spaces". So there are two places a normalization can sit,
and each variant of either is one named function below:

* the **clustering space** — the rows KMeans clusters and measures distances in (``SPACES``):
  ``pixels`` (x/255, unnormalized), ``normalizer`` (every image scaled to unit L2 norm, scikit-learn's
  row-wise ``Normalizer``: the author's posts of the same weeks explain it and suggest it ahead of
  cluster identification) and ``standardized`` (per-pixel ``StandardScaler``, the normalization of
  the seed's reference run);
* the **distance features** fed to the MLP (``NORMALIZATIONS``): none, standard, minmax, l2, log, soft.

Every function returns a scikit-learn transformer fitted on the *training* rows only, so train and
test go through one and the same map and no statistic ever sees a test image — also when KMeans was
fitted on train+test (only the centroids leak then, as in the seed). Each distance normalization is
a fixed map g (identity, log, soft kernel or row scaling) followed by a per-feature affine map;
``affine`` returns that map's offset and scale, stored with the features.
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, Normalizer, StandardScaler

SPACES = ("pixels", "normalizer", "standardized")
NORMALIZATIONS = ("none", "standard", "minmax", "l2", "log", "soft")
# log of a distance: a row that coincides with a centroid (d = 0) would give -inf.
LOG_FLOOR = 1e-6


# --- clustering spaces: pixel rows in [0, 1] -> the rows KMeans sees ---------------------------------


def pixel_space(x_train):
    """Unnormalized: the pixels as they are (x/255), the workflow's choice so far."""
    return FunctionTransformer().fit(x_train)


def normalizer_space(x_train):
    """Each image divided by its own L2 norm (row-wise ``Normalizer``): clusters of shape, not of ink.

    Euclidean distances between unit rows are √(2 − 2·cos), so KMeans here clusters by the angle
    between images; a thick and a thin stroke of the same digit become neighbours.
    """
    return Normalizer().fit(x_train)


def standardized_space(x_train):
    """Per-pixel standardization with training statistics (the seed's reference-run ``StandardScaler``).

    Border pixels that are 0 in every training image keep scale 1, as sklearn leaves constant columns.
    """
    return StandardScaler().fit(x_train)


_SPACES = {"pixels": pixel_space, "normalizer": normalizer_space, "standardized": standardized_space}


def space_scaler(name, x_train):
    """The fitted transformer of clustering space ``name`` (one of ``SPACES``)."""
    return _lookup(_SPACES, name, "space")(x_train)


# --- distance features: (N, K) distances to the centroids -> MLP inputs -----------------------------


def no_scaling(d_train):
    """The raw distances, as ``fit_transform`` returns them (scale depends on the space: ~5-12 for pixels)."""
    return FunctionTransformer().fit(d_train)


def standard_scaling(d_train):
    """Per-feature standardization: (d − mean)/std over the training images (the workflow's default)."""
    return StandardScaler().fit(d_train)


def minmax_scaling(d_train):
    """Per-feature min–max onto [0, 1] over the training images (test values may fall slightly outside)."""
    return MinMaxScaler().fit(d_train)


def l2_rows(d_train):
    """Per-sample L2: each image's K distances divided by their norm (keeps the profile, drops the size)."""
    return Normalizer().fit(d_train)


def log_scaling(d_train):
    """log(d), then per-feature standardization: compresses the long tail of far centroids, so the
    near ones (small d) spread out; standardized afterwards so only the shape differs from ``standard``."""
    return make_pipeline(FunctionTransformer(_log), StandardScaler()).fit(d_train)


def soft_assignment(d_train):
    """Soft cluster membership exp(−d²/2σ²), σ = ``sigma(d_train)``: ~0.61 for a typical image's
    nearest centroid, falling off fast for far ones; bounded in (0, 1], no further scaling."""
    return FunctionTransformer(_gaussian, kw_args={"sigma": sigma(d_train)}).fit(d_train)


def sigma(d_train):
    """Width of the soft assignment: the median over training images of the nearest-centroid distance.

    A data-given length scale of the clustering space itself (so one rule serves pixels, normalizer and
    standardized spaces); the median ignores the few images far from every centroid.
    """
    return float(np.median(np.min(d_train, axis=1)))


_NORMALIZATIONS = {
    "none": no_scaling,
    "standard": standard_scaling,
    "minmax": minmax_scaling,
    "l2": l2_rows,
    "log": log_scaling,
    "soft": soft_assignment,
}


def feature_scaler(name, d_train):
    """The fitted transformer of distance normalization ``name`` (one of ``NORMALIZATIONS``)."""
    return _lookup(_NORMALIZATIONS, name, "normalization")(d_train)


def affine(scaler, k):
    """(offset, scale) of the per-feature affine step that ends ``scaler``: features = (g(d) − offset)/scale.

    Identity (0, 1) where the variant has none (none, l2, soft).
    """
    last = scaler.steps[-1][1] if hasattr(scaler, "steps") else scaler
    if isinstance(last, StandardScaler):
        return last.mean_.astype(np.float64), last.scale_.astype(np.float64)
    if isinstance(last, MinMaxScaler):  # x·scale_ + min_ with scale_ = 1/range (a zero range counts as 1)
        return last.data_min_.astype(np.float64), 1.0 / last.scale_.astype(np.float64)
    return np.zeros(k), np.ones(k)


def _log(d):
    return np.log(np.maximum(d, LOG_FLOOR))


def _gaussian(d, sigma):
    return np.exp(-np.square(d) / (2 * sigma**2))


def _lookup(table, name, what):
    if name not in table:
        raise ValueError(f"{what} must be one of {tuple(table)}, not {name!r}")
    return table[name]
