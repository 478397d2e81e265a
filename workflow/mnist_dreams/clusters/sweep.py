"""KMeans on MNIST pixels for one K at a time, and the sweep over K (the seed's article XIV).

Each K is fitted by scikit-learn's ``MiniBatchKMeans`` on the pixels scaled to [0, 1], or on those
rows in another clustering space (``normalize.SPACES``: row-L2-normalized, per-pixel standardized); the
result keeps what the seed plotted (inertia, time) plus what a reader needs to check it: the
centroids, the labels and the indices of the images that were clustered. The average silhouettes of
all K come from one pass over the images' distances (``silhouettes``, ``mnist_dreams.clusters.silhouette``).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import heartbeat
from ..report import claims

log = logging.getLogger(__name__)

FIT_SETS = ("train", "train+test")
# Pixels enter KMeans as x/255. Any global affine scaling (e.g. the CNN's global standardization)
# gives the same clusters; only inertia scales (by 1/scale²).
PIXEL_SCALE = 1 / 255

# The seed's article XIV (mnist_dreams.report.claims): K where its silhouette curve looked interesting, and
# its time per K (fit_transform + silhouette on 70000 images, n_init=500).
SEED_SILHOUETTE_KS = claims.INTERESTING_KS
SEED_TIME_S = {k: claim.value for k, claim in claims.KMEANS_SECONDS.items()}


def fit_images(mnist, fit_on="train", subsample=0, seed=0, space="pixels"):
    """The images to cluster as float32 rows in clustering ``space``, and their indices into train ++ test.

    ``fit_on="train+test"`` is the seed's choice (it clusters the test images too, which leaks them
    into features used to classify them); ``"train"`` is the honest default.
    """
    if fit_on not in FIT_SETS:
        raise ValueError(f"fit_on must be one of {FIT_SETS}, not {fit_on!r}")
    n_train = len(mnist["x_train"])
    n = n_train + (len(mnist["x_test"]) if fit_on == "train+test" else 0)
    index = np.arange(n)
    if subsample and subsample < n:
        index = np.sort(np.random.default_rng(seed).permutation(n)[:subsample])
    return in_space(mnist, index, space), index


def pixels(mnist, index):
    """Rows ``index`` of train ++ test, flattened to 784 float32 values in [0, 1]."""
    n_train = len(mnist["x_train"])
    index = np.asarray(index)
    train, test = index[index < n_train], index[index >= n_train] - n_train
    x = np.concatenate([mnist["x_train"][train], mnist["x_test"][test]])
    return (x.reshape(len(x), -1).astype(np.float32) * np.float32(PIXEL_SCALE)).astype(np.float32)


def in_space(mnist, index, space="pixels"):
    """Rows ``index`` of train ++ test in clustering ``space``; its statistics from the training images only."""
    from .normalize import space_scaler

    if space == "pixels":  # the identity: skip building the training rows it would be "fitted" on
        return pixels(mnist, index)
    scaler = space_scaler(space, pixels(mnist, np.arange(len(mnist["x_train"]))))
    return np.asarray(scaler.transform(pixels(mnist, index)), np.float32)


def kmeans(x, k, n_init, max_iter, batch_size, seed=0, threads=1):
    """Fit ``MiniBatchKMeans`` on ``x`` in float64; return (centroids, labels, inertia, fit seconds, n_steps).

    Float64, as the seed's data were (x/255.0 in NumPy): on float32 rows sklearn's k-means++ (500
    times per fit at the seed's n_init, on 1500 images each) takes every distance through a chunked
    float64 upcast, 2.2-2.5x slower per initialization (K = 10-170 on a 2-core Xeon; the inits are
    most of a fit at n_init 500). The fitted clusters differ from float32's by rounding only.
    Features that are 0 in every row (65 of the 784 pixels in MNIST train+test) are left out: they
    add exactly 0 to every distance and the centroids are exactly 0 there, which they get back; the
    k-means++ distance products on 719 instead of 784 columns were 17-21 % faster.
    sklearn's own ``inertia_`` and ``labels_`` are computed on all of ``x`` with the final centroids.
    The thread pools are capped at ``threads``: a mini-batch step of 500 rows is too small to share,
    and on a busy 2-core CPU two OpenMP threads made the fit 30x slower than one.
    """
    from sklearn.cluster import MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    model = MiniBatchKMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, batch_size=batch_size, random_state=seed)
    # sklearn's fit has no progress hook: a heartbeat says it is alive (no ETA: steps are adaptive).
    with threadpool_limits(threads), heartbeat(log, f"K={k}: MiniBatchKMeans fit, n_init={n_init}"):
        start = time.perf_counter()
        used = np.flatnonzero(np.any(x != 0, axis=0))
        model.fit(np.asarray(x, np.float64)[:, used])
        seconds = time.perf_counter() - start
    log.info("K=%d: inertia %.6g after %d steps in %.1f s", k, model.inertia_, model.n_steps_, seconds)
    centroids = np.zeros((k, x.shape[1]))
    centroids[:, used] = model.cluster_centers_
    return centroids, model.labels_, float(model.inertia_), seconds, int(model.n_steps_)


def inertia(x, centroids, labels=None, chunk=10000):
    """Sum of squared distances to the nearest (or the given) centroid, in float64.

    sklearn's float32 ``inertia_`` is off by up to ~1e-5 (relative) on 70000 images: it expands
    |x-c|² = |x|² - 2x·c + |c|² in float32. This is the value the sweep stores.
    """
    c = np.asarray(centroids, np.float64)
    total = 0.0
    for start in range(0, len(x), chunk):
        xb = np.asarray(x[start : start + chunk], np.float64)
        d2 = (xb * xb).sum(1)[:, None] - 2 * xb @ c.T + (c * c).sum(1)[None, :]
        pick = d2.argmin(1) if labels is None else np.asarray(labels[start : start + chunk])
        total += float(np.maximum(d2[np.arange(len(xb)), pick], 0).sum())
    return total


def run_k(mnist, k, fit_on, subsample, n_init, max_iter, batch_size, seed=0, threads=1, space="pixels"):
    """One K of the sweep: datasets and attrs of ``results/clusters/k_{K}.h5`` (the fit, its inertia in
    ``space``); its silhouette comes from ``silhouettes``, one pass for every K."""
    x, index = fit_images(mnist, fit_on, subsample, seed, space)
    centroids, labels, sk_inertia, fit_s, steps = kmeans(x, k, n_init, max_iter, batch_size, seed, threads)
    datasets = {
        "centroids": centroids.astype(np.float32),
        "labels": labels.astype(np.int16),
        "fit_index": index.astype(np.int32),
    }
    attrs = {
        "k": k,
        "inertia": inertia(x, centroids),
        "inertia_sklearn": sk_inertia,
        "fit_time_s": fit_s,
        "n_steps": steps,
        "n_images": len(x),
        "pixel_scale": PIXEL_SCALE,
        "space": space,
        "fit_dtype": "float64",
        "threads": threads,
    }
    return datasets, attrs


def silhouettes(mnist, fits, sample_size=0, seed=0, threads=1):
    """The average silhouette of each fit (``(datasets, attrs)`` of k_{K}.h5 files of one sweep), in one
    pass over the images' distances (``mnist_dreams.clusters.silhouette``): exact, or on sklearn's seeded sample.

    Returns the columns of ``results/clusters/silhouettes.h5`` (one entry per fit, in order) and its
    attrs. One pass serves all K, so a K's ``silhouette_time_s`` is its share: the pass over the K.
    """
    from . import silhouette

    first = fits[0][1]
    for datasets, attrs in fits:
        same = np.array_equal(datasets["fit_index"], fits[0][0]["fit_index"]) and attrs["space"] == first["space"]
        if not same:
            raise ValueError(f"K={attrs['k']} clustered other images than K={first['k']}: no shared silhouette")
    x = in_space(mnist, fits[0][0]["fit_index"], first["space"])
    values, seconds = silhouette.silhouettes(x, [d["labels"] for d, _ in fits], sample_size, seed, threads)
    exact = silhouette.sample_index(len(x), sample_size, seed) is None
    log.info("silhouettes of %d K (%s) in %.1f s", len(fits), "exact" if exact else "sampled", seconds)
    columns = {
        "k": np.asarray([a["k"] for _, a in fits]),
        "silhouette": np.asarray(values),
        "silhouette_exact": np.full(len(fits), exact),
        "silhouette_time_s": np.full(len(fits), seconds / len(fits)),
    }
    attrs = {
        "silhouette_sample_size": len(x) if exact else int(sample_size),
        "silhouette_pass_s": seconds,
        "n_images": len(x),
        "space": first["space"],
        "threads": threads,
    }
    return columns, attrs


def table(attrs_per_k, silhouettes):
    """The sweep as columns (one entry per K, ascending): the fits' attrs (of the k_{K}.h5 files) with
    their silhouettes (the columns of silhouettes.h5)."""
    rows = sorted(attrs_per_k, key=lambda a: a["k"])
    cols = ("k", "inertia", "fit_time_s", "n_steps", "n_images")
    out = {c: np.asarray([r[c] for r in rows]) for c in cols}
    at = {int(k): i for i, k in enumerate(silhouettes["k"])}
    missing = sorted(set(int(k) for k in out["k"]) - set(at))
    if missing:
        raise ValueError(f"no silhouette for K={missing}")
    pick = [at[int(k)] for k in out["k"]]
    out["silhouette"] = np.asarray(silhouettes["silhouette"])[pick]
    out["silhouette_time_s"] = np.asarray(silhouettes["silhouette_time_s"])[pick]
    out["silhouette_exact"] = np.asarray(silhouettes["silhouette_exact"], bool)[pick]
    return out


def elbow(ks, inertias):
    """The K farthest below the chord from the first to the last point of the normalized inertia curve.

    A plain "kneedle" estimate: needs three K at least (else None). On a smooth decline, as the seed
    found for MNIST, it marks where the curve bends most, not a clear optimum.
    """
    ks, y = np.asarray(ks, np.float64), np.asarray(inertias, np.float64)
    if len(ks) < 3 or ks[-1] == ks[0] or y[0] == y[-1]:
        return None
    xn, yn = (ks - ks[0]) / (ks[-1] - ks[0]), (y - y[-1]) / (y[0] - y[-1])
    return int(ks[np.argmax((1 - xn) - yn)])
