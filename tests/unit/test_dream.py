import numpy as np
import own_models
import pytest
from PIL import Image

from helpers import most_active_map
from mnist_dreams.ascent import dream, dream_file
from mnist_dreams.ascent.engine import driver
from mnist_dreams.plumbing import backend
from mnist_dreams.subject import photo


@pytest.fixture(scope="module")
def flower():
    return photo.load_image("flower", 112)


def test_flower_is_gray_square_and_resized(flower):
    assert flower.shape == (112, 112) and flower.dtype == np.float32
    assert 0 <= flower.min() < 60 and 200 < flower.max() <= 256


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "L"])
def test_image_modes_are_converted_to_gray(tmp_path, flower, mode):
    gray = np.clip(flower, 0, 255).astype(np.uint8)
    if mode == "RGBA":
        img = Image.fromarray(np.dstack([gray, gray, gray, np.full_like(gray, 255)]), "RGBA")
    elif mode == "P":
        img = Image.fromarray(gray).convert("P")
    elif mode == "I;16":
        img = Image.fromarray(gray.astype(np.uint16) * 257)
    else:
        img = Image.fromarray(gray)
    path = tmp_path / ("x.tiff" if mode == "I;16" else "x.png")
    img.save(path)
    loaded = photo.load_image(str(path), 112)
    assert loaded.shape == (112, 112)
    assert dream.pearson(loaded, flower) > 0.99


def test_rectangular_images_are_center_cropped(tmp_path):
    wide = np.zeros((40, 100), np.uint8)
    wide[:, 30:70] = 255  # the center square is white
    Image.fromarray(wide).save(tmp_path / "wide.png")
    assert photo.load_image(str(tmp_path / "wide.png"), 40).min() > 250


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not an image at all", "not an image Pillow can read"), (None, "no such file"), ("small", "smaller than 28 px")],
)
def test_bad_images_are_named_in_the_error(tmp_path, content, message):
    path = tmp_path / "bad.png"
    if content == "small":
        Image.fromarray(np.zeros((20, 30), np.uint8)).save(path)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(photo.DreamError, match=rf"dream.image .*bad.png.*{message}"):
        photo.load_image(str(path), 112)


def test_contrast_widens_the_value_distribution(flower):
    narrow = 100 + 0.2 * (flower - flower.mean())
    wide = photo.contrast(narrow)
    assert wide.min() == 0 and wide.max() == 255
    assert dream.pearson(wide, narrow) > 0.98


def _active_map(small_cnn, image):
    a = small_cnn["attrs"]
    x = ((photo.resize(image, 28) - a["pixel_mean"]) / a["pixel_std"])[None, :, :, None]
    return most_active_map(small_cnn["model"], x)


def test_carve_raises_the_map_and_keeps_the_photo(small_cnn, flower):
    a = small_cnn["attrs"]
    m = _active_map(small_cnn, flower)
    r = dream.carve(small_cnn["model"], [m], flower, 4, 60, 0.01, a["pixel_mean"], a["pixel_std"])[m]
    assert r["patterns"].shape == (4, 28, 28) and r["detailed"].shape == (4, 112, 112)
    before = backend.map_losses(small_cnn["model"], "conv3", r["starts"][0][None, :, :, None], m)[0]
    after = backend.map_losses(small_cnn["model"], "conv3", r["patterns"][-1][None, :, :, None], m)[0]
    assert after > before
    assert dream.pearson(r["detailed"][-1], flower) > 0.5
    assert r["final"].min() == 0 and r["final"].max() == 255


def test_a_dream_file_keeps_the_last_blurry_dream_and_gives_back_what_carve_made(small_cnn):
    """Issue 41: nothing photo-sized but the last blurry dream in a dream file; the photo (loaded
    again from its source), the detail re-added and the contrast come back bit for bit."""
    a = small_cnn["attrs"]
    params = {"image": "flower", "size": 112, "iterations": 2, "epochs": 20, "step_size": 0.01}
    params["contrast_percentile"] = 1.0
    image = photo.load_image("flower", 112)
    m = _active_map(small_cnn, image)
    full = dream.carve(small_cnn["model"], [m], image, 2, 20, 0.01, a["pixel_mean"], a["pixel_std"])[m]
    kept, _ = dream.carve_maps(small_cnn["model"], [m], image, params, a["pixel_mean"], a["pixel_std"])[m]
    assert set(kept) == {"starts", "patterns", "losses", "blurry"} and kept["blurry"].shape == image.shape
    assert all(v.size < image.size / 4 for k, v in kept.items() if k != "blurry")  # the model's view only
    done = dream_file.finished(kept, params)
    np.testing.assert_array_equal(done["original"], image)
    for key, value in (("blurry", full["blurry"][-1]), ("detailed", full["detailed"][-1]), ("final", full["final"])):
        np.testing.assert_array_equal(done[key], value, err_msg=key)


def test_several_maps_dream_in_one_batch_as_each_alone(small_cnn, flower):
    a = small_cnn["attrs"]
    maps = [46, 56, _active_map(small_cnn, flower)]
    together = dream.carve(small_cnn["model"], maps, flower, 2, 30, 0.01, a["pixel_mean"], a["pixel_std"])
    for m in maps:
        alone = dream.carve(small_cnn["model"], [m], flower, 2, 30, 0.01, a["pixel_mean"], a["pixel_std"])[m]
        for key, value in alone.items():
            np.testing.assert_array_equal(together[m][key], value, err_msg=f"map {m}: {key}")


class _NoShift:
    def integers(self, low, high, size):
        return np.zeros(size, int)


def test_tiles_assemble_into_the_image_gradient(small_cnn, flower):
    grad = driver.layer_gradient(small_cnn["model"], {"conv3": 1.0})
    x = ((photo.resize(flower, 56) - 100.0) / 80.0)[..., None]
    g, _ = dream.tiled_gradient(grad, x, _NoShift())
    top_left, _ = grad(x[None, :28, :28])
    np.testing.assert_allclose(g[:28, :28], top_left[0], rtol=1e-5, atol=1e-7)
    shifted, _ = dream.tiled_gradient(grad, x, np.random.default_rng(0))
    assert shifted.shape == x.shape and np.isfinite(shifted).all()


def test_octaves_dream_at_every_scale_and_raise_the_layer(small_cnn, flower):
    a = small_cnn["attrs"]
    r = dream.octaves(small_cnn["model"], flower, {"conv3": 1.0}, 4, 1.4, 4, 4.0, a["pixel_mean"], a["pixel_std"])
    assert [tuple(s) for s in r["sizes"]] == dream.octave_sizes(112, 4, 1.4) == [(s, s) for s in (41, 57, 80, 112)]
    assert r["dream"].shape == flower.shape and r["octave_images"].shape == (4, 112, 112)
    assert r["losses"].shape == (4, 4, 2)
    assert r["losses"][-1, -1, 1] > r["losses"][0, 0, 1]  # the myopic view's layer loss grew
    assert 0.3 < dream.pearson(r["dream"], flower) < 0.999


# Other models (issue 17): an RGB model dreams in colour, at its own input size and aspect.


def test_an_rgb_model_gets_the_photo_in_colour(flower):
    rgb = photo.load_image("flower", 64, (32, 32, 3))
    assert rgb.shape == (64, 64, 3) and rgb.dtype == np.float32
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 10  # colour, not gray on three channels
    luminance = rgb @ np.float32([0.299, 0.587, 0.114])  # ITU-R 601, what Pillow's "L" computes
    assert dream.pearson(luminance, photo.load_image("flower", 64)) > 0.99


def test_a_gray_file_for_an_rgb_model_is_gray_on_all_channels(tmp_path):
    Image.fromarray(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 251).convert("L").save(tmp_path / "g.png")
    rgb = photo.load_image(str(tmp_path / "g.png"), 40, (32, 32, 3))
    assert rgb.shape == (40, 40, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 1])
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_the_photo_takes_the_aspect_of_the_models_input(tmp_path):
    band = np.zeros((100, 100), np.uint8)
    band[25:75] = 255  # the centered region of aspect 1:2 (50 rows × 100 columns) is white
    Image.fromarray(band).save(tmp_path / "band.png")
    wide = photo.load_image(str(tmp_path / "band.png"), 30, (24, 48, 1))
    assert wide.shape == (30, 60) and wide.min() > 250
    with pytest.raises(photo.DreamError, match=r"100×100 px is smaller than 128×64 px, the model's input"):
        photo.load_image(str(tmp_path / "band.png"), 80, (64, 128, 1))  # its 1:2 region is 100×50


@pytest.fixture(scope="module")
def rgb_model(tmp_path_factory):
    return own_models.rgb_functional(tmp_path_factory.mktemp("rgb") / "rgb.keras")


def _bn_statistics(model):
    return [np.asarray(w) for layer in model.layers if "bn" in layer.name for w in layer.non_trainable_weights]


def test_an_rgb_model_carves_in_colour_and_its_losses_are_the_layers_activation(rgb_model):
    import keras

    image = photo.load_image("flower", 80, (32, 32, 3))
    mean, std = np.zeros(3, np.float32), np.ones(3, np.float32)  # model.input: raw (it rescales itself)
    probe = keras.Model(rgb_model.inputs, rgb_model.get_layer("block2_relu").output)  # independent path
    view = np.asarray(probe([photo.resize(image, 32)[None]], training=False))[0].mean(axis=(0, 1))
    maps = [int(m) for m in np.argsort(-view)[:2]]  # two maps active on the photo (initializers differ by backend)
    assert view[maps].min() > 0
    before = _bn_statistics(rgb_model)
    r = dream.carve(rgb_model, maps, image, 2, 20, 2.0, mean, std, layer="block2_relu")
    for m in maps:
        assert r[m]["patterns"].shape == (2, 32, 32, 3) and r[m]["detailed"].shape == (2, 80, 80, 3)
        for key, epoch in (("starts", 0), ("patterns", 1)):
            act = np.asarray(probe([r[m][key]], training=False))[..., m].mean(axis=(1, 2))
            np.testing.assert_allclose(r[m]["losses"][:, epoch], act, rtol=1e-4, atol=1e-6)
        assert r[m]["losses"][-1, 1] > r[m]["losses"][0, 0]
        assert r[m]["final"].shape == (80, 80, 3) and r[m]["final"].min() == 0 and r[m]["final"].max() == 255
    for a, b in zip(before, _bn_statistics(rgb_model), strict=True):
        np.testing.assert_array_equal(a, b)  # BatchNorm's moving statistics untouched by the ascent


def test_tiles_of_a_non_square_input_assemble_into_the_image_gradient(rgb_model):
    import keras

    x = np.random.default_rng(1).uniform(0, 255, (24, 40, 3)).astype(np.float32)
    flat = keras.Sequential([keras.Input((8, 10, 3)), keras.layers.Conv2D(4, 3, activation="relu", name="c")])
    grad = driver.layer_gradient(flat, {"c": 1.0})
    g, _ = dream.tiled_gradient(grad, x, _NoShift(), (8, 10))
    for top, left in ((0, 0), (16, 30)):
        tile, _ = grad(x[None, top : top + 8, left : left + 10])
        np.testing.assert_allclose(g[top : top + 8, left : left + 10], tile[0], rtol=1e-5, atol=1e-7)


def test_an_rgb_model_deepdreams_in_colour_at_the_photos_aspect(rgb_model):
    image = photo.load_image("flower", 64, (32, 32, 3))
    zero, one = np.zeros(3, np.float32), np.ones(3, np.float32)
    before = _bn_statistics(rgb_model)
    r = dream.octaves(rgb_model, image, {"block2_relu": 1.0}, 4, 1.4, 3, 4.0, zero, one)
    assert [tuple(s) for s in r["sizes"]] == [(32, 32), (33, 33), (46, 46), (64, 64)]  # never below 32×32
    assert r["dream"].shape == image.shape and r["octave_images"].shape == (4, 64, 64, 3)
    assert r["losses"][-1, -1, 1] > r["losses"][0, 0, 1]
    assert 0.3 < dream.pearson(r["dream"], image) < 0.999
    for a, b in zip(before, _bn_statistics(rgb_model), strict=True):
        np.testing.assert_array_equal(a, b)
