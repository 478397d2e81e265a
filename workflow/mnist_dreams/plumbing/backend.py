"""The one backend-specific piece: gradient ascent on input images, for TensorFlow and JAX.

Loss of sample *i* = mean over the positions of map ``m[i]`` of layer ``layer`` (post-activation),
or any other objective (``goals``). Each sample's gradient is divided by its own RMS (+1e-5), as in
the seed author's OIP code, so the step size is "RMS pixel change per epoch" in standardized pixel
units. Objectives are written once in ``keras.ops``; only differentiation and the compiled epoch
loop differ per backend.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from . import runtime
from .goals import EPS, feature_model, objective

PRECISIONS = ("float32", "tf32")

if keras.backend.backend() == "jax":
    runtime.atomic_jax_cache()  # before the job's first compilation is written to the cache


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


def seed_everything(seed):
    """Seed Python, NumPy and the backend, and ask for deterministic kernels (bit-identical CPU reruns)."""
    keras.utils.set_random_seed(seed)
    if name() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def make_ascent(model, layer, step_size, epochs, l2=0.0, tv=0.0, diversity=0.0, fourier=False):
    """Compile ``ascend(images, map_indices) -> (images, loss_history)``.

    ``images``: float32 (B, 28, 28, 1); ``map_indices``: int (B,) or one int for all.
    ``l2``/``tv`` subtract an L2 / total-variation penalty from the objective (lucid-style
    regularizers, off by default), ``diversity`` the similarity to the same map's other samples;
    the history records the map loss alone.
    ``loss_history`` has ``epochs + 1`` rows: row *e* is each sample's map loss after *e* updates
    (row 0 = the start images, row -1 = the returned images).
    JAX runs the epoch loop inside one compiled function; TensorFlow calls one compiled step per
    epoch, its tensors staying on the device between steps (faster on CPU, see ``_tf_ascent``).
    """
    return compile_ascent(
        objective(model, layer, l2, tv, diversity), step_size, epochs, precondition_for(model, fourier)
    )


def precondition_for(model, fourier):
    """The Fourier parameterization's gradient filter for the model's input (``spectral``), or None."""
    from . import spectral

    return spectral.preconditioner(model.inputs[0].shape[1:]) if fourier else None


def compile_ascent(f, step_size, epochs, precondition=None):
    """``make_ascent`` for any objective ``f(x, groups) -> (goal, recorded value)`` in ``keras.ops``
    (``groups``: the int per sample that ``ascend`` passes on, a map index for the OIP)."""
    build = {"tensorflow": _tf_ascent, "jax": _jax_ascent}.get(name())
    if build is None:
        raise NotImplementedError(f"no ascent step for Keras backend {name()!r} (use tensorflow or jax)")
    run = build(f, float(step_size), int(epochs), precondition)

    def ascend(images, map_indices=0):
        x = np.ascontiguousarray(images, np.float32)
        m = np.broadcast_to(np.asarray(map_indices, np.int32), (x.shape[0],)).copy()
        out, hist = run(x, m)
        return np.asarray(out), np.asarray(hist)

    return ascend


def _tf_ascent(f, step_size, epochs, precondition=None):
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(x, m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            goal, loss = f(x, m)
        g = tape.gradient(goal, x)  # d(sum of goals)/dx = each sample's own gradient
        if precondition is not None:  # the Fourier parameterization (spectral)
            g = precondition(g)
        g /= tf.sqrt(tf.reduce_mean(tf.square(g), axis=[1, 2, 3], keepdims=True)) + EPS
        return x + step_size * g, loss

    final = tf.function(lambda x, m: f(x, m)[1], reduce_retracing=True)

    # The epoch loop in Python over one compiled step, the tensors staying TensorFlow's between
    # epochs: measured 5-10 % faster on CPU than a tf.while_loop with a TensorArray inside one
    # tf.function, bit-identical results (XLA's jit_compile was 4× slower on CPU).
    def run(x, m):
        x, m, rows = tf.constant(x), tf.constant(m), []
        for _ in range(epochs):
            x, loss = step(x, m)
            rows.append(loss)
        rows.append(final(x, m))
        return x, tf.stack(rows)

    return run


def _jax_ascent(f, step_size, epochs, precondition=None):
    import jax
    import jax.numpy as jnp

    def total(x, m):
        goal, loss = f(x, m)
        return goal.sum(), loss

    grad = jax.value_and_grad(total, has_aux=True)

    def step(x, m):
        (_, loss), g = grad(x, m)
        if precondition is not None:
            g = precondition(g)
        g = g / (jnp.sqrt(jnp.mean(jnp.square(g), axis=(1, 2, 3), keepdims=True)) + EPS)
        return x + step_size * g, loss

    @jax.jit
    def run(x, m):
        x, hist = jax.lax.scan(lambda x, _: step(x, m), x, None, length=epochs)
        return x, jnp.concatenate([hist, f(x, m)[1][None]])

    return run


def make_robust_ascent(model, layer, step_size, l2=0.0, tv=0.0, diversity=0.0, fourier=False):
    """Compile ``ascend(images, map_indices, transforms) -> (images, loss_history)``, the ascent with
    transformation robustness (``mnist_dreams.ascent.robust``): before every step each image is
    transformed by its row of ``transforms`` (epochs, B, 8) (``keras.ops.image.affine_transform``,
    bilinear, reflected at the edges) and the transformed image's gradient flows back to the image.

    History row *e* < epochs: the map loss of the transformed images of step *e*; the last row: the
    returned (untransformed) images' loss, the one stored as their ``final_loss``.
    """
    return compile_robust_ascent(
        objective(model, layer, l2, tv, diversity), step_size, precondition_for(model, fourier)
    )


def compile_robust_ascent(base, step_size, precondition=None):
    """``make_robust_ascent`` for any objective ``base(x, groups) -> (goal, recorded value)``."""

    def f(x, m, t):
        return base(ops.image.affine_transform(x, t, interpolation="bilinear", fill_mode="reflect"), m)

    if name() == "tensorflow":
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def step(x, m, t):
            with tf.GradientTape() as tape:
                tape.watch(x)
                goal, loss = f(x, m, t)
            g = tape.gradient(goal, x)
            g = g if precondition is None else precondition(g)
            return x + step_size * _rms_normalized(g), loss

        final = tf.function(lambda x, m: base(x, m)[1], reduce_retracing=True)

        def run(x, m, ts):
            x, m, rows = tf.constant(x), tf.constant(m), []
            for t in ts:
                x, loss = step(x, m, tf.constant(t))
                rows.append(loss)
            return x, tf.stack([*rows, final(x, m)])

    elif name() == "jax":
        import jax
        import jax.numpy as jnp

        grad = jax.value_and_grad(lambda x, m, t: (lambda goal, loss: (goal.sum(), loss))(*f(x, m, t)), has_aux=True)

        @jax.jit
        def run(x, m, ts):
            def body(x, t):
                (_, loss), g = grad(x, m, t)
                g = g if precondition is None else precondition(g)
                return x + step_size * _rms_normalized(g), loss

            x, hist = jax.lax.scan(body, x, ts)
            return x, jnp.concatenate([hist, base(x, m)[1][None]])

    else:
        raise NotImplementedError(f"no ascent step for Keras backend {name()!r} (use tensorflow or jax)")

    def ascend(images, map_indices, transforms):
        x = np.ascontiguousarray(images, np.float32)
        m = np.broadcast_to(np.asarray(map_indices, np.int32), (x.shape[0],)).copy()
        out, hist = run(x, m, np.ascontiguousarray(transforms, np.float32))
        return np.asarray(out), np.asarray(hist)

    return ascend


def _rms_normalized(g):
    """Each sample's gradient divided by its root mean square: every step moves an image as far."""
    return g / (ops.sqrt(ops.mean(ops.square(g), axis=(1, 2, 3), keepdims=True)) + EPS)


def make_layer_gradient(model, layer_weights):
    """Compile ``grad(images) -> (gradients, losses)`` for DeepDream's layer-wide objective.

    Loss per image = Σ_layer weight · mean activation of all maps of that layer. Gradients are
    raw (not normalized): DeepDream normalizes after assembling tiles into the whole image.
    """
    names = list(layer_weights)
    feature = keras.Model(model.inputs, [model.get_layer(n).output for n in names], name="dream_layers")
    weights = [float(layer_weights[n]) for n in names]

    def f(x):
        # training=False: Dropout off, BatchNorm on its moving statistics (never updated here)
        acts = feature(x, training=False)
        acts = acts if isinstance(acts, (list, tuple)) else [acts]
        return sum(w * ops.mean(a, axis=tuple(range(1, len(a.shape)))) for w, a in zip(weights, acts, strict=True))

    if name() == "tensorflow":
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def grad(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = f(x)
            return tape.gradient(loss, x), loss

    elif name() == "jax":
        import jax

        def total(x):
            loss = f(x)
            return loss.sum(), loss

        value_and_grad = jax.jit(jax.value_and_grad(total, has_aux=True))

        def grad(x):
            (_, loss), g = value_and_grad(x)
            return g, loss

    else:
        raise NotImplementedError(f"no gradient for Keras backend {name()!r} (use tensorflow or jax)")

    def run(images):
        g, loss = grad(np.ascontiguousarray(images, np.float32))
        return np.asarray(g), np.asarray(loss)

    return run


def map_losses(model, layer, images, map_indices, batch_size=2048):
    """Mean activation of map ``m[i]`` for image *i*, by a plain forward pass (for checks)."""
    feature = feature_model(model, layer)
    act = np.asarray(feature.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0))
    m = np.broadcast_to(np.asarray(map_indices), (act.shape[0],))
    return act[np.arange(act.shape[0]), :, :, m].mean(axis=(1, 2))
