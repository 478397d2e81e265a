"""The trust report (mnist_dreams.ascent.trust): its numbers on features known by construction, and
a planted fake (mnist_dreams.subject.planted) that it must catch on a real trained CNN."""

import numpy as np
import pytest
import yaml

from helpers import ROOT

LIMITS = {k: v["default"] for k, v in yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
          ["properties"]["trust"]["properties"].items()}  # fmt: skip


def test_path_rank_is_one_for_an_oip_like_its_own_examples_and_low_for_one_like_anothers():
    from mnist_dreams.ascent import trust

    rng = np.random.default_rng(0)
    examples = {m: rng.normal(size=50) for m in range(20)}
    own = {0: examples[0] + 0.1 * rng.normal(size=50)}  # the OIP takes its examples' path
    fake = {1: examples[7]}  # map 1's OIP takes map 7's path: 18 of the 19 others beat its own
    ((sim, rank),) = trust.path_numbers(own, examples).values()
    assert rank == 1.0 and sim > 0.99
    ((_, fake_rank),) = trust.path_numbers(fake, examples).values()
    assert fake_rank < 0.5
    assert all(np.isnan(v) for v in trust.path_numbers({25: examples[0]}, examples)[25])  # no examples of its own


@pytest.mark.parametrize(
    ("numbers", "expected", "says"),
    [({"path_rank": 0.95, "in_range_ratio": 2.0}, "trusted", "path rank 0.95"),
     ({"path_rank": 0.95, "in_range_ratio": 0.5}, "doubtful", "in-range ratio 0.50"),
     ({"path_rank": 0.7, "in_range_ratio": 2.0}, "doubtful", "path rank 0.70 < 0.9"),
     ({"path_rank": 0.95, "in_range_ratio": float("nan")}, "doubtful", "in-range ratio nan"),
     ({"path_rank": 0.2, "in_range_ratio": 2.0}, "not trusted", "path rank 0.20 < 0.25"),
     ({"path_rank": 0.95, "in_range_ratio": 2.0, "similarity_ratio": 0.1}, "not trusted", "0.10 of the layer's median"),
     ({"path_rank": 0.95, "in_range_ratio": 2.0, "silent_share": 0.9}, "not trusted", "90% of it goes through inputs"),
     ({"path_rank": 0.95, "in_range_ratio": 2.0, "weight_similarity": 0.7}, "doubtful", "0.70 alike (≥ 0.5)"),
     ({"path_rank": 0.95, "in_range_ratio": 2.0, "similarity_ratio": 0.3, "silent_share": 0.4,
       "weight_similarity": 0.3}, "trusted", ""),
     ({"path_rank": float("nan"), "in_range_ratio": 2.0}, "", "no natural examples")],
)  # fmt: skip
def test_the_verdict_follows_the_thresholds_and_says_why(numbers, expected, says):
    from mnist_dreams.ascent import trust

    verdict, reason = trust.verdict(numbers, LIMITS)
    assert verdict == expected and reason and says in reason


def test_an_input_no_image_varies_is_silent_and_a_map_loses_what_it_read_through_it():
    import keras

    from mnist_dreams.ascent import trust

    x = keras.Input((6, 6, 1))
    conv, top = keras.layers.Conv2D(2, 3, activation="relu"), keras.layers.Conv2D(2, 1, name="top")
    model = keras.Model(x, top(conv(x)))
    kernel = np.zeros((3, 3, 1, 2), np.float32)
    kernel[1, 1, 0, 0] = 1.0  # channel 0 passes the pixel on; channel 1 is dead: ReLU(0·x − 1) = 0
    conv.set_weights([kernel, np.array([0.0, -1.0], np.float32)])
    # map 0 reads both channels (1 and 2 times), map 1 channel 0 alone
    top.set_weights([np.array([[[[1.0, 1.0], [2.0, 0.0]]]], np.float32), np.zeros(2, np.float32)])
    images = np.random.default_rng(2).uniform(0.1, 1.0, size=(40, 6, 6, 1)).astype(np.float32)
    mean, silent = trust.natural_spread(model, "top", images, batch_size=7)
    assert silent.tolist() == [False, True] * 16  # (4, 4, 2) flattened: every position of channel 1
    np.testing.assert_allclose(mean[0::2], images[:, 1:5, 1:5, 0].mean(axis=0).ravel(), rtol=1e-6)
    oip = np.where(silent, 4.0, mean)  # the average image's live inputs, the silent ones woken to 4
    live = mean[0::2].mean()  # what the maps read through channel 0, averaged over positions
    shares = trust.silent_share(model, "top", np.stack([oip, oip]), [0, 1], mean, silent)
    np.testing.assert_allclose(shares, [8.0 / (live + 8.0), 0.0], rtol=1e-5)


def test_the_path_of_a_layer_that_joins_two_is_both_tensors_side_by_side():
    import keras

    from mnist_dreams.ascent import trust

    x = keras.Input((8, 8, 2))
    a, b = keras.layers.Conv2D(3, 3, name="a")(x), keras.layers.Conv2D(4, 3, name="b")(x)
    model = keras.Model(x, keras.layers.Concatenate(name="joined")([a, b]))
    images = np.random.default_rng(1).normal(size=(5, 8, 8, 2)).astype(np.float32)
    features = trust.input_features(model, "joined", images, batch_size=2)
    expected = [np.asarray(keras.Model(x, t)(images)).reshape(5, -1) for t in (a, b)]
    # float32 convolutions of a 1-image and a 5-image batch differ in the last bits (oneDNN on AVX2: ~1e-5)
    np.testing.assert_allclose(features, np.concatenate(expected, axis=1), rtol=1e-4, atol=1e-6)


def test_a_planted_fake_is_not_trusted_and_the_untouched_maps_mostly_are(small_cnn, mnist):
    """Geirhos et al.'s silent unit planted into one conv3 map of a trained CNN: the planted CNN
    answers every MNIST image exactly as before, the ascent finds the fake (its detector, read
    directly, is awake in the OIP), and the trust report marks that map not trusted for its silent
    path, while at most 5 % of the untouched maps are not trusted (issue 39, item 4)."""
    from mnist_dreams.ascent import input_range, oip, trust
    from mnist_dreams.ascent.engine.settings import Settings
    from mnist_dreams.plumbing import backend
    from mnist_dreams.subject import examples, planted

    model, mean, std = small_cnn["model"], small_cnn["attrs"]["pixel_mean"], small_cnn["attrs"]["pixel_std"]
    natural = ((np.concatenate([mnist["x_train"], mnist["x_test"]])[..., None] - mean) / std).astype(np.float32)
    test_x = natural[len(mnist["x_train"]) :]
    peak, _, per_image = examples.activations(model, test_x)
    top, _ = examples.extremes(per_image)
    found = {"top_index": top, "top_activation": np.take_along_axis(per_image.T, top, axis=1)}
    maps = np.flatnonzero(peak > 0)
    starts = np.concatenate([oip.random_starts(4, mean, std, 1000 + int(m)) for m in maps])
    ids = np.repeat(maps, 4)
    moving = np.unique(ids[backend.map_losses(model, "conv3", starts, ids) > 0])  # a dead start never moves
    fake_map = int(moving[len(moving) // 3])
    fake, threshold = planted.plant(model, "conv3", fake_map, natural)
    assert planted.detector_output(fake, natural).max() == 0 and threshold > 0  # asleep on all 70 000
    np.testing.assert_array_equal(fake.predict(test_x, verbose=0), model.predict(test_x, verbose=0))

    r = oip.optimize(fake, ids, starts, Settings(epochs=300, step_size=0.03))
    r.update(input_range.numbers(fake, "conv3", r["images"], ids, *input_range.bounds(mean, std, 1)))
    oips = {int(m): {k: v[ids == m] for k, v in r.items() if k != "seconds"} for m in maps}
    assert planted.detector_output(fake, oips[fake_map]["images"]).max() > 0  # the ascent found the fake

    table = trust.table(fake, "conv3", oips, found, test_x, LIMITS).set_index("map")
    assert table.loc[fake_map, "verdict"] == "not trusted"
    assert table.loc[fake_map, "silent_share"] > 0.9 and "silent path" in table.loc[fake_map, "verdict_reason"]
    untouched = table.drop(index=fake_map)  # their OIPs may wake the detector too, but they do not read it
    assert len(untouched) > 50 and untouched["silent_share"].max() < 0.01
    assert (untouched["verdict"] == "not trusted").mean() <= 0.05, untouched[untouched["verdict"] == "not trusted"]


def test_shuffled_weights_are_the_same_values_in_another_order_and_come_back(small_cnn):
    from mnist_dreams.ascent import weight_dependence as wd

    model = small_cnn["model"]
    assert wd.weighted_up_to(model, "conv3") == ["conv3", "conv2", "conv1"]
    before = {n: model.get_layer(n).get_weights() for n in ("conv3", "conv2", "dense1")}
    with wd.shuffled(model, ["conv3", "conv2"], seed=1):
        for n in ("conv3", "conv2"):
            for now, was in zip(model.get_layer(n).get_weights(), before[n], strict=True):
                np.testing.assert_array_equal(np.sort(now, axis=None), np.sort(was, axis=None))
                assert (now != was).mean() > 0.9
        np.testing.assert_array_equal(model.get_layer("dense1").get_weights()[0], before["dense1"][0])
    for n, weights in before.items():
        for now, was in zip(model.get_layer(n).get_weights(), weights, strict=True):
            np.testing.assert_array_equal(now, was)


def test_weight_similarity_is_spearmans_and_high_only_for_a_picture_that_is_its_start(small_cnn):
    """The similarity against scipy's Spearman; an OIP ascended 5 tiny steps (its picture: its start)
    is as alike with the layer's weights shuffled as without, a full ascent is not; the verdict
    says so."""
    from scipy.stats import spearmanr

    from mnist_dreams.ascent import oip, trust
    from mnist_dreams.ascent import weight_dependence as wd
    from mnist_dreams.ascent.engine.settings import Settings
    from mnist_dreams.plumbing import backend

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 6, 6, 1)), rng.normal(size=(3, 6, 6, 1))
    b[1] = -a[1] + 0.1 * b[1]
    expected = [abs(spearmanr(x.ravel(), y.ravel())[0]) for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(wd.similarity(a, b), expected, rtol=1e-9)
    assert wd.similarity(a[:1], np.zeros((1, 6, 6, 1)))[0] == 0.0

    model, attrs = small_cnn["model"], small_cnn["attrs"]
    starts = oip.random_starts(64, attrs["pixel_mean"], attrs["pixel_std"], 7)
    live = backend.map_losses(model, "conv3", starts, np.arange(64)) > 0
    maps = np.flatnonzero(live)[:8]
    oips, params = {}, {}
    for name, (epochs, step) in {"tiny": (5, 1e-4), "full": (300, 0.03)}.items():
        r = oip.optimize(model, maps, starts[maps], Settings(epochs=epochs, step_size=step))
        params[name] = {m: {"params": {"epochs": epochs, "step_size": step}, "seed": 0} for m in maps.tolist()}
        oips[name] = {m: {k: r[k][j : j + 1] for k in ("images", "start_images", "final_loss")}
                      for j, m in enumerate(maps.tolist())}  # fmt: skip
    tiny = wd.table(model, "conv3", oips["tiny"], params["tiny"])
    full = wd.table(model, "conv3", oips["full"], params["full"])
    assert min(v["weight_similarity"] for v in tiny.values()) > 0.95
    assert np.median([v["weight_similarity"] for v in full.values()]) < 0.5
    assert all(0 <= v["weight_similarity_all"] <= 1 for v in full.values())
    m = int(maps[0])
    verdict, reason = trust.verdict({"path_rank": 0.95, "in_range_ratio": 2.0, **tiny[m]}, LIMITS)
    assert verdict == "doubtful" and "weights shuffled" in reason


def test_class_role_is_what_zeroing_the_map_costs_each_answered_class_by_numpy(small_cnn, mnist):
    """class_role.drops (the map's weights zeroed, the whole model run) against NumPy: conv3's
    activations with the map set to 0, then flatten → dense1 → output from the weights; the drop of
    log p(the model's answer), averaged per answered class. The weights come back."""
    import keras

    from mnist_dreams.ascent import class_role
    from mnist_dreams.plumbing import backend

    model, attrs = small_cnn["model"], small_cnn["attrs"]
    x = ((mnist["x_test"][:3000, ..., None] - attrs["pixel_mean"]) / attrs["pixel_std"]).astype(np.float32)
    before = [w.copy() for w in model.get_layer("conv3").get_weights()]
    answers, drops = class_role.drops(model, "conv3", x, [3, 40, 77], per_class=30)
    for now, was in zip(model.get_layer("conv3").get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, was)

    answer = model.predict(x, verbose=0).argmax(axis=1)
    keep = np.concatenate([np.flatnonzero(answer == c)[:30] for c in range(10)])
    np.testing.assert_array_equal(answers, answer[keep])
    conv3 = np.asarray(backend.feature_model(model, "conv3").predict(x[keep], verbose=0), np.float64)
    (w1, b1), (w2, b2) = model.get_layer("dense1").get_weights(), model.get_layer("output").get_weights()

    def log_p(a):
        logits = np.maximum(a.reshape(len(a), -1) @ w1 + b1, 0) @ w2 + b2
        logits -= logits.max(axis=1, keepdims=True)
        return (logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))[np.arange(len(a)), answers]

    for m, per_class in drops.items():
        zeroed = conv3.copy()
        zeroed[..., m] = 0.0
        d = log_p(conv3) - log_p(zeroed)
        expected = [d[answers == c].mean() if (answers == c).any() else np.nan for c in range(10)]
        np.testing.assert_allclose(per_class, expected, rtol=1e-3, atol=1e-5)
    roles = class_role.table(model, "conv3", x, [3], per_class=30)[3]
    assert roles["class_role"] == int(np.nanargmax(drops[3])) and 0 < roles["class_role_share"] <= 1

    relu, sigmoid = keras.layers.Conv2D(2, 3, activation="relu"), keras.layers.Conv2D(2, 3, activation="sigmoid")
    norm = keras.layers.BatchNormalization()
    for layer in (relu, sigmoid, norm):
        layer.build((None, 8, 8, 1))
    assert class_role.zeroable(relu) and not class_role.zeroable(sigmoid) and not class_role.zeroable(norm)
