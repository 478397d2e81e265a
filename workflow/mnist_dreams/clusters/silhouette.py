"""Average silhouettes of many clusterings of the same images, from one pass over their distances.

``sklearn.metrics.silhouette_score`` computes all n² Euclidean distances for each clustering: 3 min
per K on 70000 MNIST images, the same distances 17 times in the seed's sweep. They do not depend on
the clustering, so one pass serves every K. The distance matrix is cut into blocks of images; a
block is computed once and serves its mirror block too (the matrix is symmetric). Multiplied by the
one-hot labels of its column images, stacked for all K, it adds to every image's sum of distances
to every cluster of every K. From those sums a(i), b(i) and s(i) follow as sklearn defines them:
a(i) the mean distance to the rest of i's cluster, b(i) the smallest mean distance to another
cluster, s(i) = (b - a) / max(a, b), 0 for an image alone in its cluster; the score is the mean.

Distances are computed in float64 as sklearn does (|x|² + |y|² - 2x·y, clipped at 0, zero on the
diagonal); for float32 data sklearn rounds them to float32, which moves the mean by ~1e-8.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..plumbing.progress import Progress

log = logging.getLogger(__name__)

BLOCK = 512  # images per block: each block also adds a (clusters x block) product, which small blocks pay most


def sample_index(n, sample_size, seed):
    """The images a sampled silhouette uses, drawn as ``silhouette_score(..., random_state=seed)`` draws
    them; None for all (``sample_size`` 0 or not below ``n``)."""
    if not sample_size or sample_size >= n:
        return None
    return np.random.RandomState(seed).permutation(n)[:sample_size]


def silhouettes(x, labelings, sample_size=0, seed=0, threads=1, block=BLOCK):
    """Average silhouette of each labeling of the rows of ``x``, exact or on sklearn's seeded sample.

    Returns (values, seconds): ``values[i]`` equals
    ``silhouette_score(x, labelings[i], sample_size=sample_size or None, random_state=seed)``.
    """
    start = time.perf_counter()
    index = sample_index(len(x), sample_size, seed)
    if index is not None:
        x, labelings = x[index], [np.asarray(labels)[index] for labels in labelings]
    labelings = [_encoded(labels, len(x)) for labels in labelings]
    sums, offsets = cluster_sums(x, labelings, threads, block)
    values = []
    for i, labels in enumerate(labelings):
        values.append(average(np.concatenate([s[offsets[i] : offsets[i + 1]] for s in sums], axis=1), labels))
    return values, time.perf_counter() - start


def _encoded(labels, n):
    """Labels as 0..k-1 without empty clusters (as sklearn's LabelEncoder), checked as sklearn does."""
    _, labels = np.unique(np.asarray(labels), return_inverse=True)
    n_labels = int(labels.max()) + 1 if len(labels) else 0
    if not 2 <= n_labels <= n - 1:
        raise ValueError(f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 (inclusive)")
    return labels.astype(np.intp)


def cluster_sums(x, labelings, threads=1, block=BLOCK):
    """Sums of distances from every image to every cluster, for all labelings at once.

    Returns (sums, offsets): one float64 array per panel of ``block`` images, whose
    ``[offsets[i] + c, j]`` is the sum of the distances from the panel's image j to the images in
    cluster c of labeling i (one row per cluster of every labeling).
    """
    from threadpoolctl import threadpool_limits

    x = np.asarray(x, np.float64)
    x = x[:, np.any(x != 0, axis=0)]  # a feature that is 0 everywhere adds nothing to any distance
    squared = np.einsum("ij,ij->i", x, x)
    offsets = np.cumsum([0, *(int(labels.max()) + 1 for labels in labelings)])
    panels = [slice(s, min(s + block, len(x))) for s in range(0, len(x), block)]
    one_hot = [_one_hot(labelings, offsets, p) for p in panels]
    sums = [np.zeros((offsets[-1], p.stop - p.start)) for p in panels]  # contiguous: adds are 3x faster

    def add_block(pair):
        i, j = pair
        d = _distances(x, squared, panels[i], panels[j])
        sums[j] += one_hot[i] @ d
        if i != j:
            sums[i] += one_hot[j] @ np.ascontiguousarray(d.T)

    rounds = _rounds(len(panels))
    progress = Progress(log, f"silhouette distances of {len(x)} images", len(rounds), "rounds of blocks")
    # Threads share the sums: the blocks of one round touch disjoint panels, so no two add into the
    # same columns at once. Each thread runs BLAS single-threaded on its own block.
    with threadpool_limits(1), ThreadPoolExecutor(max(1, threads)) as pool:
        for done, pairs in enumerate(rounds, 1):
            list(pool.map(add_block, pairs))
            progress.update(done)
    return sums, offsets


def _one_hot(labelings, offsets, panel):
    """The panel's stacked one-hot labels: a sparse (all clusters x panel images) 0/1 matrix."""
    from scipy import sparse

    n = panel.stop - panel.start
    rows = np.concatenate([offset + labels[panel] for offset, labels in zip(offsets[:-1], labelings, strict=True)])
    cols = np.tile(np.arange(n), len(labelings))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(offsets[-1], n))


def _distances(x, squared, rows, cols):
    """The Euclidean distances between images ``rows`` and ``cols``, as sklearn computes them."""
    d = x[rows] @ x[cols].T
    d *= -2
    d += squared[rows, None]
    d += squared[None, cols]
    np.maximum(d, 0, out=d)
    if rows == cols:
        np.fill_diagonal(d, 0)
    return np.sqrt(d, out=d)


def _rounds(n_panels):
    """All panel pairs (i <= j) in rounds of disjoint pairs: the diagonal blocks, then the circle
    method's n - 1 rounds (a round-robin tournament's schedule)."""
    rounds = [[(i, i) for i in range(n_panels)]]
    seats = list(range(n_panels)) + ([None] if n_panels % 2 else [])
    half = len(seats) // 2
    for _ in range(len(seats) - 1):
        pairs = zip(seats[:half], reversed(seats[half:]), strict=True)
        rounds.append([(min(a, b), max(a, b)) for a, b in pairs if a is not None and b is not None])
        seats = [seats[0], seats[-1], *seats[1:-1]]
    return [pairs for pairs in rounds if pairs]


def average(sums, labels):
    """The mean silhouette of one labeling from its (clusters x images) distance sums, as sklearn."""
    counts = np.bincount(labels, minlength=len(sums)).astype(np.float64)
    own = (labels, np.arange(len(labels)))
    with np.errstate(divide="ignore", invalid="ignore"):
        intra = sums[own] / (counts[labels] - 1)  # nan for an image alone in its cluster
        means = sums / counts[:, None]
        means[own] = np.inf
        inter = means.min(axis=0)
        s = (inter - intra) / np.maximum(intra, inter)
    return float(np.mean(np.nan_to_num(s)))
