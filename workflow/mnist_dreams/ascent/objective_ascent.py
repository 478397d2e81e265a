"""The ascent of one configured objective (``objectives``) from random starts, for any model.

The configured terms become one ``engine.objectives.WeightedSum`` and go through the engine as the
OIP's map mean does: the same step (``engine.step``), the same options from the ``oip`` section
(``engine.settings.Settings``: penalties, the robust transforms — here a shift alone is part of
that transform too, there is no earlier roll to keep —, the Fourier parameterization, and the
diversity term among the objective's candidates on the run's layer).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import Progress
from .engine import objectives
from .engine.settings import Settings

log = logging.getLogger(__name__)

TERMS = {  # a configured term (``objectives.resolve``) → its engine objective
    "channel": lambda t: objectives.channel(t["layer"], t["channel"]),
    "neuron": lambda t: objectives.neuron(t["layer"], t["channel"], t["position"]),
    "direction": lambda t: objectives.direction(t["layer"], t["vector"]),
    "class": lambda t: objectives.class_score(t["layer"], t["class"]),
}


def build(model, spec, diversity_layer, settings):
    """(f, terms_fn, score kind): ``f(x, groups) -> (goal, value)`` for ``engine.step.compile``
    (value = Σ weight × term, the number recorded; goal = ±value less the penalties and the
    diversity term) and ``terms_fn(x) -> (B, terms)`` for the record."""
    value = objectives.WeightedSum([TERMS[t["kind"]](t) for t in spec["terms"]], [t["weight"] for t in spec["terms"]])
    sign = -1.0 if spec["minimize"] else 1.0
    goal = objectives.goal(value, settings.weights, settings.diversity, diversity_layer, sign)
    f = objectives.as_function(model, goal, value)
    acts = objectives.activations(model, value.layers)
    return f, lambda x: value.parts(objectives.Inputs(acts(x), x, None)), f.kind


def ascend(model, spec, starts, settings, seed=0, diversity_layer=None, input_range=None):
    """Ascend ``starts`` on the objective ``spec`` (``objectives.resolve``); ``settings``: the oip
    keys of the job's params (``Settings.from_config``). Returns the datasets of
    ``results/objectives/<name>/oip.h5`` — images, start_images, value_history (k, epochs; the last
    column the stored images' own value), start_value, final_value, final_terms (k, terms), and
    ``output`` (k, classes: the model's output per image) where the last layer has classes — and
    attrs (class_score, seconds). ``input_range``: (low, high) per channel, which ``oip.bound:
    clip`` keeps every update in (``input_range.bounds``)."""
    from .engine import driver, parameterization, step, transforms

    s, t0 = Settings.from_config(settings), time.perf_counter()
    f, terms_fn, kind = build(model, spec, diversity_layer, s)
    x = np.asarray(starts, np.float32)
    groups = np.zeros(len(x), np.int32)  # every candidate is a sibling of every other (diversity)
    pre = parameterization.preconditioner_for(model, s.parameterization)
    clip = driver.terms(s, input_range)[-1]
    progress = Progress(log, f"objective: {len(x)} candidates", s.epochs, "epochs")
    best = np.min if spec["minimize"] else np.max  # for the progress lines
    report = lambda done, final: progress.update(done, best=float(best(final)))  # noqa: E731
    compiled = {}  # one compilation per chunk length

    def compiled_for(n):
        if n not in compiled:
            compiled[n] = step.compile(f, s.step_size, n, pre, clip)
        return compiled[n]

    moved = s.jitter or s.robust  # one seed for all candidates: they are siblings, not maps
    ts = transforms.transforms(len(x), s.epochs, x.shape[1:3], s.jitter, s.scale, s.rotate, seed) if moved else None
    x, history, _ = driver.in_chunks(compiled_for, x, groups, s.epochs, ts, report=report)
    out = {
        "images": x,
        "start_images": np.asarray(starts, np.float32),
        "value_history": history.astype(np.float32),
        "start_value": _values(f, starts),
        "final_value": history[:, -1].astype(np.float32),
        "final_terms": np.asarray(terms_fn(x)).astype(np.float32),
    }
    if len(model.outputs[0].shape) == 2:
        out["output"] = np.asarray(model.predict(x, verbose=0), np.float32)
    log.info("objective: %d candidates × %d epochs in %.1f s", len(x), s.epochs, time.perf_counter() - t0)
    return out, {"class_score": kind, "seconds": time.perf_counter() - t0}


def _values(f, images):
    """The objective's value of ``images`` (one forward pass, no step)."""
    return np.asarray(f(np.asarray(images, np.float32), np.zeros(len(images), np.int32))[1], np.float32)
