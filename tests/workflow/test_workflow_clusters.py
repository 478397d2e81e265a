"""End to end on tiny.yaml: KMeans sweep, cluster features, both MLPs and their comparison."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from helpers import planned_rules, snakemake
from mnist_dreams.clusters import mlp, sweep
from mnist_dreams.plumbing import store
from mnist_dreams.subject import data, models

pytestmark = pytest.mark.e2e


def tiny(work):
    return yaml.safe_load((work / "config/tiny.yaml").read_text())


def test_stored_inertia_and_silhouette_are_recomputed_from_stored_centroids(tiny_run):
    mnist, _ = data.read_mnist(tiny_run / "resources/mnist.h5")
    shared, sil = store.read_h5(tiny_run / "results/clusters/silhouettes.h5", required=("k", "silhouette"))
    silhouette = dict(zip(shared["k"], shared["silhouette"], strict=True))
    for k in tiny(tiny_run)["clusters"]["k"]:
        fit, attrs = store.read_h5(tiny_run / f"results/clusters/k_{k:03d}.h5", required=("centroids", "labels"))
        x = sweep.pixels(mnist, fit["fit_index"])
        space = attrs["params"]["space"]
        assert space in ("pixels", "normalizer")
        if space == "normalizer":  # recomputed with sklearn's row-wise L2 directly, not the workflow's scaler
            x = normalize(x)
        assert fit["centroids"].shape == (k, 784) and attrs["n_images"] == len(x)
        d2 = cdist(x.astype(np.float64), fit["centroids"].astype(np.float64), "sqeuclidean")
        assert attrs["inertia"] == pytest.approx(d2.min(1).sum(), rel=1e-5)
        sample = None if sil["silhouette_sample_size"] == len(x) else sil["silhouette_sample_size"]
        expected = silhouette_score(x, fit["labels"], sample_size=sample, random_state=attrs["seed"])
        assert silhouette[k] == pytest.approx(expected, abs=1e-6)
        assert attrs["fit_time_s"] > 0 and sil["silhouette_pass_s"] > 0


def test_one_k_target_gives_the_silhouette_of_the_shared_pass(tiny_run, tmp_path):
    work = tmp_path / "wf"  # a copy: the session's run keeps its own history (bench tests read it)
    shutil.copytree(tiny_run, work, symlinks=True)
    k = min(tiny(work)["clusters"]["k"])
    target = f"results/clusters/silhouette_k{k:03d}.h5"
    out = snakemake(work, target, "--cores", "2", "--configfile", "config/tiny.yaml").stderr
    assert "rule silhouette_k:" in out and "rule kmeans:" not in out  # the fit is reused, not redone
    alone, _ = store.read_h5(work / target, required=("k", "silhouette"))
    shared, _ = store.read_h5(work / "results/clusters/silhouettes.h5", required=("k", "silhouette"))
    assert list(alone["k"]) == [k]
    assert alone["silhouette"][0] == pytest.approx(shared["silhouette"][list(shared["k"]).index(k)], abs=1e-12)


def test_sweep_gathers_every_k_into_table_and_figure(tiny_run):
    ks = tiny(tiny_run)["clusters"]["k"]
    table = pd.read_csv(tiny_run / "results/clusters/sweep.tsv", sep="\t")
    assert list(table["k"]) == sorted(ks)
    assert {"inertia", "silhouette", "fit_time_s", "silhouette_time_s", "silhouette_exact"} <= set(table)
    shared, sil = store.read_h5(tiny_run / "results/clusters/silhouettes.h5", required=("silhouette_time_s",))
    assert table["silhouette_time_s"].sum() == pytest.approx(sil["silhouette_pass_s"], rel=1e-6)  # one pass, shared
    swept, attrs = store.read_h5(tiny_run / "results/clusters/sweep.h5", required=("k", "inertia"))
    np.testing.assert_allclose(swept["inertia"], table["inertia"], rtol=1e-6)
    assert "elbow_k" in attrs and attrs["params"]["fit_on"] == "train"
    assert (tiny_run / "results/clusters/sweep.png").stat().st_size > 10_000


def test_features_are_distances_standardized_on_train(tiny_run):
    k = tiny(tiny_run)["clusters"]["features_k"]
    feats, attrs = store.read_h5(tiny_run / f"results/clusters/features_k{k:03d}.h5", required=("x_train", "x_test"))
    assert feats["x_train"].shape == (60000, k) and feats["x_test"].shape == (10000, k) and attrs["k"] == k
    np.testing.assert_allclose(feats["x_train"].mean(0), 0, atol=1e-3)


def test_stored_accuracy_is_keras_evaluate_on_the_saved_model(tiny_run):
    mnist, _ = data.read_mnist(tiny_run / "resources/mnist.h5")
    k = tiny(tiny_run)["clusters"]["features_k"]
    epochs = tiny(tiny_run)["mlp"]["epochs"]
    feats, _ = store.read_h5(tiny_run / f"results/clusters/features_k{k:03d}.h5", required=("x_test",))
    flat = mnist["x_test"].reshape(10000, -1).astype(np.float32)
    for name, n_inputs in (("reference", 784), (f"clustered_k{k:03d}", k)):
        hist, attrs = store.read_h5(tiny_run / f"results/mlp/{name}.h5", required=("test_accuracy", "scaler_mean"))
        assert len(hist["test_accuracy"]) == epochs and attrs["n_inputs"] == n_inputs
        assert attrs["lambda2_k"] == pytest.approx(attrs["params"]["lambda2"] * n_inputs / 784)
        if name == "reference":  # pixels, standardized with the scaler the job stored
            x = ((flat - hist["scaler_mean"]) / hist["scaler_scale"]).astype(np.float32)
        else:
            x = feats["x_test"]
        model = models.load_model(tiny_run / f"results/mlp/{name}.keras")
        _, acc = model.evaluate(x, mnist["y_test"], batch_size=1000, verbose=0)
        assert acc == pytest.approx(hist["test_accuracy"][-1], abs=1e-6)


def test_comparison_reports_reached_and_not_reached_thresholds(tiny_run):
    rows = pd.read_csv(tiny_run / "results/mlp/comparison.tsv", sep="\t", index_col="quantity")
    reached, missed = tiny(tiny_run)["mlp"]["thresholds"]
    ref, _ = store.read_h5(tiny_run / "results/mlp/reference.h5", required=("test_accuracy", "wall_time"))
    first = mlp.reached(ref["test_accuracy"], reached)
    assert rows.loc[f"s_to_{reached:g}", "reference"] == pytest.approx(ref["wall_time"][first], rel=1e-5)
    assert np.isnan(rows.loc[f"s_to_{missed:g}", "reference"]) and "not reached" in rows.loc[f"s_to_{missed:g}", "note"]
    assert rows.loc["final_test_accuracy", "seed_reference"] == mlp.SEED["final_test_accuracy"][0]
    assert (tiny_run / "results/mlp/comparison.png").stat().st_size > 10_000


def test_every_cluster_and_mlp_job_leaves_a_log_and_a_benchmark(tiny_run):
    k = f"{tiny(tiny_run)['clusters']['features_k']:03d}"
    jobs = ("clusters/sweep", "clusters/silhouettes", f"clusters/k_{k}", f"clusters/features_k{k}")
    for job in (*jobs, "mlp/reference", "mlp/comparison"):
        assert (tiny_run / f"logs/{job}.log").exists()
        assert (tiny_run / f"benchmarks/{job}.tsv").read_text().startswith("s\t")


def _planned_after(work, change):
    Path(work / "more.yaml").write_text(change)
    return planned_rules(work, "--configfile", "config/tiny.yaml", "more.yaml")


def test_mlp_epochs_change_reruns_only_the_mlp_jobs(tiny_run):
    assert planned_rules(tiny_run, "--configfile", "config/tiny.yaml") == []
    expected = [
        "mlp_clustered",
        "mlp_comparison",
        "mlp_comparison_figure",
        "mlp_comparison_table",
        "mlp_reference",
        "summary",
        "summary_table",
    ]
    assert _planned_after(tiny_run, "mlp:\n  epochs: 4\n") == expected


def test_features_k_change_reruns_features_and_clustered_mlp_only(tiny_run):
    other = min(tiny(tiny_run)["clusters"]["k"])  # swept already, so no new KMeans fit is due
    assert other != tiny(tiny_run)["clusters"]["features_k"]
    planned = _planned_after(tiny_run, f"clusters:\n  features_k: {other}\n")
    expected = [
        "cluster_features",
        "mlp_clustered",
        "mlp_comparison",
        "mlp_comparison_figure",
        "mlp_comparison_table",
        "summary",
    ]
    assert planned == [*expected, "summary_table"]


def test_threshold_change_redraws_only_the_comparison(tiny_run):
    expected = ["mlp_comparison", "mlp_comparison_figure", "mlp_comparison_table", "summary", "summary_table"]
    assert _planned_after(tiny_run, "mlp:\n  thresholds: [0.5]\n") == expected


def test_kmeans_setting_change_spares_the_reference_mlp(tiny_run):
    planned = _planned_after(tiny_run, "clusters:\n  n_init: 2\n")
    expected = ["cluster_features", "cluster_sweep", "cluster_sweep_figure", "cluster_sweep_table", "kmeans"]
    expected += ["mlp_clustered", "mlp_comparison", "mlp_comparison_figure", "mlp_comparison_table"]
    assert planned == [*expected, "silhouettes", "summary", "summary_table"]


def test_silhouette_sample_change_reruns_the_silhouettes_but_no_fit(tiny_run):
    planned = _planned_after(tiny_run, "clusters:\n  silhouette_sample_size: 1000\n")
    expected = ["cluster_sweep", "cluster_sweep_figure", "cluster_sweep_table", "silhouettes"]
    assert planned == [*expected, "summary", "summary_table"]
