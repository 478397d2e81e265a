"""Transformation robustness: the transforms' geometry, the robust ascent against the plain one,
and the same robust ascent on TensorFlow and JAX."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import most_active_map
from mnist_dreams.ascent import oip
from mnist_dreams.ascent.engine import driver, transforms
from mnist_dreams.ascent.engine.settings import Settings
from mnist_dreams.plumbing import backend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def starts(small_cnn):
    a = small_cnn["attrs"]
    return oip.random_starts(4, a["pixel_mean"], a["pixel_std"], seed=11)


def test_transforms_stay_within_their_bounds_and_keep_the_centre_without_a_shift():
    t = transforms.transforms(50, 20, (28, 28), scale=0.2, rotate=10.0, seed=3)
    assert t.shape == (20, 50, 8)
    a = t[..., [0, 1, 3, 4]].reshape(-1, 2, 2)
    zoom = 1 / np.sqrt(np.linalg.det(a))  # A = R(-θ) / zoom
    assert zoom.min() >= 1 / 1.2 - 1e-6 and zoom.max() <= 1.2 + 1e-6 and zoom.std() > 0.05
    angle = np.degrees(np.arctan2(a[:, 0, 1], a[:, 0, 0]))
    assert np.abs(angle).max() <= 10 + 1e-4 and np.abs(angle).max() > 8
    centre = np.array([13.5, 13.5])
    mapped = np.einsum("nij,j->ni", a, centre) + t[..., [2, 5]].reshape(-1, 2)
    np.testing.assert_allclose(mapped, np.broadcast_to(centre, mapped.shape), atol=1e-4)
    np.testing.assert_array_equal(t, transforms.transforms(50, 20, (28, 28), scale=0.2, rotate=10.0, seed=3))


def test_a_shift_moves_the_image_by_that_many_pixels():
    """The transform's direction, checked by where keras.ops.image.affine_transform puts one pixel."""
    import keras

    image = np.zeros((1, 28, 28, 1), np.float32)
    image[0, 10, 12, 0] = 1.0
    t = transforms.transforms(1, 30, (28, 28), jitter=3, seed=0)
    for row in t[:, 0]:
        moved = np.asarray(keras.ops.image.affine_transform(image, row[None], interpolation="bilinear"))
        dx, dy = -row[2], -row[5]
        assert moved[0, 10 + int(dy), 12 + int(dx), 0] == pytest.approx(1.0) and moved.sum() == pytest.approx(1.0)


def test_identity_transforms_give_the_plain_ascent(small_cnn, starts):
    m = most_active_map(small_cnn["model"], starts)
    plain_x, plain_hist = driver.map_ascent(small_cnn["model"], "conv3", 0.05, 15)(starts, m)
    x, hist = driver.map_ascent(small_cnn["model"], "conv3", 0.05)(starts, m, transforms.identity(4, 15))
    np.testing.assert_allclose(x, plain_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hist, plain_hist, rtol=1e-5, atol=1e-6)


def test_robust_oip_stores_its_images_loss_and_a_map_does_not_depend_on_its_neighbours(small_cnn, starts):
    model = small_cnn["model"]
    m = most_active_map(model, starts)
    other = (m + 1) % 128
    settings = Settings(epochs=30, step_size=0.05, jitter=1, scale=0.1, rotate=8.0)
    alone = oip.optimize(model, m, starts, settings, seed=2)
    recomputed = backend.map_losses(model, "conv3", alone["images"], m)  # the untransformed images
    np.testing.assert_allclose(alone["final_loss"], recomputed, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone["start_loss"], backend.map_losses(model, "conv3", starts, m), rtol=1e-5)
    assert alone["loss_history"].shape == (4, 30) and alone["final_loss"].max() > alone["start_loss"].max()
    together = oip.optimize(model, np.repeat([m, other], 4), np.concatenate([starts, starts]), settings, seed=2)
    np.testing.assert_allclose(together["images"][:4], alone["images"], rtol=1e-5, atol=1e-5)
    changed = oip.optimize(model, m, starts, settings, seed=3)  # other transforms, other images
    assert np.abs(changed["images"] - alone["images"]).max() > 1e-3


@pytest.mark.parametrize(
    ("key", "value", "largest"), [("jitter", 10, "9"), ("scale", 0.6, "0.5"), ("rotate", 46, "45.0")]
)
def test_too_large_transforms_are_refused_with_the_largest_that_fits(key, value, largest):
    message = transforms.check({key: value}, (28, 28, 1))
    assert f"oip.{key} = {value}" in message and f"largest that fits is {largest}" in message
    assert transforms.check({key: value}, (224, 224, 3)) is None or key != "jitter"
    assert transforms.check({"jitter": 9, "scale": 0.5, "rotate": 45}, (28, 28, 1)) is None


JAX_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {workflow!r})
from mnist_dreams.ascent.engine import driver
from mnist_dreams.subject import models
z = np.load({inputs!r})
x, hist = driver.map_ascent(models.load_model({model!r}), "conv3", 0.05)(z["x"], z["m"], z["t"])
np.savez({out!r}, x=x, hist=hist)
"""


def test_tensorflow_and_jax_agree_in_the_forward_pass_and_the_step_direction(small_cnn, starts, tmp_path):
    """The transformed images' losses agree; the steps do not bit for bit: TensorFlow's registered
    gradient of its projective transform warps the output gradient back with the inverse transform,
    JAX differentiates the bilinear sampling exactly. One step's displacement points the same way."""
    pytest.importorskip("jax")
    m = np.full(4, most_active_map(small_cnn["model"], starts), np.int32)
    t = transforms.transforms(4, 1, (28, 28), jitter=2, scale=0.1, rotate=10.0, seed=1)
    np.savez(tmp_path / "in.npz", x=starts, m=m, t=t)
    script = JAX_SCRIPT.format(
        workflow=str(ROOT / "workflow"), inputs=str(tmp_path / "in.npz"), model=str(small_cnn["path"]),
        out=str(tmp_path / "out.npz"),
    )  # fmt: skip
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jax_out = np.load(tmp_path / "out.npz")
    x, hist = driver.map_ascent(small_cnn["model"], "conv3", 0.05)(starts, m, t)
    np.testing.assert_allclose(jax_out["hist"][0], hist[0], rtol=1e-4, atol=1e-6)  # transformed starts' loss
    d_tf, d_jax = (x - starts).reshape(4, -1), (jax_out["x"] - starts).reshape(4, -1)
    live = hist[0] > 0
    cos = (d_tf * d_jax).sum(1) / np.linalg.norm(d_tf, axis=1) / np.linalg.norm(d_jax, axis=1)
    print("cosine of the TF and JAX steps:", np.round(cos, 4))
    assert live.any() and (cos[live] > 0.9).all(), cos


def test_style_auto_is_the_seeds_ascent_for_its_cnn_and_smooth_for_a_users_model():
    auto = Settings(epochs=10, step_size=0.01, style="auto")
    assert auto.styled(False, (28, 28, 1)) == Settings(epochs=10, step_size=0.01, style="seed")
    own = auto.styled(True, (224, 224, 3))
    assert own == Settings(10, 0.01, jitter=8, scale=0.1, rotate=10.0, parameterization="fourier", style="smooth")
    # smooth asked for the seed CNN: rotate 3 kept, the rest set
    explicit = Settings(epochs=10, step_size=0.01, rotate=3.0, style="smooth").styled(False, (28, 28, 1))
    assert explicit == Settings(10, 0.01, jitter=1, scale=0.1, rotate=3.0, parameterization="fourier", style="smooth")
    assert transforms.check(vars(explicit), (28, 28, 1)) is None
    # the params of the resolved ascent: a smooth run records its style, a seed run's params stay as they were
    assert (
        own.params(record_style=True)["style"] == "smooth" and "style" not in auto.styled(False, (28, 28, 1)).params()
    )


def test_the_settings_params_are_the_options_that_are_on_and_read_back_to_the_same_settings():
    section = {"epochs": 50, "step_size": 0.01, "jitter": 0, "l2": 0.0, "tv": 0.0, "l1": 0.2, "blur": 0.0}
    section |= {"scale": 0.0, "rotate": 0.0, "diversity": 0.0, "parameterization": "pixel", "style": "seed"}
    section |= {"bound": "none"}
    ascent = Settings.from_config(section)
    assert ascent.penalties == (("l1", 0.2),) and ascent.weights == {"l1": 0.2} and not ascent.prunable
    params = ascent.params(always=("jitter", "l2", "tv"))
    # the seed-era keys always, a new one only when on: a run made before blur existed stays valid
    assert params == {"epochs": 50, "step_size": 0.01, "jitter": 0, "l2": 0.0, "tv": 0.0, "l1": 0.2}
    assert Settings.from_config(params) == ascent and hash(Settings.from_config(params)) == hash(ascent)
    assert Settings.from_config({"epochs": 5, "step_size": 0.1}).prunable
    bounded = Settings.from_config({**section, "bound": "clip"})
    assert bounded.params()["bound"] == "clip" and Settings.from_config(bounded.params()) == bounded
