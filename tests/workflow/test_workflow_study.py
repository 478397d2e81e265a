"""The article XIV study end to end: the tiny study and the normalization selection through the real snakemake."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import planned_rules, snakemake, workflow_copy
from mnist_dreams.plumbing import store


def tiny(work):
    base = yaml.safe_load((work / "config/config.yaml").read_text())
    for section, values in yaml.safe_load((work / "config/tiny.yaml").read_text()).items():
        base[section] = {**base[section], **values} if isinstance(values, dict) else values
    return base


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory, mnist_h5):
    """mlp_study and the clustered MLP of features_k, built on tiny.yaml in a fresh workflow copy."""
    work = workflow_copy(tmp_path_factory.mktemp("study"))
    (work / "resources").mkdir()
    shutil.copy(mnist_h5, work / "resources/mnist.h5")  # the cached real MNIST: no download
    clustered = f"results/mlp/clustered_k{tiny(work)['clusters']['features_k']:03d}.h5"
    snakemake(work, "mlp_study", clustered, "--cores", "2", "--configfile", "config/tiny.yaml")
    return work, clustered


def first_epoch(ok):
    """1-based epoch of the first True, NaN if none."""
    hits = np.flatnonzero(ok)
    return hits[0] + 1 if len(hits) else np.nan


@pytest.mark.e2e
def test_stored_table_is_recomputed_from_the_stored_histories(tiny_study):
    work, _ = tiny_study
    config = tiny(work)
    thresholds = config["study"]["thresholds"]
    stored, attrs = store.read_h5(work / "results/study/mlp_study.h5", required=("test_accuracy", "wall_time"))
    table = pd.read_csv(work / "results/study/mlp_study.tsv", sep="\t")
    names = [v.decode() for v in stored["variant"]]
    assert list(table["variant"]) == names and list(table["seed"]) == list(stored["seed"])
    assert stored["test_accuracy"].shape == (len(names), config["mlp"]["epochs"])
    reference = {stored["seed"][i]: i for i, name in enumerate(names) if name == "reference"}
    for i, row in table.iterrows():
        acc, wall = stored["test_accuracy"][i], stored["wall_time"][i]
        ref = reference[stored["seed"][i]]
        assert row["final_test_accuracy"] == pytest.approx(acc[-1], rel=1e-5)
        assert row["best_test_accuracy"] == pytest.approx(acc.max(), rel=1e-5)
        for t in thresholds:
            # stable: at or above t from that epoch on = where the running minimum from the end is
            for name, ok, ref_ok in (
                (f"{t:g}", acc >= t - 1e-6, stored["test_accuracy"][ref] >= t - 1e-6),
                (f"{t:g}_stable", np.minimum.accumulate(acc[::-1])[::-1] >= t - 1e-6,
                 np.minimum.accumulate(stored["test_accuracy"][ref][::-1])[::-1] >= t - 1e-6),
            ):  # fmt: skip
                epoch, ref_epoch = first_epoch(ok), first_epoch(ref_ok)
                np.testing.assert_equal(row[f"epoch_to_{name}"], epoch)
                seconds = np.nan if np.isnan(epoch) else wall[int(epoch) - 1]
                ref_s = stored["wall_time"][ref][-1 if np.isnan(ref_epoch) else int(ref_epoch) - 1]
                np.testing.assert_allclose(row[f"s_to_{name}"], seconds, rtol=1e-5)
                np.testing.assert_allclose(row[f"speedup_{name}"], ref_s / seconds, rtol=1e-5)
                assert row[f"ref_reached_{name}"] == (not np.isnan(ref_epoch))
    # both paths ran: some run reached the lower threshold, none the upper one
    assert table[f"epoch_to_{min(thresholds):g}"].notna().any() and table[f"epoch_to_{max(thresholds):g}"].isna().all()
    assert attrs["params"]["study"] == {k: v for k, v in config["study"].items() if k != "thresholds"}


@pytest.mark.e2e
def test_study_screens_every_variant_then_confirms_the_reference_and_the_best(tiny_study):
    work, _ = tiny_study
    s, seed = tiny(work)["study"], tiny(work)["seed"]
    table = pd.read_csv(work / "results/study/mlp_study.tsv", sep="\t")
    screen, confirm = table[table["stage"] == "screen"], table[table["stage"] == "confirm"]
    assert len(screen) == 1 + len(s["spaces"]) * len(s["normalizations"]) * len(s["fit_on"])
    assert set(screen["seed"]) == {seed} and set(confirm["seed"]) == set(range(seed + 1, seed + s["repeats"]))
    confirmed = set(confirm["variant"]) - {"reference"}
    leaders = screen[screen["variant"] != "reference"].nlargest(s["confirm"], "final_test_accuracy")["variant"]
    assert set(leaders) <= confirmed and (~confirm["leaks_test"]).sum() >= 2  # the reference and an honest one
    summary = pd.read_csv(work / "results/study/mlp_study_summary.tsv", sep="\t").set_index("variant")
    counts = table["variant"].value_counts()
    assert (summary["n_seeds"] == counts[summary.index]).all()
    means = table.groupby("variant")["final_test_accuracy"].mean()
    np.testing.assert_allclose(summary["final_test_accuracy"], means[summary.index], rtol=1e-5)
    assert (work / "results/study/mlp_study.png").stat().st_size > 20_000
    assert "verdict: reference: final" in (work / "logs/study/mlp_study.log").read_text()
    for job in ("study/mlp_study_runs", "study/mlp_study"):
        assert (work / f"logs/{job}.log").exists()
        assert (work / f"benchmarks/{job}.tsv").read_text().startswith("s\t")


def _planned_after(work, target, change):
    Path(work / "more.yaml").write_text(change)
    return planned_rules(work, target, "--configfile", "config/tiny.yaml", "more.yaml")


@pytest.mark.e2e
def test_normalization_change_reruns_features_and_clustered_mlp_but_no_kmeans_fit(tiny_study):
    work, clustered = tiny_study
    assert planned_rules(work, clustered, "mlp_study", "--configfile", "config/tiny.yaml") == []
    soft, pixels = "clusters:\n  normalization: soft\n", "clusters:\n  space: pixels\n"
    assert _planned_after(work, clustered, soft) == ["cluster_features", "mlp_clustered"]
    assert _planned_after(work, clustered, pixels) == ["cluster_features", "kmeans", "mlp_clustered"]
    # the study has its own spaces and normalizations; a new threshold only redraws its table
    assert _planned_after(work, "mlp_study", soft) == []
    assert _planned_after(work, "mlp_study", "study:\n  thresholds: [0.5]\n") == ["mlp_study"]
    features = clustered.replace("mlp/clustered_k", "clusters/features_k")
    _, attrs = store.read_h5(work / features, required=("x_train", "scaler_mean", "scaler_scale"))
    assert (attrs["space"], attrs["normalization"]) == ("normalizer", "standard")  # the defaults
    assert attrs["params"] == {"normalization": "standard"}
