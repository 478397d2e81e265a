import numpy as np
import pytest

from mnist_dreams.subject import cnn, photo


def test_architecture_is_the_seeds():
    model = cnn.build()
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes == {
        "conv1": (26, 26, 32),
        "pool1": (13, 13, 32),
        "conv2": (11, 11, 64),
        "pool2": (5, 5, 64),
        "conv3": (3, 3, 128),
        "flatten": (1152,),
        "dense1": (70,),
        "output": (10,),
    }
    assert [model.get_layer(n).kernel.shape[:2] for n in ("conv1", "conv2", "conv3")] == [(3, 3)] * 3
    assert model.get_layer(cnn.CONV3).activation.__name__ == "relu"
    assert model.count_params() == 320 + 18496 + 73856 + 80710 + 710


def test_cnn_input_is_standardized_with_training_statistics(mnist):
    mean, std = cnn.standardization(mnist["x_train"])
    x = photo.to_input(np.asarray(mnist["x_train"][:1000], np.float32)[..., None], mean, std)
    assert x.shape == (1000, 28, 28, 1) and x.dtype == np.float32
    full = photo.to_input(np.asarray(mnist["x_train"], np.float32)[..., None], mean, std)
    assert abs(float(full.mean())) < 1e-4 and float(full.std()) == pytest.approx(1.0, abs=1e-4)


def test_one_epoch_on_real_data_learns_and_records_history(small_cnn):
    h = small_cnn["history"]
    assert set(h) == {"train_loss", "train_accuracy", "test_loss", "test_accuracy", "wall_time"}
    assert h["test_accuracy"][-1] > 0.6  # chance is 0.1
    assert small_cnn["attrs"]["n_train"] == 3000 and small_cnn["attrs"]["n_test"] == 10000


def test_training_is_deterministic_on_cpu(mnist):
    few = {**mnist, "x_test": mnist["x_test"][:1000], "y_test": mnist["y_test"][:1000]}  # seconds, not 10000 tests
    runs = [
        cnn.train(
            few,
            epochs=1,
            batch_size=100,
            learning_rate=0.05,
            lr_decay=0.7,
            momentum=0.9,
            l2=1e-4,
            train_subset=600,
            seed=11,
        )
        for _ in range(2)
    ]
    for a, b in zip(runs[0][0].get_weights(), runs[1][0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1]["test_loss"][0] == runs[1][1]["test_loss"][0]
