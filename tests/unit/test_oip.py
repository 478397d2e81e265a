import numpy as np
import pytest

from helpers import conv3_by_numpy, most_active_map
from mnist_dreams.ascent import input_range, oip
from mnist_dreams.ascent.engine import driver
from mnist_dreams.ascent.engine.settings import Settings
from mnist_dreams.plumbing import backend
from mnist_dreams.subject import examples, photo


@pytest.fixture(scope="module")
def starts(small_cnn):
    a = small_cnn["attrs"]
    return oip.random_starts(6, a["pixel_mean"], a["pixel_std"], seed=5)


def test_random_starts_are_seeded_and_span_the_pixel_range(small_cnn, starts):
    a = small_cnn["attrs"]
    again = oip.random_starts(6, a["pixel_mean"], a["pixel_std"], seed=5)
    np.testing.assert_array_equal(starts, again)
    assert not np.array_equal(starts, oip.random_starts(6, a["pixel_mean"], a["pixel_std"], seed=6))
    lo, hi = (0 - a["pixel_mean"]) / a["pixel_std"], (255 - a["pixel_mean"]) / a["pixel_std"]
    np.testing.assert_allclose(starts.min(axis=(1, 2, 3)), lo, rtol=1e-5)
    np.testing.assert_allclose(starts.max(axis=(1, 2, 3)), hi, rtol=1e-5)


def test_random_starts_of_a_colour_model_are_one_gray_image_scaled_per_channel():
    mean, std = np.array([10.0, 120.0, 250.0]), np.array([1.0, 2.0, 4.0])
    rgb = oip.random_starts(3, mean, std, seed=5, shape=(20, 24, 3))
    assert rgb.shape == (3, 20, 24, 3)
    gray = rgb * std + mean  # back to 0-255 pixels: the same image in every channel
    np.testing.assert_allclose(gray[..., 1], gray[..., 0], atol=1e-3)
    np.testing.assert_allclose(gray[..., 2], gray[..., 0], atol=1e-3)
    np.testing.assert_allclose(gray.min(axis=(1, 2, 3)), 0, atol=1e-3)
    np.testing.assert_allclose(gray.max(axis=(1, 2, 3)), 255, atol=1e-3)


def _active_map(small_cnn, starts):
    return most_active_map(small_cnn["model"], starts)


@pytest.mark.parametrize("jitter", [0, 2])
def test_optimize_stores_the_loss_of_the_stored_images(small_cnn, starts, jitter):
    m = _active_map(small_cnn, starts)
    r = oip.optimize(small_cnn["model"], m, starts, Settings(epochs=40, step_size=0.05, jitter=jitter), seed=1)
    assert r["loss_history"].shape == (6, 40) and r["images"].shape == starts.shape
    recomputed = backend.map_losses(small_cnn["model"], "conv3", r["images"], m)
    np.testing.assert_allclose(r["final_loss"], recomputed, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(r["final_loss"], r["loss_history"][:, -1])
    assert r["final_loss"].max() > r["start_loss"].max()


def test_layer_table_counts_firing_and_found_maps(small_cnn, mnist, starts):
    a = small_cnn["attrs"]
    x = photo.to_input(np.asarray(mnist["x_test"][:500], np.float32)[..., None], a["pixel_mean"], a["pixel_std"])
    max_act, mean_act, per_image = examples.activations(small_cnn["model"], x, batch_size=128)
    m = _active_map(small_cnn, starts)
    r = oip.optimize(small_cnn["model"], m, starts, Settings(epochs=5, step_size=0.05))
    table = oip.layer_table({m: r}, max_act, mean_act, best_test=per_image.max(axis=0))
    assert len(table) == 128 and table["computed"].sum() == 1
    assert table.loc[m, "found"] == bool(r["final_loss"].max() > 0) and table.loc[m, "best_loss"] == pytest.approx(
        r["final_loss"].max()
    )
    peak = conv3_by_numpy(small_cnn["model"], x).max(axis=(0, 1, 2))  # NumPy, not Keras
    np.testing.assert_allclose(table["max_test_activation"], peak, rtol=1e-4, atol=1e-5)
    clear = np.abs(peak) > 1e-5
    np.testing.assert_array_equal(table["fires_on_test"][clear], peak[clear] > 0)
    assert 0 < table["fires_on_test"].sum() < 128
    # the pattern numbers of the computed map: its OIP against the best test image, by NumPy
    by_image = conv3_by_numpy(small_cnn["model"], x).mean(axis=(1, 2))
    assert table.loc[m, "best_test_activation"] == pytest.approx(by_image[:, m].max(), rel=1e-4, abs=1e-6)
    if r["final_loss"].max() > 0:
        assert table.loc[m, "oip_vs_best_test"] == pytest.approx(r["final_loss"].max() / by_image[:, m].max(), rel=1e-4)
        assert 0 <= table.loc[m, "high_frequency_share"] <= 1
    assert table.drop(index=m)["oip_vs_best_test"].isna().all()  # maps without an OIP have no numbers


def test_chunked_ascent_equals_one_long_loop(small_cnn, starts):
    """optimize() runs its epochs in compiled chunks to report progress: same numbers as one loop."""
    m = _active_map(small_cnn, starts)
    epochs = driver.CHUNK_EPOCHS + 37  # one full chunk and a remainder
    r = oip.optimize(small_cnn["model"], m, starts, Settings(epochs=epochs, step_size=0.05))
    images, hist = driver.map_ascent(small_cnn["model"], "conv3", 0.05, epochs)(starts, m)
    np.testing.assert_array_equal(r["images"], images)
    np.testing.assert_array_equal(r["loss_history"], hist[1:].T)
    np.testing.assert_array_equal(r["start_loss"], hist[0])


def test_several_maps_in_one_batch_equal_one_map_at_a_time(small_cnn):
    a = small_cnn["attrs"]
    params = {"epochs": 30, "step_size": 0.05, "jitter": 0, "l2": 0.0, "tv": 0.0, "start": "random"}
    params["random"] = {"count": 6, "top_k": 8, "screen_epochs": 10, "cells": [2, 4, 7, 14],
                        "weights": [1.0, 0.5, 0.25, 0.125]}  # fmt: skip
    maps = [46, 56, 81, 116]
    together = oip.run_maps(small_cnn["model"], maps, params, 3, a["pixel_mean"], a["pixel_std"])
    for m in maps:
        alone, attrs = oip.run_maps(small_cnn["model"], [m], params, 3, a["pixel_mean"], a["pixel_std"])[m]
        for key in ("images", "start_images"):  # every step the same: the OIPs bit for bit
            np.testing.assert_array_equal(together[m][0][key], alone[key], err_msg=f"map {m}: {key}")
        # the recorded losses to the last float32 bit or one off: on an AMD EPYC TensorFlow rounds the
        # mean of a batch of 24 and of 6 differently in the last bit (images equal, measured)
        for key in ("loss_history", "start_loss", "final_loss"):
            np.testing.assert_allclose(together[m][0][key], alone[key], rtol=3e-7, atol=0, err_msg=f"map {m}: {key}")
        assert together[m][1]["found"] == attrs["found"] == bool(alone["final_loss"].max() > 0)


def test_a_dead_candidate_is_recorded_not_ascended(small_cnn, starts):
    """Loss 0 from the start: the image stays and its history is 0 — as ascending it gives (prune off)."""
    activation = conv3_by_numpy(small_cnn["model"], starts).max(axis=(1, 2))  # NumPy, not Keras
    dead_maps = np.flatnonzero((activation == 0).all(axis=0))
    live_maps = np.flatnonzero((activation > 0).all(axis=0))
    assert len(dead_maps) and len(live_maps)  # this weak CNN has maps no random start wakes
    maps = np.repeat([int(dead_maps[0]), int(live_maps[0])], len(starts))
    both = np.concatenate([starts, starts])
    pruned = oip.optimize(small_cnn["model"], maps, both, Settings(epochs=20, step_size=0.05))
    full = oip.optimize(small_cnn["model"], maps, both, Settings(epochs=20, step_size=0.05), prune=False)
    for key in ("images", "loss_history", "start_loss", "final_loss"):
        np.testing.assert_array_equal(pruned[key], full[key], err_msg=key)
    np.testing.assert_array_equal(pruned["images"][: len(starts)], starts)
    assert not pruned["loss_history"][: len(starts)].any() and pruned["final_loss"][len(starts) :].min() > 0


def test_the_input_range_is_0_and_255_through_the_scaling():
    low, high = input_range.bounds([10.0, 120.0, 250.0], [1.0, 2.0, -4.0], 3)  # a negative std flips the ends
    np.testing.assert_allclose(low, [-10.0, -60.0, -1.25])
    np.testing.assert_allclose(high, [245.0, 67.5, 62.5])
    x = np.array([[[[-11.0, 0.0, 70.0]]], [[[0.0, 0.0, 5.0]]]], np.float32)  # (2, 1, 1, 3)
    np.testing.assert_array_equal(input_range.clip(x, low, high)[0, 0, 0], [-10.0, 0.0, 62.5])
    np.testing.assert_allclose(input_range.share(x, low, high), [1 / 3, 1.0])


def test_a_bounded_ascent_stays_in_range_rises_and_is_the_plain_one_inside_an_open_box(small_cnn, starts):
    """oip.bound: clip: every candidate inside [0, 255] through the standardization after the ascent
    (the plain ascent leaves it), still above its start; with an unbounded box the clip changes
    nothing, bit for bit: the bound is the only difference between the two ascents."""
    a, model = small_cnn["attrs"], small_cnn["model"]
    m = _active_map(small_cnn, starts)
    box = input_range.bounds(a["pixel_mean"], a["pixel_std"], 1)
    plain = oip.optimize(model, m, starts, Settings(epochs=60, step_size=0.3))
    bounded = oip.optimize(model, m, starts, Settings(epochs=60, step_size=0.3, bound="clip"), input_range=box)
    assert input_range.share(plain["images"], *box).min() < 1  # the seed's ascent leaves the range
    np.testing.assert_array_equal(input_range.share(bounded["images"], *box), 1.0)
    assert bounded["final_loss"].max() > bounded["start_loss"].max()
    open_box = (np.float32([-np.inf]), np.float32([np.inf]))
    unbounded = oip.optimize(model, m, starts, Settings(epochs=60, step_size=0.3, bound="clip"), input_range=open_box)
    for key in ("images", "loss_history", "final_loss"):
        np.testing.assert_array_equal(unbounded[key], plain[key], err_msg=key)
    with pytest.raises(ValueError, match="oip.bound: clip needs the model's input range"):
        oip.optimize(model, m, starts, Settings(epochs=5, step_size=0.3, bound="clip"))


def test_data_starts_take_live_test_images_first_then_training_images():
    import pandas as pd

    from mnist_dreams.ascent import data_starts

    test_index = np.array([[5, 3, 7], [1, 2, 0], [4, 6, 8]])  # per map of the layer, its top 3 test images
    test_activation = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    train = np.array([[9.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 3.0, 0.0]])
    chosen = data_starts.choose([0, 1, 2], test_index, test_activation, train, count=2)
    assert chosen[0][0] == "test" and chosen[0][1].tolist() == [5, 3]  # only the images that fire
    assert chosen[1][0] == "train" and chosen[1][1].tolist() == [1, 4]  # silent on test: ties by order
    assert chosen[2][0] is None and len(chosen[2][1]) == 0  # silent everywhere: not ascended
    assert data_starts.choose([1], test_index, test_activation, None, 2)[1][0] is None  # no training set
    layer = pd.DataFrame({"map": [0, 1, 2, 3], "computed": [True, True, True, False], "found": [True, False, False, ""],
                          "fires_on_test": [True, True, False, True]})  # fmt: skip
    rescued = pd.DataFrame({"map": [1, 2], "found": [True, False]})
    assert data_starts.still_without_oip(layer) == [1, 2]
    assert data_starts.still_without_oip(layer, rescued) == [2]  # what the rescue found is not asked again


def test_a_map_silent_on_every_image_wakes_behind_its_own_relu_after_a_warm_up(small_cnn, mnist):
    """A conv3 map pushed below 0 on every test image and every random start (its bias lowered by
    its largest pre-activation there): without a warm-up data_starts records it unascended; with
    one, the random starts first climb its pre-activation, and the OIP then fires it, checked by a
    NumPy forward pass of the stored image."""
    from mnist_dreams.ascent import data_starts
    from mnist_dreams.ascent.data_starts import pre_activation

    model, a = small_cnn["model"], small_cnn["attrs"]
    x = photo.to_input(mnist["x_test"][:2000, ..., None].astype(np.float32), a["pixel_mean"], a["pixel_std"])
    conv3 = model.get_layer("conv3")
    kept = conv3.get_weights()
    m, count = 7, 4
    randoms = oip.random_starts(count, a["pixel_mean"], a["pixel_std"], 3 * 1000 + m)
    pre, name = pre_activation(model, "conv3")
    highest = float(np.asarray(pre.predict(np.concatenate([x, randoms]), verbose=0))[..., m].max())
    kernel, bias = (w.copy() for w in kept)
    bias[m] -= max(highest, 0.0) + 0.05  # its pre-activation at most −0.05 on every position of them
    try:
        conv3.set_weights([kernel, bias])
        assert conv3_by_numpy(model, np.concatenate([x, randoms]))[..., m].max() == 0  # silent, by NumPy
        examples_h5 = {"top_index": np.zeros((128, 9), int), "top_activation": np.zeros((128, 9))}
        params = {"epochs": 300, "step_size": 0.05}
        box = input_range.bounds(a["pixel_mean"], a["pixel_std"], 1)
        args = (model, [m], examples_h5, x, None, params, count, 3, box, "conv3")
        ((off, off_attrs),) = data_starts.run(*args, warm_up=0.0).values()
        assert off_attrs["start_set"] == "none" and not off_attrs["found"] and len(off["final_loss"]) == 0
        ((on, attrs),) = data_starts.run(*args, warm_up=0.5, pixel_stats=(a["pixel_mean"], a["pixel_std"])).values()
        np.testing.assert_array_equal(on["start_images"], randoms)
        assert attrs["start_set"] == "warm-up" and attrs["found"] and attrs["found_by"] == "warm-up"
        best = int(np.argmax(on["final_loss"]))
        by_numpy = conv3_by_numpy(model, on["images"][best][None])[..., m].mean()
        assert by_numpy > 0 and by_numpy == pytest.approx(on["final_loss"][best], rel=1e-3)
        assert data_starts.table({m: (on, attrs)})["start_set"].tolist() == ["warm-up"]
    finally:
        conv3.set_weights(kept)
