"""One compiled ascent step per backend, for every objective, parameterization and transform.

A step: the gradient of the goal (``objectives``) with respect to the image — of the transformed
image when the ascent is robust (``transforms``), flowing back to the image —, filtered by the
parameterization's preconditioner (``parameterization``), divided by each sample's own RMS (+1e-5),
as in the seed author's OIP code, so the step size is "RMS pixel change per epoch" in standardized
pixel units; then ``x + step_size * g``, clipped into the input's range when the ascent is bounded
(``oip.bound: clip``, ``ascent.input_range``). Only the differentiation and the epoch loop are written per
backend; the rest is ``keras.ops``.

TensorFlow calls one compiled step per epoch, its tensors staying TensorFlow's between epochs:
measured 5-10 % faster on CPU than a tf.while_loop with a TensorArray inside one tf.function,
bit-identical results (XLA's jit_compile was 4× slower on CPU). JAX runs the epoch loop inside one
compiled function (``lax.scan``).
"""

from __future__ import annotations

import numpy as np

from . import EPS


def _backend():
    from ...plumbing import backend  # its import readies JAX's compilation cache

    return backend.name()


def rms_normalized(g):
    """Each sample's gradient divided by its root mean square: every step moves an image as far."""
    from keras import ops

    return g / (ops.sqrt(ops.mean(ops.square(g), axis=(1, 2, 3), keepdims=True)) + EPS)


def compile(f, step_size, epochs=None, precondition=None, clip=None):  # noqa: A001 - the engine's verb
    """The ascent of ``f(x, groups) -> (goal, recorded value)`` (``keras.ops``, per sample).

    ``epochs`` given: ``ascend(images, groups) -> (images, history)``, history (epochs + 1, B) with
    row *e* each sample's value after *e* updates (row 0 the start images, the last row the
    returned images). ``epochs`` None, the robust ascent: ``ascend(images, groups, transforms)``
    with ``transforms`` (epochs, B, 8) (``transforms.transforms``): before every step each image is
    transformed by its row (``keras.ops.image.affine_transform``, bilinear, reflected at the edges);
    history row *e* < epochs the transformed images' value at step *e*, the last row the returned
    (untransformed) images' own value. ``groups``: an int per sample (or one for all). ``clip``:
    (low, high) per channel, every update clipped into it (None: the seed's unbounded ascent).
    """
    builders = {"tensorflow": _tensorflow, "jax": _jax}
    if _backend() not in builders:
        raise NotImplementedError(f"no ascent step for Keras backend {_backend()!r} (use tensorflow or jax)")
    run = builders[_backend()](f, _updater(float(step_size), precondition, clip), epochs)

    def ascend(images, groups=0, transforms=None):
        x = np.ascontiguousarray(images, np.float32)
        m = np.broadcast_to(np.asarray(groups, np.int32), (x.shape[0],)).copy()
        extra = () if epochs is not None else (np.ascontiguousarray(transforms, np.float32),)
        out, hist = run(x, m, *extra)
        return np.asarray(out), np.asarray(hist)

    return ascend


def _climbed(f, t):
    """The goal and value of the image itself, or of its transform by ``t`` (the robust ascent)."""
    from keras import ops

    if t is None:
        return f
    return lambda x, m: f(ops.image.affine_transform(x, t, interpolation="bilinear", fill_mode="reflect"), m)


def _updater(step_size, precondition, clip):
    """``update(x, g)``: one step of the normalized (preconditioned) gradient, clipped if bounded."""
    from keras import ops

    low, high = (None, None) if clip is None else (np.asarray(c, np.float32) for c in clip)

    def update(x, g):
        g = g if precondition is None else precondition(g)
        x = x + step_size * rms_normalized(g)
        return x if clip is None else ops.clip(x, low, high)

    return update


def _tensorflow(f, update, epochs):
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(x, m, t=None):
        with tf.GradientTape() as tape:
            tape.watch(x)
            goal, value = _climbed(f, t)(x, m)
        # d(sum of goals)/dx = each sample's own gradient
        return update(x, tape.gradient(goal, x)), value

    final = tf.function(lambda x, m: f(x, m)[1], reduce_retracing=True)

    def run(x, m, ts=None):
        x, m, rows = tf.constant(x), tf.constant(m), []
        for t in range(epochs) if ts is None else ts:
            x, value = step(x, m) if ts is None else step(x, m, tf.constant(t))
            rows.append(value)
        return x, tf.stack([*rows, final(x, m)])

    return run


def _jax(f, update, epochs):
    import jax
    import jax.numpy as jnp

    def total(x, m, t):
        goal, value = _climbed(f, t)(x, m)
        return goal.sum(), value

    grad = jax.value_and_grad(total, has_aux=True)

    def body(x, m, t):
        (_, value), g = grad(x, m, t)
        return update(x, g), value

    def finish(x, m, hist):
        return x, jnp.concatenate([hist, f(x, m)[1][None]])

    if epochs is not None:

        @jax.jit
        def run(x, m):
            x, hist = jax.lax.scan(lambda x, _: body(x, m, None), x, None, length=epochs)
            return finish(x, m, hist)

    else:

        @jax.jit
        def run(x, m, ts):
            x, hist = jax.lax.scan(lambda x, t: body(x, m, t), x, ts)
            return finish(x, m, hist)

    return run


def gradient(f):
    """``grad(images) -> (gradients, values)`` of ``f(x) -> (B,)``, raw (not normalized): DeepDream
    normalizes after assembling its tiles into the whole image."""
    if _backend() == "tensorflow":
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def grad(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                value = f(x)
            return tape.gradient(value, x), value

    elif _backend() == "jax":
        import jax

        value_and_grad = jax.jit(jax.value_and_grad(lambda x: (lambda v: (v.sum(), v))(f(x)), has_aux=True))

        def grad(x):
            (_, value), g = value_and_grad(x)
            return g, value

    else:
        raise NotImplementedError(f"no gradient for Keras backend {_backend()!r} (use tensorflow or jax)")

    def run(images):
        g, value = grad(np.ascontiguousarray(images, np.float32))
        return np.asarray(g), np.asarray(value)

    return run
