"""Class role: which classes depend on a map (issue 39, item 3).

The map is zeroed (its weights and bias in the layer set to 0, so that its output is 0 everywhere,
where the layer's activation keeps 0 at 0) and the model's test images run again. Measured per
class: the mean drop of the log-probability the model gave its own answer, over the images it
answers with that class (its own answers, not labels: any classifier's test images serve). The
choice: on the paper CNN zeroing one conv3 map moves a class's test accuracy by at most 0.7 %, too
little to tell maps apart, while the log-probability drop has a clear top class per map (that
class takes a median 46 % of the map's positive drops, 24-91 %, where 10 % would be no preference;
docs/measurements.md).

Per map: ``class_role`` (the class that loses most), ``class_role_drop`` (its mean drop, in nats)
and ``class_role_share`` (its share of the positive drops over all classes). Read beside the class
the model reads in the OIP (``trust.class_read``): they agree on 30 of 116 maps of the paper CNN,
three times chance, so no verdict rests on them.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)
PER_CLASS = 200  # images per answered class (the first in order): 2000 of MNIST's test set, ~20 s a layer


def zeroable(layer):
    """Whether ``layer``'s maps can be zeroed through its own weights: a kernel whose last axis is the
    maps, a bias of one per map (or none), and an activation that keeps 0 at 0."""
    import keras

    weights = layer.get_weights()
    if not weights or not hasattr(layer, "activation"):
        return False
    maps = weights[0].shape[-1]
    if len(weights) > 2 or (len(weights) == 2 and weights[1].shape != (maps,)):
        return False
    zero = keras.ops.convert_to_numpy(layer.activation(np.zeros((1, 1), np.float32)))
    return bool(np.all(zero == 0))


def drops(model, layer, images, maps, per_class=PER_CLASS):
    """(answers, {map: (classes,) mean drop of log p(answer)}) on up to ``per_class`` images per
    class the model answers, or None where the output is no class vector or the maps cannot be
    zeroed (``zeroable``)."""
    target = model.get_layer(layer)
    base = np.asarray(model.predict(np.asarray(images, np.float32), batch_size=1000, verbose=0), np.float64)
    classes = base.ndim == 2 and base.shape[1] >= 2 and np.allclose(base.sum(axis=1), 1, atol=1e-3)
    if not classes or not zeroable(target):
        why = "the output is no class vector" if not classes else f"{layer}'s maps cannot be zeroed by its weights"
        log.info("class role: none, %s", why)
        return None
    answer = base.argmax(axis=1)
    keep = np.concatenate([np.flatnonzero(answer == c)[:per_class] for c in range(base.shape[1])])
    x, answer = np.asarray(images, np.float32)[keep], answer[keep]
    before = np.log(np.maximum(base[keep, answer], 1e-12))
    kept = target.get_weights()
    out = {}
    try:
        for m in maps:
            zeroed = [w.copy() for w in kept]
            for w in zeroed:
                w[..., m] = 0.0
            target.set_weights(zeroed)
            p = np.asarray(model.predict(x, batch_size=1000, verbose=0), np.float64)
            d = before - np.log(np.maximum(p[np.arange(len(x)), answer], 1e-12))
            out[m] = np.array([d[answer == c].mean() if (answer == c).any() else np.nan for c in range(base.shape[1])])
    finally:
        target.set_weights(kept)
    return answer, out


def table(model, layer, images, maps, per_class=PER_CLASS):
    """{map: {class_role, class_role_drop, class_role_share}}; {} where ``drops`` gives None."""
    found = drops(model, layer, images, maps, per_class)
    if found is None:
        return {}
    out = {}
    for m, per in found[1].items():
        top = int(np.nanargmax(per))
        positive = np.nansum(np.clip(per, 0, None))
        out[m] = {"class_role": top, "class_role_drop": float(per[top]),
                  "class_role_share": float(per[top] / positive) if positive > 0 else np.nan}  # fmt: skip
    return out
