"""Objectives beyond a map's mean (config ``objectives``): what the ascent climbs, named by the user.

An objective is a weighted sum of terms, maximized (or minimized) from random starts; each writes
to its own folder, ``results/objectives/<name>/``. Terms, as in lucid's objectives:

- ``channel``: a map's mean activation (the seed's OIP loss), or one unit of a dense layer;
- ``neuron``: one map at one position (row, column) of the layer's grid;
- ``direction``: the activation vector's dot product with ``vector`` (one weight per channel),
  averaged over the positions: a direction in the layer's channel space;
- ``class``: the model's score for one output class before its softmax (what the CNN "thinks" a
  3 looks like).

Pure Python: the Snakefile checks every term against the model's layer shapes at parse time, so a
unit outside the layer fails before any job, naming the valid range.
"""

from __future__ import annotations

from ..subject.selection import SubjectError, safe_name

KINDS = {  # the keys each kind of term needs
    "channel": ("channel",),
    "neuron": ("channel", "position"),
    "direction": ("vector",),
    "class": ("class",),
}
OWN_KEYS = {"channel", "position", "vector", "class"}  # the keys that belong to one kind or another


def resolve(objectives, layers, default_layer, where="the model"):
    """Every objective of the config, checked and completed: {name: {"terms": [...], "minimize",
    "candidates"}}, each term with its ``layer`` (``default_layer`` for channel, neuron and
    direction; the output layer, the last of ``layers``, for class) and ``weight`` (1).

    ``layers``: {layer name: output shape without the batch axis}, in the model's order.
    A SubjectError names the objective, the term and what to change.
    """
    output = list(layers)[-1]
    out = {}
    for name, spec in (objectives or {}).items():
        safe_name(name, "objectives:", "name it with letters, digits, '_', '.' and '-'")
        terms = spec.get("terms") or []
        if not terms:
            raise SubjectError(f"objectives.{name}: no terms; e.g. terms: [{{kind: class, class: 3}}]")
        resolved = [_term(f"objectives.{name}.terms[{i}]", t, layers, default_layer, output, where)
                    for i, t in enumerate(terms)]  # fmt: skip
        out[name] = {
            "terms": resolved,
            "minimize": bool(spec.get("minimize", False)),
            "candidates": int(spec.get("candidates", 4)),
        }
    return out


def _term(key, term, layers, default_layer, output, where):
    kind = term.get("kind")
    if kind not in KINDS:
        raise SubjectError(f"{key}: kind {kind!r} is not one of {', '.join(KINDS)}")
    missing = [k for k in KINDS[kind] if k not in term]
    foreign = sorted((set(term) & OWN_KEYS) - set(KINDS[kind]))
    if missing or foreign:
        what = f"needs {', '.join(missing)}" if missing else f"takes no {', '.join(foreign)}"
        raise SubjectError(f"{key}: a {kind} term {what} (it takes {', '.join(KINDS[kind])}, layer and weight)")
    weight = float(term.get("weight", 1.0))
    if weight == 0:
        raise SubjectError(f"{key}: weight 0 adds nothing; give a nonzero weight or remove the term")
    if kind == "class":
        if term.get("layer", output) != output:
            raise SubjectError(f"{key}: a class term reads the output layer {output!r}; leave out its layer")
        n = _units(layers[output], key, output, where)
        _index(key, "class", term["class"], n, f"{output!r} of {where} has {n} classes")
        return {"kind": kind, "layer": output, "class": int(term["class"]), "weight": weight}
    layer = term.get("layer") or default_layer
    if layer not in layers:
        raise SubjectError(f"{key}: {where} has no layer {layer!r}; layers: {', '.join(layers)}")
    shape = tuple(layers[layer])
    if len(shape) not in (1, 3):
        raise SubjectError(f"{key}: {layer!r} outputs shape {shape}; a term needs maps (h, w, c) or units (c,)")
    c, out = shape[-1], {"kind": kind, "layer": layer, "weight": weight}
    if kind == "direction":
        vector = [float(v) for v in term["vector"]]
        if len(vector) != c or not any(vector):
            raise SubjectError(f"{key}: vector has {len(vector)} values, {layer!r} has {c} channels: give {c} "
                               "numbers, not all 0")  # fmt: skip
        return {**out, "vector": vector}
    out["channel"] = _index(key, "channel", term["channel"], c, f"{layer!r} has {c} channels")
    if kind == "neuron":
        if len(shape) != 3:
            raise SubjectError(f"{key}: {layer!r} has no positions (shape {shape}); use kind channel for a unit")
        position = list(term["position"])
        if len(position) != 2:
            raise SubjectError(f"{key}: position is [row, column], got {position}")
        out["position"] = [
            _index(key, "position row", position[0], shape[0], f"{layer!r} is {shape[0]}×{shape[1]}"),
            _index(key, "position column", position[1], shape[1], f"{layer!r} is {shape[0]}×{shape[1]}"),
        ]
    return out


def _units(shape, key, layer, where):
    if len(shape) != 1:
        raise SubjectError(f"{key}: the output layer {layer!r} of {where} has shape {tuple(shape)}, not classes")
    return int(shape[0])


def _index(key, what, value, n, why):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise SubjectError(f"{key}: {what} {value!r} is outside the layer: {why}, so {what} must be 0 to {n - 1}")
    return int(value)
