"""What a run looks at and how it ascends, resolved once from the config: one frozen value.

The Snakefile resolves it while it is read (``resolve``), before any job, so that a bad model file,
layer, map, objective or transform fails with its key and nothing computed is touched; the rules
read its fields, and the config itself is never changed in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..subject import cnn, selection
from . import objectives
from .engine import transforms
from .engine.settings import Settings


@dataclass(frozen=True)
class Run:
    layer: str  # the layer whose maps the per-map steps look at (model.layer)
    own_model: str | None  # model.path, or None for the seed's CNN
    n_maps: int
    input_shape: tuple  # (h, w, c) of the model's input
    subject: str  # the results folder part: "" for the seed's conv3 (results/oip/…)
    where: str  # how messages name the model: "the seed's CNN" or "your model"
    maps: tuple  # the maps the run computes (maps: auto resolved)
    ascent: Settings  # the oip section's options, oip.style resolved
    deepdream_layers: dict = field(default_factory=dict)  # {layer: weight}
    objectives: dict = field(default_factory=dict)  # objectives.resolve's specs
    layer_shapes: dict = field(default_factory=dict)
    layer_kinds: dict = field(default_factory=dict)  # {layer: its Keras class name}, for the ETA's cost
    input: dict = field(default_factory=dict)  # a model.path's input scaling (model.input resolved)

    @property
    def scaling(self):
        """How pixels become the model's input (a param: it changes every result): "seed" or
        model.input's keys."""
        if not self.own_model:
            return "seed"
        keys = ("input", "mean", "std") if self.input["input"] == "mean_std" else ("input",)
        return {k: self.input[k] for k in keys}


def resolve(config):
    """The ``Run`` of a validated config; ``selection.SubjectError`` names the key and the fix.
    A model file is loaded here (Keras, a few seconds), so that a bad file or layer fails early."""
    layer, path, scaling = config["model"]["layer"], config["model"]["path"], {}
    if path:
        from ..subject import own_model

        model = own_model.load(path)
        n_maps, input_shape = own_model.check(model, layer)
        scaling = dict(config["model"])  # input: auto resolved, so that jobs see what it stands for
        if scaling["input"] == "auto":
            scaling["input"] = own_model.auto_input(model)
        own_model.scaling(scaling, input_shape[-1])
        info = own_model.describe(model)
        subject, shapes, kinds, where = own_model.folder(path, layer), info["layers"], info["kinds"], "your model"
        del model
    else:
        if config["model"]["input"] not in ("seed", "auto"):
            raise selection.SubjectError(
                f"model.input: {config['model']['input']} applies to a model.path; the seed's CNN uses its own "
                f"standardization (model.input: auto or seed)"
            )
        n_maps, input_shape = selection.channels(cnn.LAYERS, layer), (28, 28, 1)
        subject, shapes, kinds, where = selection.folder(layer), cnn.LAYERS, cnn.KINDS, "the seed's CNN"
    deepdream = config["deepdream"]["layers"] or {layer: 1.0}  # null: model.layer
    selection.check_deepdream(deepdream, shapes, where)
    specs = objectives.resolve(config["objectives"], shapes, layer, where)
    _check_test_data(config["model"]["data"], subject, input_shape)
    if config["dream"]["size"] < input_shape[0]:
        raise selection.SubjectError(
            f"dream.size: {config['dream']['size']} rows is smaller than the model's input "
            f"({input_shape[0]}×{input_shape[1]}): the dreams look at the photo at that size; "
            f"set dream.size to {input_shape[0]} or more, e.g. --config 'dream={{size: {4 * input_shape[0]}}}'"
        )
    ascent = Settings.from_config(config["oip"]).styled(bool(path), input_shape)
    too_large = transforms.check(vars(ascent), input_shape)  # refused with the largest that fits
    if too_large:
        raise selection.SubjectError(too_large)
    return Run(
        layer=layer,
        own_model=path or None,
        n_maps=n_maps,
        input_shape=tuple(input_shape),
        subject=subject,
        where=where,
        maps=tuple(selection.maps(config["maps"], layer, n_maps, bool(path))),
        ascent=ascent,
        deepdream_layers=dict(deepdream),
        objectives=specs,
        layer_shapes=dict(shapes),
        layer_kinds=dict(kinds),
        input=scaling,
    )


def _check_test_data(data, subject, input_shape):
    """model.data: its keys, dtype and shape for the model's input, before the maps (so that a bad
    file is named even when the maps also do not fit), and never for the seed CNN's conv3."""
    if not data:
        return
    if not subject:  # the seed's conv3: its layer summary feeds results/summary.tsv
        raise selection.SubjectError(
            "model.data: the seed CNN's conv3 is measured on MNIST's test set, which results/summary.tsv "
            "compares with the seed's numbers; use model.data with another layer or a model.path"
        )
    from ..subject import image_data

    image_data.check(data, input_shape)
