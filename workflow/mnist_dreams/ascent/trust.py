"""Trust: whether a map's OIP shows what the map responds to in real images (issue 39, item 3).

A feature visualization can fake: Geirhos et al. 2023 ("Don't trust your eyes") rewired networks so
that every visualization showed an arbitrary pattern while natural images went on as before, and
found that visualizations are processed along other paths than natural images. So each map's best
OIP is checked against the map's own natural examples (its most exciting test images, rule
dataset_examples), with numbers that read the same on any model:

- ``path_similarity``: the cosine similarity of what the OIP and the map's examples (their mean)
  make of the layer's input — the whole tensor feeding the map's layer (every position and
  channel), the last step of the path both take. Channel means alone were tried on the paper CNN:
  every map's examples look alike there (median similarity 0.95), so the rank said little (median
  0.93 vs 0.99 with the positions kept);
- ``path_rank``: the share of the layer's other maps (those that fire on the test images) whose
  examples are less similar to this OIP than the map's own are: 1 when no other map's examples
  resemble the OIP as much as its own, ~0.5 when the OIP's path is anyone's;
- ``similarity_ratio``: the map's path similarity ÷ the layer's median (over its maps with an OIP):
  a rank compares the OIP with other maps' examples, so an OIP unlike every natural image can still
  rank high; this compares it with how alike the layer's OIPs and their examples usually are;
- ``silent_share``: the share of the map's activation on its OIP that goes when the inputs of the
  layer that no test image varies are set to the value every test image gives them: Geirhos et
  al.'s "silent units", a path that natural images never take;
- ``class_read``: the class the model reads in the OIP (its output's argmax), with its probability,
  where the model's output is a class vector.

A verdict per map from documented thresholds (``trust`` in the config): **not trusted** when the
OIP takes a path its examples do not: path_rank < ``doubtful_path_rank``, similarity_ratio <
``similarity_ratio`` or silent_share > ``silent_share``; **trusted** when path_rank ≥ ``path_rank``,
the in-range ratio (``input_range``) ≥ ``in_range_ratio`` and the weight similarity
(``weight_dependence``: the same ascent with the layer's weights shuffled) < ``weight_similarity``;
**doubtful** otherwise; each with its reason. Measured (docs/measurements.md): a planted fake
(``subject.planted``, a silent path from a synthetic pattern into one map) passes the path rank in
most maps it is planted in; the similarity ratio and the silent share catch it in every one.
"""

from __future__ import annotations

import numpy as np

VERDICTS = ("trusted", "doubtful", "not trusted")
WEIGHT_COLUMNS = ("weight_similarity", "weight_similarity_all")  # ascent.weight_dependence's
CLASS_COLUMNS = ("class_role", "class_role_drop", "class_role_share")  # ascent.class_role's


def input_features(model, layer, images, batch_size=500):
    """(N, features): each image's tensor feeding ``layer`` (the path's last step), flattened; the
    tensors of a layer that joins paths side by side."""
    return np.concatenate(list(_feature_batches(model, layer, images, batch_size)))


def _feature_batches(model, layer, images, batch_size):
    import keras

    feeding = model.get_layer(layer).input  # a list for a layer that joins paths (Add, Concatenate)
    below = keras.Model(model.inputs, list(feeding) if isinstance(feeding, (list, tuple)) else [feeding])
    for lo in range(0, len(images), batch_size):
        outs = below.predict(np.asarray(images[lo : lo + batch_size], np.float32), batch_size=batch_size, verbose=0)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        yield np.concatenate([np.asarray(o).reshape(len(o), -1) for o in outs], axis=1)


def _unit(v):
    v = np.asarray(v, np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def path_numbers(oip_features, example_features):
    """``oip_features`` {map: (features,)}; ``example_features`` {map: (features,)} for every map with
    examples that fire. Returns {map: (path_similarity, path_rank)} for the maps of ``oip_features``."""
    others = sorted(example_features)
    bank = _unit(np.stack([example_features[j] for j in others]))
    out = {}
    for m, f in oip_features.items():
        if m not in example_features:
            out[m] = (np.nan, np.nan)
            continue
        sims = bank @ _unit(f)
        own = sims[others.index(m)]
        rest = np.delete(sims, others.index(m))
        out[m] = (float(own), float((rest < own).mean()) if len(rest) else np.nan)
    return out


def verdict(numbers, thresholds):
    """(verdict, reason) of one map from its ``numbers`` (path_rank, in_range_ratio,
    similarity_ratio, silent_share, weight_similarity; a missing or NaN one passes its own check,
    except the in-range ratio) and ``thresholds`` (the config's ``trust``)."""
    n, t = {k: float(v) for k, v in numbers.items()}, thresholds
    rank, ratio = n.get("path_rank", np.nan), n.get("in_range_ratio", np.nan)
    if not np.isfinite(rank):
        return "", "no natural examples that fire to compare with"
    other = []
    if rank < t["doubtful_path_rank"]:
        other.append(f"path rank {rank:.2f} < {t['doubtful_path_rank']}: the OIP excites the layer below "
                     "unlike the map's own examples")  # fmt: skip
    if n.get("similarity_ratio", np.inf) < t["similarity_ratio"]:
        other.append(f"path similarity {n['similarity_ratio']:.2f} of the layer's median < {t['similarity_ratio']}: "
                     "its input to the layer is unlike its examples'")  # fmt: skip
    if n.get("silent_share", -np.inf) > t["silent_share"]:
        other.append(f"{n['silent_share']:.0%} of it goes through inputs no test image varies "
                     f"(> {t['silent_share']:.0%}): a silent path")  # fmt: skip
    if other:
        return "not trusted", "; ".join(other)
    weak = []
    if rank < t["path_rank"]:
        weak.append(f"path rank {rank:.2f} < {t['path_rank']}")
    if not (ratio >= t["in_range_ratio"]):  # NaN (no test data) is not in range either
        weak.append(f"in-range ratio {ratio:.2f} < {t['in_range_ratio']}")
    if n.get("weight_similarity", -np.inf) >= t["weight_similarity"]:
        weak.append(f"with the layer's weights shuffled the ascent draws a picture {n['weight_similarity']:.2f} "
                    f"alike (≥ {t['weight_similarity']}): it shows its start more than what was learned")  # fmt: skip
    if weak:
        return "doubtful", "; ".join(weak)
    return "trusted", f"path rank {rank:.2f}, in-range ratio {ratio:.2f}"


def natural_spread(model, layer, images, batch_size=500):
    """Per feature of the tensor feeding ``layer`` (``input_features``' order): its mean over
    ``images`` and whether it is silent (the same on every image). A pass over the images, batched."""
    lo = hi = None
    total = 0.0
    for f in _feature_batches(model, layer, images, batch_size):
        f = f.astype(np.float64)
        lo = f.min(axis=0) if lo is None else np.minimum(lo, f.min(axis=0))
        hi = f.max(axis=0) if hi is None else np.maximum(hi, f.max(axis=0))
        total = total + f.sum(axis=0)
    return total / len(images), hi - lo <= 1e-6 * (1.0 + np.abs(hi))


def silent_share(model, layer, oip_features, maps, mean, silent):
    """Per row of ``oip_features`` (the tensor feeding ``layer``, flattened): the share of map
    ``maps[i]``'s activation that goes when its ``silent`` inputs are set to what every test image
    gives them (``mean``). An ablation, not a gradient: a silent input the map does not read costs
    it nothing, so a fake that wakes inputs of other maps leaves their share at 0."""
    import keras

    f = np.atleast_2d(np.asarray(oip_features, np.float32))
    reset = np.where(silent, mean, f).astype(np.float32)
    feeding = model.get_layer(layer).input
    tensors = list(feeding) if isinstance(feeding, (list, tuple)) else [feeding]
    sizes = [int(np.prod(t.shape[1:])) for t in tensors]

    def activation(rows):
        parts = np.split(rows, np.cumsum(sizes)[:-1], axis=1)
        shaped = [p.reshape(len(rows), *t.shape[1:]) for p, t in zip(parts, tensors, strict=True)]
        out = keras.ops.convert_to_numpy(model.get_layer(layer)(shaped if len(shaped) > 1 else shaped[0]))
        out = out.reshape(len(rows), -1, out.shape[-1]).mean(axis=1)  # the map's mean over positions
        return out[np.arange(len(rows)), np.asarray(maps)].astype(np.float64)

    full, kept = activation(f), activation(reset)
    return np.clip(1.0 - kept / np.maximum(full, 1e-30), 0.0, 1.0)


def table(model, layer, oips, examples, test_x, thresholds, count=9, extra=None):
    """One row per map with an OIP: path numbers, the class read, the in-range ratio, the weight
    dependence, the class role and the verdict.

    ``oips``: {map: stored OIP datasets}; ``examples``: ``examples.h5``'s datasets (``top_index``,
    ``top_activation``); ``test_x``: the test images in the model's input units; ``extra``: per map,
    ``weight_dependence.table``'s and ``class_role.table``'s numbers (NaN without).
    """
    import pandas as pd

    best = {m: int(np.argmax(r["final_loss"])) for m, r in oips.items() if r["final_loss"].max() > 0}
    live = {m: np.asarray(examples["top_index"][m])[np.asarray(examples["top_activation"][m]) > 0][:count]
            for m in range(len(examples["top_index"]))}  # fmt: skip
    live = {m: idx for m, idx in live.items() if len(idx)}
    used = sorted({i for idx in live.values() for i in idx.tolist()})
    feats = dict(zip(used, input_features(model, layer, test_x[used]), strict=True)) if used else {}
    example_features = {m: np.mean([feats[i] for i in idx.tolist()], axis=0) for m, idx in live.items()}
    images = np.stack([oips[m]["images"][b] for m, b in best.items()]) if best else None
    oip_features = dict(zip(best, input_features(model, layer, images), strict=True)) if best else {}
    path = path_numbers(oip_features, example_features) if example_features else {}
    mean, silent = natural_spread(model, layer, test_x)
    shares = silent_share(model, layer, np.stack(list(oip_features.values())), list(best), mean, silent) if best else []
    silent_shares = dict(zip(best, shares, strict=True))
    median = np.nanmedian([path[m][0] for m in best if m in path]) if path else np.nan
    read = _class_read(model, images) if best else None
    rows = []
    for j, (m, b) in enumerate(best.items()):
        similarity, rank = path.get(m, (np.nan, np.nan))
        top = float(examples["top_activation"][m][0])
        ratio = float(oips[m]["in_range_loss"][b] / top) if "in_range_loss" in oips[m] and top > 0 else np.nan
        numbers = {"path_similarity": similarity, "similarity_ratio": similarity / median if median > 0 else np.nan,
                   "path_rank": rank, "silent_share": float(silent_shares[m]), "in_range_ratio": ratio,
                   **{k: (extra or {}).get(m, {}).get(k, np.nan) for k in WEIGHT_COLUMNS}}  # fmt: skip
        v, reason = verdict(numbers, thresholds)
        role = {k: (extra or {}).get(m, {}).get(k, "" if k == "class_role" else np.nan) for k in CLASS_COLUMNS}
        rows.append({"map": m, **numbers, **role, "class_read": "" if read is None else int(read[j].argmax()),
                     "class_read_probability": np.nan if read is None else float(read[j].max()),
                     "verdict": v, "verdict_reason": reason})  # fmt: skip
    columns = ["map", "path_similarity", "similarity_ratio", "path_rank", "silent_share", *WEIGHT_COLUMNS,
               *CLASS_COLUMNS, "class_read", "class_read_probability", "in_range_ratio", "verdict",
               "verdict_reason"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _class_read(model, images):
    """The model's output on ``images`` where it is a probability vector over classes, else None."""
    out = np.asarray(model.predict(np.asarray(images, np.float32), verbose=0), np.float64)
    if out.ndim != 2 or out.shape[1] < 2 or not np.allclose(out.sum(axis=1), 1, atol=1e-3) or out.min() < 0:
        return None
    return out
