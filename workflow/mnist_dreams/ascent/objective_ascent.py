"""The ascent of one objective (``objectives``) from random starts, in ``keras.ops`` for any model.

The step is the OIP's (each image's gradient divided by its RMS, ``backend``), with the OIP's
options: the L2 and TV penalties, the robust ascent's shift, zoom and rotation (``robust``; here a
shift alone is part of that transform too, there is no earlier roll to keep), the Fourier
parameterization (``spectral``), and the diversity term among the objective's candidates on the
run's layer (``goals.sibling_similarity``).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import Progress
from . import robust

CHUNK_EPOCHS = 100  # epochs per compiled call (a progress line can follow each)
log = logging.getLogger(__name__)


def class_scores(model):
    """(tensor, head, kind): the model's class scores before its softmax. A last Dense layer with a
    softmax, a Softmax layer or a softmax Activation: its input (and the Dense's linear part,
    ``head``) — "logit"; any other output is taken as it is — "output". Maximizing a softmax
    probability mostly pushes the other classes down; the logit asks for the class itself."""
    import keras
    from keras import ops

    last = model.layers[-1]
    softmax = getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
    if isinstance(last, keras.layers.Dense) and softmax:
        return last.input, lambda h: ops.matmul(h, last.kernel) + last.bias, "logit"
    if isinstance(last, keras.layers.Softmax) or (isinstance(last, keras.layers.Activation) and softmax):
        return last.input, lambda h: h, "logit"
    return model.outputs[0], lambda h: h, "output"


def term_values(spec, acts):
    """(B, terms) values of each term of ``spec`` for the activations ``acts`` {layer: tensor}."""
    from keras import ops

    values = []
    for t in spec["terms"]:
        a = acts[t["layer"]]
        if t["kind"] == "neuron":
            r, c = t["position"]
            v = a[:, r, c, t["channel"]]
        elif t["kind"] == "direction":
            v = ops.tensordot(a, ops.convert_to_tensor(np.asarray(t["vector"], np.float32)), axes=[[-1], [0]])
            v = ops.mean(v, axis=tuple(range(1, len(a.shape) - 1))) if len(a.shape) > 2 else v
        else:  # channel: a map's mean (or one unit of a dense layer); class: one class score
            v = a[..., t["channel"] if t["kind"] == "channel" else t["class"]]
            v = ops.mean(v, axis=tuple(range(1, len(a.shape) - 1))) if len(a.shape) > 2 else v
        values.append(v)
    return ops.stack(values, axis=1)


def build(model, spec, diversity_layer, l2=0.0, tv=0.0, diversity=0.0):
    """(f, terms_fn, score kind): ``f(x, groups) -> (goal, value)`` for ``backend.compile_ascent``
    (value = Σ weight × term, the number recorded; goal = ±value less the penalties) and
    ``terms_fn(x) -> (B, terms)`` for the record."""
    import keras
    from keras import ops

    from ..plumbing import goals

    names = sorted({t["layer"] for t in spec["terms"]} | ({diversity_layer} if diversity else set()))
    output = model.layers[-1].name
    tensors, heads, kind = [], {}, ""
    for n in names:
        if n == output:
            tensor, heads[n], kind = class_scores(model)
        else:
            tensor = model.get_layer(n).output
        tensors.append(tensor)
    feature = keras.Model(model.inputs[0], tensors, name="objective_layers")
    weights = ops.convert_to_tensor(np.asarray([t["weight"] for t in spec["terms"]], np.float32))
    sign = -1.0 if spec["minimize"] else 1.0

    def acts(x):
        out = feature(x, training=False)  # Dropout off, BatchNorm on its moving statistics
        out = out if isinstance(out, (list, tuple)) else [out]
        return {n: heads.get(n, lambda h: h)(a) for n, a in zip(names, out, strict=True)}

    def f(x, groups):
        a = acts(x)
        value = ops.sum(term_values(spec, a) * weights, axis=1)
        goal = goals.penalized(sign * value, x, l2, tv)
        if diversity:
            goal = goals.diverse(goal, value, a[diversity_layer], groups, diversity)
        return goal, value

    return f, lambda x: term_values(spec, acts(x)), kind


def ascend(model, spec, starts, settings, seed=0, diversity_layer=None):
    """Ascend ``starts`` on the objective ``spec`` (``objectives.resolve``); ``settings``: the oip
    keys epochs, step_size, jitter, scale, rotate, l2, tv, diversity, parameterization. Returns the
    datasets of ``results/objectives/<name>/oip.h5`` — images, start_images, value_history (k,
    epochs; the last column the stored images' own value), start_value, final_value, final_terms
    (k, terms), and ``output`` (k, classes: the model's output per image) where the last layer has
    classes — and attrs (class_score, seconds)."""
    from ..plumbing import backend

    s, t0 = settings, time.perf_counter()
    f, terms_fn, kind = build(model, spec, diversity_layer, s.get("l2", 0.0), s.get("tv", 0.0), s.get("diversity", 0.0))
    x = np.asarray(starts, np.float32)
    groups = np.zeros(len(x), np.int32)  # every candidate is a sibling of every other (diversity)
    epochs, step = int(s["epochs"]), float(s["step_size"])
    moves = {k: s.get(k, 0) for k in ("jitter", "scale", "rotate")}
    pre = backend.precondition_for(model, s.get("parameterization", "pixel") == "fourier")
    progress = Progress(log, f"objective: {len(x)} candidates", epochs, "epochs")
    best = np.min if spec["minimize"] else np.max  # for the progress lines
    if any(moves.values()):
        ts = robust.transforms(len(x), epochs, x.shape[1:3], seed=seed, **moves)
        report = lambda done, final: progress.update(done, best=float(best(final)))  # noqa: E731
        x, history = robust.in_chunks(backend.compile_robust_ascent(f, step, pre), x, groups, ts, CHUNK_EPOCHS, report)
    else:
        rows, compiled = [], {}  # one compilation per chunk length
        for done in range(0, epochs, CHUNK_EPOCHS):
            n = min(CHUNK_EPOCHS, epochs - done)
            if n not in compiled:
                compiled[n] = backend.compile_ascent(f, step, n, pre)
            x, hist = compiled[n](x, groups)
            rows.append(hist if not rows else hist[1:])
            progress.update(done + n, best=float(best(hist[-1])))
        history = np.concatenate(rows)[1:].T
    final_terms = np.asarray(terms_fn(x))
    out = {
        "images": x,
        "start_images": np.asarray(starts, np.float32),
        "value_history": history.astype(np.float32),
        "start_value": _values(f, starts),
        "final_value": history[:, -1].astype(np.float32),
        "final_terms": final_terms.astype(np.float32),
    }
    if len(model.outputs[0].shape) == 2:
        out["output"] = np.asarray(model.predict(x, verbose=0), np.float32)
    log.info("objective: %d candidates × %d epochs in %.1f s", len(x), epochs, time.perf_counter() - t0)
    return out, {"class_score": kind, "seconds": time.perf_counter() - t0}


def _values(f, images):
    """The objective's value of ``images`` (one forward pass, no step)."""
    return np.asarray(f(np.asarray(images, np.float32), np.zeros(len(images), np.int32))[1], np.float32)
