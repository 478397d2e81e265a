"""The seed's MLP in Keras: the rate mapping, the schedule, training records, time to accuracy."""

import math

import keras
import numpy as np
import pytest

from mnist_dreams.clusters import mlp

AUTHOR = dict(learn_rate=0.001, mom_rate=5e-5, lambda2=0.2, batch_size=500)
TRAIN = dict(batch_size=100, decrease_rate=1e-5, decay="cumulative", hidden=[20, 10], activation="sigmoid")


@pytest.fixture(scope="module")
def pixels(mnist):
    x_train, x_test, scaler = mlp.pixel_inputs(mnist)
    return x_train, mnist["y_train"], x_test, mnist["y_test"], scaler


@pytest.fixture(scope="module")
def trained(pixels):
    x_train, y_train, x_test, y_test, _ = pixels
    return mlp.train(x_train, y_train, x_test, y_test, epochs=2, train_subset=2000, seed=4, **AUTHOR | TRAIN)


def test_lambda2_follows_the_seeds_rule_for_k_inputs():
    full, clustered = mlp.keras_hyperparameters(784, **AUTHOR), mlp.keras_hyperparameters(70, **AUTHOR)
    assert full["lambda2_k"] == AUTHOR["lambda2"]
    assert clustered["lambda2_k"] == pytest.approx(AUTHOR["lambda2"] * 70 / 784)
    assert clustered["l2"] / full["l2"] == pytest.approx(70 / 784)


def test_keras_step_equals_the_authors_summed_gradient_step(mnist):
    """One SGD step in Keras with the mapped rates = the author's step on the summed batch cost."""
    import tensorflow as tf

    n_in, batch = 784, 50
    hp = mlp.keras_hyperparameters(n_in, **{**AUTHOR, "batch_size": batch})
    model = mlp.build(n_in, [16], "sigmoid", hp["l2"], seed=1)
    x = mnist["x_train"][:batch].reshape(batch, -1).astype("float32") / 255
    y = mnist["y_train"][:batch]
    ce = keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    with tf.GradientTape(persistent=True) as tape:
        p = model(x)
        keras_loss = ce(y, p) / batch + sum(model.losses)
        kernels = sum(tf.reduce_sum(w**2) for w in model.trainable_weights if "kernel" in w.path)
        author_cost = ce(y, p) + hp["lambda2_k"] / 2 * kernels
    for w in model.trainable_weights:
        keras_step = hp["learning_rate"] * tape.gradient(keras_loss, w).numpy()
        author_step = AUTHOR["learn_rate"] * tape.gradient(author_cost, w).numpy()
        np.testing.assert_allclose(keras_step, author_step, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("decay", mlp.DECAYS)
def test_learning_rate_decays_as_configured(decay):
    d, lr0, lr = 0.1, 1.0, 1.0
    schedule = mlp.decay_schedule(d, decay)
    for epoch in range(5):
        lr = schedule(epoch, lr)
    expected = lr0 / math.prod(1 + d * e for e in range(5)) if decay == "cumulative" else lr0 / (1 + d * 4)
    assert lr == pytest.approx(expected)


def test_history_has_cost_accuracy_and_time_per_epoch(trained):
    _, history, attrs = trained
    assert set(history) >= {"train_cost", "regularization", "train_accuracy", "test_accuracy", "wall_time"}
    assert all(len(v) == 2 for v in history.values())
    assert np.all(np.diff(history["wall_time"]) > 0) and history["test_accuracy"][-1] > 0.3  # chance: 0.1
    assert attrs["n_train"] == 2000 and attrs["n_inputs"] == 784
    assert attrs["learning_rate"] == pytest.approx(AUTHOR["learn_rate"] * TRAIN["batch_size"])


def test_stored_accuracy_and_cost_are_those_of_the_final_weights(trained, pixels):
    model, history, attrs = trained
    x_train, y_train, x_test, y_test, _ = pixels
    _, acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    assert acc == pytest.approx(history["test_accuracy"][-1], abs=1e-6)
    kernels = sum(float(np.sum(w.numpy() ** 2)) for w in model.trainable_weights if "kernel" in w.path)
    assert history["regularization"][-1] == pytest.approx(attrs["l2"] * kernels, rel=1e-4)


def test_training_is_reproducible(pixels):
    x_train, y_train, x_test, y_test, _ = pixels
    runs = [
        mlp.train(x_train, y_train, x_test[:500], y_test[:500], epochs=1, train_subset=1000, seed=9, **AUTHOR | TRAIN)
        for _ in range(2)
    ]
    for a, b in zip(runs[0][0].get_weights(), runs[1][0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_reached_first_and_stable():
    acc = [0.5, 0.975, 0.97, 0.976, 0.98]
    assert mlp.reached(acc, 0.974) == 1 and mlp.reached(acc, 0.974, stable=True) == 3
    assert mlp.reached(acc, 0.99) is None and mlp.reached(acc[:3], 0.974, stable=True) is None


def test_comparison_reports_speedups_and_not_reached():
    epochs = np.arange(1, 11)
    train = np.full(10, 0.99)
    reference = {"test_accuracy": 0.90 + 0.005 * epochs, "train_accuracy": train, "wall_time": 2.0 * epochs}
    clustered = {"test_accuracy": 0.921 + 0.005 * epochs, "train_accuracy": train, "wall_time": 0.5 * epochs}
    rows = {r["quantity"]: r for r in mlp.comparison(reference, clustered, [0.927, 0.963], preprocessing_s=3.0)}
    # 0.927: reference at epoch 6 (12 s), clustered at epoch 2 (1 s)
    assert (rows["epoch_to_0.927"]["reference"], rows["epoch_to_0.927"]["clustered"]) == (6, 2)
    assert rows["s_to_0.927"]["ratio"] == pytest.approx(12.0)
    # 0.963: only the clustered run gets there (epoch 9); the ratio is against the whole reference run
    assert math.isnan(rows["s_to_0.963"]["reference"]) and "lower bound" in rows["s_to_0.963"]["note"]
    assert rows["s_to_0.963"]["ratio"] == pytest.approx(20.0 / 4.5)
    # the seed's "14x": whole reference run vs clustered time to the reference's final 0.95 (epoch 6)
    assert rows["s_to_reference_final"]["ratio"] == pytest.approx(20.0 / 3.0)
    assert rows["wall_s"]["ratio"] == pytest.approx(4.0) and rows["preprocessing_s"]["clustered"] == 3.0


def test_float32_accuracy_counts_as_reaching_the_threshold():
    stored = np.float32([9739 / 10000, 9740 / 10000]).astype(np.float64)  # as the history keeps them
    assert stored[1] < 0.974 and mlp.reached(stored, 0.974) == 1
