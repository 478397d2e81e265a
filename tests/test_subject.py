import pytest

from mnist_dreams import cnn, subject


def test_the_static_layer_table_is_the_built_cnn():
    model = cnn.build()
    assert {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers} == cnn.LAYERS


def test_a_layer_with_maps_gives_its_channel_count():
    assert [subject.channels(cnn.LAYERS, name) for name in ("conv1", "pool1", "conv2", "conv3")] == [32, 32, 64, 128]


def test_an_unknown_layer_names_the_layers_that_would_work():
    with pytest.raises(subject.SubjectError) as err:
        subject.channels(cnn.LAYERS, "conv4")
    assert str(err.value) == (
        "model.layer: the seed's CNN has no layer 'conv4'; layers with maps: conv1, pool1, conv2, pool2, conv3"
    )


def test_a_layer_without_maps_says_why_and_what_would_work():
    with pytest.raises(subject.SubjectError, match=r"'dense1' of the seed's CNN outputs shape \(70,\), not maps"):
        subject.channels(cnn.LAYERS, "dense1")


def test_results_of_another_layer_go_to_its_own_folder():
    assert subject.place("results/oip/map_046.h5", subject.folder("conv3")) == "results/oip/map_046.h5"
    assert subject.place("logs/oip/map_{map}.log", subject.folder("conv1")) == "logs/conv1/oip/map_{map}.log"
    with pytest.raises(subject.SubjectError, match="map 032: conv1 has 32 maps, so map must be 000 to 031"):
        subject.check_map("032", 32, "conv1")


def test_maps_auto_is_the_showcase_for_the_seeds_conv3_and_every_map_elsewhere():
    assert subject.maps("auto", "conv3", 128, own_model=False) == [46, 56, 81, 116, 125]
    assert subject.maps("auto", "conv1", 32, own_model=False) == list(range(32))
    assert subject.maps("auto", "conv3", 16, own_model=True) == list(range(16))  # a user's layer named conv3
    assert subject.maps("all", "conv3", 128, own_model=False) == list(range(128))
    assert subject.maps([3, 1], "conv2", 64, own_model=False) == [3, 1]
    with pytest.raises(subject.SubjectError, match=r"maps: \[3, 32\] names maps conv1 does not have \(32 maps"):
        subject.maps([3, 32], "conv1", 32, own_model=False)
