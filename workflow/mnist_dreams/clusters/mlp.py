"""The seed's MLP (article XIV) in Keras: 784-70-30-10 on pixels, K-70-30-10 on cluster distances.

The author trained his own numpy MLP; ``keras_hyperparameters`` maps his rates onto Keras' SGD
(see config/README.md for the derivation). Every epoch ends with a full pass over the training and
the test set, as the seed's runs did, so accuracies and the total cost are those of the weights at
the epoch's end, and the wall time includes these passes.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import Progress
from ..report import claims
from ..subject.cnn import subsample
from .features import standardize

log = logging.getLogger(__name__)

N_PIXELS = 784
DECAYS = ("cumulative", "inverse_time")


def keras_hyperparameters(n_inputs, learn_rate, mom_rate, lambda2, batch_size):
    """The author's rates as Keras SGD settings.

    He sums gradients over a mini-batch and adds Λ₂/2·Σw² to each batch's summed cost; Keras
    averages over the batch and adds l2·Σw². Equal steps need lr = learn_rate·B and l2 = Λ₂/(2B).
    Λ₂ itself follows the seed's rule for K inputs: Λ₂(K) = Λ₂·K/784.
    """
    lambda2_k = lambda2 * n_inputs / N_PIXELS
    return {
        "learning_rate": learn_rate * batch_size,
        "momentum": mom_rate,
        "lambda2_k": lambda2_k,
        "l2": lambda2_k / (2 * batch_size),
    }


def pixel_inputs(mnist):
    """Flattened pixels, standardized per pixel with training statistics (the seed's StandardScaler)."""
    flat = lambda x: x.reshape(len(x), -1).astype(np.float32)  # noqa: E731
    x_train, x_test, mean, scale = standardize(flat(mnist["x_train"]), flat(mnist["x_test"]))
    return x_train, x_test, {"scaler_mean": mean, "scaler_scale": scale}


def build(n_inputs, hidden, activation, l2, seed=0):
    """Dense layers ``hidden`` + softmax(10); weights uniform in ±2/√fan_in as the seed drew them."""
    import keras
    from keras import layers

    # VarianceScaling(4/3, fan_in, uniform) draws from U(±√(3·(4/3)/fan_in)) = U(±2/√fan_in).
    init = lambda i: keras.initializers.VarianceScaling(4 / 3, "fan_in", "uniform", seed=seed + i)  # noqa: E731
    reg = keras.regularizers.L2(l2) if l2 else None
    dense = [
        layers.Dense(n, activation=activation, kernel_initializer=init(i), kernel_regularizer=reg, name=f"hidden{i}")
        for i, n in enumerate(hidden, start=1)
    ]
    out = layers.Dense(10, activation="softmax", kernel_initializer=init(0), kernel_regularizer=reg, name="output")
    return keras.Sequential([keras.Input((n_inputs,), name="features"), *dense, out], name="seed_mlp")


def decay_schedule(decrease_rate, decay="cumulative"):
    """Per-epoch learning rate as a Keras LearningRateScheduler function.

    ``cumulative``: η ← η/(1 + d·epoch) at every epoch start, so η₆₀₀ ≈ η₀·e^(-d·600²/2). This is
    how the NeuralNetMLP of Raschka's "Python Machine Learning" uses its decrease constant; the
    seed shows no code, so that the author's does the same is an assumption.
    ``inverse_time``: η = η₀/(1 + d·epoch), Keras' InverseTimeDecay per epoch.
    """
    if decay not in DECAYS:
        raise ValueError(f"decay must be one of {DECAYS}, not {decay!r}")
    state = {}

    def schedule(epoch, lr):
        state.setdefault("lr0", float(lr))
        if decay == "cumulative":
            return float(lr) / (1 + decrease_rate * epoch)
        return state["lr0"] / (1 + decrease_rate * epoch)

    return schedule


def cost_and_accuracy(probs, y, regularization):
    """Keras' sparse categorical cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7]) plus the
    L2 term, and the accuracy, of predicted class probabilities ``probs`` against labels ``y``."""
    p = np.clip(np.asarray(probs, np.float64), 1e-7, 1 - 1e-7)
    p /= p.sum(axis=1, keepdims=True)
    cost = float(-np.log(p[np.arange(len(y)), y]).mean()) + regularization
    return cost, float((np.argmax(probs, axis=1) == y).mean())


def epoch_recorder(x_train, y_train, x_test, y_test, epochs):
    """Callback: at each epoch end, cost and accuracy of the current weights on train and test."""
    import keras

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.rows = time.perf_counter(), []
            self.progress = Progress(log, f"MLP on {x_train.shape[1]} inputs", epochs, "epochs")
            # One forward pass over each whole set on tensors converted once: model.evaluate would
            # copy the arrays into a new dataset every epoch, which took as long as the epoch's training.
            self.sets = [
                (keras.ops.convert_to_tensor(x), np.asarray(y)) for x, y in ((x_train, y_train), (x_test, y_test))
            ]

        def on_epoch_end(self, epoch, logs=None):
            reg = sum(float(keras.ops.convert_to_numpy(loss)) for loss in self.model.losses)
            (train_cost, train_acc), (test_cost, test_acc) = (
                cost_and_accuracy(keras.ops.convert_to_numpy(self.model(x, training=False)), y, reg)
                for x, y in self.sets
            )
            self.rows.append(
                {
                    "train_cost": train_cost,  # cross-entropy + L2 term, as Keras minimizes it
                    "regularization": reg,
                    "train_accuracy": train_acc,
                    "test_cost": test_cost,
                    "test_accuracy": test_acc,
                    "fit_loss": logs["loss"],  # running mean over the epoch's batches
                    "learning_rate": float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)),
                    "wall_time": time.perf_counter() - self.start,
                }
            )
            self.progress.update(epoch + 1, test_accuracy=test_acc, train_cost=train_cost, train_accuracy=train_acc)

    return Recorder()


def train(
    x_train,
    y_train,
    x_test,
    y_test,
    epochs,
    batch_size,
    learn_rate,
    decrease_rate,
    decay,
    mom_rate,
    lambda2,
    hidden,
    activation,
    train_subset=0,
    seed=0,
):
    """Train the MLP with SGD (author's rates, mapped by ``keras_hyperparameters``); return
    (model, per-epoch history, attrs)."""
    import keras

    from ..plumbing import backend

    backend.seed_everything(seed)
    x_fit, y_fit = subsample(x_train, y_train, train_subset, seed)
    hp = keras_hyperparameters(x_fit.shape[1], learn_rate, mom_rate, lambda2, batch_size)
    model = build(x_fit.shape[1], hidden, activation, hp["l2"], seed)
    steps = int(np.ceil(len(x_fit) / batch_size))
    model.compile(
        optimizer=keras.optimizers.SGD(hp["learning_rate"], momentum=hp["momentum"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        # One compiled call per epoch saves Keras' per-step overhead. XLA (jit_compile) gained
        # nothing measurable on the 2-core CPU and would need TF op determinism switched off.
        steps_per_execution=steps,
        jit_compile=False,
    )
    recorder = epoch_recorder(x_fit, y_fit, x_test, y_test, epochs=epochs)
    lr_schedule = keras.callbacks.LearningRateScheduler(decay_schedule(decrease_rate, decay))
    model.fit(
        x_fit, y_fit, batch_size=batch_size, epochs=epochs, shuffle=True, callbacks=[lr_schedule, recorder], verbose=0
    )
    history = {k: np.asarray([r[k] for r in recorder.rows], np.float64) for k in recorder.rows[0]}
    attrs = {
        **hp,
        "n_inputs": x_fit.shape[1],
        "n_train": len(x_fit),
        "n_test": len(x_test),
        "n_params": model.count_params(),
    }
    log.info(
        "%d inputs: test accuracy %.4f after %d epochs, %.0f s",
        x_fit.shape[1],
        history["test_accuracy"][-1],
        epochs,
        history["wall_time"][-1],
    )
    return model, history, attrs


def reached(accuracy, threshold, stable=False):
    """0-based epoch at which ``accuracy`` first reaches ``threshold`` (and, if ``stable``, stays); or None."""
    # Keras reports accuracies as float32: 9740/10000 arrives as 0.97399998, which must count as 97.4 %.
    ok = np.asarray(accuracy) >= threshold - 1e-6
    if stable:
        # the first epoch of the final run of True values
        below = np.flatnonzero(~ok)
        start = below[-1] + 1 if len(below) else 0
        return int(start) if start < len(ok) else None
    hits = np.flatnonzero(ok)
    return int(hits[0]) if len(hits) else None


# The seed's article XIV numbers beside ours, as (reference, clustered, ratio) per quantity. Its
# speed-ups compare with the *whole* reference run, which never reached 97.4 %.
SEED = {
    "epochs": (claims.REFERENCE_EPOCHS.value, None),
    "final_test_accuracy": (claims.REFERENCE_TEST_ACCURACY.value, claims.CLUSTERED_TEST_ACCURACY.value),
    "final_train_accuracy": (claims.REFERENCE_TRAIN_ACCURACY.value, None),
    "wall_s": (claims.REFERENCE_SECONDS.value, None),
    "s_per_epoch": (claims.REFERENCE_SECONDS.value / claims.REFERENCE_EPOCHS.value, None),
    "epoch_to_0.974": (None, claims.CLUSTERED_EPOCHS_TO_974.value),
    "s_to_0.974": (None, claims.CLUSTERED_SECONDS_TO_974.value, claims.SPEEDUPS["0.974"].value),
    "epoch_to_0.978_stable": (None, claims.CLUSTERED_EPOCHS_TO_978_STABLE.value),
    "s_to_0.978_stable": (
        None,
        claims.REFERENCE_SECONDS.value / claims.SPEEDUPS["0.978_stable"].value,
        claims.SPEEDUPS["0.978_stable"].value,
    ),
    "s_to_reference_final": (
        claims.REFERENCE_SECONDS.value,
        claims.CLUSTERED_SECONDS_TO_974.value,
        claims.SPEEDUPS["0.974"].value,
    ),
}


def comparison(reference, clustered, thresholds, preprocessing_s=float("nan")):
    """Rows (dicts) of results/mlp/comparison.tsv: ours next to the seed's, NaN where not reached.

    ``ratio`` is reference time / clustered time. When the reference never reaches an accuracy,
    it is taken against the reference's whole run (the seed's definition) and is a lower bound.
    """
    rows = []

    def add(quantity, ref, clu, ratio=np.nan, note=""):
        seed = SEED.get(quantity, ())
        seed = [np.nan if v is None else v for v in (*seed, None, None, None)[:3]]
        rows.append(
            {
                "quantity": quantity,
                "reference": ref,
                "clustered": clu,
                "ratio": ratio,
                "seed_reference": seed[0],
                "seed_clustered": seed[1],
                "seed_ratio": seed[2],
                "note": note,
            }
        )

    r_wall, c_wall = reference["wall_time"][-1], clustered["wall_time"][-1]
    n_r, n_c = len(reference["wall_time"]), len(clustered["wall_time"])
    add("epochs", n_r, n_c)
    add("final_test_accuracy", reference["test_accuracy"][-1], clustered["test_accuracy"][-1])
    add("final_train_accuracy", reference["train_accuracy"][-1], clustered["train_accuracy"][-1])
    add("wall_s", r_wall, c_wall, r_wall / c_wall)
    add("s_per_epoch", r_wall / n_r, c_wall / n_c, (r_wall / n_r) / (c_wall / n_c))
    add("preprocessing_s", np.nan, preprocessing_s, note="clustered: KMeans fit + distance features")
    for threshold in thresholds:
        for stable in (False, True):
            name = f"{threshold:g}_stable" if stable else f"{threshold:g}"
            e_r, t_r = time_to(reference, threshold, stable)
            e_c, t_c = time_to(clustered, threshold, stable)
            notes = ["clustered: not reached"] if np.isnan(t_c) else []
            if np.isnan(t_r):
                notes.append("reference: not reached; ratio vs its whole run (lower bound)")
            add(f"epoch_to_{name}", e_r, e_c)
            add(f"s_to_{name}", t_r, t_c, (r_wall if np.isnan(t_r) else t_r) / t_c, "; ".join(notes))
    # The seed's "14×": the reference's whole run against the clustered MLP's time to the same accuracy.
    _, t_c = time_to(clustered, reference["test_accuracy"][-1])
    add("s_to_reference_final", r_wall, t_c, r_wall / t_c, "" if np.isfinite(t_c) else "clustered: not reached")
    return rows


def time_to(history, threshold, stable=False):
    """(1-based epoch, seconds since start) at which a run's ``history`` (test_accuracy, wall_time)
    reaches ``threshold`` (and, if ``stable``, stays); (NaN, NaN) if it never does."""
    index = reached(history["test_accuracy"], threshold, stable)
    return (np.nan, np.nan) if index is None else (index + 1, float(history["wall_time"][index]))
