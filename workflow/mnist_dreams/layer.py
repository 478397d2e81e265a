"""A whole layer at once: (map, start image) pairs of many maps through one compiled ascent.

Every sample carries its own map index, so one compiled call serves all maps of a job: batches
stay full however few starts a map has left (halving's last rungs, an OIP's 8 candidates), and a
job compiles once for all its maps. Samples do not interact and every batch has the same shape,
so a pair's result does not depend on which pairs share its batch: a chunk job's files equal
one-map jobs' (tests/test_layer.py, tests/test_workflow_chunks.py).

The exact prune. A map's loss is the mean of its post-ReLU activation. A start whose activation is
exactly 0 at every position gets a gradient of exactly 0 (ReLU passes none below 0), so its step
g / (rms(g) + eps) is 0: it never moves and its loss stays 0 for any number of epochs. One forward
pass of all starts gives every map's start loss at once; a dead pair is recorded (loss 0, image
unchanged) instead of ascended. Only for the plain objective: an L2 or TV term, or jitter, moves a
dead image.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

log = logging.getLogger(__name__)


def start_losses(model, images, maps, layer="conv3", batch_size=1024):
    """(len(maps), len(images)) float32: map ``maps[j]``'s loss for image *i*, one forward pass."""
    from . import backend

    feature = backend.feature_model(model, layer)
    maps = np.asarray(maps, np.int64)
    out = np.empty((len(maps), len(images)), np.float32)
    for lo in range(0, len(images), batch_size):
        act = np.asarray(feature([np.ascontiguousarray(images[lo : lo + batch_size], np.float32)], training=False))
        out[:, lo : lo + batch_size] = act[..., maps].mean(axis=(1, 2)).T
    return out


def dead(losses):
    """Where a start provably never moves: its map's activation is exactly 0 (see the module doc)."""
    return np.asarray(losses) == 0


@functools.lru_cache(maxsize=16)
def compiled(model, layer, step_size, epochs, l2=0.0, tv=0.0):
    """The ascent of ``epochs`` epochs, compiled once per process and shared by every map."""
    from . import backend

    return backend.make_ascent(model, layer, step_size, epochs, l2=l2, tv=tv)


class Pairs:
    """The pairs of one step: per map, rows of ``base`` (a shared array or the map's own) to ascend.

    Rows are gathered only when their batch runs, so a whole layer's starts are never copied per map.
    """

    def __init__(self):
        self.maps, self.bases, self.rows = [], [], []

    def add(self, map_index, base, rows=None):
        rows = np.arange(len(base)) if rows is None else np.asarray(rows, np.int64)
        if len(rows):
            self.maps.append(int(map_index))
            self.bases.append(base)
            self.rows.append(rows)

    def __len__(self):
        return int(sum(len(r) for r in self.rows))


def ascend(ascend_fn, pairs, batch_size, keep_images=True, on_map=None, report=None):
    """Run every pair of ``pairs`` through ``ascend_fn(images, map_indices) -> (images, history)``.

    Batches of ``batch_size`` mix maps; the last one is padded, so one shape, one compilation.
    ``on_map(i, losses, images)`` is called for the *i*-th map of ``pairs`` as soon as its last
    pair is done, with its final losses and (``keep_images``) images; only the maps that a batch
    still straddles are held, so memory is bounded by the batch, not by the layer.
    ``report(pairs_done)`` follows every batch (progress lines).
    """
    sizes = [len(r) for r in pairs.rows]
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if sizes else 0
    losses = {}
    images = {}
    done = [0] * len(sizes)
    for lo in range(0, total, batch_size):
        hi = min(lo + batch_size, total)
        first = int(np.searchsorted(ends, lo, side="right"))
        parts, where = [], []
        for i in range(first, len(sizes)):
            start = int(ends[i] - sizes[i])
            a, b = max(lo, start) - start, min(hi, int(ends[i])) - start
            if a >= b:
                break
            parts.append(pairs.bases[i][pairs.rows[i][a:b]])
            where.append((i, a, b))
        batch = np.concatenate(parts)
        m = np.concatenate([np.full(b - a, pairs.maps[i], np.int32) for i, a, b in where])
        if len(batch) < batch_size:  # pad: one shape, one compiled function
            pad = batch_size - len(batch)
            batch = np.concatenate([batch, np.repeat(batch[-1:], pad, axis=0)])
            m = np.concatenate([m, np.repeat(m[-1:], pad)])
        out, hist = ascend_fn(batch, m)
        offset = 0
        for i, a, b in where:
            if i not in losses:
                losses[i] = np.empty(sizes[i], np.float32)
                if keep_images:
                    images[i] = np.empty((sizes[i], *batch.shape[1:]), np.float32)
            losses[i][a:b] = hist[-1][offset : offset + b - a]
            if keep_images:
                images[i][a:b] = out[offset : offset + b - a]
            offset += b - a
            done[i] += b - a
            if done[i] == sizes[i] and on_map is not None:
                on_map(i, losses.pop(i), images.pop(i, None))
        if report is not None:
            report(hi)
    return total
