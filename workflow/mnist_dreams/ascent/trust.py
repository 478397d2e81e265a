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
- ``class_read``: the class the model reads in the OIP (its output's argmax), with its probability,
  where the model's output is a class vector.

A verdict per map from documented thresholds (``trust`` in the config): **trusted** when
path_rank ≥ ``path_rank`` and the in-range ratio (``input_range``) ≥ ``in_range_ratio``;
**not trusted** when path_rank < ``doubtful_path_rank`` (the OIP takes another path than the map's
examples); **doubtful** otherwise; each with its reason.
"""

from __future__ import annotations

import numpy as np

VERDICTS = ("trusted", "doubtful", "not trusted")


def input_features(model, layer, images, batch_size=500):
    """(N, features): each image's tensor feeding ``layer`` (the path's last step), flattened; the
    tensors of a layer that joins paths side by side."""
    import keras

    feeding = model.get_layer(layer).input  # a list for a layer that joins paths (Add, Concatenate)
    below = keras.Model(model.inputs, list(feeding) if isinstance(feeding, (list, tuple)) else [feeding])
    rows = []
    for lo in range(0, len(images), batch_size):
        outs = below.predict(np.asarray(images[lo : lo + batch_size], np.float32), verbose=0)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        rows.append(np.concatenate([np.asarray(o).reshape(len(o), -1) for o in outs], axis=1))
    return np.concatenate(rows)


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


def verdict(path_rank, in_range_ratio, thresholds):
    """(verdict, reason) of one map from its numbers and ``thresholds`` (the config's ``trust``)."""
    if not np.isfinite(path_rank):
        return "", "no natural examples that fire to compare with"
    t = thresholds
    if path_rank < t["doubtful_path_rank"]:
        return "not trusted", (f"path rank {path_rank:.2f} < {t['doubtful_path_rank']}: the OIP excites the layer "
                               "below unlike the map's own examples")  # fmt: skip
    weak = []
    if path_rank < t["path_rank"]:
        weak.append(f"path rank {path_rank:.2f} < {t['path_rank']}")
    if not (in_range_ratio >= t["in_range_ratio"]):  # NaN (no test data) is not in range either
        weak.append(f"in-range ratio {in_range_ratio:.2f} < {t['in_range_ratio']}")
    if weak:
        return "doubtful", "; ".join(weak)
    return "trusted", f"path rank {path_rank:.2f}, in-range ratio {in_range_ratio:.2f}"


def table(model, layer, oips, examples, test_x, thresholds, count=9):
    """One row per map with an OIP: path numbers, the class read, the in-range ratio and the verdict.

    ``oips``: {map: stored OIP datasets}; ``examples``: ``examples.h5``'s datasets (``top_index``,
    ``top_activation``); ``test_x``: the test images in the model's input units.
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
    read = _class_read(model, images) if best else None
    rows = []
    for j, (m, b) in enumerate(best.items()):
        similarity, rank = path.get(m, (np.nan, np.nan))
        top = float(examples["top_activation"][m][0])
        ratio = float(oips[m]["in_range_loss"][b] / top) if "in_range_loss" in oips[m] and top > 0 else np.nan
        v, reason = verdict(rank, ratio, thresholds)
        rows.append({"map": m, "path_similarity": similarity, "path_rank": rank,
                     "class_read": "" if read is None else int(read[j].argmax()),
                     "class_read_probability": np.nan if read is None else float(read[j].max()),
                     "in_range_ratio": ratio, "verdict": v, "verdict_reason": reason})  # fmt: skip
    columns = ["map", "path_similarity", "path_rank", "class_read", "class_read_probability", "in_range_ratio",
               "verdict", "verdict_reason"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _class_read(model, images):
    """The model's output on ``images`` where it is a probability vector over classes, else None."""
    out = np.asarray(model.predict(np.asarray(images, np.float32), verbose=0), np.float64)
    if out.ndim != 2 or out.shape[1] < 2 or not np.allclose(out.sum(axis=1), 1, atol=1e-3) or out.min() < 0:
        return None
    return out
