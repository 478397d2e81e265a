"""The batched driver: (map, start) pairs of many maps through one compiled ascent, in chunks of epochs.

Every sample carries its own map index (its group), so one compiled call serves all maps of a job:
batches stay full however few starts a map has left (halving's last rungs, an OIP's 8 candidates),
and a job compiles once for all its maps. Samples do not interact (but through the diversity term,
among a map's own candidates) and every batch has the same shape, so a pair's result does not
depend on which pairs share its batch: a chunk job's files equal one-map jobs'
(tests/unit/test_precursor.py, tests/workflow/test_workflow_chunks.py).

The exact prune. A map's loss is the mean of its post-ReLU activation. A start whose activation is
exactly 0 at every position gets a gradient of exactly 0 (ReLU passes none below 0), so its step
g / (rms(g) + eps) is 0: it never moves and its loss stays 0 for any number of epochs. One forward
pass of all starts gives every map's start loss at once; a dead pair is recorded (loss 0, image
unchanged) instead of ascended. Only for the plain objective: a penalty, the robust transforms or
the diversity term moves a dead image (``settings.Settings.prunable``).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from ...plumbing.progress import Progress

CHUNK_EPOCHS = 100  # epochs per compiled call of a long ascent (a progress line can follow each)

log = logging.getLogger(__name__)


def start_losses(model, images, maps, layer="conv3", batch_size=1024):
    """(len(maps), len(images)) float32: map ``maps[j]``'s loss for image *i*, one forward pass."""
    from ...plumbing import backend

    feature = backend.feature_model(model, layer)
    maps = np.asarray(maps, np.int64)
    out = np.empty((len(maps), len(images)), np.float32)
    # a 5-value grid's pass takes minutes: progress lines, as the ascent has
    progress = Progress(log, f"start losses of {len(images)} images, {len(maps)} map(s)", len(images), "images")
    for lo in range(0, len(images), batch_size):
        act = np.asarray(feature([np.ascontiguousarray(images[lo : lo + batch_size], np.float32)], training=False))
        out[:, lo : lo + batch_size] = act[..., maps].mean(axis=(1, 2)).T
        progress.update(min(lo + batch_size, len(images)))
    return out


def dead(losses):
    """Where a start provably never moves: its map's activation is exactly 0 (see the module doc)."""
    return np.asarray(losses) == 0


def terms(settings, input_range=None):
    """The options of ``settings`` (``settings.Settings``) that the compiled ascent depends on, as a
    hashable key: the penalties, the diversity weight, the parameterization and, for a bounded
    ascent (``oip.bound: clip``), the input's range (``input_range``: (low, high) per channel)."""
    clip = None
    if settings.bound == "clip":
        if input_range is None:
            raise ValueError("oip.bound: clip needs the model's input range (ascent.input_range.bounds)")
        clip = tuple(tuple(float(v) for v in np.ravel(end)) for end in input_range)
    return settings.penalties, settings.diversity, settings.parameterization, clip


@functools.lru_cache(maxsize=16)
def compiled(model, layer, step_size, epochs=None, terms=((), 0.0, "pixel", None)):
    """The OIP's ascent of a layer's maps (``objectives.map_mean``, the map of each sample's group)
    of ``epochs`` epochs (None: the robust ascent, one step per transform), with ``terms``
    (``terms(settings)``); compiled once per process and shared by every map, stage and job step."""
    from . import objectives, parameterization, step

    penalties, diversity, param, clip = terms
    value = objectives.map_mean(layer)
    goal = objectives.goal(value, dict(penalties), diversity, layer)
    f = objectives.as_function(model, goal, value)
    return step.compile(f, step_size, epochs, parameterization.preconditioner_for(model, param), clip)


def map_ascent(model, layer, step_size, epochs=None, penalties=None, diversity=0.0, parameterization="pixel",
               clip=None):  # fmt: skip
    """``compiled`` with the options spelled out (for checks and benchmarks): ``penalties``
    {name: weight}, ``epochs`` None for the robust ascent, ``clip`` (low, high) or None."""
    from .penalties import PENALTIES

    weights = tuple((n, float(penalties[n])) for n in PENALTIES if (penalties or {}).get(n))
    clip = None if clip is None else tuple(tuple(float(v) for v in np.ravel(end)) for end in clip)
    return compiled(model, layer, float(step_size), epochs, (weights, float(diversity), parameterization, clip))


def in_chunks(compiled_for, x, groups, epochs, transforms=None, chunk=CHUNK_EPOCHS, report=None):
    """An ascent of ``epochs`` epochs in compiled calls of ``chunk`` epochs (``report(epochs done,
    last values)`` after each; chaining chunks computes exactly the steps of one long loop, tested
    bit for bit). ``compiled_for(n)``: the compiled ascent of n epochs (``step.compile``), or with
    ``transforms`` (epochs, B, 8) ``compiled_for(None)``, the robust one.

    Returns (images, history (B, epochs), start values (B,) or None): history column *e* the value
    after *e* + 1 epochs (the robust ascent: the transformed images' value at step *e* + 1, the
    last column the returned images' own value); the start values come free without transforms.
    """
    x, rows, final = np.asarray(x, np.float32), [], None
    for done in range(0, epochs, chunk):
        n = min(chunk, epochs - done)
        if transforms is None:
            x, hist = compiled_for(n)(x, groups)
            rows.append(hist if not rows else hist[1:])
        else:
            x, hist = compiled_for(None)(x, groups, transforms[done : done + n])
            rows.append(hist[:-1])
        final = hist[-1]
        if report is not None:
            report(done + n, final)
    if transforms is None:
        history = np.concatenate(rows)
        return x, history[1:].T, history[0]
    transformed = np.concatenate(rows)  # (epochs, B)
    return x, np.concatenate([transformed[1:], final[None]]).T, None


def rolled(compiled_one, starts, groups, shifts, report=None):
    """The seed's roll (``transforms.roll_shifts``): per epoch the images rolled by its shift, one
    compiled epoch, rolled back. Returns (images, (B, epochs) value after each epoch); rolled and
    unrolled images differ in which pixels wrap around, so the caller recomputes the last value."""
    images, rows = starts, []
    for epoch, shift in enumerate(shifts):
        images, hist = compiled_one(np.roll(images, shift, axis=(1, 2)), groups)
        images = np.roll(images, (-shift[0], -shift[1]), axis=(1, 2))
        rows.append(hist[-1])
        if report is not None:
            report(epoch + 1, hist[-1])
    return images, np.stack(rows, axis=1)


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


def top(losses, k):
    """Indices of the ``k`` largest losses, ties broken by index (stable, deterministic)."""
    return np.argsort(-np.asarray(losses), kind="stable")[:k]


class Best:
    """The ``k`` best images of a stream, as ``top`` over the whole stream would pick them.

    Holds at most about 2k + one batch: a buffer compacted to its own top k whenever it doubles.
    Compacting never drops one of the stream's top k (an element among the best k of everything is
    among the best k of any part that holds it), so the last compaction yields exactly them.
    """

    def __init__(self, k):
        self.k, self.rows, self.losses, self.images = k, [], [], []

    def add(self, rows, losses, images):
        self.rows.append(rows)
        self.losses.append(losses)
        self.images.append(images)
        if sum(len(r) for r in self.rows) > 2 * self.k + 1024:
            self._compact()

    def _compact(self):
        rows, losses, images = (np.concatenate(x) for x in (self.rows, self.losses, self.images))
        keep = np.lexsort((rows, -losses))[: self.k]  # by loss, ties by row: as ``top``
        self.rows, self.losses, self.images = [rows[keep]], [losses[keep]], [images[keep]]

    def images_by_row(self):
        """The best k images in row order (the rows ``np.sort(top(losses, k))``)."""
        self._compact()
        return self.images[0][np.argsort(self.rows[0])]


def ascend(ascend_fn, pairs, batch_size, keep=None, on_map=None, report=None):
    """Run every pair of ``pairs`` through ``ascend_fn(images, map_indices) -> (images, history)``.

    Batches of ``batch_size`` mix maps; the last one is padded, so one shape, one compilation.
    ``on_map(i, losses, images)`` is called for the *i*-th map of ``pairs`` as soon as its last
    pair is done, with its final losses and, where ``keep`` (one count per map) asks for them, the
    images of its best ``keep[i]`` pairs in pair order (``np.sort(top(losses, keep[i]))``), else
    None. Only those best images and the maps that a batch still straddles are held: memory is
    bounded by the batch and the kept images, not by the layer or the grid.
    ``report(pairs_done)`` follows every batch (progress lines).
    """
    sizes = [len(r) for r in pairs.rows]
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if sizes else 0
    losses, best = {}, {}
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
                if keep is not None and keep[i]:
                    best[i] = Best(keep[i])
            part = hist[-1][offset : offset + b - a]
            losses[i][a:b] = part
            if i in best:
                best[i].add(np.arange(a, b), part, np.asarray(out[offset : offset + b - a], np.float32))
            offset += b - a
            done[i] += b - a
            if done[i] == sizes[i] and on_map is not None:
                kept = best.pop(i).images_by_row() if i in best else None
                on_map(i, losses.pop(i), kept)
        if report is not None:
            report(hi)
    return total


def layer_gradient(model, layer_weights):
    """DeepDream's ``grad(images) -> (gradients, values)`` of ``objectives.layer_means`` (raw: the
    dream normalizes after assembling its tiles into the whole image)."""
    from . import objectives, step

    value = objectives.layer_means(layer_weights)
    acts = objectives.activations(model, value.layers, logits=False)
    return step.gradient(lambda x: value(objectives.Inputs(acts(x), x, None)))
