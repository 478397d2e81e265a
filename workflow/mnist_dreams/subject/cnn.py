"""The seed author's CNN: Conv32 → pool → Conv64 → pool → Conv128 (the "3rd conv layer") → 70 → 10."""

from __future__ import annotations

import logging
import time

import numpy as np

log = logging.getLogger(__name__)

# The layer whose 128 maps of 3×3 the OIP, precursor and dream steps work on by default.
CONV3 = "conv3"

# Every layer's output shape after the batch axis, as ``build`` makes them (tested against Keras):
# the Snakefile checks ``model.layer`` and sizes the map wildcard from it before any CNN exists.
LAYERS = {
    "conv1": (26, 26, 32),
    "pool1": (13, 13, 32),
    "conv2": (11, 11, 64),
    "pool2": (5, 5, 64),
    CONV3: (3, 3, 128),
    "flatten": (1152,),
    "dense1": (70,),
    "output": (10,),
}
KINDS = {name: "Conv2D" if name.startswith("conv") else "MaxPooling2D" if name.startswith("pool") else
         "Flatten" if name == "flatten" else "Dense" for name in LAYERS}  # fmt: skip


def standardization(x_train):
    """Global pixel mean and std of the training images (in uint8 units)."""
    x = np.asarray(x_train, np.float64)
    return float(x.mean()), float(x.std())


def build(l2=0.0, seed=0):
    """The architecture of the seed's series, layer names fixed for later lookups."""
    import keras
    from keras import layers

    reg = keras.regularizers.L2(l2) if l2 else None
    init = lambda i: keras.initializers.GlorotUniform(seed=seed + i)  # noqa: E731
    conv = dict(kernel_size=(3, 3), activation="relu", kernel_regularizer=reg)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            layers.Conv2D(32, name="conv1", kernel_initializer=init(1), **conv),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, name="conv2", kernel_initializer=init(2), **conv),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(128, name=CONV3, kernel_initializer=init(3), **conv),
            layers.Flatten(name="flatten"),
            layers.Dense(70, activation="relu", kernel_regularizer=reg, kernel_initializer=init(4), name="dense1"),
            layers.Dense(10, activation="softmax", kernel_initializer=init(5), name="output"),
        ],
        name="seed_cnn",
    )


def subsample(x, y, n, seed):
    """The first ``n`` of a seeded permutation (n = 0 keeps everything)."""
    if not n or n >= len(x):
        return x, y
    idx = np.random.default_rng(seed).permutation(len(x))[:n]
    return x[np.sort(idx)], y[np.sort(idx)]


def epoch_clock(epochs, steps):
    """A Keras callback: wall time since training start at each epoch end, and progress lines."""
    import keras

    from ..plumbing.progress import Progress

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.times, self.epoch = time.perf_counter(), [], 0
            self.progress = Progress(log, "CNN training", epochs * steps, "batches")
            self.test_accuracy = float("nan")

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            done = self.epoch * steps + batch + 1
            loss = float((logs or {}).get("loss", float("nan")))
            self.progress.update(done, epoch=f"{self.epoch + 1}/{epochs}", loss=loss, test_accuracy=self.test_accuracy)

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)
            self.test_accuracy = float((logs or {}).get("val_accuracy", float("nan")))

    return Clock()


def train(
    data,
    epochs,
    batch_size,
    learning_rate,
    lr_decay,
    momentum,
    l2,
    train_subset=0,
    seed=0,
):
    """Train the CNN on standardized MNIST; return (model, history dict, attrs).

    SGD with momentum, a per-epoch exponentially decaying rate and L2 on the kernels: the three
    ingredients of the seed author's article III.
    """
    import keras

    from ..plumbing import backend
    from .photo import to_input

    backend.seed_everything(seed)
    x_train, y_train = subsample(data["x_train"], data["y_train"], train_subset, seed)
    mean, std = standardization(data["x_train"])
    # photo.to_input: the one home of pixels → input; the uint8 images as float32 first, so that the
    # training's arithmetic stays float32 (mean and std are Python floats), as it always was
    xs, xt = (to_input(np.asarray(x, np.float32)[..., None], mean, std) for x in (x_train, data["x_test"]))
    steps = int(np.ceil(len(xs) / batch_size))
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, steps, lr_decay, staircase=True)
    model = build(l2=l2, seed=seed)
    model.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=momentum),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = epoch_clock(epochs, steps)
    hist = model.fit(
        xs,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(xt, data["y_test"]),
        shuffle=True,
        callbacks=[clock],
        verbose=0,  # the clock's progress lines instead of one line per epoch, however short
    )
    history = {
        "train_loss": hist.history["loss"],
        "train_accuracy": hist.history["accuracy"],
        "test_loss": hist.history["val_loss"],
        "test_accuracy": hist.history["val_accuracy"],
        "wall_time": clock.times,
    }
    history = {k: np.asarray(v, np.float64) for k, v in history.items()}
    attrs = {"pixel_mean": mean, "pixel_std": std, "n_train": len(xs), "n_test": len(xt)}
    log.info("test accuracy after %d epochs: %.4f", epochs, history["test_accuracy"][-1])
    return model, history, attrs
