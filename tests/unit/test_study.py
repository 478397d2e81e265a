"""The article XIV study: variants, time-to-accuracy table, speed-ups, confirmation."""

import math

import numpy as np
import pytest

from mnist_dreams.clusters import study, study_store
from mnist_dreams.plumbing import store

MLP = dict(
    epochs=2,
    batch_size=100,
    hidden=[20, 10],
    activation="sigmoid",
    learn_rate=0.001,
    decrease_rate=1e-5,
    decay="cumulative",
    mom_rate=5e-5,
    lambda2=0.2,
    train_subset=1000,
)
KMEANS = dict(n_init=1, max_iter=10, batch_size=500, subsample=2000)


def fake_run(variant, accuracy, seconds_per_epoch, seed=0, stage="screen"):
    accuracy = np.asarray(accuracy, np.float64)
    wall = seconds_per_epoch * np.arange(1, len(accuracy) + 1, dtype=np.float64)
    history = {k: np.full(len(accuracy), 0.5) for k in study_store.HISTORY}
    history.update(test_accuracy=accuracy, wall_time=wall)
    fields = {f: getattr(variant, f) for f in ("space", "normalization", "fit_on", "leaks_test")}
    return {"variant": variant.name, **fields, "stage": stage, "seed": seed, "n_inputs": 70, "n_params": 1}, history


def record(variant, accuracy, seconds_per_epoch, seed=0, stage="screen"):
    head, history = fake_run(variant, accuracy, seconds_per_epoch, seed, stage)
    return {**head, "kmeans_s": 1.0, "features_s": 0.5, "sigma": np.nan, "history": history}


REF = study.Variant()
HONEST = study.Variant("normalizer", "standard", "train")
LEAKY = study.Variant("pixels", "soft", "train+test")


def test_variants_are_the_product_grouped_by_kmeans_fit():
    got = study.variants(["pixels", "normalizer"], ["standard", "soft", "log"], ["train", "train+test"])
    assert len({v.name for v in got}) == 12
    fits = [(v.fit_on, v.space) for v in got]
    # each (fit set, space) forms one contiguous block: its KMeans fit is used by consecutive runs
    blocks = [fits[0]] + [b for a, b in zip(fits, fits[1:], strict=False) if a != b]
    assert len(blocks) == len(set(fits)) == 4
    assert [v.leaks_test for v in got].count(True) == 6 and study.Variant().name == study.REFERENCE
    with pytest.raises(ValueError, match="unknown space"):
        study.variants(["pixel"], ["standard"], ["train"])


def test_table_reports_times_to_thresholds_and_speedups_against_the_same_seeds_reference():
    # reference: 0.960 + 0.002·epoch, 2 s/epoch; variant: 0.966 + 0.002·epoch with a dip, 0.5 s/epoch
    epochs = np.arange(1, 11)
    ref = 0.960 + 0.002 * epochs  # 0.974 at epoch 7 (14 s); ends at 0.980 (20 s)
    variant = 0.966 + 0.002 * epochs  # 0.974 at epoch 4, dips below at 5, stable from 6
    variant[4] = 0.970
    runs = [record(REF, ref, 2.0), record(LEAKY, variant, 0.5)]
    rows = study.table(runs, [0.974, 0.985]).set_index("variant")
    row = rows.loc[LEAKY.name]
    assert (row["epoch_to_0.974"], row["s_to_0.974"]) == (4, 2.0)
    assert (row["epoch_to_0.974_stable"], row["s_to_0.974_stable"]) == (6, 3.0)
    assert row["speedup_0.974"] == pytest.approx(14.0 / 2.0) and row["ref_reached_0.974"]
    assert row["speedup_0.974_stable"] == pytest.approx(14.0 / 3.0)
    # 0.985: the variant gets there (epoch 10), the reference never: against its whole run, a lower bound
    assert row["epoch_to_0.985"] == 10 and not row["ref_reached_0.985"]
    assert row["speedup_0.985"] == pytest.approx(20.0 / 5.0)
    assert math.isnan(rows.loc[study.REFERENCE, "s_to_0.985"])
    # the seed's "14x": whole reference run vs this run's time to the reference's final 0.980 (epoch 7)
    assert row["speedup_reference_final"] == pytest.approx(20.0 / 3.5)
    assert row["best_test_accuracy"] == pytest.approx(0.986) and row["best_epoch"] == 10
    assert row["preprocess_s"] == 1.5 and row["s_per_epoch"] == 0.5


def test_best_confirms_the_leaders_and_the_best_honest_variant():
    other = study.Variant("pixels", "standard", "train+test")
    runs = [
        record(REF, [0.9, 0.97], 1),
        record(LEAKY, [0.9, 0.98], 1),
        record(other, [0.9, 0.975], 1),
        record(HONEST, [0.9, 0.96], 1),
    ]
    assert study.best(runs, 2) == [LEAKY, other, HONEST]
    assert study.best(runs, 2, confirm_honest=False) == [LEAKY, other]
    assert study.best(runs, 3) == [LEAKY, other, HONEST]  # already in: not twice
    assert study.best(runs, 0, confirm_honest=False) == []


def test_summary_averages_seeds_and_counts_who_reached():
    runs = [
        record(REF, [0.96, 0.970], 2.0, seed=0),
        record(REF, [0.96, 0.972], 2.0, seed=1, stage="confirm"),
        record(HONEST, [0.975, 0.976], 1.0, seed=0),
        record(HONEST, [0.96, 0.978], 1.0, seed=1, stage="confirm"),
    ]
    summary = study.summary(study.table(runs, [0.974]), [0.974]).set_index("variant")
    honest = summary.loc[HONEST.name]
    assert honest["n_seeds"] == 2 and honest["final_test_accuracy"] == pytest.approx(0.977)
    assert honest["final_test_accuracy_std"] == pytest.approx(np.std([0.976, 0.978], ddof=1))
    assert honest["n_reached_0.974"] == 2 and honest["epoch_to_0.974"] == pytest.approx(1.5)
    assert summary.loc[study.REFERENCE, "n_reached_0.974"] == 0
    assert list(summary.index) == [HONEST.name, study.REFERENCE]  # best mean final accuracy first
    lines = study.verdict(summary.reset_index())
    assert "reference: final 97.10 %" in lines[0].replace("%", " %") and HONEST.name in lines[1]


def test_verdict_says_when_no_variant_holds_the_seeds_accuracy():
    runs = [record(REF, [0.97, 0.975], 2.0), record(HONEST, [0.97, 0.976], 1.0)]
    thresholds = [0.974, 0.9773, 0.978]
    lines = study.verdict(study.summary(study.table(runs, thresholds), thresholds))
    assert any(line.startswith("0.978_stable: reached by no variant") for line in lines)
    assert any(line.startswith("0.974: 1 variant(s)") and "(seed: 14×)" in line for line in lines)


def test_cluster_inputs_share_one_fit_between_normalizations(mnist):
    inputs = study.cluster_inputs(mnist, 6, KMEANS, seed=1)
    standard, standard_test, info = inputs(study.Variant("normalizer", "standard", "train"))
    soft, _, soft_info = inputs(study.Variant("normalizer", "soft", "train"))
    assert soft_info["kmeans_s"] == info["kmeans_s"]  # the cached fit, not a second one
    assert standard.shape == (60000, 6) and standard_test.shape == (10000, 6)
    # invert the soft assignment: the distances it saw, standardized here, are the standard features
    sigma = soft_info["sigma"]
    d = sigma * np.sqrt(-2 * np.log(soft.astype(np.float64)))
    np.testing.assert_allclose((d - d.mean(0)) / d.std(0), standard, atol=2e-3)
    assert np.median(d.min(1)) == pytest.approx(sigma, rel=1e-4)
    assert 0 < sigma < 2  # unit rows: every distance between them is at most 2


def test_run_screens_every_variant_then_confirms_with_more_seeds(mnist):
    runs = study.run(
        mnist, k=5, kmeans=KMEANS, mlp_settings=MLP, spaces=["pixels"], normalizations=["standard"],
        fit_on=["train", "train+test"], repeats=2, confirm=1, seed=3,
    )  # fmt: skip
    got = [(r["stage"], r["seed"], r["variant"]) for r in runs]
    names = ["reference", "pixels-standard-train", "pixels-standard-train+test"]
    assert got[:3] == [("screen", 3, name) for name in names] and got[3] == ("confirm", 4, "reference")
    # the best one, and the honest one if that leaked: 1 or 2 confirmed variants, all with seed 4
    assert {g[:2] for g in got[4:]} == {("confirm", 4)} and len(got) in (5, 6)
    assert "pixels-standard-train" in {g[2] for g in got[4:]}
    assert all(len(r["history"]["test_accuracy"]) == MLP["epochs"] for r in runs)
    assert [r["n_inputs"] for r in runs[:2]] == [784, 5]


def test_a_study_stopped_half_way_resumes_from_its_kept_runs(mnist, tmp_path, monkeypatch):
    grid = dict(k=5, kmeans=KMEANS, mlp_settings=MLP, spaces=["pixels"], normalizations=["standard"], seed=3)
    grid.update(fit_on=["train", "train+test"], repeats=2, confirm=1, checkpoint=tmp_path / "runs")
    real, trained = study.train_run, []

    def stops_after_two(*args, **kwargs):
        if len(trained) == 2:
            raise KeyboardInterrupt  # the study is stopped during its third run
        trained.append(args[-1])
        return real(*args, **kwargs)

    monkeypatch.setattr(study, "train_run", stops_after_two)
    with pytest.raises(KeyboardInterrupt):
        study.run(mnist, **grid)
    kept = sorted(p.name for p in (tmp_path / "runs").glob("*.h5"))
    assert kept == ["pixels-standard-train-seed3.h5", "reference-seed3.h5"]
    first = {n: store.read_h5(tmp_path / "runs" / n)[0]["test_accuracy"][0] for n in kept}

    resumed = []
    monkeypatch.setattr(study, "train_run", lambda *a, **kw: resumed.append(a[-1]) or real(*a, **kw))
    runs = study.run(mnist, **grid)
    assert len(resumed) == len(runs) - 2  # only the runs that had not finished trained again
    by_name = {f"{r['variant']}-seed{r['seed']}.h5": r for r in runs}
    for name, history in first.items():
        np.testing.assert_array_equal(by_name[name]["history"]["test_accuracy"], history)
    assert [r["stage"] for r in runs[:3]] == ["screen"] * 3 and runs[3]["stage"] == "confirm"
    assert len(list((tmp_path / "runs").glob("*.h5"))) == len(runs)
