"""Which network and layer a run looks at (``model.layer``): checked, and given a results folder.

Pure Python for the seed's CNN (its layer shapes are ``cnn.LAYERS``), so the Snakefile checks the
layer and sizes the map wildcard from it at parse time, before any job, without importing Keras.
"""

from __future__ import annotations

from . import cnn


class SubjectError(ValueError):
    """A model or layer the workflow cannot visualize; the message names the problem and the fix."""


def maps_layers(layers):
    """The layers whose output is a stack of maps: 4-D (batch, height, width, channels)."""
    return [name for name, shape in layers.items() if len(shape) == 3]


def channels(layers, layer, where="the seed's CNN", key="model.layer"):
    """How many maps ``layer`` has; a SubjectError naming the config ``key`` and the layers that would work."""
    usable = ", ".join(maps_layers(layers))
    if layer not in layers:
        raise SubjectError(f"{key}: {where} has no layer {layer!r}; layers with maps: {usable}")
    shape = layers[layer]
    if len(shape) != 3:
        raise SubjectError(
            f"{key}: {layer!r} of {where} outputs shape {tuple(shape)}, not maps (height, width, "
            f"channels, channels last): an OIP maximizes one map's mean. Layers with maps: {usable}"
        )
    return int(shape[-1])


def folder(layer):
    """The run's folder part: '' for the seed's conv3 (results/oip/…), else the layer (results/conv1/oip/…)."""
    return "" if layer == cnn.CONV3 else layer


def place(path, part):
    """``path`` inside the subject's folder: results/oip/x → results/conv1/oip/x (also logs/, benchmarks/)."""
    if not part:
        return path
    top, rest = path.split("/", 1)
    return f"{top}/{part}/{rest}"


def check_map(map_index, n_maps, layer):
    """A SubjectError for a map index the layer does not have."""
    if not 0 <= int(map_index) < n_maps:
        raise SubjectError(
            f"map {int(map_index):03d}: {layer} has {n_maps} maps, so map must be 000 to {n_maps - 1:03d}"
        )


# The five conv3 maps the workflow shows by default (the README's figures): patterns of several
# kinds, among them maps the random search misses. Meaningful for the seed CNN's conv3 only.
SHOWCASE = (46, 56, 81, 116, 125)


def maps(setting, layer, n_maps, own_model):
    """The maps a run computes: ``setting`` "all", a list, or "auto" — the seed's showcase maps
    of its conv3, every map of any other layer (most have 8–64); a SubjectError for a map the
    layer does not have.
    """
    if setting == "auto":
        setting = list(SHOWCASE) if layer == cnn.CONV3 and not own_model else "all"
    if setting == "all":
        return list(range(n_maps))
    if max(setting) >= n_maps:
        raise SubjectError(
            f"maps: {setting} names maps {layer} does not have ({n_maps} maps, 0 to {n_maps - 1}): "
            f"set maps: all, or a list below {n_maps}, e.g. --config maps=all"
        )
    return [int(m) for m in setting]
