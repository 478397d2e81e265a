"""Small Keras models of the kinds users bring (issue 17), built and saved by the tests themselves."""

import numpy as np


def rgb_functional(path):
    """Functional RGB 32×32 with Rescaling (so model.input: raw), BatchNorm and Dropout."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(3)
    x = inp = keras.Input((32, 32, 3), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescale")(x)
    x = layers.Conv2D(8, 3, activation="relu", name="block1_conv")(x)
    x = layers.BatchNormalization(name="block1_bn")(x)
    x = layers.MaxPooling2D(2, name="block1_pool")(x)
    x = layers.Dropout(0.3, name="block1_drop")(x)
    x = layers.Conv2D(16, 3, name="block2_conv")(x)
    x = layers.BatchNormalization(name="block2_bn")(x)
    x = layers.ReLU(name="block2_relu")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(10, activation="softmax", name="logits")(x)
    model = keras.Model(inp, out, name="rgb_bn")
    _nontrivial_batchnorm(model)
    model.save(path)
    return model


def built_sequential(path):
    """A Sequential built with model.build(), never called (keras #20339 / #20116)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(4)
    model = keras.Sequential(
        [
            layers.Conv2D(8, 3, activation="relu", name="c1"),
            layers.MaxPooling2D(2),
            layers.Conv2D(12, 3, name="c2"),
            layers.Activation("relu", name="c2_relu"),
            layers.Flatten(),
            layers.Dense(10),
        ],  # fmt: skip
        name="built_seq",
    )
    model.build((None, 28, 28, 1))
    model.save(path)
    return model


def nested(path):
    """A functional model whose conv block is a nested Sequential named "features"."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(5)
    features = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(6, 3, activation="relu", name="inner_conv"), layers.MaxPooling2D(2)],
        name="features",
    )
    inp = keras.Input((28, 28, 1), name="image")
    x = features(inp)
    x = layers.Conv2D(10, 3, activation="relu", name="outer_conv")(x)
    out = layers.Dense(10)(layers.Flatten()(x))
    model = keras.Model(inp, out, name="nested")
    model.save(path)
    return model


def legacy_h5(path):
    """The functional gray 28×28 kind, saved in the legacy HDF5 format."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(6)
    inp = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(8, 3, activation="relu", name="conv_a")(inp)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, activation="relu", name="conv_b")(x)
    model = keras.Model(inp, layers.Dense(10)(layers.Flatten()(x)), name="legacy")
    model.save(path)  # .h5 suffix: Keras' legacy writer
    return model


def _nontrivial_batchnorm(model):
    """Moving statistics away from 0/1, so that a run that updated them would show."""
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([gamma, beta, rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 2, var.shape)])


def mixed_precision(path, sequential=False):
    """Trained under mixed_float16 (as on a GPU): its layers compute in float16 when loaded as saved."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(6)
    keras.config.set_dtype_policy("mixed_float16")
    try:
        stack = [
            layers.Rescaling(1 / 255.0, name="rescale"),
            layers.Conv2D(8, 3, name="conv"),
            layers.BatchNormalization(name="bn"),
            layers.ReLU(name="relu"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(10, dtype="float32", name="logits"),  # the usual float32 head
        ]
        if sequential:
            model = keras.Sequential([keras.Input((28, 28, 1)), *stack], name="mixed_seq")
        else:
            x = inp = keras.Input((28, 28, 1))
            for layer in stack:
                x = layer(x)
            model = keras.Model(inp, x, name="mixed")
    finally:
        keras.config.set_dtype_policy("float32")
    _nontrivial_batchnorm(model)
    model.save(path)
    return model
