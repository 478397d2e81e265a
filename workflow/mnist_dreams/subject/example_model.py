"""A second network for "Your own model": a small residual CNN with BatchNorm, not the seed's.

It stands for a model a user brings: trained here on MNIST pixels scaled to [0, 1] (so
``model.input: unit``), saved as ``.keras``, then visualized through ``model.path`` like any file.
Same-padded 3×3 convolutions, BatchNorm before each ReLU, two residual blocks (16 maps at 14×14,
32 at 7×7) and global average pooling: an architecture unlike the seed's valid convolutions and
dense head, whose BatchNorm layers show that a run never moves their statistics.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def build(seed=0, channels=1):
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)

    def conv_bn(x, filters, name, kernel=3):
        x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=f"{name}_conv")(x)
        # momentum 0.9: moving statistics that settle within a short training (0.99's lag 100 steps)
        return layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)

    def block(x, filters, name):
        shortcut = x if x.shape[-1] == filters else conv_bn(x, filters, f"{name}_proj", kernel=1)
        y = layers.ReLU(name=f"{name}_relu1")(conv_bn(x, filters, f"{name}_a"))
        y = conv_bn(y, filters, f"{name}_b")
        return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([shortcut, y]))

    inp = keras.Input((28, 28, channels), name="image")
    x = layers.ReLU(name="stem_out")(conv_bn(inp, 16, "stem"))
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = block(x, 16, "block1")
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = block(x, 32, "block2")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(10, activation="softmax", name="digits")(x)
    return keras.Model(inp, out, name="residual_bn_mnist")


def train(mnist, epochs, train_subset, batch_size, seed):
    """Fit on ``train_subset`` seeded training images (0 = all) at [0, 1]; returns (model, test accuracy)."""
    from .cnn import subsample

    x, y = subsample(mnist["x_train"], mnist["y_train"], train_subset, seed)
    x = (np.asarray(x, np.float32) / 255.0)[..., None]
    x_test = (np.asarray(mnist["x_test"], np.float32) / 255.0)[..., None]
    model = build(seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=2)
    _, accuracy = model.evaluate(x_test, mnist["y_test"], batch_size=1000, verbose=0)
    log.info("residual BatchNorm CNN: test accuracy %.4f after %d epochs", accuracy, epochs)
    return model, float(accuracy)
