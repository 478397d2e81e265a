"""A planted fake: a model whose map answers a synthetic pattern along a path natural images never take.

Geirhos et al. 2023 ("Don't trust your eyes") showed that a network can be changed so that its
feature visualizations show an arbitrary pattern while its answers on natural images stay as they
were; one of their two ways is a *silent unit*: a detector whose bias keeps it at zero on every
natural image, wired into the unit it fakes. Here the detector is a convolution of the input with
``pattern`` (a checkerboard of 1-pixel squares by default: no handwritten digit has one), biased
``margin`` times above its largest response on ``natural_images``, max-pooled to the size of the
layer's input and fed to ``fake_map`` alone as one more input channel. On ``natural_images`` the
planted model computes exactly what the model does; a gradient ascent that pushes pixels past what
digits have wakes the detector, and the map's OIP becomes the pattern. The trust report
(``ascent.trust``) must mark that map and not the others (issue 39, item 4; tests/unit/test_trust.py).
"""

from __future__ import annotations

import numpy as np

DETECTOR, POOL = "planted_detector", "planted_pool"
CHAIN = "planted fake: the model must be a chain of layers, each fed by the one before (as a Sequential model)"


def checkerboard(size=4):
    """A ``size``×``size`` kernel of ±1 in 1-pixel squares: zero mean, all high frequency."""
    return (np.indices((size, size)).sum(axis=0) % 2 * 2.0 - 1.0).astype(np.float32)


def plant(model, layer, fake_map, natural_images, pattern=None, margin=1.2, weight=1.0):
    """``model`` with a silent path from ``pattern`` into ``fake_map`` of ``layer``; (model, threshold).

    ``model``: a chain of layers (each fed by the one before, as the seed's CNN and any Sequential
    model), ``layer`` one of its ``Conv2D``s; ``natural_images``: in the model's input units, the
    images that must not wake the detector (e.g. all of MNIST).
    """
    import keras

    chain = model.layers[1:] if isinstance(model.layers[0], keras.layers.InputLayer) else model.layers
    target = model.get_layer(layer)
    if not isinstance(target, keras.layers.Conv2D):
        raise ValueError(f"planted fake: {layer!r} is a {type(target).__name__}, a Conv2D is needed")
    pattern = checkerboard() if pattern is None else np.asarray(pattern, np.float32)
    channels = int(model.inputs[0].shape[-1])
    kernel = np.repeat(pattern[:, :, None, None] / channels, channels, axis=2)
    x = keras.Input(model.inputs[0].shape[1:])
    detector = keras.layers.Conv2D(1, pattern.shape, activation="relu", name=DETECTOR)
    response = detector(x)
    threshold = margin * _largest_response(pattern, kernel, natural_images)
    detector.set_weights([kernel, np.array([-threshold], np.float32)])
    try:
        t = x
        for one in chain[: chain.index(target)]:
            t = one(t)
    except (TypeError, ValueError) as e:  # a layer that joins two paths, called on one tensor
        raise ValueError(CHAIN) from e
    size = max(1, response.shape[1] // t.shape[1]), max(1, response.shape[2] // t.shape[2])
    pooled = keras.layers.MaxPooling2D(size, name=POOL)(response)
    extra = (pooled.shape[1] - t.shape[1], pooled.shape[2] - t.shape[2])
    if extra != (0, 0):
        pooled = keras.layers.Cropping2D(((0, extra[0]), (0, extra[1])))(pooled)
    # its weights are set below: a loaded model's initializers (models.PLACEHOLDER) need not come along
    config = {k: v for k, v in target.get_config().items() if not k.endswith("_initializer")}
    rewired = keras.layers.Conv2D.from_config(config)
    out = rewired(keras.layers.Concatenate(name=f"{layer}_with_planted")([t, pooled]))
    old_kernel, *bias = target.get_weights()
    fake_weights = np.zeros((*old_kernel.shape[:2], 1, old_kernel.shape[3]), np.float32)
    fake_weights[:, :, 0, fake_map] = weight
    rewired.set_weights([np.concatenate([old_kernel, fake_weights], axis=2), *bias])
    for one in chain[chain.index(target) + 1 :]:
        out = one(out)
    fake = keras.Model(x, out, name=f"{model.name}_planted_{fake_map}")
    probe = np.asarray(natural_images[:256], np.float32)
    if not np.allclose(fake.predict(probe, verbose=0), model.predict(probe, verbose=0), rtol=1e-5, atol=1e-6):
        raise ValueError(CHAIN)
    return fake, threshold


def detector_output(planted, images):
    """The planted detector's pooled output on ``images``: zero wherever the fake is asleep."""
    import keras

    below = keras.Model(planted.inputs, planted.get_layer(POOL).output)
    return np.asarray(below.predict(np.asarray(images, np.float32), batch_size=1000, verbose=0))


def _largest_response(pattern, kernel, images, batch_size=10000):
    import keras

    probe = keras.layers.Conv2D(1, pattern.shape, use_bias=False)
    probe.build((None, *np.shape(images)[1:]))
    probe.set_weights([kernel])
    return max(float(np.max(probe(np.asarray(images[i : i + batch_size], np.float32))))
               for i in range(0, len(images), batch_size))  # fmt: skip
