import itertools

import numpy as np
import pytest
from PIL import Image

from mnist_dreams.ascent import grids, precursor
from mnist_dreams.ascent.engine import driver

MEAN, STD = 33.3, 78.6


def _materialized(values, g, standardize="mnist"):
    """Every start at once, from itertools' order and one matrix product: the path Grid replaces."""
    cells = np.array(list(itertools.product(values, repeat=g * g)), np.float64)
    images = cells @ grids.upscale_basis(g).T * 255.0
    if standardize == "mnist":
        images = (images - MEAN) / STD
    else:
        centered = images - images.mean(axis=1, keepdims=True)
        shaped = np.ptp(cells, axis=1) > 0
        images = np.where(shaped[:, None], centered / np.where(shaped, centered.std(axis=1), 1.0)[:, None], 0.0)
    return cells, images.astype(np.float32).reshape(-1, 28, 28, 1)


@pytest.mark.parametrize("standardize", ["mnist", "per_image"])
@pytest.mark.parametrize(("values", "g"), [([0.2, 0.5, 0.8], 3), ([0.1, 0.3, 0.5, 0.7, 0.9], 2)])
def test_streamed_grid_equals_the_materialized_one_bit_for_bit(values, g, standardize):
    cells, full = _materialized(values, g, standardize)
    grid = grids.Grid(values, g, MEAN, STD, standardize=standardize)
    assert len(grid) == len(values) ** (g * g) == len(full) and grid.shape == full.shape
    np.testing.assert_array_equal(grid.cells(np.arange(len(grid))), cells)  # the documented index → cells map
    streamed = np.concatenate([grid[lo : lo + 1000] for lo in range(0, len(grid), 1000)])
    np.testing.assert_array_equal(streamed, full)
    rows = np.random.default_rng(0).permutation(len(grid))[:777]  # any order, any batch
    np.testing.assert_array_equal(grid[rows], full[rows])


def test_a_five_value_start_is_rebuilt_from_its_index_alone():
    values = [0.1, 0.3, 0.5, 0.7, 0.9]
    grid = grids.Grid(values, 3, MEAN, STD)
    assert len(grid) == 1_953_125
    i = 4 * 5**8 + 2 * 5**4 + 1  # digits 4 0 0 0 2 0 0 0 1: cells 0, 4 and 8 set, the rest 0.1
    expected = np.full(9, 0.1)
    expected[[0, 4, 8]] = 0.9, 0.5, 0.3
    np.testing.assert_array_equal(grid.cells([i])[0], expected)
    direct = np.asarray(Image.fromarray(expected.reshape(3, 3).astype(np.float32), "F").resize((28, 28), 3))
    np.testing.assert_allclose(grid[[i]][0, ..., 0], (direct * 255.0 - MEAN) / STD, atol=1e-4)
    np.testing.assert_allclose(grid[[len(grid) - 1]], (0.9 * 255 - MEAN) / STD, rtol=1e-5)  # uniform 0.9
    with pytest.raises(IndexError, match="start indices must be in 0..1953124"):
        grid[[len(grid)]]


def test_best_keeps_what_top_over_the_whole_stream_keeps():
    rng = np.random.default_rng(1)
    losses = rng.integers(0, 40, 5000).astype(np.float32)  # many ties: broken by row, as top does
    images = rng.normal(size=(5000, 2)).astype(np.float32)
    for k in (1, 8, 300, 5000):
        best = driver.Best(k)
        for lo in range(0, 5000, 97):
            best.add(np.arange(lo, min(lo + 97, 5000)), losses[lo : lo + 97], images[lo : lo + 97])
        np.testing.assert_array_equal(best.images_by_row(), images[np.sort(driver.top(losses, k))])


def test_halving_on_a_streamed_grid_equals_halving_on_the_materialized_one(small_cnn):
    a = small_cnn["attrs"]
    grid = grids.Grid([0.2, 0.5, 0.8], 2, a["pixel_mean"], a["pixel_std"])  # 81 starts
    kw = dict(test_epochs=4, top_k=3, step_size=0.05, batch_size=16, mode="halving", rungs=(1, 2, 4), eta=2)
    streamed = precursor.screen(small_cnn["model"], [46, 56], grid, **kw)
    full = precursor.screen(small_cnn["model"], [46, 56], grid[:], **kw)
    for m in (46, 56):
        for key in ("final_loss", "rung_loss", "epochs_done", "top_indices"):
            np.testing.assert_array_equal(streamed[m][key], full[m][key])


def test_halving_survivors_ascended_again_from_their_starts_equal_survivors_kept(small_cnn):
    """Past precursor.KEEP_BYTES the survivors restart from epoch 0: the same steps, so the same result."""
    a = small_cnn["attrs"]
    grid = grids.Grid([0.2, 0.5, 0.8], 2, a["pixel_mean"], a["pixel_std"])
    kw = dict(test_epochs=4, top_k=3, step_size=0.05, batch_size=16, mode="halving", rungs=(1, 2, 4), eta=2)
    kept = precursor.screen(small_cnn["model"], [46, 56], grid, **kw)
    again = precursor.screen(small_cnn["model"], [46, 56], grid, keep_bytes=0, **kw)
    for m in (46, 56):
        for key in ("final_loss", "rung_loss", "epochs_done", "top_indices"):
            np.testing.assert_array_equal(again[m][key], kept[m][key])
        assert again[m]["image_epochs"] > kept[m]["image_epochs"]  # the price: earlier rungs once more
