"""The random search of the two-stage OIP, decided by one forward pass instead of a full ascent.

A map's loss is the mean of its post-ReLU activation, so a random start already has loss > 0 (it
"found" the map) or exactly 0 (it never moves: ``mnist_dreams.ascent.engine.driver``). Which maps the random
search finds is therefore known from one forward pass of the random starts; ascending all of them
for ``oip.epochs`` only adds pictures. The full ascent is kept for the ``top_k`` best live starts
per map, picked after a short screen (``screen_epochs``, as the precursor screening picks its
top 8), or by their start loss when ``screen_epochs`` is 0. The seed's 128 starts × 1200 epochs
per map become 128 forward passes, 128 × 10 screening epochs and 8 × 1200 epochs: 1/15 the work.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def start_losses(model, starts, layer="conv3"):
    """{map: (count,) loss of each of its own starts}, one forward pass for all maps' starts."""
    from ..plumbing import backend

    maps = list(starts)
    images = np.concatenate([starts[m] for m in maps])
    losses = backend.map_losses(model, layer, images, np.repeat(maps, [len(starts[m]) for m in maps]))
    bounds = np.cumsum([0, *(len(starts[m]) for m in maps)])
    return {m: np.asarray(losses[lo:hi], np.float32) for m, lo, hi in zip(maps, bounds[:-1], bounds[1:], strict=True)}


def screen(model, starts, live, epochs, step_size, layer="conv3", batch_size=1024):
    """{map: (count,) loss after ``epochs`` epochs of its live starts (dead ones: 0, never moved)}."""
    from .engine import driver

    out = {m: np.zeros(len(starts[m]), np.float32) for m in starts}
    pairs = driver.Pairs()
    for m in starts:
        pairs.add(m, starts[m], np.flatnonzero(live[m]))
    if not len(pairs):
        return out
    rows = {i: (m, r) for i, (m, r) in enumerate(zip(pairs.maps, pairs.rows, strict=True))}

    def on_map(i, losses, _images):
        m, r = rows[i]
        out[m][r] = losses

    ascent = driver.compiled(model, layer, float(step_size), int(epochs))
    driver.ascend(ascent, pairs, min(batch_size, len(pairs)), on_map=on_map)
    return out


def pick(model, starts, top_k, screen_epochs, step_size, layer="conv3"):
    """Per map of ``starts`` ({map: (count, h, w, c) start images}): which ``top_k`` starts get the
    full ascent, and what decided it. {map: {"top": indices in start order, "start_loss",
    "screen_loss" (count,), "live": int}}; ranking by screen loss (start loss when
    ``screen_epochs`` is 0), ties by index, so a map with fewer live starts fills up with dead ones.
    """
    from .engine import driver

    first = start_losses(model, starts, layer)
    live = {m: ~driver.dead(first[m]) for m in starts}
    screened = screen(model, starts, live, screen_epochs, step_size, layer) if screen_epochs else first
    out = {}
    for m in starts:
        top = np.sort(driver.top(screened[m], top_k))
        out[m] = {"top": top, "start_loss": first[m], "screen_loss": screened[m], "live": int(live[m].sum())}
    n_live = sum(v["live"] for v in out.values())
    log.info(
        "random search: %d of %d maps found at the start (%d live of %d starts); %d × %d screening epochs",
        sum(v["live"] > 0 for v in out.values()), len(out), n_live, sum(len(s) for s in starts.values()),
        n_live, screen_epochs,
    )  # fmt: skip
    return out
