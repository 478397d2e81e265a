"""What an ascent climbs: one composable kind, ``Objective``, in backend-neutral ``keras.ops``.

An objective maps the activations of the layers it names (and the image) to one number per image.
Objectives add, subtract and scale (``channel("conv3", 5) - 0.1 * penalty("l2")``, as in
lucent); ``step.compile`` builds one feature model for every layer they name and differentiates
their sum. Each value is computed once per step however often a composition uses it (``Inputs``
memoizes), so the diversity term's |value| is the very tensor that is climbed.

A term on the model's output layer reads the class scores before a softmax (``class_scores``):
maximizing a probability mostly pushes the other classes down; the logit asks for the class itself.
"""

from __future__ import annotations

import numpy as np

from . import EPS


class Inputs:
    """What one step's objectives read: ``acts`` {layer: tensor}, the image ``x`` and ``groups``
    (the int per sample that the driver passes on: the map of each sample in an OIP batch, the
    siblings of the diversity term). Values computed once per step are kept in ``memo``."""

    def __init__(self, acts, x, groups):
        self.acts, self.x, self.groups, self.memo = acts, x, groups, {}


class Objective:
    """A number per image, ``fn(inputs) -> (B,)``, from the activations of ``layers``."""

    def __init__(self, fn, layers=(), name=""):
        self.fn, self.layers, self.name = fn, tuple(sorted(set(layers))), name

    def __call__(self, inputs):
        key = id(self)
        if key not in inputs.memo:
            inputs.memo[key] = self.fn(inputs)
        return inputs.memo[key]

    def _join(self, other, op, symbol):
        name = f"({self.name} {symbol} {other.name})"
        return Objective(lambda i: op(self(i), other(i)), self.layers + other.layers, name)

    def __add__(self, other):
        return self._join(other, lambda a, b: a + b, "+")

    def __sub__(self, other):
        return self._join(other, lambda a, b: a - b, "-")

    def __rmul__(self, weight):
        weight = float(weight)
        return Objective(lambda i: weight * self(i), self.layers, f"{weight:g} * {self.name}")

    def __neg__(self):
        return -1.0 * self


def _spatial_mean(v, a):
    """The mean over the positions of a (B, h, w, …) layer; a dense layer's value as it is."""
    from keras import ops

    return ops.mean(v, axis=tuple(range(1, len(a.shape) - 1))) if len(a.shape) > 2 else v


def map_mean(layer):
    """The seed's OIP loss: the mean over the positions of the map each sample's group names (one
    compiled step serves every map of a layer). Gathering one map of the full layer was measured
    faster on CPU than a 1-channel convolution (13.5k vs 12.2k image·epochs/s, TF 2.21)."""
    from keras import ops

    def fn(i):
        idx = ops.reshape(i.groups, (-1, 1, 1, 1))
        return ops.mean(ops.take_along_axis(i.acts[layer], idx, axis=3), axis=(1, 2, 3))

    return Objective(fn, (layer,), f"map_mean({layer})")


def channel(layer, c):
    """A map's mean activation (or one unit of a dense layer)."""
    return Objective(lambda i: _spatial_mean(i.acts[layer][..., c], i.acts[layer]), (layer,), f"channel({layer}, {c})")


def class_score(layer, c):
    """One class score of the output layer (its logit where a softmax follows, ``class_scores``)."""
    return Objective(lambda i: _spatial_mean(i.acts[layer][..., c], i.acts[layer]), (layer,), f"class({c})")


def neuron(layer, c, position):
    """One map's activation at one position (row, column)."""
    r, col = position
    return Objective(lambda i: i.acts[layer][:, r, col, c], (layer,), f"neuron({layer}, {c}, {r}, {col})")


def direction(layer, vector):
    """The activations' dot product with ``vector`` (one weight per channel), averaged over positions."""
    from keras import ops

    w = np.asarray(vector, np.float32)

    def fn(i):
        a = i.acts[layer]
        return _spatial_mean(ops.tensordot(a, ops.convert_to_tensor(w), axes=[[-1], [0]]), a)

    return Objective(fn, (layer,), f"direction({layer})")


def layer_means(layer_weights):
    """DeepDream's layer-wide objective: Σ weight × the mean activation of all maps of each layer."""
    from keras import ops

    names, weights = list(layer_weights), [float(w) for w in layer_weights.values()]

    def fn(i):
        acts = [i.acts[n] for n in names]
        return sum(w * ops.mean(a, axis=tuple(range(1, len(a.shape)))) for w, a in zip(weights, acts, strict=True))

    return Objective(fn, names, "layer_means")


class WeightedSum(Objective):
    """Σ weight × term, as one stacked sum (the record keeps each term: ``parts``)."""

    def __init__(self, terms, weights):
        from keras import ops

        self.terms, w = list(terms), np.asarray(weights, np.float32)
        layers = [n for t in self.terms for n in t.layers]
        super().__init__(lambda i: ops.sum(self.parts(i) * ops.convert_to_tensor(w), axis=1), layers, "sum")

    def parts(self, inputs):
        """(B, terms): each term's value."""
        from keras import ops

        return ops.stack([t(inputs) for t in self.terms], axis=1)


def diversity(layer, weight, of):
    """``weight`` × |``of``| × each sample's mean Gram similarity to its group's other samples
    (``sibling_similarity``), to subtract: a candidate trades up to ``weight`` of its objective for
    being unlike its siblings, whatever the objective's scale (|of| carries no gradient)."""
    from keras import ops

    weight = float(weight)

    def fn(i):
        return weight * ops.stop_gradient(ops.abs(of(i))) * sibling_similarity(i.acts[layer], i.groups)

    return Objective(fn, (layer, *of.layers), f"diversity({layer})")


def sibling_similarity(acts, groups):
    """Per sample: the mean cosine similarity of its Gram matrix (channels × channels, over the
    positions of ``acts``) with those of the other samples of the same group (lucid's diversity
    objective); 0 for a sample alone in its group. ``acts``: (B, h, w, c) or (B, c)."""
    from keras import ops

    c = acts.shape[-1]
    a = ops.reshape(acts, (-1, int(np.prod(acts.shape[1:-1], dtype=int)), c))
    gram = ops.reshape(ops.einsum("bpc,bpd->bcd", a, a), (-1, c * c))
    gram = gram / (ops.sqrt(ops.sum(ops.square(gram), axis=1, keepdims=True)) + EPS)
    idx = ops.arange(ops.shape(groups)[0])
    same = ops.logical_and(ops.equal(groups[:, None], groups[None, :]), ops.not_equal(idx[:, None], idx[None, :]))
    same = ops.cast(same, gram.dtype)
    sim = ops.matmul(gram, ops.transpose(gram)) * same
    return ops.sum(sim, axis=1) / ops.maximum(ops.sum(same, axis=1), 1.0)


def penalty(name):
    """The image penalty ``name`` of the registry (``penalties.PENALTIES``) as an ``Objective``."""
    from .penalties import PENALTIES

    return Objective(lambda i: PENALTIES[name](i.x), (), name)


def less_penalties(goal_objective, weights):
    """``goal_objective`` less weight × penalty for every penalty of ``weights`` ({name: weight})
    that is on, in the registry's order."""
    from .penalties import PENALTIES

    unknown = set(weights) - set(PENALTIES)
    if unknown:
        raise ValueError(f"unknown penalties {sorted(unknown)}: the known ones are {list(PENALTIES)}")
    for name in PENALTIES:
        if weights.get(name):
            goal_objective = goal_objective - float(weights[name]) * penalty(name)
    return goal_objective


def goal(value, penalties=None, diversity_weight=0.0, diversity_layer=None, sign=1.0):
    """What the step climbs: ``sign`` × ``value`` less the image penalties ({name: weight}, in the
    registry's order, ``less_penalties``) and the diversity term; ``value`` stays the number
    recorded."""
    out = value if sign == 1.0 else sign * value
    out = less_penalties(out, penalties or {})
    if diversity_weight:
        out = out - diversity(diversity_layer, diversity_weight, value)
    return out


def class_scores(model):
    """(tensor, head, kind): the model's class scores before its softmax. A last Dense layer with a
    softmax, a Softmax layer or a softmax Activation: its input (and the Dense's linear part,
    ``head``) — "logit"; any other output is taken as it is — "output"."""
    import keras
    from keras import ops

    last = model.layers[-1]
    softmax = getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
    if isinstance(last, keras.layers.Dense) and softmax:
        return last.input, lambda h: ops.matmul(h, last.kernel) + last.bias, "logit"
    if isinstance(last, keras.layers.Softmax) or (isinstance(last, keras.layers.Activation) and softmax):
        return last.input, lambda h: h, "logit"
    return model.outputs[0], lambda h: h, "output"


def activations(model, layers, logits=True):
    """``acts(x) -> {layer: tensor}`` of ``layers`` through one feature model (weights shared).
    ``logits``: the output layer as its class scores (``class_scores``); the score kind is
    ``acts.kind`` ("logit", "output" or "" when the output layer is not among ``layers``)."""
    import keras

    output, tensors, heads, kind = model.layers[-1].name, [], {}, ""
    for n in layers:
        if n == output and logits:
            tensor, heads[n], kind = class_scores(model)
        else:
            tensor = model.get_layer(n).output
        tensors.append(tensor)
    single = len(tensors) == 1
    feature = keras.Model(model.inputs[0], tensors[0] if single else tensors, name="objective_layers")

    def acts(x):
        out = feature(x, training=False)  # Dropout off, BatchNorm on its moving statistics
        out = [out] if single else out
        return {n: heads.get(n, lambda h: h)(a) for n, a in zip(layers, out, strict=True)}

    acts.kind = kind
    return acts


def as_function(model, goal_objective, value, logits=True):
    """``f(x, groups) -> (goal, value)`` per sample, for ``step.compile``: one feature model for
    every layer the two objectives name; ``f.kind`` the class score kind (``activations``)."""
    acts = activations(model, sorted(set(goal_objective.layers) | set(value.layers)), logits)

    def f(x, groups):
        inputs = Inputs(acts(x), x, groups)
        return goal_objective(inputs), value(inputs)

    f.kind = acts.kind
    return f
