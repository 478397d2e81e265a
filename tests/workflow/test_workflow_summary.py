"""results/summary.tsv of the tiny run: every number of ours recomputed from the run's own files."""

import numpy as np
import pandas as pd
import pytest
import yaml

from mnist_dreams.plumbing import store
from mnist_dreams.report import summary


@pytest.mark.e2e
def test_every_number_comes_from_this_runs_files(tiny_run, tiny_test_peaks):
    table = pd.read_csv(tiny_run / "results/summary.tsv", sep="\t", index_col="quantity", keep_default_na=False)
    assert set(table.index) == set(summary.SEED)
    ours = lambda q: float(table.loc[q, "ours"])  # noqa: E731
    results = tiny_run / "results"
    history, _ = store.read_h5(results / "cnn/training.h5")
    assert ours("cnn_test_accuracy") == pytest.approx(history["test_accuracy"][-1], rel=1e-5)
    tiny = yaml.safe_load((tiny_run / "config/tiny.yaml").read_text())
    finals = [store.read_map(results / f"oip/map_{m:03d}.h5")[0]["final_loss"] for m in tiny["maps"]]
    assert ours("maps_computed") == len(tiny["maps"])
    assert ours("maps_with_oip") == sum(f.max() > 0 for f in finals)
    assert ours("oip_not_found") == sum(f.max() <= 0 for f in finals)
    na = lambda q, why: table.loc[q, "ours"] == "NA" and why in table.loc[q, "note"]  # noqa: E731
    assert na("oip_found_by_random", "not two_stage")
    seconds = [store.read_map(results / f"precursor/map_{m:03d}.h5")[1]["seconds"] for m in tiny["maps"]]
    assert ours("precursor_seconds_per_map") == pytest.approx(np.median(seconds), rel=1e-5)
    peak = tiny_test_peaks  # firing maps: the saved CNN on every test image, by NumPy
    assert abs(ours("maps_firing_on_test") - (peak > 0).sum()) <= (np.abs(peak) < 1e-5).sum()
    reference, _ = store.read_h5(results / "mlp/reference.h5")
    clustered, _ = store.read_h5(results / f"mlp/clustered_k{tiny['clusters']['features_k']:03d}.h5")
    assert ours("mlp_reference_test_accuracy") == pytest.approx(reference["test_accuracy"][-1], rel=1e-5)
    assert ours("mlp_clustered_test_accuracy") == pytest.approx(clustered["test_accuracy"][-1], rel=1e-5)
    assert ours("mlp_reference_seconds") == pytest.approx(reference["wall_time"][-1], rel=1e-5)
    for k in (30, 170):  # tiny sweeps K = 5, 8 only: NA with the reason
        assert na(f"kmeans_seconds_k{k}", "not in clusters.k")
    measured = table[table["ours"] != "NA"]
    assert (measured["preset"] == "tiny").all() and measured["machine"].str.contains("cores").all()
    assert float(table.loc["maps_with_oip", "seed"]) == 94 and float(table.loc["speedup_to_0.974", "seed"]) == 14
