"""Dataset examples: each map's most and least exciting test images, checked against NumPy's conv3."""

import numpy as np
import pytest

from helpers import conv3_by_numpy
from mnist_dreams.subject import examples, photo


def test_extremes_sort_by_activation_with_ties_in_image_order():
    per_image = np.array([[0.0, 5.0], [2.0, 0.0], [0.0, 5.0], [1.0, 0.0], [0.0, 1.0]])
    top, bottom = examples.extremes(per_image, k=3)
    assert top.tolist() == [[1, 3, 0], [0, 2, 4]]
    assert bottom.tolist() == [[0, 2, 4], [1, 3, 4]]
    top, _ = examples.extremes(per_image[:2], k=9)  # fewer images than k: all of them
    assert top.shape == (2, 2)


def test_sheet_of_the_small_cnn_matches_numpy(small_cnn, mnist):
    a = small_cnn["attrs"]
    pixels = np.asarray(mnist["x_test"][:300], np.float32)[..., None]
    x = photo.to_input(pixels, a["pixel_mean"], a["pixel_std"])
    peak, mean, per_image = examples.activations(small_cnn["model"], x, batch_size=128)
    act = conv3_by_numpy(small_cnn["model"], x)  # (n, 3, 3, 128), NumPy from the saved weights
    np.testing.assert_allclose(peak, act.max(axis=(0, 1, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean, act.mean(axis=(0, 1, 2)), rtol=1e-4, atol=1e-5)
    labels = np.asarray(mnist["y_test"][:300])
    sheet = examples.sheet(pixels, per_image, labels)
    by_image = act.mean(axis=(1, 2))
    m = int(np.argmax(by_image.max(axis=0)))  # the map some image excites most
    best = np.sort(by_image[:, m])[::-1][: examples.TOP]
    np.testing.assert_allclose(sheet["top_activation"][m], best, rtol=1e-4, atol=1e-5)
    i = sheet["top_index"][m]
    assert sheet["top_images"].shape == (128, examples.TOP, 28, 28, 1) and sheet["top_images"].dtype == np.uint8
    np.testing.assert_array_equal(sheet["top_images"][m], pixels[i].astype(np.uint8))
    np.testing.assert_array_equal(sheet["top_label"][m], labels[i])
    assert (sheet["bottom_activation"][m] <= sheet["top_activation"][m].min() + 1e-6).all()
    np.testing.assert_allclose(sheet["bottom_activation"][:, 0], by_image.min(axis=0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("shape", "expected"), [((2, 28, 28, 1), (28, 28, 1)), ((2, 224, 160, 3), (64, 46, 3))])
def test_thumbnails_keep_small_images_and_shrink_large_ones_to_fit(shape, expected):
    images = np.random.default_rng(0).uniform(0, 255, shape).astype(np.float32)
    thumbs = examples.thumbnails(images)
    assert thumbs.shape == (2, *expected) and thumbs.dtype == np.uint8
    if expected[:2] == shape[1:3]:
        np.testing.assert_array_equal(thumbs, np.rint(images).astype(np.uint8))
    else:  # a shrunk image keeps its mean brightness
        assert abs(thumbs.mean() - images.mean()) < 3


def test_unknown_labels_are_minus_one():
    per_image = np.random.default_rng(1).uniform(size=(20, 4))
    sheet = examples.sheet(np.zeros((20, 8, 8, 1)), per_image, labels=None, k=3)
    assert (sheet["top_label"] == -1).all() and sheet["bottom_label"].shape == (4, 3)
