"""Bad model files, data files and model settings (issue 29) fail a real run before any job, each
with its own message naming the file or key and the fix, and leave every byte under results/ as it was.

The malformed files are built once (tiny Keras models, then damaged copies); the cases that fail
before the model is loaded skip Keras' import, so most runs take about 2 s, those past it about 7 s.
"""

import hashlib

import bad_inputs
import own_models
import pytest

from helpers import snakemake, workflow_copy
from mnist_dreams.subject import own_model

pytestmark = pytest.mark.e2e

NET = "models/net.keras"  # 28×28 gray, rescales itself; conv layers named as below
NET_LAYERS = ["conv_a", "conv{map}", "..", "block 1"]


def _snapshot(folder):
    """Every folder and every file's SHA-256 under ``folder``."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A workflow copy with the bad files, and results/ seeded where a stray path would land."""
    work = workflow_copy(tmp_path_factory.mktemp("inputs"))
    (work / "models").mkdir()
    bad_inputs.named_layers(work / NET, NET_LAYERS)
    own_models.rgb_functional(work / "models/rgb.keras")
    bad_inputs.model_files(work / "bad", work / NET)
    bad_inputs.data_files(work / "data")
    seeded = {
        "results/oip/map_046.h5": b"the seed's conv3",
        "results/conv1/oip/summary.tsv": b"map\tfound\n",
        "results/cnn/model.keras": b"the seed's CNN",
        f"results/{own_model.folder(NET, 'conv_a', workdir=work)}/oip/map_000.h5": b"an earlier own-model run",
        "results/summary.tsv": b"claim\tvalue\n",
    }
    for path, content in seeded.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(content)
    return work, _snapshot(work / "results")


def _fails_before_any_job(work, *config):
    work, before = work
    proc = snakemake(work, "--cores", "1", "--configfile", "config/tiny.yaml", "--config", *config, check=False)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Select jobs to execute" not in said and "Building DAG of jobs" not in said
    assert not (work / "logs").exists() and not (work / "resources").exists()
    assert _snapshot(work / "results") == before  # not a byte changed, nothing added
    return said


def own(path, layer="conv_a", **extra):
    settings = {"path": path, "layer": layer, "input": "unit", **extra}
    return "model={" + ", ".join(f"{k}: {v}" for k, v in settings.items()) + "}"


def seed_data(path):
    return f"model={{layer: conv1, data: {path}}}"  # the seed's conv1: no Keras at parse time


MODEL_FILES = {
    "missing": ("bad/none.keras", "model.path: bad/none.keras: no such file"),
    "a folder": ("bad/a_folder.keras", "model.path: bad/a_folder.keras is a folder; give a .keras or .h5 file"),
    "SavedModel": ("bad/saved", "model.path: bad/saved is a TensorFlow SavedModel folder; Keras 3 loads it only"),
    "PyTorch": ("bad/net.pt", "model.path: bad/net.pt: Keras 3 reads .keras and .h5 files, not .pt"),
    "truncated .keras": ("bad/truncated.keras", "bad/truncated.keras: not a complete zip archive, which every"),
    "text as .keras": ("bad/plain.keras", "model.path: bad/plain.keras: not a complete zip archive"),
    "zip without config": ("bad/no_config.keras", "bad/no_config.keras: a zip archive without config.json"),
    "config not JSON": ("bad/bad_json.keras", "bad/bad_json.keras: its config.json is not valid JSON (Expecting"),
    "config no model": ("bad/list_config.keras", "bad/list_config.keras: its saved config describes no Keras model"),
    "weights missing": ("bad/no_weights.keras", "bad/no_weights.keras: Keras cannot load it (ValueError: Expected"),
    "text as .h5": ("bad/text.h5", "model.path: bad/text.h5: not an HDF5 file, which every Keras .h5 model is"),
    "truncated .h5": ("bad/truncated.h5", "bad/truncated.h5: a damaged HDF5 file (Unable to synchronously open"),
    "weights-only .h5": ("bad/weights.weights.h5", "bad/weights.weights.h5: an HDF5 file without model_config"),
    "Lambda .keras": ("bad/lambda.keras", "bad/lambda.keras: layer Lambda 'scale' runs a Python function saved"),
    "Lambda .h5": ("bad/lambda.h5", "bad/lambda.h5: layer Lambda 'scale' runs a Python function saved with"),
    "custom class": ("bad/custom.keras", "bad/custom.keras: layer 'doubled' (user>Doubled) is of a custom class"),
    "stem '.'": ("bad/..keras", "bad/..keras: its stem '.' cannot name a results folder: it is a step in a path"),
    "stem with space": ("bad/my model.keras", "its stem 'my model' cannot name a results folder: it holds ' '"),
    "stem with braces": ('"bad/net{map}.keras"', "bad/net{map}.keras: '{' and '}' are Snakemake's wildcard"),
}


@pytest.mark.parametrize(("path", "message"), list(MODEL_FILES.values()), ids=list(MODEL_FILES))
def test_a_bad_model_file_fails_before_any_job_naming_it(work, path, message):
    said = _fails_before_any_job(work, own(path))
    assert message in said and "safe_mode=False" not in said


LAYERS = {
    "layer '..'": (["..", "'..' cannot name a results folder: it is a step in a path"]),
    "layer conv{map}": (['"conv{map}"', "'conv{map}' cannot name a results folder: it holds '{' or '}'"]),
    "layer with space": (["block 1", "'block 1' cannot name a results folder: it holds ' '"]),
}


@pytest.mark.parametrize(("layer", "message"), list(LAYERS.values()), ids=list(LAYERS))
def test_a_layer_name_unsafe_as_a_folder_fails_before_any_job_with_how_to_rename_it(work, layer, message):
    said = _fails_before_any_job(work, own(NET, layer), "maps=[0, 1]")
    assert f"model.layer: {message}" in said and "rename the layer and save the model again" in said


def test_a_deepdream_layer_unsafe_as_a_file_name_fails_before_any_job(work):
    said = _fails_before_any_job(work, own(NET), "maps=[0, 1]", 'deepdream={layers: {"conv{map}": 1.0}}')
    assert "deepdream.layers: 'conv{map}' cannot name a results folder: it holds '{' or '}'" in said


DATA = {
    "missing": ("data/none.npz", "model.data: data/none.npz: no such file or folder"),
    "a CSV": ("data/table.csv", "model.data: data/table.csv: give a .npz of 0–255 pixels"),
    "empty folder": ("data/empty", "model.data: data/empty: a folder without image files"),
    "damaged image": ("data/photos", "model.data: data/photos/b.png: not an image Pillow can read (image file is"),
    "image with braces": ("data/braces", "model.data: data/braces/x{map}.png: '{' and '}' are Snakemake's"),
    "object array": ("data/objects.npz", "data/objects.npz: 'images' is an object array (pickled Python objects)"),
    "truncated .npz": ("data/truncated.npz", "data/truncated.npz: not a complete .npz (a zip archive): truncated"),
    ".npy as .npz": ("data/array.npz", "data/array.npz: not a complete .npz (a zip archive): one array saved by"),
    "no images key": ("data/two_arrays.npz", "data/two_arrays.npz holds ['x', 'y']; name the images array 'images'"),
    "bool": ("data/bools.npz", "model.data: data/bools.npz: 'images' holds bool values, not pixels; save plain"),
    "complex": ("data/complex.npz", "model.data: data/complex.npz: 'images' holds complex64 values, not pixels"),
    "strings": ("data/strings.npz", "model.data: data/strings.npz: 'images' holds <U1 values, not pixels"),
    "wrong size": ("data/30px.npz", "data/30px.npz: images of shape (30, 30, 1), the model takes (28, 28, 1)"),
    "no images": ("data/empty.npz", "model.data: data/empty.npz: holds no images (0 of shape (28, 28, 1))"),
    "scaled to [0, 1]": ("data/unit.npz", "data/unit.npz: float pixels of at most 1.0 look scaled already"),
    "16-bit values": ("data/16bit.npz", "data/16bit.npz: values from 0 to 1020, not 0–255 pixels"),
    "NaN": ("data/nan.npz", "model.data: data/nan.npz: holds NaN or infinite values"),
}


@pytest.mark.parametrize(("path", "message"), list(DATA.values()), ids=list(DATA))
def test_bad_test_data_fails_before_any_job_naming_the_file(work, path, message):
    assert message in _fails_before_any_job(work, seed_data(path))


SETTINGS = {
    "data for another model's input": (
        [own("models/rgb.keras", "block2_relu", input="raw", data="data/good.npz")],
        "model.data: data/good.npz: images of shape (28, 28, 1), the model takes (32, 32, 3): resize them",
    ),
    "data for the seed's conv3": (
        ["model={data: data/good.npz}"],
        "model.data: the seed CNN's conv3 is measured on MNIST's test set",
    ),
    "unknown input": ([own(NET, input="scaled")], "'scaled' is not one of ['auto', 'seed', 'unit'"),
    "std of 0": ([own(NET, input="mean_std", std="[0]")], "On instance['model']['std'][0]"),
    "misspelt key": ([own(NET, layr="conv_a")], "Additional properties are not allowed ('layr' was unexpected)"),
    "mean of 2 for 3 channels": (
        [own("models/rgb.keras", "block2_relu", input="mean_std", mean="[1, 2]", std="[1]")],
        "model.mean [1.0, 2.0] / model.std [1.0]: give 1 or 3 values",
    ),
    "seed scaling for a file": ([own(NET, input="seed")], "model.input: 'seed' is the seed CNN's own standardization"),
    "scaling without a file": (["model={layer: conv1, input: unit}"], "model.input: unit applies to a model.path"),
    "a workflow folder as a layer": (["model={layer: oip}"], "model.layer: the seed's CNN has no layer 'oip'"),
}


@pytest.mark.parametrize(("config", "message"), list(SETTINGS.values()), ids=list(SETTINGS))
def test_a_bad_model_setting_fails_before_any_job_naming_the_key(work, config, message):
    assert message in _fails_before_any_job(work, *config)


def test_good_inputs_pass_and_plan_their_results_in_their_own_folder(work):
    """The control: the same workdir's good model and data plan jobs, under results/net-<8 hex>/conv_a/."""
    folder = own_model.folder(NET, "conv_a", workdir=work[0])
    proc = snakemake(work[0], "-n", "--configfile", "config/tiny.yaml", "--config", own(NET, data="data/good.npz"),
                     "maps=[0, 1]")  # fmt: skip
    assert f"results/{folder}/oip/summary.tsv" in proc.stdout and folder.startswith("net-")
    assert _snapshot(work[0] / "results") == work[1]
