import itertools

import numpy as np
import pytest
from PIL import Image

from helpers import conv3_by_numpy
from mnist_dreams.ascent import grids, precursor
from mnist_dreams.ascent.engine import driver
from mnist_dreams.subject import cnn


def test_upscale_basis_is_pillows_bicubic_resize():
    cells = np.random.default_rng(0).uniform(0, 1, (5, 3, 3)).astype(np.float32)
    basis = grids.upscale_basis(3)
    for c in cells:
        direct = np.asarray(Image.fromarray(c, mode="F").resize((28, 28), Image.Resampling.BICUBIC))
        np.testing.assert_allclose(basis @ c.ravel(), direct.ravel(), atol=1e-5)


def test_grid_patterns_are_all_3_to_the_9_standardized_grids(mnist):
    mean, std = cnn.standardization(mnist["x_train"])
    starts = grids.grid_patterns([0.2, 0.5, 0.8], 3, mean, std)
    assert starts.shape == (19683, 28, 28, 1) and starts.dtype == np.float32
    assert len(np.unique(starts.reshape(len(starts), -1).round(4), axis=0)) == 19683
    # pattern 0 is the uniform 0.2 grid; bicubic keeps a constant image constant
    np.testing.assert_allclose(starts[0], (0.2 * 255 - mean) / std, rtol=1e-5)


@pytest.fixture(scope="module")
def patterns(small_cnn):
    a = small_cnn["attrs"]
    return grids.grid_patterns([0.2, 0.8], 3, a["pixel_mean"], a["pixel_std"])  # 512


def _screen(small_cnn, patterns, maps, batch_size=128, **kw):
    return precursor.screen(small_cnn["model"], maps, patterns, 6, 8, step_size=0.05, batch_size=batch_size, **kw)


def _exhaustive(small_cnn, patterns, map_index, batch_size=128, prune=True):
    return _screen(small_cnn, patterns, [map_index], batch_size, prune=prune)[map_index]


def test_screen_ranks_every_pattern_by_its_own_ascent(small_cnn, patterns):
    result = _exhaustive(small_cnn, patterns, 56, prune=False)
    assert result["final_loss"].shape == (512,) and result["image_epochs"] == 512 * 6
    np.testing.assert_array_equal(result["top_indices"], np.argsort(-result["final_loss"], kind="stable")[:8])
    # batching must not mix samples: one pattern alone gets the same loss (up to the float32
    # rounding of a different convolution kernel for batch size 1)
    i = int(result["top_indices"][0])
    _, hist = driver.map_ascent(small_cnn["model"], "conv3", 0.05, 6)(patterns[i : i + 1], 56)
    assert hist[-1][0] == pytest.approx(result["final_loss"][i], rel=1e-3)


def test_screen_is_bit_identical_when_rerun(small_cnn, patterns):
    a, b = _exhaustive(small_cnn, patterns, 46), _exhaustive(small_cnn, patterns, 46)
    np.testing.assert_array_equal(a["final_loss"], b["final_loss"])


def _dead_by_numpy(small_cnn, patterns, m):
    """Patterns whose map-m activation is 0 everywhere, by NumPy from the weights (not Keras)."""
    return conv3_by_numpy(small_cnn["model"], patterns)[..., m].max(axis=(1, 2)) == 0


def test_a_dead_start_never_moves(small_cnn, patterns):
    dead = np.flatnonzero(_dead_by_numpy(small_cnn, patterns, 46))
    assert len(dead) > 10  # the weak CNN leaves many patterns dead for map 46: the case is real
    starts = patterns[dead[:16]]
    images, history = driver.map_ascent(small_cnn["model"], "conv3", 0.05, 10)(starts, 46)
    np.testing.assert_array_equal(images, starts)  # not one bit moved in 10 epochs
    np.testing.assert_array_equal(history, 0.0)


def test_prune_changes_no_loss_and_no_top_k(small_cnn, patterns):
    for m in (46, 56):
        pruned, full = _exhaustive(small_cnn, patterns, m), _exhaustive(small_cnn, patterns, m, prune=False)
        assert pruned["dead"] == int(_dead_by_numpy(small_cnn, patterns, m).sum()) and full["dead"] == 0
        np.testing.assert_array_equal(pruned["final_loss"], full["final_loss"])
        np.testing.assert_array_equal(pruned["top_indices"], full["top_indices"])
        np.testing.assert_array_equal(pruned["epochs_done"], full["epochs_done"])
        assert pruned["image_epochs"] == (512 - pruned["dead"]) * 6  # only the live ones were ascended


def test_halving_spends_under_a_quarter_and_ranks_its_survivors_exactly(small_cnn, patterns):
    """Halving's only error is pruning: survivors keep their exhaustive loss and ranking.

    How many of the exhaustive top 8 survive depends on the model (8/8 on five maps of the paper
    CNN, tests/bench/bench_precursor.py); on this weak CNN it varies with the CPU's thread count
    (6/8 to 8/8), so only a floor is asserted here.
    """
    for map_index in (46, 56):
        full = _exhaustive(small_cnn, patterns, map_index, prune=False)
        for prune in (False, True):
            fast = _screen(small_cnn, patterns, [map_index], mode="halving", rungs=(1, 2, 6), eta=4, prune=prune)
            fast = fast[map_index]
            assert fast["work_fraction"] <= 0.25
            survivors = fast["epochs_done"] == 6
            np.testing.assert_array_equal(fast["final_loss"][survivors], full["final_loss"][survivors])
            ranked = [i for i in np.argsort(-full["final_loss"], kind="stable") if survivors[i]][:8]
            np.testing.assert_array_equal(fast["top_indices"], ranked)
            assert len(set(fast["top_indices"]) & set(full["top_indices"])) >= 5


def test_halving_rungs_must_end_at_test_epochs(small_cnn, patterns):
    with pytest.raises(ValueError, match=r"rungs \[1, 3\] must increase and end at test_epochs=6"):
        _screen(small_cnn, patterns, [46], mode="halving", rungs=(1, 3))


@pytest.mark.parametrize("mode", ["exhaustive", "halving"])
def test_screening_several_maps_at_once_equals_one_map_at_a_time(small_cnn, patterns, mode):
    halving = {"rungs": (1, 2, 6), "eta": 4} if mode == "halving" else {}
    together = _screen(small_cnn, patterns, [46, 56, 81], batch_size=100, mode=mode, **halving)
    for m in (46, 56, 81):
        alone = _screen(small_cnn, patterns, [m], batch_size=100, mode=mode, **halving)[m]
        for key in ("final_loss", "epochs_done", "rung_loss", "top_indices"):
            np.testing.assert_array_equal(together[m][key], alone[key])


@pytest.mark.parametrize("mode", ["exhaustive", "halving"])
def test_batch_size_is_speed_only(small_cnn, patterns, mode):
    """precursor.batch_size stays out of the rule's params: the stored result must not depend on it.

    Batch shape can change float32 kernels, so the bound is a tolerance: measured bit-identical on
    TF/CPU and within 2.3e-7 (relative) on JAX/CPU; the top-k must be the same, in the same order.
    """
    halving = {"rungs": (1, 2, 6), "eta": 4} if mode == "halving" else {}
    runs = [_screen(small_cnn, patterns, [56], batch_size=b, mode=mode, **halving)[56] for b in (512, 100, 37)]
    for r in runs[1:]:
        np.testing.assert_allclose(r["final_loss"], runs[0]["final_loss"], rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(r["top_indices"], runs[0]["top_indices"])
        np.testing.assert_array_equal(r["epochs_done"], runs[0]["epochs_done"])


def test_per_image_standardization_gives_each_grid_mean_0_std_1(small_cnn):
    a = small_cnn["attrs"]
    values = [0.2, 0.5, 0.8]
    starts = grids.grid_patterns(values, 3, a["pixel_mean"], a["pixel_std"], standardize="per_image")
    flat = starts.reshape(len(starts), -1).astype(np.float64)
    cells = np.array(list(itertools.product(values, repeat=9)))
    constant = np.ptp(cells, axis=1) == 0  # the 3 uniform grids have no pattern to standardize
    assert constant.sum() == len(values)
    np.testing.assert_allclose(flat[~constant].mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(flat[~constant].std(axis=1), 1, rtol=1e-4)
    np.testing.assert_array_equal(flat[constant], 0)
    # the same shapes as the MNIST-standardized grids: per image, an affine map of each other
    mnist = grids.grid_patterns(values, 3, a["pixel_mean"], a["pixel_std"]).reshape(len(starts), -1)
    i = int(np.flatnonzero(~constant)[100])
    assert abs(np.corrcoef(mnist[i], flat[i])[0, 1] - 1) < 1e-5
    with pytest.raises(ValueError, match="precursor.standardize must be one of"):
        grids.grid_patterns(values, 3, a["pixel_mean"], a["pixel_std"], standardize="global")


@pytest.mark.parametrize("mode", ["exhaustive", "halving"])
def test_the_eta_prices_the_screening_at_the_work_it_does(small_cnn, patterns, mode):
    """The ETA's image·epochs of a map's screening (plan.eta.screen_work, from the config keys and the
    map's live share) are those the screening counts as it ascends."""
    from mnist_dreams.plan import eta

    halving = {"rungs": (1, 2, 6), "eta": 4} if mode == "halving" else {}
    result = _screen(small_cnn, patterns, [56], mode=mode, **halving)[56]
    keys = {"values": [0.2, 0.8], "grid": 3, "test_epochs": 6, "top_k": 8, "mode": mode, "halving": halving}
    assert 0 < result["dead"] < 512  # both kinds of start, so the live share matters
    assert eta.screen_work(keys, live=(512 - result["dead"]) / 512) == result["image_epochs"]
