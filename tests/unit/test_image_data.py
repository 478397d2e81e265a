"""model.data checked at parse time (issue 29): a .npz's keys, dtype and shape from its headers, its
pixels' range, a folder's every image; each refusal names the file and the fix."""

import bad_inputs
import numpy as np
import pytest

from mnist_dreams.subject import activity, image_data, selection

SAVE = "save plain numeric 0–255 pixels, e.g. np.savez('data.npz', images=np.asarray(images, np.uint8))"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return bad_inputs.data_files(tmp_path_factory.mktemp("data"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "objects.npz",
            f"'images' is an object array (pickled Python objects), which is refused: unpickling can run code; {SAVE}",
        ),
        ("two_arrays.npz", "holds ['x', 'y']; name the images array 'images' (or keep one array)"),
        ("bools.npz", f"'images' holds bool values, not pixels; {SAVE}"),
        ("complex.npz", "'images' holds complex64 values, not pixels"),
        ("strings.npz", "'images' holds <U1 values, not pixels"),
        ("30px.npz", "images of shape (30, 30, 1), the model takes (28, 28, 1): resize them"),
        ("rgb.npz", "images of shape (28, 28, 3), the model takes (28, 28, 1)"),
        ("empty.npz", "holds no images (0 of shape (28, 28, 1))"),
        ("unit.npz", "float pixels of at most 1.0 look scaled already; give 0–255 pixels"),
        ("16bit.npz", f"values from 0 to 1020, not 0–255 pixels; {SAVE}"),
        ("nan.npz", "holds NaN or infinite values"),
        ("truncated.npz", f"not a complete .npz (a zip archive): truncated, or not saved by np.savez; {SAVE}"),
        ("array.npz", "not a complete .npz (a zip archive): one array saved by np.save"),
        ("table.csv", "give a .npz of 0–255 pixels (N, height, width[, channels]) or a folder of images"),
        ("empty", "a folder without image files (.png, .jpg"),
    ],  # fmt: skip
)
def test_data_that_cannot_give_test_images_is_named_with_the_fix(files, name, message):
    with pytest.raises(selection.SubjectError) as err:
        image_data.check(files[name], (28, 28, 1))
    assert str(err.value).startswith(f"model.data: {files[name]}") and message in str(err.value)


def test_a_damaged_image_in_a_folder_is_named_itself(files):
    with pytest.raises(selection.SubjectError) as err:
        image_data.check(files["photos"], (28, 28, 1))
    assert str(err.value) == (
        f"model.data: {files['photos'] / 'b.png'}: not an image Pillow can read (image file is truncated); "
        f"replace it, or move it out of {files['photos']}"
    )


def test_a_file_name_with_wildcard_brackets_is_refused(files):
    with pytest.raises(selection.SubjectError, match=r"x\{map\}.png: '\{' and '\}' are Snakemake's wildcard brackets"):
        image_data.check(files["braces"], (28, 28, 1))


def test_good_data_passes_for_gray_and_for_rgb_models(files, tmp_path):
    image_data.check(files["good.npz"], (28, 28, 1))
    image_data.check(files["good.npz"], (28, 28, 3))  # gray on all channels, as activity.load does
    np.savez(tmp_path / "floats.npz", images=np.linspace(0, 255, 4 * 28 * 28).reshape(4, 28, 28))
    image_data.check(tmp_path / "floats.npz", (28, 28, 1))
    rgb = np.random.default_rng(1).integers(0, 256, (3, 32, 48, 3), dtype=np.uint8)
    np.savez_compressed(tmp_path / "compressed.npz", x_test=rgb, labels=np.arange(3))  # headers read through deflate
    image_data.check(tmp_path / "compressed.npz", (32, 48, 3))


def test_the_job_never_unpickles_an_object_array_either(files):
    with pytest.raises(ValueError, match="Object arrays cannot be loaded when allow_pickle=False"):
        activity.load(files["objects.npz"], (28, 28, 1))


def test_a_missing_path_fails_the_check(tmp_path):
    with pytest.raises(selection.SubjectError, match="no such file or folder"):
        image_data.check(tmp_path / "none.npz", (28, 28, 1))
