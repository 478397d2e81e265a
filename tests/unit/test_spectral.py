"""The Fourier parameterization as a gradient filter: the filter against NumPy's FFT, the colour
mixing, and what it does to an ascent (smooth patterns, dead starts still dead)."""

import numpy as np
import pytest
from keras import ops

from helpers import conv3_by_numpy, most_active_map
from mnist_dreams.ascent import oip, pattern_numbers
from mnist_dreams.ascent.engine import driver, parameterization


def test_the_gains_fall_as_one_over_frequency_squared():
    g = parameterization.gains(28, 28)
    assert g[0, 0] == pytest.approx(1.0) and g[0, 1] == pytest.approx(1.0)  # DC shares the lowest bin's gain
    assert g[0, 2] == pytest.approx(1 / 4) and g[0, 14] == pytest.approx(1 / 196)  # |f| = 2/28, 14/28
    assert np.allclose(g, g[::-1, ::-1][np.r_[-1, :27]][:, np.r_[-1, :27]])  # even in f: a real filter


@pytest.mark.parametrize("channels", [1, 3])
def test_the_filter_is_numpys_fft_low_pass_and_colour_mixing(channels):
    rng = np.random.default_rng(0)
    g = rng.normal(size=(2, 20, 24, channels)).astype(np.float32)
    got = np.asarray(parameterization.preconditioner((20, 24, channels))(ops.convert_to_tensor(g)))
    expected = np.fft.ifft2(
        np.fft.fft2(g, axes=(1, 2)) * parameterization.gains(20, 24)[None, :, :, None], axes=(1, 2)
    ).real
    if channels == 3:
        mix = parameterization.COLOUR_SQRT / np.linalg.norm(parameterization.COLOUR_SQRT, axis=0).max()
        expected = expected @ (mix @ mix.T)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_fourier_ascent_gives_smooth_patterns_and_leaves_dead_starts_dead(small_cnn):
    a = small_cnn["attrs"]
    starts = oip.random_starts(4, a["pixel_mean"], a["pixel_std"], seed=21)
    model = small_cnn["model"]
    m = most_active_map(model, starts)
    plain, _ = driver.map_ascent(model, "conv3", 0.05, 80)(starts, m)
    smooth, hist = driver.map_ascent(model, "conv3", 0.05, 80, parameterization="fourier")(starts, m)
    share = [np.median([pattern_numbers.high_frequency_share(x) for x in xs]) for xs in (plain, smooth)]
    assert share[1] < share[0] / 3, share
    assert np.all(hist[-1] > hist[0])
    silent = int(np.flatnonzero(conv3_by_numpy(model, starts[:1]).max(axis=(0, 1, 2)) == 0)[0])  # map at exactly 0
    out, hist = driver.map_ascent(model, "conv3", 0.05, 5, parameterization="fourier")(starts[:1], silent)
    np.testing.assert_array_equal(out, starts[:1])
    assert np.all(hist == 0)
