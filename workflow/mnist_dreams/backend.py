"""The one backend-specific piece: gradient ascent on input images, for TensorFlow and JAX.

Loss of sample *i* = mean over the 3×3 positions of map ``m[i]`` of layer ``layer`` (post-ReLU).
Each sample's gradient is divided by its own RMS (+1e-5), as in the seed author's OIP code, so the
step size means "pixels moved per epoch in units of the standardized pixel scale".
Everything else (start images, selection, figures) is backend-neutral numpy.
"""

from __future__ import annotations

import keras
import numpy as np

PRECISIONS = ("float32", "tf32")
EPS = 1e-5


def name():
    return keras.backend.backend()


def set_precision(precision="float32"):
    """float32 matmuls/convolutions, or TF32 on GPUs that have it (changes precursor winners)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    tf32 = precision == "tf32"
    if name() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(tf32)
    elif name() == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", "tensorfloat32" if tf32 else "highest")


def feature_model(model, layer):
    """A model from the CNN's input to ``layer``'s output (weights shared, not copied)."""
    return keras.Model(model.inputs, model.get_layer(layer).output, name=f"upto_{layer}")


def make_ascent(model, layer, step_size, epochs):
    """Compile ``ascend(images, map_indices) -> (images, loss_history)``.

    ``images``: float32 (B, 28, 28, 1); ``map_indices``: int32 (B,).
    ``loss_history[e, i]`` is sample *i*'s loss before update *e*; with ``epochs = 1`` this is a
    single ascent step. The loop runs inside the compiled function: no host round trip per epoch.
    """
    feature = feature_model(model, layer)
    build = {"tensorflow": _tf_ascent, "jax": _jax_ascent}.get(name())
    if build is None:
        raise NotImplementedError(f"no ascent step for Keras backend {name()!r} (use tensorflow or jax)")
    run = build(feature, float(step_size), int(epochs))

    def ascend(images, map_indices):
        x = np.ascontiguousarray(images, np.float32)
        m = np.broadcast_to(np.asarray(map_indices, np.int32), (x.shape[0],)).copy()
        out, hist = run(x, m)
        return np.asarray(out), np.asarray(hist)

    return ascend


def _tf_ascent(feature, step_size, epochs):
    import tensorflow as tf

    def losses(x, m):
        act = feature(x, training=False)
        return tf.reduce_mean(tf.gather(act, m, axis=3, batch_dims=1), axis=[1, 2])

    def step(x, m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = losses(x, m)
        g = tape.gradient(loss, x)  # d(sum of losses)/dx = each sample's own gradient
        g /= tf.sqrt(tf.reduce_mean(tf.square(g), axis=[1, 2, 3], keepdims=True)) + EPS
        return x + step_size * g, loss

    @tf.function(reduce_retracing=True)
    def run(x, m):
        hist = tf.TensorArray(tf.float32, size=epochs)
        for e in tf.range(epochs):
            x, loss = step(x, m)
            hist = hist.write(e, loss)
        return x, hist.stack()

    return run


def _jax_ascent(feature, step_size, epochs):
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in feature.trainable_variables]
    frozen = [v.value for v in feature.non_trainable_variables]

    def total(x, m, tv, ntv):
        act, _ = feature.stateless_call(tv, ntv, x, training=False)
        loss = jnp.take_along_axis(act, m[:, None, None, None], axis=3)[..., 0].mean(axis=(1, 2))
        return loss.sum(), loss

    grad = jax.value_and_grad(total, has_aux=True)

    def step(x, m, tv, ntv):
        (_, loss), g = grad(x, m, tv, ntv)
        g = g / (jnp.sqrt(jnp.mean(jnp.square(g), axis=(1, 2, 3), keepdims=True)) + EPS)
        return x + step_size * g, loss

    @jax.jit
    def run(x, m, tv, ntv):
        def body(x, _):
            x, loss = step(x, m, tv, ntv)
            return x, loss

        return jax.lax.scan(body, x, None, length=epochs)

    return lambda x, m: run(x, m, trainable, frozen)


def map_losses(model, layer, images, map_indices, batch_size=2048):
    """Mean activation of map ``m[i]`` for image *i*, by a plain forward pass (for checks)."""
    feature = feature_model(model, layer)
    act = np.asarray(feature.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0))
    m = np.broadcast_to(np.asarray(map_indices), (act.shape[0],))
    return act[np.arange(act.shape[0]), :, :, m].mean(axis=(1, 2))
