"""model.path read as data before Keras runs anything in it (issue 29): each broken or unsafe file is
refused naming the file, what is wrong and the fix; Keras' own safe mode holds behind that check."""

import bad_inputs
import pytest

from mnist_dreams.plumbing import store
from mnist_dreams.subject import model_file, models, selection

RESAVE = "save the model again where it was built: model.save('name.keras')"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    bad_inputs.named_layers(folder / "good.keras", ["conv_a"])
    return {**bad_inputs.model_files(folder / "bad", folder / "good.keras"), "good": folder / "good.keras"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.keras", "not a complete zip archive, which every .keras file is: truncated"),
        ("plain.keras", "not a complete zip archive"),
        ("no_config.keras", "a zip archive without config.json, so not a model saved by Keras 3"),
        ("bad_json.keras", "its config.json is not valid JSON (Expecting"),
        ("list_config.keras", "its saved config describes no Keras model"),
        ("text.h5", "not an HDF5 file, which every Keras .h5 model is"),
        ("truncated.h5", "a damaged HDF5 file (Unable to synchronously open file (truncated file"),
        ("weights.weights.h5", "an HDF5 file without model_config: weights only (save_weights)"),
        ("lambda.keras", "layer Lambda 'scale' runs a Python function saved with the model"),
        ("lambda.h5", "layer Lambda 'scale' runs a Python function saved with the model"),
        ("custom.keras", "layer 'doubled' (user>Doubled) is of a custom class"),
        ("net.pt", "Keras 3 reads .keras and .h5 files, not .pt"),
        ("folder", "is a folder; give a .keras or .h5 file"),
        ("saved", "is a TensorFlow SavedModel folder"),
    ],
)
def test_a_broken_or_unsafe_file_is_named_with_what_is_wrong_and_the_fix(files, name, message):
    path = files[name]
    with pytest.raises(selection.SubjectError) as err:
        model_file.check(path)
    said = str(err.value)
    assert said.startswith(f"model.path: {path}") and message in said
    assert "safe_mode=False" not in said


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("..keras", "its stem '.' cannot name a results folder: it is a step in a path"),
        ("my model.keras", "its stem 'my model' cannot name a results folder: it holds ' '"),
        ("net{map}.keras", "'{' and '}' are Snakemake's wildcard brackets; rename the file"),
    ],
)
def test_a_file_name_unsafe_as_a_results_folder_is_refused_with_a_name_that_works(files, name, message):
    with pytest.raises(selection.SubjectError, match=message.replace("{", r"\{").replace("}", r"\}")):
        model_file.check(files[name])


def test_the_rename_suggested_is_itself_accepted(files):
    with pytest.raises(selection.SubjectError, match=r"rename the file, e.g. to my_model.keras"):
        model_file.check(files["my model.keras"])
    assert selection.tidy("my model") == "my_model" and selection.tidy("..") == "layer_1"


def test_a_good_file_gives_its_saved_config(files):
    config = model_file.check(files["good"])
    assert config["class_name"] == "Functional"


@pytest.mark.parametrize("weights_only", [False, True])
def test_keras_safe_mode_refuses_a_lambda_even_where_nothing_checks_the_file_first(tmp_path, weights_only):
    """models.load_model (the workflow's own CNN) loads without model_file's check: safe mode alone."""
    marker = tmp_path / "the lambda ran"
    bad_inputs.with_lambda(tmp_path / "lambda.keras", marker=marker)
    marker.unlink()
    with pytest.raises(store.StoreError) as err:
        models.load_model(tmp_path / "lambda.keras", compile=not weights_only)
    assert "Lambda" in str(err.value) and "safe_mode=False" not in str(err.value)
    assert not marker.exists()
