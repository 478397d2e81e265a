"""Invalid configs and an unknown KERAS_BACKEND fail a real run before any job, naming the key, variable or file."""

import pytest

from helpers import snakemake, workflow_copy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A workflow without results; an image that is none, for dream.image."""
    work = workflow_copy(tmp_path_factory.mktemp("fresh"))
    (work / "notes.png").write_text("a text file, whatever its name says\n")
    return work


def _fails_before_any_job(work, *args):
    proc = snakemake(work, "--cores", "1", *args, "--configfile", "config/tiny.yaml", check=False)
    assert proc.returncode != 0
    assert "Select jobs to execute" not in proc.stdout + proc.stderr
    assert not (work / "logs").exists() and not (work / "resources").exists()
    return proc.stderr


@pytest.mark.parametrize(
    ("value", "message", "key"),
    [
        ("maps=[46, -1]", "-1 is less than the minimum of 0", "On instance['maps'][1]"),
        ("oip={epochs: -5}", "-5 is less than the minimum of 1", "On instance['oip']['epochs']"),
        ("precursor={values: []}", "[] should be non-empty", "On instance['precursor']['values']"),
        ("clusters={k: [1, 8]}", "1 is less than the minimum of 2", "On instance['clusters']['k'][0]"),
    ],
    ids=["map -1", "negative epochs", "empty value list", "K < 2"],
)
def test_invalid_value_names_its_key(fresh, value, message, key):
    said = _fails_before_any_job(fresh, "--config", value)
    assert "Error validating config file" in said and message in said and key in said


def test_a_map_beyond_the_layer_names_the_layers_range(fresh):
    said = _fails_before_any_job(fresh, "--config", "maps=[46, 128]")
    assert "maps: [46, 128] names maps conv3 does not have (128 maps, 0 to 127)" in said


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("photos/rose.jpg", "dream.image: photos/rose.jpg: no such file"),
        ("notes.png", "dream.image: notes.png: not an image Pillow can read (cannot identify image file"),
    ],
    ids=["missing image", "not an image"],
)
def test_bad_dream_image_names_key_and_file(fresh, image, message):
    assert message in _fails_before_any_job(fresh, "--config", f"dream={{image: {image}}}")


def test_unknown_keras_backend_names_variable_and_value(fresh, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    said = _fails_before_any_job(fresh)
    assert "KERAS_BACKEND='torch' is not supported: set it to tensorflow or jax" in said


def test_halving_rungs_are_checked_against_test_epochs_before_any_job(fresh):
    said = _fails_before_any_job(fresh, "--config", "precursor={mode: halving, halving: {rungs: [1, 3, 9]}}")
    assert "precursor.halving.rungs [1, 3, 9] must increase and end at precursor.test_epochs=3" in said


def test_rescue_rungs_must_increase_and_stand_apart_from_precursors_epochs(fresh):
    said = _fails_before_any_job(fresh, "--config", "rescue={halving: {rungs: [3, 1]}}")
    assert "rescue.halving.rungs [3, 1] must increase" in said
