"""model.path end to end (issue 17): the tiny preset on 2 maps of each kind of user model; every
stored OIP loss equals the layer's activation recomputed by a Keras sub-model built in the test."""

import shutil

import numpy as np
import own_models
import pandas as pd
import pytest

from helpers import planned_jobs, snakemake
from mnist_dreams.ascent import dream_file
from mnist_dreams.plumbing import store
from mnist_dreams.subject import own_model

pytestmark = pytest.mark.e2e

KINDS = {  # builder, file, layer, model.input
    "rgb": (own_models.rgb_functional, "models/rgb.keras", "block2_relu", "raw"),
    "seq": (own_models.built_sequential, "models/seq.keras", "c2_relu", "unit"),
    "nested": (own_models.nested, "models/nested.keras", "features", "symmetric"),
    "h5": (own_models.legacy_h5, "models/legacy.h5", "conv_b", "unit"),
}


def config(kind, **extra):
    _, path, layer, scaling = KINDS[kind]
    settings = {"path": path, "layer": layer, "input": scaling, **extra}
    inner = ", ".join(f"{k}: {v}" for k, v in settings.items())
    # maps_per_job 2: one precursor, OIP and dream job per model (fewer TensorFlow start-ups in CI)
    return ["--configfile", "config/tiny.yaml", "--config", f"model={{{inner}}}", "maps=[0, 1]", "maps_per_job=2"]


@pytest.fixture(scope="module")
def own_run(tiny_run, tmp_path_factory):
    work = tmp_path_factory.mktemp("own") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    (work / "models").mkdir()
    for builder, path, _, _ in KINDS.values():
        builder(work / path)
    for kind in KINDS:
        snakemake(work, "--cores", "2", *config(kind))
    return work


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_runs_end_to_end_and_its_losses_are_the_layers_activation(own_run, kind):
    import keras

    _, path, layer, scaling = KINDS[kind]
    folder = own_run / "results" / own_model.folder(path, layer)
    model = own_model.load(own_run / path)
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    for m in (0, 1):
        oip, attrs = store.read_map(folder / "oip/map_000-001.h5", m)
        assert attrs["layer"] == layer and oip["images"].shape[1:] == tuple(model.inputs[0].shape[1:])
        recomputed = np.asarray(probe([oip["images"]], training=False))[..., m].mean(axis=(1, 2))
        np.testing.assert_allclose(oip["final_loss"], recomputed, rtol=1e-4, atol=1e-6)
        # oip.style auto: a model.path ascends smoothly (Fourier + transforms), and the file says so
        side = min(model.inputs[0].shape[1:3])
        assert {k: attrs["params"][k] for k in ("style", "parameterization", "jitter", "scale", "rotate")} == {
            "style": "smooth", "parameterization": "fourier", "jitter": max(1, side // 28), "scale": 0.1, "rotate": 10.0
        }  # fmt: skip
        screening, _ = store.read_map(folder / "precursor/map_000-001.h5", m)
        mean, std = own_model.scaling({"input": scaling}, int(model.inputs[0].shape[-1]))
        np.testing.assert_allclose(
            screening["start_images"] * std + mean, np.clip(screening["start_images"] * std + mean, 0, 255), atol=1e-2
        )
    table = pd.read_csv(folder / "oip/summary.tsv", sep="\t", keep_default_na=False)
    assert len(table) == int(model.get_layer(layer).output.shape[-1])
    assert (folder / "oip/atlas.png").stat().st_size > 1000
    mnist_shaped = tuple(model.inputs[0].shape[1:]) == (28, 28, 1)
    assert (table["fires_on_test"].astype(str) != "").all() == mnist_shaped  # test data only where it fits


@pytest.mark.parametrize("kind", ["rgb", "seq"])
def test_a_users_model_takes_the_same_objective_keys(own_run, kind):
    """The seed CNN's objective keys on a user's model (RGB ending in a softmax; a Sequential whose
    last Dense has none): the class score before the softmax, recomputed by NumPy from the last
    layer's input and weights; the smooth style, recorded. Only the objective's jobs run. Every kind
    of term on a user's model: tests/unit/test_objectives.py."""
    import keras
    import yaml

    (own_run / "three.yaml").write_text(
        yaml.safe_dump({"objectives": {"three": {"terms": [{"kind": "class", "class": 3}]}}})
    )
    args = config(kind)
    args.insert(2, "three.yaml")  # after config/tiny.yaml
    assert planned_jobs(own_run, *args) == {"objective": 1, "objective_figure": 1, "objective_gallery": 1}
    snakemake(own_run, "--cores", "2", *args)
    _, path, layer, _ = KINDS[kind]
    folder = own_run / "results" / own_model.folder(path, layer) / "objectives"
    model = own_model.load(own_run / path)
    last = model.layers[-1]
    kernel, bias = last.get_weights()
    three, attrs = store.read_h5(folder / "three/oip.h5")
    assert attrs["class_score"] == ("logit" if kind == "rgb" else "output")
    assert attrs["ascent"]["parameterization"] == "fourier" and attrs["ascent"]["rotate"] == 10.0
    x = three["images"]
    logits = np.asarray(keras.Model(model.inputs, last.input).predict(x, verbose=0), np.float64) @ kernel + bias
    np.testing.assert_allclose(three["final_value"], logits[:, 3], rtol=1e-3, atol=1e-4)
    assert np.all(three["final_value"] > three["start_value"]) and (folder / "gallery.png").is_file()


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_dreams_in_its_own_channels_and_the_dream_losses_are_the_layers_activation(own_run, kind):
    import keras

    _, path, layer, scaling = KINDS[kind]
    folder = own_run / "results" / own_model.folder(path, layer)
    model = own_model.load(own_run / path)
    shape = tuple(model.inputs[0].shape[1:])
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    photo = (112, 112) if shape[-1] == 1 else (112, 112, 3)  # tiny dream.size 112; a gray photo has no channel axis
    for m in (0, 1):
        kept, attrs = store.read_map(folder / "dreams/map_000-001.h5", m)
        dream = dream_file.finished(kept, attrs["params"])
        assert attrs["layer"] == layer and dream["original"].shape == dream["final"].shape == photo
        assert dream["patterns"].shape[1:3] == shape[:2]
        pattern = dream["patterns"][-1].reshape(1, *shape)
        act = np.asarray(probe([pattern], training=False))[..., m].mean()
        np.testing.assert_allclose(dream["losses"][-1, 1], act, rtol=1e-4, atol=1e-6)
    deep, attrs = store.read_h5(folder / f"dreams/layer_{layer}.h5")
    assert attrs["params"]["layers"] == {layer: 1.0}  # deepdream.layers null: model.layer
    assert deep["dream"].shape == deep["original"].shape == photo and (deep["sizes"] >= shape[:2]).all()
    for png in ("gallery.png", f"layer_{layer}.png", "map_000-001.png"):
        assert (folder / "dreams" / png).stat().st_size > 1000


def test_a_new_model_file_reruns_its_steps_and_nothing_else(own_run):
    assert "Nothing to be done" in snakemake(own_run, "-n", *config("h5")).stdout
    own_models.legacy_h5(own_run / "models/legacy.h5")  # same architecture, retrained: new content
    (own_run / "models/legacy.h5").touch()
    planned = planned_jobs(own_run, *config("h5"))
    steps = {"precursor", "oip", "oip_summary", "dream", "deepdream"}
    assert steps <= set(planned)
    assert not set(planned) & {"cnn", "mnist", "kmeans", "mlp_reference"}


def test_changing_the_input_scaling_reruns_the_model_steps(own_run):
    planned = planned_jobs(own_run, *config("seq", input="symmetric"))
    assert {"precursor", "oip", "dream"} <= set(planned)
    assert "cnn" not in planned


def test_input_auto_resolves_to_raw_for_the_rescaling_model_and_reruns_nothing(own_run):
    proc = snakemake(own_run, "-n", "--configfile", "config/tiny.yaml", "--config",
                     "model={path: models/rgb.keras, layer: block2_relu}", "maps=[0, 1]", "maps_per_job=2")  # fmt: skip
    assert "Nothing to be done" in proc.stdout  # the same params as the run with input: raw


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            ["model={path: models/nested.keras, layer: inner_conv, input: unit}"],
            "is inside the nested model 'features'",
        ),
        (["model={path: models/none.keras, layer: x, input: unit}"], "model.path: models/none.keras: no such file"),
        (["model={path: models/rgb.keras, layer: block2_relu, input: seed}"], "is the seed CNN's own standardization"),
        (["model={path: models/seq.keras, layer: c2_relu}"], "model.input: auto finds no Rescaling or Normalization"),
        (["model={path: models/seq.keras, layer: c2_relu, input: unit, data: no.npz}"], "model.data: no.npz: no such"),
        (
            ["model={path: models/rgb.keras, layer: block2_relu, input: raw}", "maps=[3, 16]"],
            "block2_relu does not have",
        ),
        (
            ["model={path: models/rgb.keras, layer: block2_relu, input: raw}", "deepdream={layers: {conv3: 1}}"],
            "deepdream.layers: your model has no layer 'conv3'; layers with maps: rescale, block1_conv",
        ),
        (
            ["model={path: models/rgb.keras, layer: block2_relu, input: raw}", "dream={size: 30}"],
            "dream.size: 30 rows is smaller than the model's input (32×32)",
        ),
        (  # said for a model without test images; left at its default, the stage is just off
            [
                "model={path: models/rgb.keras, layer: block2_relu, input: raw}",
                "maps=[0, 1]",
                "data_starts={enabled: true}",
            ],
            "data_starts.enabled: your model has no test images to start from",
        ),
    ],
)
def test_bad_model_settings_fail_before_any_job(own_run, settings, message):
    proc = snakemake(own_run, "-n", "--configfile", "config/tiny.yaml", "--config", *settings, check=False)
    assert proc.returncode != 0 and message in proc.stderr + proc.stdout


def test_a_savedmodel_folder_or_an_unknown_layer_fails_before_any_job_with_the_fix(tiny_run, tmp_path):
    (tmp_path / "exported").mkdir()
    (tmp_path / "exported" / "saved_model.pb").write_bytes(b"")
    own_models.legacy_h5(tmp_path / "legacy.h5")
    for settings, message in [
        (f"model={{path: {tmp_path / 'exported'}, layer: x, input: unit}}", "Re-save it as .keras"),
        (f"model={{path: {tmp_path / 'legacy.h5'}, layer: conv_z, input: unit}}", "layers with maps: conv_a"),
    ]:
        proc = snakemake(tiny_run, "-n", "--configfile", "config/tiny.yaml", "--config", settings, check=False)
        assert proc.returncode != 0 and message in proc.stderr + proc.stdout, settings


# last: it leaves the rgb run's layer summary measured on model.data
def test_model_data_names_the_test_images_and_reruns_only_the_examples_and_what_shows_them(own_run):
    import keras

    images = np.random.default_rng(7).integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    (own_run / "data").mkdir(exist_ok=True)
    np.savez(own_run / "data/rgb.npz", images=images)
    args = config("rgb", data="data/rgb.npz")
    planned = planned_jobs(own_run, *args)
    # the maps' dataset examples come from model.data: them, the layer summary and what shows them
    shown = {"oip_summary", "oip_summary_table", "oip_atlas", "oip_figure", "map_pages", "trust", "data_starts"}
    assert {rule.split("_maps_")[0] for rule in planned} - {"all"} == {"dataset_examples", *shown}
    snakemake(own_run, "--cores", "2", *args)
    folder = own_run / "results" / own_model.folder(KINDS["rgb"][1], "block2_relu")
    table = pd.read_csv(folder / "oip/summary.tsv", sep="\t")
    model = own_model.load(own_run / KINDS["rgb"][1])
    probe = keras.Model(model.inputs, model.get_layer("block2_relu").output)  # input raw: pixels as they are
    act = np.asarray(probe([images.astype(np.float32)], training=False))
    np.testing.assert_allclose(table["max_test_activation"], act.max(axis=(0, 1, 2)), rtol=1e-4, atol=1e-6)
    assert list(table["fires_on_test"]) == list(act.max(axis=(0, 1, 2)) > 0)
