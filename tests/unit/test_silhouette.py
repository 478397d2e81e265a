"""One pass of distances gives every clustering's silhouette, as sklearn's silhouette_score does."""

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from mnist_dreams.clusters import silhouette, sweep

KS = (2, 10, 70, 170)


@pytest.fixture(scope="module")
def clustered(mnist):
    """3000 seeded MNIST images of train ++ test, clustered for several K, plus two odd labelings."""
    x, _ = sweep.fit_images(mnist, "train+test", subsample=3000, seed=1)
    labelings = [sweep.kmeans(x, k, n_init=1, max_iter=20, batch_size=500)[1] for k in KS]  # one thread
    alone = np.ones(len(x), int)
    alone[0] = 0  # image 0 alone in its cluster: its s is 0
    gap = np.where(labelings[1] == 3, 12, labelings[1])  # label 3 unused, 12 used: sklearn re-encodes
    return x, [*labelings, alone, gap]


def test_every_exact_silhouette_is_sklearns(clustered):
    x, labelings = clustered
    values, seconds = silhouette.silhouettes(x, labelings, threads=2, block=700)  # 3000 = 4 x 700 + 200
    expected = [silhouette_score(x, labels) for labels in labelings]
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-6)
    assert seconds > 0


def test_one_block_one_thread_gives_the_same_silhouettes(clustered):
    x, labelings = clustered
    many, _ = silhouette.silhouettes(x, labelings, threads=2, block=256)
    one, _ = silhouette.silhouettes(x, labelings, threads=1, block=len(x))
    np.testing.assert_allclose(one, many, rtol=0, atol=1e-12)


def test_one_k_alone_gives_its_silhouette_in_the_pass_of_all(clustered):
    x, labelings = clustered
    all_k, _ = silhouette.silhouettes(x, labelings, threads=2)
    for i in (0, 2):
        alone, _ = silhouette.silhouettes(x, [labelings[i]], threads=2)
        assert alone[0] == pytest.approx(all_k[i], abs=1e-12)


def test_sampled_silhouettes_are_sklearns_on_its_seeded_sample(clustered):
    x, labelings = clustered
    values, _ = silhouette.silhouettes(x, labelings[:4], sample_size=500, seed=5, threads=2)
    expected = [silhouette_score(x, labels, sample_size=500, random_state=5) for labels in labelings[:4]]
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(
        silhouette.sample_index(3000, 500, 5), np.random.RandomState(5).permutation(3000)[:500]
    )
    assert silhouette.sample_index(3000, 0, 5) is None and silhouette.sample_index(3000, 3000, 5) is None


def test_a_single_cluster_is_refused_as_sklearn_refuses_it(clustered):
    x, _ = clustered
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette.silhouettes(x[:50], [np.zeros(50, int)])


@pytest.mark.parametrize("n_panels", [1, 2, 5, 8])
def test_rounds_hold_every_block_once_and_no_panel_twice_in_a_round(n_panels):
    rounds = silhouette._rounds(n_panels)
    pairs = sorted(pair for r in rounds for pair in r)
    assert pairs == [(i, j) for i in range(n_panels) for j in range(i, n_panels)]
    for r in rounds:
        panels = [p for i, j in r for p in {i, j}]
        assert len(panels) == len(set(panels))
