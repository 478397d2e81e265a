"""model.path (issue 17): a user's own Keras model, checked before any job, scaled as configured."""

import bad_inputs
import numpy as np
import own_models
import pytest

from mnist_dreams.ascent import grids, oip
from mnist_dreams.ascent.engine.settings import Settings
from mnist_dreams.subject import own_model, selection


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("own")
    return {
        "rgb": (own_models.rgb_functional(d / "rgb.keras"), d / "rgb.keras"),
        "seq": (own_models.built_sequential(d / "seq.keras"), d / "seq.keras"),
        "nested": (own_models.nested(d / "nested.keras"), d / "nested.keras"),
        "h5": (own_models.legacy_h5(d / "legacy.h5"), d / "legacy.h5"),
    }


@pytest.mark.parametrize(
    ("kind", "layer", "expected"),
    [
        ("rgb", "block2_relu", (16, (32, 32, 3))),
        ("seq", "c2_relu", (12, (28, 28, 1))),
        ("nested", "features", (6, (28, 28, 1))),
        ("h5", "conv_b", (16, (28, 28, 1))),
    ],  # fmt: skip
)
def test_every_kind_loads_and_its_layer_is_checked(saved, kind, layer, expected):
    assert own_model.check(own_model.load(saved[kind][1]), layer) == expected


@pytest.mark.parametrize(
    ("kind", "layer", "message"),
    [
        ("nested", "inner_conv", "'inner_conv' is inside the nested model 'features'"),
        ("rgb", "gap", "'gap' of your model outputs shape (16,), not maps"),
        ("rgb", "block9", "your model has no layer 'block9'; layers with maps: rescale, block1_conv, block1_bn"),
    ],
)
def test_a_layer_that_cannot_be_visualized_is_named_with_what_would_work(saved, kind, layer, message):
    with pytest.raises(selection.SubjectError, match=message.replace("(", r"\(").replace(")", r"\)")):
        own_model.check(own_model.load(saved[kind][1]), layer)


def test_bad_files_name_the_problem_and_the_fix(saved, tmp_path):
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    (tmp_path / "model.pt").write_bytes(b"")
    for path, message in [
        (tmp_path / "missing.keras", "no such file"),
        (tmp_path / "sm", "is a TensorFlow SavedModel folder; Keras 3 loads it only as an opaque TFSMLayer"),
        (tmp_path / "broken.keras", "broken.keras: not a complete zip archive, which every .keras file is"),
        (tmp_path / "model.pt", "Keras 3 reads .keras and .h5 files, not .pt"),
    ]:
        with pytest.raises(selection.SubjectError, match=message):
            own_model.load(path)


def test_a_model_without_an_image_input_is_refused(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, name="d")])
    with pytest.raises(selection.SubjectError, match=r"input shape \(784,\) is not an image"):
        own_model.check(model, "d")


def test_scalings_map_pixels_as_documented():
    for kind, (lo, hi) in {"unit": (0, 1), "symmetric": (-1, 1), "raw": (0, 255)}.items():
        mean, std = own_model.scaling({"input": kind}, 3)
        np.testing.assert_allclose((np.array([0.0, 255.0])[:, None] - mean) / std, [[lo] * 3, [hi] * 3])
    mean, std = own_model.scaling({"input": "mean_std", "mean": [10, 20, 30], "std": [2, 4, 5]}, 3)
    np.testing.assert_allclose((np.full(3, 50.0) - mean) / std, [20, 7.5, 4])
    with pytest.raises(selection.SubjectError, match="give 1 or 3 values"):
        own_model.scaling({"input": "mean_std", "mean": [1, 2], "std": [1]}, 3)
    with pytest.raises(selection.SubjectError, match="model.input: 'seed' is the seed CNN's own standardization"):
        own_model.scaling({"input": "seed"}, 1)


def test_input_auto_is_raw_for_a_model_that_rescales_itself_and_asks_otherwise(saved):
    import keras

    assert own_model.auto_input(own_model.load(saved["rgb"][1])) == "raw"  # starts with Rescaling(1/255)
    normalizing = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Normalization(mean=33.0, variance=6000.0)])
    normalizing.add(keras.layers.Conv2D(4, 3, name="c"))
    assert own_model.auto_input(normalizing) == "raw"
    for kind in ("seq", "nested", "h5"):  # trained on scaled pixels: no layer says how
        with pytest.raises(selection.SubjectError, match="model.input: auto finds no Rescaling or Normalization"):
            own_model.auto_input(own_model.load(saved[kind][1]))
    late = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3), keras.layers.Rescaling(0.5)])
    with pytest.raises(selection.SubjectError, match="say how with model.input: unit"):
        own_model.auto_input(late)  # rescaling after the first weights is the model's business, not the input's


def test_oip_on_an_rgb_batchnorm_model_leaves_its_statistics_and_matches_a_separate_submodel(saved):
    import keras

    model = own_model.load(saved["rgb"][1])
    before = [w.copy() for w in model.get_layer("block2_bn").get_weights()]
    mean, std = own_model.scaling({"input": "raw"}, 3)
    starts = grids.Grid([0.2, 0.8], 2, mean, std, (32, 32), channels=3)[:]  # 16 gray starts on 3 channels
    assert starts.shape == (16, 32, 32, 3) and (starts[..., 0] == starts[..., 2]).all()
    probe = keras.Model(model.inputs, model.get_layer("block2_relu").output)  # an independent path
    m = int(np.argmax(np.asarray(probe([starts], training=False)).mean(axis=(1, 2)).max(axis=0)))  # a live map
    result = oip.optimize(model, m, starts, Settings(epochs=20, step_size=0.05), layer="block2_relu")
    for w, b in zip(model.get_layer("block2_bn").get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, b)  # training=False: moving statistics untouched
    recomputed = np.asarray(probe([result["images"]], training=False))[..., m].mean(axis=(1, 2))
    np.testing.assert_allclose(result["final_loss"], recomputed, rtol=1e-4, atol=1e-6)
    assert result["final_loss"].max() > result["start_loss"].max() > 0


def _mixed_by_numpy(mixed, x):
    """own_models.mixed_precision's function in float64: rescale, 3×3 valid conv, BN, ReLU, GAP, dense."""
    kernel, bias = (np.asarray(w, np.float64) for w in mixed.get_layer("conv").get_weights())
    gamma, beta, mean, var = (np.asarray(w, np.float64) for w in mixed.get_layer("bn").get_weights())
    dense, dense_bias = (np.asarray(w, np.float64) for w in mixed.get_layer("logits").get_weights())
    a = np.asarray(x, np.float64) / 255.0
    cols = np.stack([a[:, i : i + 26, j : j + 26, 0] for i in range(3) for j in range(3)], axis=-1)
    conv = cols @ kernel.reshape(9, -1) + bias
    bn = (conv - mean) / np.sqrt(var + mixed.get_layer("bn").epsilon) * gamma + beta
    return np.maximum(bn, 0).mean(axis=(1, 2)) @ dense + dense_bias


@pytest.mark.parametrize("sequential", [False, True])
def test_a_mixed_precision_model_is_loaded_computing_in_float32(tmp_path, sequential):
    mixed = own_models.mixed_precision(tmp_path / "mixed.keras", sequential)
    assert {layer.compute_dtype for layer in mixed.layers} >= {"float16"}  # as saved
    model = own_model.load(tmp_path / "mixed.keras")
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    for a, b in zip(mixed.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(np.asarray(a, np.float32), b)  # same weights, BN statistics included
    x = np.random.default_rng(0).uniform(0, 255, (4, 28, 28, 1)).astype(np.float32)
    # the reference by NumPy from the saved weights: the float16 model itself cannot run on an
    # AVX2-only CPU (oneDNN has no float16 convolution there)
    np.testing.assert_allclose(np.asarray(model(x)), _mixed_by_numpy(mixed, x), rtol=1e-4, atol=1e-5)
    assert own_model.check(model, "relu") == (8, (28, 28, 1))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_lambda_layer_is_refused_by_name_with_a_rebuild_and_never_run(tmp_path, suffix):
    marker = tmp_path / "the lambda ran"
    bad_inputs.with_lambda(tmp_path / f"lambda{suffix}", marker=marker)
    marker.unlink()  # saving ran it (Keras builds the model by calling it)
    with pytest.raises(selection.SubjectError) as err:
        own_model.load(tmp_path / f"lambda{suffix}")
    said = str(err.value)
    assert f"lambda{suffix}: layer Lambda 'scale' runs a Python function saved with the model" in said
    assert "Rebuild the model with Keras' built-in layers in its place (e.g. Rescaling(1 / 255)" in said
    assert "safe_mode=False" not in said and "enable_unsafe_deserialization" not in said
    assert not marker.exists()


def test_a_file_keras_cannot_load_is_named_without_advice_to_load_unsafely(saved, tmp_path):
    bad_inputs.rezipped(saved["seq"][1], tmp_path / "no_weights.keras", drop=("model.weights.h5",))
    expected = r"no_weights.keras: Keras cannot load it \(ValueError: Expected a"
    with pytest.raises(selection.SubjectError, match=expected):
        own_model.load(tmp_path / "no_weights.keras")


def test_each_model_and_layer_gets_its_own_folder_inside_results(tmp_path):
    folder = own_model.folder("models/net.keras", "conv_a", workdir=tmp_path)
    stem, layer = folder.split("/")
    assert layer == "conv_a" and stem.startswith("net-") and len(stem) == len("net-") + 8
    same = ["./models/net.keras", "models//net.keras", tmp_path / "models/net.keras", "x/../models/net.keras"]
    assert {own_model.folder(p, "conv_a", workdir=tmp_path) for p in same} == {folder}
    others = [own_model.folder(p, "conv_a", workdir=tmp_path) for p in ("net.keras", "old/net.keras", "/net.keras")]
    assert len({folder, *others}) == 4  # same stem elsewhere: another folder
    assert own_model.folder("models/net.keras", "conv_b", workdir=tmp_path) == f"{stem}/conv_b"
    assert stem not in selection.RESERVED
    # a copied working directory keeps its folders: the path counts relative to it
    assert own_model.folder(tmp_path / "copy/models/net.keras", "conv_a", workdir=tmp_path / "copy") == folder


@pytest.mark.parametrize(
    ("layer", "why"),
    [
        ("..", "is a step in a path"),
        (".", "is a step in a path"),
        ("conv{map}", "holds '{' or '}', which Snakemake reads as a wildcard"),
        (".hidden", "starts with '.'"),
        ("a/b", "holds a path separator"),
        ("block 1", "holds ' '"),
        ("", "is empty"),
        ("c" * 101, "is longer than 100 characters"),
    ],
)
def test_a_layer_name_unsafe_as_a_folder_is_refused_with_how_to_rename_it(layer, why):
    with pytest.raises(selection.SubjectError) as err:
        own_model.folder("net.keras", layer)
    assert str(err.value).startswith(f"model.layer: {layer!r} cannot name a results folder: it {why}")
    assert "save the model again, e.g. model.get_layer(" in str(err.value)
