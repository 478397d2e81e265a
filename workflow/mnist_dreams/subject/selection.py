"""Which network and layer a run looks at (``model.layer``): checked, and given a results folder.

Pure Python for the seed's CNN (its layer shapes are ``cnn.LAYERS``), so the Snakefile checks the
layer and sizes the map wildcard from it at parse time, before any job, without importing Keras.
"""

from __future__ import annotations

import re

from . import cnn


class SubjectError(ValueError):
    """A model or layer the workflow cannot visualize; the message names the problem and the fix."""


# A name that becomes one folder or file name part under results/ (a layer, a model file's stem):
# letters, digits and "_.-" only, so that it cannot climb out ("..", "/", "\\"), hide (".x"),
# open a Snakemake wildcard ("{map}") or need quoting in a shell, an HTML link or on Windows; and
# no "+", which joins DeepDream's layers in one file name ("a+b" would be layers a and b).
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MAX_NAME = 100  # a file system allows 255 bytes; DeepDream's file name joins several layer names

# The folders the workflow itself writes directly under results/, logs/ and benchmarks/, and the seed
# CNN's layers (results/conv1/…): a user's model folder must never be one of them.
RESERVED = frozenset(
    {"cnn", "data", "oip", "precursor", "dreams", "clusters", "mlp", "rescue", "study", "example", "summary"}
    | {"tables", *cnn.LAYERS}
)


def safe_name(name, what, fix):
    """``name`` unchanged if it is safe as one path component under results/; else a SubjectError
    saying ``what`` it is ("model.layer:"), what is wrong with it and ``fix`` (how to rename it)."""
    name = str(name)
    if not name:
        why = "is empty"
    elif name in (".", ".."):
        why = "is a step in a path (this folder, the one above), which would put results in another's folder"
    elif name.startswith("."):
        why = "starts with '.' (a hidden folder)"
    elif "{" in name or "}" in name:
        why = "holds '{' or '}', which Snakemake reads as a wildcard in every output path"
    elif "/" in name or "\\" in name:
        why = "holds a path separator"
    elif len(name) > MAX_NAME:
        why = f"is longer than {MAX_NAME} characters"
    elif not SAFE_NAME.fullmatch(name):
        bad = "".join(sorted({c for c in name if not SAFE_NAME.fullmatch("a" + c)})) or name[0]
        why = f"holds {bad!r}; a results folder name takes letters, digits, '_', '.' and '-' (not first)"
    else:
        return name
    raise SubjectError(f"{what} {name!r} cannot name a results folder: it {why}; {fix}")


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


def tidy(name, default="layer_1"):
    """A safe name to suggest for ``name``: every other character as "_", no leading "." or "-"."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name)).lstrip(".-")[:MAX_NAME] or default


def check_deepdream(names, layers, where):
    """A SubjectError unless every DeepDream layer has maps and a name fit for DeepDream's file name,
    which joins them with "+" (results/…/dreams/layer_conv2+conv3.h5)."""
    for name in names:
        channels(layers, name, where, key="deepdream.layers")
        fix = f"give another layer, or rename it in the model: model.get_layer({name!r}).name = {tidy(name)!r}"
        safe_name(name, "deepdream.layers:", fix)
    if len("+".join(names)) > 2 * MAX_NAME:
        raise SubjectError(
            f"deepdream.layers: {len(names)} layers whose names joined by '+' are longer than {2 * MAX_NAME} "
            f"characters, too long for DeepDream's file name; give fewer layers"
        )


def folder(layer):
    """The run's folder part: '' for the seed's conv3 (results/oip/…), else the layer (results/conv1/oip/…)."""
    if layer == cnn.CONV3:
        return ""
    if layer not in cnn.LAYERS:  # a folder beside the workflow's own is for the seed's layers only
        raise SubjectError(f"model.layer: the seed's CNN has no layer {layer!r}; layers: {', '.join(cnn.LAYERS)}")
    return layer


def place(path, part):
    """``path`` inside the subject's folder: results/oip/x → results/conv1/oip/x (also logs/, benchmarks/).

    Every component of ``part`` is checked again here, where the paths are made: no name reaches
    a rule's output that could leave the subject's own folder.
    """
    if not part:
        return path
    for name in part.split("/"):
        safe_name(name, "results folder part", "rename the model file or layer")
    top, rest = path.split("/", 1)
    return f"{top}/{part}/{rest}"


def check_map(map_index, n_maps, layer):
    """A SubjectError for a map index the layer does not have."""
    if not 0 <= int(map_index) < n_maps:
        raise SubjectError(
            f"map {int(map_index):03d}: {layer} has {n_maps} maps, so map must be 000 to {n_maps - 1:03d}"
        )


# The five conv3 maps the workflow shows by default (the README's pictures): patterns of several
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
