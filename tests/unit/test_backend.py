"""The engine's compiled ascent step: right loss, rising loss, and the same numbers on TF and JAX."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_dreams.ascent.engine import driver, penalties
from mnist_dreams.plumbing import backend
from mnist_dreams.subject import photo

ROOT = Path(__file__).resolve().parents[1]

JAX_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {workflow!r})
import keras
from mnist_dreams.ascent.engine import driver
from mnist_dreams.subject import models
assert keras.backend.backend() == "jax", keras.backend.backend()
z = np.load({inputs!r})
model = models.load_model({model!r})
np.savez({out!r}, **{{k: driver.map_ascent(model, "conv3", *run)(z["x"], z["m"])[i] for k, run, i in {runs!r}}})
"""
# What both backends run: one unit step (its displacement is the RMS-normalized gradient) and the
# precursor's 10 epochs at the production step size.
RUNS = (("x_step", (1.0, 1), 0), ("hist_step", (1.0, 1), 1), ("hist_small", (0.01, 10), 1))
EPS32 = float(np.finfo(np.float32).eps)
N_ACC = 3 * 3 * 64  # longest dot product of the objective: one conv3 output sums 576 products


@pytest.fixture(scope="module")
def inputs(mnist, small_cnn):
    attrs = small_cnn["attrs"]
    x = photo.to_input(np.asarray(mnist["x_test"][:48], np.float32)[..., None], attrs["pixel_mean"], attrs["pixel_std"])
    m = (np.arange(48) * 37) % 128  # a different map for each image
    return x, m.astype(np.int32)


def test_loss_history_is_the_mean_activation_of_the_chosen_map(small_cnn, inputs):
    x, m = inputs
    model = small_cnn["model"]
    out, hist = driver.map_ascent(model, "conv3", step_size=0.5, epochs=3)(x, m)
    assert hist.shape == (4, 48) and out.shape == x.shape
    np.testing.assert_allclose(hist[0], backend.map_losses(model, "conv3", x, m), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hist[-1], backend.map_losses(model, "conv3", out, m), rtol=1e-5, atol=1e-5)


def _box_blur(x):
    """3×3 mean over the pixels inside the image (the edge windows average fewer pixels)."""
    pad = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    ones = np.pad(np.ones_like(x), ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1:3]
    window = lambda a: sum(a[:, i : i + h, j : j + w] for i in range(3) for j in range(3))  # noqa: E731
    return window(pad) / window(ones)


NUMPY_PENALTIES = {  # each penalty by NumPy, per image
    "l2": lambda x: (x**2).mean(axis=(1, 2, 3)),
    "tv": lambda x: np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3)) + np.abs(np.diff(x, axis=2)).mean(axis=(1, 2, 3)),
    "l1": lambda x: np.abs(x).mean(axis=(1, 2, 3)),
    "blur": lambda x: ((x - _box_blur(x)) ** 2).mean(axis=(1, 2, 3)),
}


@pytest.mark.parametrize("name", list(NUMPY_PENALTIES))
def test_each_penalty_is_its_formula_and_an_ascent_with_it_holds_it_lower(small_cnn, inputs, name):
    """The registry's penalties against NumPy; ascending with one on ends with less of it."""
    from keras import ops

    x, m = inputs
    assert set(penalties.PENALTIES) == set(NUMPY_PENALTIES)
    got = np.asarray(penalties.PENALTIES[name](ops.convert_to_tensor(x)))
    np.testing.assert_allclose(got, NUMPY_PENALTIES[name](x), rtol=2e-5, atol=1e-6)
    plain, _ = driver.map_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20)(x, m)
    held, _ = driver.map_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20, penalties={name: 5.0})(x, m)
    assert NUMPY_PENALTIES[name](held).mean() < NUMPY_PENALTIES[name](plain).mean()


def test_ascent_raises_the_loss_of_active_maps(small_cnn, inputs):
    x, m = inputs
    _, hist = driver.map_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20)(x, m)
    active = hist[0] > 0
    assert active.sum() >= 10
    assert np.all(hist[-1][active] > hist[0][active])


def test_each_sample_moves_by_its_own_rms_normalised_gradient(small_cnn, inputs):
    x, m = inputs
    out, hist = driver.map_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=1)(x, m)
    rms = np.sqrt(((out - x) ** 2).mean(axis=(1, 2, 3)))
    moved = hist[0] > 0  # a dead map has zero gradient and must not move
    # step * rms/(rms + 1e-5): just under the step size, never over it
    assert np.all(rms[moved] <= 0.5 + 1e-6) and np.all(rms[moved] > 0.45)
    np.testing.assert_array_equal(out[~moved], x[~moved])


def _ascent_runs(model, x, m):
    out = {}
    for key, run, i in RUNS:
        out[key] = driver.map_ascent(model, "conv3", *run)(x, m)[i]
    return out


def _backend_mismatch(a, b, x0):
    """Why two backends' ascents disagree beyond float32 rounding, or None.

    Bounds are float32 error bounds of the longest accumulation (N_ACC·eps, relative): exact
    agreement cannot be asked for, because each backend sums in its own order and large steps carry
    such rounding across ReLU kinks (0.9 % on 2 of 240 values at step 0.5 on an AVX2-only CPU).
    """
    scale = float(np.abs(a["hist_small"]).max())
    forward = np.abs(a["hist_step"][0] - b["hist_step"][0]).max()
    if forward > N_ACC * EPS32 * scale:
        return f"map losses of the same images differ by {forward:.3g} (scale {scale:.3g})"
    # One unit step moves each image by its RMS-normalized gradient: compare it per image.
    g_a, g_b = a["x_step"] - x0, b["x_step"] - x0
    grad = np.sqrt(((g_a - g_b) ** 2).mean(axis=(1, 2, 3))).max()
    if grad > 3 * N_ACC * EPS32:  # three conv layers back to the input
        return f"normalized gradients differ by RMS {grad:.3g} (unit RMS)"
    epochs = len(a["hist_small"]) - 1
    small = np.abs(a["hist_small"] - b["hist_small"]).max()
    if small > epochs * N_ACC * EPS32 * scale:
        return f"{epochs} small steps end {small:.3g} apart (scale {scale:.3g})"
    return None


def test_tensorflow_and_jax_steps_agree(small_cnn, inputs, tmp_path):
    """Model trained with TF, loaded by Keras-on-JAX: same gradient, same ascent within float32."""
    pytest.importorskip("jax")
    x, m = inputs
    np.savez(tmp_path / "in.npz", x=x, m=m)
    script = JAX_SCRIPT.format(
        workflow=str(ROOT / "workflow"),
        inputs=str(tmp_path / "in.npz"),
        model=str(small_cnn["path"]),
        out=str(tmp_path / "out.npz"),
        runs=RUNS,
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jax_runs = dict(np.load(tmp_path / "out.npz"))
    tf_runs = _ascent_runs(small_cnn["model"], x, m)
    assert _backend_mismatch(tf_runs, jax_runs, x) is None
    assert np.count_nonzero(tf_runs["hist_step"][0] > 0) >= 10  # enough live maps to compare gradients


def test_backend_check_catches_real_mismatches(small_cnn, inputs):
    """The tolerance above is not blind: a 5 % larger step or a neighbouring map fails it."""
    x, m = inputs
    model = small_cnn["model"]
    ref = _ascent_runs(model, x, m)
    larger = dict(ref, hist_small=driver.map_ascent(model, "conv3", 0.0105, 10)(x, m)[1])
    assert "small steps" in _backend_mismatch(ref, larger, x)
    other = _ascent_runs(model, x, (m + 1) % 128)
    assert "map losses" in _backend_mismatch(ref, other, x)
    unnormalized = dict(ref, x_step=x + 0.5 * (ref["x_step"] - x))
    assert "normalized gradients" in _backend_mismatch(ref, unnormalized, x)


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        backend.set_precision("float16")
    backend.set_precision("float32")
