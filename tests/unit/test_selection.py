import pytest

from mnist_dreams.subject import cnn, selection


def test_the_static_layer_table_is_the_built_cnn():
    model = cnn.build()
    assert {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers} == cnn.LAYERS
    assert {layer.name: type(layer).__name__ for layer in model.layers} == cnn.KINDS


def test_a_layer_with_maps_gives_its_channel_count():
    assert [selection.channels(cnn.LAYERS, name) for name in ("conv1", "pool1", "conv2", "conv3")] == [32, 32, 64, 128]


def test_an_unknown_layer_names_the_layers_that_would_work():
    with pytest.raises(selection.SubjectError) as err:
        selection.channels(cnn.LAYERS, "conv4")
    assert str(err.value) == (
        "model.layer: the seed's CNN has no layer 'conv4'; layers with maps: conv1, pool1, conv2, pool2, conv3"
    )


def test_a_layer_without_maps_says_why_and_what_would_work():
    with pytest.raises(selection.SubjectError, match=r"'dense1' of the seed's CNN outputs shape \(70,\), not maps"):
        selection.channels(cnn.LAYERS, "dense1")


def test_results_of_another_layer_go_to_its_own_folder():
    assert selection.place("results/oip/map_046.h5", selection.folder("conv3")) == "results/oip/map_046.h5"
    assert selection.place("logs/oip/map_{map}.log", selection.folder("conv1")) == "logs/conv1/oip/map_{map}.log"
    with pytest.raises(selection.SubjectError, match="map 032: conv1 has 32 maps, so map must be 000 to 031"):
        selection.check_map("032", 32, "conv1")


def test_maps_auto_is_the_showcase_for_the_seeds_conv3_and_every_map_elsewhere():
    assert selection.maps("auto", "conv3", 128, own_model=False) == [46, 56, 81, 116, 125]
    assert selection.maps("auto", "conv1", 32, own_model=False) == list(range(32))
    assert selection.maps("auto", "conv3", 16, own_model=True) == list(range(16))  # a user's layer named conv3
    assert selection.maps("all", "conv3", 128, own_model=False) == list(range(128))
    assert selection.maps([3, 1], "conv2", 64, own_model=False) == [3, 1]
    with pytest.raises(selection.SubjectError, match=r"maps: \[3, 32\] names maps conv1 does not have \(32 maps"):
        selection.maps([3, 32], "conv1", 32, own_model=False)


@pytest.mark.parametrize("name", ["conv1", "block2_relu", "conv2d_1", "re_lu.3", "Mixed-7a", "x" * 100])
def test_a_safe_name_passes_unchanged(name):
    assert selection.safe_name(name, "model.layer:", "rename it") == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "is empty"),
        ("..", "is a step in a path"),
        (".", "is a step in a path"),
        (".cache", "starts with '.'"),
        ("a/b", "holds a path separator"),
        ("a\\b", "holds a path separator"),
        ("conv{map}", "holds '{' or '}'"),
        ("a\0b", r"holds '\x00'"),
        ("conv2+conv3", "holds '+'"),
        ("-rf", "holds '-'"),
        ("bloc é", "holds ' é'"),
        ("x" * 101, "is longer than 100 characters"),
    ],
)
def test_an_unsafe_name_is_refused_saying_why_and_the_fix(name, why):
    with pytest.raises(selection.SubjectError) as err:
        selection.safe_name(name, "model.layer:", "rename it")
    assert str(err.value).startswith(f"model.layer: {name!r} cannot name a results folder: it {why}")
    assert str(err.value).endswith("; rename it")
    assert selection.safe_name(selection.tidy(name), "", "") == selection.tidy(name)  # the suggestion works


def test_a_folder_part_that_would_leave_its_folder_never_becomes_a_path():
    assert selection.place("results/oip/x.h5", "net-0123abcd/conv_a") == "results/net-0123abcd/conv_a/oip/x.h5"
    for part in ("../oip", "net/..", "net/.", "net//conv_a"):
        with pytest.raises(selection.SubjectError, match="results folder part"):
            selection.place("results/oip/x.h5", part)


def test_only_the_seeds_layers_get_a_folder_of_their_own_name():
    assert selection.folder("conv1") == "conv1" and selection.folder("conv3") == ""
    assert set(cnn.LAYERS) <= selection.RESERVED and {"oip", "cnn", "dreams", "precursor"} <= selection.RESERVED
    with pytest.raises(selection.SubjectError, match="the seed's CNN has no layer 'oip'"):
        selection.folder("oip")


def test_deepdream_layers_must_have_maps_and_names_fit_for_its_file_name():
    selection.check_deepdream({"conv2": 0.5, "conv3": 1.0}, cnn.LAYERS, "the seed's CNN")
    layers = {"a+b": (3, 3, 4), "long_" + "x" * 95: (3, 3, 4), "long_" + "y" * 95: (3, 3, 4), "c": (3, 3, 4)}
    with pytest.raises(selection.SubjectError, match=r"deepdream.layers: 'a\+b' cannot name a results folder"):
        selection.check_deepdream({"a+b": 1.0}, layers, "your model")
    with pytest.raises(selection.SubjectError, match="too long for DeepDream's file name; give fewer layers"):
        selection.check_deepdream({name: 1.0 for name in layers if name.startswith("long")} | {"c": 1}, layers, "m")


def test_a_run_resolves_once_into_a_frozen_value_and_leaves_the_config_as_written():
    """What the Snakefile reads while it parses (ascent.run): the subject, the maps, the ascent's
    resolved style; the config is not changed in place (maps: auto stays auto)."""
    import copy
    from dataclasses import FrozenInstanceError

    from snakemake.utils import validate
    from test_config import SCHEMA, _preset

    from mnist_dreams.ascent import run

    config = _preset()
    validate(config, SCHEMA)  # fills the schema's defaults, as the Snakefile does
    written = copy.deepcopy(config)
    seed = run.resolve(config)
    assert config == written and config["maps"] == "auto"
    assert (seed.layer, seed.n_maps, seed.input_shape, seed.subject) == ("conv3", 128, (28, 28, 1), "")
    assert seed.scaling == "seed" and seed.own_model is None
    assert seed.maps == tuple(selection.maps("auto", "conv3", 128, False)) and seed.ascent.style == "seed"
    with pytest.raises(FrozenInstanceError):
        seed.layer = "conv1"
    conv1 = run.resolve({**config, "model": {**config["model"], "layer": "conv1"}, "maps": "all"})
    assert (conv1.n_maps, conv1.subject, conv1.maps) == (32, "conv1", tuple(range(32)))
    with pytest.raises(selection.SubjectError, match="oip.rotate = 60"):
        run.resolve({**config, "oip": {**config["oip"], "rotate": 60}})
