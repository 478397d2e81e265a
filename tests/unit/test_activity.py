"""model.data: the test images of the layer summary, read at the model's input size in 0–255 pixels."""

import numpy as np
import pytest
from PIL import Image

from mnist_dreams.subject import activity, photo, selection


def test_an_npz_of_gray_images_is_read_as_pixels_with_a_channel_axis(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", images=images, labels=np.arange(5))
    got = activity.load(tmp_path / "d.npz", (28, 28, 1))
    assert got.shape == (5, 28, 28, 1) and got.dtype == np.float32
    np.testing.assert_array_equal(got[..., 0], images)
    rgb = activity.load(tmp_path / "d.npz", (28, 28, 3))  # gray on all channels for an RGB model
    np.testing.assert_array_equal(rgb, np.repeat(images[..., None], 3, axis=-1).astype(np.float32))


def test_a_folder_of_images_is_read_like_the_photo_and_sorted(tmp_path):
    rng = np.random.default_rng(1)
    for name in ("b.png", "a.jpg", "notes.txt"):
        if name.endswith(".txt"):
            (tmp_path / name).write_text("not an image")
        else:
            Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(tmp_path / name)
    assert [f.rsplit("/", 1)[1] for f in activity.files(tmp_path)] == ["a.jpg", "b.png"]
    got = activity.load(tmp_path, (32, 32, 3))
    assert got.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(activity.load(activity.files(tmp_path), (32, 32, 3)), got)  # as the rule passes them
    np.testing.assert_array_equal(got[1], photo.load_image(str(tmp_path / "b.png"), 32, (32, 32, 3)))


@pytest.mark.parametrize(
    ("arrays", "shape", "message"),
    [
        ({"images": np.zeros((3, 30, 30), np.uint8)}, (28, 28, 1), r"images of shape \(30, 30, 1\), the model takes"),
        ({"x": np.zeros((3, 28, 28)), "y": np.zeros(3)}, (28, 28, 1), "name the images array 'images'"),
        ({"images": np.full((3, 28, 28), 0.5, np.float32)}, (28, 28, 1), "look scaled already; give 0–255"),
        ({"images": np.zeros((3, 28, 28, 3), np.uint8)}, (28, 28, 1), r"images of shape \(28, 28, 3\)"),
    ],
)
def test_unusable_arrays_are_named_with_the_fix(tmp_path, arrays, shape, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(selection.SubjectError, match=message):
        activity.load(tmp_path / "bad.npz", shape)
