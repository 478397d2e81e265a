"""End to end on tiny.yaml: precursor + OIP for 2 maps, stored values recomputed from the model."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import planned_jobs, planned_rules, workflow_copy
from mnist_dreams.ascent import grids
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e


def _tiny(run):
    return yaml.safe_load((run / "config/tiny.yaml").read_text())


def test_precursor_files_hold_every_loss_and_the_top_k_starts(tiny_run):
    tiny = _tiny(tiny_run)
    _, cnn_attrs = store.read_h5(tiny_run / "results/cnn/training.h5")
    starts = grids.grid_patterns(tiny["precursor"]["values"], 3, cnn_attrs["pixel_mean"], cnn_attrs["pixel_std"])
    for m in tiny["maps"]:
        res, attrs = store.read_map(tiny_run / f"results/precursor/map_{m:03d}.h5")
        assert attrs["map"] == m and attrs["precision"] == "float32"
        assert attrs["params"]["test_epochs"] == tiny["precursor"]["test_epochs"]
        assert res["final_loss"].shape == (len(starts),)
        np.testing.assert_array_equal(res["top_indices"], np.argsort(-res["final_loss"], kind="stable")[:4])
        np.testing.assert_array_equal(res["start_images"], starts[res["top_indices"]])


def test_oip_final_loss_is_the_map_activation_of_the_stored_image(tiny_run):
    model = models.load_model(tiny_run / "results/cnn/model.keras")
    for m in _tiny(tiny_run)["maps"]:
        res, attrs = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("images", "loss_history"))
        recomputed = backend.map_losses(model, "conv3", res["images"], m)
        np.testing.assert_allclose(res["final_loss"], recomputed, rtol=1e-5, atol=1e-5)
        assert np.all(res["final_loss"] >= res["loss_history"][:, 0])  # ≥ the loss after epoch 1
        assert attrs["found"] == bool(res["final_loss"].max() > 0)
        assert (tiny_run / f"results/oip/map_{m:03d}.png").stat().st_size > 5000


def test_summary_covers_the_layer(tiny_run, tiny_test_peaks):
    table = pd.read_csv(tiny_run / "results/oip/summary.tsv", sep="\t")
    assert list(table["map"]) == list(range(128))
    assert sorted(table.loc[table["computed"], "map"]) == _tiny(tiny_run)["maps"]
    peak = tiny_test_peaks  # every test image through the saved model, by NumPy instead of Keras
    np.testing.assert_allclose(table["max_test_activation"], peak, rtol=1e-4, atol=1e-5)
    clear = np.abs(peak) > 1e-5  # a map at the float32 edge of firing could go either way
    np.testing.assert_array_equal(table["fires_on_test"][clear], peak[clear] > 0)
    assert 0 < table["fires_on_test"].sum() < 128  # both kinds of map exist: the check saw both
    for m in _tiny(tiny_run)["maps"]:
        oip, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("final_loss",))
        assert table.loc[m, "best_loss"] == pytest.approx(oip["final_loss"].max(), rel=1e-5)  # TSV: 6 digits


def test_dataset_examples_and_pattern_numbers_match_numpy(tiny_run, tiny_test_conv3):
    """Each map's 9 most and least exciting test images, and the OIP ÷ best test image ratio, from
    every test image's conv3 by NumPy (the saved weights), not by the workflow's Keras pass."""
    ex, attrs = store.read_h5(tiny_run / "results/oip/examples.h5")
    mnist, _ = store.read_h5(tiny_run / "resources/mnist.h5")
    by_image = tiny_test_conv3.mean(axis=(1, 2))  # (10000, 128): the OIP's objective on each image
    assert attrs["n_images"] == 10000 and ex["top_index"].shape == (128, 9)
    np.testing.assert_allclose(ex["top_activation"], -np.sort(-by_image, axis=0)[:9].T, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ex["bottom_activation"], np.sort(by_image, axis=0)[:9].T, rtol=1e-4, atol=1e-6)
    for m in range(128):  # the stored images and labels are those of the stored indices
        np.testing.assert_array_equal(ex["top_images"][m][..., 0], mnist["x_test"][ex["top_index"][m]])
        np.testing.assert_array_equal(ex["top_label"][m], mnist["y_test"][ex["top_index"][m]])
    table = pd.read_csv(tiny_run / "results/oip/summary.tsv", sep="\t")
    np.testing.assert_allclose(table["best_test_activation"], by_image.max(axis=0), rtol=1e-4, atol=1e-6)
    for m in _tiny(tiny_run)["maps"]:
        oip, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("final_loss",))
        expected = oip["final_loss"].max() / by_image[:, m].max()
        assert table.loc[m, "oip_vs_best_test"] == pytest.approx(expected, rel=1e-4)
    assert table.loc[~table["computed"], "oip_vs_best_test"].isna().all()


def test_in_range_numbers_are_the_clipped_oips_activation_by_numpy(tiny_run, tiny_test_conv3):
    """in_range_loss: each stored candidate clipped to 0–255 (through the CNN's standardization, from
    training.h5) and passed through conv3 by NumPy; the layer summary's in_range_ratio and share
    from them. The seed's unbounded ascent leaves the range: the clipped OIP is weaker than the OIP."""
    from helpers import conv3_by_numpy

    _, cnn_attrs = store.read_h5(tiny_run / "results/cnn/training.h5")
    low, high = (np.float32((p - cnn_attrs["pixel_mean"]) / cnn_attrs["pixel_std"]) for p in (0.0, 255.0))
    model = models.load_model(tiny_run / "results/cnn/model.keras")
    table = pd.read_csv(tiny_run / "results/oip/summary.tsv", sep="\t").set_index("map")
    best_test = tiny_test_conv3.mean(axis=(1, 2)).max(axis=0)
    for m in _tiny(tiny_run)["maps"]:
        oip, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("images", "in_range_loss"))
        clipped = np.clip(oip["images"], low, high)
        by_numpy = conv3_by_numpy(model, clipped)[..., m].mean(axis=(1, 2))
        np.testing.assert_allclose(oip["in_range_loss"], by_numpy, rtol=1e-4, atol=1e-6)
        inside = ((oip["images"] >= low) & (oip["images"] <= high)).reshape(len(clipped), -1).mean(axis=1)
        np.testing.assert_allclose(oip["in_range_share"], inside, rtol=1e-6)
        best = int(np.argmax(oip["final_loss"]))
        assert table.loc[m, "in_range_ratio"] == pytest.approx(by_numpy[best] / best_test[m], rel=1e-4)
        assert table.loc[m, "in_range_share"] == pytest.approx(inside[best], rel=1e-5)
        assert inside[best] < 1 and by_numpy[best] < oip["final_loss"][best]
    summary = pd.read_csv(tiny_run / "results/summary.tsv", sep="\t").set_index("quantity")
    computed = table[table["computed"]]
    assert float(summary.loc["oip_in_range_ratio_median", "ours"]) == pytest.approx(
        computed["in_range_ratio"].median(), rel=1e-4
    )


def test_trust_path_numbers_and_verdicts_are_recomputed_by_numpy(tiny_run, tiny_test_conv3):
    """results/oip/trust.tsv: each OIP's pool2 (the tensor feeding conv3) by NumPy against its map's
    most exciting test images' (the NumPy ranking, those that fire), their cosine, its ratio to the
    layer's median and the share of the other maps whose examples are less alike; the silent share
    by NumPy (conv3 of the OIP's pool2 with the inputs no test image varies reset to theirs); the
    verdicts by the documented thresholds (the weight similarity's among them); the summary's counts."""
    from helpers import conv3_by_numpy
    from mnist_dreams.subject import photo

    model = models.load_model(tiny_run / "results/cnn/model.keras")
    _, a = store.read_h5(tiny_run / "results/cnn/training.h5")
    mnist, _ = store.read_h5(tiny_run / "resources/mnist.h5")
    by_image = tiny_test_conv3.mean(axis=(1, 2))
    top = np.argsort(-by_image, axis=0, kind="stable")[:9].T  # (128, 9)
    live = {m: idx[by_image[idx, m] > 0] for m, idx in enumerate(top) if (by_image[idx, m] > 0).any()}
    x = photo.to_input(np.asarray(mnist["x_test"], np.float32)[..., None], a["pixel_mean"], a["pixel_std"])
    unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
    bank = {m: unit(conv3_by_numpy(model, x[idx], layer="pool2").reshape(len(idx), -1).mean(axis=0))
            for m, idx in live.items()}  # fmt: skip
    pool2 = conv3_by_numpy(model, x, layer="pool2")
    silent = pool2.max(axis=0) - pool2.min(axis=0) <= 1e-6 * (1 + np.abs(pool2.max(axis=0)))
    kernel, bias = model.get_layer("conv3").get_weights()

    def conv3_map(p, m):  # conv3's map m (3×3 valid, ReLU) of one pool2 (5, 5, 64), its mean
        return np.mean([max(0.0, float((p[i : i + 3, j : j + 3] * kernel[..., m]).sum() + bias[m]))
                        for i in range(3) for j in range(3)])  # fmt: skip

    table = pd.read_csv(tiny_run / "results/oip/trust.tsv", sep="\t", keep_default_na=False).set_index("map")
    assert sorted(table.index) == _tiny(tiny_run)["maps"]
    limits = {"path_rank": 0.9, "doubtful_path_rank": 0.25, "in_range_ratio": 1.0, "similarity_ratio": 0.25,
              "silent_share": 0.5, "weight_similarity": 0.5}  # the schema's defaults  # fmt: skip
    sims = {}
    for m in table.index:
        oip, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("images",))
        best = oip["images"][int(np.argmax(oip["final_loss"]))][None]
        p = conv3_by_numpy(model, best, layer="pool2")[0]
        f = unit(p.ravel())
        sims[m] = {j: float(v @ f) for j, v in bank.items()}
        full, kept = conv3_map(p, m), conv3_map(np.where(silent, pool2.mean(axis=0), p), m)
        assert table.loc[m, "silent_share"] == pytest.approx(np.clip(1 - kept / full, 0, 1), abs=1e-4)
    median = np.median([sims[m][m] for m in table.index if m in bank])
    for m in table.index:
        if m not in bank:  # no test image fires it: nothing to compare with, no verdict
            assert np.isnan(table.loc[m, "path_rank"]) and table.loc[m, "verdict"] == ""
            continue
        rank = np.mean([sims[m][j] < sims[m][m] for j in sims[m] if j != m])
        assert table.loc[m, "path_similarity"] == pytest.approx(sims[m][m], abs=1e-4)
        assert table.loc[m, "similarity_ratio"] == pytest.approx(sims[m][m] / median, abs=1e-3)
        assert table.loc[m, "path_rank"] == pytest.approx(rank, abs=1.5 / len(sims[m]))  # one near-tie either way
        t, n = limits, table.loc[m]
        expected = (
            "not trusted"
            if n.path_rank < t["doubtful_path_rank"] or n.similarity_ratio < t["similarity_ratio"]
            or n.silent_share > t["silent_share"]
            else "trusted"
            if n.path_rank >= t["path_rank"] and n.in_range_ratio >= t["in_range_ratio"]
            and n.weight_similarity < t["weight_similarity"]
            else "doubtful"
        )  # fmt: skip
        assert table.loc[m, "verdict"] == expected and table.loc[m, "verdict_reason"]
        assert 0 <= table.loc[m, "class_read"] <= 9
        assert 0 <= table.loc[m, "weight_similarity"] <= 1 and 0 <= table.loc[m, "weight_similarity_all"] <= 1
        assert 0 <= table.loc[m, "class_role"] <= 9 and 0 <= table.loc[m, "class_role_share"] <= 1
    summary = pd.read_csv(tiny_run / "results/summary.tsv", sep="\t").set_index("quantity")["ours"]
    counts = table["verdict"].value_counts()
    for verdict in ("trusted", "doubtful", "not trusted"):
        assert int(summary[f"trust_{verdict.replace(' ', '_')}_maps"]) == counts.get(verdict, 0)


def test_data_starts_give_a_map_the_grid_missed_an_oip_from_its_best_test_images(tiny_run, tiny_test_conv3, tmp_path):
    """Starts from the data (issue 39): of the maps tiny's 2⁹ grid leaves all dead (NumPy), one that
        fires on test and one silent there. The first ascends from its most exciting test images (those
        NumPy ranks first) to an OIP whose loss NumPy recomputes; the second starts from training images
        that fire (NumPy) or, silent on all 70 000, from random starts after the warm-up through its dead
    ReLU (its loss by NumPy); results/summary.tsv counts them."""
    import shutil

    from helpers import conv3_by_numpy, snakemake
    from mnist_dreams.ascent.oip import random_starts
    from mnist_dreams.subject import photo

    model = models.load_model(tiny_run / "results/cnn/model.keras")
    _, a = store.read_h5(tiny_run / "results/cnn/training.h5")
    grid = conv3_by_numpy(model, np.asarray(grids.Grid([0.2, 0.8], 3, a["pixel_mean"], a["pixel_std"])))
    by_image = tiny_test_conv3.mean(axis=(1, 2))
    dead_on_grid = grid.max(axis=(0, 1, 2)) == 0
    fires = tiny_test_conv3.max(axis=(0, 1, 2)) > 0
    firing, silent = (int(np.flatnonzero(dead_on_grid & (fires == want))[0]) for want in (True, False))
    work = tmp_path / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    maps = f"maps=[{firing}, {silent}]"
    snakemake(work, "--cores", "2", "--configfile", "config/tiny.yaml", "--config", maps, "--",
              "results/data_starts/summary.tsv", "results/summary.tsv")  # fmt: skip
    table = pd.read_csv(work / "results/data_starts/summary.tsv", sep="\t").set_index("map")
    assert sorted(table.index) == sorted([firing, silent])  # the grid found neither
    got, attrs = store.read_h5(work / f"results/data_starts/maps/map_{firing:03d}.h5")
    top = np.argsort(-by_image[:, firing], kind="stable")[:8]
    np.testing.assert_array_equal(got["start_index"], top[by_image[top, firing] > 0])
    mnist, _ = store.read_h5(tiny_run / "resources/mnist.h5")
    x_test = np.asarray(mnist["x_test"], np.float32)[..., None]
    np.testing.assert_array_equal(
        got["start_images"], photo.to_input(x_test[got["start_index"]], a["pixel_mean"], a["pixel_std"])
    )
    final = conv3_by_numpy(model, got["images"])[..., firing].mean(axis=(1, 2))
    np.testing.assert_allclose(got["final_loss"], final, rtol=1e-4, atol=1e-6)
    assert attrs["found"] and final.max() > by_image[top[0], firing] and table.loc[firing, "start_set"] == "test"
    other, other_attrs = store.read_h5(work / f"results/data_starts/maps/map_{silent:03d}.h5")
    summary = pd.read_csv(work / "results/summary.tsv", sep="\t").set_index("quantity")["ours"]
    if table.loc[silent, "start_set"] == "train":  # its starts are training images that fire
        x = photo.to_input(
            np.asarray(mnist["x_train"], np.float32)[other["start_index"], ..., None], a["pixel_mean"], a["pixel_std"]
        )
        assert (conv3_by_numpy(model, x)[..., silent].mean(axis=(1, 2)) > 0).all()
    else:  # silent on all 70 000: the warm-up's random starts (seeded as the random stage's), its loss by NumPy
        assert table.loc[silent, "start_set"] == "warm-up" and table.loc[silent, "images_searched"] == 70000
        seed = int(other_attrs["seed"]) * 1000 + silent
        randoms = random_starts(len(other["start_images"]), a["pixel_mean"], a["pixel_std"], seed)
        np.testing.assert_array_equal(other["start_images"], randoms)
        final = conv3_by_numpy(model, other["images"])[..., silent].mean(axis=(1, 2))
        np.testing.assert_allclose(other["final_loss"], final, rtol=1e-4, atol=1e-6)
        assert int(summary["data_start_found_by_warm_up"]) == int(final.max() > 0) == int(other_attrs["found"])
    assert int(summary["data_start_maps"]) == 2 and int(summary["data_start_found_from_test"]) == 1


def test_one_map_target_builds_only_what_it_needs(tmp_path):
    work = workflow_copy(tmp_path)
    jobs = planned_jobs(work, "results/oip/map_056.h5", "--configfile", "config/tiny.yaml")
    assert jobs == {"mnist": 1, "cnn": 1, "precursor": 1, "oip": 1}
    # a map's pictures too, drawn from that map's file alone, in any preset: a single map is a chunk
    # of its own (test_workflow_chunks: also beside a run whose chunks hold several maps)
    one = ("--config", "maps=[56]")
    jobs = planned_jobs(work, "results/oip/map_056.png", *one)  # the default config: halving
    # ... and the map's dataset examples beside it (one forward pass over MNIST test)
    assert jobs == {"mnist": 1, "cnn": 1, "precursor": 1, "oip": 1, "dataset_examples": 1, "oip_figure": 1}
    jobs = planned_jobs(work, "results/dreams/map_056.png", *one, "--configfile", "config/paper.yaml")
    assert jobs == {"mnist": 1, "cnn": 1, "dream": 1, "dream_figure": 1}  # not all 128 maps' dreams
    jobs = planned_jobs(work, "results/precursor/map_056.png", *one)
    assert jobs == {"mnist": 1, "cnn": 1, "precursor": 1, "precursor_figure": 1}


def test_oip_change_reruns_oip_not_precursor_and_vice_versa(tiny_run):
    base = ("--configfile", "config/tiny.yaml")
    Path(tiny_run / "oip_change.yaml").write_text("oip:\n  epochs: 61\n")
    layer = ["map_pages", "oip_atlas", "oip_figure", "oip_summary", "oip_summary_table", "summary", "summary_table"]
    layer += ["data_starts", "trust"]  # they read the layer summary / the OIPs
    assert planned_rules(tiny_run, *base, "oip_change.yaml") == sorted(["oip", *layer])
    Path(tiny_run / "screen_change.yaml").write_text("precursor:\n  test_epochs: 4\n")
    expected = sorted(["oip", *layer, "precursor", "precursor_figure"])
    assert planned_rules(tiny_run, *base, "screen_change.yaml") == expected
    Path(tiny_run / "random.yaml").write_text("oip:\n  start: random\n")
    assert "precursor" not in planned_rules(tiny_run, *base, "random.yaml")


def test_map_pages_link_every_computed_map_and_only_files_that_exist(tiny_run):
    import re

    pages = tiny_run / "results/oip/pages"
    index = (pages / "index.html").read_text()
    assert re.findall(r"href='(map_\d{3}\.html)'", index) == [f"map_{m:03d}.html" for m in _tiny(tiny_run)["maps"]]
    for m in _tiny(tiny_run)["maps"]:
        page = (pages / f"map_{m:03d}.html").read_text()
        links = re.findall(r"(?:src|href)='([^']+)'", page)
        assert f"map_{m:03d}.oip.png" in links and f"map_{m:03d}.dream.png" in links  # cut out of the sheets
        assert all((pages / link).is_file() for link in links), links
        oip, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("final_loss",))
        assert f"<th>best_loss</th><td>{oip['final_loss'].max():.4g}</td>" in page
    # beside each OIP in the index: the map's most exciting test image, decoded back to its pixels
    import base64
    import io

    from PIL import Image

    examples, _ = store.read_h5(tiny_run / "results/oip/examples.h5", required=("top_images",))
    shown = re.findall(r"class='example' src='data:image/png;base64,([^']+)'", index)
    assert len(shown) == len(_tiny(tiny_run)["maps"])
    for m, data in zip(_tiny(tiny_run)["maps"], shown, strict=True):
        pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))
        np.testing.assert_array_equal(pixels, examples["top_images"][m][0].squeeze(-1))


def test_stored_gram_similarity_and_style_diversity_match_numpy(tiny_run):
    """Each OIP file's candidates' Gram similarity on conv3 (computed for all maps of a job in one
    pass), and the layer summary's style_diversity from it, against NumPy convolutions of the weights."""
    from helpers import conv3_by_numpy

    model = models.load_model(tiny_run / "results/cnn/model.keras")
    table = pd.read_csv(tiny_run / "results/oip/summary.tsv", sep="\t").set_index("map")
    for m in _tiny(tiny_run)["maps"]:
        res, _ = store.read_map(tiny_run / f"results/oip/map_{m:03d}.h5", required=("images", "gram_similarity"))
        a = conv3_by_numpy(model, res["images"]).reshape(len(res["images"]), -1, 128)
        gram = np.einsum("bpc,bpd->bcd", a, a).reshape(len(a), -1)
        gram /= np.maximum(np.linalg.norm(gram, axis=1, keepdims=True), 1e-12)  # an all-silent conv3: 0
        np.testing.assert_allclose(res["gram_similarity"], gram @ gram.T, rtol=1e-4, atol=1e-5)
        found = np.flatnonzero(res["final_loss"] > 0)
        if len(found) >= 2:
            pairs = (gram @ gram.T)[np.ix_(found, found)][np.triu_indices(len(found), 1)]
            assert table.loc[m, "style_diversity"] == pytest.approx(1 - pairs.mean(), rel=1e-4, abs=1e-5)
