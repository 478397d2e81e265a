"""What an ascent climbs, in backend-neutral ``keras.ops``: a map's mean activation (the seed's OIP
loss), the penalties on the image, and the diversity among the samples of one map or objective.

``backend`` differentiates and compiles these; ``mnist_dreams.ascent.objectives`` builds other
objectives (a neuron, a direction, a class) from the same pieces.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

EPS = 1e-5  # added to a root mean square or a norm before dividing by it


def feature_model(model, layer):
    """A model from the CNN's input to ``layer``'s output (weights shared, not copied)."""
    return keras.Model(model.inputs, model.get_layer(layer).output, name=f"upto_{layer}")


def objective(model, layer, l2=0.0, tv=0.0, diversity=0.0):
    """``f(x, m) -> (objective, map_loss)`` per sample, in backend-neutral ``keras.ops``.

    Computing only map ``m`` of the last layer (a 1-channel convolution) was tried and measured
    slower on CPU (12.2k vs 13.5k image·epochs/s, TF 2.21): the full layer plus a gather stays.
    ``diversity`` > 0: each sample also pushes away from the other samples of its map (``diverse``).
    """
    feature = feature_model(model, layer)

    def f(x, m):
        # training=False: Dropout off, BatchNorm on its moving statistics (never updated here)
        acts = feature(x, training=False)
        loss = ops.mean(ops.take_along_axis(acts, ops.reshape(m, (-1, 1, 1, 1)), axis=3), axis=(1, 2, 3))
        goal = penalized(loss, x, l2, tv)
        if diversity:
            goal = diverse(goal, loss, acts, m, diversity)
        return goal, loss

    return f


def penalized(goal, x, l2=0.0, tv=0.0):
    """``goal`` less an L2 and a total-variation penalty on the image (lucid-style, off at 0)."""
    if l2:
        goal = goal - l2 * ops.mean(ops.square(x), axis=(1, 2, 3))
    if tv:
        dy = ops.abs(x[:, 1:, :, :] - x[:, :-1, :, :])
        dx = ops.abs(x[:, :, 1:, :] - x[:, :, :-1, :])
        goal = goal - tv * (ops.mean(dy, axis=(1, 2, 3)) + ops.mean(dx, axis=(1, 2, 3)))
    return goal


def diverse(goal, value, acts, groups, weight):
    """``goal`` less ``weight`` × |value| × each sample's mean similarity to the other samples of its
    group (``sibling_similarity``): a candidate trades up to ``weight`` of its objective for being
    unlike its siblings, whatever the objective's scale (the |value| factor carries no gradient)."""
    return goal - weight * ops.stop_gradient(ops.abs(value)) * sibling_similarity(acts, groups)


def sibling_similarity(acts, groups):
    """Per sample: the mean cosine similarity of its Gram matrix (channels × channels, over the
    positions of ``acts``) with those of the other samples of the same group (lucid's diversity
    objective); 0 for a sample alone in its group. ``acts``: (B, h, w, c) or (B, c)."""
    c = acts.shape[-1]
    a = ops.reshape(acts, (-1, int(np.prod(acts.shape[1:-1], dtype=int)), c))
    gram = ops.reshape(ops.einsum("bpc,bpd->bcd", a, a), (-1, c * c))
    gram = gram / (ops.sqrt(ops.sum(ops.square(gram), axis=1, keepdims=True)) + EPS)
    idx = ops.arange(ops.shape(groups)[0])
    same = ops.logical_and(ops.equal(groups[:, None], groups[None, :]), ops.not_equal(idx[:, None], idx[None, :]))
    same = ops.cast(same, gram.dtype)
    sim = ops.matmul(gram, ops.transpose(gram)) * same
    return ops.sum(sim, axis=1) / ops.maximum(ops.sum(same, axis=1), 1.0)
