"""Weight dependence: does a map's OIP show what the model learned? (issue 39, item 3)

Adebayo et al. 2018 ("Sanity checks for saliency maps") randomized a model's weights, layer by
layer from the top (cascading), and asked whether an explanation changes: one that stays the same
does not show what was learned. Here each map's shown OIP is set beside the same ascent (the OIP's
own settings, from its own start) on the model with

- ``weight_similarity``: the layer's weights shuffled (each weight array's entries permuted, seeded:
  the same values, no structure; no initializer needed, which a loaded model may lack), and
- ``weight_similarity_all``: the layer's and every layer's below it shuffled (the cascade's end:
  nothing learned is left on the map's path).

The number is the absolute Spearman correlation of the two pictures' pixels: near 0 when the
pattern is the learned weights' doing, near 1 when the ascent would draw the same without them (a
picture that is mostly its start image, e.g.). Measured on the paper CNN (docs/measurements.md):
the layer shuffled, median 0.2, at most 0.5.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


def weighted_up_to(model, layer):
    """The names of the layers with weights from the input up to and including ``layer``, top first."""
    names = []
    for one in model.layers:
        if one.get_weights():
            names.append(one.name)
        if one.name == layer:
            break
    return names[::-1]


@contextmanager
def shuffled(model, names, seed):
    """``model`` with the weight arrays of the layers ``names`` permuted (seeded), put back after."""
    rng = np.random.default_rng(seed)
    kept = {n: model.get_layer(n).get_weights() for n in names}
    try:
        for n in names:
            model.get_layer(n).set_weights([rng.permutation(w.ravel()).reshape(w.shape) for w in kept[n]])
        yield model
    finally:
        for n, weights in kept.items():
            model.get_layer(n).set_weights(weights)


def similarity(a, b):
    """Per pair of pictures: the absolute Spearman correlation of their pixels (0 where one is flat)."""
    from scipy.stats import rankdata

    ra = rankdata(np.reshape(a, (len(a), -1)), axis=1)
    rb = rankdata(np.reshape(b, (len(b), -1)), axis=1)
    ra, rb = ra - ra.mean(axis=1, keepdims=True), rb - rb.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(ra, axis=1) * np.linalg.norm(rb, axis=1)
    return np.where(norm > 0, np.abs((ra * rb).sum(axis=1)) / np.where(norm > 0, norm, 1.0), 0.0)


SEED = 0  # the shuffles' own seed: a constant, so the numbers are the code's (its hash is a param)


def table(model, layer, oips, attrs, input_range=None, seed=SEED):
    """{map: {"weight_similarity": …, "weight_similarity_all": …}} for each map with an OIP.

    ``oips``/``attrs``: each map's stored OIP datasets (``images``, ``start_images``,
    ``final_loss``) and attributes (``params``: the ascent that made it, ``seed``: its transforms');
    ``input_range``: the box of a bounded ascent (``ascent.input_range.bounds``).
    """
    from .engine.settings import Settings
    from .oip import optimize

    best = {m: int(np.argmax(r["final_loss"])) for m, r in oips.items() if r["final_loss"].max() > 0}
    groups = {}  # one compiled ascent per setting (a run's stages differ), one map per call where rolled
    best = {m: b for m, b in best.items() if "epochs" in attrs[m].get("params", {})}  # an ascent to redo
    for m in best:
        s = Settings.from_config(attrs[m]["params"])
        groups.setdefault((s, m if s.rolled else None, int(attrs[m].get("seed", 0))), []).append(m)
    below = weighted_up_to(model, layer)
    out = {m: {} for m in best}
    for key, names in (("weight_similarity", below[:1]), ("weight_similarity_all", below)):
        with shuffled(model, names, seed):
            for (settings, _, run_seed), maps in groups.items():
                starts = np.stack([oips[m]["start_images"][best[m]] for m in maps])
                drawn = optimize(model, np.array(maps), starts, settings, layer, run_seed, input_range=input_range)
                drawn = drawn["images"]
                shown = np.stack([oips[m]["images"][best[m]] for m in maps])
                for m, value in zip(maps, similarity(shown, drawn), strict=True):
                    out[m][key] = float(value)
    return out
