"""Objectives beyond a map's mean: parse-time checks that name the valid range, and every kind of
term recomputed by a path of its own (Keras forward passes, NumPy, the softmax's log ratios)."""

import numpy as np
import pytest

from mnist_dreams.ascent import objective_ascent, objective_figures, objectives, oip
from mnist_dreams.ascent.engine import objectives as engine_objectives
from mnist_dreams.ascent.engine.settings import Settings
from mnist_dreams.plumbing import backend
from mnist_dreams.subject import cnn
from mnist_dreams.subject.selection import SubjectError


def _resolve(*terms, **spec):
    return objectives.resolve({"x": {"terms": list(terms), **spec}}, cnn.LAYERS, "conv3", "the seed's CNN")["x"]


def test_defaults_fill_in_the_layer_weight_and_candidates():
    spec = _resolve({"kind": "class", "class": 3}, {"kind": "neuron", "channel": 4, "position": [0, 2]})
    assert spec["minimize"] is False and spec["candidates"] == 4
    assert spec["terms"][0] == {"kind": "class", "layer": "output", "class": 3, "weight": 1.0}
    assert spec["terms"][1] == {"kind": "neuron", "layer": "conv3", "channel": 4, "position": [0, 2], "weight": 1.0}
    assert objective_figures.describe(spec) == "maximize class 3 + conv3 ch 4 at (0, 2)"


@pytest.mark.parametrize(
    "term, message",
    [
        (
            {"kind": "class", "class": 10},
            "class 10 is outside the layer: 'output' of the seed's CNN has 10 classes, so class must be 0 to 9",
        ),  # fmt: skip
        ({"kind": "channel", "channel": 128}, "'conv3' has 128 channels, so channel must be 0 to 127"),
        ({"kind": "neuron", "channel": 1, "position": [3, 0]}, "'conv3' is 3×3, so position row must be 0 to 2"),
        ({"kind": "neuron", "layer": "conv1", "channel": 1, "position": [0, 26]}, "position column must be 0 to 25"),
        ({"kind": "neuron", "layer": "dense1", "channel": 1, "position": [0, 0]}, "has no positions"),
        ({"kind": "direction", "vector": [1.0, 2.0]}, "vector has 2 values, 'conv3' has 128 channels"),
        ({"kind": "channel", "layer": "conv9", "channel": 0}, "has no layer 'conv9'; layers: conv1, pool1"),
        ({"kind": "channel", "layer": "flatten", "channel": 2000}, "'flatten' has 1152 channels"),
        ({"kind": "channel"}, "a channel term needs channel"),
        ({"kind": "channel", "channel": 1, "class": 3}, "a channel term takes no class"),
        ({"kind": "class", "class": 3, "layer": "conv3"}, "a class term reads the output layer 'output'"),
        ({"kind": "pixel"}, "kind 'pixel' is not one of channel, neuron, direction, class"),
        ({"kind": "class", "class": 3, "weight": 0}, "weight 0 adds nothing"),
    ],
)
def test_a_unit_outside_the_layer_is_refused_with_the_valid_range(term, message):
    with pytest.raises(SubjectError, match="objectives.x.terms\\[0\\]") as err:
        _resolve(term)
    assert message in str(err.value)


@pytest.mark.parametrize("name", ["../up", ".hidden", "a/b", "{map}", ""])
def test_an_objective_name_that_cannot_be_a_folder_is_refused(name):
    with pytest.raises(SubjectError, match="objectives:"):
        objectives.resolve({name: {"terms": [{"kind": "class", "class": 1}]}}, cnn.LAYERS, "conv3")


@pytest.fixture(scope="module")
def images(small_cnn):
    a = small_cnn["attrs"]
    return oip.random_starts(5, a["pixel_mean"], a["pixel_std"], seed=5)


def _value(model, spec, x):
    f, terms_fn, kind = objective_ascent.build(model, spec, "conv3", Settings(epochs=1, step_size=0.0))
    return np.asarray(f(x, np.zeros(len(x), np.int32))[1]), np.asarray(terms_fn(x)), kind


def test_each_term_is_the_activation_it_names(small_cnn, images):
    import keras

    model = small_cnn["model"]
    vector = np.random.default_rng(0).normal(size=32)
    spec = _resolve(
        {"kind": "neuron", "layer": "conv1", "channel": 5, "position": [13, 7], "weight": 2.0},
        {"kind": "channel", "channel": 46, "weight": -0.5},
        {"kind": "direction", "layer": "conv1", "vector": vector.tolist()},
        {"kind": "channel", "layer": "dense1", "channel": 7},
    )
    value, terms, kind = _value(model, spec, images)
    conv1, dense1 = (np.asarray(keras.Model(model.inputs, model.get_layer(n).output).predict(images, verbose=0),
                                np.float64) for n in ("conv1", "dense1"))  # fmt: skip
    expected = np.stack(
        [
            conv1[:, 13, 7, 5],
            backend.map_losses(model, "conv3", images, 46),
            (conv1 @ vector).mean(axis=(1, 2)),
            dense1[:, 7],
        ],
        axis=1,
    )
    np.testing.assert_allclose(terms, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(value, expected @ [2.0, -0.5, 1.0, 1.0], rtol=1e-4, atol=1e-4)
    assert kind == ""


def test_a_class_term_is_the_score_before_the_softmax(small_cnn, images):
    """Two classes' logits differ by the log ratio of their probabilities: p_a / p_b = e^(z_a - z_b)."""
    model = small_cnn["model"]
    three, _, kind = _value(model, _resolve({"kind": "class", "class": 3}), images)
    seven, _, _ = _value(model, _resolve({"kind": "class", "class": 7}), images)
    p = np.asarray(model.predict(images, verbose=0), np.float64)
    np.testing.assert_allclose(three - seven, np.log(p[:, 3] / p[:, 7]), rtol=1e-4, atol=1e-4)
    assert kind == "logit"


def test_ascending_a_class_makes_the_cnn_see_it_and_minimizing_lowers_the_value(small_cnn, images):
    model, settings = small_cnn["model"], {"epochs": 40, "step_size": 0.05}
    up, attrs = objective_ascent.ascend(model, _resolve({"kind": "class", "class": 3}), images, settings)
    p_start = np.asarray(model.predict(images, verbose=0))[:, 3]
    assert np.all(up["output"][:, 3] > p_start) and np.mean(up["output"].argmax(1) == 3) >= 0.8
    np.testing.assert_allclose(up["output"], model.predict(up["images"], verbose=0), rtol=1e-5, atol=1e-6)
    recomputed, _, _ = _value(model, _resolve({"kind": "class", "class": 3}), up["images"])
    np.testing.assert_allclose(up["final_value"], recomputed, rtol=1e-5, atol=1e-5)  # the stored images' own value
    assert up["value_history"].shape == (5, 40) and attrs["class_score"] == "logit"
    down, _ = objective_ascent.ascend(model, _resolve({"kind": "class", "class": 3}, minimize=True), images, settings)
    assert np.all(down["final_value"] < down["start_value"]) and np.all(down["final_value"] < up["start_value"])


def test_a_robust_objective_stores_the_untransformed_images_value(small_cnn, images):
    model, spec = small_cnn["model"], _resolve({"kind": "class", "class": 5})
    settings = {"epochs": 30, "step_size": 0.05, "jitter": 1, "scale": 0.1, "rotate": 10}
    out, _ = objective_ascent.ascend(model, spec, images, settings, seed=3)
    recomputed, _, _ = _value(model, spec, out["images"])
    np.testing.assert_allclose(out["final_value"], recomputed, rtol=1e-5, atol=1e-5)
    assert np.all(out["final_value"] > out["start_value"])


def test_sibling_similarity_is_the_mean_gram_cosine_within_a_group(small_cnn, images):
    """The Keras term against NumPy's Gram matrices (pattern_numbers.gram_similarity)."""
    from keras import ops

    from mnist_dreams.ascent.pattern_numbers import gram_similarity

    acts = np.asarray(backend.feature_model(small_cnn["model"], "conv3").predict(images, verbose=0))
    groups = np.array([0, 0, 1, 1, 2], np.int32)
    got = np.asarray(engine_objectives.sibling_similarity(ops.convert_to_tensor(acts), ops.convert_to_tensor(groups)))
    sim = gram_similarity(acts)
    np.testing.assert_allclose(got, [sim[0, 1], sim[0, 1], sim[2, 3], sim[2, 3], 0.0], rtol=1e-4, atol=1e-6)


def test_the_diversity_term_pushes_a_maps_candidates_apart(small_cnn, images):
    from mnist_dreams.ascent.pattern_numbers import gram_similarity, style_diversity

    model = small_cnn["model"]
    m = int(
        np.argmax(np.asarray(backend.feature_model(model, "conv3").predict(images, verbose=0)).mean(axis=(0, 1, 2)))
    )
    feature = backend.feature_model(model, "conv3")
    scores = {}
    for weight in (0.0, 1.0):
        r = oip.optimize(model, m, images, Settings(epochs=60, step_size=0.05, diversity=weight), prune=False)
        sim = gram_similarity(feature.predict(r["images"], verbose=0))
        scores[weight] = style_diversity(sim, r["final_loss"])
        assert r["final_loss"].max() > 0
    assert scores[1.0] > scores[0.0] + 0.02, scores


def test_the_command_line_spelling_arrives_typed():
    """`--config 'objectives={...}'` comes as YAML BaseLoader strings; the schema types them."""
    import yaml

    from mnist_dreams.plumbing import configuration

    schema = configuration.load_schema(objectives_schema_path())
    text = "{n: {minimize: true, candidates: 2, terms: [{kind: neuron, channel: 46, position: [1, 2], weight: -0.5}]}}"
    typed = {"objectives": yaml.load(text, Loader=yaml.BaseLoader)}
    configuration.coerce(typed, schema)
    assert typed["objectives"] == yaml.safe_load(text)
    spec = objectives.resolve(typed["objectives"], cnn.LAYERS, "conv3")["n"]
    assert spec["minimize"] is True and spec["candidates"] == 2 and spec["terms"][0]["position"] == [1, 2]


def objectives_schema_path():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"


@pytest.mark.parametrize("builder", ["rgb_functional", "built_sequential"])
def test_every_kind_of_term_on_a_users_model(tmp_path, builder):
    """The same keys on a user's model (own_models: an RGB functional model with BatchNorm and a
    softmax head; a Sequential whose last Dense has no softmax), each term against Keras sub-models."""
    import keras
    import own_models

    from mnist_dreams.subject import own_model

    getattr(own_models, builder)(tmp_path / "m.keras")
    model = own_model.load(tmp_path / "m.keras")
    info = own_model.describe(model)
    maps = [n for n, shape in info["layers"].items() if len(shape) == 3]
    first, last_maps = maps[0], maps[-1]
    c = info["layers"][first][-1]
    vector = np.linspace(-1, 1, c)
    cfg = {
        "x": {
            "terms": [
                {"kind": "class", "class": 3},
                {"kind": "neuron", "layer": first, "channel": 1, "position": [2, 3], "weight": 0.5},
                {"kind": "direction", "layer": first, "vector": vector.tolist()},
                {"kind": "channel", "channel": 0},  # model.layer
            ]
        }
    }
    spec = objectives.resolve(cfg, info["layers"], last_maps, "your model")["x"]
    x = np.random.default_rng(1).uniform(0, 1, (3, *info["input"])).astype(np.float32) * 255
    value, terms, kind = _value(model, spec, x)

    def sub(name):
        return np.asarray(keras.Model(model.inputs, model.get_layer(name).output).predict(x, verbose=0), np.float64)

    head = model.layers[-1]
    kernel, bias = head.get_weights()
    logits = np.asarray(keras.Model(model.inputs, head.input).predict(x, verbose=0), np.float64) @ kernel + bias
    a = sub(first)
    expected = np.stack(
        [logits[:, 3], a[:, 2, 3, 1], (a @ vector).mean(axis=(1, 2)), sub(last_maps)[..., 0].mean(axis=(1, 2))], axis=1
    )
    np.testing.assert_allclose(terms, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(value, expected @ [1.0, 0.5, 1.0, 1.0], rtol=1e-4, atol=1e-4)
    assert kind == ("logit" if builder == "rgb_functional" else "output")
