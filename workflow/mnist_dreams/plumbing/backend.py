"""What differs per Keras backend and is not the ascent: the precision of matmuls and convolutions,
seeding and deterministic kernels, feature models and a plain forward pass of a map's loss. The
ascent's compiled step per backend is ``mnist_dreams.ascent.engine.step``.
"""

from __future__ import annotations

import keras
import numpy as np

from . import runtime

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


def feature_model(model, layer):
    """A model from the CNN's input to ``layer``'s output (weights shared, not copied)."""
    return keras.Model(model.inputs, model.get_layer(layer).output, name=f"upto_{layer}")


def map_losses(model, layer, images, map_indices, batch_size=2048):
    """Mean activation of map ``m[i]`` for image *i*, by a plain forward pass (for checks)."""
    feature = feature_model(model, layer)
    act = np.asarray(feature.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0))
    m = np.broadcast_to(np.asarray(map_indices), (act.shape[0],))
    return act[np.arange(act.shape[0]), :, :, m].mean(axis=(1, 2))
