import numpy as np
import pytest
from PIL import Image

from mnist_dreams import backend, dream


@pytest.fixture(scope="module")
def flower():
    return dream.load_image("flower", 112)


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
    loaded = dream.load_image(str(path), 112)
    assert loaded.shape == (112, 112)
    assert dream.pearson(loaded, flower) > 0.99


def test_rectangular_images_are_center_cropped(tmp_path):
    wide = np.zeros((40, 100), np.uint8)
    wide[:, 30:70] = 255  # the center square is white
    Image.fromarray(wide).save(tmp_path / "wide.png")
    assert dream.load_image(str(tmp_path / "wide.png"), 40).min() > 250


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
    with pytest.raises(dream.DreamError, match=rf"dream.image .*bad.png.*{message}"):
        dream.load_image(str(path), 112)


def test_contrast_widens_the_value_distribution(flower):
    narrow = 100 + 0.2 * (flower - flower.mean())
    wide = dream.contrast(narrow)
    assert wide.min() == 0 and wide.max() == 255
    assert dream.pearson(wide, narrow) > 0.98


def _active_map(small_cnn, image):
    a = small_cnn["attrs"]
    x = ((dream.resize(image, 28) - a["pixel_mean"]) / a["pixel_std"])[None, :, :, None]
    losses = [backend.map_losses(small_cnn["model"], "conv3", x, m)[0] for m in range(128)]
    return int(np.argmax(losses))


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
    grad = backend.make_layer_gradient(small_cnn["model"], {"conv3": 1.0})
    x = (dream.resize(flower, 56) - 100.0) / 80.0
    g, _ = dream.tiled_gradient(grad, x, _NoShift())
    top_left, _ = grad(x[None, :28, :28, None])
    np.testing.assert_allclose(g[:28, :28], top_left[0, :, :, 0], rtol=1e-5, atol=1e-7)
    shifted, _ = dream.tiled_gradient(grad, x, np.random.default_rng(0))
    assert shifted.shape == x.shape and np.isfinite(shifted).all()


def test_octaves_dream_at_every_scale_and_raise_the_layer(small_cnn, flower):
    a = small_cnn["attrs"]
    r = dream.octaves(small_cnn["model"], flower, {"conv3": 1.0}, 4, 1.4, 4, 4.0, a["pixel_mean"], a["pixel_std"])
    assert list(r["sizes"]) == dream.octave_sizes(112, 4, 1.4) == [41, 57, 80, 112]
    assert r["dream"].shape == flower.shape and r["octave_images"].shape == (4, 112, 112)
    assert r["losses"].shape == (4, 4, 2)
    assert r["losses"][-1, -1, 1] > r["losses"][0, 0, 1]  # the myopic view's layer loss grew
    assert 0.3 < dream.pearson(r["dream"], flower) < 0.999
