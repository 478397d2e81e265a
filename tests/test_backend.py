"""The gradient-ascent step: right loss, rising loss, and the same numbers on TF and JAX."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_dreams import backend, cnn

ROOT = Path(__file__).resolve().parents[1]

JAX_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {workflow!r})
import keras
from mnist_dreams import backend, store
assert keras.backend.backend() == "jax", keras.backend.backend()
z = np.load({inputs!r})
model = store.load_model({model!r})
x, hist = backend.make_ascent(model, "conv3", step_size=0.5, epochs=4)(z["x"], z["m"])
np.savez({out!r}, x=x, hist=hist)
"""


@pytest.fixture(scope="module")
def inputs(mnist, small_cnn):
    attrs = small_cnn["attrs"]
    x = cnn.standardize(mnist["x_test"][:48], attrs["pixel_mean"], attrs["pixel_std"])
    m = (np.arange(48) * 37) % 128  # a different map for each image
    return x, m.astype(np.int32)


def test_loss_history_is_the_mean_activation_of_the_chosen_map(small_cnn, inputs):
    x, m = inputs
    model = small_cnn["model"]
    out, hist = backend.make_ascent(model, "conv3", step_size=0.5, epochs=3)(x, m)
    assert hist.shape == (4, 48) and out.shape == x.shape
    np.testing.assert_allclose(hist[0], backend.map_losses(model, "conv3", x, m), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hist[-1], backend.map_losses(model, "conv3", out, m), rtol=1e-5, atol=1e-5)


def test_penalties_trade_activation_for_smoothness(small_cnn, inputs):
    x, m = inputs
    plain, _ = backend.make_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20)(x, m)
    smooth, _ = backend.make_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20, tv=5.0)(x, m)
    tv = lambda im: np.abs(np.diff(im, axis=1)).mean() + np.abs(np.diff(im, axis=2)).mean()  # noqa: E731
    assert tv(smooth) < tv(plain)


def test_ascent_raises_the_loss_of_active_maps(small_cnn, inputs):
    x, m = inputs
    _, hist = backend.make_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=20)(x, m)
    active = hist[0] > 0
    assert active.sum() >= 10
    assert np.all(hist[-1][active] > hist[0][active])


def test_each_sample_moves_by_its_own_rms_normalised_gradient(small_cnn, inputs):
    x, m = inputs
    out, hist = backend.make_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=1)(x, m)
    rms = np.sqrt(((out - x) ** 2).mean(axis=(1, 2, 3)))
    moved = hist[0] > 0  # a dead map has zero gradient and must not move
    # step * rms/(rms + 1e-5): just under the step size, never over it
    assert np.all(rms[moved] <= 0.5 + 1e-6) and np.all(rms[moved] > 0.45)
    np.testing.assert_array_equal(out[~moved], x[~moved])


def test_tensorflow_and_jax_steps_agree(small_cnn, inputs, tmp_path):
    """Model trained with TF, loaded by Keras-on-JAX: same inputs give the same ascent."""
    pytest.importorskip("jax")
    x, m = inputs
    np.savez(tmp_path / "in.npz", x=x, m=m)
    script = JAX_SCRIPT.format(
        workflow=str(ROOT / "workflow"),
        inputs=str(tmp_path / "in.npz"),
        model=str(small_cnn["path"]),
        out=str(tmp_path / "out.npz"),
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jax_out = np.load(tmp_path / "out.npz")
    tf_x, tf_hist = backend.make_ascent(small_cnn["model"], "conv3", step_size=0.5, epochs=4)(x, m)
    scale = json.dumps({"max|x|": float(np.abs(tf_x).max())})
    np.testing.assert_allclose(jax_out["hist"], tf_hist, rtol=1e-4, atol=1e-4, err_msg=scale)
    np.testing.assert_allclose(jax_out["x"], tf_x, rtol=1e-4, atol=1e-4, err_msg=scale)


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        backend.set_precision("float16")
    backend.set_precision("float32")
